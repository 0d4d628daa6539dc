import { randomBytes } from 'node:crypto';
import { startGatewayProcess, type GatewayProcess } from '@test/support/gateway-process';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Fixed windows: a burst that straddles a boundary would count in two windows. Start clear of one. */
async function clearOfBoundary(windowMs: number, marginMs = 3000): Promise<void> {
  const intoWindow = Date.now() % windowMs;
  if (intoWindow > windowMs - marginMs) await new Promise((resolve) => setTimeout(resolve, windowMs - intoWindow + 50));
}

/** A fresh client address (X-Forwarded-For, TRUST_PROXY on) per burst, so counters of tests and runs never meet. */
const clientAddress = () => `198.51.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 254)}`;

interface Answer {
  status: number;
  limit: string | null;
  remaining: string | null;
  reset: string | null;
  retryAfter: string | null;
  body: Record<string, any>;
}

async function fire(urls: string[], count: number, customer: TestCustomer, forwardedFor: string): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const response = await fetch(`${urls[index % urls.length]}/api/v1/track`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Customer-ID': customer.id,
          Authorization: `Bearer ${customer.token}`,
          'X-Forwarded-For': forwardedFor,
        },
        body: JSON.stringify({ event_type: 'page_view', session_id: `sess_rl_${index}` }),
      });
      return {
        status: response.status,
        limit: response.headers.get('x-ratelimit-limit'),
        remaining: response.headers.get('x-ratelimit-remaining'),
        reset: response.headers.get('x-ratelimit-reset'),
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as Record<string, any>,
      };
    }),
  );
}

describe('gateway rate limits', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();

  describe('in one process (in-memory counters)', () => {
    let gateway: RunningService;
    let customer: TestCustomer;
    let hourly: TestCustomer;

    beforeAll(async () => {
      customer = writeTestCustomer(customersDir);
      hourly = writeTestCustomer(customersDir, { apiRateLimit: 15 });
      gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir, TRUST_PROXY: 'true', TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '20' });
    });

    afterAll(() => gateway?.close());

    it('lets exactly the limit through a concurrent burst from one address, with headers on every answer', async () => {
      await clearOfBoundary(MINUTE);
      const answers = await fire([gateway.url], 50, customer, clientAddress());
      const accepted = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status === 429);
      expect(accepted).toHaveLength(20);
      expect(refused).toHaveLength(30);
      for (const answer of answers) {
        expect(answer.limit).toBe('20');
        expect(answer.reset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/);
      }
      expect(accepted.map((answer) => Number(answer.remaining)).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
      expect(refused[0]).toMatchObject({
        remaining: '0',
        retryAfter: expect.stringMatching(/^\d+$/),
        body: {
          success: false,
          error_code: 'RATE_LIMITED',
          message: 'Request rate limited or blocked',
          customer_id: customer.id,
          tracking_result: { allowed: false, rate_limit_remaining: 0, reason: 'Rate limit exceeded for IP', security_score: expect.any(Number) },
        },
      });
      expect(accepted[0].body).toMatchObject({ tracking_result: { rate_limit_remaining: expect.any(Number) } });
    });

    it('holds each customer to technical.api_rate_limit per hour', async () => {
      await clearOfBoundary(HOUR);
      const answers = await Promise.all(
        Array.from({ length: 3 }, () => fire([gateway.url], 10, hourly, clientAddress())),
      ).then((waves) => waves.flat());
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(15);
      const refused = answers.filter((answer) => answer.status === 429);
      expect(refused).toHaveLength(15);
      expect(refused[0]).toMatchObject({ limit: '15', body: { tracking_result: { reason: 'Rate limit exceeded for customer' } } });
    });
  });

  describe('across two gateway processes sharing Redis', () => {
    let gateways: GatewayProcess[] = [];
    let customer: TestCustomer;
    let hourly: TestCustomer;
    let tight: TestCustomer;

    beforeAll(async () => {
      customer = writeTestCustomer(customersDir);
      hourly = writeTestCustomer(customersDir, { apiRateLimit: 12 });
      tight = writeTestCustomer(customersDir, { apiRateLimit: 5 });
      const settings = { CUSTOMERS_DIR: customersDir, REDIS_URL: env.redisUrl, TRUST_PROXY: 'true', TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '25' };
      gateways = await Promise.all([startGatewayProcess(env, settings), startGatewayProcess(env, settings)]);
    });

    afterAll(async () => {
      await Promise.all(gateways.map((gateway) => gateway.stop()));
    });

    it('shares the per-address limit exactly between both processes', async () => {
      await clearOfBoundary(MINUTE);
      const answers = await fire(
        gateways.map((gateway) => gateway.url),
        60,
        customer,
        clientAddress(),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(25);
      expect(answers.filter((answer) => answer.status === 429)).toHaveLength(35);
      const served = new Set(answers.filter((answer) => answer.status === 200).map((answer) => answer.remaining));
      expect(served.size).toBe(25);
    });

    it('shares the customer\'s hourly limit exactly between both processes', async () => {
      await clearOfBoundary(HOUR);
      const answers = await fire(
        gateways.map((gateway) => gateway.url),
        30,
        hourly,
        clientAddress(),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(12);
      expect(answers.filter((answer) => answer.status === 429)).toHaveLength(18);
    });

    // Both limits are counted in one round trip (IngestionGuard): the address first, the customer's only after the credentials passed.
    it('counts refused credentials against the address only, and refusals by the customer\'s limit against the address too', async () => {
      await clearOfBoundary(HOUR);
      await clearOfBoundary(MINUTE);
      const address = clientAddress();
      const urls = gateways.map((gateway) => gateway.url);
      const wrongToken = { ...tight, token: `wrong_${randomBytes(12).toString('hex')}` };
      // 10 of the address's 25: refused credentials spend none of the customer's 5.
      expect((await fire(urls, 10, wrongToken, address)).map((answer) => answer.status)).toEqual(Array(10).fill(401));
      const valid = await fire(urls, 10, tight, address);
      expect(valid.filter((answer) => answer.status === 200)).toHaveLength(5);
      const byCustomer = valid.filter((answer) => answer.status === 429);
      expect(byCustomer).toHaveLength(5);
      expect(byCustomer[0]).toMatchObject({ body: { tracking_result: { reason: 'Rate limit exceeded for customer' } } });
      // 20 of 25 spent (the customer's refusals count for the address): 5 more are judged, the rest refused by the address.
      const last = await fire(urls, 10, wrongToken, address);
      expect(last.filter((answer) => answer.status === 401)).toHaveLength(5);
      const byAddress = last.filter((answer) => answer.status === 429);
      expect(byAddress).toHaveLength(5);
      expect(byAddress[0]).toMatchObject({ body: { tracking_result: { reason: 'Rate limit exceeded for IP' } } });
    });
  });
});
