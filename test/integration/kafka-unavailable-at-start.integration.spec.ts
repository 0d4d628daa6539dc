import { freePort } from '@test/support/free-port';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { testEnvironment } from '@test/support/test-environment';

/**
 * A Kafka the gateway cannot connect to at start (here: nothing listens; on a secured cluster:
 * refused credentials or an untrusted certificate) must not crash-loop it: it starts, answers
 * /readyz with 503 naming the reason, refuses events with 503, and keeps trying (issue 16).
 */
describe('the gateway when Kafka refuses it at start', () => {
  const env = testEnvironment();
  let gateway: RunningService | undefined;

  afterAll(async () => {
    await gateway?.close();
  });

  it('stays up and not ready, naming why in /readyz', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    gateway = await startGateway(env, { KAFKA_BROKERS: nowhere });

    const readiness = await fetch(`${gateway.url}/readyz`);
    expect(readiness.status).toBe(503);
    const body = (await readiness.json()) as { checks: Record<string, { status: string; error?: string }> };
    expect(body.checks['kafka']).toEqual({ status: 'down', error: expect.stringMatching(/^unreachable \(ECONNREFUSED\)/) });
    expect((await fetch(`${gateway.url}/livez`)).status).toBe(200);
  }, 90_000);
});
