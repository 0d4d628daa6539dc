import type { MigrationSet } from '@tracking/database';
import { TrackingKeys1795400000000 } from './1795400000000-tracking-keys';
import { StorageUsage1795830000000 } from './1795830000000-storage-usage';
import { ConsoleSessions1795850000000 } from './1795850000000-console-sessions';
import { TrackingKeyScopes1795910000000 } from './1795910000000-tracking-key-scopes';
import { RejectionRedrives1795920000100 } from './1795920000100-rejection-redrives';
import { GatewayRequestHealth1795960000000 } from './1795960000000-gateway-request-health';

/** The gateway's own tables, in order, in its own migrations table. */
export const GATEWAY_MIGRATIONS: MigrationSet = { owner: 'gateway', migrations: [TrackingKeys1795400000000, StorageUsage1795830000000, ConsoleSessions1795850000000, TrackingKeyScopes1795910000000, RejectionRedrives1795920000100, GatewayRequestHealth1795960000000] };
