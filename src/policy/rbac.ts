/**
 * RBAC: what a Role or ClusterRole lets its subjects do, and what a binding binds to. Requests are
 * matched as the API server authorises them (see rbac-model.ts): API groups, `* /subresource`, verbs
 * per rule, resourceNames, Role scope, aggregation, and the built-in admin/edit/view/cluster-admin
 * roles. A finding on a role names the subjects bound to it among the checked objects.
 */
import { indexed, isObj, Obj, text } from './objects';
import { broadSubject, EffectiveRule, GrantScope, isClusterScoped, PolicyRule, RbacIndex, ruleAllows, Subject, subjectsOf, toPolicyRule } from './rbac-model';
import { CheckContext, Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

const rule = (id: string, title: string, explanation: string, fix: string, severity: 'error' | 'warning' = 'error'): RuleMeta =>
  ({ id, title, severity, explanation, fix });

export const RBAC_RULES: readonly RuleMeta[] = [
  rule('rbac-wildcard-verbs', 'No wildcard verbs', 'A "*" verb grants every current and future verb, including escalate, bind and impersonate.', 'List the verbs the subject needs (e.g. get, list, watch).'),
  rule('rbac-wildcard-resources', 'No wildcard resources', 'A "*" resource grants every resource of the API groups, secrets and subresources included; "*/<sub>" grants that subresource of every resource.', 'List the resources the subject needs.'),
  rule('rbac-wildcard-apigroups', 'No wildcard API groups', 'A "*" API group grants resources of every group, including ones installed later.', 'List the API groups the subject needs ("" for the core group).'),
  rule('rbac-read-secrets', 'Reading every secret in scope', 'get, list or watch on core secrets (or "*") reveals every secret in scope; list and watch return their contents.', 'Mount the one secret the workload needs as a file, or narrow the rule with resourceNames.'),
  rule('rbac-read-secrets-named', 'Reading named secrets', 'get, list or watch on core secrets narrowed by resourceNames reads only those secrets; still a read of secret values, worth a look.', 'Mount the secret as a file instead, if the workload can.', 'warning'),
  rule('rbac-create-pods', 'Creating or changing pods and pod-owning workloads', 'Whoever can create a pod, or create, update or patch a workload that owns pods (Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job, CronJob, Argo Rollout, OpenShift DeploymentConfig, KEDA ScaledJob), or update pods or pods/ephemeralcontainers, can run any image under any ServiceAccount of the namespace and mount its secrets.', 'Remove create, update and patch on pods and workload kinds, or exempt the role with a reason.'),
  rule('rbac-pods-exec', 'pods/exec, pods/attach and pods/portforward', 'These subresources give a shell or a network path into other workloads; get is enough over WebSocket before Kubernetes 1.35.', 'Remove the subresource from the role.'),
  rule('rbac-nodes-proxy', 'nodes/proxy', 'nodes/proxy reaches the kubelet API, which can run commands in any pod on the node (get is enough over WebSocket).', 'Read node metrics through metrics.k8s.io or nodes/metrics instead.'),
  rule('rbac-escalation-verbs', 'escalate, bind and impersonate', 'escalate and bind on roles, and impersonate on users, groups, service accounts or UIDs, let a subject grant itself, or act with, permissions it does not have.', 'Remove escalate, bind and impersonate.'),
  rule('rbac-serviceaccount-token', 'Creating service-account tokens', 'create on serviceaccounts/token (or "*/token") mints a token for any ServiceAccount in scope.', 'Remove create on serviceaccounts/token.'),
  rule('rbac-approve-csr', 'Approving certificate signing requests', 'Approving CSRs can issue client certificates, e.g. for system:masters.', 'Remove update on certificatesigningrequests/approval and approve on signers.'),
  rule('rbac-admission-webhooks', 'Changing admission webhooks', 'A subject that changes webhook configurations can disable or intercept admission control.', 'Remove write verbs on mutating/validatingwebhookconfigurations.'),
  rule('rbac-bind-cluster-admin', 'Bindings to cluster-admin', 'cluster-admin is every permission on every resource.', 'Bind a role with only the rules the subject needs.'),
  rule('rbac-bind-system-groups', 'Bindings to everyone or to a superuser group', 'The user system:anonymous and the groups system:unauthenticated, system:authenticated, system:serviceaccounts and system:serviceaccounts:<namespace> stand for everyone, or for every workload; system:masters bypasses RBAC. Binding them grants the role to all of them.', 'Bind named ServiceAccounts, users or groups instead.'),
  rule('rbac-delete-broad', 'Delete on broad resources', 'delete or deletecollection on every resource, or on namespaces, nodes, secrets, volumes, CRDs and workloads, can take down the cluster or its data.', 'Limit delete to named resources (resourceNames) or remove it.', 'warning'),
];

/** A request the checker asks about, with the rule it concerns. */
interface Probe {
  readonly rule: string;
  readonly verbs: readonly string[];
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
}

const WRITE = ['create', 'update', 'patch'];
const POD_OWNERS: ReadonlyArray<[string, string]> = [
  ['apps', 'deployments'], ['apps', 'daemonsets'], ['apps', 'statefulsets'], ['apps', 'replicasets'], ['', 'replicationcontrollers'],
  ['batch', 'jobs'], ['batch', 'cronjobs'], ['argoproj.io', 'rollouts'], ['apps.openshift.io', 'deploymentconfigs'], ['keda.sh', 'scaledjobs'],
];
const PROBES: readonly Probe[] = [
  { rule: 'rbac-read-secrets', verbs: ['get', 'list', 'watch'], group: '', resource: 'secrets' },
  { rule: 'rbac-create-pods', verbs: ['create', 'update', 'patch'], group: '', resource: 'pods' },
  { rule: 'rbac-create-pods', verbs: ['update', 'patch'], group: '', resource: 'pods', subresource: 'ephemeralcontainers' },
  ...POD_OWNERS.map(([group, resource]) => ({ rule: 'rbac-create-pods', verbs: WRITE, group, resource })),
  ...['exec', 'attach', 'portforward'].map((subresource) => ({ rule: 'rbac-pods-exec', verbs: ['get', 'create'], group: '', resource: 'pods', subresource })),
  { rule: 'rbac-nodes-proxy', verbs: ['get', 'create', 'update', 'patch', 'delete'], group: '', resource: 'nodes', subresource: 'proxy' },
  { rule: 'rbac-escalation-verbs', verbs: ['escalate', 'bind'], group: 'rbac.authorization.k8s.io', resource: 'roles' },
  { rule: 'rbac-escalation-verbs', verbs: ['escalate', 'bind'], group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  ...['users', 'groups', 'serviceaccounts'].map((resource) => ({ rule: 'rbac-escalation-verbs', verbs: ['impersonate'], group: '', resource })),
  { rule: 'rbac-escalation-verbs', verbs: ['impersonate'], group: 'authentication.k8s.io', resource: 'uids' },
  { rule: 'rbac-serviceaccount-token', verbs: ['create'], group: '', resource: 'serviceaccounts', subresource: 'token' },
  { rule: 'rbac-approve-csr', verbs: ['update', 'patch'], group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'approval' },
  { rule: 'rbac-approve-csr', verbs: ['approve'], group: 'certificates.k8s.io', resource: 'signers' },
  ...['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'].map((resource) => ({ rule: 'rbac-admission-webhooks', verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'], group: 'admissionregistration.k8s.io', resource })),
  ...([['', 'namespaces'], ['', 'nodes'], ['', 'secrets'], ['', 'persistentvolumes'], ['', 'persistentvolumeclaims'], ['apiextensions.k8s.io', 'customresourcedefinitions'], ['', 'pods'], ...POD_OWNERS] as Array<[string, string]>)
    .map(([group, resource]) => ({ rule: 'rbac-delete-broad', verbs: ['delete', 'deletecollection'], group, resource })),
];

/** Requests that carry no object name: they never match a rule narrowed by resourceNames. */
const unnamed = (verb: string, p: Probe) => (verb === 'create' && !p.subresource) || verb === 'deletecollection';

interface Grant { rule: string; what: string; narrowed?: readonly string[] }

/** What one PolicyRule grants that the rbac-* rules report, for a grant of the given scope. */
export function dangerousGrants(r: PolicyRule, scope: GrantScope): Grant[] {
  const names = r.resourceNames ?? [];
  const narrowed = names.length > 0;
  const byRule = new Map<string, { verbs: Set<string>; targets: Set<string> }>();
  for (const p of PROBES) {
    if (scope === 'namespace' && isClusterScoped(p.group, p.resource)) continue;
    if (p.rule === 'rbac-delete-broad' && narrowed) continue;
    const verbs = p.verbs.filter((verb) => ruleAllows(r, { verb, group: p.group, resource: p.resource, subresource: p.subresource, name: narrowed && !unnamed(verb, p) ? names[0] : undefined }));
    if (verbs.length === 0) continue;
    const id = p.rule === 'rbac-read-secrets' && narrowed ? 'rbac-read-secrets-named' : p.rule;
    const entry = byRule.get(id) ?? { verbs: new Set<string>(), targets: new Set<string>() };
    verbs.forEach((v) => entry.verbs.add(v));
    entry.targets.add(`${p.group ? `${p.group}/` : ''}${p.resource}${p.subresource ? `/${p.subresource}` : ''}`);
    byRule.set(id, entry);
  }
  const out: Grant[] = [];
  for (const [id, { verbs, targets }] of byRule) {
    out.push({ rule: id, what: `${[...verbs].join(', ')} ${[...targets].join(', ')}`, ...(narrowed ? { narrowed: names } : {}) });
  }
  if (!narrowed && (r.resources ?? []).includes('*') && (r.verbs.includes('*') || r.verbs.includes('delete') || r.verbs.includes('deletecollection')) && (r.apiGroups ?? []).length) {
    const i = out.findIndex((g) => g.rule === 'rbac-delete-broad');
    const g: Grant = { rule: 'rbac-delete-broad', what: `delete every resource of ${(r.apiGroups ?? []).map((x) => (x === '' ? 'the core group' : x === '*' ? 'every API group' : `"${text(x)}"`)).join(', ')}` };
    if (i >= 0) out[i] = g; else out.push(g);
  }
  return out;
}

/** Hits of the wildcard rules on one PolicyRule (resource rules only). */
function wildcardGrants(r: PolicyRule): Grant[] {
  if (r.resources === undefined) return [];
  const out: Grant[] = [];
  if (r.verbs.includes('*')) out.push({ rule: 'rbac-wildcard-verbs', what: 'every verb ("*")' });
  const wild = r.resources.filter((x) => x === '*' || x.startsWith('*/'));
  if (wild.length) out.push({ rule: 'rbac-wildcard-resources', what: wild.map((x) => (x === '*' ? 'every resource ("*")' : `the ${x.slice(2)} subresource of every resource ("${text(x)}")`)).join(', ') });
  if ((r.apiGroups ?? []).includes('*')) out.push({ rule: 'rbac-wildcard-apigroups', what: 'every API group ("*")' });
  return out;
}

const FIELD: Record<string, string> = { 'rbac-wildcard-verbs': 'verbs', 'rbac-wildcard-apigroups': 'apiGroups', 'rbac-delete-broad': 'verbs' };
/** What a grant allows, without its verb ("can" or "grants"). */
const body = (g: Grant) => `${g.what}${g.narrowed ? ` (narrowed by resourceNames to ${g.narrowed.join(', ')})` : ''}`;
const verbOf = (rule: string) => (rule.startsWith('rbac-wildcard') ? 'grants' : 'can');
const describe = (g: Grant) => `${verbOf(g.rule)} ${body(g)}`;

const INDEX = new WeakMap<object, RbacIndex>();
const BUILTIN_GRANTS = new WeakMap<RbacIndex, Map<string, RuleHit[]>>();
const rbacIndex = (objects: readonly Manifest[]) => indexed(INDEX, objects, (objs) => new RbacIndex(objs));

const SUBJECTS = new WeakMap<RbacIndex, Map<string, string[]>>();

/** `ServiceAccount ns/name`, `Group g`, `User u`. */
const subjectText = (s: Subject) => `${s.kind} ${s.kind === 'ServiceAccount' ? `${s.namespace ?? ''}/` : ''}${s.name}`;

/** Subjects (`ServiceAccount ns/name`, `Group g`) bound to a role among the checked objects (computed once per role reference). */
export function subjectsBoundTo(role: Obj, objects: readonly Manifest[]): string[] {
  const index = rbacIndex(objects);
  const ref = { kind: text(role.kind), name: text(role.metadata?.name ?? ''), namespace: role.metadata?.namespace };
  let memo = SUBJECTS.get(index);
  if (!memo) SUBJECTS.set(index, (memo = new Map()));
  const key = `${ref.kind}/${ref.kind === 'Role' ? text(ref.namespace) : ''}/${ref.name}`;
  const cached = memo.get(key);
  if (cached) return cached;
  const out = new Set<string>();
  for (const b of index.bindingsTo(ref)) {
    for (const s of subjectsOf(b)) out.add(subjectText(s));
  }
  const list = [...out].sort();
  memo.set(key, list);
  return list;
}

/** At most this many subjects are named in a message (the rest are counted), so output stays linear. */
const MAX_SUBJECTS_SHOWN = 5;

function boundTo(subjects: readonly string[]): string {
  if (subjects.length === 0) return ' (bound to no subject among the checked objects)';
  const shown = subjects.slice(0, MAX_SUBJECTS_SHOWN).join(', ');
  return ` (bound to ${shown}${subjects.length > MAX_SUBJECTS_SHOWN ? ` and ${subjects.length - MAX_SUBJECTS_SHOWN} more` : ''})`;
}

function checkRole(role: Obj, ctx: CheckContext): RuleHit[] {
  const hits: RuleHit[] = [];
  const who = boundTo(subjectsBoundTo(role, ctx.objects));
  const name = `${text(role.kind)} "${text(role.metadata?.name)}"`;
  const scope: GrantScope = role.kind === 'Role' ? 'namespace' : 'cluster';
  const rules = Array.isArray(role.rules) ? role.rules : [];
  rules.forEach((raw: unknown, i: number) => {
    const r = toPolicyRule(raw);
    if (!r) return;
    for (const g of [...wildcardGrants(r), ...dangerousGrants(r, scope)]) {
      hits.push({ rule: g.rule, path: `rules[${i}].${FIELD[g.rule] ?? 'resources'}`, message: `${name} ${describe(g)}${who}` });
    }
  });
  if (role.kind === 'ClusterRole' && isObj(role.aggregationRule)) {
    const index = rbacIndex(ctx.objects);
    const aggregated = index.effectiveRules({ kind: 'ClusterRole', name: text(role.metadata?.name ?? '') }).filter((e) => e.selector !== undefined);
    hits.push(...derivedHits(aggregated, 'cluster', (e) => `aggregationRule.clusterRoleSelectors[${e.selector}]`,
      (what, sources) => `${name} aggregates ${sources}, which ${what}${who}`));
  }
  return hits;
}

/** Hits for rules a role gets from elsewhere (aggregation, built-in roles), one per rule ID and path. */
function derivedHits(rules: readonly EffectiveRule[], scope: GrantScope, pathOf: (e: EffectiveRule) => string, message: (what: string, sources: string) => string): RuleHit[] {
  const groups = new Map<string, { rule: string; path: string; whats: Set<string>; sources: Set<string> }>();
  for (const e of rules) {
    for (const g of [...wildcardGrants(e.rule), ...dangerousGrants(e.rule, scope)]) {
      const path = pathOf(e);
      const key = `${g.rule}\u0000${path}`;
      const entry = groups.get(key) ?? { rule: g.rule, path, whats: new Set<string>(), sources: new Set<string>() };
      entry.whats.add(body(g));
      entry.sources.add(`${e.builtIn ? 'built-in ' : ''}ClusterRole "${text(e.from.name)}"`);
      groups.set(key, entry);
    }
  }
  return [...groups.values()].map(({ rule: id, path, whats, sources }) => ({ rule: id, path, message: message(`${verbOf(id)} ${[...whats].join('; ')}`, [...sources].join(', ')) }));
}

function checkBinding(b: Obj, ctx: CheckContext): RuleHit[] {
  const hits: RuleHit[] = [];
  const subjects = subjectsOf(b);
  const list = subjects.map(subjectText).join(', ') || 'no subject';
  const ref = isObj(b.roleRef) ? b.roleRef : {};
  const bname = `${text(b.kind)} "${text(b.metadata?.name)}"`;
  if (ref.kind === 'ClusterRole' && ref.name === 'cluster-admin') {
    hits.push({ rule: 'rbac-bind-cluster-admin', path: 'roleRef.name', message: `${bname} binds cluster-admin to ${list}` });
  }
  subjects.forEach((s, i) => {
    const broad = broadSubject(s);
    if (!broad) return;
    const who = broad === 'everyone' ? 'everyone' : broad === 'all-service-accounts' ? 'every service account' : 'a superuser group';
    hits.push({ rule: 'rbac-bind-system-groups', path: `subjects[${i}].name`, message: `${bname} binds ${text(ref.kind)} "${text(ref.name)}" to ${s.kind.toLowerCase()} ${s.name} (${who})` });
  });
  const index = rbacIndex(ctx.objects);
  const roleRef = { kind: text(ref.kind ?? ''), name: text(ref.name ?? ''), namespace: b.metadata?.namespace };
  if (index.isBuiltin(roleRef) && roleRef.name !== 'cluster-admin') {
    const scope: GrantScope = b.kind === 'RoleBinding' ? 'namespace' : 'cluster';
    let memo = BUILTIN_GRANTS.get(index);
    if (!memo) BUILTIN_GRANTS.set(index, (memo = new Map()));
    const key = `${scope}/${roleRef.name}`;
    let grants = memo.get(key);
    if (!grants) memo.set(key, (grants = derivedHits(index.effectiveRules(roleRef), scope, () => 'roleRef.name', (what, sources) => `\u0000 (Kubernetes 1.33 defaults, via ${sources}); it ${what}`)));
    const prefix = `${bname} binds built-in ClusterRole "${roleRef.name}" to ${list}`;
    for (const g of grants) hits.push({ ...g, message: g.message.replace('\u0000', prefix) });
  }
  return hits;
}

export const rbacFamily: RuleFamily = {
  name: 'rbac',
  rules: RBAC_RULES,
  check(obj: Manifest, ctx: CheckContext): RuleHit[] {
    const o = obj as Obj;
    if (o.kind === 'Role' || o.kind === 'ClusterRole') return checkRole(o, ctx);
    if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') return checkBinding(o, ctx);
    return [];
  },
};
