// The checker at scale: 10,000 and 100,000 mixed objects with every cross-object relation (NetworkPolicies
// selecting host-network pods by namespace and labels, unrelated policies, RoleBindings to same-named
// Roles in every namespace, ClusterRoleBindings, subjects), as one multi-document YAML stream; a tenth of
// the objects share one namespace that grows with the count.
//
// Cases (ratios, subject / baseline, measured in the same run):
// - "check N vs parse N": checking N objects against parsing their YAML (target <= 1.5x);
// - "check 100k vs 10 x check 10k": per-object cost growth from 10k to 100k (target <= 1.3x: linear);
// and, printed when this file loads, the peak memory (max RSS) of parsing and checking 100k objects
// in a fresh process (target < 1 GiB).
//
// BENCH_CHECKER_SIZES=10000,100000 to change the sizes; BENCH_CHECKER_MEMORY=0 to skip the memory run.
// Run this file alone: `npx tsx bench/cases/checker-scale.ts <count>` prints that process's peak RSS.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { check, CheckInput, parseDocuments } from '../../src/policy';
import { BenchCase } from '../types';

const PER_NAMESPACE = 50;

/**
 * `count` objects of mixed kinds, in blocks of ten (one of each kind). Most blocks sit in namespaces of
 * 50 objects; every tenth block sits in one namespace, "shared", that grows with the count, so that
 * per-namespace work that is not indexed (every policy against every pod of the namespace, every binding
 * against every role) shows as growth.
 */
export function scaleObjects(count: number): object[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  const container = (i: number) => ({ name: 'app', image: `ghcr.io/x/app@sha256:${'ab'.repeat(32)}`, securityContext: i % 13 === 0 ? { privileged: true } : sc, resources: { limits: { cpu: '100m', memory: '64Mi' } } });
  // In the shared namespace names and labels are unique per block; elsewhere Roles share their names across namespaces.
  const make: Array<(i: number, ns: string, b: string, shared: boolean) => object> = [
    // a host-network pod, selected by the policy of its block
    (i, ns, b) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: ns, labels: { app: `app-${b}` } }, spec: { hostNetwork: true, serviceAccountName: `sa-${b}`, automountServiceAccountToken: false, containers: [container(i)] } }),
    (i, ns, b) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `deploy-${i}`, namespace: ns }, spec: { selector: { matchLabels: { app: `app-${b}` } }, template: { metadata: { labels: { app: `app-${b}` } }, spec: { serviceAccountName: `sa-${b}`, containers: [container(i)] } } } }),
    (i, ns, b) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `allow-${i}`, namespace: ns }, spec: { podSelector: { matchLabels: { app: `app-${b}` } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443 }] }] } }),
    // a policy that selects no pod
    (i, ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `unrelated-${i}`, namespace: ns }, spec: { podSelector: { matchLabels: { team: `other-${i}` } }, policyTypes: ['Egress'], egress: [] } }),
    (i, ns, b, shared) => ({ apiVersion: rbac, kind: 'Role', metadata: { name: shared ? `reader-${b}` : `reader-${i % 2}`, namespace: ns }, rules: [{ apiGroups: [''], resources: i % 4 === 0 ? ['secrets'] : ['pods'], verbs: ['get', 'list'] }] }),
    (i, ns, b, shared) => ({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: `bind-${i}`, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: shared ? `reader-${b}` : `reader-${(i - 1) % 2}` }, subjects: [{ kind: 'ServiceAccount', name: `sa-${b}`, namespace: ns }] }),
    (_i, ns, b) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${b}`, namespace: ns }, automountServiceAccountToken: false }),
    (i, ns, b) => ({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: `crb-${i}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `cluster-reader-${b}` }, subjects: [{ kind: 'ServiceAccount', name: `sa-${b}`, namespace: ns }] }),
    (_i, _ns, b) => ({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: `cluster-reader-${b}` }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] }),
    (i, ns) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { key: `value-${i}` } }),
  ];
  return Array.from({ length: count }, (_, i) => {
    const block = Math.floor(i / make.length);
    const shared = block % 10 === 0;
    return make[i % make.length](i, shared ? 'shared' : `ns-${Math.floor(i / PER_NAMESPACE)}`, String(block), shared);
  });
}

export function scaleYaml(count: number): string {
  return scaleObjects(count).map((o) => stringify(o)).join('---\n');
}

function parse(text: string, count: number): CheckInput[] {
  const parsed = parseDocuments(text, 'bench.yaml', { maxDocuments: count });
  if (parsed.problems.length || parsed.inputs.length !== count) throw new Error(`bench input: ${parsed.problems[0]?.message ?? `${parsed.inputs.length} objects`}`);
  return parsed.inputs;
}

function peakMemory(count: number): string {
  const tsx = join(__dirname, '../../node_modules/.bin/tsx');
  const r = spawnSync(tsx, [__filename, String(count)], { encoding: 'utf8', timeout: 30 * 60_000 });
  return r.status === 0 ? r.stdout.trim() : `failed (${r.status ?? r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`;
}

function buildCases(): BenchCase[] {
  const sizes = (process.env.BENCH_CHECKER_SIZES ?? '10000,100000').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
  const data = sizes.map((n) => {
    const text = scaleYaml(n);
    return { n, text, inputs: parse(text, n) };
  });
  const label = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
  const cases: BenchCase[] = data.map(({ n, text, inputs }) => ({
    name: `checker-scale: check ${label(n)} mixed objects vs parsing them`,
    subject: () => { check(inputs); },
    baselineLabel: `parsing the same YAML (${(text.length / 1024 / 1024).toFixed(1)} MiB) with parseDocuments`,
    baseline: () => { parse(text, n); },
    ...(n > 20_000 ? { runs: 3 } : {}),
  }));
  if (data.length >= 2) {
    const small = data[0];
    const large = data[data.length - 1];
    const times = large.n / small.n;
    cases.push({
      name: `checker-scale: per-object growth, check ${label(large.n)} vs ${times} x check ${label(small.n)}`,
      subject: () => { check(large.inputs); },
      baselineLabel: `${times} checks of ${label(small.n)} objects (linear growth = 1.00x)`,
      baseline: () => { for (let i = 0; i < times; i++) check(small.inputs); },
      runs: 3,
    });
  }
  if (process.env.BENCH_CHECKER_MEMORY !== '0') {
    const n = sizes[sizes.length - 1];
    console.log(`checker-scale: peak memory (max RSS) of parsing and checking ${label(n)} objects in a fresh process: ${peakMemory(n)}`);
  }
  return cases;
}

if (require.main === module) {
  // Child mode: build, parse and check `count` objects once, and print this process's peak RSS.
  const count = Number(process.argv[2] ?? 100_000);
  const text = scaleYaml(count);
  const result = check(parse(text, count));
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`${rss.toFixed(0)} MiB (${result.summary.objects} objects, ${result.findings.length} findings)`);
}

export const cases: BenchCase[] = require.main === module ? [] : buildCases();
