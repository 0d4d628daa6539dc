import { createHmac } from 'node:crypto';

/**
 * A UUID-shaped keyed hash (RFC 9562 version 8, the "custom" layout): the same material and key
 * always give the same id. Version 8 rather than 4 because these ids are derived, not random, and
 * anyone reading one should be able to tell.
 *
 * Keyed with the gateway's hash key because the material holds what the privacy rules remove (raw
 * IP addresses, tokens in URLs, PII in event data): an unkeyed hash of a low-entropy value such as
 * a 6-digit token could be reversed by trying every value, and these ids travel to every consumer.
 */
export function keyedUuid(key: Buffer, material: unknown): string {
  const bytes = createHmac('sha256', key).update(JSON.stringify(material)).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
