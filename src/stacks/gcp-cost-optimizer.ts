import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GcpCostOptimizerIdentity, GcpCostOptimizerIdentityProps } from '../constructs/gcp/cost-optimizer-identity';
import { CostOptimizerNames } from '../constructs/optimizer/identity';
import { PropValidator } from '../constructs/validation';

export { GcpWorkloadPrincipal } from '../constructs/gcp/cost-optimizer-identity';

export type GcpCostOptimizerStackProps = Omit<GcpCostOptimizerIdentityProps, 'provider' | 'logicalIdPrefix'>;

/**
 * A ready stack around `GcpCostOptimizerIdentity`: its own Google provider for the project, and
 * outputs `service_account_email`, `node_name_prefix` and `node_resource_manager_tags`. To use your
 * own provider and names, put `GcpCostOptimizerIdentity` in your own stack instead.
 */
export class GcpCostOptimizerStack extends TerraformStack {
  /** The `GcpCostOptimizerIdentity` the stack wraps (service account, custom roles, bindings, cluster tag). */
  public readonly identity: GcpCostOptimizerIdentity;
  /** The resolved cluster, namespace, ServiceAccount and Google service account names (`identity.names`). */
  public readonly names: CostOptimizerNames;
  /** The IAM member allowed to impersonate the service account through Workload Identity. */
  public readonly workloadIdentityMember: string;
  /** Every workload of this cluster as a principal set; undefined unless `projectNumber` is given. */
  public readonly clusterPrincipalSet?: string;
  /** Email of the optimiser's Google service account, also the `service_account_email` output. */
  public readonly serviceAccountEmail: string;

  constructor(scope: Construct, id: string, props: GcpCostOptimizerStackProps) {
    super(scope, id);
    if (props === null || typeof props !== 'object') {
      new PropValidator('GcpCostOptimizerStack', this.node.path).fail('invalid-props', 'props', props, 'is not an object', 'pass the stack\'s props');
    }
    new GoogleProvider(this, 'google', { project: typeof props.projectId === 'string' ? props.projectId : undefined });
    this.identity = new GcpCostOptimizerIdentity(this, 'identity', { ...props, logicalIdPrefix: '' });
    this.names = this.identity.names;
    this.workloadIdentityMember = this.identity.workloadIdentityMember;
    this.clusterPrincipalSet = this.identity.clusterPrincipalSet;
    this.serviceAccountEmail = this.identity.serviceAccountEmail;
    new TerraformOutput(this, 'service_account_email', { value: this.serviceAccountEmail, description: 'The optimiser\'s Google service account (annotate the agent\'s KSA with it)' });
    new TerraformOutput(this, 'node_name_prefix', { value: this.identity.nodeNamePrefix, description: 'The optimiser must name the VMs it creates with this prefix' });
    new TerraformOutput(this, 'node_resource_manager_tags', {
      value: this.identity.nodeResourceManagerTags,
      description: 'Put in each node pool\'s node_config.resource_manager_tags, and on every VM the optimiser creates',
    });
  }
}
