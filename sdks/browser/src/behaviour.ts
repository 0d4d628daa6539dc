/// <reference lib="dom" />
import type { BehaviourFeature, Properties } from './types';

export const SCROLL_MILESTONES = [25, 50, 75, 100] as const;

const DOWNLOAD_EXTENSION = /\.(pdf|zip|rar|7z|gz|tgz|tar|docx?|xlsx?|pptx?|csv|txt|rtf|odt|ods|dmg|exe|msi|pkg|apk|iso|mp3|wav|mp4|mov|avi|mkv|epub)$/i;

/** How far down the page the bottom of the viewport is, 0 to 100. */
export function scrollPercent(scrollTop: number, viewportHeight: number, documentHeight: number): number {
  if (documentHeight <= 0) return 100;
  return Math.min(100, Math.max(0, Math.round(((scrollTop + viewportHeight) / documentHeight) * 100)));
}

/** Milestones reached now and not reported before on this page (marked in `reported`). */
export function newMilestones(percent: number, reported: Set<number>): number[] {
  const reached = SCROLL_MILESTONES.filter((milestone) => percent >= milestone && !reported.has(milestone));
  for (const milestone of reached) reported.add(milestone);
  return reached;
}

export type LinkKind = { kind: 'download'; extension: string } | { kind: 'outbound'; host: string };

/** A click worth reporting: a file download, or a link to another site. Others are not tracked. */
export function classifyLink(href: string, pageHref: string, downloadAttribute: boolean): LinkKind | undefined {
  let url: URL;
  try {
    url = new URL(href, pageHref);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const extension = DOWNLOAD_EXTENSION.exec(url.pathname)?.[1]?.toLowerCase();
  if (extension || downloadAttribute) return { kind: 'download', extension: extension ?? '' };
  if (url.hostname !== new URL(pageHref).hostname) return { kind: 'outbound', host: url.hostname };
  return undefined;
}

export function behaviourFeatures(setting: boolean | BehaviourFeature[] | undefined): Set<BehaviourFeature> {
  if (setting === true) return new Set<BehaviourFeature>(['scroll', 'clicks', 'forms', 'visibility']);
  return new Set(Array.isArray(setting) ? setting : []);
}

/** What behavioural tracking reports through; `redact` cleans a URL as the tracker does for pages. */
export interface BehaviourSink {
  emit(name: string, properties: Properties): void;
  redact(url: string): string | undefined;
}

export interface BehaviourTracker {
  /** A new page view (load or SPA navigation): time on the previous page, scroll milestones anew. */
  pageChanged(previousUrl: string | undefined): void;
  /** The page is hidden or leaving: report what must go with the last beacon. */
  pageHidden(leaving: boolean): void;
  pageVisible(): void;
  stop(): void;
}

/**
 * Seed 004's behavioural events, each off unless asked for. Form submissions are reported by the
 * form's identity and size only: no field value is ever read.
 */
export function startBehaviour(features: Set<BehaviourFeature>, sink: BehaviourSink): BehaviourTracker {
  const reported = new Set<number>();
  const stops: Array<() => void> = [];
  const listen = (target: EventTarget, type: string, listener: (event: Event) => void, options?: AddEventListenerOptions): void => {
    target.addEventListener(type, listener, options);
    stops.push(() => target.removeEventListener(type, listener, options));
  };
  let pageStart = Date.now();
  let visibleSince: number | undefined = document.visibilityState === 'visible' ? pageStart : undefined;
  let visibleMs = 0;
  let timeReported = false;

  if (features.has('scroll')) {
    let pending = false;
    listen(window, 'scroll', () => {
      if (pending) return;
      pending = true;
      // One measurement per frame at most: scroll events fire far more often than anything changes.
      requestAnimationFrame(() => {
        pending = false;
        const root = document.documentElement;
        const percent = scrollPercent(window.scrollY, window.innerHeight, Math.max(root.scrollHeight, document.body?.scrollHeight ?? 0));
        for (const depth of newMilestones(percent, reported)) sink.emit('scroll_depth', { depth });
      });
    }, { passive: true });
  }

  if (features.has('clicks')) {
    listen(document, 'click', (event) => {
      const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
      if (!(link instanceof HTMLAnchorElement)) return;
      const kind = classifyLink(link.href, location.href, link.hasAttribute('download'));
      if (!kind) return;
      const href = sink.redact(new URL(link.href, location.href).toString());
      if (kind.kind === 'download') sink.emit('file_download', { href, extension: kind.extension || undefined });
      else sink.emit('outbound_click', { href, host: kind.host });
    }, { capture: true });
  }

  if (features.has('forms')) {
    listen(document, 'submit', (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      sink.emit('form_submit', {
        form_id: form.id || undefined,
        form_name: form.getAttribute('name') || undefined,
        action: form.action ? sink.redact(form.action) : undefined,
        method: (form.getAttribute('method') || 'get').toLowerCase(),
        field_count: form.elements.length,
      });
    }, { capture: true });
  }

  const visibleTotal = (): number => visibleMs + (visibleSince === undefined ? 0 : Date.now() - visibleSince);
  const reportTime = (url: string | undefined): void => {
    if (!features.has('visibility') || timeReported) return;
    timeReported = true;
    sink.emit('time_on_page', { visible_ms: visibleTotal(), total_ms: Date.now() - pageStart, page: url ? sink.redact(url) : undefined });
  };

  return {
    pageChanged(previousUrl) {
      if (previousUrl !== undefined) reportTime(previousUrl);
      reported.clear();
      pageStart = Date.now();
      visibleMs = 0;
      visibleSince = document.visibilityState === 'visible' ? pageStart : undefined;
      timeReported = false;
    },
    pageHidden(leaving) {
      if (!features.has('visibility')) return;
      if (visibleSince !== undefined) {
        visibleMs += Date.now() - visibleSince;
        visibleSince = undefined;
        sink.emit('visibility_change', { state: 'hidden', visible_ms: visibleMs });
      }
      if (leaving) reportTime(location.href);
    },
    pageVisible() {
      if (!features.has('visibility') || visibleSince !== undefined) return;
      visibleSince = Date.now();
      sink.emit('visibility_change', { state: 'visible' });
    },
    stop() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}
