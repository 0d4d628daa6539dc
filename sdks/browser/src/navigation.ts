/// <reference lib="dom" />

/** Fired on window after history.pushState/replaceState, which fire no event of their own. */
export const LOCATION_CHANGE_EVENT = 'tracking:locationchange';

const PATCHED = '__trackingHistoryPatched';

/**
 * Single-page apps change the URL with the History API, which tells nobody. history.pushState and
 * replaceState are wrapped once per window to announce the change as an event, so several
 * trackers (and their removal) never stack wrappers on top of each other.
 */
function patchHistory(): void {
  const marked = history as History & { [PATCHED]?: boolean };
  if (marked[PATCHED]) return;
  marked[PATCHED] = true;
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      window.dispatchEvent(new Event(LOCATION_CHANGE_EVENT));
      return result;
    };
  }
}

/** Calls `onChange` after every navigation that does not load a page; returns the way to stop. */
export function watchNavigation(onChange: () => void): () => void {
  patchHistory();
  window.addEventListener(LOCATION_CHANGE_EVENT, onChange);
  window.addEventListener('popstate', onChange);
  // Hash routers (`#/route`) navigate by changing the fragment only.
  window.addEventListener('hashchange', onChange);
  return () => {
    window.removeEventListener(LOCATION_CHANGE_EVENT, onChange);
    window.removeEventListener('popstate', onChange);
    window.removeEventListener('hashchange', onChange);
  };
}

/**
 * The page a view is counted for: the fragment is left out, so in-page anchors are no new view,
 * unless it is a hash router's route (`#/route`).
 */
export function pageKey(href: string): string {
  const hash = href.indexOf('#');
  if (hash < 0) return href;
  if (href.startsWith('#/', hash)) return href;
  return href.slice(0, hash);
}
