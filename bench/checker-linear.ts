// Local timing of the checker's cross-object relations (issue 17, "Quadratic cost"): per-object cost should stay flat as n grows.
// Not part of `npm run bench` and not a test: run with `npx tsx bench/checker-linear.ts`.
import { check } from '../src/policy';
type O = Record<string, unknown>;
const pod = (name: string, ns: string, labels: Record<string, string>, hostNetwork = false): O => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { hostNetwork, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'r/c:1' }] } });
const deploy = (name: string, ns: string, labels: Record<string, string>): O => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'r/c:1' }] } } } });
const np = (name: string, ns: string, podSelector: O): O => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }] }] } });
const role = (ns: string): O => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'worker', namespace: ns }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] });
const rb = (ns: string, i: number): O => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `worker-${i}`, namespace: ns }, roleRef: { kind: 'Role', name: 'worker' }, subjects: [{ kind: 'ServiceAccount', name: `sa-${i}` }] });

const scenarios: Record<string, (n: number) => O[]> = {
  'host-network pods + select-all policies, one namespace': (n) => [...Array.from({ length: n }, (_, i) => pod(`h${i}`, 'ns', { app: 'h' }, true)), ...Array.from({ length: n }, (_, i) => np(`p${i}`, 'ns', {}))],
  'workloads + unrelated policies, one namespace': (n) => [...Array.from({ length: n }, (_, i) => deploy(`d${i}`, 'ns', { app: `d${i}` })), ...Array.from({ length: n }, (_, i) => np(`u${i}`, 'ns', { matchLabels: { app: `other-${i}` } }))],
  'same-named Roles with bindings, one namespace each': (n) => Array.from({ length: n }, (_, i) => [role(`ns${i}`), rb(`ns${i}`, i)]).flat(),
  'same-named Roles with bindings, all in one namespace': (n) => Array.from({ length: n }, (_, i) => [role('ns'), rb('ns', i)]).flat(),
  'RoleBindings to built-in edit': (n) => Array.from({ length: n }, (_, i) => rb(`ns${i}`, i)).map((b) => ({ ...b, roleRef: { kind: 'ClusterRole', name: 'edit' } })),
};
for (const [name, make] of Object.entries(scenarios)) {
  const row: string[] = [];
  for (const n of [1000, 2000, 4000, 8000]) {
    const objs = make(n);
    // best of three runs, so that garbage collection and other processes do not hide the trend
    let ms = Infinity;
    let r = check(objs);
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      r = check(objs);
      ms = Math.min(ms, performance.now() - t0);
    }
    const bytes = JSON.stringify(r.findings).length;
    row.push(`n=${n}: ${ms.toFixed(0)} ms, ${(ms * 1000 / objs.length).toFixed(1)} µs/object, ${r.findings.length} findings, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
  }
  console.log(`${name}\n  ${row.join('\n  ')}`);
}
console.log(`heap used ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MiB`);
