import type { MigrationSet } from '@tracking/database';
import { AutomationTriggers1795600000000 } from './1795600000000-automation-triggers';
import { TriggersOncePerEvent1795600000100 } from './1795600000100-triggers-once-per-event';
import { TriggerErasure1795810000000 } from './1795810000000-trigger-erasure';
import { TriggersByEvent1795940000000 } from './1795940000000-triggers-by-event';

/** In order. Listed explicitly (no glob) so the same list runs from sources and from dist/. */
export const AUTOMATION_MIGRATIONS: MigrationSet = {
  owner: 'automation-trigger',
  migrations: [AutomationTriggers1795600000000, TriggersOncePerEvent1795600000100, TriggerErasure1795810000000, TriggersByEvent1795940000000],
};
