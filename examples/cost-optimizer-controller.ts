import { App, Chart } from 'cdk8s';
import { CloudBindingKind, CostOptimizerChart, CostOptimizerChartProps } from '../src';
import { awsExample, costOptimizerIdentity } from './cost-optimizer-props';

/**
 * The optimiser with its optional cluster controller: nodes are cordoned and drained (through
 * evictions) before the cloud identity removes them, only the optimiser's own labelled nodes can be
 * deleted (a ValidatingAdmissionPolicy enforces what RBAC cannot), and kubelet certificate requests
 * are approved for the two kubelet signers only. Savings-estimation reads for the quotas and the
 * metrics API are turned on.
 */
export const costOptimizerControllerProps: CostOptimizerChartProps = {
  ...costOptimizerIdentity,
  apiServer: { cidrs: ['10.100.0.1/32'] },
  imagePullSecrets: ['vendor-registry'],
  agent: {
    image: 'ghcr.io/example/optimizer-agent:2.3.0@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
    binding: { kind: CloudBindingKind.EKS_IRSA, accountId: awsExample.accountId },
    savingsReads: { quotas: true, podMetrics: true, verticalPodAutoscaler: true, keda: true, karpenter: true, argoRollouts: true, dynamicResourceAllocation: true },
  },
  clusterController: {
    image: 'ghcr.io/example/cluster-controller:2.3.0@sha256:7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730',
    nodeLabel: { key: 'cost-optimizer.secure-agents.io/managed', value: 'true' },
  },
};

export function costOptimizerController(app: App): Chart {
  return new CostOptimizerChart(app, 'cost-optimizer-controller', costOptimizerControllerProps);
}
