import { Construct } from 'constructs';
import { SecureChart } from '../constructs/secure-chart';
import { OptimizerAgent, OptimizerAgentProps } from '../constructs/optimizer/optimizer-agent';

export type CostOptimizerChartProps = OptimizerAgentProps;

/** The cost optimiser's in-cluster side: the read-only agent, bound to the cloud identity of the stacks. */
export class CostOptimizerChart extends SecureChart {
  public readonly agent: OptimizerAgent;

  constructor(scope: Construct, id: string, props: CostOptimizerChartProps) {
    super(scope, id, { namespace: props.namespace ?? 'cost-optimizer' });
    this.agent = new OptimizerAgent(this, 'optimizer', props);
  }
}
