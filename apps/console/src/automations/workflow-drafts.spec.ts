import { describe, expect, it } from '@jest/globals';
import { documentOf, draftOf, draftsOf, emptyDraft, placeProblems, workflowOf } from './workflow-drafts';

const saved = {
  id: 'spring_landing',
  trigger: 'site_page_view',
  enabled: false,
  description: 'kept though the form does not show it',
  filters: {
    url_path: { prefix: '/landing/' },
    event_name: ['Landing', 'Pricing'],
    properties: { plan: { one_of: ['pro', 'team'] }, coupon: { exists: false }, source: 'ads' },
    utm_campaign: 'spring',
  },
  webhook: { url: 'https://hooks.example.com/landing', secret_env: ['HOOK_SECRET_OLD', 'HOOK_SECRET_NEW'] },
};

describe('workflow drafts', () => {
  it('turns a saved workflow into the form and back without losing what the form does not show', () => {
    const draft = draftOf(saved, 0);
    expect(draft).toMatchObject({
      id: 'spring_landing',
      enabled: false,
      pathKind: 'prefix',
      path: '/landing/',
      eventNames: 'Landing, Pricing',
      webhookUrl: 'https://hooks.example.com/landing',
      secretEnv: 'HOOK_SECRET_OLD, HOOK_SECRET_NEW',
      extra: { description: 'kept though the form does not show it' },
      extraFilters: { utm_campaign: 'spring' },
    });
    expect(draft.properties).toEqual([
      { name: 'plan', operator: 'one_of', value: 'pro, team' },
      { name: 'coupon', operator: 'absent', value: '' },
      { name: 'source', operator: 'equals', value: 'ads' },
    ]);
    // A bare value is written back in the explicit form; everything else as it was.
    expect(workflowOf(draft)).toEqual({ ...saved, filters: { ...saved.filters, properties: { ...saved.filters.properties, source: { equals: 'ads' } } } });
  });

  it('writes only what was filled in, so the check names what is missing', () => {
    expect(workflowOf(emptyDraft(2))).toEqual({ id: 'workflow_3', trigger: 'site_page_view' });
    const one = { ...emptyDraft(0), eventNames: ' Signup ,', secretEnv: 'HOOK_SECRET', pathKind: 'exact' as const, path: '/pricing' };
    expect(workflowOf(one)).toEqual({
      id: 'workflow_1',
      trigger: 'site_page_view',
      filters: { url_path: { exact: '/pricing' }, event_name: 'Signup' },
      webhook: { url: '', secret_env: 'HOOK_SECRET' },
    });
  });

  it('reads a plain url_path string as exact, and something not a workflow as an empty form', () => {
    expect(draftOf({ id: 'x', filters: { url_path: '/a' } }, 0)).toMatchObject({ pathKind: 'exact', path: '/a', enabled: true });
    expect(draftOf('not an object', 4)).toEqual(emptyDraft(4));
    expect(draftsOf({ workflows: [saved] }).map((draft) => draft.id)).toEqual(['spring_landing']);
    expect(documentOf(draftsOf({ workflows: [saved] })).workflows).toHaveLength(1);
  });

  it("places each of the trigger's errors beside its field", () => {
    const drafts = [draftOf(saved, 0)];
    const placed = placeProblems(
      [
        { field: 'workflows[0].filters.url_path.prefix', reason: 'must start with /' },
        { field: 'workflows[0].filters.properties.coupon', reason: 'bad' },
        { field: 'workflows[0].filters.properties.unknown', reason: 'bad' },
        { field: 'workflows[0].webhook.secret_env[1]', reason: 'not set' },
        { field: 'workflows[0].filters.event_name[0]', reason: 'empty' },
        { field: 'workflows', reason: 'duplicate ids' },
      ],
      drafts,
    );
    expect(placed.map(({ workflow, slot }) => [workflow, slot])).toEqual([
      [0, 'path'],
      [0, 'property:1'],
      [0, 'general'],
      [0, 'secretEnv'],
      [0, 'eventNames'],
      [null, 'general'],
    ]);
  });
});
