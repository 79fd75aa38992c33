import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  costOptimizerPolicy, costOptimizerTrust, IamPolicyDocument, INTERRUPTION_EVENTS, interruptionQueuePolicy, VendorTrust,
} from '../constructs/aws/iam-model';
import { CostOptimizerIdentityProps, CostOptimizerNames, resolveCostOptimizerNames } from '../constructs/optimizer/identity';
import { PropValidator } from '../constructs/validation';

/** How the agent's pods obtain the role. */
export enum AwsIdentityMode {
  /** EKS Pod Identity: `pods.eks.amazonaws.com` assumes the role, conditioned on session tags. */
  POD_IDENTITY = 'pod-identity',
  /** IAM Roles for Service Accounts: the cluster's OIDC provider, `:sub` and `:aud` pinned. */
  IRSA = 'irsa',
}

export interface AwsCostOptimizerStackProps extends CostOptimizerIdentityProps {
  /** The cluster's region, e.g. `eu-west-1`. Read actions are limited to it with aws:RequestedRegion. */
  readonly region: string;
  /** The cluster's VPC (`vpc-...`): new nodes may use its subnets only. */
  readonly vpcId: string;
  /** Name of the IAM role that nodes run as; the only role the optimiser may pass (to EC2). */
  readonly nodeRoleName: string;
  /**
   * How pods assume the role.
   * @default AwsIdentityMode.POD_IDENTITY
   */
  readonly identityMode?: AwsIdentityMode;
  /**
   * The cluster's OIDC issuer without `https://` (`oidc.eks.<region>.amazonaws.com/id/<ID>`). Required for IRSA.
   * @default - none (Pod Identity needs no issuer)
   */
  readonly oidcIssuer?: string;
  /**
   * The vendor's AWS account, allowed to assume the role only with `sts:ExternalId`.
   * @default - no vendor access
   */
  readonly vendor?: VendorTrust;
}

/**
 * The cost optimiser's AWS side: one role (no user, no keys) that may change this cluster's nodes
 * and nothing else, and the interruption queue fed by EventBridge. All ARNs use the partition data source.
 */
export class AwsCostOptimizerStack extends TerraformStack {
  public readonly names: CostOptimizerNames;
  public readonly identityMode: AwsIdentityMode;
  public readonly region: string;
  public readonly queueName: string;
  /** The documents as emitted, with Terraform expressions for partition and account. */
  public readonly permissionPolicy: IamPolicyDocument;
  public readonly trustPolicy: IamPolicyDocument;

  constructor(scope: Construct, id: string, props: AwsCostOptimizerStackProps) {
    super(scope, id);
    const v = new PropValidator('AwsCostOptimizerStack', this.node.path);
    this.names = resolveCostOptimizerNames(v, props, 'aws');
    this.region = validateRegion(v, props.region);
    validateVpcId(v, props.vpcId);
    if (typeof props.nodeRoleName !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(props.nodeRoleName)) {
      v.fail('invalid-role-name', 'nodeRoleName', props.nodeRoleName, 'is not a valid IAM role name', 'use e.g. "prod-eu-1-node"');
    }
    this.identityMode = props.identityMode ?? AwsIdentityMode.POD_IDENTITY;
    if (this.identityMode === AwsIdentityMode.IRSA) {
      if (typeof props.oidcIssuer !== 'string' || !/^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[A-Za-z0-9]+$/.test(props.oidcIssuer)) {
        v.fail('invalid-oidc-issuer', 'oidcIssuer', props.oidcIssuer, 'is not an EKS OIDC issuer without the scheme',
          'use the cluster\'s issuer without "https://", e.g. "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"');
      }
    }
    if (props.vendor) validateVendor(v, props.vendor);

    new AwsProvider(this, 'aws', { region: this.region });
    const partition = new DataAwsPartition(this, 'partition');
    partition.overrideLogicalId('current');
    const caller = new DataAwsCallerIdentity(this, 'caller');
    caller.overrideLogicalId('current');
    const P = partition.partition;
    const A = caller.accountId;
    const n = this.names;

    this.queueName = `${n.clusterName}-interruptions`;
    const queue = new SqsQueue(this, 'interruption_queue', {
      name: this.queueName, messageRetentionSeconds: 300, sqsManagedSseEnabled: true,
      tags: { [`kubernetes.io/cluster/${n.clusterName}`]: 'owned' },
    });
    const rules = INTERRUPTION_EVENTS.map((e) => {
      const rule = new CloudwatchEventRule(this, `${e.name.replace(/-/g, '_')}_rule`, {
        name: `${n.clusterName}-${e.name}`.slice(0, 64), eventPattern: JSON.stringify(e.pattern),
        description: `Feeds ${e.name} events to the cost optimiser of ${n.clusterName}`,
      });
      new CloudwatchEventTarget(this, `${e.name.replace(/-/g, '_')}_target`, { rule: rule.name, arn: queue.arn, targetId: 'interruption-queue' });
      return rule;
    });
    new SqsQueuePolicy(this, 'interruption_queue_policy', {
      queueUrl: queue.url, policy: JSON.stringify(interruptionQueuePolicy(queue.arn, rules.map((r) => r.arn))),
    });

    this.trustPolicy = costOptimizerTrust(
      this.identityMode === AwsIdentityMode.IRSA
        ? { kind: 'irsa', partition: P, accountId: A, oidcIssuer: props.oidcIssuer!, namespace: n.namespace, serviceAccountName: n.serviceAccountName }
        : { kind: 'pod-identity', partition: P, accountId: A, clusterName: n.clusterName, namespace: n.namespace, serviceAccountName: n.serviceAccountName },
      props.vendor,
    );
    const role = new IamRole(this, 'role', {
      name: n.awsRoleName, assumeRolePolicy: JSON.stringify(this.trustPolicy), maxSessionDuration: 3600,
      description: `Cost optimiser of EKS cluster ${n.clusterName}: changes this cluster's nodes only`,
      tags: { [`kubernetes.io/cluster/${n.clusterName}`]: 'owned' },
    });
    this.permissionPolicy = costOptimizerPolicy({
      partition: P, accountId: A, region: this.region, clusterName: n.clusterName, vpcId: props.vpcId,
      nodeRoleName: props.nodeRoleName, queueName: this.queueName,
    });
    new IamRolePolicy(this, 'permissions', { name: 'cost-optimizer', role: role.name, policy: JSON.stringify(this.permissionPolicy) });
    if (this.identityMode === AwsIdentityMode.POD_IDENTITY) {
      new EksPodIdentityAssociation(this, 'pod_identity', {
        clusterName: n.clusterName, namespace: n.namespace, serviceAccount: n.serviceAccountName, roleArn: role.arn,
      });
    }
  }
}

export function validateRegion(v: PropValidator, region: string): string {
  if (typeof region !== 'string' || !/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(region)) {
    v.fail('invalid-region', 'region', region, 'is not an AWS region code', 'use e.g. "eu-west-1"');
  }
  return region;
}

export function validateVpcId(v: PropValidator, vpcId: string): string {
  if (typeof vpcId !== 'string' || !/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(vpcId)) {
    v.fail('invalid-vpc-id', 'vpcId', vpcId, 'is not a VPC id ("vpc-" and 8 or 17 hexadecimal digits)', 'use e.g. "vpc-0a1b2c3d4e5f67890"');
  }
  return vpcId;
}

function validateVendor(v: PropValidator, vendor: VendorTrust): void {
  if (typeof vendor.accountId !== 'string' || !/^\d{12}$/.test(vendor.accountId)) {
    v.fail('invalid-account-id', 'vendor.accountId', vendor.accountId, 'is not a 12-digit AWS account id', 'use the vendor\'s account id, e.g. "123456789012"');
  }
  if (typeof vendor.externalId !== 'string' || !/^[\w+=,.@:/-]{2,1224}$/.test(vendor.externalId)) {
    v.fail('invalid-external-id', 'vendor.externalId', vendor.externalId,
      'is not a valid sts:ExternalId (2 to 1224 letters, digits or +=,.@:/-)', 'use the unique id the vendor gave you, e.g. "acme-7f3c9e2a"');
  }
}
