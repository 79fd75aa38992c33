/**
 * A framework-free model of Kubernetes RBAC authorisation, for the checker and for privilege reports.
 *
 * It matches a request against PolicyRules exactly as the API server's RBAC authoriser does
 * (`apiGroups`, `resources` with the `*` and `* /subresource` forms, `verbs`, `resourceNames`), knows
 * which resources are cluster-scoped (a namespaced grant never reaches them), follows `aggregationRule`
 * as the cluster-role aggregation controller does, and knows the built-in `admin`, `edit`, `view` and
 * `cluster-admin` ClusterRoles of Kubernetes 1.33 (with their `system:aggregate-to-*` parts).
 *
 * Typical use:
 * ```ts
 * const index = new RbacIndex(objects);
 * for (const b of index.bindingsTo({ kind: 'ClusterRole', name: 'edit' })) ...
 * const rules = index.effectiveRules({ kind: 'ClusterRole', name: 'edit' }).map((e) => e.rule);
 * allows(rules, { verb: 'create', group: '', resource: 'pods', subresource: 'exec', scope: 'namespace' }); // true
 * ```
 */

import { text } from './objects';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').map(String) : []);

/** One RBAC PolicyRule, as written in a Role or ClusterRole. */
export interface PolicyRule {
  /** API groups of the resources; `""` is the core group and `*` any group. */
  readonly apiGroups?: readonly string[];
  /** Resource types, e.g. `pods` or `pods/exec`; `*` is any resource. */
  readonly resources?: readonly string[];
  /** Verbs allowed, e.g. `get`, `list`; `*` is any verb. */
  readonly verbs: readonly string[];
  /** Names of the objects the rule is limited to; absent or empty for every object. */
  readonly resourceNames?: readonly string[];
  /** URL paths that are not resources, e.g. `/metrics` (ClusterRoles only); a trailing `*` matches a prefix. */
  readonly nonResourceURLs?: readonly string[];
}

/**
 * Where a grant applies. `namespace`: a Role, or a ClusterRole bound by a RoleBinding (requests in one
 * namespace only, so never cluster-scoped resources). `cluster`: a ClusterRole bound by a ClusterRoleBinding.
 */
export type GrantScope = 'cluster' | 'namespace';

/** A resource request as the API server authorises it. */
export interface ResourceRequest {
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or a special verb (`bind`, `escalate`, `impersonate`, `approve`...). */
  readonly verb: string;
  /** API group; `""` for the core group. */
  readonly group: string;
  /** Resource, plural, without subresource (`pods`). */
  readonly resource: string;
  /** Subresource (`exec`), if any. */
  readonly subresource?: string;
  /** Object name. Requests without one (create, list, watch, deletecollection) never match a rule with `resourceNames`. */
  readonly name?: string;
  /** Where the grant being tested applies; see {@link GrantScope}. @default "cluster" */
  readonly scope?: GrantScope;
}

/** Reads a PolicyRule from parsed YAML (tolerating malformed fields); undefined if it is not an object. */
export function toPolicyRule(raw: unknown): PolicyRule | undefined {
  if (!isObj(raw)) return undefined;
  const rule: { -readonly [K in keyof PolicyRule]: PolicyRule[K] } = { verbs: strings(raw.verbs) };
  if (raw.apiGroups !== undefined) rule.apiGroups = strings(raw.apiGroups);
  if (raw.resources !== undefined) rule.resources = strings(raw.resources);
  if (raw.resourceNames !== undefined) rule.resourceNames = strings(raw.resourceNames);
  if (raw.nonResourceURLs !== undefined) rule.nonResourceURLs = strings(raw.nonResourceURLs);
  return rule;
}

/** Whether `rule.resources` matches `resource[/subresource]` (the `*` and `* /sub` forms; `pods/*` is no wildcard). */
export function resourceMatches(ruleResources: readonly string[], resource: string, subresource?: string): boolean {
  const combined = subresource ? `${text(resource)}/${text(subresource)}` : resource;
  for (const r of ruleResources) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${text(subresource)}`) return true;
  }
  return false;
}

/** Whether one rule allows the request (scope is not considered; see {@link allows}). */
export function ruleAllows(rule: PolicyRule, req: ResourceRequest): boolean {
  const verbs = rule.verbs;
  if (!verbs.includes('*') && !verbs.includes(req.verb)) return false;
  const groups = rule.apiGroups ?? [];
  if (!groups.includes('*') && !groups.includes(req.group)) return false;
  if (!resourceMatches(rule.resources ?? [], req.resource, req.subresource)) return false;
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return req.name !== undefined && names.includes(req.name);
}

/** Whether any of the rules allows the request, honouring the grant's scope (namespaced grants never reach cluster-scoped resources). */
export function allows(rules: readonly PolicyRule[], req: ResourceRequest): boolean {
  if ((req.scope ?? 'cluster') === 'namespace' && isClusterScoped(req.group, req.resource)) return false;
  return rules.some((r) => ruleAllows(r, req));
}

/**
 * Cluster-scoped resources of Kubernetes 1.33 (group/resource), plus the virtual resources that RBAC
 * checks without a namespace (`users`, `groups` for impersonation; `signers` for CSR approval).
 * `namespaces` is left out on purpose: a request on a namespace object carries that namespace, so a
 * Role can act on its own namespace.
 */
const CLUSTER_SCOPED = new Set([
  '/nodes', '/persistentvolumes', '/componentstatuses', '/users', '/groups',
  'authentication.k8s.io/uids', 'authentication.k8s.io/userextras', 'authentication.k8s.io/tokenreviews', 'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews',
  'rbac.authorization.k8s.io/clusterroles', 'rbac.authorization.k8s.io/clusterrolebindings',
  'certificates.k8s.io/certificatesigningrequests', 'certificates.k8s.io/signers', 'certificates.k8s.io/clustertrustbundles',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations', 'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies', 'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'admissionregistration.k8s.io/mutatingadmissionpolicies', 'admissionregistration.k8s.io/mutatingadmissionpolicybindings',
  'apiextensions.k8s.io/customresourcedefinitions', 'apiregistration.k8s.io/apiservices',
  'storage.k8s.io/storageclasses', 'storage.k8s.io/csidrivers', 'storage.k8s.io/csinodes', 'storage.k8s.io/volumeattachments', 'storage.k8s.io/volumeattributesclasses',
  'scheduling.k8s.io/priorityclasses', 'node.k8s.io/runtimeclasses', 'networking.k8s.io/ingressclasses', 'networking.k8s.io/ipaddresses', 'networking.k8s.io/servicecidrs',
  'flowcontrol.apiserver.k8s.io/flowschemas', 'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations',
  'resource.k8s.io/deviceclasses', 'resource.k8s.io/resourceslices',
]);

/** Whether a resource is cluster-scoped in Kubernetes 1.33 (unknown resources, custom ones included, count as namespaced). */
export function isClusterScoped(group: string, resource: string): boolean {
  return CLUSTER_SCOPED.has(`${text(group)}/${text(resource)}`);
}

/* ---------------------------------------------------------------------------------------------- */
/* Built-in ClusterRoles (Kubernetes 1.33 bootstrap policy), as compact rows: groups|resources|verbs. */

const W = 'create,delete,deletecollection,patch,update';
const R = 'get,list,watch';
const BUILTIN_ROWS: Record<string, { labels?: Record<string, string>; aggregateFrom?: string; rows?: string[] }> = {
  'cluster-admin': { rows: ['*|*|*'] },
  admin: { aggregateFrom: 'rbac.authorization.k8s.io/aggregate-to-admin' },
  edit: { aggregateFrom: 'rbac.authorization.k8s.io/aggregate-to-edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
  view: { aggregateFrom: 'rbac.authorization.k8s.io/aggregate-to-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
  'system:aggregate-to-admin': {
    labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
    rows: ['authorization.k8s.io|localsubjectaccessreviews|create', `rbac.authorization.k8s.io|rolebindings,roles|${text(W)},get,list,watch`],
  },
  'system:aggregate-to-edit': {
    labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
    rows: [
      `|pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy|${text(R)}`,
      '|serviceaccounts|impersonate',
      `|pods,pods/attach,pods/exec,pods/portforward,pods/proxy|${text(W)}`,
      '|pods/eviction|create',
      `|configmaps,events,persistentvolumeclaims,replicationcontrollers,replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy|${text(W)}`,
      '|serviceaccounts/token|create',
      `apps|daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,replicasets/scale,statefulsets,statefulsets/scale|${text(W)}`,
      `autoscaling|horizontalpodautoscalers|${text(W)}`,
      `batch|cronjobs,jobs|${text(W)}`,
      `extensions|daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale|${text(W)}`,
      `policy|poddisruptionbudgets|${text(W)}`,
      `networking.k8s.io|ingresses,networkpolicies|${text(W)}`,
      `coordination.k8s.io|leases|${text(W)},get,list,watch`,
    ],
  },
  'system:aggregate-to-view': {
    labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
    rows: [
      `|configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,services/status|${text(R)}`,
      `|bindings,events,limitranges,namespaces/status,pods/log,pods/status,replicationcontrollers/status,resourcequotas,resourcequotas/status|${text(R)}`,
      `|namespaces|${text(R)}`,
      `discovery.k8s.io|endpointslices|${text(R)}`,
      `apps|controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,statefulsets/scale,statefulsets/status|${text(R)}`,
      `autoscaling|horizontalpodautoscalers,horizontalpodautoscalers/status|${text(R)}`,
      `batch|cronjobs,cronjobs/status,jobs,jobs/status|${text(R)}`,
      `extensions|daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,ingresses,ingresses/status,networkpolicies,replicasets,replicasets/scale,replicasets/status,replicationcontrollers/scale|${text(R)}`,
      `policy|poddisruptionbudgets,poddisruptionbudgets/status|${text(R)}`,
      `networking.k8s.io|ingresses,ingresses/status,networkpolicies|${text(R)}`,
    ],
  },
};

function builtinObject(name: string): Obj {
  const d = BUILTIN_ROWS[name];
  const rules = (d.rows ?? []).map((row) => {
    const [g, r, v] = row.split('|');
    return { apiGroups: g.split(','), resources: r.split(','), verbs: v.split(',') };
  });
  if (name === 'cluster-admin') rules.push({ nonResourceURLs: ['*'], verbs: ['*'] } as any);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...(d.labels ?? {}) } },
    rules,
    ...(d.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [d.aggregateFrom]: 'true' } }] } } : {}),
  };
}

/**
 * The built-in ClusterRoles the model knows (Kubernetes 1.33 bootstrap policy), as ClusterRole
 * objects: `cluster-admin`, the aggregated `admin`, `edit` and `view`, and their `system:aggregate-to-*`
 * parts. Resolve their effective rules with {@link RbacIndex.effectiveRules}.
 */
export const BUILTIN_CLUSTER_ROLES: Readonly<Record<string, Readonly<Obj>>> = Object.freeze(
  Object.fromEntries(Object.keys(BUILTIN_ROWS).map((n) => [n, builtinObject(n)])),
);

/** Whether a ClusterRole name is one of the built-in roles the model knows. */
export function isBuiltinClusterRole(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTIN_ROWS, name);
}

/* ---------------------------------------------------------------------------------------------- */

/** A role as a binding refers to it. */
export interface RoleRef {
  /** `Role` or `ClusterRole`, as the binding's `roleRef.kind` says. */
  readonly kind: 'Role' | 'ClusterRole' | string;
  /** Name of the role. */
  readonly name: string;
  /** For a Role: its namespace (the binding's). */
  readonly namespace?: string;
}

/** A rule a role grants, with where it comes from. */
export interface EffectiveRule {
  /** The rule as written in the role. */
  readonly rule: PolicyRule;
  /** The role that holds the rule: the role itself, or a ClusterRole it aggregates. */
  readonly from: { readonly kind: string; readonly name: string; readonly namespace?: string };
  /** Index of the rule in `from`'s `rules`. */
  readonly index: number;
  /** True when `from` is a built-in role of Kubernetes 1.33 (not among the given objects). */
  readonly builtIn: boolean;
  /** For an aggregated rule: the index of the aggregating role's clusterRoleSelector that selected it. */
  readonly selector?: number;
}

/** One grant to a subject: a binding, the role it binds, where it applies, and the role's effective rules. */
export interface Grant {
  /** The RoleBinding or ClusterRoleBinding object, as given. */
  readonly binding: Obj;
  /** The role the binding refers to. */
  readonly role: RoleRef;
  /** `namespace` for a RoleBinding (requests in {@link Grant.namespace} only), `cluster` for a ClusterRoleBinding. */
  readonly scope: GrantScope;
  /** The RoleBinding's namespace. */
  readonly namespace?: string;
  /** The role's effective rules: its own and, for an aggregated ClusterRole, those of the roles it selects. */
  readonly rules: readonly EffectiveRule[];
}

/** A subject of a binding, with its namespace resolved for ServiceAccounts. */
export interface Subject {
  /** `ServiceAccount`, `User` or `Group`. */
  readonly kind: string;
  /** Name of the subject, e.g. `system:authenticated` for a group. */
  readonly name: string;
  /** Namespace of a ServiceAccount (the binding's when the subject gives none); undefined for users and groups. */
  readonly namespace?: string;
}

const labelsOf = (o: Obj): Record<string, string> => (isObj(o.metadata) && isObj(o.metadata.labels) ? o.metadata.labels : {});
const nameOf = (o: Obj): string => text(isObj(o.metadata) ? o.metadata.name ?? '' : '');
const nsOf = (o: Obj): string => text(isObj(o.metadata) ? o.metadata.namespace ?? '' : '');
const roleKey = (kind: string, name: string, namespace?: string) => (kind === 'Role' ? `Role/${namespace}/${name}` : `${kind}//${name}`);

function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const ml = isObj(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(ml)) if (!Object.prototype.hasOwnProperty.call(labels, k) || text(labels[k]) !== text(v)) return false;
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    if (!isObj(e)) return false;
    const key = typeof e.key === 'string' ? e.key : undefined;
    const has = key !== undefined && Object.prototype.hasOwnProperty.call(labels, key);
    const values = strings(e.values);
    const value = has ? text(labels[key!]) : undefined;
    if (e.operator === 'In' ? !(has && values.includes(value!)) :
      e.operator === 'NotIn' ? has && values.includes(value!) :
        e.operator === 'Exists' ? !has :
          e.operator === 'DoesNotExist' ? has : true) return false;
  }
  return true;
}

/**
 * An index over a set of Kubernetes objects: roles by reference, bindings by the role they bind,
 * ClusterRoles by label (for aggregation) and bindings by subject. Built once, in linear time; every
 * lookup is then proportional to its answer. Built-in ClusterRoles that are not among the objects are
 * taken from {@link BUILTIN_CLUSTER_ROLES}.
 */
export class RbacIndex {
  private readonly roles = new Map<string, RoleRecord>();
  private readonly bindings = new Map<string, Obj[]>();
  private readonly bySubject = new Map<string, Obj[]>();
  private readonly clusterRolesByLabel = new Map<string, RoleRecord[]>();
  private readonly clusterRoles: RoleRecord[] = [];
  private readonly effective = new Map<string, EffectiveRule[]>();
  private readonly builtinsInUse = new Set<string>();

  constructor(objects: readonly unknown[]) {
    for (const o of objects) {
      // Everything an object contributes is read before anything is stored: an object that throws
      // while being read (a field of a type no rule expects) is left out whole.
      try {
        if (!isObj(o)) continue;
        if (o.kind === 'Role' || o.kind === 'ClusterRole') {
          const record = roleRecord(o, false);
          if (!this.roles.has(record.key)) this.roles.set(record.key, record);
          if (o.kind === 'ClusterRole') this.addClusterRole(record);
        } else if ((o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && isObj(o.roleRef)) {
          const key = roleKey(text(o.roleRef.kind), text(o.roleRef.name), nsOf(o));
          const subjects = subjectsOf(o);
          push(this.bindings, key, o);
          for (const s of subjects) push(this.bySubject, subjectKey(s), o);
        }
      } catch { /* the object's own check reports it */ }
    }
    for (const name of Object.keys(BUILTIN_ROWS)) {
      if (this.roles.has(roleKey('ClusterRole', name))) continue;
      const record = roleRecord(BUILTIN_CLUSTER_ROLES[name] as Obj, true);
      this.builtinsInUse.add(name);
      this.roles.set(record.key, record);
      this.addClusterRole(record);
    }
  }

  private addClusterRole(r: RoleRecord): void {
    this.clusterRoles.push(r);
    for (const [k, v] of Object.entries(r.labels)) push(this.clusterRolesByLabel, `${k}=${v}`, r);
  }

  /** The role object a reference names (a built-in one when none is among the objects), if known. */
  role(ref: RoleRef): Obj | undefined {
    return this.roles.get(roleKey(ref.kind, ref.name, ref.namespace))?.obj;
  }

  /** Whether the reference resolves to a built-in role rather than to one of the given objects. */
  isBuiltin(ref: RoleRef): boolean {
    return ref.kind === 'ClusterRole' && this.builtinsInUse.has(ref.name);
  }

  /** Bindings whose roleRef names this role (for a Role: RoleBindings of its namespace only). */
  bindingsTo(ref: RoleRef): readonly Obj[] {
    const list = this.bindings.get(roleKey(ref.kind, ref.name, ref.namespace)) ?? [];
    return ref.kind === 'Role' ? list.filter((b) => b.kind === 'RoleBinding') : list;
  }

  /** Bindings that name this subject (ServiceAccounts by namespace and name). */
  bindingsOf(subject: Subject): readonly Obj[] {
    return this.bySubject.get(subjectKey(subject)) ?? [];
  }

  /**
   * Every grant that applies to a subject: the bindings that name it, and for a ServiceAccount also
   * those that name the groups it belongs to (`system:serviceaccounts`,
   * `system:serviceaccounts:<namespace>`, `system:authenticated`), each with the effective rules of
   * the role it binds and where they apply. Rules of a role that is neither among the objects nor
   * built in are unknown and come back empty.
   */
  grantsOf(subject: Subject): Grant[] {
    const keys: Subject[] = [subject];
    if (subject.kind === 'ServiceAccount') {
      keys.push({ kind: 'Group', name: 'system:serviceaccounts' }, { kind: 'Group', name: `system:serviceaccounts:${subject.namespace ?? ''}` }, { kind: 'Group', name: 'system:authenticated' });
    } else if (subject.kind === 'User' && subject.name !== 'system:anonymous') {
      keys.push({ kind: 'Group', name: 'system:authenticated' });
    } else if (subject.kind === 'User') {
      keys.push({ kind: 'Group', name: 'system:unauthenticated' });
    }
    const out: Grant[] = [];
    const seen = new Set<Obj>();
    for (const k of keys) {
      for (const binding of this.bindingsOf(k)) {
        if (seen.has(binding)) continue;
        seen.add(binding);
        const ref = isObj(binding.roleRef) ? binding.roleRef : {};
        const namespace = binding.kind === 'RoleBinding' ? nsOf(binding) : undefined;
        const role: RoleRef = { kind: text(ref.kind), name: text(ref.name), ...(ref.kind === 'Role' ? { namespace } : {}) };
        out.push({ binding, role, scope: namespace === undefined ? 'cluster' : 'namespace', ...(namespace !== undefined ? { namespace } : {}), rules: this.effectiveRules(role) });
      }
    }
    return out;
  }

  /** ClusterRoles (given or built-in) that a label selector selects. */
  clusterRolesSelectedBy(selector: unknown): Obj[] {
    return this.selected(selector).map((r) => r.obj);
  }

  private selected(selector: unknown): RoleRecord[] {
    if (!isObj(selector)) return [];
    try {
      const ml = isObj(selector.matchLabels) ? Object.entries(selector.matchLabels) : [];
      let candidates: readonly RoleRecord[] = this.clusterRoles;
      for (const [k, v] of ml) {
        const list = this.clusterRolesByLabel.get(`${k}=${text(v)}`) ?? [];
        if (list.length < candidates.length) candidates = list;
      }
      return candidates.filter((c) => labelSelectorMatches(selector, c.labels));
    } catch {
      return [];
    }
  }

  /**
   * Every rule a role grants: its own `rules` and, for an aggregated ClusterRole, the rules of every
   * ClusterRole its `clusterRoleSelectors` select, followed transitively (cycles are cut). The
   * aggregation controller replaces an aggregated role's own rules; they are kept here, since a
   * manifest's own rules are what it asks for.
   */
  effectiveRules(ref: RoleRef): readonly EffectiveRule[] {
    const record = this.roles.get(roleKey(ref.kind, ref.name, ref.namespace));
    return record ? this.rulesOf(record, new Set()) : [];
  }

  private rulesOf(role: RoleRecord, visiting: Set<string>): EffectiveRule[] {
    const cached = this.effective.get(role.key);
    if (cached) return cached;
    if (visiting.has(role.key)) return [...role.own];
    visiting.add(role.key);
    const out = [...role.own];
    const seen = new Set<string>();
    role.selectors.forEach((sel, i) => {
      for (const part of this.selected(sel)) {
        if (part === role) continue;
        for (const e of this.rulesOf(part, visiting)) {
          const id = `${e.from.kind}/${e.from.name}/${e.index}`;
          if (seen.has(id)) continue;
          seen.add(id);
          out.push({ ...e, selector: i });
        }
      }
    });
    visiting.delete(role.key);
    if (visiting.size === 0 || role.selectors.length === 0) this.effective.set(role.key, out);
    return out;
  }
}

/** What the index keeps of a role: read once, so that later lookups never touch the object again. */
interface RoleRecord {
  readonly obj: Obj;
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly own: readonly EffectiveRule[];
  /** The aggregationRule's clusterRoleSelectors (ClusterRoles only). */
  readonly selectors: readonly unknown[];
}

function roleRecord(role: Obj, builtIn: boolean): RoleRecord {
  const kind = text(role.kind);
  const name = nameOf(role);
  const from = { kind, name, ...(kind === 'Role' ? { namespace: nsOf(role) } : {}) };
  const own: EffectiveRule[] = [];
  (Array.isArray(role.rules) ? role.rules : []).forEach((raw: unknown, index: number) => {
    const rule = toPolicyRule(raw);
    if (rule) own.push({ rule, from, index, builtIn });
  });
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(labelsOf(role))) labels[k] = text(v);
  const agg = kind === 'ClusterRole' && isObj(role.aggregationRule) && Array.isArray(role.aggregationRule.clusterRoleSelectors)
    ? [...role.aggregationRule.clusterRoleSelectors] : [];
  return { obj: role, key: roleKey(kind, name, nsOf(role)), labels, own, selectors: agg };
}

/** The subjects of a binding; a ServiceAccount without a namespace takes the binding's. */
export function subjectsOf(binding: Obj): Subject[] {
  const out: Subject[] = [];
  for (const s of Array.isArray(binding.subjects) ? binding.subjects : []) {
    if (!isObj(s)) continue;
    const kind = text(s.kind ?? '');
    const name = text(s.name ?? '');
    if (kind === 'ServiceAccount') out.push({ kind, name, namespace: text(s.namespace ?? nsOf(binding)) });
    else out.push({ kind, name });
  }
  return out;
}

const subjectKey = (s: Subject) => `${text(s.kind)}/${s.kind === 'ServiceAccount' ? text(s.namespace) : ''}/${text(s.name)}`;

/**
 * Who a subject stands for, when it stands for more than one identity: `everyone` for
 * `system:anonymous` (user) and the `system:unauthenticated` / `system:authenticated` groups,
 * `all-service-accounts` for `system:serviceaccounts` and `system:serviceaccounts:<namespace>`,
 * `superuser` for `system:masters`; undefined otherwise.
 */
export function broadSubject(s: Subject): 'everyone' | 'all-service-accounts' | 'superuser' | undefined {
  if (s.kind === 'User' && s.name === 'system:anonymous') return 'everyone';
  if (s.kind !== 'Group') return undefined;
  if (s.name === 'system:unauthenticated' || s.name === 'system:authenticated' || s.name === 'system:anonymous') return 'everyone';
  if (s.name === 'system:serviceaccounts' || /^system:serviceaccounts:[^:]+$/.test(s.name)) return 'all-service-accounts';
  if (s.name === 'system:masters') return 'superuser';
  return undefined;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v); else m.set(k, [v]);
}
