/**
 * The cost optimiser's AWS IAM model in plain TypeScript: statements, conditions and trust
 * policies as data. cdktf only emits what these functions return (DESIGN.md: CDKTF is archived).
 */

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface IamStatement {
  /** Statement id; every statement the library makes has one, and its reason is keyed by it. */
  readonly Sid: string;
  /** Whether the statement allows or denies the actions. */
  readonly Effect: 'Allow' | 'Deny';
  /** Who the statement applies to, in trust and resource policies, e.g. `{ Service: "pods.eks.amazonaws.com" }`. */
  readonly Principal?: Record<string, string | string[]> | '*';
  /** IAM actions, `service:Action`, e.g. `ec2:RunInstances`. */
  readonly Action: string[];
  /** ARNs the actions apply to (Terraform expressions allowed); absent in trust policies. */
  readonly Resource?: string[];
  /**
   * IAM condition block: operator, then condition key, then value(s), e.g. `{ StringEquals: {
   * "aws:ResourceTag/x": "owned" } }`.
   */
  readonly Condition?: ConditionBlock;
}

export interface IamPolicyDocument {
  /** IAM policy language version; always `2012-10-17`. */
  readonly Version: '2012-10-17';
  /** The statements of the document. */
  readonly Statement: IamStatement[];
}

/** The tag that marks a resource as this cluster's: `kubernetes.io/cluster/<name>` = `owned`. */
export function clusterTagKey(clusterName: string): string {
  return `kubernetes.io/cluster/${clusterName}`;
}
export const CLUSTER_TAG_VALUE = 'owned';

/** Tag keys the optimiser may set on an existing instance of this cluster (aws:TagKeys). */
export const RETAG_KEYS: readonly string[] = ['Name', 'cost-optimizer/managed', 'cost-optimizer/node-pool'];

/** Everything the permission policy depends on. Partition and account may be Terraform expressions. */
export interface CostOptimizerPolicyInput {
  /** AWS partition (`aws`, `aws-cn`, `aws-us-gov`), or a Terraform expression for it, used in every ARN. */
  readonly partition: string;
  /** AWS account id of the cluster, or a Terraform expression for it, used in every ARN. */
  readonly accountId: string;
  /** AWS region of the cluster, e.g. `eu-west-1`, named in the granted ARNs and the `aws:RequestedRegion` condition. */
  readonly region: string;
  /**
   * EKS cluster name; it names the `kubernetes.io/cluster/<name>` tag that marks the resources the optimiser
   * may change.
   */
  readonly clusterName: string;
  /** Id of the cluster's VPC (`vpc-...`), the only VPC in which the optimiser may launch instances. */
  readonly vpcId: string;
  /** Name of the nodes' IAM role, the only role the optimiser may pass to the instances it launches. */
  readonly nodeRoleName: string;
  /** The nodes' instance profile: the only one the optimiser may read, to launch nodes with it. */
  readonly nodeInstanceProfileName: string;
  /** Name of the SQS interruption queue the optimiser reads and deletes messages from. */
  readonly queueName: string;
  /**
   * Grant `iam:CreateServiceLinkedRole` for `spot.amazonaws.com` only. Without it, the EC2 Spot
   * service-linked role (AWSServiceRoleForEC2Spot) is a prerequisite the account must already have.
   * @default true
   */
  readonly createSpotServiceLinkedRole?: boolean;
}

/** How the role is assumed. `region` pins the cluster ARN of a Pod Identity session. */
export type TrustInput =
  | { readonly kind: 'pod-identity'; readonly partition: string; readonly accountId: string; readonly region: string; readonly clusterName: string; readonly namespace: string; readonly serviceAccountName: string }
  | { readonly kind: 'irsa'; readonly partition: string; readonly accountId: string; readonly oidcIssuer: string; readonly namespace: string; readonly serviceAccountName: string };

export interface VendorTrust {
  /** The vendor's 12-digit AWS account id, allowed to assume the role. */
  readonly accountId: string;
  /**
   * The `sts:ExternalId` the vendor must present (2 to 1224 characters of letters, digits and `+=,.@:/-`);
   * never echoed in errors.
   */
  readonly externalId: string;
}

/**
 * Read actions, each with the step that needs it. All of them accept only Resource "*", so the
 * statement is scoped by aws:RequestedRegion.
 */
export const READ_ACTIONS: Readonly<Record<string, string>> = {
  'autoscaling:DescribeAutoScalingGroups': 'find the cluster\'s groups and their sizes before scaling one',
  'autoscaling:DescribeScalingActivities': 'see why a scale-up of a group failed (no capacity, bad template)',
  'ec2:DescribeAvailabilityZones': 'map subnets to zones when choosing where a node goes',
  'ec2:DescribeCapacityReservations': 'use open capacity reservations before buying on-demand or Spot capacity',
  'ec2:DescribeImages': 'resolve the AMI id of a node image and its architecture',
  'ec2:DescribeInstanceTypeOfferings': 'know which instance types each zone offers',
  'ec2:DescribeInstanceTypes': 'size nodes: CPU, memory, GPUs and ENI limits of each type',
  'ec2:DescribeInstances': 'see the cluster\'s nodes, their state and their tags',
  'ec2:DescribeLaunchTemplateVersions': 'read the node groups\' launch templates to copy their settings',
  'ec2:DescribeLaunchTemplates': 'find the launch templates tagged for this cluster',
  'ec2:DescribeSecurityGroups': 'find the cluster\'s node security groups',
  'ec2:DescribeSpotPriceHistory': 'compare Spot prices across types and zones',
  'ec2:DescribeSubnets': 'find the cluster\'s subnets and their free addresses',
};

/** Why each statement exists: the same words reach the Terraform output next to the Sid. */
export const STATEMENT_REASONS: Record<string, string> = {
  ReadInClusterRegion: 'list instances, types, prices, reservations and groups in the cluster\'s region to size nodes',
  ReadPricing: 'the Price List API answers only in its own regions, so it cannot carry the cluster\'s region',
  ReadNodeImageParameters: 'look up the current EKS-optimised or Bottlerocket AMI id through AWS\'s public SSM parameters',
  ReadThisCluster: 'read this cluster and list its node groups, nothing else in EKS',
  CreateOnlyTaggedForCluster: 'launch nodes only when the request tags them for this cluster',
  CreateTemplatesOnlyTaggedForCluster: 'create launch templates only when the request tags them for this cluster',
  LaunchIntoClusterVpc: 'new nodes may use subnets and security groups of the cluster\'s VPC only',
  LaunchFromImages: 'new nodes boot from AMIs, which carry no cluster tag',
  LaunchFromClusterTemplates: 'new nodes use launch templates tagged for this cluster only',
  LaunchIntoCapacityReservations: 'new nodes may consume the region\'s capacity reservations, which carry no cluster tag',
  TagOnlyAtCreation: 'tag resources only in the call that creates them',
  RetagClusterInstances: 'update a limited set of tags on instances already tagged for this cluster',
  DeleteOnlyClusterResources: 'terminate drained nodes and delete launch templates tagged for this cluster',
  ScaleOnlyClusterGroups: 'resize and drain Auto Scaling groups tagged for this cluster',
  DenyGroupNetworkOrTemplateChange: 'a group\'s service-linked role launches wherever the group points, unseen by the ec2:Vpc condition: never change a group\'s subnets',
  DenyGroupLaunchConfigurationChange: 'a launch configuration carries no cluster tag: never point a group at one (launch templates are checked by RunInstances)',
  ChangeOnlyClusterNodeGroups: 'resize node groups of this cluster only',
  ReadNodeInstanceProfile: 'resolve the nodes\' instance profile, the only one new nodes are launched with',
  PassOnlyNodeRole: 'hand the node role to EC2 (global and China partitions) and nothing else',
  CreateSpotServiceLinkedRole: 'the first Spot launch in an account creates the EC2 Spot service-linked role; no other service\'s',
  ConsumeInterruptionQueue: 'read and delete interruption events from this cluster\'s queue only',
};

/** Why each trust statement exists. */
export const TRUST_REASONS: Record<string, string> = {
  EksPodIdentityForAgentServiceAccount: 'EKS Pod Identity for the agent\'s service account in this one cluster (ARN and name pinned), namespace and service account pinned',
  IrsaForAgentServiceAccount: 'IRSA for the agent\'s service account: the cluster\'s own OIDC issuer, :sub and :aud pinned',
  VendorAccountWithExternalId: 'the vendor\'s account may assume the role only with the agreed external id',
};

/** Why each queue policy statement exists. */
export const QUEUE_REASONS: Record<string, string> = {
  EventBridgeRulesMaySend: 'only this stack\'s EventBridge rules may put interruption events on the queue',
  DenyNonTls: 'nothing may use the queue without TLS',
};

/** The permission policy. Every ARN is built from `partition`, never a literal `arn:aws:`. */
export function costOptimizerPolicy(i: CostOptimizerPolicyInput): IamPolicyDocument {
  const ec2 = (type: string) => `arn:${i.partition}:ec2:${i.region}:${i.accountId}:${type}`;
  const tag = clusterTagKey(i.clusterName);
  const ownedRequest = { StringEquals: { [`aws:RequestTag/${tag}`]: CLUSTER_TAG_VALUE } };
  const ownedResource = { StringEquals: { [`aws:ResourceTag/${tag}`]: CLUSTER_TAG_VALUE } };
  const launched = ['instance/*', 'volume/*', 'network-interface/*', 'spot-instances-request/*', 'fleet/*'].map(ec2);
  const created = ['instance/*', 'volume/*', 'network-interface/*', 'spot-instances-request/*', 'fleet/*', 'launch-template/*'].map(ec2);
  const nodeGroups = `arn:${i.partition}:eks:${i.region}:${i.accountId}:nodegroup/${i.clusterName}/*/*`;
  const groups = `arn:${i.partition}:autoscaling:${i.region}:${i.accountId}:autoScalingGroup:*:autoScalingGroupName/*`;
  const ownGroup = { StringEquals: { [`autoscaling:ResourceTag/${tag}`]: CLUSTER_TAG_VALUE } };
  const statements: IamStatement[] = [
    { Sid: 'ReadInClusterRegion', Effect: 'Allow', Action: Object.keys(READ_ACTIONS).sort(), Resource: ['*'],
      Condition: { StringEquals: { 'aws:RequestedRegion': i.region } } },
    { Sid: 'ReadPricing', Effect: 'Allow', Action: ['pricing:GetProducts'], Resource: ['*'] },
    { Sid: 'ReadNodeImageParameters', Effect: 'Allow', Action: ['ssm:GetParameter'],
      Resource: [`arn:${i.partition}:ssm:${i.region}:*:parameter/aws/service/eks/optimized-ami/*`, `arn:${i.partition}:ssm:${i.region}:*:parameter/aws/service/bottlerocket/*`] },
    { Sid: 'ReadThisCluster', Effect: 'Allow', Action: ['eks:DescribeCluster', 'eks:ListNodegroups'],
      Resource: [`arn:${i.partition}:eks:${i.region}:${i.accountId}:cluster/${i.clusterName}`] },
    { Sid: 'CreateOnlyTaggedForCluster', Effect: 'Allow', Action: ['ec2:CreateFleet', 'ec2:RunInstances'],
      Resource: launched, Condition: ownedRequest },
    { Sid: 'CreateTemplatesOnlyTaggedForCluster', Effect: 'Allow', Action: ['ec2:CreateLaunchTemplate'],
      Resource: [ec2('launch-template/*')], Condition: ownedRequest },
    { Sid: 'LaunchIntoClusterVpc', Effect: 'Allow', Action: ['ec2:CreateFleet', 'ec2:RunInstances'],
      Resource: [ec2('subnet/*'), ec2('security-group/*')],
      Condition: { StringEquals: { 'ec2:Vpc': ec2(`vpc/${i.vpcId}`) } } },
    { Sid: 'LaunchFromImages', Effect: 'Allow', Action: ['ec2:CreateFleet', 'ec2:RunInstances'],
      Resource: [`arn:${i.partition}:ec2:${i.region}::image/*`] },
    { Sid: 'LaunchFromClusterTemplates', Effect: 'Allow', Action: ['ec2:CreateFleet', 'ec2:RunInstances'],
      Resource: [ec2('launch-template/*')], Condition: ownedResource },
    { Sid: 'LaunchIntoCapacityReservations', Effect: 'Allow', Action: ['ec2:CreateFleet', 'ec2:RunInstances'],
      Resource: [ec2('capacity-reservation/*')] },
    { Sid: 'TagOnlyAtCreation', Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: created,
      Condition: { StringEquals: { 'ec2:CreateAction': ['CreateFleet', 'CreateLaunchTemplate', 'RunInstances'], [`aws:RequestTag/${tag}`]: CLUSTER_TAG_VALUE } } },
    { Sid: 'RetagClusterInstances', Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: [ec2('instance/*')],
      Condition: { ...ownedResource, 'ForAllValues:StringEquals': { 'aws:TagKeys': [...RETAG_KEYS] }, Null: { 'aws:TagKeys': 'false' } } },
    { Sid: 'DeleteOnlyClusterResources', Effect: 'Allow', Action: ['ec2:DeleteLaunchTemplate', 'ec2:TerminateInstances'],
      Resource: [ec2('instance/*'), ec2('launch-template/*')], Condition: ownedResource },
    { Sid: 'ScaleOnlyClusterGroups', Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup'],
      Resource: [groups], Condition: ownGroup },
    { Sid: 'DenyGroupNetworkOrTemplateChange', Effect: 'Deny', Action: ['autoscaling:UpdateAutoScalingGroup'], Resource: ['*'],
      Condition: { Null: { 'autoscaling:VPCZoneIdentifiers': 'false' } } },
    { Sid: 'DenyGroupLaunchConfigurationChange', Effect: 'Deny', Action: ['autoscaling:UpdateAutoScalingGroup'], Resource: ['*'],
      Condition: { Null: { 'autoscaling:LaunchConfigurationName': 'false' } } },
    { Sid: 'ChangeOnlyClusterNodeGroups', Effect: 'Allow', Action: ['eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig'], Resource: [nodeGroups] },
    { Sid: 'ReadNodeInstanceProfile', Effect: 'Allow', Action: ['iam:GetInstanceProfile'],
      Resource: [`arn:${i.partition}:iam::${i.accountId}:instance-profile/${i.nodeInstanceProfileName}`] },
    { Sid: 'PassOnlyNodeRole', Effect: 'Allow', Action: ['iam:PassRole'],
      Resource: [`arn:${i.partition}:iam::${i.accountId}:role/${i.nodeRoleName}`],
      Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } } },
  ];
  if (i.createSpotServiceLinkedRole ?? true) {
    statements.push({ Sid: 'CreateSpotServiceLinkedRole', Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole'],
      Resource: [`arn:${i.partition}:iam::${i.accountId}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`],
      Condition: { StringEquals: { 'iam:AWSServiceName': 'spot.amazonaws.com' } } });
  }
  statements.push({ Sid: 'ConsumeInterruptionQueue', Effect: 'Allow',
    Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
    Resource: [`arn:${i.partition}:sqs:${i.region}:${i.accountId}:${i.queueName}`] });
  return { Version: '2012-10-17', Statement: statements };
}

/** The trust policy: EKS Pod Identity (default) or IRSA, plus an optional vendor account. */
export function costOptimizerTrust(t: TrustInput, vendor?: VendorTrust): IamPolicyDocument {
  const statements: IamStatement[] = [];
  if (t.kind === 'pod-identity') {
    statements.push({
      Sid: 'EksPodIdentityForAgentServiceAccount', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        StringEquals: {
          'aws:SourceAccount': t.accountId,
          'aws:RequestTag/eks-cluster-arn': `arn:${t.partition}:eks:${t.region}:${t.accountId}:cluster/${t.clusterName}`,
          'aws:RequestTag/eks-cluster-name': t.clusterName,
          'aws:RequestTag/kubernetes-namespace': t.namespace,
          'aws:RequestTag/kubernetes-service-account': t.serviceAccountName,
        },
      },
    });
  } else {
    statements.push({
      Sid: 'IrsaForAgentServiceAccount', Effect: 'Allow',
      Principal: { Federated: `arn:${t.partition}:iam::${t.accountId}:oidc-provider/${t.oidcIssuer}` },
      Action: ['sts:AssumeRoleWithWebIdentity'],
      Condition: {
        StringEquals: {
          [`${t.oidcIssuer}:sub`]: `system:serviceaccount:${t.namespace}:${t.serviceAccountName}`,
          [`${t.oidcIssuer}:aud`]: 'sts.amazonaws.com',
        },
      },
    });
  }
  if (vendor) {
    statements.push({
      Sid: 'VendorAccountWithExternalId', Effect: 'Allow', Principal: { AWS: `arn:${t.partition}:iam::${vendor.accountId}:root` },
      Action: ['sts:AssumeRole'], Condition: { StringEquals: { 'sts:ExternalId': vendor.externalId } },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The reasons of a document's statements, by Sid, for the `//` comment of the block that holds it. */
export function reasonsOf(doc: IamPolicyDocument, reasons: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of doc.Statement) {
    const r = reasons[s.Sid];
    if (!r) throw new Error(`internal: statement ${s.Sid} has no reason`);
    out[s.Sid] = r;
  }
  return out;
}

/** EventBridge patterns whose events feed the interruption queue. */
export const INTERRUPTION_EVENTS: ReadonlyArray<{ readonly name: string; readonly pattern: Record<string, unknown> }> = [
  { name: 'spot-interruption', pattern: { 'source': ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] } },
  { name: 'rebalance', pattern: { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] } },
  { name: 'instance-state-change', pattern: { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] } },
  { name: 'scheduled-change', pattern: { 'source': ['aws.health'], 'detail-type': ['AWS Health Event'] } },
];

/** The queue policy: EventBridge rules of this stack may send; nothing may use the queue without TLS. */
export function interruptionQueuePolicy(queueArn: string, ruleArns: string[]): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EventBridgeRulesMaySend', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: ['sqs:SendMessage'],
        Resource: [queueArn], Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } } },
      { Sid: 'DenyNonTls', Effect: 'Deny', Principal: '*', Action: ['sqs:*'], Resource: [queueArn],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ],
  };
}
