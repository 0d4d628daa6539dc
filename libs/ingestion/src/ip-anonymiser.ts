import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export type IpMode = { mode: 'truncate' } | { mode: 'hash'; key: Buffer };

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address, as Node reports it behind dual-stack sockets. */
function unmap(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1] : ip;
}

function expandIpv6(ip: string): number[] {
  const [head, tail = ''] = ip.split('::');
  const parse = (part: string): number[] => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  let groups = [...parse(head)];
  const rest = parse(tail);
  if (ip.includes('::')) groups = [...groups, ...new Array(8 - groups.length - rest.length).fill(0), ...rest];
  return groups;
}

/**
 * The network, never the host: IPv4 truncated to /24, IPv6 to /48 (seed 002); or, when the customer
 * asks for hashing, a keyed HMAC so equal addresses still match without being recoverable.
 */
export function anonymiseIp(rawIp: string | null | undefined, how: IpMode): string | null {
  if (!rawIp) return null;
  const ip = unmap(rawIp.trim());
  if (!isIPv4(ip) && !isIPv6(ip)) return null;
  if (how.mode === 'hash') return `hmac:${createHmac('sha256', how.key).update(ip).digest('hex').slice(0, 32)}`;
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = expandIpv6(ip.replace(/%.*$/, ''));
  return `${groups
    .slice(0, 3)
    .map((group) => group.toString(16))
    .join(':')}::/48`;
}
