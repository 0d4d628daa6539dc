import { ExporterInstance } from './exporter-instance';
import { mergeStatuses, type CustomerStatus, type InstanceReport } from './service-status';

const customer = (overrides: Partial<CustomerStatus>): CustomerStatus => ({
  customer_id: 'a',
  state: 'exporting',
  last_export_at: null,
  last_object_key: null,
  objects_written: 0,
  events_written: 0,
  bytes_written: 0,
  pending_events: 0,
  held_events: 0,
  writing_events: 0,
  next_close_at: null,
  site_domains: [],
  sites: [],
  failing_since: null,
  next_retry_at: null,
  last_error: null,
  ...overrides,
});

describe(mergeStatuses.name, () => {
  it("adds up the instances' customers, counts each partition once and splits the lag into held and behind", () => {
    const reports: InstanceReport[] = [
      {
        instance_id: 'one',
        url: null,
        status: {
          instance_id: 'one',
          partitions: [{ topic: 't', partition: 0, committed: '100', position: '160', caught_up: true }],
          customers: [customer({ objects_written: 2, events_written: 50, held_events: 40, pending_events: 40, last_export_at: '2026-12-07T10:00:00.000Z', last_object_key: 'k1', site_domains: ['x.example'], sites: ['x'], next_close_at: '2026-12-07T11:00:00.000Z' })],
        },
      },
      {
        instance_id: 'two',
        url: 'http://127.0.0.1:3004',
        status: {
          instance_id: 'two',
          // Reported by both during a rebalance: the one read further counts.
          partitions: [
            { topic: 't', partition: 0, committed: '100', position: '120', caught_up: false },
            { topic: 't', partition: 1, committed: '7', position: '10', caught_up: true },
          ],
          customers: [
            customer({ state: 'failing', objects_written: 1, events_written: 5, writing_events: 5, pending_events: 5, last_export_at: '2026-12-07T10:05:00.000Z', last_object_key: 'k2', site_domains: ['w.example', 'x.example'], sites: ['w', 'x'], next_close_at: '2026-12-07T10:30:00.000Z' }),
            { customer_id: 'broken', state: 'misconfigured', problems: ['s3_export.format must be one of jsonl'] },
          ],
        },
      },
      { instance_id: 'three', url: 'http://127.0.0.1:3005', error: 'status answered 503' },
    ];
    const merged = mergeStatuses(reports, 100);
    expect(merged.lag).toEqual({ held: 63, behind: 37 });
    expect(merged.customers).toEqual([
      customer({
        state: 'failing',
        objects_written: 3,
        events_written: 55,
        pending_events: 45,
        held_events: 40,
        writing_events: 5,
        last_export_at: '2026-12-07T10:05:00.000Z',
        last_object_key: 'k2',
        next_close_at: '2026-12-07T10:30:00.000Z',
        site_domains: ['w.example', 'x.example'],
        sites: ['w', 'x'],
      }),
      { customer_id: 'broken', state: 'misconfigured', problems: ['s3_export.format must be one of jsonl'] },
    ].sort((a, b) => a.customer_id.localeCompare(b.customer_id)));
    expect(merged.instances.map((instance) => [instance.instance_id, instance.error])).toEqual([['one', null], ['two', null], ['three', 'status answered 503']]);
  });

  it('leaves behind unknown while Kafka does not answer', () => {
    expect(mergeStatuses([], null).lag).toEqual({ held: 0, behind: null });
  });
});

describe(ExporterInstance.name, () => {
  it("reads another member's announcement and reaches it at the host the coordinator saw", () => {
    const instance = new ExporterInstance(3003);
    expect(ExporterInstance.fromMember(instance.announcement(), '/10.0.0.7')).toEqual({ id: instance.id, url: 'http://10.0.0.7:3003' });
    expect(ExporterInstance.fromMember(instance.announcement(), '/0:0:0:0:0:0:0:1')?.url).toBe('http://[0:0:0:0:0:0:0:1]:3003');
    expect(ExporterInstance.fromMember(Buffer.from('not json'), '/10.0.0.7')).toBeUndefined();
    expect(ExporterInstance.fromMember(Buffer.alloc(0), '/10.0.0.7')).toBeUndefined();
  });
});
