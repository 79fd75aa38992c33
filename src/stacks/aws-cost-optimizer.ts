import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsCostOptimizerIdentity, AwsCostOptimizerIdentityProps, AwsIdentityMode } from '../constructs/aws/cost-optimizer-identity';
import { IamPolicyDocument } from '../constructs/aws/iam-model';
import { CostOptimizerNames } from '../constructs/optimizer/identity';
import { PropValidator } from '../constructs/validation';

export { AwsIdentityMode, validateRegion, validateVpcId } from '../constructs/aws/cost-optimizer-identity';

export type AwsCostOptimizerStackProps = Omit<AwsCostOptimizerIdentityProps, 'provider' | 'partition' | 'accountId' | 'logicalIdPrefix'>;

/**
 * A ready stack around `AwsCostOptimizerIdentity`: its own AWS provider in the cluster's region, the
 * partition and account data sources, and outputs `role_arn`, `queue_url`, `node_instance_profile`.
 * To use your own provider (assume-role, default tags) and names, put `AwsCostOptimizerIdentity` in
 * your own stack instead.
 */
export class AwsCostOptimizerStack extends TerraformStack {
  /** The `AwsCostOptimizerIdentity` the stack wraps (role, queue, rules, instance profile). */
  public readonly identity: AwsCostOptimizerIdentity;
  /** The resolved cluster, namespace, ServiceAccount and AWS names (`identity.names`). */
  public readonly names: CostOptimizerNames;
  /** How the agent assumes the role: EKS Pod Identity (the default) or IRSA. */
  public readonly identityMode: AwsIdentityMode;
  /** AWS region of the cluster and of the stack's provider. */
  public readonly region: string;
  /** Name of the SQS interruption queue, `<awsNamePrefix>-interruptions`. */
  public readonly queueName: string;
  /** The role's permission policy as emitted, with Terraform expressions for partition and account. */
  public readonly permissionPolicy: IamPolicyDocument;
  /** The role's trust policy as emitted (Pod Identity or IRSA, plus the vendor account when given). */
  public readonly trustPolicy: IamPolicyDocument;

  constructor(scope: Construct, id: string, props: AwsCostOptimizerStackProps) {
    super(scope, id);
    if (props === null || typeof props !== 'object') {
      new PropValidator('AwsCostOptimizerStack', this.node.path).fail('invalid-props', 'props', props, 'is not an object', 'pass the stack\'s props');
    }
    const region = typeof props.region === 'string' ? props.region : undefined;
    new AwsProvider(this, 'aws', { region });
    const partition = new DataAwsPartition(this, 'partition');
    partition.overrideLogicalId('current');
    const caller = new DataAwsCallerIdentity(this, 'caller');
    caller.overrideLogicalId('current');
    this.identity = new AwsCostOptimizerIdentity(this, 'identity', {
      ...props, partition: partition.partition, accountId: caller.accountId, logicalIdPrefix: '',
    });
    this.names = this.identity.names;
    this.identityMode = this.identity.identityMode;
    this.region = this.identity.region;
    this.queueName = this.identity.queueName;
    this.permissionPolicy = this.identity.permissionPolicy;
    this.trustPolicy = this.identity.trustPolicy;
    new TerraformOutput(this, 'role_arn', { value: this.identity.roleArn, description: 'ARN of the cost optimiser\'s role' });
    new TerraformOutput(this, 'queue_url', { value: this.identity.queueUrl, description: 'URL of the interruption queue the optimiser reads' });
    new TerraformOutput(this, 'node_instance_profile', { value: this.identity.nodeInstanceProfileName, description: 'Instance profile the optimiser launches nodes with' });
  }
}
