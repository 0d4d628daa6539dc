import type { MigrationSet } from '@tracking/database';
import { RawLayer1795300000000 } from './1795300000000-raw-layer';
import { DataVault1795500000000 } from './1795500000000-data-vault';
import { TenantIsolation1795500000100 } from './1795500000100-tenant-isolation';
import { AnalyticsViews1795500000200 } from './1795500000200-analytics-views';
import { JobRuns1795600000000 } from './1795600000000-job-runs';
import { Rollups1795700000000 } from './1795700000000-rollups';
import { AuditReadsAndAbuse1795820000000 } from './1795820000000-audit-reads-and-abuse';
import { Sites1795840000000 } from './1795840000000-sites';
import { EventSite1795840000100 } from './1795840000100-event-site';
import { PartitionedVault1795900000000 } from './1795900000000-partitioned-vault';
import { LeanerVault1795900000100 } from './1795900000100-leaner-vault';
import { RejectedEvents1795920000000 } from './1795920000000-rejected-events';
import { DistinctSketches1796000000000 } from './1796000000000-distinct-sketches';
import { DropMemberSets1796000000100 } from './1796000000100-drop-member-sets';
import { DimensionRollups1797000000100 } from './1797000000100-dimension-rollups';

/** In order. Listed explicitly (no glob) so the same list runs from sources and from dist/. */
export const VAULT_MIGRATIONS: MigrationSet = {
  owner: 'vault-loader',
  migrations: [
    RawLayer1795300000000,
    DataVault1795500000000,
    TenantIsolation1795500000100,
    AnalyticsViews1795500000200,
    JobRuns1795600000000,
    Rollups1795700000000,
    AuditReadsAndAbuse1795820000000,
    Sites1795840000000,
    EventSite1795840000100,
    PartitionedVault1795900000000,
    LeanerVault1795900000100,
    RejectedEvents1795920000000,
    DistinctSketches1796000000000,
    DropMemberSets1796000000100,
    DimensionRollups1797000000100,
  ],
};
