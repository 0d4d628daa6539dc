import { EnvReader, readServiceSettings, type Env, type ServiceSettings } from '@tracking/config';

export type AutomationTriggerConfig = ServiceSettings;

export const AUTOMATION_TRIGGER_CONFIG = Symbol('AUTOMATION_TRIGGER_CONFIG');

export function loadAutomationTriggerConfig(env: Env): AutomationTriggerConfig {
  const reader = new EnvReader('automation-trigger', env);
  const config = readServiceSettings(reader, 'automation-trigger', { portVariable: 'AUTOMATION_TRIGGER_PORT', port: 3002, host: '127.0.0.1' });
  reader.done();
  return config;
}
