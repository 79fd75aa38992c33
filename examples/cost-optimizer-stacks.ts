import { App, LocalBackend } from 'cdktf';
import { AwsCostOptimizerStack, AwsIdentityMode } from '../src/aws';
import { GcpCostOptimizerStack } from '../src/gcp';
import { awsExample, costOptimizerIdentity, gcpExample } from './cost-optimizer-props';

/** Adds both cloud stacks of the cost-optimiser example to a cdktf app. */
export function addCostOptimizerStacks(app: App): void {
  const aws = new AwsCostOptimizerStack(app, 'cost-optimizer-aws', {
    ...costOptimizerIdentity, identityMode: AwsIdentityMode.IRSA,
    region: awsExample.region, vpcId: awsExample.vpcId, nodeRoleName: awsExample.nodeRoleName, oidcIssuer: awsExample.oidcIssuer,
  });
  const gcp = new GcpCostOptimizerStack(app, 'cost-optimizer-gcp', { ...costOptimizerIdentity, ...gcpExample });
  // A relative state path, so the synthesised JSON carries no machine path.
  for (const stack of [aws, gcp]) new LocalBackend(stack, { path: `terraform.${stack.node.id}.tfstate` });
}
