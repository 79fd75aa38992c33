import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  clusterCondition, clusterPrincipalSet, GCP_CHANGE_PERMISSIONS, GCP_READ_PERMISSIONS, projectWidePrincipal, workloadIdentityMember,
} from '../constructs/gcp/iam-model';
import { CostOptimizerIdentityProps, CostOptimizerNames, resolveCostOptimizerNames } from '../constructs/optimizer/identity';
import { PropValidator } from '../constructs/validation';

export interface GcpCostOptimizerStackProps extends CostOptimizerIdentityProps {
  /** Project id of the cluster, e.g. `acme-prod`. */
  readonly projectId: string;
  /** The cluster's location (region or zone), e.g. `europe-west1`. */
  readonly location: string;
  /** The subnetwork new nodes use, as `<region>/<name>`. */
  readonly subnetwork: string;
  /** Email of the node service account: the only one the optimiser may act as. */
  readonly nodeServiceAccountEmail: string;
  /**
   * Project number. When given, the Workload Identity binding uses the `principal://` form; a
   * Workload Identity pool is project-wide, so either form matches this KSA in every cluster of the
   * project. See `clusterPrincipalSet` for the cluster-scoped principal set.
   * @default - the `serviceAccount:<project>.svc.id.goog[<ns>/<ksa>]` member form
   */
  readonly projectNumber?: string;
}

/**
 * The cost optimiser's GCP side: a service account without keys, a custom role split into an
 * unconditioned read binding and a mutating binding conditioned on this cluster's resource names,
 * actAs on the node service account only, and the Workload Identity binding of the agent's KSA.
 */
export class GcpCostOptimizerStack extends TerraformStack {
  public readonly names: CostOptimizerNames;
  public readonly condition: string;
  public readonly workloadIdentityMember: string;
  /** Every workload of this one cluster, for users who add a cluster-scoped binding (documented, not bound). */
  public readonly clusterPrincipalSet?: string;
  public readonly serviceAccountEmail: string;

  constructor(scope: Construct, id: string, props: GcpCostOptimizerStackProps) {
    super(scope, id);
    const v = new PropValidator('GcpCostOptimizerStack', this.node.path);
    this.names = resolveCostOptimizerNames(v, props, 'gcp');
    if (typeof props.projectId !== 'string' || !/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(props.projectId)) {
      v.fail('invalid-project-id', 'projectId', props.projectId, 'is not a GCP project id', 'use e.g. "acme-prod"');
    }
    if (typeof props.location !== 'string' || !/^[a-z]+-[a-z]+\d(-[a-z])?$/.test(props.location)) {
      v.fail('invalid-location', 'location', props.location, 'is not a GCP region or zone', 'use e.g. "europe-west1"');
    }
    if (typeof props.subnetwork !== 'string' || !/^[a-z]+-[a-z]+\d\/[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(props.subnetwork)) {
      v.fail('invalid-subnetwork', 'subnetwork', props.subnetwork, 'is not "<region>/<subnetwork name>"', 'use e.g. "europe-west1/nodes"');
    }
    if (typeof props.nodeServiceAccountEmail !== 'string' || !/^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/.test(props.nodeServiceAccountEmail)) {
      v.fail('invalid-service-account', 'nodeServiceAccountEmail', props.nodeServiceAccountEmail, 'is not a user-managed service account email',
        'use e.g. "gke-nodes@acme-prod.iam.gserviceaccount.com"');
    }
    if (props.projectNumber !== undefined && !/^\d{6,19}$/.test(props.projectNumber)) {
      v.fail('invalid-project-number', 'projectNumber', props.projectNumber, 'is not a project number', 'use the digits shown by "gcloud projects describe", e.g. "123456789012"');
    }
    const n = this.names;
    new GoogleProvider(this, 'google', { project: props.projectId });
    const sa = new ServiceAccount(this, 'service_account', {
      accountId: n.gcpServiceAccountId, displayName: `Cost optimiser of GKE cluster ${n.clusterName}`, project: props.projectId,
    });
    this.serviceAccountEmail = `${n.gcpServiceAccountId}@${props.projectId}.iam.gserviceaccount.com`;
    const member = `serviceAccount:${this.serviceAccountEmail}`;
    const roleId = (suffix: string) => `costOptimizer${camel(n.clusterName)}${suffix}`.slice(0, 64);
    const readRole = new ProjectIamCustomRole(this, 'read_role', {
      project: props.projectId, roleId: roleId('Read'), title: `Cost optimiser read (${n.clusterName})`.slice(0, 100),
      permissions: [...GCP_READ_PERMISSIONS],
    });
    const changeRole = new ProjectIamCustomRole(this, 'change_role', {
      project: props.projectId, roleId: roleId('Change'), title: `Cost optimiser node changes (${n.clusterName})`.slice(0, 100),
      permissions: [...GCP_CHANGE_PERMISSIONS],
    });
    new ProjectIamMember(this, 'read_binding', { project: props.projectId, role: readRole.id, member, dependsOn: [sa] });
    this.condition = clusterCondition(props.projectId, n.clusterName, props.subnetwork);
    new ProjectIamMember(this, 'change_binding', {
      project: props.projectId, role: changeRole.id, member, dependsOn: [sa],
      condition: { title: `only-${n.clusterName}-nodes`.slice(0, 100), description: `Resources GKE names gke-${n.clusterName}-<pool>-...`, expression: this.condition },
    });
    new ServiceAccountIamMember(this, 'act_as_node_sa', {
      serviceAccountId: `projects/${props.projectId}/serviceAccounts/${props.nodeServiceAccountEmail}`,
      role: 'roles/iam.serviceAccountUser', member,
    });
    this.workloadIdentityMember = props.projectNumber
      ? projectWidePrincipal(props.projectId, props.projectNumber, n.namespace, n.serviceAccountName)
      : workloadIdentityMember(props.projectId, n.namespace, n.serviceAccountName);
    if (props.projectNumber) this.clusterPrincipalSet = clusterPrincipalSet(props.projectId, props.projectNumber, props.location, n.clusterName);
    new ServiceAccountIamMember(this, 'workload_identity', {
      serviceAccountId: sa.name, role: 'roles/iam.workloadIdentityUser', member: this.workloadIdentityMember,
    });
  }
}

function camel(name: string): string {
  return name.split(/[-_]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}
