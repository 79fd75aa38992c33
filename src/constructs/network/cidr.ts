import { PropValidator } from '../validation';

/** An IPv4 or IPv6 block as numbers, for containment checks. */
export interface ParsedCidr {
  /** IP version of the block: 4 or 6. */
  readonly version: 4 | 6;
  /** The address as given (host bits included). */
  readonly address: bigint;
  /** Prefix length, 0-32 for IPv4 and 0-128 for IPv6. */
  readonly bits: number;
}

/** Private and link-local ranges: what "the internet" excludes when `exceptPrivate` is asked. */
export const PRIVATE_RANGES: readonly string[] = [
  // RFC 1918 private networks: cluster, VPC and on-premises addresses.
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  // RFC 3927 link-local: holds the cloud metadata endpoint 169.254.169.254, which hands out node credentials.
  '169.254.0.0/16',
  // RFC 4193 unique local and RFC 4291 link-local IPv6 addresses, the IPv6 counterparts.
  'fc00::/7',
  'fe80::/10',
];

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): bigint {
  let groups: string[];
  const last = text.split(':').pop() ?? '';
  let tailV4: bigint | undefined;
  let body = text;
  if (last.includes('.')) {
    tailV4 = parseIPv4(last);
    body = text.slice(0, text.length - last.length) + '0:0';
  }
  if (body.includes('::')) {
    const [head, tail] = body.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  } else {
    groups = body.split(':');
  }
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Parses a CIDR that `isCidr` accepts. */
export function parseCidr(value: string): ParsedCidr {
  const [addr, bits] = value.split('/');
  const version = addr.includes(':') ? 6 : 4;
  return { version, address: version === 4 ? parseIPv4(addr) : parseIPv6(addr), bits: Number(bits) };
}

function width(version: 4 | 6): number {
  return version === 4 ? 32 : 128;
}

function networkOf(c: ParsedCidr): bigint {
  const host = width(c.version) - c.bits;
  return (c.address >> BigInt(host)) << BigInt(host);
}

/** The canonical form of a CIDR: host bits cleared, IPv6 compressed (RFC 5952). */
export function canonicalCidr(value: string): string {
  const c = parseCidr(value);
  return `${formatAddress(c.version, networkOf(c))}/${c.bits}`;
}

function formatAddress(version: 4 | 6, address: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((address >> s) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((address >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups becomes "::".
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { start: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.len).join(':')}`;
}

/** Whether `inner` lies inside `outer` (same family); `strict` also requires a longer prefix. */
export function cidrContains(outer: string, inner: string, strict = false): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (o.version !== i.version || i.bits < o.bits || (strict && i.bits === o.bits)) return false;
  const shift = BigInt(width(o.version) - o.bits);
  return (networkOf(i) >> shift) === (networkOf(o) >> shift);
}

/**
 * Validates a CIDR for a NetworkPolicy `ipBlock`: a valid IPv4 or IPv6 block (PropValidator.cidr) whose
 * host bits are zero. `10.0.0.1/8` is refused rather than silently widened: the fix names `10.0.0.0/8`.
 */
export function checkCidr(v: PropValidator, prop: string, value: string): string {
  v.cidr(prop, value);
  const c = parseCidr(value);
  if (networkOf(c) !== c.address) {
    v.fail('cidr-host-bits', prop, value, 'has host bits set (Kubernetes wants the network address)', `write "${canonicalCidr(value)}"`);
  }
  return value;
}
