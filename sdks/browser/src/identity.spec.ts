import { IdentityStore, SESSION_KEY, UTM_KEY, VISITOR_KEY } from './identity';
import { memoryStore, type KeyValueStore } from './storage';

const MINUTE = 60_000;

function setup(store?: KeyValueStore) {
  const clock = { now: 1_700_000_000_000 };
  let counter = 0;
  const storage = store ?? memoryStore(() => clock.now);
  const sut = new IdentityStore(storage, () => `id-${++counter}`, () => clock.now);
  return { sut, storage, clock };
}

describe(IdentityStore.name, () => {
  describe('touch', () => {
    it('keeps one session while activity comes within 30 minutes, rolling its end forward', () => {
      const { sut, clock } = setup();
      sut.enablePersistence();
      const first = sut.touch();
      clock.now += 29 * MINUTE;
      const second = sut.touch();
      clock.now += 29 * MINUTE;
      const third = sut.touch();
      expect(first.newSession).toBe(true);
      expect([second.sessionId, third.sessionId]).toEqual([first.sessionId, first.sessionId]);
      expect(third.newSession).toBe(false);
    });

    it('starts a new session after 30 idle minutes and keeps the visitor', () => {
      const { sut, clock } = setup();
      sut.enablePersistence();
      const first = sut.touch();
      clock.now += 30 * MINUTE;
      const next = sut.touch();
      expect(next.sessionId).not.toBe(first.sessionId);
      expect(next.newSession).toBe(true);
      expect(next.visitorId).toBe(first.visitorId);
    });

    it('shares visitor and session with another tab through storage', () => {
      const { sut: tabA, storage, clock } = setup();
      const tabB = new IdentityStore(storage, () => 'other', () => clock.now);
      tabA.enablePersistence();
      tabB.enablePersistence();
      const a = tabA.touch();
      clock.now += 20 * MINUTE;
      const b = tabB.touch();
      clock.now += 20 * MINUTE;
      // Tab A was idle for 40 minutes, but tab B's activity kept the shared session alive.
      expect(tabA.touch().sessionId).toBe(a.sessionId);
      expect(b).toEqual({ visitorId: a.visitorId, sessionId: a.sessionId, newSession: false });
    });

    it('stores nothing before consent, and the same ids once it is given', () => {
      const { sut, storage } = setup();
      const before = sut.touch();
      expect(storage.get(VISITOR_KEY)).toBeUndefined();
      expect(storage.get(SESSION_KEY)).toBeUndefined();
      sut.enablePersistence();
      expect(storage.get(VISITOR_KEY)).toBe(before.visitorId);
      expect(storage.get(SESSION_KEY)).toBe(before.sessionId);
    });

    it('stores the visitor for a year and the session for 30 minutes', () => {
      const { sut, storage, clock } = setup();
      sut.enablePersistence();
      const ids = sut.touch();
      clock.now += 31 * MINUTE;
      expect(storage.get(SESSION_KEY)).toBeUndefined();
      expect(storage.get(VISITOR_KEY)).toBe(ids.visitorId);
      clock.now += 365 * 24 * 60 * MINUTE;
      expect(storage.get(VISITOR_KEY)).toBeUndefined();
    });
  });

  describe('disablePersistence', () => {
    it('removes every stored identifier (consent denied)', () => {
      const { sut, storage } = setup();
      sut.enablePersistence();
      const { sessionId } = sut.touch();
      sut.setUserId('user-1');
      sut.attribution({ utm_source: 'news' }, sessionId);
      sut.disablePersistence();
      expect([VISITOR_KEY, SESSION_KEY, UTM_KEY, 'cp_user_id'].map((key) => storage.get(key))).toEqual([undefined, undefined, undefined, undefined]);
    });
  });

  describe('attribution', () => {
    it('keeps the landing page\'s campaign for the rest of the session, and not into the next', () => {
      const { sut, clock } = setup();
      sut.enablePersistence();
      const first = sut.touch();
      expect(sut.attribution({ utm_source: 'news' }, first.sessionId)).toEqual({ utm_source: 'news' });
      clock.now += 10 * MINUTE;
      expect(sut.attribution(undefined, sut.touch().sessionId)).toEqual({ utm_source: 'news' });
      clock.now += 45 * MINUTE;
      expect(sut.attribution(undefined, sut.touch().sessionId)).toBeUndefined();
    });
  });
});
