import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GcpCostOptimizerIdentity } from '../../src/constructs/gcp/cost-optimizer-identity';
import { nodeNamePrefix } from '../../src/constructs/gcp/iam-model';
import { ValidationError } from '../../src/errors';
import { checkGcpIam } from '../../src/policy/gcp-iam';
import { GcpCostOptimizerStack, GcpCostOptimizerStackProps, GcpWorkloadPrincipal } from '../../src/stacks/gcp-cost-optimizer';
import { gcpPermissions } from '../helpers/shared';
import { synthStack } from '../helpers/terraform';

// The GCP permission list the package ships (data/gcp-permissions.txt), present in every clone.
const PERMISSIONS = gcpPermissions();
export const GCP_BASE: GcpCostOptimizerStackProps = {
  clusterName: 'prod', projectId: 'acme-prod', location: 'europe-west1', subnetwork: 'europe-west1/nodes',
  nodeServiceAccountEmail: 'gke-nodes@acme-prod.iam.gserviceaccount.com', projectNumber: '123456789012',
};
const make = (p: Partial<GcpCostOptimizerStackProps> = {}) => synthStack((app) => new GcpCostOptimizerStack(app, 'g', { ...GCP_BASE, ...p }));
/** With the "//" comments, as `npm run synth` writes them (Testing.synth drops them). */
const raw = (p: Partial<GcpCostOptimizerStackProps> = {}) => JSON.parse(JSON.stringify(new GcpCostOptimizerStack(Testing.app(), 'g', { ...GCP_BASE, ...p }).toTerraform()));

describe('GcpCostOptimizerStack', () => {
  const { json } = make({ allowNodePoolResize: true });
  const r = json.resource;

  it('a service account and no key', () => {
    expect(r.google_service_account.service_account.account_id).toBe('cost-opt-prod');
    expect(r.google_service_account_key).toBeUndefined();
  });

  it('every custom-role permission exists', () => {
    const perms = Object.values(r.google_project_iam_custom_role).flatMap((role: any) => role.permissions);
    expect(perms.length).toBeGreaterThan(20);
    for (const p of perms) expect(PERMISSIONS.has(p), p).toBe(true);
  });

  it('creates the node-creation permissions GKE nodes need, setTags and setServiceAccount included', () => {
    expect(r.google_project_iam_custom_role.create_nodes_role.permissions).toEqual(expect.arrayContaining([
      'compute.instances.create', 'compute.disks.create', 'compute.instances.setMetadata', 'compute.instances.setTags',
      'compute.instances.setServiceAccount', 'compute.instances.setLabels',
    ]));
  });

  it('subnetworks.use is bound on the one subnetwork, not in a project binding', () => {
    expect(r.google_compute_subnetwork_iam_member.use_subnet_binding).toMatchObject({ region: 'europe-west1', subnetwork: 'nodes', project: 'acme-prod' });
    const projectRoles = Object.values(r.google_project_iam_member).map((b: any) => b.role);
    for (const [name, role] of Object.entries(r.google_project_iam_custom_role) as Array<[string, any]>) {
      if (role.permissions.includes('compute.subnetworks.use')) expect(projectRoles).not.toContain(`\${google_project_iam_custom_role.${name}.id}`);
    }
  });

  it('no instance-group-manager permission sits in a conditioned binding, where IAM Conditions could never see its name', () => {
    for (const b of Object.values(r.google_project_iam_member) as any[]) {
      if (!b.condition) continue;
      const roleName = /google_project_iam_custom_role\.(\w+)\.id/.exec(b.role)![1];
      const perms: string[] = r.google_project_iam_custom_role[roleName].permissions;
      expect(perms.filter((p) => /instanceGroupManagers|subnetworks/.test(p))).toEqual([]);
    }
  });

  it('every mutating binding has a condition; the read binding holds read permissions only', () => {
    for (const [name, b] of Object.entries(r.google_project_iam_member) as Array<[string, any]>) {
      if (name === 'read_binding') expect(b.condition).toBeUndefined();
      else expect(b.condition.expression, name).toMatch(/matchTagId/);
    }
    expect(r.google_project_iam_custom_role.read_role.permissions.every((p: string) => /\.(get|list)$/.test(p))).toBe(true);
  });

  it('every custom role and binding carries its reason in "//", and what GCP cannot confine is said there', () => {
    const j = raw({ allowNodePoolResize: true });
    const roles = j.resource.google_project_iam_custom_role;
    for (const role of Object.values(roles) as any[]) {
      const reasons = role['//']['secure-agents'].reasons;
      expect(reasons[role.role_id].length).toBeGreaterThanOrEqual(10);
      for (const p of role.permissions) expect(reasons[p]?.length, p).toBeGreaterThanOrEqual(10);
    }
    const bindings = [
      ...Object.values(j.resource.google_project_iam_member), ...Object.values(j.resource.google_compute_subnetwork_iam_member),
      ...Object.values(j.resource.google_service_account_iam_member), ...Object.values(j.resource.google_tags_tag_value_iam_member),
    ] as any[];
    expect(bindings.length).toBe(8);
    for (const b of bindings) {
      const reasons = b['//']['secure-agents'].reasons;
      expect(Object.values(reasons).every((x) => typeof x === 'string' && x.length >= 10)).toBe(true);
    }
    expect(roles.read_role['//']['secure-agents'].unconfined).toMatch(/cannot confine a list/);
    expect(roles.resize_pools_role['//']['secure-agents'].unconfined).toMatch(/container\.clusters\.update/);
  });

  it('the cluster tag: a key per cluster, a value per location, bound to the cluster for pool resizes; outputs', () => {
    expect(r.google_tags_tag_key.cluster_tag_key).toMatchObject({ parent: 'projects/acme-prod', short_name: 'cost-optimizer-prod' });
    expect(r.google_tags_tag_value.cluster_tag_value.short_name).toBe('europe-west1');
    expect(r.google_tags_location_tag_binding.cluster_tag_binding.parent).toBe('//container.googleapis.com/projects/acme-prod/locations/europe-west1/clusters/prod');
    expect(r.google_tags_tag_value_iam_member.tag_user).toMatchObject({ role: 'roles/resourcemanager.tagUser', tag_value: '${google_tags_tag_value.cluster_tag_value.id}' });
    expect(json.output.service_account_email.value).toBe('cost-opt-prod@acme-prod.iam.gserviceaccount.com');
    expect(json.output.node_name_prefix.value).toBe('co04-prod-');
    expect(json.output.node_resource_manager_tags.value).toEqual({ '${google_tags_tag_key.cluster_tag_key.id}': '${google_tags_tag_value.cluster_tag_value.id}' });
    const without = make().json.resource;
    expect(without.google_tags_location_tag_binding).toBeUndefined();
    expect(without.google_project_iam_custom_role.resize_pools_role).toBeUndefined();
  });

  it('an existing tag can be given; then no key or value is created', () => {
    const j = make({ clusterTag: { keyId: 'tagKeys/111', valueId: 'tagValues/222' } }).json;
    expect(j.resource.google_tags_tag_key).toBeUndefined();
    expect(j.resource.google_project_iam_member.delete_nodes_binding.condition.expression).toContain('resource.matchTagId("tagKeys/111", "tagValues/222")');
  });

  it('Workload Identity: the KSA principal by default, the cluster-scoped principal set as a choice', () => {
    expect(r.google_service_account_iam_member.workload_identity.member).toBe(
      'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/cost-optimizer/sa/optimizer-agent');
    const cluster = make({ workloadPrincipal: GcpWorkloadPrincipal.CLUSTER }).json.resource.google_service_account_iam_member.workload_identity.member;
    expect(cluster).toBe('principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/kubernetes.cluster/https://container.googleapis.com/v1/projects/acme-prod/locations/europe-west1/clusters/prod');
    expect(make({ projectNumber: undefined }).json.resource.google_service_account_iam_member.workload_identity.member)
      .toBe('serviceAccount:acme-prod.svc.id.goog[cost-optimizer/optimizer-agent]');
    expect(r.google_service_account_iam_member.act_as_node_sa).toMatchObject({
      role: 'roles/iam.serviceAccountUser', service_account_id: 'projects/acme-prod/serviceAccounts/gke-nodes@acme-prod.iam.gserviceaccount.com',
    });
  });

  it('the gcp-* checker finds nothing', () => {
    expect(checkGcpIam(json, { knownPermissions: PERMISSIONS })).toEqual([]);
  });

  it('composes into a team\'s own stack with its own aliased provider and ids; two clusters do not collide', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'team');
    const google = new GoogleProvider(stack, 'google_ops', { alias: 'ops', project: 'acme-prod', impersonateServiceAccount: 'tf@acme-prod.iam.gserviceaccount.com' });
    new GcpCostOptimizerIdentity(stack, 'a', { ...GCP_BASE, provider: google, logicalIdPrefix: 'prod_' });
    new GcpCostOptimizerIdentity(stack, 'b', { ...GCP_BASE, clusterName: 'prod-eu-1', provider: google });
    const j = JSON.parse(Testing.synth(stack));
    const all = Object.values(j.resource).flatMap((byName: any) => Object.values(byName)) as any[];
    expect(all.every((x) => x.provider === 'google.ops')).toBe(true);
    expect(j.resource.google_service_account.prod_service_account.account_id).toBe('cost-opt-prod');
    const roleIds = Object.values(j.resource.google_project_iam_custom_role).map((x: any) => x.role_id);
    expect(new Set(roleIds).size).toBe(roleIds.length);
  });

  it('property: node name prefixes are prefix-free, so no sibling\'s nodes carry our prefix', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/), fc.stringMatching(/^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/), (a, b) => {
      return a === b || !nodeNamePrefix(b).startsWith(nodeNamePrefix(a));
    }), { numRuns: 300 });
    expect(nodeNamePrefix('prod-eu-1-canary').startsWith(nodeNamePrefix('prod-eu-1'))).toBe(false);
  });

  it('property: derived names are unique and within limits for every valid GKE cluster name, or refused', () => {
    const seen = new Map<string, string>();
    fc.assert(fc.property(fc.stringMatching(/^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/), (clusterName) => {
      let s: GcpCostOptimizerStack;
      try { s = new GcpCostOptimizerStack(Testing.app(), 'g', { ...GCP_BASE, clusterName }); } catch (e) {
        return e instanceof ValidationError && `cost-opt-${clusterName}`.length > 30;
      }
      const j = JSON.parse(Testing.synth(s));
      const roleIds: string[] = Object.values(j.resource.google_project_iam_custom_role).map((x: any) => x.role_id);
      const names = [s.names.gcpServiceAccountId, ...roleIds, j.resource.google_tags_tag_key.cluster_tag_key.short_name];
      const ok = s.names.gcpServiceAccountId.length <= 30 && roleIds.every((x) => x.length <= 64 && /^[a-zA-Z0-9_.]{3,64}$/.test(x))
        && nodeNamePrefix(clusterName).length <= 50;
      for (const n of names) {
        if (seen.has(n) && seen.get(n) !== clusterName) return false;
        seen.set(n, clusterName);
      }
      return ok;
    }), { numRuns: 100 });
  });

  it('a long cluster name works with its own gcpServiceAccountId', () => {
    const long = 'prod-europe-west1-canary-blue-green-x';
    expect(make({ clusterName: long, gcpServiceAccountId: 'cost-opt-canary-bg' }).json.resource.google_service_account.service_account.account_id).toBe('cost-opt-canary-bg');
  });

  it.each([
    ['an uppercase GKE cluster name', { clusterName: 'Prod' }, 'clusterName'],
    ['a GKE cluster name with "_"', { clusterName: 'prod_1' }, 'clusterName'],
    ['a cluster name too long for the default service account id', { clusterName: 'prod-europe-west1-canary' }, 'clusterName'],
    ['an empty namespace', { namespace: '' }, 'namespace'],
    ['a bad project id', { projectId: 'A' }, 'projectId'],
    ['a subnetwork of another region', { subnetwork: 'us-east1/nodes' }, 'subnetwork'],
    ['a node zone of another region', { nodeZones: ['us-east1-b'] }, 'nodeZones'],
    ['the cluster principal without a project number', { workloadPrincipal: GcpWorkloadPrincipal.CLUSTER, projectNumber: undefined }, 'projectNumber'],
    ['a malformed tag', { clusterTag: { keyId: 'env', valueId: 'prod' } }, 'clusterTag'],
  ] as const)('fails on %s', (_n, p, prop) => {
    let err: unknown;
    try { make(p as Partial<GcpCostOptimizerStackProps>); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).prop).toBe(prop);
  });
});

describe('GcpCostOptimizerStack: hostile and careless props', () => {
  const KEYS = ['clusterName', 'namespace', 'serviceAccountName', 'gcpServiceAccountId', 'projectId', 'location', 'nodeZones', 'subnetwork',
    'nodeServiceAccountEmail', 'projectNumber', 'workloadPrincipal', 'clusterTag', 'allowNodePoolResize'];
  const value = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(null), fc.string({ minLength: 100, maxLength: 400 }),
    fc.constantFrom('cluster', 'ksa', 'europe-west1-b', ['europe-west1-b', 'europe-west1-b'], ''));

  it('property: any JSON-like props construct cleanly or raise a ValidationError, never anything else', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }), (over) => {
      let stack: GcpCostOptimizerStack;
      try { stack = new GcpCostOptimizerStack(Testing.app(), 'g', { ...GCP_BASE, ...(over as object) }); } catch (e) { return e instanceof ValidationError; }
      return typeof Testing.synth(stack) === 'string';
    }), { numRuns: 200 });
  });

  it('null, undefined and a non-object as props are ValidationErrors', () => {
    for (const p of [null, undefined, 'prod', 42]) {
      let err: unknown;
      try { new GcpCostOptimizerStack(Testing.app(), 'g', p as any); } catch (e) { err = e; }
      expect(err, String(p)).toBeInstanceOf(ValidationError);
    }
  });
});

describe('GcpCostOptimizerStack: the cluster-wide principal is an explicit, exempted choice', () => {
  it('exempts gcp-workload-identity-wide with the trade-off as the reason, only when CLUSTER is chosen', () => {
    const cluster = raw({ workloadPrincipal: GcpWorkloadPrincipal.CLUSTER }).resource.google_service_account_iam_member.workload_identity['//']['secure-agents'];
    expect(cluster.exemptions['gcp-workload-identity-wide']).toMatch(/no other cluster/);
    expect(cluster.exemptions['gcp-workload-identity-wide'].length).toBeGreaterThanOrEqual(10);
    const ksa = raw().resource.google_service_account_iam_member.workload_identity['//']['secure-agents'];
    expect(ksa.exemptions).toBeUndefined();
  });
});
