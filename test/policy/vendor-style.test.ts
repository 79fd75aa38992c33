import { describe, expect, it } from 'vitest';
import { check, Manifest } from '../../src/policy';

// Objects shaped like what widely used vendor charts render (written for this test, not copied):
// an observability agent's env, a cluster agent's narrow role, a CRD operator's aggregated roles,
// a dashboard bound to the built-in view role. None of them grants or leaks what rbac-* or
// secret-* report; a checker that flags them cries wolf.
const rules = (objects: Manifest[], prefixes: string[]) => check(objects, { rules: prefixes }).findings.filter((f) => !f.rule.startsWith('exemption-')).map((f) => `${f.resource.kind}/${f.resource.name} ${f.rule} ${f.path}`);
const rbac = 'rbac.authorization.k8s.io/v1';

describe('no false positives on vendor-style manifests (classes 2 and 5)', () => {
  it('an agent DaemonSet whose env points at its secrets', () => {
    const ds: Manifest = {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'monitoring' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{
        name: 'agent', image: 'registry.example/agent:7.60.0',
        env: [
          { name: 'DD_CLUSTER_AGENT_ENABLED', value: 'true' },
          { name: 'DD_CLUSTER_AGENT_KUBERNETES_SERVICE_NAME', value: 'agent-cluster-agent' },
          { name: 'DD_CLUSTER_AGENT_TOKEN_NAME', value: 'datadogtoken' },
          { name: 'DD_AUTH_TOKEN_FILE_PATH', value: '/etc/agent/auth/token' },
          { name: 'DD_SECRET_BACKEND_COMMAND', value: '/readsecret_multiple_providers.sh' },
          { name: 'DD_API_KEY_SECRET_NAME', value: 'agent-api-key' },
          { name: 'DD_KUBELET_TLS_VERIFY', value: 'false' },
          { name: 'DD_TOKEN_REFRESH_INTERVAL', value: '30m' },
          { name: 'DD_LOGS_CONFIG_CONTAINER_COLLECT_ALL', value: 'true' },
          { name: 'VAULT_ADDR', value: 'https://vault.vault.svc:8200' },
          { name: 'VAULT_TOKEN_PATH', value: '/var/run/secrets/vault/token' },
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.monitoring.svc:4317' },
        ],
      }] } } },
    };
    expect(rules([ds], ['secret-literal'])).toEqual([]);
  });

  it('a cluster agent\'s narrow role, an operator\'s aggregated roles for its CRDs, a binding to view', () => {
    const objects: Manifest[] = [
      { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'cluster-agent' }, rules: [
        { apiGroups: [''], resources: ['services', 'endpoints', 'pods', 'nodes', 'namespaces', 'componentstatuses', 'limitranges'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch', 'create'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['agent-leader-election', 'datadogtoken'], verbs: ['get', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'create'] },
        { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'daemonsets', 'statefulsets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['list', 'watch', 'get'] },
        { apiGroups: ['', 'metrics.k8s.io'], resources: ['nodes/metrics', 'pods'], verbs: ['get'] },
        { nonResourceURLs: ['/version', '/healthz', '/metrics'], verbs: ['get'] },
      ] },
      { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'operator-edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }, rules: [
        { apiGroups: ['cert.example.io'], resources: ['certificates', 'certificaterequests', 'issuers'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
        { apiGroups: ['cert.example.io'], resources: ['certificates/status'], verbs: ['update'] },
      ] },
      { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'operator-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [
        { apiGroups: ['cert.example.io'], resources: ['certificates', 'certificaterequests', 'issuers'], verbs: ['get', 'list', 'watch'] },
      ] },
      { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'dashboard-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'dashboard', namespace: 'ui' }] },
      { apiVersion: rbac, kind: 'Role', metadata: { name: 'leader', namespace: 'monitoring' }, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }] },
    ];
    expect(rules(objects, ['rbac-'])).toEqual([]);
  });

  it('an operator that really reads every secret is still reported, once, on its role', () => {
    const role: Manifest = { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'operator-controller' }, rules: [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
    ] };
    expect(rules([role], ['rbac-'])).toEqual(['ClusterRole/operator-controller rbac-read-secrets rules[0].resources', 'ClusterRole/operator-controller rbac-delete-broad rules[0].verbs']);
  });
});
