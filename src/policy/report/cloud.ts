/**
 * Cloud identities in Terraform JSON, for the report: the AWS role a ServiceAccount assumes (IRSA or EKS
 * Pod Identity) with its statements, and the Google service account it acts as (GKE Workload Identity)
 * with its grants. Indexed once over every Terraform document given.
 */
import { isObj, Obj } from '../objects';
import { AwsStatement, GcpGrant } from './types';
import { terraformReasons } from './reasons';

interface Block { type: string; name: string; body: Obj }

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const strs = (v: unknown): string[] => list(v as string | string[] | undefined).filter((x): x is string => typeof x === 'string');

function blocks(doc: Obj, section: 'resource' | 'data'): Block[] {
  const out: Block[] = [];
  const s = doc[section];
  if (!isObj(s)) return out;
  for (const type of Object.keys(s).sort()) {
    const byName = s[type];
    if (!isObj(byName)) continue;
    for (const name of Object.keys(byName).sort()) if (isObj(byName[name])) out.push({ type, name, body: byName[name] });
  }
  return out;
}

/** `${aws_iam_role.role.arn}` → `aws_iam_role.role`. */
function referenced(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(value);
  return m?.[1];
}

export interface CloudIndex {
  /** The AWS role named by an ARN (`arn:...:role/path/name`), or by a Terraform reference. */
  awsRole(arnOrRef: string): { address: string; name: string; statements: AwsStatement[] } | undefined;
  /** EKS Pod Identity associations of a ServiceAccount: the role ARN (or reference) of each. */
  podIdentityRoles(namespace: string, serviceAccount: string): string[];
  /** Whether a Google service account with this e-mail is defined. */
  hasGcpServiceAccount(email: string): boolean;
  gcpGrants(email: string): GcpGrant[];
}

/** Statements of an IAM policy JSON string, or of a `${data.aws_iam_policy_document.x.json}` reference. */
function statementsOf(policy: unknown, source: string, reasons: Record<string, string>, dataDocs: Map<string, Obj>): AwsStatement[] {
  if (typeof policy !== 'string') return [];
  const ref = /^\$\{(data\.aws_iam_policy_document\.[A-Za-z0-9_-]+)\.json\}$/.exec(policy)?.[1];
  if (ref) {
    const doc = dataDocs.get(ref);
    if (!doc) return [];
    const own = { ...terraformReasons(doc), ...reasons };
    return list(doc.statement as Obj | Obj[] | undefined).filter(isObj).map((s) => {
      const sid = typeof s.sid === 'string' ? s.sid : null;
      const conditions: Record<string, Record<string, string[]>> = {};
      for (const c of list(s.condition as Obj | Obj[] | undefined).filter(isObj)) {
        const test = String(c.test);
        conditions[test] = { ...(conditions[test] ?? {}), [String(c.variable)]: strs(c.values) };
      }
      return {
        sid, effect: s.effect === 'Deny' ? 'Deny' as const : 'Allow' as const, actions: strs(s.actions), resources: strs(s.resources),
        conditions: Object.keys(conditions).length ? conditions : null, source: `${source} (${ref})`, reason: (sid && own[sid]) || null,
      };
    });
  }
  let parsed: unknown;
  try { parsed = JSON.parse(policy); } catch { return []; }
  if (!isObj(parsed)) return [];
  return list(parsed.Statement as Obj | Obj[] | undefined).filter(isObj).map((s) => {
    const sid = typeof s.Sid === 'string' ? s.Sid : null;
    return {
      sid, effect: s.Effect === 'Deny' ? 'Deny' as const : 'Allow' as const,
      actions: strs(s.Action).concat(strs(s.NotAction).map((a) => `NOT ${a}`)),
      resources: strs(s.Resource).concat(strs(s.NotResource).map((r) => `NOT ${r}`)),
      conditions: isObj(s.Condition) ? s.Condition : null, source, reason: (sid && reasons[sid]) || null,
    };
  });
}

export function cloudIndex(docs: readonly Obj[]): CloudIndex {
  const all = docs.flatMap((d) => blocks(d, 'resource'));
  const dataDocs = new Map<string, Obj>();
  for (const d of docs) for (const b of blocks(d, 'data')) if (b.type === 'aws_iam_policy_document') dataDocs.set(`data.${b.type}.${b.name}`, b.body);
  const byAddress = new Map<string, Block>(all.map((b) => [`${b.type}.${b.name}`, b]));
  const rolesByName = new Map<string, Block>();
  const roleKey = new Map<Block, string>();
  for (const b of all) {
    if (b.type !== 'aws_iam_role') continue;
    const name = typeof b.body.name === 'string' ? b.body.name : b.name;
    rolesByName.set(name, b);
    roleKey.set(b, name);
  }
  const roleOf = (v: unknown): Block | undefined => {
    if (typeof v !== 'string') return undefined;
    const ref = referenced(v);
    if (ref) return byAddress.get(ref)?.type === 'aws_iam_role' ? byAddress.get(ref) : undefined;
    return rolesByName.get(v);
  };
  const policiesOfRole = new Map<Block, AwsStatement[]>();
  const push = (role: Block | undefined, statements: AwsStatement[]) => {
    if (!role) return;
    const l = policiesOfRole.get(role);
    if (l) l.push(...statements); else policiesOfRole.set(role, [...statements]);
  };
  for (const b of all) {
    const reasons = terraformReasons(b.body);
    if (b.type === 'aws_iam_role') {
      list(b.body.inline_policy as Obj | Obj[] | undefined).filter(isObj).forEach((p, i) => push(b, statementsOf(p.policy, `aws_iam_role.${b.name}.inline_policy[${i}]`, reasons, dataDocs)));
    } else if (b.type === 'aws_iam_role_policy') {
      push(roleOf(b.body.role), statementsOf(b.body.policy, `aws_iam_role_policy.${b.name}`, reasons, dataDocs));
    } else if (b.type === 'aws_iam_role_policy_attachment' || b.type === 'aws_iam_role_policy_attachments_exclusive') {
      const ref = referenced(b.body.policy_arn);
      const policy = ref ? byAddress.get(ref) : undefined;
      if (policy?.type === 'aws_iam_policy') {
        push(roleOf(b.body.role), statementsOf(policy.body.policy, `aws_iam_policy.${policy.name}`, terraformReasons(policy.body), dataDocs));
      } else if (typeof b.body.policy_arn === 'string') {
        push(roleOf(b.body.role), [{ sid: null, effect: 'Allow', actions: [`(managed policy ${b.body.policy_arn})`], resources: [], conditions: null, source: `aws_iam_role_policy_attachment.${b.name}`, reason: reasons[b.body.policy_arn] ?? null }]);
      }
    }
  }

  const podIdentity = new Map<string, string[]>();
  for (const b of all) {
    if (b.type !== 'aws_eks_pod_identity_association') continue;
    const key = `${b.body.namespace}/${b.body.service_account}`;
    podIdentity.set(key, [...(podIdentity.get(key) ?? []), String(b.body.role_arn ?? '')]);
  }

  // Google service accounts by e-mail and by address; grants by member.
  const gsaByAddress = new Map<string, string>();
  const gsaEmails = new Set<string>();
  for (const b of all) {
    if (b.type !== 'google_service_account') continue;
    const email = `${b.body.account_id}@${b.body.project}.iam.gserviceaccount.com`;
    gsaByAddress.set(`google_service_account.${b.name}`, email);
    gsaEmails.add(email);
  }
  const customRoles = new Map<string, Block>();
  for (const b of all) {
    if (b.type !== 'google_project_iam_custom_role' && b.type !== 'google_organization_iam_custom_role') continue;
    customRoles.set(`${b.type}.${b.name}`, b);
    customRoles.set(String(b.body.role_id), b);
  }
  const memberEmail = (m: string): string | undefined => {
    const resolved = m.replace(/\$\{(google_service_account\.[A-Za-z0-9_-]+)\.(email|member)\}/g, (all0, addr: string, attr: string) => {
      const e = gsaByAddress.get(addr);
      return e ? (attr === 'member' ? `serviceAccount:${e}` : e) : all0;
    });
    return resolved.startsWith('serviceAccount:') ? resolved.slice('serviceAccount:'.length) : undefined;
  };
  const grants = new Map<string, GcpGrant[]>();
  const ON_FIELDS = ['project', 'bucket', 'service_account_id', 'secret_id', 'topic', 'subscription', 'dataset_id', 'instance_name', 'cluster', 'name', 'org_id', 'folder'];
  for (const b of all) {
    if (!/_iam_(member|binding)$/.test(b.type)) continue;
    const members = [...strs(b.body.member), ...strs(b.body.members)];
    const roleValue = String(b.body.role ?? '');
    const ref = referenced(roleValue);
    const custom = customRoles.get(ref ?? '') ?? customRoles.get(roleValue.split('/').pop() ?? '');
    const role = custom ? String(custom.body.role_id) : roleValue;
    const permissions = custom ? strs(custom.body.permissions).sort() : [];
    const field = ON_FIELDS.find((f) => typeof b.body[f] === 'string');
    const target = b.type.replace(/_iam_(member|binding)$/, '');
    const on = field ? `${target} ${b.body[field]}` : target;
    const cond = isObj(b.body.condition) ? { title: String(b.body.condition.title ?? ''), expression: String(b.body.condition.expression ?? '') } : null;
    const reasons = { ...(custom ? terraformReasons(custom.body) : {}), ...terraformReasons(b.body) };
    const reason = reasons[role] ?? reasons[roleValue] ?? reasons[b.name] ?? Object.values(reasons)[0] ?? null;
    for (const m of members) {
      const email = memberEmail(m);
      if (!email) continue;
      const grant: GcpGrant = { role, permissions, on, condition: cond, source: `${b.type}.${b.name}`, reason };
      grants.set(email, [...(grants.get(email) ?? []), grant]);
    }
  }

  return {
    awsRole(arnOrRef: string) {
      const ref = referenced(arnOrRef);
      const block = ref ? (byAddress.get(ref)?.type === 'aws_iam_role' ? byAddress.get(ref) : undefined) : rolesByName.get(arnOrRef.split('/').pop() ?? '');
      if (!block) return undefined;
      return { address: `aws_iam_role.${block.name}`, name: roleKey.get(block)!, statements: policiesOfRole.get(block) ?? [] };
    },
    podIdentityRoles: (ns, sa) => podIdentity.get(`${ns}/${sa}`) ?? [],
    hasGcpServiceAccount: (email) => gsaEmails.has(email),
    gcpGrants: (email) => grants.get(email) ?? [],
  };
}
