/** Network: every workload behind an egress policy; policies that cannot work; egress to anywhere. */
import { indexed, isObj, labelsOf, Obj, podSpecOf, selectorMatches } from './objects';
import { CheckContext, Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

export const NETWORK_RULES: readonly RuleMeta[] = [
  { id: 'net-no-egress-policy', title: 'Workloads need an egress NetworkPolicy', severity: 'warning', explanation: 'A pod that no egress policy selects can connect anywhere, including the cloud metadata service and the internet.', fix: 'Add a NetworkPolicy with policyTypes [Egress] that selects the pods and allows only the peers they need.' },
  { id: 'net-policy-selects-hostnetwork', title: 'NetworkPolicy does not apply to hostNetwork pods', severity: 'warning', explanation: 'Pods on the host network are outside NetworkPolicy enforcement; a policy that selects them gives false assurance.', fix: 'Restrict the host-network workload another way (node firewall, Cilium host policies) and document it.' },
  { id: 'net-egress-anywhere', title: 'Egress to 0.0.0.0/0 must except private ranges', severity: 'error', explanation: 'An ipBlock of 0.0.0.0/0 without except reaches every in-cluster and private address.', fix: 'Add except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16] (and 169.254.0.0/16), or list the destinations.' },
];

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

function selectsEgress(policy: Obj, namespace: string | undefined, labels: Record<string, string>): boolean {
  if (policy.metadata?.namespace !== namespace) return false;
  if (policy.kind === 'NetworkPolicy') {
    const spec = isObj(policy.spec) ? policy.spec : {};
    const types: unknown[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
    const egress = types.includes('Egress') || (types.length === 0 && spec.egress !== undefined);
    return egress && selectorMatches(spec.podSelector ?? {}, labels);
  }
  if (policy.kind === 'CiliumNetworkPolicy') {
    const spec = isObj(policy.spec) ? policy.spec : {};
    return (spec.egress !== undefined || spec.egressDeny !== undefined) && selectorMatches(spec.endpointSelector ?? {}, labels);
  }
  return false;
}

const POLICIES = new WeakMap<object, Map<string, Obj[]>>();
const HOST_NETWORK = new WeakMap<object, Map<string, Obj[]>>();

function byNamespace(objects: readonly Obj[], keep: (o: Obj) => boolean): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  for (const o of objects) {
    if (!keep(o)) continue;
    const ns = String(o.metadata?.namespace ?? '');
    const list = out.get(ns);
    if (list) list.push(o); else out.set(ns, [o]);
  }
  return out;
}

function checkWorkload(obj: Obj, ctx: CheckContext): RuleHit[] {
  const pod = podSpecOf(obj);
  if (!pod) return [];
  const ns = obj.metadata?.namespace;
  const labels = labelsOf(pod.metadata);
  const policies = indexed(POLICIES, ctx.objects, (objs) => byNamespace(objs, (o) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy'));
  const selected = (policies.get(String(ns ?? '')) ?? []).some((p) => selectsEgress(p, ns, labels));
  if (selected || pod.spec.hostNetwork === true) return [];
  return [{ rule: 'net-no-egress-policy', path: `${pod.metadataPath}.labels`, message: `${obj.kind} "${obj.metadata?.name}" is selected by no NetworkPolicy with policyType Egress` }];
}

function checkPolicy(policy: Obj, ctx: CheckContext): RuleHit[] {
  const hits: RuleHit[] = [];
  const spec = isObj(policy.spec) ? policy.spec : {};
  const hostNetwork = indexed(HOST_NETWORK, ctx.objects, (objs) => byNamespace(objs, (o) => podSpecOf(o)?.spec.hostNetwork === true));
  for (const w of hostNetwork.get(String(policy.metadata?.namespace ?? '')) ?? []) {
    const pod = podSpecOf(w);
    if (!pod || pod.spec.hostNetwork !== true || w.metadata?.namespace !== policy.metadata?.namespace) continue;
    if (selectorMatches(spec.podSelector ?? {}, labelsOf(pod.metadata))) {
      hits.push({ rule: 'net-policy-selects-hostnetwork', path: 'spec.podSelector', message: `NetworkPolicy "${policy.metadata?.name}" selects ${w.kind} "${w.metadata?.name}", which uses hostNetwork; the policy has no effect on it` });
    }
  }
  const egress = Array.isArray(spec.egress) ? spec.egress : [];
  egress.forEach((rule: unknown, i: number) => {
    const to = isObj(rule) && Array.isArray(rule.to) ? rule.to : [];
    to.forEach((peer: unknown, j: number) => {
      const block = isObj(peer) && isObj(peer.ipBlock) ? peer.ipBlock : undefined;
      if (!block || (block.cidr !== '0.0.0.0/0' && block.cidr !== '::/0')) return;
      const except: unknown[] = Array.isArray(block.except) ? block.except : [];
      const missing = block.cidr === '::/0' ? (except.includes('fc00::/7') ? [] : ['fc00::/7']) : PRIVATE_RANGES.filter((r) => !except.includes(r));
      if (missing.length) {
        hits.push({ rule: 'net-egress-anywhere', path: `spec.egress[${i}].to[${j}].ipBlock`, message: `NetworkPolicy "${policy.metadata?.name}" allows egress to ${block.cidr} without excepting ${missing.join(', ')}` });
      }
    });
  });
  return hits;
}

export const networkFamily: RuleFamily = {
  name: 'net',
  rules: NETWORK_RULES,
  check(obj: Manifest, ctx: CheckContext): RuleHit[] {
    const o = obj as Obj;
    if (o.kind === 'NetworkPolicy') return checkPolicy(o, ctx);
    return checkWorkload(o, ctx);
  },
};
