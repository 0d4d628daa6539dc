import { parseCustomerConfig, type CustomerConfigError } from './customer-config.parser';

const HASH = 'a'.repeat(64);
const withTokens = (tokens: object[]) => ({ customer: { id: 'acme', name: 'Acme' }, tracking: { api_tokens: tokens } });

describe('api token scopes', () => {
  it('gives a token without scopes ingest and read, as tokens could before scopes existed', () => {
    const sut = parseCustomerConfig('acme', withTokens([{ id: 'old', sha256: HASH }]), {});
    expect(sut.tracking.apiTokens[0]?.scopes).toEqual(['ingest', 'read']);
  });

  it('keeps the scopes a token declares, once each', () => {
    const sut = parseCustomerConfig('acme', withTokens([{ id: 'ingest', sha256: HASH, scopes: ['ingest', 'ingest'] }, { id: 'console', sha256: 'b'.repeat(64), scopes: ['read', 'admin'] }]), {});
    expect(sut.tracking.apiTokens.map((token) => token.scopes)).toEqual([['ingest'], ['read', 'admin']]);
  });

  it('refuses an unknown or empty list of scopes, naming the field', () => {
    const problems = (tokens: object[]): readonly string[] => {
      try {
        parseCustomerConfig('acme', withTokens(tokens), {});
        return [];
      } catch (error) {
        return (error as CustomerConfigError).problems;
      }
    };
    expect(problems([{ id: 'x', sha256: HASH, scopes: ['ingest', 'write'] }])).toEqual(['acme/config.yaml: tracking.api_tokens[0].scopes[1] must be one of ingest, read, admin, got "write"']);
    expect(problems([{ id: 'x', sha256: HASH, scopes: [] }])).toEqual([
      'acme/config.yaml: tracking.api_tokens[0].scopes must name at least one of ingest, read, admin (leave it out for ingest, read)',
    ]);
  });
});
