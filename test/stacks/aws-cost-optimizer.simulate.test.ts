// IAM simulation of the synthesised AWS policies with @cloud-copilot/iam-simulate (AGPL: tests only).
// The cluster is `prod-eu-1`; its sibling `prod-eu-1-canary` has a name that extends ours.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsCostOptimizerStack } from '../../src/stacks/aws-cost-optimizer';
import { resolvePolicy, synthStack, TEST_ACCOUNT } from '../helpers/terraform';

const CLUSTER = 'prod-eu-1';
const SIBLING = 'prod-eu-1-canary';
const REGION = 'eu-west-1';
const OTHER_REGION = 'us-west-2';
const OTHER_ACCOUNT = '444455556666';
const VPC = 'vpc-0a1b2c3d';
const { json, stack } = synthStack((app) => new AwsCostOptimizerStack(app, 'sim', {
  clusterName: CLUSTER, region: REGION, vpcId: VPC, nodeRoleName: 'prod-eu-1-node',
}));
// The documents as Terraform will send them, read from the synthesised JSON.
const policy = resolvePolicy(json.resource.aws_iam_role_policy.permissions.policy);
const trust = resolvePolicy(json.resource.aws_iam_role.role.assume_role_policy);
const ROLE_ARN = `arn:aws:iam::${TEST_ACCOUNT}:role/${stack.names.awsRoleName}`;
const ec2 = (type: string, region = REGION, account = TEST_ACCOUNT) => `arn:aws:ec2:${region}:${account}:${type}`;
const asg = (name: string) => `arn:aws:autoscaling:${REGION}:${TEST_ACCOUNT}:autoScalingGroup:uuid:autoScalingGroupName/${name}`;
const queue = `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:${stack.queueName}`;
const ownTag = `kubernetes.io/cluster/${CLUSTER}`;
const siblingTag = `kubernetes.io/cluster/${SIBLING}`;

interface Req { action: string; resource: string; context?: Record<string, string | string[]> }
let count = 0;

async function decide(r: Req): Promise<string> {
  count++;
  const result = await runSimulation({
    request: {
      principal: ROLE_ARN, action: r.action,
      resource: { resource: r.resource, accountId: r.resource.split(':')[4] || TEST_ACCOUNT },
      contextVariables: { 'aws:RequestedRegion': REGION, ...(r.context ?? {}) },
    },
    identityPolicies: [{ name: 'cost-optimizer', policy }],
    serviceControlPolicies: [], resourceControlPolicies: [],
  }, {});
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

/** A Pod Identity session request: EKS Auth assumes the role with the pod's session tags. */
async function assume(tags: Record<string, string>, sourceAccount = TEST_ACCOUNT): Promise<string> {
  count++;
  const context: Record<string, string | string[]> = { 'aws:SourceAccount': sourceAccount, 'aws:TagKeys': Object.keys(tags) };
  for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v;
  const results: string[] = [];
  for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
    const result = await runSimulation({
      request: { principal: 'pods.eks.amazonaws.com', action, resource: { resource: ROLE_ARN, accountId: TEST_ACCOUNT }, contextVariables: context },
      identityPolicies: [], serviceControlPolicies: [], resourceControlPolicies: [],
      resourcePolicy: trust,
    }, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    results.push(result.overallResult);
  }
  return results.every((r) => r === 'Allowed') ? 'Allowed' : results.find((r) => r !== 'Allowed')!;
}

const ownRequest = { [`aws:RequestTag/${ownTag}`]: 'owned', 'aws:TagKeys': [ownTag] };
const own = { [`aws:ResourceTag/${ownTag}`]: 'owned' };
const sibling = { [`aws:ResourceTag/${siblingTag}`]: 'owned' };
const ownGroup = { [`autoscaling:ResourceTag/${ownTag}`]: 'owned' };
const siblingGroup = { [`autoscaling:ResourceTag/${siblingTag}`]: 'owned' };
const inVpc = { 'ec2:Vpc': ec2(`vpc/${VPC}`) };
const amiParam = `arn:aws:ssm:${REGION}:${TEST_ACCOUNT}:parameter/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id`;

/** The optimiser's real call sequence: size, launch a node, scale a group, drain and delete, read the queue. */
const allowed: Array<[string, Req]> = [
  ['describe instances in region', { action: 'ec2:DescribeInstances', resource: '*' }],
  ['describe instance types', { action: 'ec2:DescribeInstanceTypes', resource: '*' }],
  ['describe spot prices', { action: 'ec2:DescribeSpotPriceHistory', resource: '*' }],
  ['describe capacity reservations', { action: 'ec2:DescribeCapacityReservations', resource: '*' }],
  ['describe auto scaling groups', { action: 'autoscaling:DescribeAutoScalingGroups', resource: '*' }],
  ['pricing', { action: 'pricing:GetProducts', resource: '*', context: { 'aws:RequestedRegion': 'us-east-1' } }],
  ['describe this cluster', { action: 'eks:DescribeCluster', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}` }],
  ['look up the EKS AMI in the public SSM parameters', { action: 'ssm:GetParameter', resource: amiParam }],
  ['look up the Bottlerocket AMI', { action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${TEST_ACCOUNT}:parameter/aws/service/bottlerocket/aws-k8s-1.31/x86_64/latest/image_id` }],
  ['read the node instance profile', { action: 'iam:GetInstanceProfile', resource: `arn:aws:iam::${TEST_ACCOUNT}:instance-profile/${CLUSTER}-nodes` }],
  ['create a launch template tagged', { action: 'ec2:CreateLaunchTemplate', resource: ec2('launch-template/lt-new'), context: ownRequest }],
  ['tag the template at creation', { action: 'ec2:CreateTags', resource: ec2('launch-template/lt-new'), context: { ...ownRequest, 'ec2:CreateAction': 'CreateLaunchTemplate' } }],
  ['run a tagged instance', { action: 'ec2:RunInstances', resource: ec2('instance/i-new'), context: ownRequest }],
  ['run: its volume', { action: 'ec2:RunInstances', resource: ec2('volume/vol-new'), context: ownRequest }],
  ['run: its network interface', { action: 'ec2:RunInstances', resource: ec2('network-interface/eni-new'), context: ownRequest }],
  ['run: a Spot request', { action: 'ec2:RunInstances', resource: ec2('spot-instances-request/sir-new'), context: ownRequest }],
  ['run: subnet of the cluster VPC', { action: 'ec2:RunInstances', resource: ec2('subnet/subnet-1'), context: inVpc }],
  ['run: security group of the cluster VPC', { action: 'ec2:RunInstances', resource: ec2('security-group/sg-1'), context: inVpc }],
  ['run: an AMI', { action: 'ec2:RunInstances', resource: `arn:aws:ec2:${REGION}::image/ami-1` }],
  ['run: cluster launch template', { action: 'ec2:RunInstances', resource: ec2('launch-template/lt-1'), context: own }],
  ['run: a capacity reservation', { action: 'ec2:RunInstances', resource: ec2('capacity-reservation/cr-1') }],
  ['create fleet tagged', { action: 'ec2:CreateFleet', resource: ec2('fleet/fleet-new'), context: ownRequest }],
  ['tag the instance at creation', { action: 'ec2:CreateTags', resource: ec2('instance/i-new'), context: { ...ownRequest, 'ec2:CreateAction': 'RunInstances' } }],
  ['pass the node role to EC2', { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/prod-eu-1-node`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }],
  ['pass the node role to EC2 in China', { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/prod-eu-1-node`, context: { 'iam:PassedToService': 'ec2.amazonaws.com.cn' } }],
  ['create the Spot service-linked role', { action: 'iam:CreateServiceLinkedRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`, context: { 'iam:AWSServiceName': 'spot.amazonaws.com' } }],
  ['retag own instance with an allowed key', { action: 'ec2:CreateTags', resource: ec2('instance/i-own'), context: { ...own, 'aws:TagKeys': ['cost-optimizer/node-pool'] } }],
  ['scale own group', { action: 'autoscaling:SetDesiredCapacity', resource: asg('prod-eu-1-ng'), context: ownGroup }],
  ['change own group\'s min and max', { action: 'autoscaling:UpdateAutoScalingGroup', resource: asg('prod-eu-1-ng'), context: { ...ownGroup, 'autoscaling:MinSize': '0', 'autoscaling:MaxSize': '10' } }],
  ['remove a drained node from own group', { action: 'autoscaling:TerminateInstanceInAutoScalingGroup', resource: asg('prod-eu-1-ng'), context: ownGroup }],
  ['terminate own drained node', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-own'), context: own }],
  ['delete own launch template', { action: 'ec2:DeleteLaunchTemplate', resource: ec2('launch-template/lt-own'), context: own }],
  ['resize own node group', { action: 'eks:UpdateNodegroupConfig', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:nodegroup/${CLUSTER}/ng-1/uuid` }],
  ['receive from the interruption queue', { action: 'sqs:ReceiveMessage', resource: queue }],
  ['delete from the interruption queue', { action: 'sqs:DeleteMessage', resource: queue }],
];

const denied: Array<[string, Req]> = [
  // the sibling cluster whose name extends ours
  ['describe the sibling cluster', { action: 'eks:DescribeCluster', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:cluster/${SIBLING}` }],
  ['resize the sibling\'s node group', { action: 'eks:UpdateNodegroupConfig', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:nodegroup/${SIBLING}/ng-1/uuid` }],
  ['terminate the sibling\'s node', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-sib'), context: sibling }],
  ['run an instance tagged for the sibling', { action: 'ec2:RunInstances', resource: ec2('instance/i-new'), context: { [`aws:RequestTag/${siblingTag}`]: 'owned', 'aws:TagKeys': [siblingTag] } }],
  ['run from the sibling\'s template', { action: 'ec2:RunInstances', resource: ec2('launch-template/lt-sib'), context: sibling }],
  ['delete the sibling\'s template', { action: 'ec2:DeleteLaunchTemplate', resource: ec2('launch-template/lt-sib'), context: sibling }],
  ['scale the sibling\'s group', { action: 'autoscaling:SetDesiredCapacity', resource: asg('prod-eu-1-canary-ng'), context: siblingGroup }],
  ['terminate in the sibling\'s group', { action: 'autoscaling:TerminateInstanceInAutoScalingGroup', resource: asg('prod-eu-1-canary-ng'), context: siblingGroup }],
  ['retag the sibling\'s node', { action: 'ec2:CreateTags', resource: ec2('instance/i-sib'), context: { ...sibling, 'aws:TagKeys': ['Name'] } }],
  ['read the sibling\'s queue', { action: 'sqs:ReceiveMessage', resource: `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:${SIBLING}-interruptions` }],
  // another region
  ['describe in another region', { action: 'ec2:DescribeInstances', resource: '*', context: { 'aws:RequestedRegion': OTHER_REGION } }],
  ['run a tagged instance in another region', { action: 'ec2:RunInstances', resource: ec2('instance/i-new', OTHER_REGION), context: { ...ownRequest, 'aws:RequestedRegion': OTHER_REGION } }],
  ['terminate own-tagged node in another region', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-x', OTHER_REGION), context: { ...own, 'aws:RequestedRegion': OTHER_REGION } }],
  ['a same-named cluster in another region', { action: 'eks:DescribeCluster', resource: `arn:aws:eks:${OTHER_REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}` }],
  ['AMI parameters of another region', { action: 'ssm:GetParameter', resource: amiParam.replace(REGION, OTHER_REGION) }],
  // another account
  ['terminate own-tagged node in another account', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-x', REGION, OTHER_ACCOUNT), context: own }],
  ['pass a same-named node role of another account', { action: 'iam:PassRole', resource: `arn:aws:iam::${OTHER_ACCOUNT}:role/prod-eu-1-node`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }],
  ['a same-named node group in another account', { action: 'eks:UpdateNodegroupConfig', resource: `arn:aws:eks:${REGION}:${OTHER_ACCOUNT}:nodegroup/${CLUSTER}/ng-1/uuid` }],
  // another VPC
  ['run into another VPC\'s subnet', { action: 'ec2:RunInstances', resource: ec2('subnet/subnet-x'), context: { 'ec2:Vpc': ec2('vpc/vpc-99999999') } }],
  ['fleet into another VPC\'s subnet', { action: 'ec2:CreateFleet', resource: ec2('subnet/subnet-x'), context: { 'ec2:Vpc': ec2('vpc/vpc-99999999') } }],
  // a user's look-alike VM: named like our nodes, not tagged for the cluster
  ['terminate an untagged look-alike', { action: 'ec2:TerminateInstances', resource: ec2('instance/i-lookalike'), context: { 'aws:ResourceTag/Name': `${CLUSTER}-ng-node` } }],
  ['retag an untagged look-alike', { action: 'ec2:CreateTags', resource: ec2('instance/i-lookalike'), context: { 'aws:TagKeys': ['Name'] } }],
  ['claim a look-alike by adding the cluster tag', { action: 'ec2:CreateTags', resource: ec2('instance/i-lookalike'), context: { [`aws:RequestTag/${ownTag}`]: 'owned', 'aws:TagKeys': [ownTag] } }],
  ['run an untagged instance', { action: 'ec2:RunInstances', resource: ec2('instance/i-new') }],
  // escalations
  ['move own group to other subnets', { action: 'autoscaling:UpdateAutoScalingGroup', resource: asg('prod-eu-1-ng'), context: { ...ownGroup, 'autoscaling:VPCZoneIdentifiers': ['subnet-x'] } }],
  ['point own group at a launch configuration', { action: 'autoscaling:UpdateAutoScalingGroup', resource: asg('prod-eu-1-ng'), context: { ...ownGroup, 'autoscaling:LaunchConfigurationName': 'evil' } }],
  ['create another service\'s linked role', { action: 'iam:CreateServiceLinkedRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`, context: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } }],
  ['pass another role', { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/admin`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }],
  ['pass the node role to Lambda', { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/prod-eu-1-node`, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }],
  ['create an instance profile', { action: 'iam:CreateInstanceProfile', resource: `arn:aws:iam::${TEST_ACCOUNT}:instance-profile/x` }],
  ['put another role in the node profile', { action: 'iam:AddRoleToInstanceProfile', resource: `arn:aws:iam::${TEST_ACCOUNT}:instance-profile/${CLUSTER}-nodes` }],
  ['read another instance profile', { action: 'iam:GetInstanceProfile', resource: `arn:aws:iam::${TEST_ACCOUNT}:instance-profile/admin` }],
  ['read the account\'s own SSM parameters', { action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${TEST_ACCOUNT}:parameter/prod/db-password` }],
  ['stop own node (no step needs it)', { action: 'ec2:StopInstances', resource: ec2('instance/i-own'), context: own }],
  ['retag own node with the cluster key', { action: 'ec2:CreateTags', resource: ec2('instance/i-own'), context: { ...own, 'aws:TagKeys': [siblingTag] } }],
  ['delete own node group', { action: 'eks:DeleteNodegroup', resource: `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:nodegroup/${CLUSTER}/ng-1/uuid` }],
  ['send to the interruption queue', { action: 'sqs:SendMessage', resource: queue }],
  ['create an IAM user', { action: 'iam:CreateUser', resource: `arn:aws:iam::${TEST_ACCOUNT}:user/x` }],
];

const podTags = (over: Record<string, string> = {}) => ({
  'eks-cluster-arn': `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}`, 'eks-cluster-name': CLUSTER,
  'kubernetes-namespace': 'cost-optimizer', 'kubernetes-service-account': 'optimizer-agent', ...over,
});
const trustDenied: Array<[string, Record<string, string>, string?]> = [
  ['a same-named cluster in another region', podTags({ 'eks-cluster-arn': `arn:aws:eks:${OTHER_REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}` })],
  ['a same-named cluster in another account', podTags({ 'eks-cluster-arn': `arn:aws:eks:${REGION}:${OTHER_ACCOUNT}:cluster/${CLUSTER}` }), OTHER_ACCOUNT],
  ['the sibling cluster', podTags({ 'eks-cluster-arn': `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:cluster/${SIBLING}`, 'eks-cluster-name': SIBLING })],
  ['the sibling cluster claiming our name tag', podTags({ 'eks-cluster-arn': `arn:aws:eks:${REGION}:${TEST_ACCOUNT}:cluster/${SIBLING}` })],
  ['another namespace', podTags({ 'kubernetes-namespace': 'default' })],
  ['another service account', podTags({ 'kubernetes-service-account': 'default' })],
];

describe('AwsCostOptimizerStack policy under IAM simulation', () => {
  afterAll(() => {
    console.log(`iam-simulate: ${count} requests (${allowed.length} allowed, ${denied.length} denied, ${trustDenied.length + 1} trust)`);
  });
  it.each(allowed)('allows: %s', async (_name, req) => {
    expect(await decide(req)).toBe('Allowed');
  });
  it.each(denied)('denies: %s', async (_name, req) => {
    expect(await decide(req)).not.toBe('Allowed');
  });
});

describe('AwsCostOptimizerStack Pod Identity trust under IAM simulation', () => {
  it('admits this cluster\'s agent service account', async () => {
    expect(await assume(podTags())).toBe('Allowed');
  });
  it.each(trustDenied)('refuses %s', async (_name, tags, account) => {
    expect(await assume(tags, account)).not.toBe('Allowed');
  });
});

// IRSA trust is not simulated: iam-simulate drops the OIDC provider's own condition keys (`<issuer>:sub`,
// `<issuer>:aud`), so every web-identity request is implicitly denied there. aws-cost-optimizer.test.ts
// asserts the exact :sub and :aud conditions instead.
