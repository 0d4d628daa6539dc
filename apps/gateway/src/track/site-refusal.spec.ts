import { singleEventStatus, siteRefusalError } from './site-refusal';

const refused = (index: number, host: string) => ({
  index,
  errors: [{ field: `events[${index}].page_url`, reason: `host "${host}" is not a declared site` }],
  refusal: { kind: 'undeclared_site' as const, host },
});
const invalid = { index: 9, errors: [{ field: 'event_type', reason: 'is required' }] };

describe(siteRefusalError.name, () => {
  it('answers 403 FORBIDDEN naming the hosts when every event was refused for its site', () => {
    const sut = siteRefusalError({ accepted: [], dropped: [], rejected: [refused(0, 'a.example'), refused(1, 'b.example'), refused(2, 'a.example')] }, 'acme');
    expect(sut).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(sut?.message).toBe('Hosts "a.example", "b.example" are not declared sites of customer "acme", which restricts tracking to its declared sites (site_discovery: restricted)');
    expect(sut?.details).toHaveLength(3);
  });

  it('leaves the answer to the batch when something else was rejected or accepted', () => {
    expect(siteRefusalError({ accepted: [], dropped: [], rejected: [refused(0, 'a.example'), invalid] }, 'acme')).toBeUndefined();
    expect(siteRefusalError({ accepted: [{} as never], dropped: [], rejected: [refused(0, 'a.example')] }, 'acme')).toBeUndefined();
    expect(siteRefusalError({ accepted: [], dropped: [], rejected: [] }, 'acme')).toBeUndefined();
  });
});

describe(singleEventStatus.name, () => {
  it('gives the audit record 403 for a refused site, 400 for an invalid event, the success status otherwise', () => {
    expect(singleEventStatus({ accepted: [], dropped: [], rejected: [refused(0, 'a.example')] }, 200, 'acme')).toBe(403);
    expect(singleEventStatus({ accepted: [], dropped: [], rejected: [invalid] }, 200, 'acme')).toBe(400);
    expect(singleEventStatus({ accepted: [], dropped: [], rejected: [] }, 202, 'acme')).toBe(202);
  });
});
