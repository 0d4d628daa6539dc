/** One customer's export as one instance sees it (GET /export/status?scope=instance). */
export interface CustomerStatus {
  customer_id: string;
  state: 'exporting' | 'failing' | 'misconfigured';
  last_export_at?: string | null;
  last_object_key?: string | null;
  objects_written?: number;
  events_written?: number;
  bytes_written?: number;
  /** held_events + writing_events. */
  pending_events?: number;
  /** In open objects: waiting on purpose for their schedule (or their size). */
  held_events?: number;
  /** In closed objects being written. */
  writing_events?: number;
  /** When the earliest open object's schedule ends; in the past while it waits for its partition to be read further. */
  next_close_at?: string | null;
  site_domains?: string[];
  sites?: string[];
  failing_since?: string | null;
  next_retry_at?: string | null;
  last_error?: { message: string; at: string } | null;
  problems?: readonly string[];
}

/** A partition this instance owns: committed, read up to (next offset to read), and whether it reached the end. */
export interface PartitionStatus {
  topic: string;
  partition: number;
  committed: string | null;
  position: string | null;
  caught_up: boolean;
}

export interface InstanceStatus {
  instance_id: string;
  partitions: PartitionStatus[];
  customers: CustomerStatus[];
}

/** An instance the asked one reached (or tried to). */
export interface InstanceReport {
  instance_id: string;
  url: string | null;
  status?: InstanceStatus;
  error?: string;
}

export interface ServiceStatus {
  success: true;
  /** Records of the group's topics not yet committed, all instances together (null while Kafka does not answer). */
  consumer_lag: number | null;
  lag: {
    /** Read but kept uncommitted on purpose: an open object (waiting for its schedule) or a write in progress holds the commit. */
    held: number;
    /** Not read yet: the exporter is behind by this many records. */
    behind: number | null;
  };
  instances: Array<{ instance_id: string; url: string | null; partitions: PartitionStatus[]; error: string | null }>;
  customers: CustomerStatus[];
}

const later = (a: string | null | undefined, b: string | null | undefined): string | null => (!a ? (b ?? null) : !b ? a : a > b ? a : b);
const earlier = (a: string | null | undefined, b: string | null | undefined): string | null => (!a ? (b ?? null) : !b ? a : a < b ? a : b);

/**
 * One customer over all instances: counts add up, failing wins (any instance's bucket failing holds
 * that customer's records there), the latest export and error, the earliest retry and close.
 */
function mergeCustomer(a: CustomerStatus, b: CustomerStatus): CustomerStatus {
  if (a.state === 'misconfigured') return a;
  const sum = (key: 'objects_written' | 'events_written' | 'bytes_written' | 'pending_events' | 'held_events' | 'writing_events') => (a[key] ?? 0) + (b[key] ?? 0);
  const lastExportAt = later(a.last_export_at, b.last_export_at);
  const lastError = !a.last_error ? (b.last_error ?? null) : !b.last_error ? a.last_error : a.last_error.at >= b.last_error.at ? a.last_error : b.last_error;
  return {
    customer_id: a.customer_id,
    state: a.state === 'failing' || b.state === 'failing' ? 'failing' : 'exporting',
    last_export_at: lastExportAt,
    last_object_key: lastExportAt !== null && lastExportAt === b.last_export_at ? (b.last_object_key ?? null) : (a.last_object_key ?? null),
    objects_written: sum('objects_written'),
    events_written: sum('events_written'),
    bytes_written: sum('bytes_written'),
    pending_events: sum('pending_events'),
    held_events: sum('held_events'),
    writing_events: sum('writing_events'),
    next_close_at: earlier(a.next_close_at, b.next_close_at),
    site_domains: [...new Set([...(a.site_domains ?? []), ...(b.site_domains ?? [])])].sort(),
    sites: [...new Set([...(a.sites ?? []), ...(b.sites ?? [])])].sort(),
    failing_since: earlier(a.failing_since, b.failing_since),
    next_retry_at: earlier(a.next_retry_at, b.next_retry_at),
    last_error: lastError,
  };
}

/**
 * The service's status from every instance's: customers merged, each partition counted once (the
 * instance that read furthest, should two report it during a rebalance), and the group's lag split
 * into records held on purpose and records not read yet.
 */
export function mergeStatuses(reports: readonly InstanceReport[], consumerLag: number | null): ServiceStatus {
  const customers = new Map<string, CustomerStatus>();
  const partitions = new Map<string, PartitionStatus>();
  for (const report of reports) {
    for (const customer of report.status?.customers ?? []) {
      const known = customers.get(customer.customer_id);
      customers.set(customer.customer_id, known ? mergeCustomer(known, customer) : customer);
    }
    for (const partition of report.status?.partitions ?? []) {
      const id = `${partition.topic}:${partition.partition}`;
      const known = partitions.get(id);
      if (!known || BigInt(partition.position ?? -1) > BigInt(known.position ?? -1)) partitions.set(id, partition);
    }
  }
  let held = 0;
  for (const partition of partitions.values()) {
    if (partition.position !== null && partition.committed !== null) held += Math.max(0, Number(BigInt(partition.position) - BigInt(partition.committed)));
  }
  return {
    success: true,
    consumer_lag: consumerLag,
    lag: { held: consumerLag === null ? held : Math.min(held, consumerLag), behind: consumerLag === null ? null : Math.max(0, consumerLag - held) },
    instances: reports.map((report) => ({ instance_id: report.instance_id, url: report.url, partitions: report.status?.partitions ?? [], error: report.error ?? null })),
    customers: [...customers.values()].sort((a, b) => a.customer_id.localeCompare(b.customer_id)),
  };
}
