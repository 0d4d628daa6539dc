/** One request of a web server access log in Combined Log Format. */
export interface AccessLogEntry {
  /** `%h`: the client address (or host name, with HostnameLookups on). */
  remoteHost: string;
  /** `%t`, epoch milliseconds. */
  time: number;
  /** `%r` split into its parts; null when the server logged no request line (`"-"`, e.g. a 408). */
  request: { method: string; target: string; protocol: string | null } | null;
  /** `%>s`. */
  status: number;
  /** `%b`; null for `-`. */
  bytes: number | null;
  /** `"%{Referer}i"`; null for `-` or when the line is plain Common Log Format. */
  referrer: string | null;
  userAgent: string | null;
}

export type ParsedLine<T> = { ok: true; value: T } | { ok: false; reason: string };

const MONTHS: Readonly<Record<string, number>> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-])(\d{2})(\d{2})$/;
const METHOD = /^[A-Z][A-Z-]{0,19}$/;

/** `10/Oct/2000:13:55:36 -0700` to epoch milliseconds; NaN when it is not that shape. */
export function parseClfTime(text: string): number {
  const match = CLF_TIME.exec(text);
  const month = match ? MONTHS[match[2]] : undefined;
  if (!match || month === undefined) return Number.NaN;
  const [, day, , year, hour, minute, second, fraction = '0', sign, offsetHours, offsetMinutes] = match;
  const local = Date.UTC(Number(year), month, Number(day), Number(hour), Number(minute), Number(second), Math.floor(Number(`0.${fraction}`) * 1000));
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return local - offset;
}

/**
 * Reads the fields of a line one at a time: bare words, `[bracketed]` time and `"quoted"` strings
 * with the escapes Apache and nginx write (`\"`, `\\`, `\xHH` for bytes they do not print, which
 * can be the bytes of one UTF-8 character, so they are decoded together).
 */
class FieldScanner {
  private position = 0;

  constructor(private readonly line: string) {}

  get done(): boolean {
    this.skipSpaces();
    return this.position >= this.line.length;
  }

  word(): string | undefined {
    this.skipSpaces();
    const start = this.position;
    while (this.position < this.line.length && this.line[this.position] !== ' ') this.position += 1;
    return this.position > start ? this.line.slice(start, this.position) : undefined;
  }

  bracketed(): string | undefined {
    this.skipSpaces();
    if (this.line[this.position] !== '[') return undefined;
    const end = this.line.indexOf(']', this.position);
    if (end < 0) return undefined;
    const text = this.line.slice(this.position + 1, end);
    this.position = end + 1;
    return text;
  }

  quoted(): string | undefined {
    this.skipSpaces();
    if (this.line[this.position] !== '"') return undefined;
    let text = '';
    let escapedBytes: number[] = [];
    const flushBytes = (): void => {
      if (escapedBytes.length > 0) text += Buffer.from(escapedBytes).toString('utf8');
      escapedBytes = [];
    };
    for (let index = this.position + 1; index < this.line.length; index += 1) {
      const char = this.line[index];
      if (char === '\\' && /^x[0-9a-fA-F]{2}$/.test(this.line.slice(index + 1, index + 4))) {
        escapedBytes.push(parseInt(this.line.slice(index + 2, index + 4), 16));
        index += 3;
        continue;
      }
      flushBytes();
      if (char === '"') {
        this.position = index + 1;
        return text;
      }
      if (char !== '\\') {
        text += char;
        continue;
      }
      // Apache writes \" \\ \n and \t; any other backslash is kept as written.
      const next = this.line[index + 1];
      const unescaped = next === '"' || next === '\\' ? next : next === 'n' ? '\n' : next === 't' ? '\t' : undefined;
      if (unescaped === undefined) text += char;
      else {
        text += unescaped;
        index += 1;
      }
    }
    return undefined;
  }

  private skipSpaces(): void {
    while (this.line[this.position] === ' ') this.position += 1;
  }
}

function dash(value: string): string | null {
  return value === '-' || value === '' ? null : value;
}

function parseRequestLine(text: string): AccessLogEntry['request'] {
  const parts = text.split(' ');
  if (parts.length < 2 || parts.length > 3 || !METHOD.test(parts[0]) || parts[1] === '') return null;
  return { method: parts[0], target: parts[1], protocol: parts[2] ?? null };
}

/**
 * `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`. The referrer and user agent may be
 * missing (plain Common Log Format), and fields after them (virtual host, response time) are
 * ignored, as many servers append some. A request line that is not `METHOD target [protocol]`
 * (garbage sent to the port) parses with `request: null`: the line is well formed, the request is not.
 */
export function parseCombinedLogLine(line: string): ParsedLine<AccessLogEntry> {
  const scanner = new FieldScanner(line);
  const remoteHost = scanner.word();
  const ident = scanner.word();
  const user = scanner.word();
  if (remoteHost === undefined || ident === undefined || user === undefined) return { ok: false, reason: 'fewer fields than %h %l %u' };
  const timeText = scanner.bracketed();
  if (timeText === undefined) return { ok: false, reason: 'no [time] after %h %l %u' };
  const time = parseClfTime(timeText);
  if (Number.isNaN(time)) return { ok: false, reason: `time [${timeText}] is not dd/Mon/yyyy:HH:mm:ss ±hhmm` };
  const requestText = scanner.quoted();
  if (requestText === undefined) return { ok: false, reason: 'no "request line" after the time' };
  const statusText = scanner.word();
  if (statusText === undefined || !/^\d{3}$/.test(statusText)) return { ok: false, reason: `status ${statusText ?? '(none)'} is not a 3-digit code` };
  const bytesText = scanner.word();
  if (bytesText === undefined || !/^(\d+|-)$/.test(bytesText)) return { ok: false, reason: `size ${bytesText ?? '(none)'} is neither a number nor -` };
  let referrer: string | undefined;
  let userAgent: string | undefined;
  if (!scanner.done) {
    referrer = scanner.quoted();
    userAgent = referrer === undefined ? undefined : scanner.quoted();
    if (referrer === undefined || userAgent === undefined) return { ok: false, reason: 'referrer and user agent are not both "quoted"' };
  }
  return {
    ok: true,
    value: {
      remoteHost,
      time,
      request: requestText === '-' ? null : parseRequestLine(requestText),
      status: Number(statusText),
      bytes: bytesText === '-' ? null : Number(bytesText),
      referrer: referrer === undefined ? null : dash(referrer),
      userAgent: userAgent === undefined ? null : dash(userAgent),
    },
  };
}
