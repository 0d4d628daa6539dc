import { ApiError } from '@tracking/http';
import type { WebhookDispatcher } from '../delivery/webhook.dispatcher';
import type { TriggerRepository } from '../triggers/trigger.repository';
import type { WorkflowCatalog } from '../workflows/workflow-catalog';
import { WorkflowTrial } from '../workflows/workflow-trial';
import { AutomationsController } from './automations.controller';

function controller(): { controller: AutomationsController; replace: jest.Mock; redeliver: jest.Mock } {
  const replace = jest.fn(() => []);
  const redeliver = jest.fn(async () => 'not_found');
  const catalog = { knows: () => true, reload: () => undefined, replace } as unknown as WorkflowCatalog;
  const triggers = { redeliver } as unknown as TriggerRepository;
  const dispatcher = { wake: () => undefined } as unknown as WebhookDispatcher;
  return { controller: new AutomationsController(catalog, triggers, dispatcher, new WorkflowTrial(catalog)), replace, redeliver };
}

function statusOf(action: () => unknown): Promise<number> {
  return Promise.resolve()
    .then(action)
    .then(
      () => 0,
      (error: unknown) => (error instanceof ApiError ? error.status : -1),
    );
}

describe('the automations admin API refuses what the hostile-input drill sent', () => {
  it('refuses a workflows document that is not JSON (a form-encoded body would read as "no workflows" and wipe them)', async () => {
    const { controller: api, replace } = controller();
    expect(await statusOf(() => api.replaceWorkflows('application/x-www-form-urlencoded', 'acme', { '{"workflows":[]}': '' }))).toBe(415);
    expect(await statusOf(() => api.replaceWorkflows(undefined, 'acme', {}))).toBe(415);
    expect(replace).not.toHaveBeenCalled();
    expect(await statusOf(() => api.replaceWorkflows('application/json; charset=utf-8', 'acme', { workflows: [] }))).toBe(0);
    expect(replace).toHaveBeenCalledTimes(1);
  });

  it('answers 404 for a trigger id no trigger can have, without asking the database', async () => {
    const { controller: api, redeliver } = controller();
    expect(await statusOf(() => api.redeliver('acme', 'a\u0000b'))).toBe(404);
    expect(await statusOf(() => api.redeliver('acme', 't'.repeat(300)))).toBe(404);
    expect(redeliver).not.toHaveBeenCalled();
    expect(await statusOf(() => api.redeliver('acme', '0123456789abcdef0123456789abcdef'))).toBe(404);
    expect(redeliver).toHaveBeenCalledTimes(1);
  });
});
