/**
 * One RFC 4180 field, shared by every CSV the platform writes (the gateway's analytics export, the
 * exporter's S3 objects). A text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
 * its start) gets a leading apostrophe: event names and URLs come from the public internet (OWASP
 * CSV injection). Numbers and dates are written as they are.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
