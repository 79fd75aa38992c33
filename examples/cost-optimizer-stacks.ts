import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsCostOptimizerIdentity, AwsCostOptimizerStack, AwsIdentityMode } from '../src/aws';
import { GcpCostOptimizerIdentity, GcpCostOptimizerStack, GcpWorkloadPrincipal } from '../src/gcp';
import { awsExample, costOptimizerIdentity, gcpExample } from './cost-optimizer-props';

/** Adds the cloud stacks of the cost-optimiser example to a cdktf app. */
export function addCostOptimizerStacks(app: App): void {
  // Ready stacks: each makes its own provider.
  const aws = new AwsCostOptimizerStack(app, 'cost-optimizer-aws', {
    ...costOptimizerIdentity, identityMode: AwsIdentityMode.IRSA,
    region: awsExample.region, vpcId: awsExample.vpcId, nodeRoleName: awsExample.nodeRoleName, oidcIssuer: awsExample.oidcIssuer,
  });
  const gcp = new GcpCostOptimizerStack(app, 'cost-optimizer-gcp', { ...costOptimizerIdentity, ...gcpExample });
  // A platform team's own stack: its providers (assume-role, impersonation, default tags), its names,
  // and the identities of the canary cluster composed into it.
  const team = new TerraformStack(app, 'cost-optimizer-team');
  const platformAws = new AwsProvider(team, 'aws_platform', {
    alias: 'platform', region: awsExample.region,
    assumeRole: [{ roleArn: `arn:aws:iam::${awsExample.accountId}:role/platform-terraform`, sessionName: 'cost-optimizer' }],
    defaultTags: [{ tags: { team: 'platform', 'managed-by': 'terraform' } }],
  });
  const canaryAws = new AwsCostOptimizerIdentity(team, 'canary_aws', {
    clusterName: 'prod-eu-1-canary', region: awsExample.region, vpcId: awsExample.vpcId, nodeRoleName: 'prod-eu-1-canary-node',
    nodeInstanceProfileName: 'prod-eu-1-canary-nodes', createSpotServiceLinkedRole: false,
    provider: platformAws, logicalIdPrefix: 'canary_',
  });
  const platformGoogle = new GoogleProvider(team, 'google_platform', {
    alias: 'platform', project: gcpExample.projectId, impersonateServiceAccount: `platform-terraform@${gcpExample.projectId}.iam.gserviceaccount.com`,
  });
  const canaryGcp = new GcpCostOptimizerIdentity(team, 'canary_gcp', {
    clusterName: 'prod-eu-1-canary', gcpServiceAccountId: 'cost-opt-eu1-canary', ...gcpExample,
    nodeZones: ['europe-west1-b', 'europe-west1-c'], workloadPrincipal: GcpWorkloadPrincipal.CLUSTER, allowNodePoolResize: true,
    provider: platformGoogle, logicalIdPrefix: 'canary_',
  });
  new TerraformOutput(team, 'canary_role_arn', { value: canaryAws.roleArn });
  new TerraformOutput(team, 'canary_queue_url', { value: canaryAws.queueUrl });
  new TerraformOutput(team, 'canary_service_account_email', { value: canaryGcp.serviceAccountEmail });
  new TerraformOutput(team, 'canary_node_resource_manager_tags', { value: canaryGcp.nodeResourceManagerTags });
  // A relative state path, so the synthesised JSON carries no machine path.
  for (const stack of [aws, gcp, team]) new LocalBackend(stack, { path: `terraform.${stack.node.id}.tfstate` });
}
