import { Construct } from 'constructs';
import { AgentContainerOptions } from '../agent-workload';
import { PropValidator } from '../validation';

/** `app.kubernetes.io/part-of` of every object of the observability family. */
export const OBSERVABILITY = 'observability';

/** Where the Kubernetes API server is, for the egress rule of the workloads that call it. */
export interface ApiServerEndpoint {
  /** Its endpoint addresses (`kubectl get endpoints kubernetes -n default`) and service IP, as CIDRs. */
  readonly cidrs: string[];
  /**
   * Its endpoint port: 443 on most managed clusters, 6443 on kubeadm.
   * @default 443
   */
  readonly port?: number;
}

/** What every workload of the family takes. */
export interface ObservabilityWorkloadOptions extends Omit<AgentContainerOptions, 'name' | 'ports'> {
  /**
   * Name of the workload and its ServiceAccount.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The cluster runs Cilium (host-name egress through a CiliumNetworkPolicy).
   * @default false
   */
  readonly cilium?: boolean;
}

/** A validator for a construct that is not created yet (props are checked before `super()`). */
export function validatorFor(owner: string, scope: Construct, id: string): PropValidator {
  return new PropValidator(owner, scope.node.path ? `${scope.node.path}/${id}` : id);
}

/**
 * Name of a workload's cluster-scoped objects (ClusterRole, ClusterRoleBinding): prefixed with its
 * namespace, so that two installations, or another product's `agent`, do not collide.
 */
export function clusterScopedName(workload: { name: string; namespace?: string }): string {
  return `${workload.namespace ?? 'default'}-${workload.name}`;
}
