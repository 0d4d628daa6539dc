import type { FieldError } from './track-request';

/** Keys that would reach Object.prototype or a constructor when a consumer merges the object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks client JSON once and reports keys that enable prototype pollution, nesting deeper than the
 * limit, numbers JSON parsed to infinity, and NUL characters (no database or CSV reader downstream
 * can keep them); the walk is bounded by the depth limit itself.
 */
export function inspectJson(value: unknown, path: string, maxDepth: number): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: unknown, at: string, depth: number): void => {
    if (errors.length >= 20) return;
    if (typeof node === 'string' && node.includes('\u0000')) {
      errors.push({ field: at, reason: 'contains a NUL character' });
      return;
    }
    if (typeof node === 'number' && !Number.isFinite(node)) {
      errors.push({ field: at, reason: 'number is out of range' });
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (depth > maxDepth) {
      errors.push({ field: at, reason: `nesting deeper than ${maxDepth} levels` });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${at}[${index}]`, depth + 1));
      return;
    }
    for (const key of Object.keys(node)) {
      const child = `${at}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) errors.push({ field: child, reason: `key "${key}" is not allowed` });
      else if (key.includes('\u0000')) errors.push({ field: at, reason: 'has a key with a NUL character' });
      else visit((node as Record<string, unknown>)[key], child, depth + 1);
    }
  };
  visit(value, path, 1);
  return errors;
}
