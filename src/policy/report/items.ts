/**
 * A workload's privileges as a flat list of items with stable keys, for the diff. A key names what is
 * granted and nothing else (no labels, image tags, object order or reason wording), so churn that
 * changes no privilege gives the same keys.
 */
import { ApiPermission, API_GROUPS, NetworkRule, WorkloadReport } from './types';

export type Section = 'identity' | 'cloud' | 'kubernetes-api' | 'kernel' | 'network' | 'secrets' | 'supply-chain';

export interface PrivilegeItem {
  readonly key: string;
  readonly section: Section;
  /** One line a reviewer reads, e.g. `delete pods in namespace shop`. */
  readonly text: string;
  readonly reason: string | null;
  /** Whether the output has a place for this item's reason (docs/reasons-in-output.md); only these warn without one. */
  readonly expectsReason: boolean;
  /** For Kubernetes API items: the group, the verb, and what it applies to (so a listing can merge verbs). */
  readonly api?: { readonly group: string; readonly verb: string; readonly object: string };
}

const scopeText = (scope: string) => (scope === 'cluster' ? 'cluster-wide' : `in namespace ${scope.slice('namespace:'.length)}`);

export function resourceText(p: Pick<ApiPermission, 'apiGroup' | 'resource' | 'resourceNames'>): string {
  if (p.resource.startsWith('/')) return `URL ${p.resource}`;
  const group = p.apiGroup === '' ? '' : `${p.apiGroup === '*' ? '*' : p.apiGroup}/`;
  const names = p.resourceNames.length ? ` named ${p.resourceNames.join(', ')}` : '';
  return `${group}${p.resource}${names}`;
}

function peerText(r: NetworkRule, i: number): string {
  return `${r.peers[i].description} on ${r.ports.join(', ')}`;
}

export function privilegeItems(w: WorkloadReport): PrivilegeItem[] {
  const items: PrivilegeItem[] = [];
  const id = w.identity;
  if (id.tokenMounted) items.push({ key: 'identity:token', section: 'identity', text: `mounts a Kubernetes API token (ServiceAccount ${id.serviceAccount})`, reason: id.tokenReason, expectsReason: true });
  for (const aud of id.projectedTokenAudiences) items.push({ key: `identity:projected-token:${aud}`, section: 'identity', text: `mounts a service-account token for audience ${aud}`, reason: null, expectsReason: false });
  for (const c of id.cloud) {
    items.push({ key: `cloud:${c.provider}:${c.mechanism}:${c.principal}`, section: 'cloud', text: `assumes ${c.provider === 'aws' ? 'AWS role' : 'Google service account'} ${c.principal} (${c.mechanism})`, reason: null, expectsReason: false });
    for (const s of c.aws) {
      const cond = s.conditions ? ` if ${JSON.stringify(sortKeys(s.conditions))}` : '';
      for (const a of s.actions) {
        for (const r of s.resources.length ? s.resources : ['(no resource)']) {
          items.push({ key: `cloud:aws:${c.principal}:${s.effect}:${a}:${r}:${cond}`, section: 'cloud', text: `${s.effect === 'Deny' ? 'denied ' : ''}${a} on ${r}${cond}`, reason: s.reason, expectsReason: true });
        }
      }
    }
    for (const g of c.gcp) {
      const cond = g.condition ? ` if ${g.condition.expression}` : '';
      for (const perm of g.permissions.length ? g.permissions : [g.role]) {
        items.push({ key: `cloud:gcp:${c.principal}:${g.on}:${perm}:${cond}`, section: 'cloud', text: `${perm} on ${g.on}${cond}`, reason: g.reason, expectsReason: true });
      }
    }
  }
  for (const group of API_GROUPS) {
    for (const p of w.kubernetesApi[group]) {
      for (const verb of p.verbs) {
        items.push({
          key: `k8s:${p.scope}:${p.apiGroup}:${p.resource}:${p.resourceNames.join(',')}:${verb}`, section: 'kubernetes-api',
          text: `[${group}] ${verb} ${resourceText(p)} ${scopeText(p.scope)}`, reason: p.reasons.length ? p.reasons.join('; ') : null, expectsReason: true,
          api: { group, verb, object: `${resourceText(p)} ${scopeText(p.scope)}` },
        });
      }
    }
  }
  const k = w.kernel;
  for (const c of k.privileged.containers) items.push({ key: `kernel:privileged:${c}`, section: 'kernel', text: `container ${c} runs privileged`, reason: k.privileged.reason, expectsReason: true });
  for (const c of k.root.containers) items.push({ key: `kernel:root:${c}`, section: 'kernel', text: `container ${c} runs as root (UID 0)`, reason: k.root.reason, expectsReason: true });
  for (const c of k.root.maybe) items.push({ key: `kernel:root-maybe:${c}`, section: 'kernel', text: `container ${c} may run as root (no runAsNonRoot, no UID: the image decides)`, reason: k.root.reason, expectsReason: true });
  for (const c of k.privilegeEscalation) items.push({ key: `kernel:escalation:${c}`, section: 'kernel', text: `container ${c} allows privilege escalation`, reason: null, expectsReason: false });
  for (const cap of k.capabilities) for (const c of cap.containers) items.push({ key: `kernel:cap:${cap.name}:${c}`, section: 'kernel', text: `container ${c} adds capability ${cap.name}`, reason: cap.reason, expectsReason: true });
  for (const n of k.hostNamespaces) items.push({ key: `kernel:hostns:${n.name}`, section: 'kernel', text: `uses ${n.name}`, reason: n.reason, expectsReason: true });
  for (const h of k.hostPaths) items.push({ key: `kernel:hostpath:${h.path}:${h.access}`, section: 'kernel', text: `host path ${h.path} (${h.access})`, reason: h.reason, expectsReason: true });
  for (const [c, p] of Object.entries(k.seccomp)) if (p !== 'RuntimeDefault' && !p.startsWith('Localhost/')) items.push({ key: `kernel:seccomp:${c}:${p}`, section: 'kernel', text: `container ${c} seccomp ${p}`, reason: null, expectsReason: false });
  for (const [c, p] of Object.entries(k.appArmor)) if (p === 'Unconfined') items.push({ key: `kernel:apparmor:${c}:${p}`, section: 'kernel', text: `container ${c} AppArmor ${p}`, reason: null, expectsReason: false });
  const eg = w.network.egress;
  if (eg.status !== 'restricted') items.push({ key: `network:egress:${eg.status}`, section: 'network', text: `egress to ${eg.status === 'everything' ? 'everything (no policy selects it)' : 'anything (host network: not enforceable)'}`, reason: null, expectsReason: false });
  for (const r of eg.rules) {
    r.peers.forEach((_, i) => items.push({ key: `network:egress:${r.peers[i].description}:${r.ports.join(',')}`, section: 'network', text: `egress to ${peerText(r, i)}`, reason: r.reason, expectsReason: true }));
  }
  for (const s of w.secrets) items.push({ key: `secret:${s.source}:${s.name}:${s.as}`, section: 'secrets', text: `${s.source} ${s.name} as ${s.as}${s.from ? ` (${s.from})` : ''}`, reason: null, expectsReason: false });
  for (const i of w.supplyChain) {
    const repo = repoOf(i.image);
    if (!i.pinned) items.push({ key: `image:unpinned:${i.container}:${repo}`, section: 'supply-chain', text: `container ${i.container} image ${repo} is not pinned by digest`, reason: null, expectsReason: false });
    if (i.signaturePolicies.length === 0) items.push({ key: `image:unsigned:${i.container}:${repo}`, section: 'supply-chain', text: `container ${i.container} image ${repo} is covered by no signature policy`, reason: null, expectsReason: false });
  }
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(i.key) ? false : (seen.add(i.key), true)));
}

/** The repository of an image reference, without tag or digest (a tag change is not a privilege change). */
export function repoOf(image: string): string {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const colon = named.indexOf(':', named.lastIndexOf('/') + 1);
  return colon >= 0 ? named.slice(0, colon) : named;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
