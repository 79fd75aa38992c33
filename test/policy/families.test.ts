import { describe, expect, it } from 'vitest';
import { check, IMAGE_RULES, KUBERNETES_FAMILIES, Manifest, NETWORK_RULES, PSS_RULES, RBAC_RULES, SECRET_RULES } from '../../src/policy';
import { PSS } from '../../src/policy/rule-ids';

const rulesOf = (objects: Manifest[], prefix: string) => check(objects, { rules: [prefix] }).findings.filter((f) => !f.rule.startsWith('exemption-'));
const role = (name: string, rules: unknown[], kind = 'ClusterRole'): Manifest => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(kind === 'Role' ? { namespace: 'ns' } : {}) }, rules });
const pod = (spec: Record<string, unknown>, labels: Record<string, string> = { app: 'a' }, annotations?: Record<string, string>): Manifest =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels, annotations }, spec: { containers: [{ name: 'c', image: 'r/c:1' }], ...spec } });

describe('rule metadata', () => {
  it('every rule has id, title, severity, explanation and fix; ids are unique and grouped by family', () => {
    const all = KUBERNETES_FAMILIES.flatMap((f) => f.rules.map((r) => ({ ...r, family: f.name })));
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    for (const r of all) {
      expect(r.id).toMatch(new RegExp(`^${r.family}-[a-z0-9-]+$`));
      for (const k of ['title', 'explanation', 'fix'] as const) expect(r[k].length, `${r.id}.${k}`).toBeGreaterThan(5);
      expect(['error', 'warning']).toContain(r.severity);
    }
  });
  it('one pss rule per PSA check ID', () => {
    expect(PSS_RULES.map((r) => r.id).sort()).toEqual(Object.values(PSS).sort());
    expect(RBAC_RULES.length + NETWORK_RULES.length + SECRET_RULES.length + IMAGE_RULES.length).toBeGreaterThan(20);
  });
});

describe('rbac', () => {
  it('flags each dangerous grant and names the bound subjects', () => {
    const r = role('agent', [
      { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['patch'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['delete'] },
    ]);
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'agent' }, roleRef: { kind: 'ClusterRole', name: 'agent' }, subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'obs' }] };
    const f = rulesOf([r, binding], 'rbac-');
    expect(f.map((x) => x.rule).sort()).toEqual(['rbac-admission-webhooks', 'rbac-create-pods', 'rbac-delete-broad', 'rbac-escalation-verbs', 'rbac-nodes-proxy', 'rbac-pods-exec', 'rbac-read-secrets', 'rbac-serviceaccount-token']);
    for (const x of f) expect(x.message).toContain('ServiceAccount obs/agent');
  });
  it('flags wildcards, cluster-admin and system groups; a read-only role is clean', () => {
    const star = role('star', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    expect(rulesOf([star], 'rbac-wildcard').map((x) => x.rule).sort()).toEqual(['rbac-wildcard-apigroups', 'rbac-wildcard-resources', 'rbac-wildcard-verbs']);
    const b = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] };
    expect(rulesOf([b], 'rbac-').map((x) => x.rule).sort()).toEqual(['rbac-bind-cluster-admin', 'rbac-bind-system-groups']);
    expect(rulesOf([role('ro', [{ apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }])], 'rbac-')).toEqual([]);
  });
});

describe('network', () => {
  const egress = (podSelector: unknown, egressRules: unknown[] = []): Manifest => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'ns' }, spec: { podSelector, policyTypes: ['Egress'], egress: egressRules } });
  it('a workload no egress policy selects is flagged; a selecting policy clears it', () => {
    expect(rulesOf([pod({})], 'net-').map((x) => x.rule)).toEqual(['net-no-egress-policy']);
    expect(rulesOf([pod({}), egress({ matchLabels: { app: 'a' } })], 'net-')).toEqual([]);
    expect(rulesOf([pod({}), egress({ matchLabels: { app: 'other' } })], 'net-').map((x) => x.rule)).toEqual(['net-no-egress-policy']);
  });
  it('a policy selecting hostNetwork pods, and 0.0.0.0/0 without private excepts', () => {
    const f = rulesOf([pod({ hostNetwork: true }), egress({}, [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }])], 'net-');
    expect(f.map((x) => x.rule).sort()).toEqual(['net-egress-anywhere', 'net-policy-selects-hostnetwork']);
    // link-local 169.254.0.0/16 (cloud metadata) belongs with the private ranges (issue 15)
    const ok = egress({ matchLabels: { app: 'a' } }, [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }] }]);
    expect(rulesOf([pod({}), ok], 'net-')).toEqual([]);
  });
});

describe('secrets', () => {
  it('literal secrets, secrets in env, Vault annotations, token without binding', () => {
    const p = pod({
      containers: [{ name: 'c', image: 'r/c:1', env: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'LOG_LEVEL', value: 'debug' }, { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }],
    }, { app: 'a' }, { 'vault.hashicorp.com/tls-skip-verify': 'true', 'vault.hashicorp.com/agent-inject-token': 'true' });
    const f = rulesOf([p], 'secret-');
    expect(f.map((x) => x.rule).sort()).toEqual(['secret-automount-token', 'secret-env-from-secret', 'secret-literal-env', 'secret-vault-tls-skip', 'secret-vault-token-injected']);
    expect(f.find((x) => x.rule === 'secret-literal-env')!.message).toContain('DB_PASSWORD');
  });
  it('a variable that points at a secret file is not a literal secret; a relative value still is', () => {
    const withEnv = (env: any[]) => pod({ automountServiceAccountToken: false, containers: [{ name: 'c', image: 'r/c:1', env }] });
    expect(rulesOf([withEnv([{ name: 'POSTGRES_PASSWORD_FILE', value: '/secrets/postgres/password' }])], 'secret-literal')).toEqual([]);
    expect(rulesOf([withEnv([{ name: 'TOKEN_PATH', value: '/vault/secrets/token' }])], 'secret-literal')).toEqual([]);
    expect(rulesOf([withEnv([{ name: 'DB_PASSWORD_FILE', value: 'hunter2' }])], 'secret-literal').map((x) => x.rule)).toEqual(['secret-literal-env']);
  });
  it('no token finding when automount is off, on the pod or its ServiceAccount, or the account is bound', () => {
    expect(rulesOf([pod({ automountServiceAccountToken: false })], 'secret-')).toEqual([]);
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agent', namespace: 'ns' }, automountServiceAccountToken: false };
    expect(rulesOf([pod({ serviceAccountName: 'agent' }), sa], 'secret-')).toEqual([]);
    const rb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb', namespace: 'ns' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'agent' }] };
    expect(rulesOf([pod({ serviceAccountName: 'agent' }), rb], 'secret-')).toEqual([]);
  });
});

describe('images', () => {
  const img = (image: string) => rulesOf([pod({ containers: [{ name: 'c', image }] })], 'image-').map((x) => x.rule).sort();
  it('latest, no tag, no digest', () => {
    expect(img('nginx')).toEqual(['image-digest', 'image-latest-tag']);
    expect(img('nginx:latest')).toEqual(['image-digest', 'image-latest-tag']);
    expect(img('registry:5000/nginx:1.27')).toEqual(['image-digest']);
    expect(img(`registry:5000/nginx:1.27@sha256:${'b'.repeat(64)}`)).toEqual([]);
  });
});

describe('image digests must be well-formed', () => {
  const img = (image: string) => rulesOf([pod({ containers: [{ name: 'c', image }] })], 'image-').map((x) => x.rule).sort();
  it('sha256 with 64 hex and sha512 with 128 hex are pins', () => {
    expect(img(`r/app:1@sha256:${'a'.repeat(64)}`)).toEqual([]);
    expect(img(`r/app@sha512:${'0f'.repeat(64)}`)).toEqual([]);
  });
  it('a short, long, non-hex, upper-case or unknown-algorithm digest is no pin', () => {
    for (const d of [`sha256:${'a'.repeat(63)}`, `sha256:${'a'.repeat(65)}`, `sha256:${'g'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, `md5:${'a'.repeat(32)}`, `sha512:${'a'.repeat(64)}`, 'sha256:', 'latest']) {
      expect(img(`r/app:1@${d}`), d).toEqual(['image-digest']);
    }
    const f = rulesOf([pod({ containers: [{ name: 'c', image: `r/app@sha256:${'a'.repeat(10)}` }] })], 'image-');
    expect(f.find((x) => x.rule === 'image-digest')!.message).toMatch(/malformed digest/);
    // no tag and no valid digest: the runtime would not pull it as pinned; latest is what it means
    expect(f.map((x) => x.rule).sort()).toEqual(['image-digest', 'image-latest-tag']);
  });
});
