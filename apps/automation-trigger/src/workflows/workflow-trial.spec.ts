import { parseAutomationsFile } from '@tracking/customers';
import type { WorkflowCatalog } from './workflow-catalog';
import { UnknownWorkflowError, WorkflowTrial } from './workflow-trial';

const saved = {
  workflows: [
    { id: 'landing', trigger: 'site_page_view', filters: { url_path: { prefix: '/landing/' } } },
    { id: 'paused', trigger: 'site_page_view', enabled: false },
  ],
};

function setup(enabled = true): { sut: WorkflowTrial } {
  const catalog = {
    enabled: () => enabled,
    document: () => saved,
    workflowsOf: (customerId: string) => parseAutomationsFile(customerId, saved, {}),
    check: (customerId: string, document: unknown) => parseAutomationsFile(customerId, document, {}, { resolveSecrets: false }),
  } as unknown as WorkflowCatalog;
  return { sut: new WorkflowTrial(catalog) };
}

describe(WorkflowTrial.name, () => {
  const pageView = (page_url: string) => ({ event: { event_type: 'page_view', page_url } });

  it('says which saved workflows fire, why the others do not, and lists a switched-off one as such', () => {
    const { sut } = setup();
    expect(sut.run('shop', pageView('https://shop.example/landing/a')).results).toEqual([
      { workflow_id: 'landing', fires: true },
      { workflow_id: 'paused', fires: false, failed_filter: 'enabled', reason: 'the workflow is switched off (enabled: false)' },
    ]);
    expect(sut.run('shop', { ...pageView('https://shop.example/about'), workflow_id: 'landing' }).results).toEqual([
      { workflow_id: 'landing', fires: false, failed_filter: 'filters.url_path', reason: 'the path "/about" does not match prefix "/landing/"' },
    ]);
  });

  it('fires nothing for a customer whose automations are switched off', () => {
    const { sut } = setup(false);
    expect(sut.run('shop', pageView('https://shop.example/landing/a'))).toMatchObject({ automation_enabled: false, results: [{ workflow_id: 'landing', fires: false, failed_filter: 'automation_enabled' }, { workflow_id: 'paused', fires: false }] });
  });

  it('tries an unsaved document, webhook secrets not needed, and refuses a workflow it does not have', () => {
    const { sut } = setup();
    const document = { workflows: [{ id: 'hooked', trigger: 'site_custom_event', filters: { event_name: 'signup' }, webhook: { url: 'https://hooks.example/h', secret_env: 'NOT_SET_HERE' } }] };
    expect(sut.run('shop', { event: { event_type: 'form_submission', event_name: 'signup' }, document })).toMatchObject({ saved: false, results: [{ workflow_id: 'hooked', fires: true }] });
    expect(() => sut.run('shop', { ...pageView('https://shop.example/'), workflow_id: 'nope' })).toThrow(UnknownWorkflowError);
  });
});
