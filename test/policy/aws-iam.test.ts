import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { AWS_RULE_LIST, checkAwsIam } from '../../src/policy/aws-iam';

const DIST = path.resolve(__dirname, '../../dist/terraform');
const tf = (resource: Record<string, Record<string, unknown>>) => ({ resource });
const policy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const rulesOf = (doc: Record<string, unknown>) => [...new Set(checkAwsIam(doc).map((f) => f.rule))].sort();

describe('aws-* rules', () => {
  it('every rule has an id, title, explanation and fix', () => {
    for (const r of AWS_RULE_LIST) {
      expect(r.id).toMatch(/^aws-[a-z-]+$/);
      expect(r.title.length && r.explanation.length && r.fix.length).toBeGreaterThan(0);
    }
  });

  it('finds no error in our synthesised Terraform', () => {
    const docs = fs.readdirSync(DIST).map((d) => JSON.parse(fs.readFileSync(path.join(DIST, d, 'cdk.tf.json'), 'utf8')));
    expect(docs.length).toBeGreaterThanOrEqual(2);
    for (const doc of docs) expect(checkAwsIam(doc)).toEqual([]);
  });

  it('finds each weakness of a hand-written policy with CreateTags on * and PassRole on arn:aws:iam::*:role/*', () => {
    const doc = tf({ aws_iam_policy: { weak: { name: 'weak', policy: policy(
      { Effect: 'Allow', Action: ['ec2:CreateTags', 'ec2:TerminateInstances'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/*' },
    ) } } });
    const findings = checkAwsIam(doc);
    expect(rulesOf(doc)).toEqual(['aws-createtags-unscoped', 'aws-hardcoded-partition', 'aws-passrole-wildcard', 'aws-wildcard-mutation']);
    expect(findings.find((f) => f.rule === 'aws-passrole-wildcard')).toMatchObject({
      severity: 'error', resource: { apiVersion: 'terraform', kind: 'aws_iam_policy', name: 'weak' }, path: 'policy.Statement[1].Resource', exempted: false,
    });
    expect(findings.find((f) => f.rule === 'aws-wildcard-mutation')!.message).toContain('ec2:TerminateInstances');
  });

  it('CreateTags with ec2:CreateAction, a scoped PassRole and a conditioned mutation are clean', () => {
    const doc = tf({ aws_iam_role_policy: { ok: { policy: policy(
      { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } } },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:${data.aws_partition.current.partition}:iam::1:role/node', Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
      { Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' },
    ) } } });
    expect(checkAwsIam(doc)).toEqual([]);
  });

  it('finds unknown actions and condition keys that do not apply to the action', () => {
    const doc = tf({ aws_iam_role_policy: { p: { policy: policy(
      { Effect: 'Allow', Action: ['ec2:RunInstance', 'ec2:Frobnicate*'], Resource: 'x' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'r', Condition: { StringEquals: { 'ec2:Vpc': 'v', 'iam:PassedToService': 'ec2.amazonaws.com' } } },
      { Effect: 'Allow', Action: 'ec2:RunInstances', Resource: 'r', Condition: { StringEquals: { 'ec2:Vpc': 'v', 'aws:RequestTag/k': 'o' } } },
    ) } } });
    const f = checkAwsIam(doc);
    expect(f.filter((x) => x.rule === 'aws-unknown-action').map((x) => x.message)).toEqual(['action "ec2:RunInstance" does not exist', 'action "ec2:Frobnicate*" does not exist']);
    expect(f.filter((x) => x.rule === 'aws-unknown-condition-key').map((x) => x.message)).toEqual(['condition key "ec2:Vpc" does not apply to iam:PassRole']);
  });

  it('finds users, access keys, unscoped web-identity trust and cross-account trust without ExternalId', () => {
    const trust = policy(
      { Effect: 'Allow', Principal: { Federated: 'arn:${data.aws_partition.current.partition}:iam::1:oidc-provider/oidc.eks.x/id/A' }, Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'oidc.eks.x/id/A:aud': 'sts.amazonaws.com' } } },
      { Effect: 'Allow', Principal: { AWS: '999988887777' }, Action: 'sts:AssumeRole' },
    );
    const doc = tf({ aws_iam_user: { u: { name: 'agent' } }, aws_iam_access_key: { k: { user: 'agent' } }, aws_iam_role: { r: { assume_role_policy: trust } } });
    expect(rulesOf(doc)).toEqual(['aws-access-key', 'aws-cross-account-no-external-id', 'aws-iam-user', 'aws-web-identity-unscoped']);
  });

  it('an Allow with NotAction, NotResource or NotPrincipal is an error', () => {
    const doc = tf({ aws_iam_policy: { p: { policy: policy(
      { Sid: 'AllButIam', Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
      { Effect: 'Allow', Action: 'ec2:TerminateInstances', NotResource: 'arn:${data.aws_partition.current.partition}:ec2:eu-west-1:1:instance/i-keep' },
      { Effect: 'Deny', NotAction: 'ec2:Describe*', Resource: '*' },
    ) } }, aws_sqs_queue_policy: { q: { policy: policy({ Effect: 'Allow', NotPrincipal: { AWS: 'arn:${data.aws_partition.current.partition}:iam::1:root' }, Action: 'sqs:SendMessage', Resource: 'q' }) } } });
    const f = checkAwsIam(doc).filter((x) => x.rule === 'aws-allow-not');
    expect(f.map((x) => [x.resource.name, x.path])).toEqual([
      ['p', 'policy.Statement[0](AllButIam).NotAction'], ['p', 'policy.Statement[1].NotResource'], ['q', 'policy.Statement[0].NotPrincipal'],
    ]);
    expect(f[0].message).toContain('every action except');
  });

  it('finds attachments of dangerous AWS managed policies in every attachment form', () => {
    const arn = (n: string) => `arn:\${data.aws_partition.current.partition}:iam::aws:policy/${n}`;
    const doc = tf({
      aws_iam_role_policy_attachment: { admin: { role: 'r', policy_arn: arn('AdministratorAccess') }, worker: { role: 'r', policy_arn: arn('AmazonEKSWorkerNodePolicy') },
        own: { role: 'r', policy_arn: '${aws_iam_policy.p.arn}' } },
      aws_iam_policy_attachment: { ec2ro: { name: 'x', roles: ['r'], policy_arn: 'arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess' } },
      aws_iam_user_policy_attachment: { iam: { user: 'u', policy_arn: arn('IAMFullAccess') } },
      aws_iam_group_policy_attachment: { ro: { group: 'g', policy_arn: arn('ReadOnlyAccess') } },
      aws_iam_role: { r: { assume_role_policy: policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        managed_policy_arns: [arn('PowerUserAccess'), arn('AmazonSSMManagedInstanceCore')] } },
    });
    const f = checkAwsIam(doc).filter((x) => x.rule === 'aws-managed-policy');
    expect(f.map((x) => `${x.resource.kind}.${x.resource.name} ${x.path}`).sort()).toEqual([
      'aws_iam_group_policy_attachment.ro policy_arn',
      'aws_iam_policy_attachment.ec2ro policy_arn',
      'aws_iam_role.r managed_policy_arns[0]',
      'aws_iam_role_policy_attachment.admin policy_arn',
      'aws_iam_user_policy_attachment.iam policy_arn',
    ]);
    expect(f.find((x) => x.resource.name === 'ec2ro')!.message).toContain('user data');
    expect(f.find((x) => x.resource.name === 'admin')!.message).toContain('AdministratorAccess');
  });

  it('reads inline user and group policies', () => {
    const doc = tf({ aws_iam_user_policy: { u: { user: 'u', policy: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }) } },
      aws_iam_group_policy: { g: { group: 'g', policy: policy({ Effect: 'Allow', Action: 's3:DeleteBucket', Resource: '*' }) } } });
    expect(rulesOf(doc)).toEqual(['aws-passrole-wildcard', 'aws-wildcard-mutation']);
    expect(checkAwsIam(doc).map((f) => f.resource.name).sort()).toEqual(['g', 'u', 'u']);
  });

  describe('conditions are judged by what they allow', () => {
    const tag = 'aws:ResourceTag/kubernetes.io/cluster/prod';
    const onAll = (Condition: unknown) => tf({ aws_iam_policy: { p: { policy: policy({ Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*', Condition }) } } });
    const onInstances = (Condition: unknown) => tf({ aws_iam_policy: { p: { policy: policy({ Effect: 'Allow', Action: 'ec2:TerminateInstances',
      Resource: 'arn:${data.aws_partition.current.partition}:ec2:eu-west-1:1:instance/*', Condition }) } } });

    it('a condition that names the cluster tag value confines the action', () => {
      for (const c of [{ StringEquals: { [tag]: 'owned' } }, { StringLike: { [tag]: 'own*' } }, { StringEquals: { [tag]: ['owned', 'shared'] } },
        { StringEquals: { [tag]: 'owned' }, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } }]) {
        expect(rulesOf(onAll(c)), JSON.stringify(c)).toEqual([]);
        expect(rulesOf(onInstances(c)), JSON.stringify(c)).toEqual([]);
      }
    });

    it('conditions that confine nothing do not count as scoping', () => {
      const nothing = [
        { StringLike: { [tag]: '*' } },
        { StringLike: { [tag]: ['owned', '*'] } },
        { StringLike: { [tag]: '?*' } },
        { StringEqualsIfExists: { [tag]: 'owned' } },
        { StringNotEquals: { [tag]: 'other' } },
        { Null: { [tag]: 'false' } },
        { 'ForAllValues:StringEquals': { [tag]: 'owned' } },
        { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      ];
      for (const c of nothing) {
        const all = checkAwsIam(onAll(c));
        expect(all.map((f) => f.rule), JSON.stringify(c)).toContain('aws-wildcard-mutation');
        expect(all.find((f) => f.rule === 'aws-wildcard-mutation')!.message, JSON.stringify(c)).toMatch(/confines nothing|only the region/);
        // A region is not a resource: on instance/* it is a plain unconditioned pattern (see below), on "*" it is reported above.
        if (!JSON.stringify(c).includes('RequestedRegion')) expect(rulesOf(onInstances(c)), JSON.stringify(c)).toContain('aws-condition-confines-nothing');
      }
    });

    it('an unconditioned pattern like instance/* for RunInstances alongside other types is not a finding (Karpenter shape)', () => {
      const doc = tf({ aws_iam_policy: { p: { policy: policy({ Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: ['arn:${data.aws_partition.current.partition}:ec2:eu-west-1:*:security-group/*', 'arn:${data.aws_partition.current.partition}:ec2:eu-west-1:*:subnet/*'] }) } } });
      expect(checkAwsIam(doc)).toEqual([]);
    });
  });

  describe('tagging', () => {
    const inst = 'arn:${data.aws_partition.current.partition}:ec2:eu-west-1:1:instance/*';
    const retag = (Condition: unknown) => tf({ aws_iam_role_policy: { p: { policy: policy(
      { Sid: 'Retag', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: inst, Condition },
      { Sid: 'Kill', Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: inst, Condition: { StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/prod': 'owned' } } },
    ) } } });
    const owned = { 'aws:ResourceTag/kubernetes.io/cluster/prod': 'owned' };

    it('retagging the cluster\'s own resources with non-scoping keys is clean', () => {
      expect(rulesOf(retag({ StringEquals: owned, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Name', 'team'] } }))).toEqual([]);
      expect(rulesOf(retag({ StringEquals: { ...owned, 'ec2:CreateAction': 'RunInstances' } }))).toEqual([]);
    });

    it('a TagKeys list that includes the cluster key lets the caller set the cluster tag itself', () => {
      const f = checkAwsIam(retag({ StringEquals: owned, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Name', 'kubernetes.io/cluster/prod'] } }));
      expect(f.map((x) => x.rule)).toEqual(['aws-createtags-unscoped']);
      expect(f[0].message).toContain('kubernetes.io/cluster/prod');
      expect(rulesOf(retag({ StringEquals: owned, 'ForAllValues:StringLike': { 'aws:TagKeys': ['Name', 'kubernetes.io/*'] } }))).toEqual(['aws-createtags-unscoped']);
    });

    it('ForAnyValue on aws:TagKeys limits nothing', () => {
      const f = checkAwsIam(retag({ StringEquals: owned, 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['Name'] } }));
      expect(f.map((x) => x.rule)).toEqual(['aws-createtags-unscoped']);
      expect(f[0].message).toContain('ForAnyValue');
    });

    it('retagging any resource, or a shared one, without a TagKeys limit is a finding', () => {
      expect(rulesOf(retag({ StringEquals: { 'aws:RequestTag/kubernetes.io/cluster/prod': 'owned' } }))).toEqual(['aws-createtags-unscoped']);
      expect(rulesOf(retag({ StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/prod': ['owned', 'shared'] } }))).toEqual(['aws-createtags-unscoped']);
      expect(rulesOf(retag({ StringEquals: owned }))).toEqual([]);
    });
  });

  it('tells an action that cannot be confined to resources apart from one whose ARN can be named', () => {
    const doc = tf({ aws_iam_policy: { p: { policy: policy({ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'ec2:DeleteKeyPair'], Resource: '*' }) } } });
    const f = checkAwsIam(doc);
    expect(f.map((x) => `${x.rule} ${x.severity}`).sort()).toEqual(['aws-unscopable-mutation warning', 'aws-wildcard-mutation error']);
    expect(f.find((x) => x.rule === 'aws-unscopable-mutation')!.message).toContain('xray:PutTraceSegments');
    expect(f.find((x) => x.rule === 'aws-unscopable-mutation')!.message).not.toContain('ec2:DeleteKeyPair');
    expect(f.find((x) => x.rule === 'aws-wildcard-mutation')!.message).toContain('ec2:DeleteKeyPair');
    expect(f.find((x) => x.rule === 'aws-unscopable-mutation')!.fix).not.toMatch(/by ARN/);
  });

  it('does not call a Terraform reference in Action an unknown action', () => {
    const doc = tf({ aws_iam_policy: { p: { policy: policy({ Effect: 'Allow', Action: '${var.action}', Resource: 'arn:${data.aws_partition.current.partition}:sqs:eu-west-1:1:q' }) } } });
    expect(rulesOf(doc)).toEqual([]);
  });

  describe('a weakened copy of our AWS stack is an error', () => {
    const ours = () => {
      const d = fs.readdirSync(DIST).find((x) => x.includes('aws'))!;
      return JSON.parse(fs.readFileSync(path.join(DIST, d, 'cdk.tf.json'), 'utf8'));
    };
    type Stmt = { Sid?: string; Action: string[]; Condition?: Record<string, Record<string, unknown>> };
    const weaken = (change: (statements: Stmt[]) => void) => {
      const doc = ours();
      const [name, body] = Object.entries(doc.resource.aws_iam_role_policy as Record<string, { policy: string }>)[0];
      const p = JSON.parse(body.policy);
      change(p.Statement);
      doc.resource.aws_iam_role_policy[name].policy = JSON.stringify(p);
      return checkAwsIam(doc).filter((f) => f.severity === 'error');
    };
    const clusterKey = (c: Record<string, Record<string, unknown>>) => Object.keys(c.StringEquals ?? {}).find((k) => k.includes('kubernetes.io/cluster/'))!;

    it('a StringLike "*" cluster-tag condition', () => {
      const f = weaken((ss) => {
        for (const s of ss.filter((x) => x.Action.includes('ec2:TerminateInstances'))) {
          const key = clusterKey(s.Condition!);
          delete s.Condition!.StringEquals[key];
          s.Condition!.StringLike = { [key]: '*' };
        }
      });
      expect(f.map((x) => x.rule)).toContain('aws-condition-confines-nothing');
      expect(f.find((x) => x.rule === 'aws-condition-confines-nothing')!.message).toContain('"*"');
    });

    it('a TagKeys list that includes the cluster key', () => {
      const f = weaken((ss) => {
        const retag = ss.find((x) => x.Action.includes('ec2:CreateTags') && x.Condition?.['ForAllValues:StringEquals'])!;
        const key = clusterKey(retag.Condition!).replace(/^aws:ResourceTag\//, '');
        (retag.Condition!['ForAllValues:StringEquals']['aws:TagKeys'] as string[]).push(key);
      });
      expect(f.map((x) => x.rule)).toEqual(['aws-createtags-unscoped']);
    });
  });

  it('Action "*" on every instance with a condition that confines nothing is reported like any other mutation', () => {
    const doc = tf({ aws_iam_policy: { p: { policy: policy({ Effect: 'Allow', Action: '*', Resource: 'arn:${data.aws_partition.current.partition}:ec2:eu-west-1:1:instance/*',
      Condition: { StringLike: { 'aws:ResourceTag/kubernetes.io/cluster/prod': '*' } } }) } } });
    expect(rulesOf(doc)).toEqual(['aws-condition-confines-nothing', 'aws-createtags-unscoped', 'aws-passrole-wildcard']);
  });

  it('trust conditions are judged by what they allow: a wildcard service account, an ExternalId of "*" or IfExists do not count', () => {
    const fed = 'arn:${data.aws_partition.current.partition}:iam::1:oidc-provider/oidc.eks.x/id/A';
    const web = (Condition: unknown) => ({ Effect: 'Allow', Principal: { Federated: fed }, Action: 'sts:AssumeRoleWithWebIdentity', Condition });
    const cross = (Condition: unknown) => ({ Effect: 'Allow', Principal: { AWS: 'arn:${data.aws_partition.current.partition}:iam::999988887777:root' }, Action: 'sts:AssumeRole', Condition });
    const trust = (s: unknown) => tf({ aws_iam_role: { r: { assume_role_policy: policy(s) } } });
    const aud = { 'oidc.eks.x/id/A:aud': 'sts.amazonaws.com' };
    expect(rulesOf(trust(web({ StringEquals: { ...aud, 'oidc.eks.x/id/A:sub': 'system:serviceaccount:agents:optimizer' } })))).toEqual([]);
    expect(rulesOf(trust(web({ StringEquals: aud, StringLike: { 'oidc.eks.x/id/A:sub': 'system:serviceaccount:agents:*' } })))).toEqual([]);
    for (const c of [
      { StringEquals: aud, StringLike: { 'oidc.eks.x/id/A:sub': 'system:serviceaccount:*:optimizer' } },
      { StringEquals: aud, StringLike: { 'oidc.eks.x/id/A:sub': '*' } },
      { StringEquals: aud, StringEqualsIfExists: { 'oidc.eks.x/id/A:sub': 'system:serviceaccount:agents:optimizer' } },
      { StringEquals: aud, StringNotEquals: { 'oidc.eks.x/id/A:sub': 'system:serviceaccount:kube-system:default' } },
    ]) expect(rulesOf(trust(web(c))), JSON.stringify(c)).toEqual(['aws-web-identity-unscoped']);
    expect(rulesOf(trust(cross({ StringEquals: { 'sts:ExternalId': 'a1b2c3' } })))).toEqual([]);
    expect(rulesOf(trust(cross({ StringLike: { 'sts:ExternalId': '*' } })))).toEqual(['aws-cross-account-no-external-id']);
    expect(rulesOf(trust(cross({ StringEqualsIfExists: { 'sts:ExternalId': 'a1b2c3' } })))).toEqual(['aws-cross-account-no-external-id']);
  });

  it('follows an attachment to a data "aws_iam_policy" looked up by name or ARN', () => {
    const doc = { data: { aws_iam_policy: { admin: { name: 'AdministratorAccess' }, ro: { arn: 'arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess' },
      mine: { name: 'my-own-policy' } } },
    resource: { aws_iam_role_policy_attachment: { a: { role: 'r', policy_arn: '${data.aws_iam_policy.admin.arn}' }, b: { role: 'r', policy_arn: '${data.aws_iam_policy.ro.arn}' },
      c: { role: 'r', policy_arn: '${data.aws_iam_policy.mine.arn}' } } } };
    expect(checkAwsIam(doc).map((f) => `${f.rule} ${f.resource.name}`).sort()).toEqual(['aws-managed-policy a', 'aws-managed-policy b']);
  });

  it('finds a dangerous managed policy handed to a module as an input', () => {
    const doc = { module: { irsa: [{ source: 'terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks',
      role_policy_arns: { admin: 'arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess', ok: 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy' } }] } };
    const f = checkAwsIam(doc);
    expect(f.map((x) => `${x.rule} ${x.resource.kind}.${x.resource.name} ${x.path}`)).toEqual(['aws-managed-policy module.irsa role_policy_arns.admin']);
  });

  describe('a pattern that covers every resource of the action\'s type, with no condition', () => {
    const arn = (t: string) => `arn:\${data.aws_partition.current.partition}:ec2:eu-west-1:1:${t}`;
    const one = (Action: string[], Resource: string[]) => tf({ aws_iam_policy: { p: { policy: policy({ Effect: 'Allow', Action, Resource }) } } });
    it('is a wildcard mutation when the action changes existing resources of that type', () => {
      const f = checkAwsIam(one(['ec2:TerminateInstances', 'ec2:CreateLaunchTemplateVersion'], [arn('instance/*'), arn('launch-template/*')]));
      expect(f.map((x) => x.rule)).toEqual(['aws-wildcard-mutation']);
      expect(f[0].message).toContain('ec2:TerminateInstances');
      expect(f[0].message).toContain('every instance');
      expect(f[0].message).toContain('ec2:CreateLaunchTemplateVersion');
    });
    it('is not when the action creates the resource (it cannot be named before it exists) or only uses it', () => {
      expect(checkAwsIam(one(['ec2:RunInstances', 'ec2:CreateFleet'], [arn('instance/*'), arn('volume/*'), arn('security-group/*'), arn('subnet/*')]))).toEqual([]);
      expect(checkAwsIam(one(['ec2:TerminateInstances'], [arn('instance/i-0123456789abcdef0')]))).toEqual([]);
    });
  });
});
