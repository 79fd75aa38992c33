import { parseAllDocuments, stringify } from 'yaml';
import { check, parseDocuments } from '../../src/policy';
import { BenchCase } from '../types';

/** 10,000 objects of mixed kinds, as one multi-document YAML file (what `secure-agents check` reads). */
function mixedObjects(count: number): object[] {
  const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true };
  const podSpec = (i: number) => ({
    serviceAccountName: `sa-${i % 50}`,
    automountServiceAccountToken: i % 7 === 0 ? undefined : false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'app', image: i % 5 === 0 ? 'busybox:latest' : `ghcr.io/x/app:1.${i}`, env: [{ name: 'LOG_LEVEL', value: 'info' }], securityContext: i % 11 === 0 ? { privileged: true } : sc }],
    initContainers: [{ name: 'init', image: 'ghcr.io/x/init:1.0', securityContext: sc }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  });
  const meta = (kind: string, i: number) => ({ name: `${kind.toLowerCase()}-${i}`, namespace: `ns-${i % 20}`, labels: { app: `app-${i % 100}` } });
  const make: Array<(i: number) => object> = [
    (i) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('Deployment', i), spec: { selector: { matchLabels: { app: `app-${i % 100}` } }, template: { metadata: { labels: { app: `app-${i % 100}` } }, spec: podSpec(i) } } }),
    (i) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('DaemonSet', i), spec: { selector: { matchLabels: { app: `app-${i % 100}` } }, template: { metadata: { labels: { app: `app-${i % 100}` } }, spec: { ...podSpec(i), hostPID: i % 3 === 0 } } } }),
    (i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta('Pod', i), spec: podSpec(i) }),
    (i) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('CronJob', i), spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: podSpec(i) } } } } }),
    (i) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('Role', i), rules: [{ apiGroups: [''], resources: i % 4 === 0 ? ['secrets'] : ['pods'], verbs: ['get', 'list'] }] }),
    (i) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('RoleBinding', i), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${i - 1}` }, subjects: [{ kind: 'ServiceAccount', name: `sa-${i % 50}` }] }),
    (i) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('NetworkPolicy', i), spec: { podSelector: { matchLabels: { app: `app-${i % 100}` } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] } }),
    (i) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('ServiceAccount', i), automountServiceAccountToken: false }),
    (i) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('Service', i), spec: { selector: { app: `app-${i % 100}` }, ports: [{ port: 80 }] } }),
    (i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('ConfigMap', i), data: { key: `value-${i}` } }),
  ];
  return Array.from({ length: count }, (_, i) => make[i % make.length](i));
}

const OBJECTS = 10_000;
const yamlText = mixedObjects(OBJECTS).map((o) => stringify(o)).join('---\n');

export const cases: BenchCase[] = [
  {
    name: `checker over ${OBJECTS} objects of mixed kinds (parse + check, as the CLI does)`,
    subject: () => {
      const { inputs } = parseDocuments(yamlText, 'bench.yaml');
      check(inputs);
    },
    baselineLabel: 'parsing the same YAML alone (yaml parseAllDocuments + toJS)',
    baseline: () => {
      parseAllDocuments(yamlText).map((d) => d.toJS());
    },
  },
];
