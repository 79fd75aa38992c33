import { describe, expect, it } from 'vitest';
import { check, Manifest } from '../../src/policy';
import { allows, BUILTIN_CLUSTER_ROLES, isClusterScoped, RbacIndex, ruleAllows } from '../../src/policy/rbac-model';

const rulesOf = (objects: Manifest[], prefix = 'rbac-') => check(objects, { rules: [prefix] }).findings.filter((f) => !f.rule.startsWith('exemption-'));
const ids = (objects: Manifest[], prefix = 'rbac-') => [...new Set(rulesOf(objects, prefix).map((f) => f.rule))].sort();
const cr = (name: string, rules: unknown[], extra: Record<string, unknown> = {}): Manifest =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, ...(extra.metadata as object ?? {}) }, rules, ...(extra.aggregationRule ? { aggregationRule: extra.aggregationRule } : {}) });
const nsRole = (name: string, rules: unknown[], namespace = 'ns'): Manifest =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules });
const crb = (name: string, role: string, subjects: unknown[]): Manifest =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects });
const rb = (name: string, namespace: string, kind: 'Role' | 'ClusterRole', role: string, subjects: unknown[]): Manifest =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role }, subjects });
const sa = (name: string, namespace = 'ns') => ({ kind: 'ServiceAccount', name, namespace });

describe('rbac-model: matching as the API server does', () => {
  const req = (verb: string, group: string, resource: string, subresource?: string, scope: 'cluster' | 'namespace' = 'cluster') => ({ verb, group, resource, subresource, scope });

  it('a resource counts only in an API group that lists it, or "*"', () => {
    expect(ruleAllows({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['secrets'], verbs: ['get'] }, req('get', '', 'secrets'))).toBe(false);
    expect(ruleAllows({ apiGroups: ['acme.example.com'], resources: ['pods'], verbs: ['create'] }, req('create', '', 'pods'))).toBe(false);
    expect(ruleAllows({ apiGroups: ['*'], resources: ['secrets'], verbs: ['get'] }, req('get', '', 'secrets'))).toBe(true);
    expect(ruleAllows({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, req('get', '', 'secrets'))).toBe(true);
    // a rule with no apiGroups field matches no resource request at all
    expect(ruleAllows({ resources: ['secrets'], verbs: ['get'] }, req('get', '', 'secrets'))).toBe(false);
  });

  it('"*/sub" matches every resource\'s subresource, "pods/*" matches nothing, "*" matches subresources too', () => {
    expect(ruleAllows({ apiGroups: [''], resources: ['*/exec'], verbs: ['create'] }, req('create', '', 'pods', 'exec'))).toBe(true);
    expect(ruleAllows({ apiGroups: [''], resources: ['*/exec'], verbs: ['create'] }, req('create', '', 'pods'))).toBe(false);
    expect(ruleAllows({ apiGroups: [''], resources: ['pods/*'], verbs: ['create'] }, req('create', '', 'pods', 'exec'))).toBe(false);
    expect(ruleAllows({ apiGroups: [''], resources: ['*'], verbs: ['create'] }, req('create', '', 'pods', 'exec'))).toBe(true);
    expect(ruleAllows({ apiGroups: [''], resources: ['*/token'], verbs: ['create'] }, req('create', '', 'serviceaccounts', 'token'))).toBe(true);
  });

  it('verbs are matched per rule; resourceNames never match a create without a name', () => {
    expect(ruleAllows({ apiGroups: [''], resources: ['pods/exec'], verbs: ['list'] }, req('create', '', 'pods', 'exec'))).toBe(false);
    expect(ruleAllows({ apiGroups: [''], resources: ['pods'], verbs: ['create'], resourceNames: ['a'] }, req('create', '', 'pods'))).toBe(false);
    expect(ruleAllows({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }, { ...req('get', '', 'secrets'), name: 'a' })).toBe(true);
  });

  it('namespaced grants never reach cluster-scoped resources', () => {
    const rules = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
    expect(isClusterScoped('', 'nodes')).toBe(true);
    expect(isClusterScoped('', 'secrets')).toBe(false);
    expect(allows(rules, req('get', '', 'nodes', 'proxy', 'namespace'))).toBe(false);
    expect(allows(rules, req('get', '', 'nodes', 'proxy', 'cluster'))).toBe(true);
    expect(allows(rules, req('get', '', 'secrets', undefined, 'namespace'))).toBe(true);
  });

  it('follows aggregationRule transitively, and knows the built-in roles of Kubernetes 1.33', () => {
    const extra = cr('extra', [{ apiGroups: ['acme.io'], resources: ['widgets'], verbs: ['get'] }], { metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } } });
    const index = new RbacIndex([extra]);
    const admin = index.effectiveRules({ kind: 'ClusterRole', name: 'admin' });
    const r = (verb: string, group: string, resource: string, subresource?: string) => allows(admin.map((e) => e.rule), req(verb, group, resource, subresource, 'namespace'));
    expect(r('create', '', 'pods', 'exec')).toBe(true); // from edit
    expect(r('get', 'acme.io', 'widgets')).toBe(true); // aggregated into view, then edit, then admin
    expect(r('create', 'rbac.authorization.k8s.io', 'rolebindings')).toBe(true);
    expect(r('get', '', 'nodes')).toBe(false);
    const view = index.effectiveRules({ kind: 'ClusterRole', name: 'view' }).map((e) => e.rule);
    expect(allows(view, req('get', '', 'secrets', undefined, 'namespace'))).toBe(false);
    expect(allows(view, req('get', '', 'pods', undefined, 'namespace'))).toBe(true);
    expect(Object.keys(BUILTIN_CLUSTER_ROLES)).toEqual(expect.arrayContaining(['admin', 'edit', 'view', 'cluster-admin']));
  });

  it('a checked ClusterRole of a built-in name replaces the built-in', () => {
    const index = new RbacIndex([cr('edit', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }])]);
    const edit = index.effectiveRules({ kind: 'ClusterRole', name: 'edit' }).map((e) => e.rule);
    expect(allows(edit, req('create', '', 'pods', 'exec', 'namespace'))).toBe(false);
  });

  it('survives an aggregation cycle', () => {
    const a = cr('a', [], { metadata: { labels: { x: '1' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { y: '1' } }] } });
    const b = cr('b', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], { metadata: { labels: { y: '1' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: '1' } }] } });
    const index = new RbacIndex([a, b]);
    expect(allows(index.effectiveRules({ kind: 'ClusterRole', name: 'a' }).map((e) => e.rule), req('get', '', 'secrets'))).toBe(true);
  });
});

describe('rbac rules: API groups', () => {
  it('pods and secrets in another API group are not pods and secrets', () => {
    expect(ids([cr('r', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['secrets', 'pods'], verbs: ['get', 'list', 'create'] }])])).toEqual([]);
    expect(ids([cr('r', [{ apiGroups: ['acme.example.com'], resources: ['pods', 'deployments', 'secrets'], verbs: ['create', 'get'] }])])).toEqual([]);
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['deployments'], verbs: ['create'] }])])).toEqual([]);
    expect(ids([cr('r', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] }])])).toEqual(['rbac-create-pods']);
  });
});

describe('rbac rules: subresources and verbs', () => {
  it('"*/exec", "*/proxy" and "*/token" are found; "pods/*" grants nothing', () => {
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['*/exec'], verbs: ['create'] }])])).toEqual(['rbac-pods-exec', 'rbac-wildcard-resources']);
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['*/proxy'], verbs: ['get'] }])])).toEqual(['rbac-nodes-proxy', 'rbac-wildcard-resources']);
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['*/token'], verbs: ['create'] }])])).toEqual(['rbac-serviceaccount-token', 'rbac-wildcard-resources']);
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['pods/*'], verbs: ['create', 'get'] }])])).toEqual([]);
  });

  it('list or watch on pods/exec gives no exec; get does (WebSocket exec before 1.35)', () => {
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['pods/exec', 'pods/attach'], verbs: ['list', 'watch'] }])])).toEqual([]);
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }])])).toEqual(['rbac-pods-exec']);
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['list'] }])])).toEqual([]);
  });

  it('verbs of one rule do not combine with resources of another', () => {
    expect(ids([cr('r', [
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
    ])])).toEqual([]);
  });

  it('escalate, bind and impersonate count only on the resources they act on', () => {
    expect(ids([cr('r', [{ apiGroups: ['acme.io'], resources: ['things'], verbs: ['bind', 'escalate'] }])])).toEqual([]);
    expect(ids([cr('r', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }])])).toEqual(['rbac-escalation-verbs']);
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }])])).toEqual(['rbac-escalation-verbs']);
  });
});

describe('rbac rules: scope of a namespaced Role', () => {
  it('a Role cannot grant nodes, nodes/proxy, CSR approval or webhook configurations', () => {
    expect(ids([nsRole('r', [
      { apiGroups: [''], resources: ['nodes', 'nodes/proxy'], verbs: ['get', 'delete'] },
      { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval', 'signers'], verbs: ['update', 'approve'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['create'] },
      { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
    ])])).toEqual([]);
  });

  it('the same rules in a ClusterRole are findings', () => {
    expect(ids([cr('r', [
      { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['create'] },
    ])])).toEqual(['rbac-admission-webhooks', 'rbac-nodes-proxy']);
  });

  it('a Role still grants namespaced secrets and exec', () => {
    expect(ids([nsRole('r', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }])])).toEqual(expect.arrayContaining(['rbac-pods-exec', 'rbac-read-secrets']));
    expect(ids([nsRole('r', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }])])).not.toContain('rbac-nodes-proxy');
  });
});

describe('rbac rules: pod-owning workloads', () => {
  it('update and patch on workloads, and on pods and pods/ephemeralcontainers, are as strong as create pods', () => {
    for (const [group, resource, verb] of [['apps', 'deployments', 'patch'], ['apps', 'daemonsets', 'update'], ['batch', 'cronjobs', 'patch'], ['', 'pods', 'update'], ['', 'pods/ephemeralcontainers', 'patch'], ['argoproj.io', 'rollouts', 'create']]) {
      expect(ids([cr('r', [{ apiGroups: [group], resources: [resource], verbs: [verb] }])]), `${verb} ${group}/${resource}`).toEqual(['rbac-create-pods']);
    }
    expect(ids([cr('r', [{ apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'list', 'watch'] }])])).toEqual([]);
    expect(ids([cr('r', [{ apiGroups: ['apps'], resources: ['deployments/status'], verbs: ['patch'] }])])).toEqual([]);
  });
});

describe('rbac rules: resourceNames', () => {
  it('a grant narrowed by resourceNames is reported as narrowed', () => {
    const f = rulesOf([cr('r', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['agent-tls'] }])]);
    expect(f.map((x) => x.rule)).toEqual(['rbac-read-secrets-named']);
    expect(f[0].severity).toBe('warning');
    expect(f[0].message).toContain('agent-tls');
    expect(f[0].message).not.toMatch(/every secret/);
  });
  it('create pods narrowed by resourceNames grants nothing (create has no name)', () => {
    expect(ids([cr('r', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'], resourceNames: ['x'] }])])).toEqual([]);
  });
  it('update on a named deployment is still a way to run pods', () => {
    const f = rulesOf([cr('r', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'], resourceNames: ['web'] }])]);
    expect(f.map((x) => x.rule)).toEqual(['rbac-create-pods']);
    expect(f[0].message).toContain('web');
  });
});

describe('rbac rules: aggregation and built-in roles', () => {
  const aggregated = cr('sneaky', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }] } });

  it('an aggregated ClusterRole with rules: [] is judged by the roles it selects', () => {
    const f = rulesOf([aggregated, crb('b', 'sneaky', [sa('bot')])]);
    expect([...new Set(f.map((x) => x.rule))].sort()).toEqual(expect.arrayContaining(['rbac-create-pods', 'rbac-pods-exec', 'rbac-read-secrets', 'rbac-serviceaccount-token']));
    const secrets = f.find((x) => x.rule === 'rbac-read-secrets')!;
    expect(secrets.resource.name).toBe('sneaky');
    expect(secrets.path).toMatch(/^aggregationRule\.clusterRoleSelectors\[0\]/);
    expect(secrets.message).toContain('ServiceAccount ns/bot');
  });

  it('an aggregated role picks up checked ClusterRoles with matching labels', () => {
    const parts = cr('parts', [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }], { metadata: { labels: { team: 'x' } } });
    const agg = cr('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: 'x' } }] } });
    const onAgg = rulesOf([parts, agg]).filter((f) => f.resource.name === 'agg');
    expect(onAgg.map((f) => f.rule)).toEqual(['rbac-nodes-proxy']);
    expect(onAgg[0].message).toContain('parts');
  });

  it('bindings to the built-in admin, edit and cluster-admin roles are judged by what they grant', () => {
    expect(ids([rb('b', 'ns', 'ClusterRole', 'edit', [sa('bot')])])).toEqual(expect.arrayContaining(['rbac-create-pods', 'rbac-pods-exec', 'rbac-read-secrets']));
    expect(ids([rb('b', 'ns', 'ClusterRole', 'admin', [sa('bot')])])).toEqual(expect.arrayContaining(['rbac-create-pods', 'rbac-read-secrets']));
    // cluster-admin is reported once, as what it is, rather than as each of its grants
    expect(ids([crb('b', 'cluster-admin', [sa('bot')])])).toEqual(['rbac-bind-cluster-admin']);
    const f = rulesOf([rb('b', 'ns', 'ClusterRole', 'edit', [sa('bot')])]);
    expect(f[0].resource.kind).toBe('RoleBinding');
    expect(f[0].path).toBe('roleRef.name');
    expect(f.find((x) => x.rule === 'rbac-read-secrets')!.message).toMatch(/built-in ClusterRole "edit"/);
  });

  it('a RoleBinding to cluster-admin does not grant cluster-scoped resources', () => {
    expect(ids([rb('b', 'ns', 'ClusterRole', 'cluster-admin', [sa('bot')])])).not.toContain('rbac-nodes-proxy');
  });

  it('a binding to the built-in view role grants nothing dangerous', () => {
    expect(ids([rb('b', 'ns', 'ClusterRole', 'view', [sa('bot')])])).toEqual([]);
  });

  it('a binding to a role among the checked objects is not judged twice', () => {
    const r = cr('agent', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    const f = rulesOf([r, crb('b', 'agent', [sa('bot')])]);
    expect(f.map((x) => `${x.resource.kind}:${x.rule}`)).toEqual(['ClusterRole:rbac-read-secrets']);
  });
});

describe('rbac rules: subjects that mean everyone', () => {
  it('system:anonymous, system:unauthenticated, system:authenticated and all service accounts are everyone', () => {
    for (const s of [
      { kind: 'Group', name: 'system:unauthenticated' }, { kind: 'Group', name: 'system:authenticated' },
      { kind: 'Group', name: 'system:serviceaccounts' }, { kind: 'Group', name: 'system:serviceaccounts:kube-system' },
      { kind: 'User', name: 'system:anonymous' }, { kind: 'Group', name: 'system:masters' },
    ]) {
      const f = rulesOf([crb('b', 'reader', [s])]);
      expect(f.map((x) => x.rule), s.name).toEqual(['rbac-bind-system-groups']);
      expect(f[0].path).toBe('subjects[0].name');
    }
    expect(ids([crb('b', 'reader', [{ kind: 'Group', name: 'system:serviceaccounts-team' }, { kind: 'User', name: 'anonymous' }])])).toEqual([]);
  });
});

describe('rbac: linear indexing of same-named roles', () => {
  it('names at most five subjects of a role and counts the rest', () => {
    const objs: Manifest[] = [nsRole('worker', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])];
    for (let i = 0; i < 20; i++) objs.push(rb(`b${i}`, 'ns', 'Role', 'worker', [sa(`bot-${String(i).padStart(2, '0')}`)]));
    const [f] = rulesOf(objs);
    expect(f.message.match(/ServiceAccount/g)).toHaveLength(5);
    expect(f.message).toContain('and 15 more');
  });

  it('a Role is bound only by RoleBindings of its own namespace', () => {
    const objs: Manifest[] = [];
    for (const ns of ['a', 'b', 'c']) {
      objs.push(nsRole('worker', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], ns));
      objs.push(rb('worker', ns, 'Role', 'worker', [sa(`bot-${ns}`, ns)]));
    }
    const f = rulesOf(objs);
    expect(f).toHaveLength(3);
    for (const x of f) {
      expect(x.message).toContain(`ServiceAccount ${x.resource.namespace}/bot-${x.resource.namespace}`);
      expect(x.message.match(/ServiceAccount/g)).toHaveLength(1);
    }
  });
});

describe('rbac-model: what a subject may do', () => {
  it('collects the grants of a ServiceAccount, including through the groups it belongs to', () => {
    const index = new RbacIndex([
      nsRole('reader', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], 'ns'),
      rb('direct', 'ns', 'Role', 'reader', [sa('bot', 'ns')]),
      crb('all-sa', 'view', [{ kind: 'Group', name: 'system:serviceaccounts' }]),
      rb('ns-sa', 'ns', 'ClusterRole', 'edit', [{ kind: 'Group', name: 'system:serviceaccounts:ns' }]),
      rb('other-ns', 'other', 'ClusterRole', 'edit', [{ kind: 'Group', name: 'system:serviceaccounts:other' }]),
      crb('authn', 'system:basic-user', [{ kind: 'Group', name: 'system:authenticated' }]),
    ]);
    const grants = index.grantsOf({ kind: 'ServiceAccount', name: 'bot', namespace: 'ns' });
    expect(grants.map((g) => `${g.binding.metadata.name} ${g.scope}${g.namespace ? ` ${g.namespace}` : ''}`).sort()).toEqual(['all-sa cluster', 'authn cluster', 'direct namespace ns', 'ns-sa namespace ns']);
    const rules = (name: string) => grants.find((g) => g.binding.metadata.name === name)!.rules.map((e) => e.rule);
    expect(allows(rules('ns-sa'), { verb: 'create', group: '', resource: 'pods', subresource: 'exec', scope: 'namespace' })).toBe(true);
    expect(rules('authn')).toEqual([]); // system:basic-user is not among the objects nor in the built-in table
  });
});
