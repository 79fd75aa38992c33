// The chart's ServiceAccount annotation and the cloud stacks derive the same names, long cluster names included.
import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { AwsCostOptimizerStack, AwsIdentityMode } from '../../src/stacks/aws-cost-optimizer';
import { CostOptimizerChart } from '../../src/stacks/cost-optimizer';
import { GcpCostOptimizerStack } from '../../src/stacks/gcp-cost-optimizer';
import { synth } from '../helpers/synth';

const IMAGE = 'ghcr.io/example/optimizer-agent:2.3.0';
const LONG_EKS = `prod-${'x'.repeat(60)}`;
const LONG_GKE = 'prod-europe-west1-canary-blue';

describe('derived names agree between the chart and the stacks', () => {
  it('AWS: a long cluster name with awsNamePrefix: the IRSA annotation names the role the stack creates', () => {
    const props = { clusterName: LONG_EKS, awsNamePrefix: 'prod-long' };
    const objects = synth((app) => { new CostOptimizerChart(app, 'c', { ...props, image: IMAGE, apiServer: { cidrs: ['10.0.0.1/32'] }, binding: { kind: 'eks-irsa', accountId: '111122223333' } }); });
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    const stack = new AwsCostOptimizerStack(Testing.app(), 'a', { ...props, region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', nodeRoleName: 'n',
      identityMode: AwsIdentityMode.IRSA, oidcIssuer: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC' });
    const role = JSON.parse(Testing.synth(stack)).resource.aws_iam_role.role.name;
    expect(role).toBe('prod-long-cost-optimizer');
    expect(sa.metadata.annotations!['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::111122223333:role/${role}`);
  });

  it('AWS: a long cluster name without a prefix is refused by the chart and the stack alike', () => {
    const errs: unknown[] = [];
    try { new CostOptimizerChart(new App(), 'c', { clusterName: LONG_EKS, image: IMAGE, apiServer: { cidrs: ['10.0.0.1/32'] }, binding: { kind: 'eks-irsa', accountId: '111122223333' } }); } catch (e) { errs.push(e); }
    try { new AwsCostOptimizerStack(Testing.app(), 'a', { clusterName: LONG_EKS, region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', nodeRoleName: 'n' }); } catch (e) { errs.push(e); }
    expect(errs).toHaveLength(2);
    for (const e of errs) expect((e as ValidationError).prop).toBe('clusterName');
  });

  it('GCP: a long cluster name with gcpServiceAccountId: the annotation names the service account the stack creates', () => {
    const props = { clusterName: LONG_GKE, gcpServiceAccountId: 'cost-opt-canary-bg' };
    const objects = synth((app) => { new CostOptimizerChart(app, 'c', { ...props, image: IMAGE, apiServer: { cidrs: ['10.0.0.1/32'] }, binding: { kind: 'gke', projectId: 'acme-prod' } }); });
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    const stack = new GcpCostOptimizerStack(Testing.app(), 'g', { ...props, projectId: 'acme-prod', location: 'europe-west1', subnetwork: 'europe-west1/nodes',
      nodeServiceAccountEmail: 'gke-nodes@acme-prod.iam.gserviceaccount.com' });
    expect(sa.metadata.annotations!['iam.gke.io/gcp-service-account']).toBe(stack.serviceAccountEmail);
    expect(stack.serviceAccountEmail).toBe('cost-opt-canary-bg@acme-prod.iam.gserviceaccount.com');
  });
});
