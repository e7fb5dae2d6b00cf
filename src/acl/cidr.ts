// IPv4/IPv6 networks as numbers, precompiled once so matching a client address is cheap.
import { isIPv4, isIPv6 } from 'node:net';

export interface Network {
  family: 4 | 6;
  /** Address bits, masked. IPv4 in the low 32 bits. */
  bits: bigint;
  mask: bigint;
}

function ipv4ToBigint(ip: string): bigint {
  let n = 0n;
  for (const part of ip.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function ipv6ToBigint(ip: string): bigint {
  let text = ip;
  let tail: bigint[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigint(v4[1]);
    tail = [n >> 16n, n & 0xffffn];
    text = text.slice(0, -v4[1].length) + (text.endsWith('::' + v4[1]) ? '' : '0');
    if (text.endsWith(':0')) text = text.slice(0, -2);
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head === '' ? [] : head.split(':').map((g) => BigInt(parseInt(g, 16)));
  const r = rest === undefined || rest === '' ? [] : rest.split(':').map((g) => BigInt(parseInt(g, 16)));
  const groups = rest === undefined ? h : [...h, ...Array<bigint>(8 - h.length - r.length - tail.length).fill(0n), ...r];
  const all = [...groups, ...tail];
  let n = 0n;
  for (const g of all) n = (n << 16n) | g;
  return n;
}

/** Parse `ip`, `ip/len` or `ip/dotted-mask`; undefined when invalid. */
export function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const maskText = slash < 0 ? undefined : text.slice(slash + 1);
  if (isIPv4(ip)) {
    let len = 32;
    if (maskText !== undefined) {
      if (/^\d+$/.test(maskText)) len = Number(maskText);
      else if (isIPv4(maskText)) {
        const m = ipv4ToBigint(maskText);
        len = m.toString(2).replace(/0+$/, '').length;
        if (m !== 0n && !/^1+0*$/.test(m.toString(2).padStart(32, '0'))) return undefined;
      } else return undefined;
      if (len > 32) return undefined;
    }
    const mask = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(32 - len);
    return { family: 4, bits: ipv4ToBigint(ip) & mask, mask };
  }
  if (isIPv6(ip)) {
    let len = 128;
    if (maskText !== undefined) {
      if (!/^\d+$/.test(maskText)) return undefined;
      len = Number(maskText);
      if (len > 128) return undefined;
    }
    const mask = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(128 - len);
    return { family: 6, bits: ipv6ToBigint(ip) & mask, mask };
  }
  return undefined;
}

/** Dotted IPv4 text → 32-bit number without allocating, or -1 when it is not IPv4. */
function ipv4Number(text: string, from: number): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/** Build a matcher for a set of networks. IPv4-mapped IPv6 clients match IPv4 networks. */
export function networkMatcher(networks: Network[]): (ip: string) => boolean {
  const v4 = networks.filter((n) => n.family === 4).map((n) => ({ bits: Number(n.bits), mask: Number(n.mask) }));
  const v6 = networks.filter((n) => n.family === 6);
  return (ip: string) => {
    // Plain numbers for IPv4 (the common case); bigints only for real IPv6 clients.
    let n = ipv4Number(ip, 0);
    if (n < 0 && ip.startsWith('::ffff:')) n = ipv4Number(ip, 7);
    if (n >= 0) {
      for (const net of v4) if ((n & net.mask) >>> 0 === net.bits) return true;
      return false;
    }
    if (v6.length === 0 || !isIPv6(ip)) return false;
    const b = ipv6ToBigint(ip);
    for (const net of v6) if ((b & net.mask) === net.bits) return true;
    return false;
  };
}
