import { Construct } from 'constructs';
import { reasonOf } from '../../needs/model';
import { EXECUTOR_NEEDS } from './needs';
import { validatorFor, clusterScopedName } from '../private/names';
import { AgentWorkload, PolicyRule, Reason, WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint } from '../endpoints';
import { ClusterScopedObject } from '../labels';
import { WorkloadNetworkPolicy } from '../network';
import { EXEMPTION_PREFIX } from '../../policy/rule-ids';
import { PropValidator } from '../validation';
import { OBSERVABILITY } from './common';

/** Rule id of the checker's finding for a binding to cluster-admin (as issue #3's branch names it); the explicit prop exempts it. */
export const CLUSTER_ADMIN_BINDING_RULE = 'rbac-bind-cluster-admin';

/** A remediation the executor may carry out. */
export enum RemediationAction {
  /** Change the replicas of deployments and statefulsets (the `scale` subresource). */
  SCALE = 'scale',
  /** Restart by patching the pod template (what `kubectl rollout restart` does). */
  RESTART = 'restart',
  /** Delete pods, so that their controller replaces them. */
  DELETE_PODS = 'delete-pods',
  /** Cordon and uncordon nodes (patch `spec.unschedulable`); nodes are cluster-scoped. */
  CORDON = 'cordon',
}

interface ActionSpec {
  /** Resources the action applies to, with their API group and the RBAC resource it touches. */
  readonly resources: Record<string, { group: string; rbacResource: string }>;
  readonly verbs: string[];
  readonly clusterScoped: boolean;
}

/**
 * Exactly what each remediation grants. RBAC cannot narrow a `patch` to one field: `restart` may
 * change any field of the deployments, statefulsets and daemonsets it covers (their image too), and
 * `cordon` any field of a node (labels and taints as well as `spec.unschedulable`). Limit `restart`
 * to namespaces where that is acceptable; an admission policy is what could pin the fields.
 */
export const REMEDIATIONS: Readonly<Record<RemediationAction, ActionSpec>> = {
  [RemediationAction.SCALE]: {
    resources: {
      deployments: { group: 'apps', rbacResource: 'deployments/scale' },
      statefulsets: { group: 'apps', rbacResource: 'statefulsets/scale' },
    },
    verbs: ['get', 'patch', 'update'],
    clusterScoped: false,
  },
  [RemediationAction.RESTART]: {
    resources: {
      deployments: { group: 'apps', rbacResource: 'deployments' },
      statefulsets: { group: 'apps', rbacResource: 'statefulsets' },
      daemonsets: { group: 'apps', rbacResource: 'daemonsets' },
    },
    verbs: ['get', 'patch'],
    clusterScoped: false,
  },
  [RemediationAction.DELETE_PODS]: {
    resources: { pods: { group: '', rbacResource: 'pods' } },
    verbs: ['get', 'delete'],
    clusterScoped: false,
  },
  [RemediationAction.CORDON]: {
    resources: { nodes: { group: '', rbacResource: 'nodes' } },
    verbs: ['get', 'patch'],
    clusterScoped: true,
  },
};

/** What each remediation does, written next to the rules it grants. */
export const REMEDIATION_REASONS: Readonly<Record<RemediationAction, string>> = {
  [RemediationAction.SCALE]: 'remediation "scale": changes the replicas of deployments and statefulsets',
  [RemediationAction.RESTART]: 'remediation "restart": patches the pod template, as kubectl rollout restart does',
  [RemediationAction.DELETE_PODS]: 'remediation "delete-pods": deletes pods so that their controller replaces them',
  [RemediationAction.CORDON]: 'remediation "cordon": cordons and uncordons nodes (spec.unschedulable)',
};

/** One named remediation permission. */
export interface RemediationPermission {
  readonly action: RemediationAction;
  /**
   * Resources the action may touch, a subset of those it supports (`REMEDIATIONS`).
   * @default - every resource the action supports
   */
  readonly resources?: string[];
  /**
   * Namespaces the action is limited to (a Role and RoleBinding in each).
   * @default - every namespace (one ClusterRole); `cordon` is always cluster-wide
   */
  readonly namespaces?: string[];
}

export interface ObservabilityExecutorProps extends WorkloadOptions {
  /** The API server, which the executor calls. */
  readonly apiServer: ApiServerEndpoint;
  /**
   * The remediations it may carry out.
   * @default - none: the executor can change nothing
   */
  readonly permissions?: RemediationPermission[];
  /**
   * Bind the executor to cluster-admin, with the reason. The binding carries an exemption for
   * `rbac-bind-cluster-admin`, so the checker reports it as exempted, not absent.
   * @default - no cluster-admin binding
   */
  readonly clusterAdmin?: Reason;
}

/**
 * The optional executor: a Deployment that carries out remediations with named, narrow
 * permissions, each optionally limited to namespaces. It accepts no connections; it calls the API
 * server and (with `allowTo`) fetches its tasks from the mediator.
 */
export class ObservabilityExecutor extends AgentWorkload {
  /** The permissions granted, resolved (resources filled in). */
  public readonly permissions: ReadonlyArray<Required<Omit<RemediationPermission, 'namespaces'>> & { namespaces?: string[] }>;
  public readonly clusterAdmin: boolean;
  declare public readonly networkPolicy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, props: ObservabilityExecutorProps) {
    const v = validatorFor('ObservabilityExecutor', scope, id);
    const permissions = (props?.permissions ?? []).map((p, i) => checkPermission(v, `permissions[${i}]`, p));
    const clusterAdminReason = props?.clusterAdmin !== undefined ? v.reason('clusterAdmin.reason', props.clusterAdmin?.reason) : undefined;
    super(scope, id, { ...props, component: 'executor', partOf: OBSERVABILITY });
    this.permissions = permissions;
    this.clusterAdmin = clusterAdminReason !== undefined;

    const clusterRules: PolicyRule[] = [];
    const byNamespace = new Map<string, PolicyRule[]>();
    for (const p of permissions) {
      const rules = rulesOf(p);
      if (p.namespaces === undefined) {
        clusterRules.push(...rules);
      } else {
        for (const ns of p.namespaces) byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), ...rules]);
      }
    }
    // restart patches workloads, which the checker counts as running pods (rbac-create-pods): say why.
    const restartReason = 'restart patches the pod template of the listed workloads (kubectl rollout restart); RBAC cannot narrow patch to one field, so limit restart to namespaces where that is acceptable';
    const restartResources = new Set(Object.values(REMEDIATIONS[RemediationAction.RESTART].resources).map((x) => x.rbacResource));
    const grantsRestart = (rules: PolicyRule[]) => rules.some((r) => r.verbs.includes('patch') && (r.resources ?? []).some((x) => restartResources.has(x)));
    if (clusterRules.length > 0) {
      const role = this.grantClusterRole(clusterRules, { name: clusterScopedName(this) });
      if (grantsRestart(clusterRules)) role.metadata.addAnnotation(`${EXEMPTION_PREFIX}rbac-create-pods`, restartReason);
    }
    for (const ns of [...byNamespace.keys()].sort()) {
      const role = this.grantRole(ns, byNamespace.get(ns)!, { name: clusterScopedName(this) });
      if (grantsRestart(byNamespace.get(ns)!)) role.metadata.addAnnotation(`${EXEMPTION_PREFIX}rbac-create-pods`, restartReason);
    }
    if (clusterAdminReason !== undefined) {
      const name = `${clusterScopedName(this)}-cluster-admin`;
      new ClusterScopedObject(this, 'cluster-admin-binding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name, labels: this.labels, annotations: { [`${EXEMPTION_PREFIX}${CLUSTER_ADMIN_BINDING_RULE}`]: clusterAdminReason } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [this.subject()],
      });
      this.enableApiAccess(`bound to cluster-admin: ${clusterAdminReason}`);
    }
    // Role grants mount the token; an executor granted nothing has no use for one.
    this.allowDns().allowApiServer(props.apiServer, reasonOf(EXECUTOR_NEEDS, 'api-server'));
  }
}

function checkPermission(v: PropValidator, prop: string, p: RemediationPermission): Required<Omit<RemediationPermission, 'namespaces'>> & { namespaces?: string[] } {
  // Own keys only: "toString" must not find Object.prototype's.
  const spec = Object.values(RemediationAction).includes(p?.action) ? REMEDIATIONS[p.action] : undefined;
  if (!spec) {
    v.fail('invalid-remediation', `${prop}.action`, p?.action, 'is not a remediation', `use one of ${Object.values(RemediationAction).join(', ')}`);
  }
  const supported = Object.keys(spec.resources);
  const resources = p.resources ?? supported;
  if (!Array.isArray(resources) || resources.length === 0) {
    v.fail('empty-resources', `${prop}.resources`, p.resources, 'is empty', `leave it out for all of ${supported.join(', ')}, or list some`);
  }
  resources.forEach((r, i) => {
    if (!supported.includes(r)) {
      v.fail('unknown-resource', `${prop}.resources[${i}]`, r, `is not a resource "${p.action}" applies to`, `use ${supported.join(', ')}`);
    }
  });
  if (p.namespaces !== undefined) {
    if (spec.clusterScoped) {
      v.fail('cluster-scoped-remediation', `${prop}.namespaces`, p.namespaces, `cannot limit "${p.action}": ${supported.join(', ')} are cluster-scoped`, 'drop namespaces for this permission');
    }
    if (!Array.isArray(p.namespaces) || p.namespaces.length === 0) {
      v.fail('empty-namespaces', `${prop}.namespaces`, p.namespaces, 'is empty, which would grant nothing', 'list namespaces, or leave it out for every namespace');
    }
    p.namespaces.forEach((ns, i) => v.dnsLabel(`${prop}.namespaces[${i}]`, ns));
  }
  return { action: p.action, resources: [...resources], ...(p.namespaces !== undefined ? { namespaces: [...p.namespaces] } : {}) };
}

/** The RBAC rules of one permission: one rule per API group, listing only that group's resources. */
function rulesOf(p: { action: RemediationAction; resources: string[] }): PolicyRule[] {
  const spec = REMEDIATIONS[p.action];
  const byGroup = new Map<string, string[]>();
  for (const r of p.resources) {
    const { group, rbacResource } = spec.resources[r];
    byGroup.set(group, [...(byGroup.get(group) ?? []), rbacResource]);
  }
  return [...byGroup.entries()].map(([group, resources]) => ({ apiGroups: [group], resources, verbs: [...spec.verbs], reason: REMEDIATION_REASONS[p.action] }));
}
