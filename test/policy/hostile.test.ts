import { describe, expect, it } from 'vitest';
import { check, Manifest } from '../../src/policy';

// Values no YAML decoder refuses, in every field the Kubernetes families read: objects where strings
// are expected (with a "toString" key, which breaks String() and template literals), arrays, numbers.
const weird: unknown[] = [{ toString: 1 }, { valueOf: 'x', toString: 'y' }, ['a'], 42, null, true];

function variants(make: (w: unknown) => Manifest): Manifest[] {
  return weird.map(make);
}

describe('the Kubernetes families never throw on odd values', () => {
  const cases: Record<string, (w: unknown) => Manifest> = {
    'metadata.name': (w) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: w, namespace: w, labels: { app: w } }, spec: { containers: [{ name: 'c', image: 'r/c:1' }] } }),
    container: (w) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: w, containers: [{ name: w, image: w, env: [{ name: w, value: w }, { name: 'X', valueFrom: { secretKeyRef: { name: w } } }], args: [w], ports: [{ hostPort: w }], securityContext: { capabilities: { add: [w], drop: w } } }] } }),
    'role rules': (w) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: w, labels: { a: w } }, rules: [{ apiGroups: [w, ''], resources: [w, 'secrets'], verbs: [w, 'get'], resourceNames: [w] }, w], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: w } }, w, { matchExpressions: [{ key: w, operator: w, values: w }] }] } }),
    binding: (w) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: w, namespace: w }, roleRef: { kind: 'ClusterRole', name: w }, subjects: [{ kind: w, name: w, namespace: w }, w] }),
    'built-in binding': (w) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: w }, roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: w }] }),
    'network policy': (w) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: w, namespace: w }, spec: { podSelector: { matchLabels: { app: w } }, policyTypes: [w, 'Egress'], egress: [{ to: [{ ipBlock: { cidr: w, except: [w] } }], ports: [{ port: w }] }, { ports: [w] }, w] } }),
    cilium: (w) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: w }, specs: [{ endpointSelector: { matchLabels: { [String(typeof w)]: w } }, egress: [{ toCIDR: [w], toCIDRSet: [{ cidr: w, except: w }], toEntities: [w] }] }, w] }),
    'secret and configmap': (w) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: w }, data: { a: w }, stringData: w }),
    configmap: (w) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: w }, data: { a: w } }),
    'annotations': (w) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', annotations: { 'exemptions.secure-agents.io/pss-privileged': w } }, spec: { template: { metadata: { annotations: { 'vault.hashicorp.com/tls-skip-verify': w, 'exemptions.secure-agents.io/image-digest': w } }, spec: { containers: [{ name: 'c', image: 'r/c:1' }] } } } }),
    'unknown kind': (w) => ({ apiVersion: 'acme.io/v1', kind: 'Thing', metadata: { name: w }, spec: { jobs: [{ template: { metadata: { labels: w }, spec: { containers: [{ name: w, image: 'r/x:1' }], volumes: [w] } } }] } }),
  };
  for (const [name, make] of Object.entries(cases)) {
    it(name, () => {
      for (const o of variants(make)) {
        const objects = [o, ...variants(cases['role rules']), ...variants(cases.binding)];
        expect(() => check(objects), JSON.stringify(o)).not.toThrow();
      }
    });
  }
});

describe('security-context values of the wrong type', () => {
  it('procMount, AppArmor, seccomp, SELinux, sysctls and hostPath of odd types are reported without throwing', () => {
    for (const w of weird) {
      const o: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {
        securityContext: { appArmorProfile: { type: w }, seccompProfile: { type: w }, seLinuxOptions: { type: w, user: w, role: w }, sysctls: [w, { name: w }], runAsUser: w },
        volumes: [{ name: w, hostPath: { path: w } }, w],
        containers: [{ name: 'c', image: 'r/c:1', securityContext: { procMount: w, appArmorProfile: { type: w }, seccompProfile: { type: w }, capabilities: { add: w, drop: [w] } } }],
      } };
      expect(() => check([o]), JSON.stringify(w)).not.toThrow();
    }
  });
});

describe('one object that throws when read does not break the cross-object indexes', () => {
  it('policies, bindings and service accounts still serve the other objects', () => {
    const throwing = (kind: string) => ({ apiVersion: 'v1', kind, metadata: { name: `bad-${kind}`, namespace: 'ns' }, get spec(): unknown { throw new Error('boom'); }, get rules(): unknown { throw new Error('boom'); }, get subjects(): unknown { throw new Error('boom'); }, get roleRef(): unknown { throw new Error('boom'); } });
    const pod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok', namespace: 'ns', labels: { app: 'a' } }, spec: { serviceAccountName: 'bot', containers: [{ name: 'c', image: 'r/c:1' }] } };
    const np: Manifest = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'ns' }, spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [] } };
    const role: Manifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'ns' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] };
    const rb: Manifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'r', namespace: 'ns' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'bot' }] };
    const objects = [throwing('Pod'), throwing('ClusterRole'), throwing('RoleBinding'), throwing('NetworkPolicy'), pod, np, role, rb] as Manifest[];
    const r = check(objects);
    const on = (name: string) => r.findings.filter((f) => f.resource.name === name).map((f) => f.rule);
    expect(on('ok')).not.toContain('net-no-egress-policy');
    expect(on('ok')).not.toContain('secret-automount-token');
    expect(r.findings.find((f) => f.resource.name === 'r' && f.rule === 'rbac-read-secrets')!.message).toContain('ServiceAccount ns/bot');
  });
});
