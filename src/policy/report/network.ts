/**
 * Who a workload may send to and receive from: the NetworkPolicies and Cilium policies that select it,
 * with their peers and ports described, pod peers resolved to the workloads among the inputs.
 */
import { ciliumSelector } from '../network';
import { isObj, labelsOf, Obj, selectorMatches } from '../objects';
import { NetworkDirection, NetworkPeer, NetworkRule } from './types';
import { jsonArrayAnnotation } from './reasons';

export interface PodTarget { readonly ref: string; readonly namespace: string; readonly labels: Record<string, string> }

const CILIUM_NS = 'io.kubernetes.pod.namespace';

export function describeSelector(sel: unknown): string {
  if (!isObj(sel)) return 'all';
  const parts: string[] = [];
  if (isObj(sel.matchLabels)) for (const k of Object.keys(sel.matchLabels).sort()) parts.push(`${k}=${sel.matchLabels[k]}`);
  if (Array.isArray(sel.matchExpressions)) {
    for (const e of sel.matchExpressions) {
      if (!isObj(e)) continue;
      const vals = Array.isArray(e.values) ? ` (${[...e.values].map(String).sort().join(', ')})` : '';
      parts.push(`${e.key} ${e.operator}${vals}`);
    }
  }
  return parts.length ? parts.join(', ') : 'all';
}

function portsOf(ports: unknown, cilium: boolean): string[] {
  if (!Array.isArray(ports) || ports.length === 0) return ['any'];
  const out: string[] = [];
  const one = (p: Obj) => {
    const proto = String(p.protocol ?? (cilium ? 'ANY' : 'TCP')).toUpperCase();
    const port = p.port === undefined ? 'any' : String(p.port);
    out.push(`${proto}/${port}${p.endPort !== undefined ? `-${p.endPort}` : ''}`);
  };
  for (const p of ports) {
    if (!isObj(p)) continue;
    if (cilium && Array.isArray(p.ports)) p.ports.filter(isObj).forEach(one);
    else if (!cilium) one(p);
  }
  return out.length ? [...new Set(out)].sort() : ['any'];
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v); else m.set(k, [v]);
}

export class NetworkIndex {
  private readonly policiesByNs = new Map<string, Obj[]>();
  private readonly clusterwide: Obj[] = [];
  private readonly targetsByNs = new Map<string, PodTarget[]>();
  /** `ns\0key=value` → the targets with that label, so that matchLabels selectors do not scan a namespace. */
  private readonly targetsByLabel = new Map<string, PodTarget[]>();
  /** `ns\0key=value` of a policy's first matchLabels pair → policies; policies without one under `ns\0`. */
  private readonly policiesByLabel = new Map<string, Obj[]>();
  private readonly order = new Map<Obj, number>();
  private readonly namespaceLabels = new Map<string, Record<string, string>>();

  constructor(objects: readonly Obj[], targets: readonly PodTarget[]) {
    for (const o of objects) {
      if (o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy') {
        this.order.set(o, this.order.size);
        const ns = String(o.metadata?.namespace ?? '');
        const l = this.policiesByNs.get(ns);
        if (l) l.push(o); else this.policiesByNs.set(ns, [o]);
      } else if (o.kind === 'CiliumClusterwideNetworkPolicy') {
        this.clusterwide.push(o);
      } else if (o.kind === 'Namespace') {
        this.namespaceLabels.set(String(o.metadata?.name), labelsOf(o.metadata));
      }
    }
    for (const t of targets) {
      const l = this.targetsByNs.get(t.namespace);
      if (l) l.push(t); else this.targetsByNs.set(t.namespace, [t]);
      for (const [k, v] of Object.entries(t.labels)) push(this.targetsByLabel, `${t.namespace}\u0000${k}=${v}`, t);
    }
    for (const [ns, list] of this.policiesByNs) {
      for (const p of list) {
        const sel = p.kind === 'NetworkPolicy' ? p.spec?.podSelector : ciliumSelector(p.spec?.endpointSelector);
        const first = isObj(sel) && isObj(sel.matchLabels) ? Object.entries(sel.matchLabels)[0] : undefined;
        push(this.policiesByLabel, `${ns}\u0000${first && !Array.isArray(p.specs) ? `${first[0]}=${first[1]}` : ''}`, p);
      }
    }
  }

  /** Policies of a namespace that may select pods with these labels (the rest cannot). */
  private candidates(namespace: string, labels: Record<string, string>): Obj[] {
    const out = [...(this.policiesByLabel.get(`${namespace}\u0000`) ?? [])];
    for (const [k, v] of Object.entries(labels)) out.push(...(this.policiesByLabel.get(`${namespace}\u0000${k}=${v}`) ?? []));
    // Keep the policies' order as written, so rules are listed the same way whatever the labels.
    return [...new Set(out)].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }

  private nsLabels(ns: string): Record<string, string> {
    return { ...(this.namespaceLabels.get(ns) ?? {}), 'kubernetes.io/metadata.name': ns };
  }

  /** Workloads whose pods a (namespace selector, pod selector) pair selects. */
  private resolve(namespaces: string[] | 'all' | Obj, podSel: unknown): string[] {
    const out: string[] = [];
    const nsList = namespaces === 'all' ? [...this.targetsByNs.keys()]
      : Array.isArray(namespaces) ? namespaces
        : [...this.targetsByNs.keys()].filter((ns) => selectorMatches(namespaces, this.nsLabels(ns)));
    const first = isObj(podSel) && isObj(podSel.matchLabels) ? Object.entries(podSel.matchLabels)[0] : undefined;
    for (const ns of nsList) {
      const pool = first ? this.targetsByLabel.get(`${ns}\u0000${first[0]}=${first[1]}`) ?? [] : this.targetsByNs.get(ns) ?? [];
      for (const t of pool) if (selectorMatches(podSel ?? {}, t.labels)) out.push(t.ref);
    }
    return out.sort();
  }

  private k8sPeer(peer: Obj, policyNs: string): NetworkPeer {
    if (isObj(peer.ipBlock)) {
      const except = Array.isArray(peer.ipBlock.except) && peer.ipBlock.except.length ? ` except ${peer.ipBlock.except.map(String).join(', ')}` : '';
      return { type: 'cidr', description: `${peer.ipBlock.cidr}${except}`, workloads: [] };
    }
    if (isObj(peer.namespaceSelector)) {
      const nsDesc = describeSelector(peer.namespaceSelector);
      const nsText = nsDesc === 'all' ? 'any namespace' : `namespaces ${nsDesc}`;
      if (peer.podSelector === undefined) return { type: 'namespace', description: `all pods in ${nsText}`, workloads: this.resolve(peer.namespaceSelector, {}) };
      return { type: 'pods', description: `pods ${describeSelector(peer.podSelector)} in ${nsText}`, workloads: this.resolve(peer.namespaceSelector, peer.podSelector) };
    }
    return { type: 'pods', description: `pods ${describeSelector(peer.podSelector)} in namespace ${policyNs}`, workloads: this.resolve([policyNs], peer.podSelector) };
  }

  private ciliumPeers(rule: Obj, dir: 'to' | 'from', policyNs: string | undefined): NetworkPeer[] {
    const peers: NetworkPeer[] = [];
    for (const sel of Array.isArray(rule[`${dir}Endpoints`]) ? rule[`${dir}Endpoints`] : []) {
      const s = ciliumSelector(sel);
      if (s === undefined) {
        // A label of another source (reserved:, container:, ...): no pod's Kubernetes labels match it.
        peers.push({ type: 'entity', description: `endpoints ${describeSelector(sel)}`, workloads: [] });
        continue;
      }
      const ml = isObj(s.matchLabels) ? { ...s.matchLabels } : {};
      const ns = typeof ml[CILIUM_NS] === 'string' ? String(ml[CILIUM_NS]) : policyNs;
      delete ml[CILIUM_NS];
      const podSel = { ...s, matchLabels: ml };
      peers.push({ type: 'pods', description: `pods ${describeSelector(podSel)} in ${ns ? `namespace ${ns}` : 'any namespace'}`, workloads: this.resolve(ns ? [ns] : 'all', podSel) });
    }
    for (const c of Array.isArray(rule[`${dir}CIDR`]) ? rule[`${dir}CIDR`] : []) peers.push({ type: 'cidr', description: String(c), workloads: [] });
    for (const c of Array.isArray(rule[`${dir}CIDRSet`]) ? rule[`${dir}CIDRSet`] : []) {
      if (!isObj(c)) continue;
      const except = Array.isArray(c.except) && c.except.length ? ` except ${c.except.map(String).join(', ')}` : '';
      peers.push({ type: 'cidr', description: `${c.cidr ?? c.cidrGroupRef ?? '?'}${except}`, workloads: [] });
    }
    for (const e of Array.isArray(rule[`${dir}Entities`]) ? rule[`${dir}Entities`] : []) peers.push({ type: e === 'all' || e === 'world' ? 'any' : 'entity', description: `entity ${e}`, workloads: [] });
    if (dir === 'to') {
      for (const f of Array.isArray(rule.toFQDNs) ? rule.toFQDNs : []) {
        if (isObj(f)) peers.push({ type: 'fqdn', description: String(f.matchName ?? f.matchPattern), workloads: [] });
      }
      for (const s of Array.isArray(rule.toServices) ? rule.toServices : []) {
        if (isObj(s) && isObj(s.k8sService)) peers.push({ type: 'pods', description: `service ${s.k8sService.namespace ?? policyNs}/${s.k8sService.serviceName}`, workloads: [] });
      }
    }
    if (peers.length === 0) peers.push({ type: 'any', description: 'anywhere', workloads: [] });
    return peers;
  }

  /** The egress or ingress a workload's pods are allowed. */
  direction(namespace: string, labels: Record<string, string>, hostNetwork: boolean, dir: 'egress' | 'ingress'): NetworkDirection {
    if (hostNetwork) return { status: 'not enforceable', policies: [], rules: [] };
    const policies: string[] = [];
    const rules: NetworkRule[] = [];
    const withNs = { ...labels, [CILIUM_NS]: namespace };
    for (const p of this.candidates(namespace, withNs)) {
      const spec = isObj(p.spec) ? p.spec : {};
      const reasons = jsonArrayAnnotation(p, dir);
      const name = `${p.kind}/${p.metadata?.name}`;
      if (p.kind === 'NetworkPolicy') {
        const types: unknown[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
        const applies = dir === 'egress' ? types.includes('Egress') || (types.length === 0 && spec.egress !== undefined) : types.includes('Ingress') || types.length === 0;
        if (!applies || !selectorMatches(spec.podSelector ?? {}, labels)) continue;
        policies.push(name);
        const list = Array.isArray(spec[dir]) ? spec[dir] : [];
        list.forEach((r: unknown, i: number) => {
          if (!isObj(r)) return;
          const raw = r[dir === 'egress' ? 'to' : 'from'];
          const peers = Array.isArray(raw) && raw.length > 0 ? raw.filter(isObj).map((x) => this.k8sPeer(x, namespace)) : [{ type: 'any' as const, description: 'anywhere', workloads: [] }];
          rules.push({ peers, ports: portsOf(r.ports, false), policy: name, reason: reasons[i] ?? null });
        });
      } else {
        policies.push(...this.cilium(p, spec, withNs, dir, name, namespace, rules));
      }
    }
    for (const p of this.clusterwide) {
      const spec = isObj(p.spec) ? p.spec : {};
      policies.push(...this.cilium(p, spec, withNs, dir, `${p.kind}/${p.metadata?.name}`, undefined, rules));
    }
    if (policies.length === 0) return { status: 'everything', policies: [], rules: [] };
    return { status: 'restricted', policies: [...new Set(policies)].sort(), rules };
  }

  private cilium(p: Obj, spec: Obj, labels: Record<string, string>, dir: 'egress' | 'ingress', name: string, policyNs: string | undefined, rules: NetworkRule[]): string[] {
    const specs = Array.isArray(p.specs) ? p.specs.filter(isObj) : [spec];
    const reasons = jsonArrayAnnotation(p, dir);
    let selected = false;
    let index = 0;
    for (const s of specs) {
      const allow = Array.isArray(s[dir]) ? s[dir] : undefined;
      const deny = s[`${dir}Deny`];
      if ((allow === undefined && deny === undefined) || !matchesCilium(s.endpointSelector, labels)) { index += allow?.length ?? 0; continue; }
      selected = true;
      for (const r of allow ?? []) {
        if (isObj(r)) rules.push({ peers: this.ciliumPeers(r, dir === 'egress' ? 'to' : 'from', policyNs), ports: portsOf(r.toPorts, true), policy: name, reason: reasons[index] ?? null });
        index++;
      }
    }
    return selected ? [name] : [];
  }
}

/** Whether a Cilium endpoint selector selects a pod with these labels (never, for another label source). */
function matchesCilium(selector: unknown, labels: Record<string, string>): boolean {
  const sel = ciliumSelector(selector);
  return sel !== undefined && selectorMatches(sel, labels);
}
