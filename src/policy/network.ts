/**
 * Network: every workload behind an egress policy (Kubernetes NetworkPolicy or Cilium), policies that
 * cannot work, egress to everything. Policies are matched to pods through an index by namespace and
 * label, so that the cost grows with the objects, not with their product.
 */
import { eachObject, indexed, isObj, labelsOf, Obj, podSpecsOf, selectorMatches, text } from './objects';
import { CheckContext, Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

export const NETWORK_RULES: readonly RuleMeta[] = [
  { id: 'net-no-egress-policy', title: 'Workloads need an egress policy', severity: 'warning', explanation: 'A pod that no egress policy selects (a NetworkPolicy with policyType Egress, or a CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy with egress rules) can connect anywhere, including the cloud metadata service and the internet.', fix: 'Add a NetworkPolicy with policyTypes [Egress] that selects the pods and allows only the peers they need.' },
  { id: 'net-policy-selects-hostnetwork', title: 'NetworkPolicy does not apply to hostNetwork pods', severity: 'warning', explanation: 'Pods on the host network are outside NetworkPolicy enforcement; a policy that selects them gives false assurance.', fix: 'Restrict the host-network workload another way (node firewall, Cilium host policies) and document it.' },
  { id: 'net-egress-anywhere', title: 'Egress to every destination must except private and link-local ranges', severity: 'error', explanation: 'An egress rule with no "to" (on ports other than DNS), or ipBlocks that together cover 0.0.0.0/0 or ::/0 (in one block or split into pieces), reaches every in-cluster, private and link-local address, the cloud metadata service 169.254.169.254 included. Cilium "world"/"all" entities and toCIDR/toCIDRSet count the same way.', fix: 'List the destinations, or except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and 169.254.0.0/16 (fc00::/7 and fe80::/10 for IPv6).' },
];

/* ------------------------------------------------------------------------------------------------ */
/* Address coverage */

/** Ranges that egress "to the internet" must except: RFC 1918, IPv4 link-local (cloud metadata), IPv6 ULA and link-local. */
export const PRIVATE_RANGES: Readonly<Record<4 | 6, readonly string[]>> = {
  4: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'],
  6: ['fc00::/7', 'fe80::/10'],
};

interface Range { readonly family: 4 | 6; readonly start: bigint; readonly end: bigint }

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseV4(it);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(it)) out.push(parseInt(it, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

/** Parses a CIDR (host bits are masked, as the API server's parser does); undefined if malformed. */
export function parseCidr(cidr: unknown): Range | undefined {
  if (typeof cidr !== 'string') return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return undefined;
  const family: 4 | 6 = m[1].includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  const len = Number(m[2]);
  if (len > bits) return undefined;
  const addr = family === 4 ? parseV4(m[1]) : parseV6(m[1]);
  if (addr === undefined) return undefined;
  const host = (1n << BigInt(bits - len)) - 1n;
  const start = addr & ~host & ((1n << BigInt(bits)) - 1n);
  return { family, start, end: start | host };
}

/** An ipBlock: a CIDR and the CIDRs excepted from it. */
export interface IpBlock {
  /** The block in CIDR notation, e.g. `10.0.0.0/8`, as written in the manifest (not yet checked). */
  readonly cidr: unknown;
  /** Blocks inside `cidr` that the ipBlock leaves out, as written in the manifest. */
  readonly except?: unknown;
}

function rangesOf(blocks: readonly IpBlock[], family: 4 | 6): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  for (const b of blocks) {
    const r = parseCidr(b.cidr);
    if (!r || r.family !== family) continue;
    let pieces: Array<[bigint, bigint]> = [[r.start, r.end]];
    for (const e of Array.isArray(b.except) ? b.except : []) {
      const x = parseCidr(e);
      if (!x || x.family !== family) continue;
      pieces = pieces.flatMap(([s, t]): Array<[bigint, bigint]> => {
        if (x.end < s || x.start > t) return [[s, t]];
        const keep: Array<[bigint, bigint]> = [];
        if (x.start > s) keep.push([s, x.start - 1n]);
        if (x.end < t) keep.push([x.end + 1n, t]);
        return keep;
      });
    }
    out.push(...pieces);
  }
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Array<[bigint, bigint]> = [];
  for (const [s, t] of out) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1] + 1n) { if (t > last[1]) last[1] = t; } else merged.push([s, t]);
  }
  return merged;
}

/** How much of `target` (a CIDR) the union of the blocks (each minus its excepts) covers. */
export function coverage(blocks: readonly IpBlock[], target: string): 'all' | 'some' | 'none' {
  const t = parseCidr(target);
  if (!t) return 'none';
  let covered = 0n;
  for (const [s, e] of rangesOf(blocks, t.family)) {
    const lo = s > t.start ? s : t.start;
    const hi = e < t.end ? e : t.end;
    if (lo <= hi) covered += hi - lo + 1n;
  }
  return covered === 0n ? 'none' : covered === t.end - t.start + 1n ? 'all' : 'some';
}

/**
 * The private ranges still reachable when the blocks reach everything else of an address family
 * (alone or split into pieces).
 */
function reachablePrivate(blocks: readonly IpBlock[], family: 4 | 6): string[] {
  // Cheap bound first: blocks whose sizes (excepts ignored) do not add up to the public space
  // cannot reach everything, and most policies list a few narrow destinations.
  const bits = family === 4 ? 32 : 128;
  let size = 0;
  for (const b of blocks) {
    const m = typeof b.cidr === 'string' ? /\/(\d{1,3})$/.exec(b.cidr) : null;
    if (m) size += 2 ** (bits - Math.min(bits, Number(m[1])));
  }
  if (size < 2 ** bits / 2) return [];
  const everything = family === 4 ? '0.0.0.0/0' : '::/0';
  const withPrivate = [...blocks, ...PRIVATE_RANGES[family].map((cidr) => ({ cidr }))];
  if (coverage(withPrivate, everything) !== 'all') return [];
  // A block inside a private range (10.40.1.10/32) names a private destination on purpose; what
  // counts is whether the blocks that reach everything else also reach into the range.
  return PRIVATE_RANGES[family].filter((r) => coverage(blocks.filter((b) => !within(b.cidr, r)), r) !== 'none');
}

/** Whether a CIDR lies inside another. */
function within(cidr: unknown, outer: string): boolean {
  const a = parseCidr(cidr);
  const b = parseCidr(outer);
  return a !== undefined && b !== undefined && a.family === b.family && a.start >= b.start && a.end <= b.end;
}

/* ------------------------------------------------------------------------------------------------ */
/* Which policies select which pods */

/** A policy's pod selector, as the index holds it. */
interface Selecting {
  readonly policy: Obj;
  /** The selector (Cilium keys with their `k8s:`/`any:` source prefix removed). */
  readonly selector: Obj;
  /** Namespace the policy applies in; undefined for a cluster-wide policy. */
  readonly namespace?: string;
  readonly cilium: boolean;
}

const NS_LABEL = 'io.kubernetes.pod.namespace';

/**
 * Cilium endpoint selectors carry label sources (`k8s:app`, `any:app`); pods' labels are `k8s:` labels.
 * Returns the selector over pod labels, or undefined when it requires a label of another source
 * (`reserved:`, `container:`, ...), which no pod's Kubernetes labels satisfy.
 */
export function ciliumSelector(sel: unknown): Obj | undefined {
  if (!isObj(sel)) return undefined;
  const strip = (k: string) => (k.startsWith('k8s:') ? k.slice(4) : k.startsWith('any:') ? k.slice(4) : k.includes(':') ? undefined : k);
  const matchLabels: Record<string, string> = {};
  let impossible = false;
  for (const [k, v] of Object.entries(isObj(sel.matchLabels) ? sel.matchLabels : {})) {
    const key = strip(k);
    if (key === undefined) impossible = true; else matchLabels[key] = text(v);
  }
  const matchExpressions = (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).map((e: unknown) => {
    if (!isObj(e)) return e;
    const key = strip(text(e.key));
    if (key === undefined && (e.operator === 'In' || e.operator === 'Exists')) impossible = true;
    return { ...e, key: key ?? `\u0000${text(e.key)}` };
  });
  return impossible ? undefined : { matchLabels, matchExpressions };
}

/** The egress-relevant specs of a policy: for NetworkPolicy its spec, for Cilium every entry of spec and specs. */
function ciliumSpecs(policy: Obj): Array<{ spec: Obj; path: string }> {
  const out: Array<{ spec: Obj; path: string }> = [];
  if (isObj(policy.spec)) out.push({ spec: policy.spec, path: 'spec' });
  if (Array.isArray(policy.specs)) policy.specs.forEach((s: unknown, i: number) => { if (isObj(s)) out.push({ spec: s, path: `specs[${i}]` }); });
  return out;
}

const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;

function egressSelectors(policy: Obj): Selecting[] {
  const ns = text(policy.metadata?.namespace ?? '');
  if (policy.kind === 'NetworkPolicy') {
    const spec = isObj(policy.spec) ? policy.spec : {};
    const types: unknown[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
    const egress = types.includes('Egress') || (types.length === 0 && nonEmpty(spec.egress));
    return egress ? [{ policy, selector: isObj(spec.podSelector) ? spec.podSelector : {}, namespace: ns, cilium: false }] : [];
  }
  if (policy.kind === 'CiliumNetworkPolicy' || policy.kind === 'CiliumClusterwideNetworkPolicy') {
    const out: Selecting[] = [];
    for (const { spec } of ciliumSpecs(policy)) {
      if (!nonEmpty(spec.egress) && !nonEmpty(spec.egressDeny)) continue;
      if (isObj(spec.enableDefaultDeny) && spec.enableDefaultDeny.egress === false) continue;
      const selector = ciliumSelector(spec.endpointSelector);
      if (!selector) continue;
      out.push({ policy, selector, cilium: true, ...(policy.kind === 'CiliumNetworkPolicy' ? { namespace: ns } : {}) });
    }
    return out;
  }
  return [];
}

/**
 * Policies indexed by namespace and by one label pair of their selector: a pod looks up only the
 * policies that could select it (its namespace's select-all policies, the ones keyed by one of its
 * labels, and the few whose selector has no matchLabels). Each selector is keyed by its rarest pair:
 * policies of one product share pairs such as `app.kubernetes.io/component=agent`, and keyed by such
 * a pair every pod would be tried against every policy.
 */
class PolicyIndex {
  private readonly byKey = new Map<string, Selecting[]>();
  constructor(selectors: readonly Selecting[]) {
    const keysOf = (s: Selecting): string[] => {
      const scope = s.namespace ?? '\u0000cluster';
      const ml = isObj(s.selector.matchLabels) ? Object.entries(s.selector.matchLabels) : [];
      return ml.map(([k, v]) => `${scope}\u0000${text(k)}=${text(v)}`);
    };
    const keys = selectors.map(keysOf);
    const count = new Map<string, number>();
    for (const ks of keys) for (const k of ks) count.set(k, (count.get(k) ?? 0) + 1);
    selectors.forEach((s, i) => {
      let key = keys[i].length ? keys[i][0] : `${s.namespace ?? '\u0000cluster'}\u0000*`;
      for (const k of keys[i]) if (count.get(k)! < count.get(key)!) key = k;
      const list = this.byKey.get(key);
      if (list) list.push(s); else this.byKey.set(key, [s]);
    });
  }
  /** The first policy that selects a pod with these labels in this namespace. */
  find(namespace: string, labels: Record<string, string>): Selecting | undefined {
    const withNs = { ...labels, [NS_LABEL]: namespace };
    for (const scope of [namespace, '\u0000cluster']) {
      for (const key of [`${scope}\u0000*`, ...Object.entries(withNs).map(([k, v]) => `${scope}\u0000${k}=${text(v)}`)]) {
        for (const s of this.byKey.get(key) ?? []) {
          if (selectorMatches(s.selector, s.cilium ? withNs : labels)) return s;
        }
      }
    }
    return undefined;
  }
}

interface HostPod { readonly obj: Obj; readonly labels: Record<string, string> }

/** Host-network pod templates by namespace, and by namespace and label pair. */
class HostNetworkIndex {
  private readonly byKey = new Map<string, HostPod[]>();
  add(namespace: string, p: HostPod): void {
    for (const key of [`${namespace}\u0000*`, ...Object.entries(p.labels).map(([k, v]) => `${namespace}\u0000${k}=${text(v)}`)]) {
      const list = this.byKey.get(key);
      if (list) list.push(p); else this.byKey.set(key, [p]);
    }
  }
  /** Up to `limit` host-network pods a selector selects in a namespace. */
  selected(namespace: string, selector: Obj, limit: number): HostPod[] {
    let candidates = this.byKey.get(`${namespace}\u0000*`) ?? [];
    for (const [k, v] of isObj(selector.matchLabels) ? Object.entries(selector.matchLabels) : []) {
      const list = this.byKey.get(`${namespace}\u0000${k}=${text(v)}`) ?? [];
      if (list.length < candidates.length) candidates = list;
    }
    const out: HostPod[] = [];
    for (const c of candidates) {
      if (selectorMatches(selector, c.labels)) out.push(c);
      if (out.length >= limit) break;
    }
    return out;
  }
}

interface NetIndex { readonly policies: PolicyIndex; readonly hostNetwork: HostNetworkIndex }
const INDEX = new WeakMap<object, NetIndex>();

function netIndex(objects: readonly Manifest[]): NetIndex {
  return indexed(INDEX, objects, (objs) => {
    const selectors: Selecting[] = [];
    const hostNetwork = new HostNetworkIndex();
    eachObject(objs, (o) => {
      const selecting = egressSelectors(o);
      const host = podSpecsOf(o).filter((pod) => pod.spec.hostNetwork === true).map((pod) => ({ obj: o, labels: labelsOf(pod.metadata) }));
      const ns = text(o.metadata?.namespace ?? '');
      selectors.push(...selecting);
      for (const h of host) hostNetwork.add(ns, h);
    });
    return { policies: new PolicyIndex(selectors), hostNetwork };
  });
}

/* ------------------------------------------------------------------------------------------------ */
/* Checks */

function checkWorkload(obj: Obj, ctx: CheckContext): RuleHit[] {
  const hits: RuleHit[] = [];
  const ns = text(obj.metadata?.namespace ?? '');
  for (const pod of podSpecsOf(obj)) {
    if (pod.spec.hostNetwork === true) continue;
    if (netIndex(ctx.objects).policies.find(ns, labelsOf(pod.metadata))) continue;
    hits.push({ rule: 'net-no-egress-policy', path: `${pod.metadataPath}.labels`, message: `${text(obj.kind)} "${text(obj.metadata?.name)}" is selected by no egress policy (NetworkPolicy with policyType Egress, or Cilium policy with egress rules)` });
  }
  return hits;
}

/** Port lists that only reach DNS: an open destination on port 53 is the usual way to allow name resolution. */
function dnsOnly(ports: unknown): boolean {
  if (!Array.isArray(ports) || ports.length === 0) return false;
  return ports.every((p) => isObj(p) && (p.port === 53 || p.port === '53' || p.port === 'dns' || p.port === 'dns-tcp' || p.port === 'domain') && p.endPort === undefined);
}

function describePorts(ports: unknown): string {
  if (!Array.isArray(ports) || ports.length === 0) return 'on every port';
  return `on ports ${ports.map((p) => (isObj(p) ? `${text(p.port ?? 'any')}${p.endPort !== undefined ? `-${text(p.endPort)}` : ''}/${text(p.protocol ?? 'TCP')}` : text(p))).join(', ')}`;
}

function anywhereHits(blocks: Array<{ block: IpBlock; path: string }>, name: string): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const family of [4, 6] as const) {
    const fam = blocks.filter((b) => parseCidr(b.block.cidr)?.family === family);
    const missing = reachablePrivate(fam.map((b) => b.block), family);
    if (missing.length === 0) continue;
    const broad = fam.filter((b) => !PRIVATE_RANGES[family].some((r) => within(b.block.cidr, r)));
    const shown = broad.length ? broad : fam;
    const whole = shown.length === 1 ? text(shown[0].block.cidr) : `${shown.map((b) => text(b.block.cidr)).join(' + ')} (together ${family === 4 ? '0.0.0.0/0' : '::/0'})`;
    hits.push({ rule: 'net-egress-anywhere', path: shown[0].path, message: `${name} allows egress to ${whole} without excepting ${missing.join(', ')}` });
  }
  return hits;
}

function checkPolicy(policy: Obj, ctx: CheckContext): RuleHit[] {
  const hits: RuleHit[] = [];
  const name = `NetworkPolicy "${text(policy.metadata?.name)}"`;
  const spec = isObj(policy.spec) ? policy.spec : {};
  const ns = text(policy.metadata?.namespace ?? '');
  const selector = isObj(spec.podSelector) ? spec.podSelector : {};
  const host = netIndex(ctx.objects).hostNetwork.selected(ns, selector, 4);
  if (host.length) {
    const named = host.slice(0, 3).map((h) => `${text(h.obj.kind)} "${text(h.obj.metadata?.name)}"`).join(', ');
    const more = host.length > 3;
    hits.push({ rule: 'net-policy-selects-hostnetwork', path: 'spec.podSelector', message: `${name} selects ${named}${more ? ' and more' : ''}, which ${host.length > 1 ? 'use' : 'uses'} hostNetwork; the policy has no effect on ${host.length > 1 ? 'them' : 'it'}` });
  }
  const egress = Array.isArray(spec.egress) ? spec.egress : [];
  const blocks: Array<{ block: IpBlock; path: string }> = [];
  egress.forEach((rule: unknown, i: number) => {
    if (!isObj(rule)) return;
    const to = Array.isArray(rule.to) ? rule.to : [];
    if (to.length === 0) {
      if (!dnsOnly(rule.ports)) hits.push({ rule: 'net-egress-anywhere', path: `spec.egress[${i}]`, message: `${name} allows egress to every destination ${describePorts(rule.ports)} (the rule has no "to")` });
      return;
    }
    to.forEach((peer: unknown, j: number) => {
      if (isObj(peer) && isObj(peer.ipBlock)) blocks.push({ block: peer.ipBlock as IpBlock, path: `spec.egress[${i}].to[${j}].ipBlock` });
    });
  });
  hits.push(...anywhereHits(blocks, name));
  return hits;
}

function checkCiliumPolicy(policy: Obj): RuleHit[] {
  const name = `${text(policy.kind)} "${text(policy.metadata?.name)}"`;
  const blocks: Array<{ block: IpBlock; path: string }> = [];
  for (const { spec, path } of ciliumSpecs(policy)) {
    (Array.isArray(spec.egress) ? spec.egress : []).forEach((rule: unknown, i: number) => {
      if (!isObj(rule)) return;
      const at = `${path}.egress[${i}]`;
      const entities = Array.isArray(rule.toEntities) ? rule.toEntities.map(text) : [];
      entities.forEach((e: string, j: number) => {
        const p = `${at}.toEntities[${j}]`;
        if (e === 'world' || e === 'all' || e === 'world-ipv4') blocks.push({ block: { cidr: '0.0.0.0/0' }, path: p });
        if (e === 'world' || e === 'all' || e === 'world-ipv6') blocks.push({ block: { cidr: '::/0' }, path: p });
      });
      (Array.isArray(rule.toCIDR) ? rule.toCIDR : []).forEach((c: unknown, j: number) => blocks.push({ block: { cidr: c }, path: `${at}.toCIDR[${j}]` }));
      (Array.isArray(rule.toCIDRSet) ? rule.toCIDRSet : []).forEach((c: unknown, j: number) => {
        if (isObj(c)) blocks.push({ block: { cidr: c.cidr, except: c.except }, path: `${at}.toCIDRSet[${j}]` });
      });
    });
  }
  return anywhereHits(blocks, name);
}

export const networkFamily: RuleFamily = {
  name: 'net',
  rules: NETWORK_RULES,
  check(obj: Manifest, ctx: CheckContext): RuleHit[] {
    const o = obj as Obj;
    if (o.kind === 'NetworkPolicy') return checkPolicy(o, ctx);
    if (o.kind === 'CiliumNetworkPolicy' || o.kind === 'CiliumClusterwideNetworkPolicy') return checkCiliumPolicy(o);
    return checkWorkload(o, ctx);
  },
};
