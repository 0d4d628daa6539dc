import { SESSION_INACTIVITY_MS, Sessionizer } from './sessionizer';

const T0 = Date.parse('2024-03-10T08:00:00Z');
const MINUTE = 60_000;

function setup() {
  const sessionId = jest.fn((visitor: string, startedAt: number) => `${visitor}@${startedAt}`);
  return { sut: new Sessionizer(sessionId), mocks: { sessionId } };
}

describe(Sessionizer.name, () => {
  it('keeps a visitor in one session while requests come within 30 minutes of the last', () => {
    const { sut } = setup();
    const first = sut.sessionFor('a', T0);
    expect(sut.sessionFor('a', T0 + 20 * MINUTE)).toBe(first);
    // Rolling: measured from the last request, not the first.
    expect(sut.sessionFor('a', T0 + 45 * MINUTE)).toBe(first);
  });

  it('starts a new session after 30 minutes of inactivity, named by its start', () => {
    const { sut } = setup();
    sut.sessionFor('a', T0);
    expect(sut.sessionFor('a', T0 + SESSION_INACTIVITY_MS + 1)).toBe(`a@${T0 + SESSION_INACTIVITY_MS + 1}`);
  });

  it('keeps visitors apart', () => {
    const { sut } = setup();
    expect(sut.sessionFor('a', T0)).not.toBe(sut.sessionFor('b', T0));
  });

  it('counts a slightly earlier request (logs are written at completion) into the open session', () => {
    const { sut } = setup();
    const open = sut.sessionFor('a', T0 + 10 * MINUTE);
    expect(sut.sessionFor('a', T0 + 9 * MINUTE)).toBe(open);
  });

  it('gives a request from long before the open session a session of its own without ending the open one', () => {
    const { sut } = setup();
    const open = sut.sessionFor('a', T0 + 120 * MINUTE);
    expect(sut.sessionFor('a', T0)).toBe(`a@${T0}`);
    expect(sut.sessionFor('a', T0 + 121 * MINUTE)).toBe(open);
  });

  it('gives the same ids when the same requests are read again', () => {
    const times = [0, 5, 50, 51, 200].map((minutes) => T0 + minutes * MINUTE);
    const run = () => {
      const { sut } = setup();
      return times.map((time) => sut.sessionFor('a', time));
    };
    expect(run()).toEqual(run());
    expect(new Set(run()).size).toBe(3);
  });

  it('asks for an id only when a session starts', () => {
    const { sut, mocks } = setup();
    sut.sessionFor('a', T0);
    sut.sessionFor('a', T0 + MINUTE);
    expect(mocks.sessionId).toHaveBeenCalledTimes(1);
  });
});
