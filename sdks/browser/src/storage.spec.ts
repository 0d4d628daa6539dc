import { localStorageStore, memoryStore, safeStore, type KeyValueStore } from './storage';

function fakeLocalStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe(localStorageStore.name, () => {
  it('keeps a value until its deadline, then forgets it', () => {
    const clock = { now: 1000 };
    const storage = fakeLocalStorage();
    const sut = localStorageStore(storage, () => clock.now);
    sut.set('cp_session_id', 'abc', 1800);
    clock.now += 1_799_999;
    expect(sut.get('cp_session_id')).toBe('abc');
    clock.now += 1;
    expect(sut.get('cp_session_id')).toBeUndefined();
    expect(storage.items.has('cp_session_id')).toBe(false);
  });
});

describe(safeStore.name, () => {
  it('keeps working from memory when the browser refuses storage', () => {
    const refusing: KeyValueStore = {
      get: () => {
        throw new Error('SecurityError');
      },
      set: () => {
        throw new Error('QuotaExceededError');
      },
      remove: () => {
        throw new Error('SecurityError');
      },
    };
    const sut = safeStore(refusing, memoryStore(() => 0));
    sut.set('cp_track_id', 'v1', 60);
    expect(sut.get('cp_track_id')).toBe('v1');
    sut.remove('cp_track_id');
    expect(sut.get('cp_track_id')).toBeUndefined();
  });

  it('does not answer from memory when the browser storage works and another tab removed the value', () => {
    const storage = fakeLocalStorage();
    const sut = safeStore(localStorageStore(storage, () => 0), memoryStore(() => 0));
    sut.set('cp_track_id', 'v1', 60);
    storage.items.delete('cp_track_id');
    expect(sut.get('cp_track_id')).toBeUndefined();
  });
});
