/**
 * What a customer pastes to send events: curl and the Node SDK with a key's secret (servers only),
 * and the browser script tag with a publishable key (README "SDKs"; sdks/browser and sdks/node).
 * The secret itself is never put in a snippet: it goes in TRACKING_SECRET, so a snippet copied into
 * a ticket or a chat leaks nothing.
 */

export interface SnippetContext {
  /** The gateway's origin, e.g. https://collect.example.com. */
  endpoint: string;
  customerId: string;
}

export const SECRET_VARIABLE = 'TRACKING_SECRET';

export function curlSnippet({ endpoint, customerId }: SnippetContext): string {
  return [
    `curl -s -X POST ${endpoint}/api/v1/track \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H 'X-Customer-ID: ${customerId}' \\`,
    `  -H "Authorization: Bearer $${SECRET_VARIABLE}" \\`,
    `  -d '{"event_type":"page_view","page_url":"https://your-site.example/"}'`,
  ].join('\n');
}

export function nodeSnippet({ endpoint, customerId }: SnippetContext): string {
  return [
    '// npm install @tracking-platform/node',
    "import { TrackingClient } from '@tracking-platform/node';",
    '',
    'const tracking = new TrackingClient({',
    `  endpoint: '${endpoint}',`,
    `  customerId: '${customerId}',`,
    `  token: process.env.${SECRET_VARIABLE}!, // the key's secret: servers only`,
    '});',
    '',
    "await tracking.trackPageView('https://your-site.example/');",
    'await tracking.close(); // sends what is queued',
  ].join('\n');
}

export function browserSnippet(context: SnippetContext & { publishableKey: string; script: { url: string; integrity: string } | null }): string {
  const src = `${context.endpoint}${context.script?.url ?? '/js/tracking.js'}`;
  return [
    '<script>',
    '  window.Tracking = window.Tracking || [];',
    "  Tracking.push(['setConsent', 'granted']); // when the visitor accepts your banner",
    '</script>',
    `<script async src="${src}"`,
    ...(context.script ? [`        integrity="${context.script.integrity}"`, '        crossorigin="anonymous"'] : []),
    `        data-customer-id="${context.customerId}"`,
    `        data-key="${context.publishableKey}"></script>`,
  ].join('\n');
}

/** `export TRACKING_SECRET=…`: the one line that carries a fresh secret, shown beside it once. */
export function exportLine(secret: string): string {
  return `export ${SECRET_VARIABLE}='${secret}'`;
}
