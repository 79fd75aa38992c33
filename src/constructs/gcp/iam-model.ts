/**
 * The cost optimiser's GCP IAM model in plain TypeScript: custom-role permissions, IAM Conditions
 * (CEL) and principals. cdktf only emits what these functions return.
 */

/** Read permissions: granted without a condition (they change nothing). */
export const GCP_READ_PERMISSIONS: readonly string[] = [
  'compute.instanceGroupManagers.get',
  'compute.instanceGroupManagers.list',
  'compute.instanceTemplates.get',
  'compute.instanceTemplates.list',
  'compute.instances.get',
  'compute.instances.list',
  'compute.machineTypes.list',
  'compute.regions.get',
  'compute.zones.list',
  'container.clusters.get',
  'container.clusters.list',
];

/** Mutating permissions: granted only under the cluster-name condition. */
export const GCP_CHANGE_PERMISSIONS: readonly string[] = [
  'compute.disks.create',
  'compute.instanceGroupManagers.update',
  'compute.instanceGroupManagers.use',
  'compute.instanceTemplates.create',
  'compute.instanceTemplates.delete',
  'compute.instanceTemplates.useReadOnly',
  'compute.instances.create',
  'compute.instances.delete',
  'compute.instances.setLabels',
  'compute.instances.setMetadata',
  'compute.instances.start',
  'compute.instances.stop',
  'compute.subnetworks.use',
];

/**
 * GKE names every node pool's compute resources `gke-<cluster>-<pool>-<hash>`: instance templates,
 * managed instance groups, instances and their boot disks. A condition on that prefix confines the
 * mutating role to this cluster's resources.
 */
export function clusterResourcePrefix(clusterName: string): string {
  return `gke-${clusterName}-`;
}

/**
 * The IAM Condition expression (CEL) for mutating bindings. `resource.name` is the full resource
 * name (`projects/<p>/zones/<z>/instances/<name>`), so the condition matches the last segment of
 * each resource kind GKE creates for a node pool, and the subnetworks of the cluster's network.
 */
export function clusterCondition(projectId: string, clusterName: string, subnetwork: string): string {
  const prefix = clusterResourcePrefix(clusterName);
  const kinds = ['instances', 'instanceGroupManagers', 'instanceGroups', 'instanceTemplates', 'disks'];
  const parts = kinds.map((k) => `resource.name.extract("/${k}/{name}").startsWith("${prefix}")`);
  parts.push(`resource.name == "projects/${projectId}/regions/${subnetwork.split('/')[0]}/subnetworks/${subnetwork.split('/')[1]}"`);
  return parts.join(' || ');
}

/** The principal of one KSA in the project's workload pool: any cluster of the project matches. */
export function projectWidePrincipal(projectId: string, projectNumber: string, namespace: string, ksa: string): string {
  return `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${projectId}.svc.id.goog/subject/ns/${namespace}/sa/${ksa}`;
}

/** The legacy member form of the same identity: `serviceAccount:<project>.svc.id.goog[<ns>/<ksa>]`. */
export function workloadIdentityMember(projectId: string, namespace: string, ksa: string): string {
  return `serviceAccount:${projectId}.svc.id.goog[${namespace}/${ksa}]`;
}

/**
 * The cluster-scoped principal set: every workload of one cluster (not of every cluster in the
 * project). It does not name the KSA, so it is used together with, not instead of, a KSA check.
 */
export function clusterPrincipalSet(projectId: string, projectNumber: string, location: string, clusterName: string): string {
  return `principalSet://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${projectId}.svc.id.goog/kubernetes.cluster/https://container.googleapis.com/v1/projects/${projectId}/locations/${location}/clusters/${clusterName}`;
}
