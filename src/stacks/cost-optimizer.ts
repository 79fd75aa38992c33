import { Construct } from 'constructs';
import { FamilyChart, FamilyChartProps } from '../constructs/family-chart';
import { OptimizerAgent, OptimizerAgentProps } from '../constructs/optimizer/optimizer-agent';
import { CostOptimizerIdentityProps } from '../constructs/optimizer/identity';
import { ClusterController, ClusterControllerProps } from '../constructs/optimizer/cluster-controller';

/** What the chart sets on the agent itself, from its own props. */
type ChartSet = 'apiServer' | 'cilium' | 'proxy' | 'vaultServer' | 'imageRegistry' | keyof CostOptimizerIdentityProps;

export interface CostOptimizerChartProps extends FamilyChartProps {
  /** The cluster's name, as EKS or GKE knows it (the same value the cloud stacks take). */
  readonly clusterName: string;
  /**
   * Name of the agent's Kubernetes ServiceAccount (the same value the cloud stacks take).
   * @default "optimizer-agent"
   */
  readonly serviceAccountName?: string;
  /** The optimizer agent (Deployment). */
  readonly agent: Omit<OptimizerAgentProps, ChartSet>;
  /**
   * The optional cluster controller (the write side: cordon, drain, delete the optimiser's own nodes,
   * approve kubelet certificates), with its named grants. Off by default, like the observability executor.
   * @default - none
   */
  readonly clusterController?: Omit<ClusterControllerProps, ChartSet | 'namespace'>;
}

/** The cost optimiser's in-cluster side: the read-only agent, bound to the cloud identity of the stacks. */
export class CostOptimizerChart extends FamilyChart {
  public readonly agent: OptimizerAgent;
  /** The cluster controller, with `clusterController`. */
  public readonly clusterController?: ClusterController;

  constructor(scope: Construct, id: string, props: CostOptimizerChartProps) {
    super(scope, id, props, { chartType: 'CostOptimizerChart', partOf: 'cost-optimizer', defaultNamespace: 'cost-optimizer' });
    this.agent = this.component('agent', () => new OptimizerAgent(this, 'optimizer', {
      ...props.agent,
      clusterName: props.clusterName,
      namespace: this.namespace,
      serviceAccountName: props.serviceAccountName,
      apiServer: this.apiServer,
    }));
    if (props.clusterController) {
      const controller = props.clusterController;
      this.clusterController = this.component('clusterController', () => new ClusterController(this, 'cluster-controller', {
        ...controller,
        namespace: this.namespace,
        apiServer: this.apiServer,
      }));
    }
    this.finish();
  }
}
