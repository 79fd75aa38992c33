import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformProvider, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { CostOptimizerIdentityProps, CostOptimizerNames, resolveCostOptimizerNames } from '../optimizer/identity';
import { PropValidator } from '../validation';
import {
  clusterTagKey, CLUSTER_TAG_VALUE, costOptimizerPolicy, costOptimizerTrust, IamPolicyDocument, INTERRUPTION_EVENTS,
  interruptionQueuePolicy, QUEUE_REASONS, reasonsOf, STATEMENT_REASONS, TRUST_REASONS, VendorTrust,
} from './iam-model';

/** How the agent's pods obtain the role. */
export enum AwsIdentityMode {
  /** EKS Pod Identity: `pods.eks.amazonaws.com` assumes the role, conditioned on session tags. */
  POD_IDENTITY = 'pod-identity',
  /** IAM Roles for Service Accounts: the cluster's OIDC provider, `:sub` and `:aud` pinned. */
  IRSA = 'irsa',
}

export interface AwsCostOptimizerIdentityProps extends CostOptimizerIdentityProps {
  /** The cluster's region, e.g. `eu-west-1`. Read actions are limited to it with aws:RequestedRegion. */
  readonly region: string;
  /** The cluster's VPC (`vpc-...`): new nodes may use its subnets and security groups only. */
  readonly vpcId: string;
  /** Name of the IAM role that nodes run as; the only role the optimiser may pass (to EC2). */
  readonly nodeRoleName: string;
  /**
   * Name of an existing instance profile that holds `nodeRoleName`, for nodes the optimiser launches.
   * @default - an instance profile `<awsNamePrefix>-nodes` holding the node role is created here,
   *   by Terraform (the optimiser itself may not create or change instance profiles)
   */
  readonly nodeInstanceProfileName?: string;
  /**
   * Let the optimiser create the EC2 Spot service-linked role (`iam:CreateServiceLinkedRole` for
   * `spot.amazonaws.com` only). Set false when the account already has AWSServiceRoleForEC2Spot
   * (`aws iam get-role --role-name AWSServiceRoleForEC2Spot`): then it is a prerequisite.
   * @default true
   */
  readonly createSpotServiceLinkedRole?: boolean;
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
  /**
   * The AWS provider every resource of this construct uses (an aliased provider with its own
   * assume-role or default tags).
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
  /**
   * The partition and account as Terraform expressions, when the stack already has data sources for them.
   * @default - `aws_partition` and `aws_caller_identity` data sources are created in this construct
   */
  readonly partition?: string;
  /**
   * The AWS account id as a Terraform expression (e.g. a data source's `account_id`), used in the ARNs of the
   * policies.
   * @default - see `partition`
   */
  readonly accountId?: string;
  /**
   * Readable Terraform logical ids: each resource is named `<logicalIdPrefix><kind>` (e.g. `prod_role`)
   * instead of cdktf's path-and-hash id. Give each identity in a stack its own prefix.
   * @default - cdktf's ids, unique in any stack
   */
  readonly logicalIdPrefix?: string;
}

/**
 * The cost optimiser's AWS identity as a construct for any TerraformStack: one role (no user, no
 * keys) that may change this cluster's nodes and nothing else, the nodes' instance profile, and the
 * interruption queue fed by EventBridge. Every statement has a Sid, and its reason is written in the
 * block's `//` comment. Bring your own provider, names prefix and data sources.
 */
export class AwsCostOptimizerIdentity extends Construct {
  /** The resolved cluster, namespace, ServiceAccount and AWS names that the role and its trust are built from. */
  public readonly names: CostOptimizerNames;
  /** How the agent assumes the role: EKS Pod Identity (the default) or IRSA. */
  public readonly identityMode: AwsIdentityMode;
  /**
   * AWS region of the cluster, as validated from `region`; the permission policy confines the ARNs it grants
   * to it, and the Pod Identity trust pins the cluster ARN in it.
   */
  public readonly region: string;
  /** Name of the SQS interruption queue, `<awsNamePrefix>-interruptions`. */
  public readonly queueName: string;
  /**
   * Instance profile of the nodes, the only one the optimiser may read and launch nodes with:
   * `nodeInstanceProfileName`, else `<awsNamePrefix>-nodes`.
   */
  public readonly nodeInstanceProfileName: string;
  /** The EventBridge rule names, one per interruption event kind. */
  public readonly ruleNames: string[];
  /** The documents as emitted, with Terraform expressions for partition and account. */
  public readonly permissionPolicy: IamPolicyDocument;
  /**
   * The role's trust policy as emitted: Pod Identity or IRSA for the agent's ServiceAccount, plus the vendor
   * account when given.
   */
  public readonly trustPolicy: IamPolicyDocument;
  /** The optimiser's IAM role (no user, no access keys). */
  public readonly role: IamRole;
  /** The SQS queue that EventBridge feeds with Spot interruption, rebalance, state-change and AWS Health events (SSE, 300 s retention). */
  public readonly queue: SqsQueue;
  /** Every Terraform resource this construct made, by its construct id (for logical-id overrides). */
  public readonly resources: Record<string, TerraformResource> = {};

  constructor(scope: Construct, id: string, props: AwsCostOptimizerIdentityProps) {
    super(scope, id);
    const v = new PropValidator('AwsCostOptimizerIdentity', this.node.path);
    if (props === null || typeof props !== 'object') v.fail('invalid-props', 'props', props, 'is not an object', 'pass the identity\'s props');
    this.names = resolveCostOptimizerNames(v, props, 'aws');
    this.region = validateRegion(v, props.region);
    validateVpcId(v, props.vpcId);
    validateIamName(v, 'nodeRoleName', props.nodeRoleName);
    if (props.nodeInstanceProfileName !== undefined) validateIamName(v, 'nodeInstanceProfileName', props.nodeInstanceProfileName);
    this.identityMode = props.identityMode ?? AwsIdentityMode.POD_IDENTITY;
    v.oneOf('invalid-identity-mode', 'identityMode', this.identityMode, AwsIdentityMode as unknown as Record<string, AwsIdentityMode>, 'an identity mode');
    if (this.identityMode === AwsIdentityMode.IRSA) {
      if (typeof props.oidcIssuer !== 'string' || !/^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[A-Za-z0-9]+$/.test(props.oidcIssuer)) {
        v.fail('invalid-oidc-issuer', 'oidcIssuer', props.oidcIssuer, 'is not an EKS OIDC issuer without the scheme',
          'use the cluster\'s issuer without "https://", e.g. "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"');
      }
    }
    if (props.vendor !== undefined) validateVendor(v, props.vendor);
    if (props.createSpotServiceLinkedRole !== undefined && typeof props.createSpotServiceLinkedRole !== 'boolean') {
      v.fail('invalid-boolean', 'createSpotServiceLinkedRole', props.createSpotServiceLinkedRole, 'is not a boolean', 'use true or false');
    }
    for (const prop of ['partition', 'accountId'] as const) {
      if (props[prop] !== undefined && (typeof props[prop] !== 'string' || props[prop] === '')) {
        v.fail('invalid-expression', prop, props[prop], 'is not a string', `use a Terraform expression, e.g. the ${prop} attribute of a data source`);
      }
    }
    const provider = props.provider;
    const idPrefix = props.logicalIdPrefix;
    if (idPrefix !== undefined && (typeof idPrefix !== 'string' || !/^([A-Za-z_][A-Za-z0-9_-]*)?$/.test(idPrefix))) {
      v.fail('invalid-logical-id-prefix', 'logicalIdPrefix', idPrefix, 'is not a Terraform identifier prefix', 'use e.g. "prod_"');
    }
    const add = <T extends TerraformResource>(key: string, r: T): T => {
      if (idPrefix !== undefined) r.overrideLogicalId(`${idPrefix}${key}`);
      this.resources[key] = r;
      return r;
    };

    let P = props.partition;
    let A = props.accountId;
    if (P === undefined) P = new DataAwsPartition(this, 'partition', { provider }).partition;
    if (A === undefined) A = new DataAwsCallerIdentity(this, 'caller', { provider }).accountId;
    const n = this.names;
    const ownTag = { [clusterTagKey(n.clusterName)]: CLUSTER_TAG_VALUE };

    this.queueName = `${n.awsNamePrefix}-interruptions`;
    this.queue = add('interruption_queue', new SqsQueue(this, 'interruption_queue', {
      provider, name: this.queueName, messageRetentionSeconds: 300, sqsManagedSseEnabled: true, tags: ownTag,
    }));
    this.ruleNames = [];
    const rules = INTERRUPTION_EVENTS.map((e) => {
      const key = e.name.replace(/-/g, '_');
      const name = `${n.awsNamePrefix}-${e.name}`;
      this.ruleNames.push(name);
      const rule = add(`${key}_rule`, new CloudwatchEventRule(this, `${key}_rule`, {
        provider, name, eventPattern: JSON.stringify(e.pattern),
        description: `Feeds ${e.name} events to the cost optimiser of ${n.clusterName}`, tags: ownTag,
      }));
      add(`${key}_target`, new CloudwatchEventTarget(this, `${key}_target`, { provider, rule: rule.name, arn: this.queue.arn, targetId: 'interruption-queue' }));
      return rule;
    });
    const queueDoc = interruptionQueuePolicy(this.queue.arn, rules.map((r) => r.arn));
    const queuePolicy = add('interruption_queue_policy', new SqsQueuePolicy(this, 'interruption_queue_policy', {
      provider, queueUrl: this.queue.url, policy: JSON.stringify(queueDoc),
    }));
    writeReasons(queuePolicy, reasonsOf(queueDoc, QUEUE_REASONS));

    this.trustPolicy = costOptimizerTrust(
      this.identityMode === AwsIdentityMode.IRSA
        ? { kind: 'irsa', partition: P, accountId: A, oidcIssuer: props.oidcIssuer!, namespace: n.namespace, serviceAccountName: n.serviceAccountName }
        : { kind: 'pod-identity', partition: P, accountId: A, region: this.region, clusterName: n.clusterName, namespace: n.namespace, serviceAccountName: n.serviceAccountName },
      props.vendor,
    );
    this.role = add('role', new IamRole(this, 'role', {
      provider, name: n.awsRoleName, assumeRolePolicy: JSON.stringify(this.trustPolicy), maxSessionDuration: 3600,
      description: `Cost optimiser of EKS cluster ${n.clusterName}: changes this cluster's nodes only`.slice(0, 1000), tags: ownTag,
    }));
    writeReasons(this.role, reasonsOf(this.trustPolicy, TRUST_REASONS));

    if (props.nodeInstanceProfileName !== undefined) {
      this.nodeInstanceProfileName = props.nodeInstanceProfileName;
    } else {
      this.nodeInstanceProfileName = `${n.awsNamePrefix}-nodes`;
      add('node_instance_profile', new IamInstanceProfile(this, 'node_instance_profile', {
        provider, name: this.nodeInstanceProfileName, role: props.nodeRoleName, tags: ownTag,
      }));
    }
    this.permissionPolicy = costOptimizerPolicy({
      partition: P, accountId: A, region: this.region, clusterName: n.clusterName, vpcId: props.vpcId,
      nodeRoleName: props.nodeRoleName, nodeInstanceProfileName: this.nodeInstanceProfileName, queueName: this.queueName,
      createSpotServiceLinkedRole: props.createSpotServiceLinkedRole,
    });
    const permissions = add('permissions', new IamRolePolicy(this, 'permissions', {
      provider, name: 'cost-optimizer', role: this.role.name, policy: JSON.stringify(this.permissionPolicy),
    }));
    writeReasons(permissions, reasonsOf(this.permissionPolicy, STATEMENT_REASONS));
    if (this.identityMode === AwsIdentityMode.POD_IDENTITY) {
      add('pod_identity', new EksPodIdentityAssociation(this, 'pod_identity', {
        provider, clusterName: n.clusterName, namespace: n.namespace, serviceAccount: n.serviceAccountName, roleArn: this.role.arn,
      }));
    }
  }

  /** The role's ARN (a Terraform expression). */
  public get roleArn(): string { return this.role.arn; }
  /** The interruption queue's URL (a Terraform expression). */
  public get queueUrl(): string { return this.queue.url; }
}

/** Writes `"//": {"secure-agents": {"reasons": ...}}` on a block (docs/reasons-in-output.md). */
export function writeReasons(resource: TerraformResource, reasons: Record<string, string>): void {
  resource.addOverride('//', { 'secure-agents': { reasons } });
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

function validateIamName(v: PropValidator, prop: string, value: string): void {
  if (typeof value !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(value)) {
    v.fail('invalid-iam-name', prop, value, 'is not a valid IAM name (1 to 64 letters, digits or +=,.@_-)', 'use e.g. "prod-eu-1-node"');
  }
}

function validateVendor(v: PropValidator, vendor: VendorTrust): void {
  if (vendor === null || typeof vendor !== 'object') v.fail('invalid-vendor', 'vendor', vendor, 'is not an object', 'use { accountId, externalId }');
  if (typeof vendor.accountId !== 'string' || !/^\d{12}$/.test(vendor.accountId)) {
    v.fail('invalid-account-id', 'vendor.accountId', vendor.accountId, 'is not a 12-digit AWS account id', 'use the vendor\'s account id, e.g. "123456789012"');
  }
  if (typeof vendor.externalId !== 'string' || !/^[\w+=,.@:/-]{2,1224}$/.test(vendor.externalId)) {
    // The external id is a shared secret: never echo it.
    v.fail('invalid-external-id', 'vendor.externalId', '(hidden)',
      'is not a valid sts:ExternalId (2 to 1224 letters, digits or +=,.@:/-)', 'use the unique id the vendor gave you, e.g. "acme-7f3c9e2a"');
  }
}
