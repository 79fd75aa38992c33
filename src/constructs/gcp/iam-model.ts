/**
 * The cost optimiser's GCP IAM model in plain TypeScript: permission groups (custom roles), where
 * each is bound, its IAM Condition (CEL) and its reason. cdktf only emits what these functions return.
 *
 * Confinement, in short (docs/cloud-identities.md has the whole table):
 * - A node of this cluster carries a Resource Manager tag whose value exists for this cluster only
 *   (`cost-optimizer-<cluster>` = `<location>`). Changing or deleting an existing node is conditioned
 *   on `resource.matchTagId(<key id>, <value id>)`: a sibling cluster's nodes carry another value, a
 *   user's look-alike VM carries none, and the optimiser cannot attach the tag to an existing VM
 *   (no `createTagBinding` on it outside its own name space, below).
 * - A node being created has no tags yet, so creation is conditioned on the resource name: the zone
 *   (one of the cluster's) and a name prefix `co<NN>-<cluster>-` whose length field makes it
 *   prefix-free: no other cluster name gives a prefix that starts with ours.
 * - `compute.subnetworks.use` is bound on the one subnetwork (resource-level), `actAs` on the one node
 *   service account, the tag's use on the one tag value.
 */

/** A permission group: one custom role, bound in one place, with an optional condition and its reason. */
export interface GcpPermissionGroup {
  /** Suffix of the custom role id, e.g. `createNodes`. */
  readonly name: string;
  /** Title of the custom role, shown in the Cloud console. */
  readonly title: string;
  /** Why the group exists, written into the output next to the role and its binding. */
  readonly reason: string;
  /** Each permission and the step that needs it. */
  readonly permissions: Readonly<Record<string, string>>;
  /** Where it is bound: the project, the subnetwork, or (optional) the project for the GKE API. */
  readonly boundOn: 'project' | 'subnetwork';
  /**
   * IAM Condition on the binding: a title, a description and a CEL expression.
   * @default - unconditional
   */
  readonly condition?: { readonly title: string; readonly description: string; readonly expression: string };
  /** What GCP cannot confine about this group, said in the output as well as in the docs. */
  readonly unconfined?: string;
}

export interface GcpPolicyInput {
  /** Id of the GCP project that holds the cluster, or a Terraform expression for it. */
  readonly projectId: string;
  /** GKE cluster name; it appears in the node name prefix and the tag that confine the optimiser. */
  readonly clusterName: string;
  /** The cluster's location: a region (`europe-west1`) or a zone (`europe-west1-b`). */
  readonly location: string;
  /** The zones new nodes may be created in. */
  readonly zones?: readonly string[];
  /** `tagKeys/<id>` of the cluster tag (a Terraform expression in the stacks). */
  readonly tagKeyId: string;
  /** `tagValues/<id>` of the cluster tag's value for this cluster. */
  readonly tagValueId: string;
  /** Grant `container.clusters.update` on this cluster only, to resize GKE node pools. */
  readonly allowNodePoolResize?: boolean;
}

/** The prefix of the names of nodes (and boot disks) the optimiser creates: `co<NN>-<cluster>-`. */
export function nodeNamePrefix(clusterName: string): string {
  return `co${String(clusterName.length).padStart(2, '0')}-${clusterName}-`;
}

/** The region of a GCP location (a zone's region, or the region itself). */
export function regionOf(location: string): string {
  return /-[a-z]$/.test(location) ? location.slice(0, -2) : location;
}

/** The short name of the cluster's tag key, and its value's (one value per cluster location). */
export function clusterTagKeyShortName(clusterName: string): string {
  return `cost-optimizer-${clusterName}`;
}

/** Read permissions, granted on the project without a condition: Compute Engine offers nothing to narrow a list by. */
export const GCP_READ_PERMISSIONS: Readonly<Record<string, string>> = {
  'compute.instances.get': 'read a node\'s state before draining or deleting it',
  'compute.instances.list': 'list the nodes of the cluster\'s zones to match them with Kubernetes nodes',
  'compute.machineTypes.get': 'read the CPU and memory of one machine type',
  'compute.machineTypes.list': 'compare machine types when sizing a node',
  'compute.zones.list': 'find the zones of the cluster\'s region',
  'compute.regions.get': 'read the region\'s quotas before creating nodes',
  'compute.zoneOperations.get': 'wait for a node\'s creation or deletion to finish',
  'compute.instanceGroupManagers.get': 'read the size of the node pools\' managed groups',
  'compute.instanceGroupManagers.list': 'find the node pools\' managed groups',
  'compute.instanceTemplates.get': 'copy a node pool\'s template (image, metadata, network tags) for new nodes',
  'compute.instanceTemplates.list': 'find the node pools\' templates',
  'container.clusters.get': 'read the cluster\'s node pools and their settings',
  'container.operations.get': 'wait for a node pool resize to finish',
};

const READ_UNCONFINED = 'GCP cannot confine a list: compute.instances.list and compute.instanceTemplates.get/list return every VM and template of the project, metadata included, sibling clusters\' too. Give each cluster its own project where that matters.';

/** The permission groups, each with its reason, binding place and condition. */
export function gcpPermissionGroups(i: GcpPolicyInput): GcpPermissionGroup[] {
  const prefix = nodeNamePrefix(i.clusterName);
  const region = regionOf(i.location);
  const zones = i.zones && i.zones.length > 0 ? [...i.zones] : (region === i.location ? undefined : [i.location]);
  const zoneTest = zones
    ? `resource.name.extract("/zones/{zone}/") in [${zones.map((z) => JSON.stringify(z)).join(', ')}]`
    : `resource.name.extract("/zones/{zone}/").startsWith(${JSON.stringify(`${region}-`)})`;
  const tagged = `resource.matchTagId(${JSON.stringify(i.tagKeyId)}, ${JSON.stringify(i.tagValueId)})`;
  const instance = 'resource.type == "compute.googleapis.com/Instance"';
  const disk = 'resource.type == "compute.googleapis.com/Disk"';
  const named = (kind: string) => `resource.name.extract(${JSON.stringify(`/${kind}/{name}`)}).startsWith(${JSON.stringify(prefix)})`;
  const creating = `(${instance} && ${zoneTest} && ${named('instances')}) || (${disk} && ${zoneTest} && ${named('disks')})`;
  const groups: GcpPermissionGroup[] = [
    {
      name: 'read', title: `Cost optimiser reads (${i.clusterName})`, boundOn: 'project',
      reason: 'read the machine types, zones, node VMs, templates and node pools the optimiser sizes nodes from',
      permissions: GCP_READ_PERMISSIONS, unconfined: READ_UNCONFINED,
    },
    {
      name: 'createNodes', title: `Cost optimiser creates nodes (${i.clusterName})`, boundOn: 'project',
      reason: `create a node and its boot disk named ${prefix}* in the cluster's zones, and set what every GKE node has (metadata, network tags, labels, service account, the cluster tag); change those only on VMs of this name or carrying this cluster's tag`,
      permissions: {
        'compute.instances.create': 'create a node',
        'compute.disks.create': 'create the node\'s boot disk, named like the node',
        'compute.instances.setMetadata': 'give a new node its kubelet bootstrap metadata',
        'compute.instances.setTags': 'give a new node the network tags the cluster\'s firewall rules expect',
        'compute.instances.setLabels': 'label a node with its node pool and owner',
        'compute.instances.setServiceAccount': 'run a new node as the node service account',
        'compute.instances.createTagBinding': 'attach this cluster\'s tag to a node at creation',
      },
      condition: {
        title: `create-${i.clusterName}-nodes`.slice(0, 100),
        description: `VMs and disks named ${prefix}* in the cluster's zones (while being created), or VMs carrying this cluster's tag`.slice(0, 256),
        expression: `${creating} || (${instance} && ${tagged})`,
      },
      unconfined: `A VM that a user names ${prefix}* in the cluster's zones is admitted by name: the prefix is reserved for this cluster's optimiser, keep it so.`,
    },
    {
      name: 'deleteNodes', title: `Cost optimiser deletes nodes (${i.clusterName})`, boundOn: 'project',
      reason: 'delete a drained node: only VMs carrying this cluster\'s tag, never by name',
      permissions: { 'compute.instances.delete': 'delete a drained node (its boot disk is deleted with it)' },
      condition: {
        title: `delete-${i.clusterName}-nodes`.slice(0, 100),
        description: 'VMs carrying this cluster\'s tag value',
        expression: `${instance} && ${tagged}`,
      },
    },
    {
      name: 'useSubnet', title: `Cost optimiser uses the node subnetwork (${i.clusterName})`, boundOn: 'subnetwork',
      reason: 'attach new nodes to the cluster\'s one subnetwork; bound on that subnetwork, because IAM Conditions see no name for subnetworks',
      permissions: { 'compute.subnetworks.use': 'put a new node\'s network interface in the cluster\'s subnetwork' },
    },
  ];
  if (i.allowNodePoolResize) {
    groups.push({
      name: 'resizePools', title: `Cost optimiser resizes node pools (${i.clusterName})`, boundOn: 'project',
      reason: 'resize this cluster\'s node pools through the GKE API; the managed instance groups themselves cannot be confined by IAM Conditions',
      permissions: { 'container.clusters.update': 'set a node pool\'s size (nodePools.setSize)' },
      condition: {
        title: `resize-${i.clusterName}-pools`.slice(0, 100),
        description: 'the GKE cluster carrying this cluster\'s tag value',
        expression: `resource.type == "container.googleapis.com/Cluster" && ${tagged}`,
      },
      unconfined: 'container.clusters.update is the only permission for nodePools.setSize and also allows other changes to this one cluster\'s settings.',
    });
  }
  return groups;
}

/** The principal of one KSA in the project's workload pool: that KSA in every cluster of the project matches. */
export function projectWidePrincipal(projectId: string, projectNumber: string, namespace: string, ksa: string): string {
  return `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${projectId}.svc.id.goog/subject/ns/${namespace}/sa/${ksa}`;
}

/** The legacy member form of the same identity: `serviceAccount:<project>.svc.id.goog[<ns>/<ksa>]`. */
export function workloadIdentityMember(projectId: string, namespace: string, ksa: string): string {
  return `serviceAccount:${projectId}.svc.id.goog[${namespace}/${ksa}]`;
}

/**
 * The cluster-scoped principal set: every workload of one cluster (not of every cluster in the
 * project), whatever its namespace and KSA.
 */
export function clusterPrincipalSet(projectId: string, projectNumber: string, location: string, clusterName: string): string {
  return `principalSet://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${projectId}.svc.id.goog/kubernetes.cluster/https://container.googleapis.com/v1/projects/${projectId}/locations/${location}/clusters/${clusterName}`;
}
