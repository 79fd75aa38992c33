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
});
