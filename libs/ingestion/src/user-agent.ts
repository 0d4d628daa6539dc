/**
 * Drops what identifies a device rather than a browser: the parenthesised platform comments and
 * minor versions. "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)
 * Chrome/120.0.6099.71 Safari/537.36" becomes "Mozilla/5 AppleWebKit/537 Chrome/120 Safari/537".
 */
export function truncateUserAgent(userAgent: string): string {
  return userAgent
    .replace(/\([^)]*\)/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((product) => product.replace(/^([^/]+)\/(\d+)[^\s]*$/, '$1/$2'))
    .join(' ')
    .slice(0, 200);
}
