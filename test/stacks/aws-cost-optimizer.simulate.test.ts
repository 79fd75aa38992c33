// IAM simulation of the synthesised AWS policies with @cloud-copilot/iam-simulate (AGPL: tests only).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsCostOptimizerStack } from '../../src/stacks/aws-cost-optimizer';
import { resolvePolicy, synthStack, TEST_ACCOUNT } from '../helpers/terraform';

const CLUSTER = 'prod';
const OTHER = 'staging';
const REGION = 'eu-west-1';
const VPC = 'vpc-0a1b2c3d';
const { json } = synthStack((app) => new AwsCostOptimizerStack(app, 'sim', {
  clusterName: CLUSTER, region: REGION, vpcId: VPC, nodeRoleName: 'prod-node',
}));
// The policy as Terraform will send it, read from the synthesised JSON.
const policy = resolvePolicy(json.resource.aws_iam_role_policy.permissions.policy);
const ec2 = (type: string) => `arn:aws:ec2:${REGION}:${TEST_ACCOUNT}:${type}`;
const ownTag = `kubernetes.io/cluster/${CLUSTER}`;
const otherTag = `kubernetes.io/cluster/${OTHER}`;

interface Req { action: string; resource: string; context?: Record<string, string | string[]> }
let count = 0;

async function decide(r: Req): Promise<string> {
  count++;
  const result = await runSimulation({
    request: {
      principal: `arn:aws:iam::${TEST_ACCOUNT}:role/prod-cost-optimizer`, action: r.action,
      resource: { resource: r.resource, accountId: TEST_ACCOUNT },
      contextVariables: { 'aws:RequestedRegion': REGION, ...(r.context ?? {}) },
    },
    identityPolicies: [{ name: 'cost-optimizer', policy }],
    serviceControlPolicies: [], resourceControlPolicies: [],
  }, {});
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const ownedRequest = { [`aws:RequestTag/${ownTag}`]: 'owned', 'aws:TagKeys': [ownTag] };
const ownedResource = { [`aws:ResourceTag/${ownTag}`]: 'owned' };
const otherResource = { [`aws:ResourceTag/${otherTag}`]: 'owned' };

const allowed: Array<[string, Req]> = [
  ['describe instances in region', { action: 'ec2:DescribeInstances', resource: '*' }],
  ['describe instance types', { action: 'ec2:DescribeInstanceTypes', resource: '*' }],
  ['describe spot prices', { action: 'ec2:DescribeSpotPriceHistory', resource: '*' }],
  ['describe auto scaling groups', { action: 'autoscaling:DescribeAutoScalingGroups', resource: '*' }],
  ['pricing', { action: 'pricing:GetProducts', resource: '*', context: { 'aws:RequestedRegion': 'us-east-1' } }],
  ['describe this cluster', { action: 'eks:DescribeCluster', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}` }],
  ['run a tagged instance', { action: 'ec2:RunInstances', resource: ec2('instance/i-new'), context: ownedRequest }],
  ['run: its volume', { action: 'ec2:RunInstances', resource: ec2('volume/vol-new'), context: ownedRequest }],
  ['run: its network interface', { action: 'ec2:RunInstances', resource: ec2('network-interface/eni-new'), context: ownedRequest }],
  ['run: subnet of the cluster VPC', { action: 'ec2:RunInstances', resource: ec2('subnet/subnet-1'), context: { 'ec2:Vpc': ec2(`vpc/${VPC}`) } }],
  ['run: security group of the cluster VPC', { action: 'ec2:RunInstances', resource: ec2('security-group/sg-1'), context: { 'ec2:Vpc': ec2(`vpc/${VPC}`) } }],
  ['run: an AMI', { action: 'ec2:RunInstances', resource: `arn:aws:ec2:${REGION}::image/ami-1` }],
  ['run: cluster launch template', { action: 'ec2:RunInstances', resource: ec2('launch-template/lt-1'), context: ownedResource }],
  ['create fleet tagged', { action: 'ec2:CreateFleet', resource: ec2('fleet/fleet-new'), context: ownedRequest }],
  ['create launch template tagged', { action: 'ec2:CreateLaunchTemplate', resource: ec2('launch-template/lt-new'), context: ownedRequest }],
  ['tag at creation', { action: 'ec2:CreateTags', resource: ec2('instance/i-new'), context: { ...ownedRequest, 'ec2:CreateAction': 'RunInstances' } }],
  ['retag own instance with allowed key', { action: 'ec2:CreateTags', resource: ec2('instance/i-own'), context: { ...ownedResource, 'aws:TagKeys': ['cost-optimizer/node-pool'] } }],
  ['terminate own instance', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-own'), context: ownedResource }],
  ['stop own instance', { action: 'ec2:StopInstances', resource: ec2('instance/i-own'), context: ownedResource }],
  ['start own instance', { action: 'ec2:StartInstances', resource: ec2('instance/i-own'), context: ownedResource }],
  ['delete own launch template', { action: 'ec2:DeleteLaunchTemplate', resource: ec2('launch-template/lt-own'), context: ownedResource }],
  ['resize own ASG', { action: 'autoscaling:SetDesiredCapacity', resource: `arn:aws:autoscaling:${REGION}:${TEST_ACCOUNT}:autoScalingGroup:uuid:autoScalingGroupName/prod-ng`, context: { [`autoscaling:ResourceTag/${ownTag}`]: 'owned' } }],
  ['update own node group', { action: 'eks:UpdateNodegroupConfig', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:nodegroup/${CLUSTER}/ng-1/uuid` }],
  ['pass node role to EC2', { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/prod-node`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }],
  ['receive from interruption queue', { action: 'sqs:ReceiveMessage', resource: `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:${CLUSTER}-interruptions` }],
  ['delete from interruption queue', { action: 'sqs:DeleteMessage', resource: `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:${CLUSTER}-interruptions` }],
];

const denied: Array<[string, Req]> = [
  ['describe in another region', { action: 'ec2:DescribeInstances', resource: '*', context: { 'aws:RequestedRegion': 'us-west-2' } }],
  ['describe another cluster', { action: 'eks:DescribeCluster', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:cluster/${OTHER}` }],
  ['terminate another cluster\'s instance', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-other'), context: otherResource }],
  ['stop another cluster\'s instance', { action: 'ec2:StopInstances', resource: ec2('instance/i-other'), context: otherResource }],
  ['start another cluster\'s instance', { action: 'ec2:StartInstances', resource: ec2('instance/i-other'), context: otherResource }],
  ['terminate an untagged instance', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-untagged') }],
  ['stop an untagged instance', { action: 'ec2:StopInstances', resource: ec2('instance/i-untagged') }],
  ['run an instance tagged for another cluster', { action: 'ec2:RunInstances', resource: ec2('instance/i-new'), context: { [`aws:RequestTag/${otherTag}`]: 'owned', 'aws:TagKeys': [otherTag] } }],
  ['run an untagged instance', { action: 'ec2:RunInstances', resource: ec2('instance/i-new') }],
  ['run into another VPC\'s subnet', { action: 'ec2:RunInstances', resource: ec2('subnet/subnet-x'), context: { 'ec2:Vpc': ec2('vpc/vpc-99999999') } }],
  ['fleet into another VPC\'s subnet', { action: 'ec2:CreateFleet', resource: ec2('subnet/subnet-x'), context: { 'ec2:Vpc': ec2('vpc/vpc-99999999') } }],
  ['run from another cluster\'s template', { action: 'ec2:RunInstances', resource: ec2('launch-template/lt-other'), context: otherResource }],
  ['delete another cluster\'s template', { action: 'ec2:DeleteLaunchTemplate', resource: ec2('launch-template/lt-other'), context: otherResource }],
  ['create an untagged launch template', { action: 'ec2:CreateLaunchTemplate', resource: ec2('launch-template/lt-new') }],
  ['resize another cluster\'s ASG', { action: 'autoscaling:SetDesiredCapacity', resource: `arn:aws:autoscaling:${REGION}:${TEST_ACCOUNT}:autoScalingGroup:uuid:autoScalingGroupName/staging-ng`, context: { [`autoscaling:ResourceTag/${otherTag}`]: 'owned' } }],
  ['terminate in another cluster\'s ASG', { action: 'autoscaling:TerminateInstanceInAutoScalingGroup', resource: `arn:aws:autoscaling:${REGION}:${TEST_ACCOUNT}:autoScalingGroup:uuid:autoScalingGroupName/staging-ng`, context: { [`autoscaling:ResourceTag/${otherTag}`]: 'owned' } }],
  ['update another cluster\'s node group', { action: 'eks:UpdateNodegroupConfig', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:nodegroup/${OTHER}/ng-1/uuid` }],
  ['delete own node group (not granted)', { action: 'eks:DeleteNodegroup', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:nodegroup/${CLUSTER}/ng-1/uuid` }],
  ['pass another role', { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/admin`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }],
  ['pass node role to Lambda', { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/prod-node`, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }],
  ['CreateTags on another cluster\'s instance', { action: 'ec2:CreateTags', resource: ec2('instance/i-other'), context: { ...otherResource, 'aws:TagKeys': ['Name'] } }],
  ['CreateTags on own instance with the cluster key', { action: 'ec2:CreateTags', resource: ec2('instance/i-own'), context: { ...ownedResource, 'aws:TagKeys': [otherTag] } }],
  ['CreateTags on an untagged existing instance', { action: 'ec2:CreateTags', resource: ec2('instance/i-untagged'), context: { 'aws:TagKeys': ['Name'] } }],
  ['receive from another queue', { action: 'sqs:ReceiveMessage', resource: `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:other-queue` }],
  ['send to the interruption queue', { action: 'sqs:SendMessage', resource: `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:${CLUSTER}-interruptions` }],
  ['create an IAM user', { action: 'iam:CreateUser', resource: `arn:aws:iam::${TEST_ACCOUNT}:user/x` }],
];

describe('AwsCostOptimizerStack policy under IAM simulation', () => {
  afterAll(() => {
    console.log(`iam-simulate: ${count} requests (${allowed.length} allowed, ${denied.length} denied expected)`);
    expect(count).toBeGreaterThanOrEqual(30);
  });
  it.each(allowed)('allows: %s', async (_name, req) => {
    expect(await decide(req)).toBe('Allowed');
  });
  it.each(denied)('denies: %s', async (_name, req) => {
    expect(await decide(req)).not.toBe('Allowed');
  });
});
