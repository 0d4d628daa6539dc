import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as avro from 'avsc';
import { readAvroSchema } from './schema-files';
import { SITE_DOMAIN_SCHEMA_FILE, type SiteDomain } from './site-domain';

/** The version billing.site-domains.v1 carried before site_id (frozen, as docs/schema-evolution.md asks). */
const BEFORE = avro.Type.forSchema(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'schemas', 'site-domain.v1.before-site-id.avsc'), 'utf8')) as avro.Schema);
const CURRENT = readAvroSchema(SITE_DOMAIN_SCHEMA_FILE).type;

const record: SiteDomain = { customer_id: 'agency', domain: 'shop.example', first_event_id: 'e1', first_seen_at: Date.UTC(2026, 11, 7), site_id: 'shop' };

describe('SiteDomain', () => {
  it('mirrors the schema field for field', () => {
    expect((CURRENT as avro.types.RecordType).fields.map((field) => field.name).sort()).toEqual(Object.keys(record).sort());
  });

  it('reads a record from before site_id with site_id null, and a reader from before reads a new record without it (BACKWARD both ways)', () => {
    const { site_id: _siteId, ...old } = record;
    const oldBytes = BEFORE.toBuffer(old);
    expect(CURRENT.fromBuffer(oldBytes, CURRENT.createResolver(BEFORE))).toEqual({ ...old, site_id: null });
    expect(BEFORE.fromBuffer(CURRENT.toBuffer(record), BEFORE.createResolver(CURRENT))).toEqual(old);
  });
});
