import { extractUtm, parseSessionUtm, sessionAttribution } from './utm';

describe(extractUtm.name, () => {
  it('takes the five UTM parameters of a URL and nothing else', () => {
    expect(extractUtm('https://a.example/?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=spa&utm_content=hero&x=1')).toEqual({
      utm_source: 'news',
      utm_medium: 'email',
      utm_campaign: 'spring',
      utm_term: 'spa',
      utm_content: 'hero',
    });
  });

  it('returns undefined for a URL without them, or with empty ones', () => {
    expect(extractUtm('https://a.example/?q=1')).toBeUndefined();
    expect(extractUtm('https://a.example/?utm_source=')).toBeUndefined();
    expect(extractUtm('not a url')).toBeUndefined();
  });

  it('keeps at most 255 characters of a value, as the gateway does', () => {
    expect(extractUtm(`https://a.example/?utm_campaign=${'x'.repeat(300)}`)?.utm_campaign).toHaveLength(255);
  });
});

describe(sessionAttribution.name, () => {
  const stored = { sessionId: 's1', utm: { utm_source: 'news' } };

  it('keeps the session\'s campaign for pages without UTM parameters', () => {
    expect(sessionAttribution(undefined, stored, 's1')).toEqual(stored);
  });

  it('forgets it in a new session', () => {
    expect(sessionAttribution(undefined, stored, 's2')).toBeUndefined();
  });

  it('lets a page with its own UTM parameters replace it', () => {
    expect(sessionAttribution({ utm_source: 'ads' }, stored, 's1')).toEqual({ sessionId: 's1', utm: { utm_source: 'ads' } });
  });
});

describe(parseSessionUtm.name, () => {
  it('reads what was stored and ignores anything malformed', () => {
    expect(parseSessionUtm('{"sessionId":"s","utm":{"utm_source":"a","evil":"x"}}')).toEqual({ sessionId: 's', utm: { utm_source: 'a' } });
    expect(parseSessionUtm('{oops')).toBeUndefined();
    expect(parseSessionUtm('"text"')).toBeUndefined();
    expect(parseSessionUtm(undefined)).toBeUndefined();
  });
});
