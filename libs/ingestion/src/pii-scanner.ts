import { createHmac } from 'node:crypto';
import { REDACTED, isSensitiveKey } from './url-redaction';

export type PiiKind = 'email' | 'card' | 'ssn' | 'phone';

export type PiiAction = { mode: 'redact' } | { mode: 'hash'; key: Buffer };

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
const SSN = /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g;
const PHONE = /(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]\d{3}[ .-]\d{4}\b|\+\d{10,14}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export interface PiiScanResult<T> {
  value: T;
  /** What was found, by kind, for metrics and the audit trail; never the values. */
  found: Partial<Record<PiiKind | 'sensitive_key', number>>;
}

/**
 * Finds e-mail addresses, card numbers (only those passing Luhn), US SSNs and phone numbers in every
 * string of a JSON value, and replaces them by a marker or a keyed hash; values under keys named
 * like password, secret or token are replaced whatever they hold. Returns a new value.
 */
export function scrubPii<T>(input: T, action: PiiAction): PiiScanResult<T> {
  const found: PiiScanResult<T>['found'] = {};
  const count = (kind: PiiKind | 'sensitive_key'): void => {
    found[kind] = (found[kind] ?? 0) + 1;
  };
  const replacement = (kind: PiiKind, match: string): string =>
    action.mode === 'redact' ? `[${kind}]` : `[${kind}:${createHmac('sha256', action.key).update(match).digest('hex').slice(0, 16)}]`;

  const scrubString = (text: string): string =>
    text
      .replace(EMAIL, (match) => (count('email'), replacement('email', match)))
      .replace(SSN, (match) => (count('ssn'), replacement('ssn', match)))
      .replace(CARD, (match) => {
        const digits = match.replace(/\D/g, '');
        if (digits.length < 13 || digits.length > 19 || !luhn(digits)) return match;
        count('card');
        return replacement('card', match);
      })
      .replace(PHONE, (match) => (count('phone'), replacement('phone', match)));

  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') return scrubString(node);
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([key, value]) => {
          if (isSensitiveKey(key) && value !== null && typeof value !== 'object') {
            count('sensitive_key');
            return [key, REDACTED];
          }
          return [key, visit(value)];
        }),
      );
    }
    return node;
  };
  return { value: visit(input) as T, found };
}
