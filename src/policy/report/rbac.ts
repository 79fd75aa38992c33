/**
 * Effective Kubernetes API permissions of a ServiceAccount, for the report: bindings → roles → rules,
 * with aggregated ClusterRoles and the built-in admin, edit, view and cluster-admin ClusterRoles (the
 * checker's RBAC model, ../rbac-model.ts), grouped by what they allow.
 *
 * The report reads RBAC only through `RbacResolver` (ReportOptions.rbac can supply another).
 */
import { Obj } from '../objects';
import { RbacIndex } from '../rbac-model';
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

/** Reasons and exemptions of a role object, read once. */
function roleReasons(role: Obj | undefined): { reasons: Array<string | null>; exemptions: Record<string, string> } {
  if (!role) return { reasons: [], exemptions: {} };
  const exemptions: Record<string, string> = {};
  for (const id of ['rbac-read-secrets', 'rbac-create-pods', 'rbac-pods-exec', 'rbac-nodes-proxy', 'rbac-escalation-verbs', 'rbac-serviceaccount-token', 'rbac-delete-broad', 'rbac-wildcard-verbs', 'rbac-wildcard-resources']) {
    const r = exemptionReason(role, id);
    if (r) exemptions[id] = r;
  }
  return { reasons: jsonArrayAnnotation(role, 'rules'), exemptions };
}

/**
 * The report's RBAC resolution on the checker's RBAC model (`RbacIndex`): bindings by subject (the
 * ServiceAccount and the groups it is in), roles with their aggregated ClusterRoles, and the built-in
 * admin, edit, view and cluster-admin roles. Indexed once; each lookup is proportional to its answer.
 */
export function resolverFromObjects(objects: readonly Obj[]): RbacResolver {
  const index = new RbacIndex(objects);
  const cache = new Map<Obj, ReturnType<typeof roleReasons>>();
  const info = (role: Obj | undefined) => {
    if (!role) return roleReasons(undefined);
    let i = cache.get(role);
    if (!i) { i = roleReasons(role); cache.set(role, i); }
    return i;
  };
  return {
    rulesFor(namespace: string, name: string): GrantedRule[] {
      const out: GrantedRule[] = [];
      for (const g of index.grantsOf({ kind: 'ServiceAccount', name, namespace })) {
        const b = g.binding;
        if (g.role.kind === 'Role' && b.kind !== 'RoleBinding') continue; // a ClusterRoleBinding cannot name a Role
        const bns = String(b.metadata?.namespace ?? '');
        const via = `${g.role.kind}/${g.role.name} via ${b.kind}/${b.kind === 'RoleBinding' ? `${bns}/` : ''}${b.metadata?.name}`;
        const scope = g.scope === 'cluster' ? 'cluster' : `namespace:${g.namespace ?? bns}`;
        for (const e of g.rules) {
          const nonResourceURLs = e.rule.nonResourceURLs ?? [];
          // Non-resource URLs are granted only through ClusterRoleBindings.
          if (nonResourceURLs.length > 0 && scope !== 'cluster') continue;
          const from = info(index.role({ kind: e.from.kind, name: e.from.name, ...(e.from.namespace !== undefined ? { namespace: e.from.namespace } : {}) }));
          out.push({
            scope, apiGroups: e.rule.apiGroups ?? [], resources: e.rule.resources ?? [], resourceNames: e.rule.resourceNames ?? [],
            nonResourceURLs, verbs: e.rule.verbs, via, reason: from.reasons[e.index] ?? null, exemptions: from.exemptions,
          });
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
