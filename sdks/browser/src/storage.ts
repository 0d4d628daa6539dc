/// <reference lib="dom" />
import type { StorageKind } from './types';

/**
 * First-party storage with lifetimes. Cookies and localStorage are both shared by every tab of a
 * site, which is what keeps one session across tabs (seed 004); memory is per page, for sites
 * that want no storage at all and for the time before consent.
 */
export interface KeyValueStore {
  get(name: string): string | undefined;
  set(name: string, value: string, maxAgeSeconds: number): void;
  remove(name: string): void;
}

export interface CookieSettings {
  domain?: string;
  /** Secure cookies are dropped by the browser on plain-http pages, so only https pages ask for them. */
  secure: boolean;
}

/** `document.cookie`, or anything with its semantics. */
export interface CookieJar {
  cookie: string;
}

export function cookieStore(jar: CookieJar, settings: CookieSettings): KeyValueStore {
  const attributes = (maxAge: number): string =>
    `; Max-Age=${maxAge}; Path=/; SameSite=Lax${settings.domain ? `; Domain=${settings.domain}` : ''}${settings.secure ? '; Secure' : ''}`;
  return {
    get(name) {
      for (const part of jar.cookie.split(';')) {
        const separator = part.indexOf('=');
        if (separator > 0 && part.slice(0, separator).trim() === name) {
          try {
            return decodeURIComponent(part.slice(separator + 1).trim());
          } catch {
            return undefined;
          }
        }
      }
      return undefined;
    },
    set(name, value, maxAgeSeconds) {
      jar.cookie = `${name}=${encodeURIComponent(value)}${attributes(Math.round(maxAgeSeconds))}`;
    },
    remove(name) {
      jar.cookie = `${name}=${attributes(0)}`;
    },
  };
}

/** localStorage has no expiry of its own: each value is stored with its deadline. */
export function localStorageStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, now: () => number): KeyValueStore {
  return {
    get(name) {
      const raw = storage.getItem(name);
      const separator = raw?.indexOf('|') ?? -1;
      if (!raw || separator < 0) return undefined;
      if (Number(raw.slice(0, separator)) <= now()) {
        storage.removeItem(name);
        return undefined;
      }
      return raw.slice(separator + 1);
    },
    set(name, value, maxAgeSeconds) {
      storage.setItem(name, `${now() + maxAgeSeconds * 1000}|${value}`);
    },
    remove(name) {
      storage.removeItem(name);
    },
  };
}

export function memoryStore(now: () => number): KeyValueStore {
  const values = new Map<string, { value: string; expiresAt: number }>();
  return {
    get(name) {
      const entry = values.get(name);
      if (!entry || entry.expiresAt <= now()) return undefined;
      return entry.value;
    },
    set(name, value, maxAgeSeconds) {
      values.set(name, { value, expiresAt: now() + maxAgeSeconds * 1000 });
    },
    remove(name) {
      values.delete(name);
    },
  };
}

/**
 * A store that never throws: browsers refuse storage in private modes, sandboxed iframes and with
 * cookies blocked, and a tracker must never break the page it is on. Failures fall back to memory.
 * The memory copy is read only once the browser's storage has failed (a read or write threw, or a
 * value written did not stay): when it works, "not there" means another tab removed it (consent
 * withdrawn, ids erased), and answering from memory would bring it back.
 */
export function safeStore(primary: KeyValueStore, fallback: KeyValueStore): KeyValueStore {
  let failed = false;
  return {
    get(name) {
      if (failed) return fallback.get(name);
      try {
        return primary.get(name);
      } catch {
        failed = true;
        return fallback.get(name);
      }
    },
    set(name, value, maxAgeSeconds) {
      fallback.set(name, value, maxAgeSeconds);
      if (failed) return;
      try {
        primary.set(name, value, maxAgeSeconds);
        // Blocked cookies are dropped without an error: only reading the value back tells.
        if (primary.get(name) !== value) failed = true;
      } catch {
        failed = true;
      }
    },
    remove(name) {
      fallback.remove(name);
      if (failed) return;
      try {
        primary.remove(name);
      } catch {
        failed = true;
      }
    },
  };
}

/** The browser's store of the chosen kind, wrapped so that it cannot throw. */
export function browserStore(kind: StorageKind, cookieDomain: string | undefined, now: () => number): KeyValueStore {
  const memory = memoryStore(now);
  if (kind === 'memory') return memory;
  if (kind === 'localStorage') {
    try {
      return safeStore(localStorageStore(window.localStorage, now), memory);
    } catch {
      return memory;
    }
  }
  return safeStore(cookieStore(document, { domain: cookieDomain, secure: location.protocol === 'https:' }), memory);
}
