/**
 * RBAC: what a Role or ClusterRole lets its subjects do, and what a binding binds to. A finding on a
 * role names the subjects bound to it among the checked objects.
 */
import { indexed, isObj, Obj } from './objects';
import { CheckContext, Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

const rule = (id: string, title: string, explanation: string, fix: string, severity: 'error' | 'warning' = 'error'): RuleMeta =>
  ({ id, title, severity, explanation, fix });

export const RBAC_RULES: readonly RuleMeta[] = [
  rule('rbac-wildcard-verbs', 'No wildcard verbs', 'A "*" verb grants every current and future verb, including escalate, bind and impersonate.', 'List the verbs the subject needs (e.g. get, list, watch).'),
  rule('rbac-wildcard-resources', 'No wildcard resources', 'A "*" resource grants every resource of the API groups, secrets included.', 'List the resources the subject needs.'),
  rule('rbac-wildcard-apigroups', 'No wildcard API groups', 'A "*" API group grants resources of every group, including ones installed later.', 'List the API groups the subject needs ("" for the core group).'),
  rule('rbac-read-secrets', 'Reading secrets', 'get, list or watch on secrets reveals every secret in scope; list and watch return their contents.', 'Mount the one secret the workload needs as a file instead of granting read access to secrets.'),
  rule('rbac-create-pods', 'Creating pods or pod-owning workloads', 'Whoever can create a pod can run it under any ServiceAccount of the namespace and mount its secrets.', 'Remove create on pods and workload kinds, or exempt the role with a reason.'),
  rule('rbac-pods-exec', 'pods/exec, pods/attach and pods/portforward', 'These subresources give a shell or a network path into other workloads.', 'Remove the subresource from the role.'),
  rule('rbac-nodes-proxy', 'nodes/proxy', 'nodes/proxy reaches the kubelet API, which can run commands in any pod on the node.', 'Read node metrics through metrics.k8s.io or nodes/metrics instead.'),
  rule('rbac-escalation-verbs', 'escalate, bind and impersonate', 'These verbs let a subject grant itself, or act with, permissions it does not have.', 'Remove escalate, bind and impersonate.'),
  rule('rbac-serviceaccount-token', 'Creating service-account tokens', 'create on serviceaccounts/token mints a token for any ServiceAccount in scope.', 'Remove create on serviceaccounts/token.'),
  rule('rbac-approve-csr', 'Approving certificate signing requests', 'Approving CSRs can issue client certificates, e.g. for system:masters.', 'Remove update on certificatesigningrequests/approval and approve on signers.'),
  rule('rbac-admission-webhooks', 'Changing admission webhooks', 'A subject that changes webhook configurations can disable or intercept admission control.', 'Remove write verbs on mutating/validatingwebhookconfigurations.'),
  rule('rbac-bind-cluster-admin', 'Bindings to cluster-admin', 'cluster-admin is every permission on every resource.', 'Bind a role with only the rules the subject needs.'),
  rule('rbac-bind-system-groups', 'Bindings to system groups', 'Binding system:anonymous, system:unauthenticated, system:authenticated or system:masters grants everyone (or a superuser group) the role.', 'Bind named ServiceAccounts, users or groups instead.'),
  rule('rbac-delete-broad', 'Delete on broad resources', 'delete or deletecollection on every resource, or on namespaces, nodes, secrets and workloads, can take down the cluster or its data.', 'Limit delete to named resources (resourceNames) or remove it.', 'warning'),
];

const ROLE_KINDS = new Set(['Role', 'ClusterRole']);
const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);
const POD_OWNERS = ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs'];
const BROAD_DELETE = ['*', 'namespaces', 'nodes', 'secrets', 'persistentvolumes', 'persistentvolumeclaims', 'customresourcedefinitions', ...POD_OWNERS];
const SYSTEM_GROUPS = ['system:anonymous', 'system:unauthenticated', 'system:authenticated', 'system:masters'];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Subjects (`ServiceAccount ns/name`, `Group g`) bound to a role among the checked objects. */
const BINDINGS = new WeakMap<object, Map<string, Obj[]>>();

export function subjectsBoundTo(role: Obj, objects: readonly Manifest[]): string[] {
  const out: string[] = [];
  const byRole = indexed(BINDINGS, objects, (objs) => {
    const m = new Map<string, Obj[]>();
    for (const b of objs) {
      if (!BINDING_KINDS.has(b.kind) || !isObj(b.roleRef)) continue;
      const k = `${b.roleRef.kind}/${b.roleRef.name}`;
      const list = m.get(k);
      if (list) list.push(b); else m.set(k, [b]);
    }
    return m;
  });
  for (const b of byRole.get(`${role.kind}/${role.metadata?.name}`) ?? []) {
    if (role.kind === 'Role' && (b.kind !== 'RoleBinding' || b.metadata?.namespace !== role.metadata?.namespace)) continue;
    for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
      if (!isObj(s)) continue;
      const ns = s.kind === 'ServiceAccount' ? `${s.namespace ?? b.metadata?.namespace ?? ''}/` : '';
      out.push(`${s.kind} ${ns}${s.name}`);
    }
  }
  return [...new Set(out)].sort();
}

function checkRole(role: Obj, ctx: CheckContext): RuleHit[] {
  const hits: RuleHit[] = [];
  const subjects = subjectsBoundTo(role, ctx.objects);
  const who = subjects.length ? ` (bound to ${subjects.join(', ')})` : ' (bound to no subject among the checked objects)';
  const name = `${role.kind} "${role.metadata?.name}"`;
  const rules = Array.isArray(role.rules) ? role.rules : [];
  rules.forEach((r: unknown, i: number) => {
    if (!isObj(r)) return;
    const path = `rules[${i}]`;
    const verbs = strings(r.verbs);
    const resources = strings(r.resources);
    const groups = strings(r.apiGroups);
    const add = (id: string, field: string, what: string) => hits.push({ rule: id, path: `${path}.${field}`, message: `${name} ${what}${who}` });
    const anyVerb = (...vs: string[]) => verbs.includes('*') || vs.some((v) => verbs.includes(v));
    const res = (...rs: string[]) => rs.filter((x) => resources.includes(x) || (resources.includes('*') && !x.includes('/')));
    const sub = (...rs: string[]) => rs.filter((x) => resources.includes(x) || resources.includes('*') || resources.includes(`${x.split('/')[0]}/*`));
    if (verbs.includes('*')) add('rbac-wildcard-verbs', 'verbs', 'grants every verb ("*")');
    if (resources.includes('*') || resources.some((x) => x.endsWith('/*'))) add('rbac-wildcard-resources', 'resources', 'grants every resource ("*")');
    if (groups.includes('*')) add('rbac-wildcard-apigroups', 'apiGroups', 'grants every API group ("*")');
    if (res('secrets').length && anyVerb('get', 'list', 'watch')) add('rbac-read-secrets', 'resources', 'can read secrets');
    const owners = res(...POD_OWNERS);
    if (owners.length && anyVerb('create')) add('rbac-create-pods', 'resources', `can create ${owners.join(', ')}`);
    const execs = sub('pods/exec', 'pods/attach', 'pods/portforward');
    if (execs.length && verbs.length) add('rbac-pods-exec', 'resources', `can use ${execs.join(', ')}`);
    if (sub('nodes/proxy').length && verbs.length) add('rbac-nodes-proxy', 'resources', 'can use nodes/proxy');
    const esc = verbs.filter((v) => ['escalate', 'bind', 'impersonate'].includes(v));
    if (esc.length) add('rbac-escalation-verbs', 'verbs', `has ${esc.join(', ')}`);
    else if (verbs.includes('*')) {
      const inGroup = (g: string) => groups.includes(g) || groups.includes('*');
      const covered = [
        ...(inGroup('rbac.authorization.k8s.io') ? res('roles', 'clusterroles') : []),
        ...(inGroup('') ? res('users', 'groups', 'serviceaccounts') : []),
      ];
      if (covered.length) add('rbac-escalation-verbs', 'verbs', `has escalate, bind or impersonate through "*" on ${covered.join(', ')}`);
    }
    if (sub('serviceaccounts/token').length && anyVerb('create')) add('rbac-serviceaccount-token', 'resources', 'can create service-account tokens');
    if (sub('certificatesigningrequests/approval').length && anyVerb('update', 'patch')) {
      add('rbac-approve-csr', 'resources', 'can approve certificate signing requests (update on certificatesigningrequests/approval)');
    }
    if (res('signers').length && anyVerb('approve')) {
      add('rbac-approve-csr', 'resources', 'can approve certificate signing requests (approve on signers)');
    }
    const hooks = res('mutatingwebhookconfigurations', 'validatingwebhookconfigurations');
    if (hooks.length && anyVerb('create', 'update', 'patch', 'delete', 'deletecollection')) add('rbac-admission-webhooks', 'resources', `can change ${hooks.join(', ')}`);
    const broad = res(...BROAD_DELETE).filter((x) => x !== '*' || resources.includes('*'));
    if (broad.length && anyVerb('delete', 'deletecollection') && !strings(r.resourceNames).length) add('rbac-delete-broad', 'verbs', `can delete ${broad.join(', ')}`);
  });
  return hits;
}

function checkBinding(b: Obj): RuleHit[] {
  const hits: RuleHit[] = [];
  const subjects = (Array.isArray(b.subjects) ? b.subjects : []).filter(isObj);
  const list = subjects.map((s) => `${s.kind} ${s.name}`).join(', ') || 'no subject';
  if (isObj(b.roleRef) && b.roleRef.kind === 'ClusterRole' && b.roleRef.name === 'cluster-admin') {
    hits.push({ rule: 'rbac-bind-cluster-admin', path: 'roleRef.name', message: `${b.kind} "${b.metadata?.name}" binds cluster-admin to ${list}` });
  }
  subjects.forEach((s, i) => {
    if (s.kind === 'Group' && SYSTEM_GROUPS.includes(String(s.name))) {
      hits.push({ rule: 'rbac-bind-system-groups', path: `subjects[${i}].name`, message: `${b.kind} "${b.metadata?.name}" binds ${b.roleRef?.kind} "${b.roleRef?.name}" to group ${s.name}` });
    }
  });
  return hits;
}

export const rbacFamily: RuleFamily = {
  name: 'rbac',
  rules: RBAC_RULES,
  check(obj: Manifest, ctx: CheckContext): RuleHit[] {
    const o = obj as Obj;
    if (ROLE_KINDS.has(o.kind)) return checkRole(o, ctx);
    if (BINDING_KINDS.has(o.kind)) return checkBinding(o);
    return [];
  },
};
