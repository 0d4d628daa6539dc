import { parseClfTime, parseCombinedLogLine, type AccessLogEntry } from './combined-log.parser';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36';

function parsed(line: string): AccessLogEntry {
  const result = parseCombinedLogLine(line);
  if (!result.ok) throw new Error(`expected a parse, got: ${result.reason}`);
  return result.value;
}

describe(parseCombinedLogLine.name, () => {
  it('reads every field of a Combined Log Format line', () => {
    expect(parsed(`203.0.113.7 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "${CHROME}"`)).toEqual({
      remoteHost: '203.0.113.7',
      time: Date.parse('2000-10-10T20:55:36Z'),
      request: { method: 'GET', target: '/apache_pb.gif?x=1', protocol: 'HTTP/1.0' },
      status: 200,
      bytes: 2326,
      referrer: 'http://www.example.com/start.html',
      userAgent: CHROME,
    });
  });

  it('takes - for no size, referrer or user agent', () => {
    expect(parsed('2001:db8::1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/2.0" 304 - "-" "-"')).toMatchObject({
      remoteHost: '2001:db8::1',
      bytes: null,
      referrer: null,
      userAgent: null,
    });
  });

  it('reads plain Common Log Format and ignores fields appended after the user agent', () => {
    expect(parsed('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 10')).toMatchObject({ referrer: null, userAgent: null });
    expect(parsed(`192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 10 "-" "${CHROME}" www.example.com 0.004`)).toMatchObject({ userAgent: CHROME });
  });

  it('unescapes quotes, backslashes and \\xHH bytes, decoding UTF-8 spread over several escapes', () => {
    const entry = parsed('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET /caf\\xc3\\xa9 HTTP/1.1" 200 1 "-" "Agent \\"quoted\\" back\\\\slash"');
    expect(entry.request?.target).toBe('/café');
    expect(entry.userAgent).toBe('Agent "quoted" back\\slash');
  });

  it('keeps a line whose request is not a request, without one', () => {
    expect(parsed('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "-" 408 - "-" "-"').request).toBeNull();
    expect(parsed('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "\\x16\\x03\\x01" 400 226 "-" "-"').request).toBeNull();
  });

  it.each([
    ['a truncated line', '198.51.100.23 - - [10/Mar/2024:09:05:4', /no \[time\]/],
    ['a bad month', '192.0.2.1 - - [01/Foo/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', /time/],
    ['a missing status', '192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1"', /status/],
    ['an unquoted user agent', '192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" Mozilla', /quoted/],
    ['free text', 'this is not a log line', /time/],
  ])('refuses %s and says why', (_what, line, reason) => {
    const result = parseCombinedLogLine(line);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe(parseClfTime.name, () => {
  it('applies the zone offset', () => {
    expect(parseClfTime('10/Mar/2024:09:00:01 +0100')).toBe(Date.parse('2024-03-10T08:00:01Z'));
    expect(parseClfTime('10/Mar/2024:09:00:01 -0530')).toBe(Date.parse('2024-03-10T14:30:01Z'));
    expect(parseClfTime('10/Mar/2024:09:00:01.250 +0000')).toBe(Date.parse('2024-03-10T09:00:01.250Z'));
  });

  it('is NaN for anything else', () => {
    expect(parseClfTime('2024-03-10T09:00:01Z')).toBeNaN();
  });
});
