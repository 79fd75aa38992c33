import { ComputeSubnetworkIamMember } from '@cdktf/provider-google/lib/compute-subnetwork-iam-member';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { TagsLocationTagBinding } from '@cdktf/provider-google/lib/tags-location-tag-binding';
import { TagsTagKey } from '@cdktf/provider-google/lib/tags-tag-key';
import { TagsTagValue } from '@cdktf/provider-google/lib/tags-tag-value';
import { TagsTagValueIamMember } from '@cdktf/provider-google/lib/tags-tag-value-iam-member';
import { TerraformProvider, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { CostOptimizerIdentityProps, CostOptimizerNames, resolveCostOptimizerNames } from '../optimizer/identity';
import { PropValidator } from '../validation';
import {
  clusterPrincipalSet, clusterTagKeyShortName, GcpPermissionGroup, gcpPermissionGroups, nodeNamePrefix, projectWidePrincipal,
  regionOf, workloadIdentityMember,
} from './iam-model';

/** Which Workload Identity principal may impersonate the optimiser's Google service account. */
export enum GcpWorkloadPrincipal {
  /**
   * The agent's KSA (`ns/<namespace>/sa/<ksa>`) in the project's workload pool. The pool is
   * project-wide: a KSA of the same namespace and name in any other cluster of the project matches too.
   */
  KSA = 'ksa',
  /**
   * Every workload of this one cluster (`kubernetes.cluster/...`): no other cluster matches, but any
   * KSA in any namespace of this cluster does. Needs `projectNumber`.
   */
  CLUSTER = 'cluster',
}

/** An existing Resource Manager tag (key and value ids) to confine the optimiser to. */
export interface GcpClusterTag {
  /** `tagKeys/<id>` */
  readonly keyId: string;
  /** `tagValues/<id>`: a value given to this cluster's nodes only. */
  readonly valueId: string;
}

export interface GcpCostOptimizerIdentityProps extends CostOptimizerIdentityProps {
  /** Project id of the cluster, e.g. `acme-prod`. */
  readonly projectId: string;
  /** The cluster's location (region or zone), e.g. `europe-west1`. */
  readonly location: string;
  /**
   * The zones new nodes may be created in.
   * @default - the location's zone for a zonal cluster; any zone of the region for a regional one
   */
  readonly nodeZones?: string[];
  /** The subnetwork new nodes use, as `<region>/<name>`; `compute.subnetworks.use` is bound on it alone. */
  readonly subnetwork: string;
  /** Email of the node service account: the only one the optimiser may act as. */
  readonly nodeServiceAccountEmail: string;
  /**
   * Project number. Needed for the `principal://` forms of Workload Identity and for `GcpWorkloadPrincipal.CLUSTER`.
   * @default - the `serviceAccount:<project>.svc.id.goog[<ns>/<ksa>]` member form
   */
  readonly projectNumber?: string;
  /**
   * The Workload Identity principal allowed to act as the optimiser's service account.
   * @default GcpWorkloadPrincipal.KSA
   */
  readonly workloadPrincipal?: GcpWorkloadPrincipal;
  /**
   * The tag that marks this cluster's nodes.
   * @default - a tag key `cost-optimizer-<cluster>` on the project with one value, the location
   */
  readonly clusterTag?: GcpClusterTag;
  /**
   * Let the optimiser resize this cluster's node pools through the GKE API (`container.clusters.update`,
   * conditioned on the cluster tag, which is then bound to the cluster). That permission also allows
   * other changes to this cluster's settings: see docs/cloud-identities.md.
   * @default false
   */
  readonly allowNodePoolResize?: boolean;
  /**
   * The Google provider every resource of this construct uses (an aliased provider, impersonation, ...).
   * @default - the stack's default Google provider
   */
  readonly provider?: TerraformProvider;
  /**
   * Readable Terraform logical ids: `<logicalIdPrefix><kind>`. Give each identity in a stack its own prefix.
   * @default - cdktf's ids, unique in any stack
   */
  readonly logicalIdPrefix?: string;
}

/**
 * The cost optimiser's GCP identity as a construct for any TerraformStack: a Google service account
 * without keys; one custom role per permission group, each bound where GCP can confine it (project
 * with an IAM Condition on the cluster tag or the node name, the one subnetwork, the one node service
 * account, the one tag value); the cluster tag; Workload Identity for the agent. Every role and
 * binding carries its reason in `//`.
 */
export class GcpCostOptimizerIdentity extends Construct {
  /**
   * The resolved cluster, namespace, ServiceAccount and Google service account names the identity is built
   * from.
   */
  public readonly names: CostOptimizerNames;
  /**
   * Email of the optimiser's Google service account, `<gcpServiceAccountId>@<project>.iam.gserviceaccount.com`.
   */
  public readonly serviceAccountEmail: string;
  /**
   * The IAM member granted `roles/iam.workloadIdentityUser` on the service account: the agent's KSA, or every
   * workload of the cluster.
   */
  public readonly workloadIdentityMember: string;
  /**
   * Which Kubernetes principal may impersonate the service account: the agent's KSA (the default) or the whole
   * cluster.
   */
  public readonly workloadPrincipal: GcpWorkloadPrincipal;
  /** Every workload of this cluster (set when `projectNumber` is given). */
  public readonly clusterPrincipalSet?: string;
  /** The prefix the optimiser must give the VMs it creates. */
  public readonly nodeNamePrefix: string;
  /** The permission groups as bound, conditions included (tag ids as Terraform expressions). */
  public readonly groups: GcpPermissionGroup[];
  /** `{ "<tagKeys/id>": "<tagValues/id>" }`: put it in each node pool's `node_config.resource_manager_tags`. */
  public readonly nodeResourceManagerTags: Record<string, string>;
  /**
   * `tagKeys/<id>` of the cluster tag, a Terraform expression (the given `clusterTag`, or the key this
   * construct creates).
   */
  public readonly tagKeyId: string;
  /** `tagValues/<id>` of this cluster's value of the tag, a Terraform expression; the node conditions match it. */
  public readonly tagValueId: string;
  /** Every Terraform resource this construct made, by its construct id (for logical-id overrides). */
  public readonly resources: Record<string, TerraformResource> = {};

  constructor(scope: Construct, id: string, props: GcpCostOptimizerIdentityProps) {
    super(scope, id);
    const v = new PropValidator('GcpCostOptimizerIdentity', this.node.path);
    if (props === null || typeof props !== 'object') v.fail('invalid-props', 'props', props, 'is not an object', 'pass the identity\'s props');
    this.names = resolveCostOptimizerNames(v, props, 'gcp');
    if (typeof props.projectId !== 'string' || !/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(props.projectId)) {
      v.fail('invalid-project-id', 'projectId', props.projectId, 'is not a GCP project id', 'use e.g. "acme-prod"');
    }
    if (typeof props.location !== 'string' || !/^[a-z]+-[a-z]+\d+(-[a-z])?$/.test(props.location)) {
      v.fail('invalid-location', 'location', props.location, 'is not a GCP region or zone', 'use e.g. "europe-west1"');
    }
    const region = regionOf(props.location);
    if (props.nodeZones !== undefined) {
      if (!Array.isArray(props.nodeZones) || props.nodeZones.length === 0) {
        v.fail('invalid-zones', 'nodeZones', props.nodeZones, 'is not a non-empty list of zones', `use e.g. ["${region}-b", "${region}-c"]`);
      }
      for (const z of props.nodeZones) {
        if (typeof z !== 'string' || !/^[a-z]+-[a-z]+\d+-[a-z]$/.test(z) || regionOf(z) !== region) {
          v.fail('invalid-zone', 'nodeZones', z, `is not a zone of the cluster's region ${region}`, `use e.g. "${region}-b"`);
        }
      }
      if (new Set(props.nodeZones).size !== props.nodeZones.length) v.fail('duplicate-zone', 'nodeZones', props.nodeZones, 'lists a zone twice', 'list each zone once');
    }
    if (typeof props.subnetwork !== 'string' || !/^[a-z]+-[a-z]+\d+\/[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(props.subnetwork)) {
      v.fail('invalid-subnetwork', 'subnetwork', props.subnetwork, 'is not "<region>/<subnetwork name>"', `use e.g. "${region}/nodes"`);
    }
    if (props.subnetwork.split('/')[0] !== region) {
      v.fail('invalid-subnetwork', 'subnetwork', props.subnetwork, `is not in the cluster's region ${region}`, `use a subnetwork of ${region}, e.g. "${region}/nodes"`);
    }
    if (typeof props.nodeServiceAccountEmail !== 'string' || !/^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/.test(props.nodeServiceAccountEmail)) {
      v.fail('invalid-service-account', 'nodeServiceAccountEmail', props.nodeServiceAccountEmail, 'is not a user-managed service account email',
        'use e.g. "gke-nodes@acme-prod.iam.gserviceaccount.com"');
    }
    if (props.projectNumber !== undefined && (typeof props.projectNumber !== 'string' || !/^\d{6,19}$/.test(props.projectNumber))) {
      v.fail('invalid-project-number', 'projectNumber', props.projectNumber, 'is not a project number', 'use the digits shown by "gcloud projects describe", e.g. "123456789012"');
    }
    this.workloadPrincipal = props.workloadPrincipal ?? GcpWorkloadPrincipal.KSA;
    v.oneOf('invalid-workload-principal', 'workloadPrincipal', this.workloadPrincipal, GcpWorkloadPrincipal as unknown as Record<string, GcpWorkloadPrincipal>, 'a Workload Identity principal kind');
    if (this.workloadPrincipal === GcpWorkloadPrincipal.CLUSTER && props.projectNumber === undefined) {
      v.fail('missing-project-number', 'projectNumber', props.projectNumber, 'is needed for the cluster-scoped principal', 'give the project number, e.g. "123456789012"');
    }
    if (props.clusterTag !== undefined) {
      const t = props.clusterTag;
      if (t === null || typeof t !== 'object' || typeof t.keyId !== 'string' || !/^tagKeys\/\d+$/.test(t.keyId)
        || typeof t.valueId !== 'string' || !/^tagValues\/\d+$/.test(t.valueId)) {
        v.fail('invalid-cluster-tag', 'clusterTag', t, 'is not { keyId: "tagKeys/<id>", valueId: "tagValues/<id>" }', 'use the ids from "gcloud resource-manager tags values describe"');
      }
    }
    if (props.allowNodePoolResize !== undefined && typeof props.allowNodePoolResize !== 'boolean') {
      v.fail('invalid-boolean', 'allowNodePoolResize', props.allowNodePoolResize, 'is not a boolean', 'use true or false');
    }
    const idPrefix = props.logicalIdPrefix;
    if (idPrefix !== undefined && (typeof idPrefix !== 'string' || !/^([A-Za-z_][A-Za-z0-9_-]*)?$/.test(idPrefix))) {
      v.fail('invalid-logical-id-prefix', 'logicalIdPrefix', idPrefix, 'is not a Terraform identifier prefix', 'use e.g. "prod_"');
    }
    const provider = props.provider;
    const add = <T extends TerraformResource>(key: string, r: T): T => {
      if (idPrefix !== undefined) r.overrideLogicalId(`${idPrefix}${key}`);
      this.resources[key] = r;
      return r;
    };
    const n = this.names;
    const project = props.projectId;

    const sa = add('service_account', new ServiceAccount(this, 'service_account', {
      provider, accountId: n.gcpServiceAccountId, displayName: `Cost optimiser of GKE cluster ${n.clusterName}`.slice(0, 100), project,
      description: 'No keys: used through Workload Identity only',
    }));
    this.serviceAccountEmail = `${n.gcpServiceAccountId}@${project}.iam.gserviceaccount.com`;
    const member = `serviceAccount:${this.serviceAccountEmail}`;

    if (props.clusterTag) {
      this.tagKeyId = props.clusterTag.keyId;
      this.tagValueId = props.clusterTag.valueId;
    } else {
      const key = add('cluster_tag_key', new TagsTagKey(this, 'cluster_tag_key', {
        provider, parent: `projects/${project}`, shortName: clusterTagKeyShortName(n.clusterName),
        description: `Marks the nodes of GKE cluster ${n.clusterName}; its cost optimiser may change only VMs carrying it`,
      }));
      const value = add('cluster_tag_value', new TagsTagValue(this, 'cluster_tag_value', {
        provider, parent: key.id, shortName: props.location, description: `Nodes of GKE cluster ${n.clusterName} in ${props.location}`,
      }));
      this.tagKeyId = key.id;
      this.tagValueId = value.id;
    }
    this.nodeResourceManagerTags = { [this.tagKeyId]: this.tagValueId };
    this.nodeNamePrefix = nodeNamePrefix(n.clusterName);
    const useTag = add('tag_user', new TagsTagValueIamMember(this, 'tag_user', {
      provider, tagValue: this.tagValueId, role: 'roles/resourcemanager.tagUser', member,
    }));
    writeReasons(useTag, { 'roles/resourcemanager.tagUser': 'attach this cluster\'s tag value, and no other, to the nodes the optimiser creates' });

    this.groups = gcpPermissionGroups({
      projectId: project, clusterName: n.clusterName, location: props.location, zones: props.nodeZones,
      tagKeyId: this.tagKeyId, tagValueId: this.tagValueId, allowNodePoolResize: props.allowNodePoolResize,
    });
    const roleIdBase = `co_${n.clusterName.replace(/-/g, '_')}`;
    for (const g of this.groups) {
      const roleId = `${roleIdBase}_${g.name}`;
      const key = snake(g.name);
      const permissions = Object.keys(g.permissions).sort();
      const role = add(`${key}_role`, new ProjectIamCustomRole(this, `${key}_role`, {
        provider, project, roleId, title: g.title.slice(0, 100), permissions,
        description: `${g.reason}${g.unconfined ? `. Not confinable: ${g.unconfined}` : ''}`.slice(0, 256),
      }));
      writeReasons(role, { [roleId]: g.reason, ...g.permissions }, g.unconfined);
      let binding: TerraformResource;
      if (g.boundOn === 'subnetwork') {
        const [subRegion, subName] = props.subnetwork.split('/');
        binding = add(`${key}_binding`, new ComputeSubnetworkIamMember(this, `${key}_binding`, {
          provider, project, region: subRegion, subnetwork: subName, role: role.id, member,
        }));
      } else {
        binding = add(`${key}_binding`, new ProjectIamMember(this, `${key}_binding`, {
          provider, project, role: role.id, member, dependsOn: [sa],
          condition: g.condition ? { title: g.condition.title, description: g.condition.description, expression: g.condition.expression } : undefined,
        }));
      }
      writeReasons(binding, { [roleId]: g.reason }, g.unconfined);
    }
    if (props.allowNodePoolResize) {
      add('cluster_tag_binding', new TagsLocationTagBinding(this, 'cluster_tag_binding', {
        provider, location: props.location, tagValue: this.tagValueId,
        parent: `//container.googleapis.com/projects/${project}/locations/${props.location}/clusters/${n.clusterName}`,
      }));
    }

    const actAs = add('act_as_node_sa', new ServiceAccountIamMember(this, 'act_as_node_sa', {
      provider, serviceAccountId: `projects/${project}/serviceAccounts/${props.nodeServiceAccountEmail}`,
      role: 'roles/iam.serviceAccountUser', member,
    }));
    writeReasons(actAs, { 'roles/iam.serviceAccountUser': 'run new nodes as the node service account, on that one service account only' });

    if (props.projectNumber) this.clusterPrincipalSet = clusterPrincipalSet(project, props.projectNumber, props.location, n.clusterName);
    if (this.workloadPrincipal === GcpWorkloadPrincipal.CLUSTER) {
      this.workloadIdentityMember = this.clusterPrincipalSet!;
    } else {
      this.workloadIdentityMember = props.projectNumber
        ? projectWidePrincipal(project, props.projectNumber, n.namespace, n.serviceAccountName)
        : workloadIdentityMember(project, n.namespace, n.serviceAccountName);
    }
    const wi = add('workload_identity', new ServiceAccountIamMember(this, 'workload_identity', {
      provider, serviceAccountId: sa.name, role: 'roles/iam.workloadIdentityUser', member: this.workloadIdentityMember,
    }));
    const clusterWide = this.workloadPrincipal === GcpWorkloadPrincipal.CLUSTER;
    const wiReason = clusterWide
      ? `every workload of cluster ${n.clusterName} (and no other cluster) may act as the optimiser's service account: chosen with workloadPrincipal CLUSTER, so that a same-named KSA in another cluster of the project cannot`
      : `the agent's KSA ${n.namespace}/${n.serviceAccountName} may act as the optimiser's service account; the workload pool is project-wide, so that KSA in another cluster of the project may too`;
    // The cluster-wide principal is an explicit choice (a typed prop), so its exemption travels with it.
    writeReasons(wi, { 'roles/iam.workloadIdentityUser': wiReason }, undefined, clusterWide ? { 'gcp-workload-identity-wide': wiReason } : undefined);
  }
}

/** Writes `"//": {"secure-agents": {"reasons", "unconfined"?, "exemptions"?}}` on a block (docs/reasons-in-output.md). */
function writeReasons(resource: TerraformResource, reasons: Record<string, string>, unconfined?: string, exemptions?: Record<string, string>): void {
  resource.addOverride('//', { 'secure-agents': { reasons, ...(unconfined ? { unconfined } : {}), ...(exemptions ? { exemptions } : {}) } });
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
