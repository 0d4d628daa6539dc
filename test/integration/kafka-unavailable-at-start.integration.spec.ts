import { randomUUID } from 'node:crypto';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { freePort } from '@test/support/free-port';
import { automationTriggerSettings, exporterSettings, startGateway, vaultLoaderSettings, type RunningService } from '@test/support/in-process-services';
import { customersDirectory } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

/**
 * A Kafka a service cannot connect to at start (here: nothing listens; on a secured cluster:
 * refused credentials or an untrusted certificate) must not crash-loop it: it starts, answers
 * /readyz with 503 naming the reason, and keeps trying (issue 16). The gateway also refuses events
 * with 503 meanwhile.
 */
describe('every service when Kafka refuses it at start', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  let gateway: RunningService | undefined;
  const consumers: AppProcess[] = [];

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(consumers.map((service) => service.stop('SIGKILL')));
  });

  it('stays up and not ready, naming why in /readyz', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const group = `it-unreachable-${randomUUID()}`;
    const [started, ...processes] = await Promise.all([
      startGateway(env, { KAFKA_BROKERS: nowhere }),
      startAppProcess('vault-loader', 'VAULT_LOADER_PORT', vaultLoaderSettings(env, group, { KAFKA_BROKERS: nowhere })),
      startAppProcess('automation-trigger', 'AUTOMATION_TRIGGER_PORT', automationTriggerSettings(env, group, customersDir, { KAFKA_BROKERS: nowhere })),
      startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, group, customersDir, { KAFKA_BROKERS: nowhere })),
    ]);
    gateway = started;
    consumers.push(...processes);

    // Each starts listening within seconds; the reason shows once kafkajs has given up its own retries.
    await Promise.all(
      [started.url, ...processes.map((service) => service.url)].map(async (url) => {
        const readiness = await waitFor(
          async () => {
            const response = await fetch(`${url}/readyz`);
            const body = (await response.json()) as { checks: Record<string, { status: string; error?: string }> };
            // `kafka` (the gateway's producer, the exporter's probe) or `kafka_consumer` (the consuming services).
            return { url, status: response.status, kafka: body.checks['kafka'] ?? body.checks['kafka_consumer'] };
          },
          (answer) => answer.status !== 503 || /ECONNREFUSED/.test(answer.kafka?.error ?? ''),
          { what: `${url} naming why it is not ready`, timeoutMs: 90_000, intervalMs: 1000 },
        );
        expect(readiness).toEqual({ url, status: 503, kafka: { status: 'down', error: expect.stringMatching(/unreachable \(ECONNREFUSED\)/) } });
        expect((await fetch(`${url}/livez`)).status).toBe(200);
      }),
    );
  }, 180_000);
});
