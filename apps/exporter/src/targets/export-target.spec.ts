import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SiteConfigSource } from '@tracking/customers';
import { EVENT_COLUMN_NAMES } from '../formats';
import { ExportConfigError, parseExportTarget } from './export-target';

const DEFAULTS = { endpoint: 'http://127.0.0.1:4568', realTimeMs: 60_000 };
const ENV = { KEY_ID: 'AKIDEXAMPLE', SECRET: 'wJalrXUtnFEMI' };
const NO_SITES: SiteConfigSource = { sites: { declared: [], discovery: 'auto' }, tracking: { apiTokens: [], publishableKeys: [] } };

function problemsOf(block: unknown, env: Record<string, string> = ENV): string[] {
  try {
    parseExportTarget('acme', { s3_export: block }, env, DEFAULTS, NO_SITES);
  } catch (error) {
    if (error instanceof ExportConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('parseExportTarget', () => {
  const valid = {
    client_bucket: 'acme-analytics',
    backup_bucket: 'platform-backup',
    prefix: '/raw/events/',
    format: 'json',
    compression: 'gzip',
    schedule: 'real-time',
    credentials: { access_key: { env: 'KEY_ID' }, secret_key: { env: 'SECRET' }, region: 'eu-west-1' },
  };

  it('reads seed 004 block with credentials resolved from references', () => {
    const target = parseExportTarget('acme', { s3_export: valid }, ENV, DEFAULTS, NO_SITES);
    expect(target).toMatchObject({
      customerId: 'acme',
      prefix: 'raw/events',
      format: 'jsonl',
      compression: 'gzip',
      schedule: 'real-time',
      maxOpenMs: 60_000,
      client: { bucket: 'acme-analytics', region: 'eu-west-1', endpoint: DEFAULTS.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI' } },
      backup: { bucket: 'platform-backup', credentialSources: { 's3_export.credentials.access_key': 'env:KEY_ID', 's3_export.credentials.secret_key': 'env:SECRET' } },
    });
  });

  it('skips customers without a block or with enabled: false', () => {
    expect(parseExportTarget('acme', { customer: { id: 'acme' } }, ENV, DEFAULTS, NO_SITES)).toBeUndefined();
    expect(parseExportTarget('acme', { s3_export: { ...valid, enabled: false } }, ENV, DEFAULTS, NO_SITES)).toBeUndefined();
  });

  it('reads a secret from a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'export-target-')), 'secret');
    writeFileSync(file, 'from-a-file\n');
    const target = parseExportTarget('acme', { s3_export: { ...valid, credentials: { access_key: { env: 'KEY_ID' }, secret_key: { file } } } }, ENV, DEFAULTS, NO_SITES);
    expect(target?.client.credentials.secretAccessKey).toBe('from-a-file');
  });

  it('refuses plaintext secrets, missing buckets and credentials, and names every bad field', () => {
    expect(problemsOf({ format: 'xml', schedule: 'weekly', credentials: { access_key: 'AKIAPLAINTEXT', secret_key: { env: 'UNSET' } } })).toEqual([
      'acme/config.yaml: s3_export.format must be one of json, jsonl, csv, parquet, avro; got "xml"',
      'acme/config.yaml: s3_export.schedule must be one of real-time, hourly, daily; got "weekly"',
      'acme/config.yaml: s3_export.client_bucket is required',
      'acme/config.yaml: s3_export.credentials.access_key must be a reference { env: NAME } or { file: PATH }, not the secret itself',
      "acme/config.yaml: s3_export.credentials.secret_key.env names UNSET, which is not set in the exporter's environment",
    ]);
    expect(problemsOf({ client_bucket: 'acme-analytics' })).toEqual([
      'acme/config.yaml: s3_export.credentials is required: access_key and secret_key as { env: NAME } or { file: PATH } references',
    ]);
  });

  it('refuses bucket names S3 refuses, gzip for self-compressed formats, and non-HTTP endpoints', () => {
    expect(problemsOf({ ...valid, client_bucket: 'Acme_Bucket' })[0]).toContain('s3_export.client_bucket must match');
    expect(problemsOf({ ...valid, format: 'parquet', compression: 'gzip' })).toEqual(['acme/config.yaml: s3_export.compression gzip applies to json and csv only; parquet files are compressed inside']);
    expect(problemsOf({ ...valid, endpoint: 'ftp://files.example' })).toEqual(['acme/config.yaml: s3_export.endpoint must be an http(s) URL, got "ftp://files.example"']);
  });

  describe('split_by_site, include_event_types and fields', () => {
    it('defaults to one folder per customer, every event type and every column', () => {
      const target = parseExportTarget('acme', { s3_export: valid }, ENV, DEFAULTS, NO_SITES);
      expect(target?.splitBySite).toBe(false);
      expect(target?.includeEventTypes).toBeUndefined();
      expect(target?.columns.map((column) => column.name)).toEqual(EVENT_COLUMN_NAMES);
    });

    it('reads them, keeping the columns in the schema order whatever order the list has', () => {
      const target = parseExportTarget(
        'acme',
        { s3_export: { ...valid, split_by_site: true, include_event_types: ['page_view', 'signup.completed'], fields: ['page_url', 'event_id', 'occurred_at'] } },
        ENV,
        DEFAULTS,
        NO_SITES,
      );
      expect(target?.splitBySite).toBe(true);
      expect([...(target?.includeEventTypes ?? [])]).toEqual(['page_view', 'signup.completed']);
      expect(target?.columns.map((column) => column.name)).toEqual(['event_id', 'page_url', 'occurred_at']);
    });

    it('names unknown columns with the known ones, malformed or repeated types, empty lists and a non-boolean split', () => {
      expect(problemsOf({ ...valid, split_by_site: 'yes', include_event_types: ['page_view', 'page view', 'page_view'], fields: ['event_id', 'ip'] })).toEqual([
        'acme/config.yaml: s3_export.split_by_site must be true or false',
        'acme/config.yaml: s3_export.include_event_types[2] names "page_view" twice',
        `acme/config.yaml: s3_export.include_event_types[1] "page view" is not an event type (/^[A-Za-z][A-Za-z0-9_.:-]{0,49}$/)`,
        `acme/config.yaml: s3_export.fields[1] "ip" is not a column; the columns are ${EVENT_COLUMN_NAMES.join(', ')}`,
      ]);
      expect(problemsOf({ ...valid, include_event_types: [], fields: 'event_id' })).toEqual([
        'acme/config.yaml: s3_export.include_event_types must name at least one item (leave it out to export everything)',
        'acme/config.yaml: s3_export.fields must be a list',
      ]);
    });
  });
});
