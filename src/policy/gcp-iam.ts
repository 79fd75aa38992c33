/**
 * GCP IAM rules over Terraform JSON: custom-role permissions that do not exist, mutating bindings
 * without an IAM Condition, service-account keys. Pure functions; the permission list is passed in.
 */
import { asList, finding, isObj, resourcesOf } from './terraform';
import { Finding, Manifest, RuleMeta } from './types';

const meta = (id: string, title: string, explanation: string, fix: string): RuleMeta => ({ id, title, severity: 'error', explanation, fix });

export const GCP_RULES = {
  unknownPermission: meta('gcp-unknown-permission', 'A custom-role permission that does not exist',
    'Google rejects a custom role with an unknown permission, or the permission is not supported in custom roles: the apply fails or the role lacks what was intended.',
    'Use a permission from the IAM permissions reference (the list in ../shared/data/gcp-iam/permissions.txt).'),
  unconditionedMutation: meta('gcp-unconditioned-mutation', 'A mutating role bound without an IAM Condition',
    'A project-level binding of a role that creates or deletes resources reaches every cluster of the project.',
    'Add a condition that confines it to this cluster\'s resources, e.g. resource.name.extract("/instances/{name}").startsWith("gke-<cluster>-").'),
  serviceAccountKey: meta('gcp-service-account-key', 'A service-account key',
    'A key is a long-lived credential that leaves the cluster and outlives the workload.',
    'Remove the key; bind the Kubernetes service account with Workload Identity instead.'),
} as const;

export const GCP_RULE_LIST: readonly RuleMeta[] = Object.values(GCP_RULES);

const READ_VERB = /\.(get|list|getIamPolicy|listEffectiveTags|listTagBindings|useReadOnly)$/;
const READ_ROLE = /(viewer|Viewer|reader|Reader|\.browser|^roles\/browser)$/;
const BINDING_TYPES = ['google_project_iam_member', 'google_project_iam_binding', 'google_folder_iam_member', 'google_folder_iam_binding',
  'google_organization_iam_member', 'google_organization_iam_binding'];

export interface GcpIamOptions {
  /** Known permissions; when absent, gcp-unknown-permission does not run. */
  readonly knownPermissions?: ReadonlySet<string>;
}

export function checkGcpIam(doc: Manifest, options: GcpIamOptions = {}): Finding[] {
  const out: Finding[] = [];
  const resources = resourcesOf(doc);
  const customRoles = new Map<string, string[]>();
  for (const { type, name, body } of resources) {
    if (type === 'google_service_account_key') out.push(finding(GCP_RULES.serviceAccountKey, type, name, '', 'a service-account key is created'));
    if (type === 'google_project_iam_custom_role' || type === 'google_organization_iam_custom_role') {
      const perms = asList(body.permissions as string[] | undefined).filter((p): p is string => typeof p === 'string');
      customRoles.set(`\${${type}.${name}.id}`, perms);
      customRoles.set(`\${${type}.${name}.name}`, perms);
      if (options.knownPermissions) {
        perms.forEach((p, i) => {
          if (!options.knownPermissions!.has(p)) out.push(finding(GCP_RULES.unknownPermission, type, name, `permissions[${i}]`, `permission "${p}" is not in the permissions list`));
        });
      }
    }
  }
  for (const { type, name, body } of resources) {
    if (!BINDING_TYPES.includes(type) || typeof body.role !== 'string') continue;
    const role = body.role;
    const perms = customRoles.get(role);
    const mutating = perms ? perms.some((p) => !READ_VERB.test(p)) : !READ_ROLE.test(role);
    const condition = asList(body.condition as unknown).find((c) => isObj(c) && typeof c.expression === 'string' && c.expression.trim() !== '');
    if (mutating && !condition) out.push(finding(GCP_RULES.unconditionedMutation, type, name, 'condition', `role ${role} is bound without a condition`));
  }
  return out;
}

/** The family as the checker's registry takes it; `knownPermissions` enables gcp-unknown-permission. */
export function gcpIamFamily(options: GcpIamOptions = {}) {
  return { name: 'gcp', rules: GCP_RULE_LIST, check: (doc: Manifest) => checkGcpIam(doc, options) };
}
