import { stringify } from 'yaml';
import { Manifest, parseDocuments } from '../../src/policy';
import { buildReport, diffReports } from '../../src/policy/report';
import { BenchCase } from '../types';

/**
 * Objects of every kind the report relates, in a fixed number of namespaces (so namespaces grow
 * denser with the count, as in one big cluster): workloads, ServiceAccounts, Roles and bindings,
 * aggregated ClusterRoles, NetworkPolicies with pod peers, Secrets by volume and env, image policies.
 */
function objects(count: number): Manifest[] {
  const ns = (i: number) => `ns-${i % 20}`;
  const app = (i: number) => `app-${Math.floor(i / 20)}`;
  // Fan-out stays bounded as the count grows: ~5 bindings per ServiceAccount, ~5 roles per aggregation.
  const sa = (i: number) => `sa-${Math.floor(i / 50)}`;
  const make: Array<(i: number) => Manifest> = [
    (i) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d-${i}`, namespace: ns(i) },
      spec: { selector: { matchLabels: { app: app(i) } }, template: { metadata: { labels: { app: app(i), tier: `t-${i % 3}` } }, spec: {
        serviceAccountName: sa(i),
        containers: [{ name: 'c', image: i % 2 ? `registry.example/app:${i}` : `registry.example/app@sha256:${'0'.repeat(64)}`, env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: `s-${i % 30}`, key: 'k' } } }], securityContext: i % 9 === 0 ? { capabilities: { add: ['NET_ADMIN'] }, runAsUser: 0 } : { runAsNonRoot: true }, volumeMounts: [{ name: 'sec', mountPath: '/s' }, { name: 'host', mountPath: '/h', readOnly: true }] }],
        volumes: [{ name: 'sec', secret: { secretName: `s-${i % 30}` } }, { name: 'host', hostPath: { path: '/var/log' } }],
      } } },
    }),
    (i) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa(i), namespace: ns(i), annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::1:role/r-${Math.floor(i / 50)}` } } }),
    (i) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `role-${i}`, namespace: ns(i) }, rules: [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list', 'delete'] }] }),
    (i) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `rb-${i}`, namespace: ns(i) }, roleRef: { kind: 'Role', name: `role-${i - 1}` }, subjects: [{ kind: 'ServiceAccount', name: sa(i) }] }),
    (i) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `cr-${i}`, labels: { [`agg-${Math.floor(i / 50)}`]: 'true' } }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }] }),
    (i) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `agg-${i}` }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`agg-${Math.floor(i / 50)}`]: 'true' } }] }, rules: [] }),
    (i) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `crb-${i}` }, roleRef: { kind: 'ClusterRole', name: `agg-${i - 1}` }, subjects: [{ kind: 'ServiceAccount', name: sa(i), namespace: ns(i) }] }),
    (i) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `np-${i}`, namespace: ns(i) },
      spec: { podSelector: { matchLabels: { app: app(i) } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: app(i + 1) } } }, { ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443 }] }] },
    }),
    (i) => ({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: `kp-${i}` }, spec: { rules: [{ name: 'v', verifyImages: [{ imageReferences: [`registry.example/team-${i}/*`] }] }] } }),
    (i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns(i) }, data: { k: 'v' } }),
  ];
  return Array.from({ length: count }, (_, i) => make[i % make.length](i));
}

const N = 5_000;
const small = objects(N);
const large = objects(2 * N);
const yamlLarge = large.map((o) => stringify(o)).join('---\n');
const head = large.map((o) => (o.kind === 'Deployment' ? { ...o, metadata: { ...(o.metadata as object), labels: { churn: 'yes' } } } : o)).reverse();

export const cases: BenchCase[] = [
  {
    name: `report over ${2 * N} objects (linear: ~2x the baseline)`,
    subject: () => { buildReport(large); },
    baselineLabel: `report over ${N} objects of the same mix`,
    baseline: () => { buildReport(small); },
  },
  {
    name: `report over ${2 * N} objects from YAML (parse + report, as the CLI does)`,
    subject: () => { buildReport(parseDocuments(yamlLarge, 'bench.yaml').inputs.map((i) => i.object)); },
    baselineLabel: 'parsing the same YAML alone',
    baseline: () => { parseDocuments(yamlLarge, 'bench.yaml'); },
  },
  {
    name: `diff of ${2 * N} objects against a reordered, relabelled copy`,
    subject: () => { diffReports(buildReport(large), buildReport(head)); },
    baselineLabel: 'the two reports alone',
    baseline: () => { buildReport(large); buildReport(head); },
  },
];
