import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentWorkload, WorkloadOptions } from '../agent-workload';
import { ClusterScopedObject } from '../labels';
import { ApiServerOptions } from '../network/peers';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';
import { PropValidator } from '../validation';
import { reasonOf, rulesOf } from '../../needs/model';
import { CLUSTER_CONTROLLER_NEEDS, COST_OPTIMIZER } from './needs';

/** The named grants of the cluster controller; each is on unless turned off. */
export interface ClusterControllerGrants {
  /**
   * Cordon and uncordon nodes (`patch` on nodes).
   * @default true
   */
  readonly cordon?: boolean;
  /**
   * Drain nodes: list pods and create `pods/eviction`. Needs `cordon`.
   * @default true
   */
  readonly drain?: boolean;
  /**
   * Delete the Node objects of nodes the optimiser created (those with `nodeLabel`), enforced by a
   * ValidatingAdmissionPolicy.
   * @default true
   */
  readonly deleteNodes?: boolean;
  /**
   * Approve the certificate requests of kubelets, for the two kubelet signers only.
   * @default true
   */
  readonly approveKubeletCsrs?: boolean;
}

/** The label that marks the nodes the optimiser created. */
export interface OptimizerNodeLabel {
  readonly key: string;
  readonly value: string;
}

/** The default label of the optimiser's nodes; the optimiser's node templates must set it. */
export const DEFAULT_OPTIMIZER_NODE_LABEL: OptimizerNodeLabel = { key: 'cost-optimizer.secure-agents.io/managed', value: 'true' };

export interface ClusterControllerProps extends Omit<WorkloadOptions, 'namespace'> {
  /** Namespace (the optimiser's). */
  readonly namespace: string;
  /** The API server (egress on its port only). */
  readonly apiServer: ApiServerOptions;
  /**
   * Which grants the controller gets.
   * @default - all four
   */
  readonly grants?: ClusterControllerGrants;
  /**
   * The label on nodes the optimiser created: the only nodes the controller may delete.
   * @default DEFAULT_OPTIMIZER_NODE_LABEL
   */
  readonly nodeLabel?: OptimizerNodeLabel;
}

/**
 * The cost optimiser's optional cluster controller: the write side that makes node removal safe.
 * Before the cloud identity terminates a node, the controller cordons it and drains it through the
 * Eviction API (which honours disruption budgets); it deletes the Node objects of nodes the optimiser
 * created, and approves the kubelet certificate requests of new nodes for the two kubelet signers
 * only. Each grant is named (`grants`), carries its reason into the ClusterRole, and can be turned off.
 *
 * **How delete is limited to the optimiser's nodes.** RBAC cannot select objects by label: `delete`
 * on `nodes` without `resourceNames` allows every node, and node names are not known in advance. So
 * with `deleteNodes` a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30
 * and later) and its binding are emitted: for requests of this ServiceAccount only, it refuses to
 * delete a node without `nodeLabel`, and refuses an update that adds, changes or removes that label
 * (otherwise `patch` could label any node and then delete it). The policy is only as strong as
 * admission control: an API server without the ValidatingAdmissionPolicy feature, or a user who
 * deletes the binding, removes the limit, and the checker's `rbac-delete-broad` exemption says so.
 */
export class ClusterController extends Construct {
  public readonly workload: AgentWorkload;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  /** The resolved grants. */
  public readonly grants: Required<ClusterControllerGrants>;
  public readonly nodeLabel: OptimizerNodeLabel;
  /** The ClusterRole, when any grant is on. */
  public readonly clusterRole?: ClusterScopedObject;
  /** The ValidatingAdmissionPolicy that limits delete to the optimiser's nodes, with `deleteNodes`. */
  public readonly admissionPolicy?: ApiObject;

  constructor(scope: Construct, id: string, props: ClusterControllerProps) {
    super(scope, id);
    const v = new PropValidator('ClusterController', this.node.path);
    if (!props || typeof props !== 'object') v.fail('missing-props', 'props', props, 'are missing', 'give image, namespace and apiServer');
    const g = props.grants ?? {};
    this.grants = { cordon: g.cordon ?? true, drain: g.drain ?? true, deleteNodes: g.deleteNodes ?? true, approveKubeletCsrs: g.approveKubeletCsrs ?? true };
    if (this.grants.drain && !this.grants.cordon) {
      v.fail('drain-without-cordon', 'grants.drain', true, 'is on while cordon is off; a drain without a cordon lets evicted pods land on the same node', 'turn cordon on, or drain off');
    }
    if (!Object.values(this.grants).some(Boolean)) {
      v.fail('no-grant', 'grants', g, 'turns every grant off, so the controller could do nothing', 'leave the cluster controller out instead');
    }
    const label = props.nodeLabel ?? DEFAULT_OPTIMIZER_NODE_LABEL;
    this.nodeLabel = { key: v.labelKey('nodeLabel.key', label?.key), value: v.labelValue('nodeLabel.value', label?.value) };

    this.workload = new AgentWorkload(this, 'controller', {
      ...props,
      component: 'cluster-controller', partOf: COST_OPTIMIZER, name: props.name ?? 'cluster-controller', namespace: v.dnsLabel('namespace', props.namespace),
      env: { ...(props.env ?? {}), OPTIMIZER_NODE_LABEL: `${this.nodeLabel.key}=${this.nodeLabel.value}` },
    });
    const w = this.workload;
    const rowIds = [
      ...(this.grants.cordon ? ['cordon'] : []),
      ...(this.grants.drain ? ['drain-read', 'drain-evict'] : []),
      ...(this.grants.deleteNodes ? ['delete-nodes'] : []),
      ...(this.grants.approveKubeletCsrs ? ['csr-read', 'csr-approve', 'csr-signers'] : []),
    ];
    const clusterName = `${w.namespace}-${w.name}`;
    const exemptions: Record<string, string> = {};
    if (this.grants.approveKubeletCsrs) {
      exemptions['rbac-approve-csr'] = 'approves kubelet certificate requests of new nodes, and only for the kubelet client and kubelet serving signers (approve on signers limited by resourceNames)';
    }
    if (this.grants.deleteNodes) {
      // A warning rule, exempted with the mechanism that narrows it.
      exemptions['rbac-delete-broad'] = `deletes only nodes labelled ${this.nodeLabel.key}=${this.nodeLabel.value}: RBAC cannot select by label, so the ValidatingAdmissionPolicy ${clusterName}-delete-own-nodes refuses any other deletion, and any change of that label, by this ServiceAccount`;
      this.admissionPolicy = this.limitDeleteToOwnNodes(clusterName);
    }
    this.clusterRole = w.grantClusterRole(rulesOf(CLUSTER_CONTROLLER_NEEDS, rowIds), { name: clusterName, exemptions });
    w.allowDns().allowApiServer(props.apiServer, reasonOf(CLUSTER_CONTROLLER_NEEDS, 'api-server'));
    this.networkPolicy = w.networkPolicy!;
    // The escape hatch (ApiObject.of) reaches the controller's Deployment.
    this.node.defaultChild = w.node.defaultChild;
  }

  private limitDeleteToOwnNodes(clusterName: string): ApiObject {
    const w = this.workload;
    const name = `${clusterName}-delete-own-nodes`;
    const key = this.nodeLabel.key.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    const value = this.nodeLabel.value.replace(/'/g, "\\'");
    const labelOf = (o: string) => `(has(${o}.metadata.labels) && '${key}' in ${o}.metadata.labels ? ${o}.metadata.labels['${key}'] : '')`;
    const policy = new ClusterScopedObject(this, 'delete-own-nodes', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels: w.labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE', 'UPDATE'], resources: ['nodes'] }],
        },
        matchConditions: [{ name: 'only-the-cluster-controller', expression: `request.userInfo.username == 'system:serviceaccount:${w.namespace}:${w.name}'` }],
        validations: [
          {
            expression: `request.operation != 'DELETE' || ${labelOf('oldObject')} == '${value}'`,
            message: `the cluster controller may delete only nodes labelled ${this.nodeLabel.key}=${this.nodeLabel.value}`,
          },
          {
            expression: `request.operation != 'UPDATE' || ${labelOf('object')} == ${labelOf('oldObject')}`,
            message: `the cluster controller may not add, change or remove the label ${this.nodeLabel.key}`,
          },
        ],
      },
    });
    new ClusterScopedObject(this, 'delete-own-nodes-binding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels: w.labels },
      spec: { policyName: name, validationActions: ['Deny'] },
    });
    return policy;
  }
}
