import { ValidationError } from '../errors';
import { MIN_REASON_LENGTH, visibleLength } from '../policy/rule-ids';

/** Linux capability names as Kubernetes takes them (without the `CAP_` prefix). */
export const LINUX_CAPABILITIES: readonly string[] = [
  'AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'BPF', 'CHECKPOINT_RESTORE', 'CHOWN',
  'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE',
  'LINUX_IMMUTABLE', 'MAC_ADMIN', 'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE', 'NET_BROADCAST',
  'NET_RAW', 'PERFMON', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_CHROOT',
  'SYS_MODULE', 'SYS_NICE', 'SYS_PACCT', 'SYS_PTRACE', 'SYS_RAWIO', 'SYS_RESOURCE', 'SYS_TIME',
  'SYS_TTY_CONFIG', 'SYSLOG', 'WAKE_ALARM',
];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CPU = /^(\d+(\.\d+)?|\.\d+)m?$/;
const MEMORY = /^(\d+(\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$/;
// [registry[:port]/]path[:tag][@sha256:<64 hex>]
const IMAGE = /^(?<name>(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>.+))?$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** An image reference split into its parts. */
export interface ImageRef {
  /** Repository, with its registry host and path when given, e.g. `ghcr.io/vendor/agent`. */
  readonly name: string;
  /** Tag, e.g. `1.4.2`; undefined when the reference has only a digest. */
  readonly tag?: string;
  /** Digest, `sha256:` and 64 hex digits; undefined when the reference is not pinned. */
  readonly digest?: string;
}

/**
 * Checks props for one construct and throws a `ValidationError` naming that construct's path.
 * Each method returns the value it accepted, so a constructor can validate and resolve in one line.
 */
export class PropValidator {
  constructor(private readonly owner: string, private readonly path: string) {}

  /** What the errors name as the rejecting construct, e.g. `SensorChart`. */
  get ownerName(): string {
    return this.owner;
  }

  /** The construct path the errors name. */
  get pathName(): string {
    return this.path;
  }

  fail(code: string, prop: string, value: unknown, problem: string, fix: string): never {
    throw new ValidationError({ code, owner: this.owner, path: this.path, prop, value, problem, fix });
  }

  /** One of an enum's values; `what` names the kind of value in the message, e.g. "a workload kind". */
  oneOf<T extends string>(code: string, prop: string, value: T | undefined, options: Record<string, T>, what: string): T {
    const allowed = Object.values(options);
    if (!allowed.includes(value as T)) this.fail(code, prop, value, `is not ${what}`, `use one of ${allowed.join(', ')}`);
    return value as T;
  }

  dnsLabel(prop: string, value: string): string {
    if (typeof value !== 'string' || value.length === 0 || value.length > 63 || !DNS_LABEL.test(value)) {
      const hint = typeof value === 'string' ? toDnsLabel(value) : 'my-agent';
      this.fail('invalid-name', prop, value, 'is not a valid DNS-1123 label (lowercase letters, digits and "-", at most 63 characters, starting and ending with a letter or digit)', `use e.g. "${hint || 'my-agent'}"`);
    }
    return value;
  }

  dnsSubdomain(prop: string, value: string): string {
    if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
      this.fail('invalid-name', prop, value, 'is not a valid DNS-1123 subdomain', 'use lowercase letters, digits, "-" and ".", e.g. "my-agent.example"');
    }
    return value;
  }

  labelKey(prop: string, key: string): string {
    const slash = typeof key === 'string' ? key.lastIndexOf('/') : -1;
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const okPrefix = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
    if (typeof key !== 'string' || !okPrefix || name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
      this.fail('invalid-label-key', prop, key, 'is not a valid label key ([prefix/]name: a DNS subdomain prefix and a name of at most 63 alphanumerics, "-", "_" or ".")', 'use e.g. "example.com/team"');
    }
    return key;
  }

  labelValue(prop: string, value: string): string {
    if (typeof value !== 'string' || value.length > 63 || (value.length > 0 && !LABEL_NAME.test(value))) {
      this.fail('invalid-label-value', prop, value, 'is not a valid label value (at most 63 alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric)', 'use e.g. "team-a"');
    }
    return value;
  }

  labels(prop: string, labels: Record<string, string> | undefined): Record<string, string> {
    for (const [k, v] of Object.entries(labels ?? {})) {
      this.labelKey(`${prop} key`, k);
      this.labelValue(`${prop}["${k}"]`, v);
    }
    return { ...(labels ?? {}) };
  }

  /** An image reference with a tag or a digest; a digest must be `sha256:` and 64 hex digits. */
  image(prop: string, value: string): ImageRef {
    // Length first (a reference is at most 4096 characters in practice; registries cap far lower), so
    // the pattern never runs on megabytes of text.
    const m = typeof value === 'string' && value.length <= 4096 ? IMAGE.exec(value) : null;
    if (!m?.groups) {
      this.fail('invalid-image', prop, value, 'is not a valid image reference', 'use "registry/repository:tag" or "registry/repository@sha256:<64 hex digits>"');
    }
    const { name, tag, digest } = m.groups as { name: string; tag?: string; digest?: string };
    if (digest !== undefined && !DIGEST.test(digest)) {
      this.fail('invalid-image-digest', prop, value, `has digest "${digest}", which is not "sha256:" followed by 64 lowercase hex digits`, 'copy the digest from `crane digest <image>` or your registry, e.g. "repo:1.2.3@sha256:<64 hex>"');
    }
    if (digest === undefined && (tag === undefined || tag === 'latest')) {
      this.fail('unpinned-image', prop, value, tag ? 'uses the mutable "latest" tag' : 'has no tag or digest', 'pin a version tag, and preferably a digest: "repository:1.2.3@sha256:<64 hex>"');
    }
    return { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
  }

  digest(prop: string, value: string): string {
    if (typeof value !== 'string' || !DIGEST.test(value)) {
      this.fail('invalid-image-digest', prop, value, 'is not "sha256:" followed by 64 lowercase hex digits', 'copy the digest from your registry, e.g. "sha256:<64 hex>"');
    }
    return value;
  }

  cpu(prop: string, value: string): string {
    if (typeof value !== 'string' || !CPU.test(value) || parseCpu(value) <= 0) {
      this.fail('invalid-quantity', prop, value, 'is not a positive CPU quantity', 'use millicores such as "100m" or cores such as "0.5"');
    }
    return value;
  }

  memory(prop: string, value: string): string {
    if (typeof value !== 'string' || !MEMORY.test(value) || parseMemory(value) <= 0) {
      this.fail('invalid-quantity', prop, value, 'is not a positive memory quantity', 'use a binary suffix such as "128Mi" or "1Gi"');
    }
    return value;
  }

  /** A Linux UID or GID. 0 (root) is refused here: callers that allow root check for a reason first. */
  id(prop: string, value: number, allowZero = false): number {
    if (!Number.isInteger(value) || value < 0 || value > 2147483647 || (value === 0 && !allowZero)) {
      const problem = value === 0 ? 'is root' : 'is not a UID/GID between 1 and 2147483647';
      const fix = value === 0 ? 'use a UID above 10000, or ask for root with `runAsRoot: { reason }`' : 'use e.g. 10001';
      this.fail(value === 0 ? 'root-without-reason' : 'invalid-id', prop, value, problem, fix);
    }
    return value;
  }

  port(prop: string, value: number): number {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      this.fail('invalid-port', prop, value, 'is not a port between 1 and 65535', 'use e.g. 8443');
    }
    return value;
  }

  capability(prop: string, value: string): string {
    if (typeof value === 'string' && LINUX_CAPABILITIES.includes(value)) return value;
    const bare = typeof value === 'string' ? value.toUpperCase().replace(/^CAP_/, '') : '';
    const fix = LINUX_CAPABILITIES.includes(bare)
      ? `write "${bare}" (Kubernetes takes capability names without "CAP_")`
      : `use one of ${LINUX_CAPABILITIES.join(', ')}`;
    this.fail('invalid-capability', prop, value, 'is not a Linux capability', fix);
  }

  /** A reason for a privilege: it ends up in an exemption annotation and must say something. */
  reason(prop: string, value: string | undefined): string {
    if (typeof value !== 'string' || visibleLength(value) < MIN_REASON_LENGTH) {
      this.fail('missing-reason', prop, value, `needs a reason of at least ${MIN_REASON_LENGTH} characters (visible ones: whitespace and zero-width padding do not count)`, 'say why the workload needs this, e.g. { reason: "loads eBPF programs to trace syscalls" }');
    }
    return value.trim();
  }

  absolutePath(prop: string, value: string): string {
    if (typeof value !== 'string' || !value.startsWith('/') || value.split('/').includes('..')) {
      this.fail('invalid-path', prop, value, 'is not an absolute path without ".."', 'use e.g. "/sys/kernel/tracing"');
    }
    return value;
  }

  /** An IPv4 or IPv6 CIDR block. */
  cidr(prop: string, value: string): string {
    if (!isCidr(value)) {
      const fix = typeof value === 'string' && value.includes(':') ? 'use e.g. "fd00::/8"' : 'use e.g. "10.0.0.0/16"';
      this.fail('invalid-cidr', prop, value, `is not a valid ${typeof value === 'string' && value.includes(':') ? 'IPv6' : 'IPv4'} CIDR`, fix);
    }
    return value;
  }

  /**
   * A URL with one of the given schemes (e.g. `['https:']`), without credentials: a password in a URL
   * would be a literal secret in the manifest, so it is refused without being echoed.
   */
  url(prop: string, value: string, protocols: readonly string[]): URL {
    const schemes = protocols.map((p) => p.replace(/:$/, ''));
    const example = schemes.includes('http') ? 'http://proxy.corp.example:3128' : 'https://ingest.vendor.example';
    // Credentials first, before any check that echoes the value: whatever else is wrong with it (no
    // scheme, one slash, a bad port), a URL with user info is never shown.
    if (mayCarryCredentials(value)) {
      this.fail('url-credentials', prop, '(a URL with credentials, not shown)', 'carries credentials, which would be a literal secret in the manifest', 'remove them from the URL and deliver them as a file from the secrets module');
    }
    if (typeof value === 'string' && /[?#]/.test(value)) {
      this.fail('invalid-url', prop, '(a URL with a query or fragment, not shown)', 'has a query or fragment, which may carry a token', `give scheme, host and port only, e.g. "${example}"`);
    }
    if (typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      const fix = typeof value === 'string' && value !== '' ? `write "${schemes[0]}://${value}"` : `use e.g. "${example}"`;
      this.fail('invalid-url', prop, value, `has no scheme (${schemes.join(' or ')}://)`, fix);
    }
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url && (url.username || url.password)) {
      this.fail('url-credentials', prop, '(a URL with credentials, not shown)', 'carries credentials, which would be a literal secret in the manifest', 'remove them from the URL and deliver them as a file from the secrets module');
    }
    if (!url || !protocols.includes(url.protocol)) {
      this.fail('invalid-url', prop, value, `is not an ${schemes.join(' or ')} URL`, `use e.g. "${example}"`);
    }
    return url;
  }

  positiveInt(prop: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      this.fail('invalid-number', prop, value, `is not a whole number between 1 and ${max}`, 'use e.g. 1');
    }
    return value;
  }

  /** A list, or `[]` when not given; anything else (a string, an object, null) is refused. */
  list<T>(prop: string, value: readonly T[] | undefined, example: string): T[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.fail('not-a-list', prop, value, 'is not a list', `give a list, e.g. ${example}`);
    return [...value];
  }

  /** A map of strings (env, annotations), or `{}` when not given; every value must be a string. */
  stringMap(prop: string, value: Record<string, string> | undefined): Record<string, string> {
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail('not-a-map', prop, value, 'is not a map of strings', 'give e.g. { "example.com/team": "a" }');
    }
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') this.fail('not-a-string', `${prop}["${k}"]`, v, 'is not a string (Kubernetes takes only strings here)', 'give the value as a string, e.g. "1" or "true"');
    }
    return { ...value };
  }

  /** A list of non-empty strings (RBAC verbs, resources, groups). `allowEmptyItem` admits "" (the core API group). */
  stringList(prop: string, value: readonly string[], allowEmptyItem = false): string[] {
    if (!Array.isArray(value) || value.some((x) => typeof x !== 'string' || (!allowEmptyItem && x === ''))) {
      this.fail('not-a-string-list', prop, value, 'is not a list of non-empty strings', 'give e.g. ["get", "list"]');
    }
    return [...value];
  }

  nonEmpty(prop: string, value: string): string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail('empty', prop, value, 'is empty', 'give a value');
    }
    return value;
  }
}

/**
 * Whether a URL-like text has user info (`user:pass@`) in what a URL parser, or a person, would read
 * as its authority: an "@" before the first "/", "?" or "#" after the scheme and any slashes. Errs on
 * the side of "yes", since a yes only means the value is not echoed.
 */
function mayCarryCredentials(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const rest = value.replace(/^[a-z][a-z0-9+.-]*:/i, '').replace(/^[\\/]*/, '');
  const authority = rest.split(/[/?#\\]/)[0];
  return authority.includes('@');
}

/** Best-effort DNS-1123 label from any text, for the "use e.g." part of a message. */
export function toDnsLabel(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
}

export function parseCpu(value: string): number {
  return value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value);
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function parseMemory(value: string): number {
  const m = /^([\d.]+)([A-Za-z]*)$/.exec(value);
  return m ? Number(m[1]) * (MEMORY_UNITS[m[2]] ?? NaN) : NaN;
}

export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(value: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(value) || (value.match(/::/g) ?? []).length > 1) return false;
  const [head, tail] = value.includes('::') ? value.split('::') : [value, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const all = [...groups(head), ...groups(tail)];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    count += 1; // an embedded IPv4 address takes two groups
    all.pop();
  }
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return tail === undefined ? count === 8 : count < 8;
}

export function isCidr(value: string): boolean {
  if (typeof value !== 'string') return false;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m) return false;
  const bits = Number(m[2]);
  if (isIPv4(m[1])) return bits <= 32 && String(bits) === m[2];
  if (isIPv6(m[1])) return bits <= 128 && String(bits) === m[2];
  return false;
}
