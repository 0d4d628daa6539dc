import { rejectedPayload } from './rejected-payload';

describe(rejectedPayload.name, () => {
  it('records the body as JSON text, cut to the limit', () => {
    expect(rejectedPayload({ event_type: 'x', n: 1 }, 1000)).toEqual({ payload: '{"event_type":"x","n":1}', truncated: false });
    expect(rejectedPayload({ blob: 'a'.repeat(50) }, 20)).toEqual({ payload: '{"blob":"aaaaaaaaaaa', truncated: true });
    expect(rejectedPayload(undefined, 100)).toEqual({ payload: 'null', truncated: false });
  });

  it('records a body nested too deep to serialise down to a depth instead of failing the request (hostile-input drill)', () => {
    const deep = JSON.parse(`{"__proto__":${'['.repeat(20_000)}${']'.repeat(20_000)}}`) as unknown;
    const { payload, truncated } = rejectedPayload(deep, 100_000);
    expect(truncated).toBe(true);
    expect(payload).toBe(`{"__proto__":${'['.repeat(63)}"…"${']'.repeat(63)}}`);
  });
});
