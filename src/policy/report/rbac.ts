/**
 * Effective Kubernetes API permissions of a ServiceAccount, for the report: bindings → roles → rules,
 * with aggregated ClusterRoles and the built-in admin, edit, view and cluster-admin ClusterRoles.
 *
 * The report reads RBAC only through `RbacResolver`, so that a shared RBAC model can replace
 * `resolverFromObjects` without touching the rest of the report.
 */
import { isObj, labelsOf, Obj, selectorMatches } from '../objects';
import { ApiGroupName, ApiPermission, ApiPermissions, API_GROUPS } from './types';
import { exemptionReason, jsonArrayAnnotation } from './reasons';

/** One rule of a role, as granted to a subject through one binding. */
export interface GrantedRule {
  /** `cluster` or `namespace:<ns>`. */
  readonly scope: string;
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
  readonly verbs: readonly string[];
  /** `ClusterRole/x via ClusterRoleBinding/y`. */
  readonly via: string;
  /** The reason written for the rule, or for the role's matching exemption. */
  readonly reason: string | null;
  /** The role's exemption reasons by rule ID (used when the rule has no reason of its own). */
  readonly exemptions: Record<string, string>;
}

/** What the report needs from an RBAC model. */
export interface RbacResolver {
  /** Every rule granted to ServiceAccount `namespace/name`, through any binding among the inputs. */
  rulesFor(namespace: string, name: string): GrantedRule[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String) : []);
const RBAC_LABEL = 'rbac.authorization.k8s.io/';

interface RoleRule { apiGroups: string[]; resources: string[]; resourceNames: string[]; nonResourceURLs: string[]; verbs: string[]; reason: string | null }
interface Role { key: string; labels: Record<string, string>; rules: RoleRule[]; aggregation: unknown[] | undefined; exemptions: Record<string, string> }

const R = (apiGroups: string[], resources: string[], verbs: string[]): RoleRule => ({ apiGroups, resources, verbs, resourceNames: [], nonResourceURLs: [], reason: null });
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const VIEW_RULES: RoleRule[] = [
  R([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status',
    'bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status', 'namespaces'], READ),
  R(['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], READ),
  R(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], READ),
  R(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], READ),
  R(['discovery.k8s.io'], ['endpointslices'], READ),
  R(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], READ),
  R(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], READ),
];
const EDIT_RULES: RoleRule[] = [
  R([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], READ),
  R([''], ['serviceaccounts'], ['impersonate']),
  R([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], WRITE),
  R([''], ['pods/eviction'], ['create']),
  R([''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'], WRITE),
  R([''], ['serviceaccounts/token'], ['create']),
  R(['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], WRITE),
  R(['autoscaling'], ['horizontalpodautoscalers'], WRITE),
  R(['batch'], ['cronjobs', 'jobs'], WRITE),
  R(['networking.k8s.io'], ['ingresses', 'networkpolicies'], WRITE),
  R(['policy'], ['poddisruptionbudgets'], WRITE),
];
const ADMIN_RULES: RoleRule[] = [
  R(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
  R(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], [...WRITE, ...READ]),
];

/**
 * The built-in ClusterRoles a binding may name without defining them (Kubernetes 1.33 bootstrap policy,
 * abridged to the rules that decide the report's groups). Their aggregation works as on a cluster: a
 * ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-view: "true"` adds its rules to view,
 * and through view to edit and admin.
 */
function builtInRoles(): Role[] {
  const agg = (label: string) => [{ matchLabels: { [`${RBAC_LABEL}${label}`]: 'true' } }];
  const role = (name: string, rules: RoleRule[], labels: Record<string, string>, aggregation?: unknown[]): Role =>
    ({ key: `ClusterRole//${name}`, labels, rules, aggregation, exemptions: {} });
  return [
    role('cluster-admin', [R(['*'], ['*'], ['*']), { ...R([], [], ['*']), nonResourceURLs: ['*'] }], {}),
    role('admin', [], {}, agg('aggregate-to-admin')),
    role('edit', [], { [`${RBAC_LABEL}aggregate-to-admin`]: 'true' }, agg('aggregate-to-edit')),
    role('view', [], { [`${RBAC_LABEL}aggregate-to-edit`]: 'true' }, agg('aggregate-to-view')),
    role('system:aggregate-to-admin', ADMIN_RULES, { [`${RBAC_LABEL}aggregate-to-admin`]: 'true' }),
    role('system:aggregate-to-edit', EDIT_RULES, { [`${RBAC_LABEL}aggregate-to-edit`]: 'true' }),
    role('system:aggregate-to-view', VIEW_RULES, { [`${RBAC_LABEL}aggregate-to-view`]: 'true' }),
  ];
}

function readRole(o: Obj): Role {
  const reasons = jsonArrayAnnotation(o, 'rules');
  const rules = (Array.isArray(o.rules) ? o.rules : []).map((r: unknown, i: number): RoleRule | undefined => (isObj(r)
    ? { apiGroups: strings(r.apiGroups), resources: strings(r.resources), resourceNames: strings(r.resourceNames), nonResourceURLs: strings(r.nonResourceURLs), verbs: strings(r.verbs), reason: reasons[i] ?? null }
    : undefined)).filter((r: RoleRule | undefined): r is RoleRule => r !== undefined);
  const aggregation = isObj(o.aggregationRule) && Array.isArray(o.aggregationRule.clusterRoleSelectors) ? o.aggregationRule.clusterRoleSelectors : undefined;
  const ns = o.kind === 'Role' ? String(o.metadata?.namespace ?? '') : '';
  return { key: `${o.kind}/${ns}/${o.metadata?.name}`, labels: labelsOf(o.metadata), rules, aggregation, exemptions: exemptionsOf(o) };
}

function exemptionsOf(o: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of ['rbac-read-secrets', 'rbac-create-pods', 'rbac-pods-exec', 'rbac-nodes-proxy', 'rbac-escalation-verbs', 'rbac-serviceaccount-token', 'rbac-delete-broad', 'rbac-wildcard-verbs', 'rbac-wildcard-resources']) {
    const r = exemptionReason(o, id);
    if (r) out[id] = r;
  }
  return out;
}

/** Builds a resolver over the input objects: one pass to index roles and bindings by subject. */
export function resolverFromObjects(objects: readonly Obj[]): RbacResolver {
  const roles = new Map<string, Role>();
  for (const r of builtInRoles()) roles.set(r.key, r);
  const defined: Role[] = [];
  for (const o of objects) {
    if (o.kind !== 'Role' && o.kind !== 'ClusterRole') continue;
    const role = readRole(o);
    roles.set(role.key, role);
    defined.push(role);
  }
  const clusterRoles = [...roles.values()].filter((r) => r.key.startsWith('ClusterRole/'));
  // Index ClusterRoles by label, so that matchLabels selectors do not scan every role.
  const byLabel = new Map<string, Role[]>();
  for (const r of clusterRoles) {
    for (const [k, v] of Object.entries(r.labels)) {
      const key = `${k}=${v}`;
      const list = byLabel.get(key);
      if (list) list.push(r); else byLabel.set(key, [r]);
    }
  }
  const effective = new Map<string, Array<RoleRule & { exemptions: Record<string, string> }>>();
  const resolving = new Set<string>();
  const rulesOf = (role: Role): Array<RoleRule & { exemptions: Record<string, string> }> => {
    const done = effective.get(role.key);
    if (done) return done;
    const own = role.rules.map((r) => ({ ...r, exemptions: role.exemptions }));
    if (!role.aggregation || resolving.has(role.key)) return own;
    resolving.add(role.key);
    const out = [...own];
    const seen = new Set<string>([role.key]);
    for (const sel of role.aggregation) {
      if (!isObj(sel)) continue;
      const ml = isObj(sel.matchLabels) ? Object.entries(sel.matchLabels) : [];
      const candidates = ml.length > 0 ? byLabel.get(`${ml[0][0]}=${ml[0][1]}`) ?? [] : clusterRoles;
      for (const c of candidates) {
        if (seen.has(c.key) || !selectorMatches(sel, c.labels)) continue;
        seen.add(c.key);
        out.push(...rulesOf(c));
      }
    }
    resolving.delete(role.key);
    effective.set(role.key, out);
    return out;
  };

  const bySubject = new Map<string, Obj[]>();
  const add = (key: string, b: Obj) => {
    const list = bySubject.get(key);
    if (list) list.push(b); else bySubject.set(key, [b]);
  };
  for (const b of objects) {
    if ((b.kind !== 'RoleBinding' && b.kind !== 'ClusterRoleBinding') || !isObj(b.roleRef) || !Array.isArray(b.subjects)) continue;
    for (const s of b.subjects) {
      if (!isObj(s)) continue;
      if (s.kind === 'ServiceAccount') add(`sa:${s.namespace ?? (b.kind === 'RoleBinding' ? b.metadata?.namespace ?? '' : '')}/${s.name}`, b);
      else if (s.kind === 'Group') add(`group:${s.name}`, b);
    }
  }

  return {
    rulesFor(namespace: string, name: string): GrantedRule[] {
      const bindings = [
        ...(bySubject.get(`sa:${namespace}/${name}`) ?? []),
        ...(bySubject.get('group:system:serviceaccounts') ?? []),
        ...(bySubject.get(`group:system:serviceaccounts:${namespace}`) ?? []),
        ...(bySubject.get('group:system:authenticated') ?? []),
      ];
      const out: GrantedRule[] = [];
      const seen = new Set<Obj>();
      for (const b of bindings) {
        if (seen.has(b)) continue;
        seen.add(b);
        const bns = String(b.metadata?.namespace ?? '');
        const ref = b.roleRef as Obj;
        if (ref.kind === 'Role' && b.kind !== 'RoleBinding') continue; // a ClusterRoleBinding cannot name a Role
        const role = roles.get(ref.kind === 'Role' ? `Role/${bns}/${ref.name}` : `ClusterRole//${ref.name}`);
        const via = `${ref.kind}/${ref.name} via ${b.kind}/${b.kind === 'RoleBinding' ? `${bns}/` : ''}${b.metadata?.name}`;
        if (!role) continue; // the role is not among the inputs and is not built in: nothing known
        const scope = b.kind === 'ClusterRoleBinding' ? 'cluster' : `namespace:${bns}`;
        for (const r of rulesOf(role)) {
          // Non-resource URLs are granted only through ClusterRoleBindings.
          if (r.nonResourceURLs.length > 0 && scope !== 'cluster') continue;
          out.push({ scope, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames, nonResourceURLs: r.nonResourceURLs, verbs: r.verbs, via, reason: r.reason, exemptions: r.exemptions });
        }
      }
      return out;
    },
  };
}

const READ_VERBS = new Set(['get', 'list', 'watch']);
const EXEC_RESOURCES = new Set(['pods/exec', 'pods/attach', 'pods/portforward', 'pods/proxy', 'nodes/proxy', 'services/proxy']);
const POD_OWNERS = new Set(['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs']);
const RBAC_OBJECTS = new Set(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']);
const WEBHOOKS = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);

/**
 * The one group an atom (verb on a resource) falls in, most dangerous first: escalate, exec, secrets,
 * delete, write, read. `*` verbs or resources are classified as what they include at worst.
 */
export function classify(apiGroup: string, resource: string, verb: string): ApiGroupName {
  const anyVerb = verb === '*';
  const base = resource.split('/')[0];
  const core = apiGroup === '' || apiGroup === '*';
  const is = (set: Set<string>) => set.has(resource) || resource === '*' || (resource.endsWith('/*') && [...set].some((x) => x.startsWith(`${base}/`)));
  if (['escalate', 'bind', 'impersonate'].includes(verb)) return 'escalate';
  if (resource.startsWith('/')) return READ_VERBS.has(verb) ? 'read' : anyVerb ? 'escalate' : 'write';
  const writes = anyVerb || !READ_VERBS.has(verb);
  if (anyVerb && (resource === '*' || RBAC_OBJECTS.has(resource))) return 'escalate';
  if (writes && (apiGroup === 'rbac.authorization.k8s.io' || apiGroup === '*') && RBAC_OBJECTS.has(resource) && verb !== 'delete' && verb !== 'deletecollection') return 'escalate';
  if (core && resource === 'serviceaccounts/token' && (anyVerb || verb === 'create')) return 'escalate';
  if ((anyVerb || verb === 'create') && POD_OWNERS.has(resource)) return 'escalate';
  if (writes && resource === 'certificatesigningrequests/approval') return 'escalate';
  if ((anyVerb || verb === 'approve') && resource === 'signers') return 'escalate';
  if (writes && WEBHOOKS.has(resource)) return 'escalate';
  if (is(EXEC_RESOURCES) && (core || apiGroup === '*')) return 'exec';
  if (core && (resource === 'secrets' || resource === '*')) return 'secrets';
  if (verb === 'delete' || verb === 'deletecollection') return 'delete';
  return writes ? 'write' : 'read';
}

/** Groups granted rules into the report's permission groups; entries sorted, verbs merged. */
export function groupPermissions(rules: readonly GrantedRule[]): ApiPermissions {
  interface Acc { scope: string; apiGroup: string; resource: string; resourceNames: string[]; verbs: Set<string>; via: Set<string>; reasons: Set<string> }
  const acc = new Map<string, Acc>();
  const groupOf = new Map<string, ApiGroupName>();
  const put = (g: ApiGroupName, scope: string, apiGroup: string, resource: string, names: readonly string[], verb: string, r: GrantedRule) => {
    const sortedNames = [...new Set(names)].sort();
    const key = `${g}\u0000${scope}\u0000${apiGroup}\u0000${resource}\u0000${sortedNames.join(',')}`;
    let a = acc.get(key);
    if (!a) {
      a = { scope, apiGroup, resource, resourceNames: sortedNames, verbs: new Set(), via: new Set(), reasons: new Set() };
      acc.set(key, a);
      groupOf.set(key, g);
    }
    a.verbs.add(verb);
    a.via.add(r.via);
    const reason = r.reason ?? exemptionFor(g, r.exemptions);
    if (reason) a.reasons.add(reason);
  };
  for (const r of rules) {
    for (const verb of r.verbs) {
      // A non-resource URL always shows with its leading slash ("*" is every URL, as "/*" is).
      for (const url of r.nonResourceURLs.map((u) => (u.startsWith('/') ? u : `/${u}`))) put(classify('', url, verb), r.scope, '', url, [], verb, r);
      for (const apiGroup of r.apiGroups) for (const resource of r.resources) put(classify(apiGroup, resource, verb), r.scope, apiGroup, resource, r.resourceNames, verb, r);
    }
  }
  const out = Object.fromEntries(API_GROUPS.map((g) => [g, [] as ApiPermission[]])) as unknown as ApiPermissions;
  const keys = [...acc.keys()].sort();
  for (const key of keys) {
    const a = acc.get(key)!;
    out[groupOf.get(key)!].push({
      scope: a.scope, apiGroup: a.apiGroup, resource: a.resource, resourceNames: a.resourceNames,
      verbs: [...a.verbs].sort(), via: [...a.via].sort(), reasons: [...a.reasons].sort(),
    });
  }
  return out;
}

const EXEMPTION_BY_GROUP: Record<ApiGroupName, string[]> = {
  escalate: ['rbac-escalation-verbs', 'rbac-create-pods', 'rbac-serviceaccount-token', 'rbac-wildcard-verbs'],
  exec: ['rbac-pods-exec', 'rbac-nodes-proxy'],
  secrets: ['rbac-read-secrets', 'rbac-wildcard-resources'],
  delete: ['rbac-delete-broad'],
  write: ['rbac-wildcard-verbs', 'rbac-wildcard-resources'],
  read: ['rbac-wildcard-resources'],
};

function exemptionFor(group: ApiGroupName, exemptions: Record<string, string>): string | null {
  for (const id of EXEMPTION_BY_GROUP[group]) if (exemptions[id]) return exemptions[id];
  return null;
}
