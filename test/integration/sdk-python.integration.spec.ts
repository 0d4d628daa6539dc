import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { repositoryRoot } from '@tracking/services';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';

const run = promisify(execFile);
/** Debian's Python: the client promises the standard library only, so the system interpreter is the test. */
const PYTHON = '/usr/bin/python3';
const SDK = join(repositoryRoot(), 'sdks', 'python');

/** What the script below prints: the answers and ids it got, one JSON object. */
interface ScriptOutput {
  single: { success: boolean; event_id: string };
  bulk: { events_processed: number; events_failed: number; errors: Array<{ index: number; field: string }>; event_ids: string[] };
  queued: string[];
  flushed: { accepted: number; failed: number };
  refused: { status: number; error_code: string };
  version: string;
}

const SCRIPT = `
import json, sys
from tracking_client import TrackingClient, TrackingError, __version__

endpoint, customer, token = sys.argv[1:4]
with TrackingClient(endpoint, customer, token, flush_at=10, flush_interval=0.5) as client:
    single = client.track_event({"event_type": "page_view", "page_url": "https://shop.example/python", "session_id": "sess_py"})
    bulk = client.track_bulk_events([
        {"event_type": "feature_usage", "session_id": "sess_py", "event_data": {"n": 1}},
        {"event_type": "not a valid type!", "session_id": "sess_py"},
        {"event_type": "feature_usage", "session_id": "sess_py", "event_data": {"n": 3}},
    ])
    queued = [client.enqueue({"event_type": "feature_usage", "session_id": "sess_py", "event_data": {"queued": i}}) for i in range(25)]
    flushed = client.flush(timeout=30)
try:
    TrackingClient(endpoint, customer, "wrong-token").track_event({"event_type": "page_view"})
    refused = None
except TrackingError as error:
    refused = {"status": error.status, "error_code": error.error_code}
print(json.dumps({"single": single, "bulk": bulk, "queued": queued, "flushed": {"accepted": flushed.accepted, "failed": flushed.failed}, "refused": refused, "version": __version__}))
`;

describe('Python client, installed with pip from sdks/python, against the real gateway', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const customer = writeTestCustomer(customersDir);
  const work = mkdtempSync(join(tmpdir(), 'tracking-python-'));
  const python = join(work, 'venv', 'bin', 'python');
  let gateway: RunningService;

  beforeAll(async () => {
    // --no-index: the package's own build backend needs nothing from PyPI, so this works offline.
    await run(PYTHON, ['-m', 'venv', join(work, 'venv')]);
    await run(python, ['-m', 'pip', 'install', '--quiet', '--no-index', SDK], { cwd: work });
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('is installed as a package, not read from the source tree, and its own unit tests pass against it', async () => {
    const { stdout } = await run(python, ['-c', 'import tracking_client; print(tracking_client.__file__, tracking_client.__version__)'], { cwd: work });
    expect(stdout.trim()).toMatch(new RegExp(`^${join(work, 'venv')}\\S+ \\d+\\.\\d+\\.\\d+$`));
    const tests = await run(python, ['-m', 'unittest', 'discover', '-s', join(SDK, 'tests')], { cwd: work });
    expect(tests.stderr).toMatch(/\nOK\s*$/);
  }, 60_000);

  it("sends single, bulk and batched events that land on the topic once each with the client's ids, and reports refusals typed", async () => {
    const from: Positions = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const script = join(work, 'send.py');
    writeFileSync(script, SCRIPT);
    const { stdout } = await run(python, [script, gateway.url, customer.id, customer.token], { cwd: work, timeout: 60_000 });
    const output = JSON.parse(stdout) as ScriptOutput;

    expect(output.single.success).toBe(true);
    expect(output.bulk).toMatchObject({ events_processed: 2, events_failed: 1 });
    expect(output.bulk.errors.map((error) => [error.index, error.field])).toContainEqual([1, 'events[1].event_type']);
    expect(output.flushed).toEqual({ accepted: 25, failed: 0 });
    expect(output.refused).toEqual({ status: 401, error_code: 'UNAUTHORIZED' });

    const expected = [output.single.event_id, output.bulk.event_ids[0], output.bulk.event_ids[2], ...output.queued];
    const end = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) =>
      [...end].every(([partition, high]) => BigInt(high) <= BigInt(from.get(partition) ?? '0') || seen.some((record) => record.partition === partition && BigInt(record.offset) >= BigInt(high) - 1n)),
    );
    const ours = records.map((record) => record.value).filter((event) => event.customer_id === customer.id);
    expect(ours.map((event) => event.event_id).sort()).toEqual([...expected].sort());
    expect(ours.find((event) => event.event_id === output.single.event_id)?.page_url).toBe('https://shop.example/python');
    expect(new Set(ours.map((event) => `${event.library_name} ${event.library_version}`))).toEqual(new Set([`tracking-platform-client ${output.version}`]));
  }, 90_000);
});
