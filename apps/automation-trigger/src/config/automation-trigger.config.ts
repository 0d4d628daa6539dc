import {
  EnvReader,
  readKafkaSettings,
  readLogLevel,
  readRegistrySettings,
  type Env,
  type KafkaSettings,
  type LogLevel,
  type RegistrySettings,
} from '@tracking/config';

export interface AutomationTriggerConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  kafka: KafkaSettings;
  registry: RegistrySettings;
}

export const AUTOMATION_TRIGGER_CONFIG = Symbol('AUTOMATION_TRIGGER_CONFIG');

export function loadAutomationTriggerConfig(env: Env): AutomationTriggerConfig {
  const reader = new EnvReader('automation-trigger', env);
  const config: AutomationTriggerConfig = {
    host: reader.string('HOST', '127.0.0.1'),
    port: reader.port('AUTOMATION_TRIGGER_PORT', 3002),
    logLevel: readLogLevel(reader),
    kafka: readKafkaSettings(reader, 'automation-trigger'),
    registry: readRegistrySettings(reader),
  };
  reader.done();
  return config;
}
