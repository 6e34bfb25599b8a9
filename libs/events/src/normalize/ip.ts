/**
 * IP parsing for the hot path: canonical text, subnet, CIDR matching for trusted proxies.
 * IPv4 is parsed by hand (the common case, and several times faster than going through `net`);
 * IPv6 goes through `net.isIPv6` and is canonicalised to RFC 5952 form.
 */
import { isIPv6 } from 'node:net';

export interface ParsedIp {
  readonly text: string;
  readonly version: 4 | 6;
  /** IPv4: the 32-bit value; IPv6: the 8 16-bit groups. */
  readonly v4: number;
  readonly v6: readonly number[] | null;
}

/** Parses dotted-quad IPv4 strictly (no leading zeros, no shorthand). Returns -1 when invalid. */
export function parseIpv4(s: string): number {
  const len = s.length;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

function expandIpv6(input: string): number[] | null {
  let text = input;
  // Embedded IPv4 (::ffff:1.2.3.4): rewrite the dotted tail as two hex groups, then expand as usual.
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 < 0) return null;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups: number[] = [];
  for (const h of head) groups.push(parseInt(h, 16));
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    for (let i = 0; i < fill; i++) groups.push(0);
  }
  for (const h of rest) groups.push(parseInt(h, 16));
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  return groups;
}

function formatIpv6(g: readonly number[]): string {
  // RFC 5952: longest run (>=2) of zero groups becomes "::", lower-case hex, no leading zeros.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * Parses an address as logged: plain IPv4/IPv6, `[v6]`, `v4:port`, `[v6]:port`, and IPv4-mapped IPv6
 * (returned as IPv4, so one client has one identity). Returns null when it is not an IP address.
 */
export function parseIp(input: string): ParsedIp | null {
  let s = input.trim();
  if (s.length === 0 || s.length > 64) return null;
  const v4 = parseIpv4(s);
  if (v4 >= 0) return { text: s, version: 4, v4, v6: null };
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    s = s.slice(1, close);
  } else {
    const colon = s.indexOf(':');
    if (colon > 0 && colon === s.lastIndexOf(':')) {
      // ipv4:port
      const v = parseIpv4(s.slice(0, colon));
      return v >= 0 ? { text: formatIpv4(v), version: 4, v4: v, v6: null } : null;
    }
  }
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!isIPv6(s)) return null;
  const groups = expandIpv6(s.toLowerCase());
  if (!groups) return null;
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    const value = groups[6]! * 65536 + groups[7]!;
    return { text: formatIpv4(value), version: 4, v4: value, v6: null };
  }
  return { text: formatIpv6(groups), version: 6, v4: 0, v6: groups };
}

/** `/24` for IPv4, `/64` for IPv6: the usual unit one customer or one hoster controls. */
export function subnetOf(ip: ParsedIp): string {
  if (ip.version === 4) return `${formatIpv4(ip.v4 - (ip.v4 % 256))}/24`;
  const g = ip.v6!;
  return `${formatIpv6([g[0]!, g[1]!, g[2]!, g[3]!, 0, 0, 0, 0])}/64`;
}

export interface Cidr {
  readonly version: 4 | 6;
  readonly text: string;
  contains(ip: ParsedIp): boolean;
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address. Throws with a clear message when invalid. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!addr) throw new Error(`"${text}" is not an IP address or CIDR range`);
  const max = addr.version === 4 ? 32 : 128;
  const bits = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new Error(`"${text}" has an invalid prefix length (0-${max})`);
  }
  if (addr.version === 4) {
    const size = 2 ** (32 - bits);
    const base = addr.v4 - (addr.v4 % size);
    return { version: 4, text, contains: (ip) => ip.version === 4 && ip.v4 - (ip.v4 % size) === base };
  }
  const net = addr.v6!;
  return {
    version: 6,
    text,
    contains(ip) {
      if (ip.version !== 6) return false;
      const g = ip.v6!;
      let left = bits;
      for (let i = 0; i < 8 && left > 0; i++, left -= 16) {
        const take = Math.min(16, left);
        const mask = (0xffff << (16 - take)) & 0xffff;
        if ((g[i]! & mask) !== (net[i]! & mask)) return false;
      }
      return true;
    },
  };
}

export class CidrSet {
  private readonly ranges: readonly Cidr[];
  constructor(ranges: readonly string[]) {
    this.ranges = ranges.map(parseCidr);
  }
  get size(): number {
    return this.ranges.length;
  }
  contains(ip: ParsedIp): boolean {
    for (const r of this.ranges) if (r.contains(ip)) return true;
    return false;
  }
}
