import { run } from '@bufbuild/cel';
import { Testing } from 'cdktf';
import fc from 'fast-check';
import { checkGcpIam } from '../../src/policy/gcp-iam';
import { describe, expect, it } from 'vitest';
import { expectValidationError, failsWithValidationError } from '../helpers/errors';
import { GcpCostOptimizerStack, GcpCostOptimizerStackProps } from '../../src/stacks/gcp-cost-optimizer';
import { gcpPermissions } from '../helpers/shared';
import { synthStack } from '../helpers/terraform';

const PERMISSIONS = gcpPermissions();
const BASE: GcpCostOptimizerStackProps = {
  clusterName: 'prod', projectId: 'acme-prod', location: 'europe-west1', subnetwork: 'europe-west1/nodes',
  nodeServiceAccountEmail: 'gke-nodes@acme-prod.iam.gserviceaccount.com', projectNumber: '123456789012',
};
const make = (p: Partial<GcpCostOptimizerStackProps> = {}) => synthStack((app) => new GcpCostOptimizerStack(app, 'g', { ...BASE, ...p }));

/**
 * `extract` is a GCP IAM Conditions function that standard CEL lacks. `x.extract("/k/{name}")` yields
 * what follows the first "/k/", so `.startsWith("p")` on it is rewritten to an RE2 search for "/k/p"
 * on a name where "/k/" occurs once (true of every full resource name); the rest is standard CEL.
 */
function toStandardCel(expression: string): string {
  return expression.replace(/resource\.name\.extract\("\/(\w+)\/\{name\}"\)\.startsWith\("([^"]+)"\)/g,
    (_m, kind: string, prefix: string) => `resource.name.matches("/${kind}/${prefix.replace(/[.-]/g, (c) => `\\\\${c}`)}")`);
}

function allows(expression: string, name: string): boolean {
  const standard = toStandardCel(expression);
  expect(standard).not.toContain('extract');
  return run(standard, { resource: { name } }) === true;
}

describe('GcpCostOptimizerStack', () => {
  const { json, stack } = make();
  const r = json.resource;

  it('a service account and no key', () => {
    expect(r.google_service_account.service_account.account_id).toBe('cost-opt-prod');
    expect(r.google_service_account_key).toBeUndefined();
  });

  it('every custom-role permission is in permissions.txt', () => {
    const perms = Object.values(r.google_project_iam_custom_role).flatMap((role: any) => role.permissions);
    expect(perms.length).toBeGreaterThan(20);
    for (const p of perms) expect(PERMISSIONS.has(p), p).toBe(true);
  });

  it('the mutating binding carries the cluster condition; the read binding holds no mutating permission', () => {
    expect(r.google_project_iam_member.change_binding.condition.expression).toBe(stack.condition);
    const read: string[] = r.google_project_iam_custom_role.read_role.permissions;
    expect(read.every((p) => /\.(get|list)$/.test(p))).toBe(true);
    expect(r.google_project_iam_member.read_binding.condition).toBeUndefined();
  });

  it('the condition (evaluated with CEL) admits this cluster\'s resources and rejects another cluster\'s', () => {
    const expr = r.google_project_iam_member.change_binding.condition.expression;
    const own = [
      'projects/acme-prod/zones/europe-west1-b/instances/gke-prod-pool-1-abcd1234-x7k2',
      'projects/acme-prod/zones/europe-west1-b/instanceGroupManagers/gke-prod-pool-1-abcd1234-grp',
      'projects/acme-prod/zones/europe-west1-b/instanceGroups/gke-prod-pool-1-abcd1234-grp',
      'projects/acme-prod/global/instanceTemplates/gke-prod-pool-1-abcd1234',
      'projects/acme-prod/zones/europe-west1-b/disks/gke-prod-pool-1-abcd1234-x7k2',
      'projects/acme-prod/regions/europe-west1/subnetworks/nodes',
    ];
    const other = [
      'projects/acme-prod/zones/europe-west1-b/instances/gke-staging-pool-1-abcd1234-x7k2',
      'projects/acme-prod/zones/europe-west1-b/instanceGroupManagers/gke-staging-pool-1-grp',
      'projects/acme-prod/global/instanceTemplates/gke-staging-pool-1-abcd1234',
      'projects/acme-prod/zones/europe-west1-b/instances/gke-production-pool-1-x',
      'projects/acme-prod/zones/europe-west1-b/instances/database-1',
      'projects/acme-prod/regions/europe-west1/subnetworks/other',
      'projects/acme-prod/zones/europe-west1-b/instances/x-gke-prod-pool',
    ];
    for (const n of own) expect(allows(expr, n), n).toBe(true);
    for (const n of other) expect(allows(expr, n), n).toBe(false);
  });

  it('actAs only on the node service account; Workload Identity for the agent KSA', () => {
    expect(r.google_service_account_iam_member.act_as_node_sa).toMatchObject({
      role: 'roles/iam.serviceAccountUser', service_account_id: 'projects/acme-prod/serviceAccounts/gke-nodes@acme-prod.iam.gserviceaccount.com',
    });
    expect(r.google_project_iam_member.read_binding.role).not.toMatch(/serviceAccountUser/);
    expect(r.google_service_account_iam_member.workload_identity.member).toBe(
      'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/cost-optimizer/sa/optimizer-agent');
    expect(stack.clusterPrincipalSet).toBe('principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/kubernetes.cluster/https://container.googleapis.com/v1/projects/acme-prod/locations/europe-west1/clusters/prod');
    const legacy = make({ projectNumber: undefined }).json.resource.google_service_account_iam_member.workload_identity.member;
    expect(legacy).toBe('serviceAccount:acme-prod.svc.id.goog[cost-optimizer/optimizer-agent]');
  });

  it('the gcp-* checker finds nothing', () => {
    expect(checkGcpIam(json, { knownPermissions: PERMISSIONS })).toEqual([]);
  });

  it('property: random bad GKE cluster names raise ValidationError, valid ones confine the condition', () => {
    fc.assert(fc.property(fc.string({ maxLength: 50 }).filter((s) => !/^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/.test(s)),
      (clusterName) => failsWithValidationError(() => new GcpCostOptimizerStack(Testing.app(), 'g', { ...BASE, clusterName }))), { numRuns: 100 });
    fc.assert(fc.property(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), (clusterName) => {
      const expr = new GcpCostOptimizerStack(Testing.app(), 'g', { ...BASE, clusterName }).condition;
      return allows(expr, `projects/acme-prod/zones/z/instances/gke-${clusterName}-p-1`)
        && !allows(expr, `projects/acme-prod/zones/z/instances/gke-${clusterName}x-p-1`);
    }), { numRuns: 30 });
  });

  it.each([
    ['an uppercase GKE cluster name', { clusterName: 'Prod' }, 'clusterName'],
    ['a GKE cluster name with "_"', { clusterName: 'prod_1' }, 'clusterName'],
    ['an empty namespace', { namespace: '' }, 'namespace'],
    ['a bad project id', { projectId: 'A' }, 'projectId'],
  ] as const)('fails on %s', (_n, p, prop) => {
    expectValidationError(() => make(p as Partial<GcpCostOptimizerStackProps>), { path: 'g', prop });
  });
});
