// The chart side (OptimizerAgent's annotation) and the cloud stacks derive their names with the same
// resolveCostOptimizerNames; these tests hold it to the names the stacks create, long cluster names included.
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { resolveCostOptimizerNames } from '../../src/constructs/optimizer/identity';
import { PropValidator } from '../../src/constructs/validation';
import { AwsCostOptimizerStack, AwsIdentityMode } from '../../src/stacks/aws-cost-optimizer';
import { GcpCostOptimizerStack } from '../../src/stacks/gcp-cost-optimizer';
import { expectValidationError } from '../helpers/errors';

const LONG_EKS = `prod-${'x'.repeat(60)}`;
const LONG_GKE = 'prod-europe-west1-canary-blue';
const chartSide = (props: any, cloud: 'aws' | 'gcp') => resolveCostOptimizerNames(new PropValidator('OptimizerAgent', 'c/optimizer'), props, cloud);

describe('derived names agree between the chart side and the stacks', () => {
  it('AWS: a long cluster name with awsNamePrefix: the chart names the role the stack creates', () => {
    const props = { clusterName: LONG_EKS, awsNamePrefix: 'prod-long' };
    const stack = new AwsCostOptimizerStack(Testing.app(), 'a', { ...props, region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', nodeRoleName: 'n',
      identityMode: AwsIdentityMode.IRSA, oidcIssuer: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC' });
    const role = JSON.parse(Testing.synth(stack)).resource.aws_iam_role.role.name;
    expect(role).toBe('prod-long-cost-optimizer');
    expect(chartSide(props, 'aws').awsRoleName).toBe(role);
  });

  it('AWS: a long cluster name without a prefix is refused by the chart side and the stack alike', () => {
    expectValidationError(() => chartSide({ clusterName: LONG_EKS }, 'aws'), { prop: 'clusterName' });
    expectValidationError(() => new AwsCostOptimizerStack(Testing.app(), 'a', { clusterName: LONG_EKS, region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', nodeRoleName: 'n' }), { prop: 'clusterName' });
    // A chart without a cloud binding needs no AWS name, and refuses nothing for it.
    expect(() => chartSide({ clusterName: LONG_EKS }, 'any' as any)).not.toThrow();
  });

  it('GCP: a long cluster name with gcpServiceAccountId: the chart names the service account the stack creates', () => {
    const props = { clusterName: LONG_GKE, gcpServiceAccountId: 'cost-opt-canary-bg' };
    const stack = new GcpCostOptimizerStack(Testing.app(), 'g', { ...props, projectId: 'acme-prod', location: 'europe-west1', subnetwork: 'europe-west1/nodes',
      nodeServiceAccountEmail: 'gke-nodes@acme-prod.iam.gserviceaccount.com' });
    expect(`${chartSide(props, 'gcp').gcpServiceAccountId}@acme-prod.iam.gserviceaccount.com`).toBe(stack.serviceAccountEmail);
    expect(JSON.parse(Testing.synth(stack)).resource.google_service_account.service_account.account_id).toBe('cost-opt-canary-bg');
  });
});
