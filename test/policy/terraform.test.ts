import { describe, expect, it } from 'vitest';
import { checkAwsIam } from '../../src/policy/aws-iam';
import { check } from '../../src/policy/engine';
import { blocksOf, isTerraformDocument } from '../../src/policy/terraform';
import { evaluateTemplate } from '../../src/policy/terraform-expr';
import { parseDocuments } from '../../src/policy/parse';

const policy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const terminateAll = { Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*' };
const hits = (doc: Record<string, unknown>) => checkAwsIam(doc).map((f) => `${f.rule} ${f.resource.kind}.${f.resource.name}`).sort();

describe('Terraform documents', () => {
  it('recognises any top-level Terraform block, not only resource', () => {
    for (const key of ['resource', 'data', 'provider', 'module', 'terraform', 'variable', 'output', 'locals']) {
      expect(isTerraformDocument({ [key]: {} }), key).toBe(true);
    }
    expect(isTerraformDocument({ '//': { metadata: {} }, data: { aws_iam_policy_document: {} } })).toBe(true);
    expect(isTerraformDocument({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {} })).toBe(false);
    expect(isTerraformDocument({ data: { a: 'b' }, spec: {} }), 'an unknown top-level key is not Terraform').toBe(false);
    expect(isTerraformDocument({})).toBe(false);
  });

  it('reads blocks in the object form and in every array form Terraform JSON allows', () => {
    const forms = [
      { resource: { aws_iam_policy: { weak: { policy: policy(terminateAll) } } } },
      { resource: [{ aws_iam_policy: { weak: { policy: policy(terminateAll) } } }] },
      { resource: { aws_iam_policy: [{ weak: { policy: policy(terminateAll) } }] } },
      { resource: { aws_iam_policy: { weak: [{ policy: policy(terminateAll) }] } } },
      { resource: [{ aws_iam_policy: [{ weak: [{ policy: policy(terminateAll) }] }] }] },
    ];
    for (const doc of forms) {
      expect(blocksOf(doc, 'resource').map((b) => `${b.type}.${b.name}`), JSON.stringify(doc)).toEqual(['aws_iam_policy.weak']);
      expect(hits(doc), JSON.stringify(doc)).toEqual(['aws-wildcard-mutation aws_iam_policy.weak']);
    }
  });

  it('reads inline_policy blocks in array form', () => {
    const doc = { resource: { aws_iam_role: { r: { assume_role_policy: policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      inline_policy: [{ name: 'a', policy: policy({ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }) }, { name: 'b', policy: policy(terminateAll) }] } } } };
    const f = checkAwsIam(doc);
    expect(f.map((x) => [x.rule, x.path])).toEqual([['aws-wildcard-mutation', 'inline_policy[1].policy.Statement[0].Resource']]);
  });

  it('checks a .tf.json with only data sources, through the engine', () => {
    const doc = { data: { aws_iam_policy_document: { wide: { statement: { actions: ['ec2:TerminateInstances'], resources: ['*'] } } } } };
    const r = check([doc]);
    expect(r.summary.objects).toBe(1);
    expect(r.findings.map((f) => `${f.rule} ${f.resource.kind}.${f.resource.name} ${f.path}`)).toEqual([
      'aws-wildcard-mutation data.aws_iam_policy_document.wide statement[0].resources',
    ]);
  });
});

describe('aws_iam_policy_document data sources', () => {
  it('turns statement, condition and principals blocks (object and array forms) into a policy, and resolves ${data...json}', () => {
    const doc = {
      data: { aws_iam_policy_document: {
        perms: { statement: [
          { sid: 'Read', actions: ['ec2:DescribeInstances'], resources: ['*'] },
          { sid: 'Kill', effect: 'Allow', actions: ['ec2:TerminateInstances'], resources: ['*'],
            condition: [{ test: 'StringLike', variable: 'aws:ResourceTag/kubernetes.io/cluster/prod', values: ['*'] }] },
        ] },
        trust: { statement: { actions: ['sts:AssumeRoleWithWebIdentity'], principals: [{ type: 'Federated', identifiers: ['arn:${data.aws_partition.current.partition}:iam::1:oidc-provider/oidc.eks.x/id/A'] }],
          condition: { test: 'StringEquals', variable: 'oidc.eks.x/id/A:aud', values: ['sts.amazonaws.com'] } } },
      } },
      resource: {
        aws_iam_role: { r: { assume_role_policy: '${data.aws_iam_policy_document.trust.json}' } },
        aws_iam_role_policy: { p: { role: '${aws_iam_role.r.name}', policy: '${data.aws_iam_policy_document.perms.json}' } },
      },
    };
    const f = checkAwsIam(doc);
    const summary = f.map((x) => `${x.rule} ${x.resource.kind}.${x.resource.name} ${x.path}`);
    // The finding is written where the statement is: the data block, by its statement index.
    expect(summary).toContain('aws-wildcard-mutation data.aws_iam_policy_document.perms statement[1](Kill).resources');
    expect(summary).toContain('aws-web-identity-unscoped data.aws_iam_policy_document.trust statement[0].condition');
    expect(f.find((x) => x.rule === 'aws-wildcard-mutation')!.message).toContain('confines nothing');
    // Read on "*" is not a finding, and nothing is reported twice (once checked through its user, not again on its own).
    expect(summary.filter((s) => s.startsWith('aws-wildcard-mutation'))).toHaveLength(1);
    expect(f.some((x) => x.rule === 'aws-policy-unreadable')).toBe(false);
  });

  it('merges source_policy_documents and override_policy_documents by Sid', () => {
    const doc = { data: { aws_iam_policy_document: {
      base: { statement: [{ sid: 'A', actions: ['ec2:TerminateInstances'], resources: ['*'] }] },
      fixed: { source_policy_documents: ['${data.aws_iam_policy_document.base.json}'],
        override_policy_documents: ['${data.aws_iam_policy_document.narrow.json}'] },
      narrow: { statement: [{ sid: 'A', actions: ['ec2:TerminateInstances'], resources: ['arn:${data.aws_partition.current.partition}:ec2:eu-west-1:1:instance/i-1'] }] },
    } }, resource: { aws_iam_policy: { p: { policy: '${data.aws_iam_policy_document.fixed.json}' } } } };
    // base on its own is wide (it is a document someone may use), but the merged document is not.
    expect(hits(doc)).toEqual(['aws-wildcard-mutation data.aws_iam_policy_document.base']);
  });
});

describe('Terraform expressions in policies', () => {
  it('evaluates jsonencode of a literal HCL object, with references kept as templates', () => {
    const text = '${jsonencode({\n  Version = "2012-10-17"\n  Statement = [{\n    Effect = "Allow", Action = ["sqs:ReceiveMessage"]\n    Resource = aws_sqs_queue.q.arn\n  }, {\n    "Effect": "Allow"\n    Action = "ec2:TerminateInstances", Resource = "*" # all of them\n  }]\n})}';
    const v = evaluateTemplate(text, {});
    expect(v).toEqual({ ok: true, value: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage'], Resource: '${aws_sqs_queue.q.arn}' },
      { Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*' },
    ] }) });
    const doc = { resource: { aws_iam_role_policy: { p: { policy: text } } } };
    expect(checkAwsIam(doc).map((f) => [f.rule, f.path])).toEqual([['aws-wildcard-mutation', 'policy.Statement[1].Resource']]);
  });

  it('keeps interpolations inside strings and unescapes HCL strings', () => {
    const v = evaluateTemplate('${jsonencode({ a = "arn:${data.aws_partition.current.partition}:iam::aws:policy/X", b = "q\\"uote$${lit}", c = [1, true, null] })}', {});
    expect(v.ok && JSON.parse(v.value)).toEqual({ a: 'arn:${data.aws_partition.current.partition}:iam::aws:policy/X', b: 'q"uote${lit}', c: [1, true, null] });
  });

  it('says so, as a finding, when a policy cannot be evaluated or is not JSON', () => {
    const doc = { resource: { aws_iam_policy: {
      fn: { policy: '${replace(data.aws_iam_policy_document.x.json, "a", "b")}' },
      variable: { policy: '${var.policy}' },
      missing: { policy: '${data.aws_iam_policy_document.elsewhere.json}' },
      broken: { policy: '{"Statement": [' },
      op: { policy: '${jsonencode({ Statement = var.a ? [] : [] })}' },
    } } };
    const f = checkAwsIam(doc).filter((x) => x.rule === 'aws-policy-unreadable');
    expect(f.map((x) => x.resource.name).sort()).toEqual(['broken', 'fn', 'missing', 'op', 'variable']);
    expect(f.every((x) => x.severity === 'error')).toBe(true);
    expect(f.find((x) => x.resource.name === 'broken')!.message).toContain('not valid JSON');
    expect(f.find((x) => x.resource.name === 'missing')!.message).toContain('data.aws_iam_policy_document.elsewhere');
  });

  it('resolves a data document defined in another file of the same input', () => {
    const a = { data: { aws_iam_policy_document: { x: { statement: { actions: ['ec2:TerminateInstances'], resources: ['*'] } } } } };
    const b = { resource: { aws_iam_policy: { p: { policy: '${data.aws_iam_policy_document.x.json}' } } } };
    const r = check([a, b]);
    expect(r.findings.map((f) => `${f.rule} ${f.resource.kind}.${f.resource.name}`)).toEqual(['aws-wildcard-mutation data.aws_iam_policy_document.x']);
  });
});

describe('exemptions in the Terraform JSON (the "//" block)', () => {
  const exempt = (exemptions: Record<string, string>) => ({ '//': { metadata: { path: 'x' }, 'secure-agents': { exemptions, reasons: { S: 'why this statement exists' } } } });

  it('exempts a finding on the block that carries a valid exemption, with its reason', () => {
    const doc = { resource: { aws_iam_policy: { p: { ...exempt({ 'aws-unscopable-mutation': 'X-Ray accepts only Resource "*"' }),
      policy: policy({ Sid: 'S', Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' }) } } } };
    const r = check([doc]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ rule: 'aws-unscopable-mutation', exempted: true, reason: 'X-Ray accepts only Resource "*"' });
    expect(r.summary).toMatchObject({ errors: 0, warnings: 0, exempted: 1 });
  });

  it('exempts findings located on a data document from the data block', () => {
    const doc = { data: { aws_iam_policy_document: { d: { ...exempt({ 'aws-wildcard-mutation': 'reviewed: the account holds this cluster only' }),
      statement: { actions: ['ec2:TerminateInstances'], resources: ['*'] } } } } };
    expect(check([doc]).findings).toEqual([expect.objectContaining({ rule: 'aws-wildcard-mutation', exempted: true })]);
  });

  it('reports a short reason, a stale exemption and an unknown rule', () => {
    const doc = { resource: { aws_iam_policy: {
      short: { ...exempt({ 'aws-wildcard-mutation': 'because' }), policy: policy(terminateAll) },
      stale: { ...exempt({ 'aws-wildcard-mutation': 'this used to be wide, it is not any more' }), policy: policy({ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }) },
      typo: { ...exempt({ 'aws-wildcard-mutaton': 'a typo in the rule id exempts nothing' }), policy: policy({ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }) },
    } } };
    const r = check([doc]);
    const got = r.findings.map((f) => `${f.rule} ${f.severity} ${f.resource.name} exempted=${f.exempted}`).sort();
    expect(got).toEqual([
      'aws-wildcard-mutation error short exempted=false',
      'exemption-missing-reason error short exempted=false',
      'exemption-unused warning stale exempted=false',
      'exemption-unused warning typo exempted=false',
    ]);
    expect(r.findings.find((f) => f.rule === 'exemption-missing-reason')!.path).toBe('//.secure-agents.exemptions["aws-wildcard-mutation"]');
  });

  it('does not call an exemption stale when its rule was not selected', () => {
    const doc = { resource: { aws_iam_policy: { p: { ...exempt({ 'aws-wildcard-mutation': 'reviewed: the account holds this cluster only' }), policy: policy(terminateAll) } } } };
    expect(check([doc], { rules: ['gcp-'] }).findings).toEqual([]);
  });
});

describe('hostile and odd inputs', () => {
  it('a reference cycle or a deeply nested expression is a finding, not a crash', () => {
    const cyc = { data: { aws_iam_policy_document: {
      a: { source_policy_documents: ['${data.aws_iam_policy_document.b.json}'] },
      b: { source_policy_documents: ['${data.aws_iam_policy_document.a.json}'] },
    } }, locals: { p: '${local.p}' }, resource: { aws_iam_policy: { l: { policy: '${local.p}' } } } };
    const f = checkAwsIam(cyc);
    expect(f.map((x) => `${x.rule} ${x.resource.kind}.${x.resource.name}`).sort()).toEqual([
      'aws-policy-unreadable aws_iam_policy.l', 'aws-policy-unreadable data.aws_iam_policy_document.a', 'aws-policy-unreadable data.aws_iam_policy_document.b',
    ]);
    const deep = `\${jsonencode(${'['.repeat(5000)}${']'.repeat(5000)})}`;
    const r = evaluateTemplate(deep, {});
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('nested levels');
  });

  it('resolves a local value holding a policy document', () => {
    const doc = { locals: { p: '${jsonencode({ Statement = [{ Effect = "Allow", Action = "ec2:TerminateInstances", Resource = "*" }] })}' },
      resource: { aws_iam_policy: { l: { policy: '${local.p}' } } } };
    expect(hits(doc)).toEqual(['aws-wildcard-mutation aws_iam_policy.l']);
  });

  it('parseDocuments accepts a .tf.json with only providers or data sources', () => {
    const r = parseDocuments(JSON.stringify({ provider: { aws: [{ region: 'eu-west-1' }] }, data: { aws_partition: { current: {} } } }), 'only-data.tf.json');
    expect(r.problems).toEqual([]);
    expect(r.inputs).toHaveLength(1);
  });

  it('long chains of documents or locals are cut at a depth, with a finding, not a stack overflow', () => {
    const docs: Record<string, unknown> = { d0: { statement: { actions: ['ec2:DescribeInstances'], resources: ['*'] } } };
    for (let i = 1; i < 2000; i++) docs[`d${i}`] = { source_policy_documents: [`\${data.aws_iam_policy_document.d${i - 1}.json}`] };
    const locals: Record<string, string> = { l0: '{"Statement": []}' };
    for (let i = 1; i < 2000; i++) locals[`l${i}`] = `\${local.l${i - 1}}`;
    const doc = { data: { aws_iam_policy_document: docs }, locals, resource: { aws_iam_policy: { p: { policy: '${local.l1999}' } } } };
    const f = checkAwsIam(doc);
    expect(f.every((x) => x.rule === 'aws-policy-unreadable')).toBe(true);
    expect(f.find((x) => x.resource.name === 'p')!.message).toContain('nest more than');
    expect(f.find((x) => x.resource.name === 'd1999')!.message).toMatch(/more than \d+ deep/);
    expect(f.some((x) => x.resource.name === 'd1')).toBe(false);
  });

  it('a module converted by an HCL-to-JSON tool: array forms everywhere, and a dynamic block is said to be unevaluated, not read as absent', () => {
    // The shape hcl2json writes for an IRSA module's cluster-autoscaler policy (every block an array, expressions as "${...}").
    const converted = {
      data: { aws_iam_policy_document: { cluster_autoscaler: [{
        statement: [
          { sid: 'Read', actions: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeLaunchTemplateVersions'], resources: ['*'] },
          { sid: 'Scale', actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'], resources: ['*'],
            dynamic: { condition: [{ for_each: '${var.cluster_names}', content: [{ test: 'StringEquals', variable: 'autoscaling:ResourceTag/kubernetes.io/cluster/${condition.value}', values: ['owned'] }] }] } },
        ],
      }] } },
      resource: { aws_iam_policy: { cluster_autoscaler: [{ count: '${var.create ? 1 : 0}', policy: '${data.aws_iam_policy_document.cluster_autoscaler.json}' }] } },
    };
    const f = checkAwsIam(converted);
    expect(f.map((x) => `${x.rule} ${x.resource.kind}.${x.resource.name}`)).toEqual(['aws-policy-unreadable data.aws_iam_policy_document.cluster_autoscaler']);
    expect(f[0].message).toContain('dynamic');
    // With the condition written out, the same module is clean: the Scale statement is confined by the cluster tag.
    const written = structuredClone(converted) as any;
    const scale = written.data.aws_iam_policy_document.cluster_autoscaler[0].statement[1];
    delete scale.dynamic;
    scale.condition = [{ test: 'StringEquals', variable: 'autoscaling:ResourceTag/kubernetes.io/cluster/prod', values: ['owned'] }];
    expect(checkAwsIam(written)).toEqual([]);
  });

  it('an exemption for gcp-unknown-permission is not called stale when no permissions list was given', () => {
    const doc = { resource: { google_project_iam_custom_role: { r: { '//': { 'secure-agents': { exemptions: { 'gcp-unknown-permission': 'a permission newer than the list' } } },
      role_id: 'r', permissions: ['compute.instances.get'] } } } };
    expect(check([doc]).findings).toEqual([]);
    expect(check([doc], { gcpPermissions: new Set(['compute.instances.get']) }).findings.map((f) => f.rule)).toEqual(['exemption-unused']);
  });

  it('an exemption for a Kubernetes rule on a Terraform block is reported as exempting nothing', () => {
    const doc = { resource: { aws_iam_policy: { p: { '//': { 'secure-agents': { exemptions: { 'pss-privileged': 'copied from the chart by mistake' } } },
      policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }] }) } } } };
    const f = check([doc]).findings;
    expect(f.map((x) => `${x.rule} ${x.severity}`)).toEqual(['exemption-unused warning']);
    expect(f[0].message).toContain('Kubernetes');
  });

  it('a reason padded with invisible characters is not a reason', () => {
    const doc = { resource: { aws_iam_policy: { p: { '//': { 'secure-agents': { exemptions: { 'aws-wildcard-mutation': 'ok\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b' } } },
      policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*' }] }) } } } };
    const f = check([doc]).findings;
    expect(f.map((x) => `${x.rule} ${x.exempted}`).sort()).toEqual(['aws-wildcard-mutation false', 'exemption-missing-reason false']);
  });
});
