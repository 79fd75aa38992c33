/**
 * GCP IAM rules over Terraform JSON: every form Terraform grants a role in (`google_<scope>_iam_member`,
 * `_binding`, `_policy` with its `policy_data` or a `google_iam_policy` data source), each read with its
 * real scope (organisation, folder, project, or one resource such as a subnetwork or a service account).
 * Conditions are judged by what they confine (gcp-condition-scope.ts). Pure functions; the permission
 * list is passed in.
 */
import { judgeGcpCondition } from './gcp-condition-scope';
import { asList, blocksOf, dynamicBlocksReason, dynamicBlockTypes, finding, isObj, nestedBlocks, Obj, strings, TerraformBlock } from './terraform';
import { evaluateTemplate, toJson, tryEvaluateJsonValue } from './terraform-expr';
import { DataGenerator, TerraformInput, terraformInput } from './terraform-input';
import { Finding, Manifest, RuleMeta, TerraformContext } from './types';

const meta = (id: string, title: string, explanation: string, fix: string): RuleMeta => ({ id, title, severity: 'error', explanation, fix });

export const GCP_RULES = {
  unknownPermission: meta('gcp-unknown-permission', 'A custom-role permission that does not exist',
    'Google rejects a custom role with an unknown permission, or the permission is not supported in custom roles: the apply fails or the role lacks what was intended.',
    'Correct the name, or use a permission that custom roles support. The list compared with is the file given to --gcp-permissions; the package ships one (node_modules/secure-agent-constructs/data/gcp-permissions.txt, the permissions of predefined roles), and docs/gcp-permissions.md shows how to list your own project\'s with gcloud.'),
  unconditionedMutation: meta('gcp-unconditioned-mutation', 'A mutating role bound on a project, folder or organisation that no condition confines',
    'A binding above the resource level of a role that creates, changes or deletes resources reaches every cluster of the project (or of every project below the folder). A condition that is always true, or that only names the project, confines nothing.',
    'Add a condition that names this cluster\'s resources, e.g. resource.name.extract("/instances/{name}").startsWith("gke-<cluster>-"), or bind the role on the resource itself.'),
  basicRole: meta('gcp-basic-role', 'A basic role (owner, editor, viewer) on a project, folder or organisation',
    'Basic roles predate IAM\'s fine-grained roles: owner and editor change almost everything in the project, viewer reads almost everything (data included in some services), and none of them can be confined to one cluster.',
    'Bind a predefined or custom role that lists what the agent needs, with a condition naming this cluster\'s resources.'),
  workloadIdentityWide: meta('gcp-workload-identity-wide', 'A Workload Identity principal set instead of one Kubernetes service account',
    'All GKE clusters of a project share one workload identity pool (PROJECT.svc.id.goog): a principalSet for a namespace, an attribute or the whole pool matches Kubernetes service accounts of every cluster in the project, present and future; one for kubernetes.cluster matches every workload of that cluster.',
    'Grant to one Kubernetes service account: principal://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<project>.svc.id.goog/subject/ns/<namespace>/sa/<name>; where a cluster-wide set is chosen on purpose (to avoid identity sameness across clusters), exempt the binding with that reason.'),
  serviceAccountKey: meta('gcp-service-account-key', 'A service-account key',
    'A key is a long-lived credential that leaves the cluster and outlives the workload.',
    'Remove the key; bind the Kubernetes service account with Workload Identity instead.'),
  policyUnreadable: meta('gcp-policy-unreadable', 'An IAM policy the checker cannot read',
    'policy_data that is not valid JSON fails at apply; one built by an expression the checker does not evaluate (a function, a variable, a data source outside the input) is not checked at all.',
    'Write policy_data as JSON or as a google_iam_policy data source in the same input; or check it where it is built and exempt this block with the reason.'),
} as const;

export const GCP_RULE_LIST: readonly RuleMeta[] = Object.values(GCP_RULES);

const READ_VERB = /\.(get|list|getIamPolicy|listEffectiveTags|listTagBindings|useReadOnly)$/;
const READ_ROLE = /(viewer|Viewer|reader|Reader|\.browser|^roles\/browser)$/;
const BASIC_ROLES = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);
const HIERARCHY = /^google_(project|folder|organization)_iam_(member|binding|policy)$/;
const RESOURCE_LEVEL = /^google_(.+)_iam_(member|binding|policy)$/;

export interface GcpIamOptions {
  /** Known permissions; when absent, gcp-unknown-permission does not run. */
  readonly knownPermissions?: ReadonlySet<string>;
}

type Level = 'organization' | 'folder' | 'project' | 'resource';
interface Scope { level: Level; describe: string }
interface Binding {
  kind: string; name: string;
  /** Path prefix of the binding inside its block ('' for _member/_binding). */
  base: string;
  role: string;
  members: Array<{ member: string; path: string }>;
  condition?: { expression: unknown; path: string };
  conditionPath: string;
  scope: Scope;
}

const join = (base: string, field: string) => (base ? `${base}.${field}` : field);

function scopeOf(type: string, body: Obj): Scope {
  const h = HIERARCHY.exec(type);
  if (h) {
    const level = h[1] as Level;
    const id = level === 'project' ? body.project : level === 'folder' ? body.folder : body.org_id;
    return { level, describe: `${level} ${typeof id === 'string' ? id : '(the provider\'s default)'}` };
  }
  const noun = RESOURCE_LEVEL.exec(type)?.[1] ?? type;
  const last = noun.split('_').pop()!;
  const attr = [`${noun}_id`, noun, last, `${last}_id`, `${last}_name`, 'name', 'resource'].find((a) => typeof body[a] === 'string');
  return { level: 'resource', describe: `${noun.replace(/_/g, ' ')} ${attr ? String(body[attr]) : '(unnamed)'}` };
}

/** The bindings of a policy (policy_data JSON or google_iam_policy) as plain objects. */
function bindingsFromPolicy(policy: Obj, kind: string, name: string, base: string, scope: Scope): Binding[] {
  return asList(policy.bindings as Obj | Obj[] | undefined).filter(isObj).map((b, i) => {
    const at = `${base}[${i}]`;
    const cond = isObj(b.condition) ? b.condition : undefined;
    return {
      kind, name, base: at, role: String(b.role ?? ''), scope,
      members: strings(b.members).map((m, j) => ({ member: m, path: `${at}.members[${j}]` })),
      condition: cond ? { expression: cond.expression, path: `${at}.condition` } : undefined,
      conditionPath: `${at}.condition`,
    };
  });
}

/** `data.google_iam_policy.<name>` as policy JSON (bindings from its `binding` blocks). */
function iamPolicyOf(block: TerraformBlock, input: TerraformInput): { policy: Obj } | { error: string } {
  const cache = input.cache('gcp-policies');
  const hit = cache.get(block.address) as { policy: Obj } | { error: string } | undefined;
  if (hit) return hit;
  const ctx = input.context(GENERATORS);
  const bindings: Obj[] = [];
  const generated = dynamicBlockTypes(block.body);
  let result: { policy: Obj } | { error: string } = generated.length > 0 ? { error: dynamicBlocksReason(generated) } : { policy: { bindings } };
  for (const [i, b] of nestedBlocks(block.body, 'binding').entries()) {
    if ('error' in result) break;
    const inner = dynamicBlockTypes(b);
    if (inner.length > 0) { result = { error: `binding[${i}]: ${dynamicBlocksReason(inner)}` }; break; }
    const ev = tryEvaluateJsonValue(b, ctx);
    if (!ev.ok) { result = { error: `binding[${i}]: ${ev.reason}` }; break; }
    const v = ev.value as Obj;
    const cond = nestedBlocks(v, 'condition')[0];
    bindings.push({ role: v.role, members: v.members, ...(cond ? { condition: cond } : {}) });
  }
  cache.set(block.address, result);
  return result;
}

const GENERATORS: Record<string, DataGenerator> = {
  google_iam_policy: (block, attribute, input) => {
    if (attribute !== 'policy_data') return undefined;
    const p = iamPolicyOf(block, input);
    return 'error' in p ? { error: `${block.address} cannot be evaluated: ${p.error}` } : { value: toJson(p.policy) };
  },
};

const POLICY_REF = /^\$\{\s*data\.google_iam_policy\.([A-Za-z0-9_-]+)\.policy_data\s*\}$/;

/** Where each google_iam_policy data source is applied in the input: the widest scope that uses it. */
function dataPolicyScopes(input: TerraformInput): Map<string, Scope> {
  const cache = input.cache('gcp-scopes');
  let map = cache.get('map') as Map<string, Scope> | undefined;
  if (map) return map;
  map = new Map();
  const rank: Record<Level, number> = { organization: 3, folder: 2, project: 1, resource: 0 };
  for (const doc of input.documents) {
    for (const b of blocksOf(doc, 'resource')) {
      if (!RESOURCE_LEVEL.test(b.type) || typeof b.body.policy_data !== 'string') continue;
      const m = POLICY_REF.exec(b.body.policy_data.trim());
      if (!m) continue;
      const scope = scopeOf(b.type, b.body);
      const prev = map.get(m[1]);
      if (!prev || rank[scope.level] > rank[prev.level]) map.set(m[1], scope);
    }
  }
  cache.set('map', map);
  return map;
}

/** Custom roles of the input, by every way a binding can name them. */
function customRoles(input: TerraformInput): Map<string, string[]> {
  const cache = input.cache('gcp-roles');
  let roles = cache.get('map') as Map<string, string[]> | undefined;
  if (roles) return roles;
  roles = new Map();
  for (const doc of input.documents) {
    for (const { type, name, body } of blocksOf(doc, 'resource')) {
      if (type !== 'google_project_iam_custom_role' && type !== 'google_organization_iam_custom_role') continue;
      const perms = strings(body.permissions);
      roles.set(`\${${type}.${name}.id}`, perms);
      roles.set(`\${${type}.${name}.name}`, perms);
      if (typeof body.role_id === 'string') {
        if (typeof body.project === 'string') roles.set(`projects/${body.project}/roles/${body.role_id}`, perms);
        if (typeof body.org_id === 'string') roles.set(`organizations/${body.org_id}/roles/${body.role_id}`, perms);
      }
    }
  }
  cache.set('map', roles);
  return roles;
}

const WI_SET = /^principalSet:\/\/iam\.googleapis\.com\/projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+\.svc\.id\.goog)\/(.*)$/;

/** What a pool-wide Workload Identity member matches, or undefined for a single Kubernetes service account. */
function workloadIdentitySpan(member: string): string | undefined {
  const m = WI_SET.exec(member);
  if (!m) return undefined;
  const rest = m[3];
  const pool = m[2];
  if (rest === '*') return `every workload of every cluster in the project (pool ${pool})`;
  const ns = /^namespace\/(.+)$/.exec(rest);
  if (ns) return `every Kubernetes service account in namespace ${ns[1]} of every cluster in the project (pool ${pool})`;
  const cluster = /^kubernetes\.cluster\/(.+)$/.exec(rest);
  if (cluster) return `every Kubernetes service account of cluster ${cluster[1]}`;
  return `every workload of every cluster in the project whose token matches ${rest} (pool ${pool})`;
}

export function checkGcpIam(doc: Manifest, options: GcpIamOptions = {}, tctx?: TerraformContext): Finding[] {
  const input = terraformInput(doc, tctx);
  const ctx = input.context(GENERATORS);
  const out: Finding[] = [];
  const bindings: Binding[] = [];
  const roles = customRoles(input);

  for (const b of blocksOf(doc, 'resource')) {
    const { type, name, body } = b;
    if (type === 'google_service_account_key') out.push(finding(GCP_RULES.serviceAccountKey, b.kind, name, '', 'a service-account key is created'));
    if ((type === 'google_project_iam_custom_role' || type === 'google_organization_iam_custom_role') && options.knownPermissions) {
      strings(body.permissions).forEach((p, i) => {
        if (!options.knownPermissions!.has(p)) out.push(finding(GCP_RULES.unknownPermission, b.kind, name, `permissions[${i}]`, `permission "${p}" is not in the permissions list`));
      });
    }
    const kindOf = RESOURCE_LEVEL.exec(type);
    if (!kindOf) continue;
    const scope = scopeOf(type, body);
    if (kindOf[2] === 'policy') {
      const data = body.policy_data;
      if (typeof data !== 'string') {
        out.push(finding(GCP_RULES.policyUnreadable, b.kind, name, 'policy_data', 'policy_data is not a JSON string'));
        continue;
      }
      const ref = POLICY_REF.exec(data.trim());
      if (ref) {
        if (!input.dataBlock('google_iam_policy', ref[1])) {
          out.push(finding(GCP_RULES.policyUnreadable, b.kind, name, 'policy_data', `policy_data cannot be evaluated: it refers to data.google_iam_policy.${ref[1]}, which is not in the input`));
        }
        continue; // checked with the data block, where its bindings are written
      }
      const ev = evaluateTemplate(data, ctx);
      let policy: unknown;
      if (ev.ok) {
        try { policy = JSON.parse(ev.value); } catch (err) {
          out.push(finding(GCP_RULES.policyUnreadable, b.kind, name, 'policy_data', `policy_data is not valid JSON (${(err as Error).message})`));
          continue;
        }
      } else {
        out.push(finding(GCP_RULES.policyUnreadable, b.kind, name, 'policy_data', `policy_data cannot be evaluated: ${ev.reason}`));
        continue;
      }
      if (!isObj(policy)) {
        out.push(finding(GCP_RULES.policyUnreadable, b.kind, name, 'policy_data', 'policy_data is not a JSON object'));
        continue;
      }
      bindings.push(...bindingsFromPolicy(policy, b.kind, name, 'policy_data.bindings', scope));
      continue;
    }
    if (dynamicBlockTypes(body).includes('condition')) {
      out.push(finding(GCP_RULES.policyUnreadable, b.kind, name, 'dynamic', `the condition cannot be evaluated: ${dynamicBlocksReason(['condition'])}`));
      continue;
    }
    const cond = nestedBlocks(body, 'condition')[0];
    const members = kindOf[2] === 'member'
      ? strings(body.member).map((m) => ({ member: m, path: 'member' }))
      : strings(body.members).map((m, j) => ({ member: m, path: `members[${j}]` }));
    bindings.push({
      kind: b.kind, name, base: '', role: typeof body.role === 'string' ? body.role : String(body.role ?? ''), scope, members,
      condition: cond ? { expression: cond.expression, path: 'condition' } : undefined, conditionPath: 'condition',
    });
  }

  const scopes = dataPolicyScopes(input);
  for (const b of blocksOf(doc, 'data')) {
    if (b.type !== 'google_iam_policy') continue;
    const p = iamPolicyOf(b, input);
    if ('error' in p) {
      out.push(finding(GCP_RULES.policyUnreadable, b.kind, b.name, '', `the policy cannot be evaluated: ${p.error}`));
      continue;
    }
    // Not applied in this input: judged as if bound on a project, the usual place.
    const scope = scopes.get(b.name) ?? { level: 'project' as const, describe: 'the project it is applied to' };
    bindings.push(...bindingsFromPolicy(p.policy, b.kind, b.name, 'binding', scope));
  }

  for (const bd of bindings) {
    const rolePath = join(bd.base, 'role');
    for (const { member, path } of bd.members) {
      const span = workloadIdentitySpan(member);
      if (span) out.push(finding(GCP_RULES.workloadIdentityWide, bd.kind, bd.name, path, `${member} is ${span}; it is granted ${bd.role} on ${bd.scope.describe}`));
    }
    if (bd.scope.level === 'resource') continue;
    if (BASIC_ROLES.has(bd.role)) {
      out.push(finding(GCP_RULES.basicRole, bd.kind, bd.name, rolePath, `basic role ${bd.role} is bound on ${bd.scope.describe}`));
      continue;
    }
    const perms = roles.get(bd.role);
    const mutating = perms ? perms.some((p) => !READ_VERB.test(p)) : !READ_ROLE.test(bd.role);
    if (!mutating) continue;
    const roleText = perms ? `${bd.role} (a custom role that ${describeChanges(perms)})` : bd.role;
    const expression = bd.condition?.expression;
    if (typeof expression === 'string' && expression.trim() !== '') {
      const verdict = judgeGcpCondition(expression);
      if (!verdict.confines) {
        out.push(finding(GCP_RULES.unconditionedMutation, bd.kind, bd.name, bd.conditionPath,
          `role ${roleText} is bound on ${bd.scope.describe} with a condition that confines nothing: "${excerpt(expression)}" (${verdict.why})`));
      }
    } else if (expression !== undefined && typeof expression !== 'string') {
      out.push(finding(GCP_RULES.unconditionedMutation, bd.kind, bd.name, bd.conditionPath, `role ${roleText} is bound on ${bd.scope.describe} with a condition the checker cannot read`));
    } else {
      out.push(finding(GCP_RULES.unconditionedMutation, bd.kind, bd.name, bd.conditionPath, `role ${roleText} is bound on ${bd.scope.describe} without a condition`));
    }
  }
  return out;
}

function describeChanges(perms: string[]): string {
  const changes = perms.filter((p) => !READ_VERB.test(p));
  return `may ${changes.slice(0, 4).join(', ')}${changes.length > 4 ? ` and ${changes.length - 4} more` : ''}`;
}

const excerpt = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

/** The family as the checker's registry takes it; `knownPermissions` enables gcp-unknown-permission. */
export function gcpIamFamily(options: GcpIamOptions = {}) {
  return {
    name: 'gcp', rules: GCP_RULE_LIST, check: (doc: Manifest, ctx?: TerraformContext) => checkGcpIam(doc, options, ctx),
    /** Rules of the family that do not run with these options (an exemption for them is not called stale). */
    inactive: options.knownPermissions ? [] : [GCP_RULES.unknownPermission.id],
  };
}
