import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Which peers may speak for the client (`LATCHKEY_TRUSTED_PROXIES`): nobody (`none`),
 * the proxies at these addresses/CIDRs, or a fixed number of proxy hops in front of
 * Latchkey (every peer is then a proxy, and the hop count bounds how far back
 * X-Forwarded-For is believed).
 */
export type ProxyTrust =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'list'; readonly ranges: readonly (readonly [Address, number])[]; readonly text: string };

export const NO_PROXY: ProxyTrust = Object.freeze({ kind: 'none' });

/** A strict IP literal: four-part decimal IPv4 (no `127.1`, no hex) or IPv6; IPv4-mapped IPv6 becomes IPv4. */
export function parseAddress(text: string): Address | undefined {
  const value = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value);
  if (!ipaddr.IPv6.isValid(value)) return undefined;
  const v6 = ipaddr.IPv6.parse(value);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/**
 * `none`, a hop count (`1`, `2`…), or comma-separated addresses and CIDRs
 * (`10.0.0.0/8, 2001:db8::/32, 127.0.0.1`). Throws with what was wrong.
 */
export function parseTrustedProxies(text: string): ProxyTrust {
  const value = text.trim();
  if (value.toLowerCase() === 'none') return NO_PROXY;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 32) throw new Error('a hop count must be between 1 and 32 (or use none)');
    return Object.freeze({ kind: 'hops', hops });
  }
  const ranges = value.split(',').map((part) => part.trim()).filter(Boolean).map((part): readonly [Address, number] => {
    const [addr, bits, ...rest] = part.split('/');
    const address = addr === undefined ? undefined : parseAddress(addr);
    const max = address?.kind() === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    // An IPv4-mapped CIDR (::ffff:10.0.0.0/104) is taken as the IPv4 range it maps.
    const mappedPrefix = address?.kind() === 'ipv4' && addr?.includes(':') && bits !== undefined ? prefix - 96 : prefix;
    if (!address || rest.length || !(mappedPrefix >= 0 && mappedPrefix <= max)) {
      throw new Error(`${part} is not an IP address or CIDR (expected none, a hop count, or addresses/CIDRs separated by commas)`);
    }
    return Object.freeze([address, mappedPrefix] as const);
  });
  if (!ranges.length) throw new Error('empty (use none for no proxy)');
  return Object.freeze({ kind: 'list', ranges: Object.freeze(ranges), text: value });
}

/**
 * Remembers what a few thousand texts parse to: parsing is most of the cost of finding
 * the client address, and a busy server sees the same peers (its proxies, its keep-alive
 * clients) on request after request. Bounded: emptied when full.
 */
function remembered<T>(compute: (text: string) => T, size = 4096): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    if (memo.has(text)) return memo.get(text) as T;
    const value = compute(text);
    if (memo.size >= size) memo.clear();
    memo.set(text, value);
    return value;
  };
}

const peerOf = remembered((peer) => {
  const address = parseAddress(peer);
  return { address, text: address?.toString() ?? peer };
});

function trusted(trust: ProxyTrust, address: Address | undefined): boolean {
  if (trust.kind === 'hops') return true;
  if (trust.kind === 'none' || !address) return false;
  return trust.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

/** One X-Forwarded-For element: an address, optionally `[v6]:port` or `v4:port` (some proxies add the port). */
function forwardedAddress(element: string): Address | undefined {
  const value = element.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed?.[1]) return parseAddress(bracketed[1]);
  const v4port = /^([\d.]+):\d{1,5}$/.exec(value);
  return parseAddress(v4port?.[1] ?? value);
}

export interface ClientAddress {
  /** The address counted for this client (rate limits, audit). */
  ip: string;
  /** The socket peer is a trusted proxy: its X-Forwarded-* headers are believed. */
  viaTrustedProxy: boolean;
}

/**
 * The client's address. X-Forwarded-For is read only when the socket peer is trusted,
 * from the right (each proxy appends the address it received the request from),
 * stopping at the first address that is not a trusted proxy — everything to its left
 * was written by that untrusted client and is ignored, so a spoofed left-most entry
 * changes nothing. With a hop count, at most that many entries are read from the right.
 * An element that is not an address stops the walk: the last address believed counts.
 */
export function clientAddress(trust: ProxyTrust, peer: string, forwardedFor: string | undefined): ClientAddress {
  const { address: peerAddress, text: peerText } = peerOf(peer);
  if (!trusted(trust, peerAddress)) return { ip: peerText, viaTrustedProxy: false };
  const elements = (forwardedFor ?? '').split(',').filter((e) => e.trim() !== '');
  let client = peerText;
  let hopsLeft = trust.kind === 'hops' ? trust.hops : Number.POSITIVE_INFINITY;
  for (let i = elements.length - 1; i >= 0 && hopsLeft > 0; i -= 1, hopsLeft -= 1) {
    const address = forwardedAddress(elements[i] ?? '');
    if (!address) break;
    client = address.toString();
    // A hop count trusts exactly that many hops; a list, every listed proxy in the chain.
    if (trust.kind === 'list' && !trusted(trust, address)) break;
  }
  return { ip: client, viaTrustedProxy: true };
}

/**
 * The key a client address is counted under: the address for IPv4, its /64 for IPv6 —
 * one IPv6 subscriber usually holds a whole /64 (RFC 6177), so counting single
 * addresses would give them 2^64 fresh budgets.
 */
export const addressKey: (ip: string) => string = remembered((ip) => {
  const address = parseAddress(ip);
  if (!address) return ip;
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
});
