/**
 * The cost optimiser's AWS IAM model in plain TypeScript: statements, conditions and trust
 * policies as data. cdktf only emits what these functions return (DESIGN.md: CDKTF is archived).
 */

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Record<string, string | string[]> | '*';
  readonly Action: string[];
  readonly Resource?: string[];
  readonly Condition?: ConditionBlock;
}

export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
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
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  readonly clusterName: string;
  readonly vpcId: string;
  readonly nodeRoleName: string;
  readonly queueName: string;
}

/** How the role is assumed. */
export type TrustInput =
  | { readonly kind: 'pod-identity'; readonly partition: string; readonly accountId: string; readonly clusterName: string; readonly namespace: string; readonly serviceAccountName: string }
  | { readonly kind: 'irsa'; readonly partition: string; readonly accountId: string; readonly oidcIssuer: string; readonly namespace: string; readonly serviceAccountName: string };

export interface VendorTrust {
  readonly accountId: string;
  readonly externalId: string;
}

/** Read actions, named one by one; all of them only accept Resource "*", so aws:RequestedRegion scopes them. */
export const READ_ACTIONS: readonly string[] = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeScalingActivities',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTypeOfferings',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSpotPriceHistory',
  'ec2:DescribeSubnets',
];

/** Why each statement exists: the same words reach the Terraform output as the Sid's neighbour in docs. */
export const STATEMENT_REASONS: Record<string, string> = {
  ReadInClusterRegion: 'list instances, types, prices and groups in the cluster\'s region to size nodes',
  ReadPricing: 'the Price List API answers only in its own regions, so it cannot carry the cluster\'s region',
  ReadThisCluster: 'read this cluster and its node groups, nothing else in EKS',
  CreateOnlyTaggedForCluster: 'launch nodes only when the request tags them for this cluster',
  CreateTemplatesOnlyTaggedForCluster: 'create launch templates only when the request tags them for this cluster',
  LaunchIntoClusterVpc: 'new nodes may use subnets and security groups of the cluster\'s VPC only',
  LaunchFromImages: 'new nodes boot from AMIs, which carry no cluster tag',
  LaunchFromClusterTemplates: 'new nodes use launch templates tagged for this cluster only',
  TagOnlyAtCreation: 'tag resources only in the call that creates them',
  RetagClusterInstances: 'update a limited set of tags on instances already tagged for this cluster',
  ChangeOnlyClusterResources: 'start, stop and terminate instances and delete templates tagged for this cluster',
  ScaleOnlyClusterGroups: 'resize and drain Auto Scaling groups tagged for this cluster',
  ChangeOnlyClusterNodeGroups: 'update node groups of this cluster only',
  PassOnlyNodeRole: 'hand the node role to EC2 and nothing else',
  ConsumeInterruptionQueue: 'read and delete interruption events from this cluster\'s queue only',
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
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadInClusterRegion', Effect: 'Allow', Action: [...READ_ACTIONS], Resource: ['*'],
        Condition: { StringEquals: { 'aws:RequestedRegion': i.region } } },
      { Sid: 'ReadPricing', Effect: 'Allow', Action: ['pricing:GetProducts'], Resource: ['*'] },
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
      { Sid: 'TagOnlyAtCreation', Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: created,
        Condition: { StringEquals: { 'ec2:CreateAction': ['CreateFleet', 'CreateLaunchTemplate', 'RunInstances'], [`aws:RequestTag/${tag}`]: CLUSTER_TAG_VALUE } } },
      { Sid: 'RetagClusterInstances', Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: [ec2('instance/*')],
        Condition: { ...ownedResource, 'ForAllValues:StringEquals': { 'aws:TagKeys': [...RETAG_KEYS] }, Null: { 'aws:TagKeys': 'false' } } },
      { Sid: 'ChangeOnlyClusterResources', Effect: 'Allow',
        Action: ['ec2:DeleteLaunchTemplate', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:TerminateInstances'],
        Resource: [ec2('instance/*'), ec2('launch-template/*')], Condition: ownedResource },
      { Sid: 'ScaleOnlyClusterGroups', Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup'],
        Resource: [`arn:${i.partition}:autoscaling:${i.region}:${i.accountId}:autoScalingGroup:*:autoScalingGroupName/*`],
        Condition: { StringEquals: { [`autoscaling:ResourceTag/${tag}`]: CLUSTER_TAG_VALUE } } },
      { Sid: 'ChangeOnlyClusterNodeGroups', Effect: 'Allow', Action: ['eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig'], Resource: [nodeGroups] },
      { Sid: 'PassOnlyNodeRole', Effect: 'Allow', Action: ['iam:PassRole'],
        Resource: [`arn:${i.partition}:iam::${i.accountId}:role/${i.nodeRoleName}`],
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
      { Sid: 'ConsumeInterruptionQueue', Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        Resource: [`arn:${i.partition}:sqs:${i.region}:${i.accountId}:${i.queueName}`] },
    ],
  };
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
