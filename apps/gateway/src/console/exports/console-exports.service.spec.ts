import { ApiError } from '@tracking/http';
import type { ServiceAdminClient, ServiceAnswer, ServiceCall } from '../../services/service-admin.client';
import { ConsoleExportsService } from './console-exports.service';

type Answers = Record<string, ServiceAnswer>;

function setup(answers: Answers) {
  const calls: Array<{ path: string; options: ServiceCall }> = [];
  const answer = (path: string, options: ServiceCall = {}): ServiceAnswer => {
    calls.push({ path, options });
    return answers[path] ?? { status: 500, body: { error: 'unexpected' } };
  };
  const services = {
    call: (_service: string, path: string, options?: ServiceCall) => Promise.resolve(answer(path, options)),
    expect: (_service: string, path: string, options?: ServiceCall) => {
      const given = answer(path, options);
      return given.status === 200 ? Promise.resolve(given.body) : Promise.reject(new ApiError(503, 'SERVICE_UNAVAILABLE', 'refused'));
    },
    refusal: (_service: string, given: ServiceAnswer) => new ApiError(given.status, 'INVALID_REQUEST', 'refused'),
  } as unknown as ServiceAdminClient;
  return { sut: new ConsoleExportsService(services), calls };
}

describe(ConsoleExportsService.name, () => {
  describe('status', () => {
    it('answers configured: false for a customer the exporter has no export of, and asks nothing more', async () => {
      const { sut, calls } = setup({ '/api/v1/export/config': { status: 404, body: { error: 'no s3_export' } } });
      expect(await sut.status('acme', 24)).toEqual({ customer_id: 'acme', configured: false });
      expect(calls.map((call) => call.path)).toEqual(['/api/v1/export/config']);
    });

    it("asks about the given customer only and keeps only that customer's entry, not the service-wide lag", async () => {
      const { sut, calls } = setup({
        '/api/v1/export/config': { status: 200, body: { customers: [{ customer_id: 'acme', format: 'jsonl' }] } },
        '/api/v1/export/status': { status: 200, body: { success: true, consumer_lag: 7, customers: [{ customer_id: 'acme', state: 'exporting' }] } },
        '/api/v1/export/activity': { status: 200, body: { success: true, customer_id: 'acme', per_hour: [] } },
      });
      expect(await sut.status('acme', 6)).toEqual({
        customer_id: 'acme',
        configured: true,
        configuration: { customer_id: 'acme', format: 'jsonl' },
        status: { customer_id: 'acme', state: 'exporting' },
        activity: { customer_id: 'acme', per_hour: [] },
      });
      expect(calls.map((call) => call.options.query)).toEqual([{ customer_id: 'acme' }, { customer_id: 'acme' }, { customer_id: 'acme', hours: 6 }]);
    });
  });

  describe('run', () => {
    it('answers counts only, and 404 without an export, asking the exporter once', async () => {
      const ran = setup({ '/api/v1/export/run': { status: 200, body: { success: true, objects: 2, events: 9, failed: 0, instances: [{ instance_id: 'x', url: 'http://10.0.0.1', error: null }, { instance_id: 'y', url: null, error: 'down' }] } } });
      expect(await ran.sut.run('acme')).toEqual({ customer_id: 'acme', objects: 2, events: 9, failed: 0, instances_unreached: 1 });
      const none = setup({ '/api/v1/export/run': { status: 404, body: { error: 'none' } } });
      await expect(none.sut.run('acme')).rejects.toMatchObject({ status: 404 });
      const refused = setup({ '/api/v1/export/run': { status: 400, body: { error: 'bad' } } });
      await expect(refused.sut.run('acme')).rejects.toMatchObject({ status: 400 });
      expect(refused.calls).toHaveLength(1);
    });
  });
});
