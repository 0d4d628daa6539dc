/**
 * What the console may show of an error answer: status, code, route pattern, a message and when.
 * The message is the gateway's own text, which can quote request input (a customer id, a field's
 * value): anything shaped like a credential or an address is masked and the length is bounded, so
 * neither a token, a raw IP nor a payload leaves through it.
 */
export interface ErrorSummary {
  customerId: string;
  at: Date;
  status: number;
  errorCode: string;
  route: string;
  message: string;
}

const MAX_MESSAGE = 200;

const MASKS: ReadonlyArray<[RegExp, string]> = [
  // Bearer values and the platform's token / key shapes (ovt_…, pk_…, sk_…), and long opaque strings.
  [/\bbearer\s+\S+/gi, 'Bearer [redacted]'],
  [/\b(?:ovt|pk|sk|tk|key)_[A-Za-z0-9_-]{6,}/gi, '[redacted]'],
  [/\b[A-Za-z0-9+/_-]{32,}={0,2}/g, '[redacted]'],
  // IPv4 and IPv6 addresses.
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '[address]'],
  // Email addresses are payload, not diagnosis.
  [/[^\s@"']+@[^\s@"']+\.[A-Za-z]{2,}/g, '[email]'],
];

export function safeErrorMessage(message: string): string {
  let text = message.replace(/\s+/g, ' ').trim();
  for (const [pattern, replacement] of MASKS) text = text.replace(pattern, replacement);
  // IPv6: a run of hex groups with '::' or seven colons; a time of day (10:00:00) has neither.
  text = text.replace(/[0-9a-f]*(?::[0-9a-f]*){2,}/gi, (run) => (run.includes('::') || run.split(':').length >= 8 ? '[address]' : run));
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
