import { Construct } from 'constructs';
import { PolicyCheck, PolicyCheckProps } from '../constructs/policy-check';
import { SecureChart } from '../constructs/secure-chart';
import { OptimizerAgent, OptimizerAgentProps } from '../constructs/optimizer/optimizer-agent';

export interface CostOptimizerChartProps extends OptimizerAgentProps {
  /**
   * Options of the policy checker that runs on this chart at synthesis.
   * @default - the restricted profile and every rule
   */
  readonly policyCheck?: PolicyCheckProps;
}

/** The cost optimiser's in-cluster side: the read-only agent, bound to the cloud identity of the stacks. */
export class CostOptimizerChart extends SecureChart {
  public readonly agent: OptimizerAgent;
  /** Fails synthesis on any unexempted error of the checker. */
  public readonly policyCheck: PolicyCheck;

  constructor(scope: Construct, id: string, props: CostOptimizerChartProps) {
    super(scope, id, { namespace: props.namespace ?? 'cost-optimizer' });
    const { policyCheck, ...agentProps } = props;
    this.policyCheck = new PolicyCheck(this, 'policy-check', policyCheck);
    this.agent = new OptimizerAgent(this, 'optimizer', agentProps);
  }
}
