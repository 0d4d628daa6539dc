import { customerDigest, type CustomerDocuments, type CustomerTexts } from '@tracking/contracts';
import { customerProblems, planCustomerApply } from './customer-apply.plan';

const CONFIG = 'customer:\n  id: acme\n  name: Acme\n';
const texts = (config = CONFIG, automations: string | null = null): CustomerTexts => ({ config_yaml: config, features_yaml: null, automations_yaml: automations });
const author = { by: 'alice', at: Date.UTC(2026, 11, 7, 8), via: 'tracking customers apply' };

function inForce(customerId: string, customerTexts: CustomerTexts): CustomerDocuments {
  return { customer_id: customerId, ...customerTexts, digest: customerDigest(customerTexts), applied_by: 'bob', applied_at: Date.UTC(2026, 11, 1), applied_via: 'x', changed_files: [] };
}

describe(planCustomerApply.name, () => {
  it('publishes new and changed customers, with who, when and which files changed, and skips unchanged ones', () => {
    const current = new Map([
      ['same', inForce('same', texts('customer:\n  id: same\n  name: Same\n'))],
      ['acme', inForce('acme', texts())],
    ]);
    const wanted = new Map([
      ['same', texts('customer:\n  id: same\n  name: Same\n')],
      ['acme', texts(CONFIG, 'workflows: []\n')],
      ['fresh', texts('customer:\n  id: fresh\n  name: Fresh\n')],
    ]);
    const sut = planCustomerApply(current, wanted, author);
    expect(sut.customers).toEqual([
      { customerId: 'acme', action: 'updated', changedFiles: ['automations.yaml'], previouslyAppliedBy: 'bob', previouslyAppliedAt: '2026-12-01T00:00:00.000Z' },
      { customerId: 'fresh', action: 'created', changedFiles: ['config.yaml'] },
      { customerId: 'same', action: 'unchanged', changedFiles: [], previouslyAppliedBy: 'bob', previouslyAppliedAt: '2026-12-01T00:00:00.000Z' },
    ]);
    expect(sut.records.map((record) => [record.customer_id, record.applied_by, record.applied_at, record.changed_files])).toEqual([
      ['acme', 'alice', author.at, ['automations.yaml']],
      ['fresh', 'alice', author.at, ['config.yaml']],
    ]);
  });
});

describe(customerProblems.name, () => {
  it('names the file and field of every problem, YAML syntax included', () => {
    expect(customerProblems('acme', texts('customer:\n  id: acme\n  name: ""\ntechnical:\n  api_rate_limit: -1\n', 'workflows: {}\n'))).toEqual([
      'acme/config.yaml: customer.name must be a non-empty string',
      'acme/config.yaml: technical.api_rate_limit must be an integer of at least 1',
      'acme/automations.yaml: workflows must be a list',
    ]);
    const problems = customerProblems('acme', { config_yaml: 'customer:\n  id: acme\n  name: ""\n', features_yaml: 'flags: [unclosed\n', automations_yaml: null });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^acme\/features\.yaml: is not valid YAML: .*line 2/);
    expect(problems[1]).toBe('acme/config.yaml: customer.name must be a non-empty string');
  });

  it('checks workflows field by field, secret variable names included, without their values', () => {
    const automations = 'workflows:\n  - id: ok\n    trigger: site_page_view\n    webhook: { url: "https://hooks.example/x", secret_env: ACME_WEBHOOK_SECRET }\n  - id: Bad Id\n    trigger: page_load\n    webhook: { url: "ftp://x", secret_env: "not a name" }\n';
    expect(customerProblems('acme', texts(CONFIG, automations))).toEqual([
      'acme/automations.yaml: workflows[1].id must match /^[a-z0-9][a-z0-9_-]{0,63}$/',
      'acme/automations.yaml: workflows[1].trigger must be one of site_page_view, site_custom_event',
      'acme/automations.yaml: workflows[1].webhook.url must be an http(s) URL',
      'acme/automations.yaml: workflows[1].webhook.secret_env "not a name" is not an environment variable name',
    ]);
  });

  it('finds nothing wrong with a valid customer', () => {
    expect(customerProblems('acme', texts())).toEqual([]);
  });
});
