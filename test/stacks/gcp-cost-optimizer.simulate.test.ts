// Simulation of the synthesised GCP bindings with the IAM Conditions evaluator (src/policy/gcp-condition.ts):
// the optimiser's real call sequence is allowed; the same calls aimed at a sibling cluster whose name
// extends ours, another region, another project, another VPC's subnetwork, a look-alike VM, and the
// escalations are denied.
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateGcpCondition, gcpAllows, GcpBinding, GcpPermissionRequest, GcpTag } from '../../src/policy/gcp-condition';
import { GcpCostOptimizerStack } from '../../src/stacks/gcp-cost-optimizer';
import { synthStack } from '../helpers/terraform';

const PROJECT = 'acme-prod';
const CLUSTER = 'prod-eu-1';
const SIBLING = 'prod-eu-1-canary';
const { json, stack } = synthStack((app) => new GcpCostOptimizerStack(app, 'sim', {
  clusterName: CLUSTER, projectId: PROJECT, location: 'europe-west1', nodeZones: ['europe-west1-b', 'europe-west1-c'],
  subnetwork: 'europe-west1/nodes', nodeServiceAccountEmail: 'gke-nodes@acme-prod.iam.gserviceaccount.com',
  projectNumber: '123456789012', allowNodePoolResize: true,
}));
// What Terraform will know after apply: the ids of our tag key and value.
const OWN_TAG: GcpTag = { keyId: 'tagKeys/1001', keyName: `${PROJECT}/cost-optimizer-${CLUSTER}`, valueId: 'tagValues/2001', valueName: 'europe-west1' };
const SIBLING_TAG: GcpTag = { keyId: 'tagKeys/1002', keyName: `${PROJECT}/cost-optimizer-${SIBLING}`, valueId: 'tagValues/2002', valueName: 'europe-west1' };
const resolve = (s: string) => s
  .replace(/\$\{google_tags_tag_key\.cluster_tag_key\.id\}/g, OWN_TAG.keyId)
  .replace(/\$\{google_tags_tag_value\.cluster_tag_value\.id\}/g, OWN_TAG.valueId);

/** The synthesised bindings as (attachment, permissions, condition), read from the Terraform JSON. */
function bindingsOf(j: any): GcpBinding[] {
  const roles = j.resource.google_project_iam_custom_role;
  const permsOf = (role: string): string[] => {
    const m = /^\$\{google_project_iam_custom_role\.(\w+)\.id\}$/.exec(role);
    if (m) return roles[m[1]].permissions;
    return ({
      'roles/iam.serviceAccountUser': ['iam.serviceAccounts.actAs'],
      'roles/iam.workloadIdentityUser': ['iam.serviceAccounts.getAccessToken'],
      'roles/resourcemanager.tagUser': ['resourcemanager.tagValueBindings.create', 'resourcemanager.tagValues.get'],
    } as Record<string, string[]>)[role] ?? [];
  };
  const out: GcpBinding[] = [];
  for (const [id, b] of Object.entries(j.resource.google_project_iam_member) as Array<[string, any]>) {
    out.push({ id, attachedTo: `projects/${b.project}`, permissions: permsOf(b.role), condition: b.condition ? resolve(b.condition.expression) : undefined });
  }
  for (const [id, b] of Object.entries(j.resource.google_compute_subnetwork_iam_member ?? {}) as Array<[string, any]>) {
    out.push({ id, attachedTo: `projects/${b.project}/regions/${b.region}/subnetworks/${b.subnetwork}`, permissions: permsOf(b.role) });
  }
  for (const [id, b] of Object.entries(j.resource.google_service_account_iam_member) as Array<[string, any]>) {
    if (b.role === 'roles/iam.workloadIdentityUser') continue; // the agent's principal, tested below
    out.push({ id, attachedTo: b.service_account_id, permissions: permsOf(b.role) });
  }
  for (const [id, b] of Object.entries(j.resource.google_tags_tag_value_iam_member ?? {}) as Array<[string, any]>) {
    out.push({ id, attachedTo: resolve(b.tag_value), permissions: permsOf(b.role) });
  }
  return out;
}
const bindings = bindingsOf(json);
const prefix = stack.identity.nodeNamePrefix;
let count = 0;

interface Call { permission: string; name?: string; type?: string; tags?: GcpTag[]; project?: string }
const zonal = (zone: string, kind: string, name: string, project = PROJECT) => `projects/${project}/zones/${zone}/${kind}/${name}`;
const INSTANCE = 'compute.googleapis.com/Instance';
const DISK = 'compute.googleapis.com/Disk';
const CLUSTER_TYPE = 'container.googleapis.com/Cluster';
function decide(c: Call): boolean {
  count++;
  const project = `projects/${c.project ?? PROJECT}`;
  const req: GcpPermissionRequest = { permission: c.permission, project, resource: { name: c.name, type: c.type, tags: c.tags } };
  return gcpAllows(bindings, req).allowed;
}

const newNode = zonal('europe-west1-b', 'instances', `${prefix}x7k2`);
const newDisk = zonal('europe-west1-b', 'disks', `${prefix}x7k2`);
const gkePoolNode = zonal('europe-west1-c', 'instances', 'gke-prod-eu-1-pool-1-abcd1234-x7k2');
const siblingNode = zonal('europe-west1-c', 'instances', 'gke-prod-eu-1-canary-pool-1-abcd1234-q9z1');

/** The real sequence: read, launch a node (its disk, metadata, network tags, labels, service account, tag, subnetwork), resize a pool, drain and delete. */
const allowed: Array<[string, Call]> = [
  ['list the project\'s VMs', { permission: 'compute.instances.list', name: `projects/${PROJECT}` }],
  ['read machine types', { permission: 'compute.machineTypes.list', name: `projects/${PROJECT}` }],
  ['wait for an operation', { permission: 'compute.zoneOperations.get', name: zonal('europe-west1-b', 'operations', 'op-1') }],
  ['create a node named with our prefix in our zone', { permission: 'compute.instances.create', name: newNode, type: INSTANCE }],
  ['create its boot disk', { permission: 'compute.disks.create', name: newDisk, type: DISK }],
  ['set its bootstrap metadata', { permission: 'compute.instances.setMetadata', name: newNode, type: INSTANCE }],
  ['set its network tags', { permission: 'compute.instances.setTags', name: newNode, type: INSTANCE }],
  ['set its labels', { permission: 'compute.instances.setLabels', name: newNode, type: INSTANCE }],
  ['set its service account', { permission: 'compute.instances.setServiceAccount', name: newNode, type: INSTANCE }],
  ['attach the cluster tag at creation', { permission: 'compute.instances.createTagBinding', name: newNode, type: INSTANCE }],
  ['use the cluster tag value', { permission: 'resourcemanager.tagValueBindings.create', name: OWN_TAG.valueId }],
  ['use the cluster\'s subnetwork', { permission: 'compute.subnetworks.use', name: `projects/${PROJECT}/regions/europe-west1/subnetworks/nodes`, type: 'compute.googleapis.com/Subnetwork' }],
  ['act as the node service account', { permission: 'iam.serviceAccounts.actAs', name: `projects/${PROJECT}/serviceAccounts/gke-nodes@acme-prod.iam.gserviceaccount.com` }],
  ['relabel a GKE pool node carrying our tag', { permission: 'compute.instances.setLabels', name: gkePoolNode, type: INSTANCE, tags: [OWN_TAG] }],
  ['resize a node pool of our cluster (GKE API)', { permission: 'container.clusters.update', name: `projects/${PROJECT}/locations/europe-west1/clusters/${CLUSTER}`, type: CLUSTER_TYPE, tags: [OWN_TAG] }],
  ['delete a drained node it created', { permission: 'compute.instances.delete', name: newNode, type: INSTANCE, tags: [OWN_TAG] }],
  ['delete a drained GKE pool node carrying our tag', { permission: 'compute.instances.delete', name: gkePoolNode, type: INSTANCE, tags: [OWN_TAG] }],
];

const denied: Array<[string, Call]> = [
  // the sibling cluster whose name extends ours
  ['delete the sibling\'s node', { permission: 'compute.instances.delete', name: siblingNode, type: INSTANCE, tags: [SIBLING_TAG] }],
  ['set a startup script on the sibling\'s node', { permission: 'compute.instances.setMetadata', name: siblingNode, type: INSTANCE, tags: [SIBLING_TAG] }],
  ['create a node in the sibling optimiser\'s name space', { permission: 'compute.instances.create', name: zonal('europe-west1-b', 'instances', 'co16-prod-eu-1-canary-x1'), type: INSTANCE }],
  ['set metadata on a node the sibling optimiser created', { permission: 'compute.instances.setMetadata', name: zonal('europe-west1-b', 'instances', 'co16-prod-eu-1-canary-x1'), type: INSTANCE, tags: [SIBLING_TAG] }],
  ['resize the sibling\'s node pools', { permission: 'container.clusters.update', name: `projects/${PROJECT}/locations/europe-west1/clusters/${SIBLING}`, type: CLUSTER_TYPE, tags: [SIBLING_TAG] }],
  ['use the sibling\'s tag value', { permission: 'resourcemanager.tagValueBindings.create', name: SIBLING_TAG.valueId }],
  // another region or a zone the cluster does not use
  ['create a node in another region', { permission: 'compute.instances.create', name: zonal('us-east1-b', 'instances', `${prefix}x1`), type: INSTANCE }],
  ['create a node in a zone the cluster does not use', { permission: 'compute.instances.create', name: zonal('europe-west1-d', 'instances', `${prefix}x1`), type: INSTANCE }],
  ['create a disk in another region', { permission: 'compute.disks.create', name: zonal('us-east1-b', 'disks', `${prefix}x1`), type: DISK }],
  ['use a subnetwork of another region', { permission: 'compute.subnetworks.use', name: `projects/${PROJECT}/regions/us-east1/subnetworks/nodes`, type: 'compute.googleapis.com/Subnetwork' }],
  // another project
  ['delete a VM carrying our tag in another project', { permission: 'compute.instances.delete', name: zonal('europe-west1-b', 'instances', `${prefix}x1`, 'acme-other'), type: INSTANCE, tags: [OWN_TAG], project: 'acme-other' }],
  ['create a node in another project', { permission: 'compute.instances.create', name: zonal('europe-west1-b', 'instances', `${prefix}x1`, 'acme-other'), type: INSTANCE, project: 'acme-other' }],
  ['use a same-named subnetwork of another project', { permission: 'compute.subnetworks.use', name: 'projects/acme-other/regions/europe-west1/subnetworks/nodes', project: 'acme-other' }],
  // another VPC's subnetwork
  ['use another VPC\'s subnetwork', { permission: 'compute.subnetworks.use', name: `projects/${PROJECT}/regions/europe-west1/subnetworks/shared-vpc-nodes`, type: 'compute.googleapis.com/Subnetwork' }],
  // a user's look-alike VM: named like a GKE node of ours, without the tag
  ['delete a look-alike VM', { permission: 'compute.instances.delete', name: zonal('europe-west1-b', 'instances', 'gke-prod-eu-1-pool-1-abcd1234-zzzz'), type: INSTANCE }],
  ['set a startup script on a look-alike VM', { permission: 'compute.instances.setMetadata', name: zonal('europe-west1-b', 'instances', 'gke-prod-eu-1-pool-1-abcd1234-zzzz'), type: INSTANCE }],
  ['swap the service account of a look-alike VM', { permission: 'compute.instances.setServiceAccount', name: zonal('europe-west1-b', 'instances', 'gke-prod-eu-1-pool-1-abcd1234-zzzz'), type: INSTANCE }],
  ['claim a look-alike VM by tagging it', { permission: 'compute.instances.createTagBinding', name: zonal('europe-west1-b', 'instances', 'gke-prod-eu-1-pool-1-abcd1234-zzzz'), type: INSTANCE }],
  ['delete an untagged VM named with our prefix (delete is by tag only)', { permission: 'compute.instances.delete', name: newNode, type: INSTANCE }],
  // escalations
  ['act as another service account', { permission: 'iam.serviceAccounts.actAs', name: `projects/${PROJECT}/serviceAccounts/123456789012-compute@developer.gserviceaccount.com` }],
  ['delete a disk', { permission: 'compute.disks.delete', name: newDisk, type: DISK, tags: [OWN_TAG] }],
  ['remove the tag from a node', { permission: 'compute.instances.deleteTagBinding', name: newNode, type: INSTANCE, tags: [OWN_TAG] }],
  ['change a VM\'s IAM policy', { permission: 'compute.instances.setIamPolicy', name: newNode, type: INSTANCE, tags: [OWN_TAG] }],
  ['resize a managed instance group directly', { permission: 'compute.instanceGroupManagers.update', name: zonal('europe-west1-b', 'instanceGroupManagers', 'gke-prod-eu-1-pool-1-grp') }],
  ['create an instance template', { permission: 'compute.instanceTemplates.create', name: `projects/${PROJECT}/global/instanceTemplates/${prefix}t` }],
  ['change the project\'s IAM policy', { permission: 'resourcemanager.projects.setIamPolicy', name: `projects/${PROJECT}` }],
  ['a disk named with our prefix but typed as an instance elsewhere', { permission: 'compute.instances.create', name: zonal('europe-west1-b', 'disks', `${prefix}x1`), type: INSTANCE }],
];

describe('GcpCostOptimizerStack bindings under IAM Conditions evaluation', () => {
  afterAll(() => console.log(`gcp-condition: ${count} requests (${allowed.length} allowed, ${denied.length} denied expected)`));
  it.each(allowed)('allows: %s', (_n, c) => { expect(decide(c)).toBe(true); });
  it.each(denied)('denies: %s', (_n, c) => { expect(decide(c)).toBe(false); });

  it('residual, documented: a VM a user names with our reserved prefix in our zones is admitted for create-time permissions, never for delete', () => {
    const lookalike = zonal('europe-west1-c', 'instances', `${prefix}users-vm`);
    expect(decide({ permission: 'compute.instances.setMetadata', name: lookalike, type: INSTANCE })).toBe(true);
    expect(decide({ permission: 'compute.instances.delete', name: lookalike, type: INSTANCE })).toBe(false);
  });

  it('every conditioned binding evaluates without error on each kind of request', () => {
    for (const b of bindings.filter((x) => x.condition)) {
      for (const c of [...allowed, ...denied].map(([, call]) => call)) {
        const r = evaluateGcpCondition(b.condition!, { resource: { name: c.name, type: c.type, tags: c.tags } });
        expect(r.error, `${b.id}: ${c.permission} ${c.name}`).toBeUndefined();
      }
    }
  });
});

describe('Workload Identity principals', () => {
  const member = json.resource.google_service_account_iam_member.workload_identity.member as string;
  it('the KSA principal names the namespace and KSA, in the project\'s pool (any cluster of the project)', () => {
    expect(member.endsWith('/subject/ns/cost-optimizer/sa/optimizer-agent')).toBe(true);
    expect(member).toContain(`/workloadIdentityPools/${PROJECT}.svc.id.goog/`);
  });
  it('the cluster principal set names this cluster only: a sibling\'s principal set differs and does not extend it', () => {
    const own = stack.clusterPrincipalSet!;
    const sib = own.replace(`/clusters/${CLUSTER}`, `/clusters/${SIBLING}`);
    expect(own.endsWith(`/clusters/${CLUSTER}`)).toBe(true);
    expect(sib).not.toBe(own);
  });
});
