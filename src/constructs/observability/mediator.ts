import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { reasonOf, rulesOf } from '../../needs/model';
import { MEDIATOR_NEEDS } from './needs';
import { validatorFor, clusterScopedName } from '../private/names';
import { AgentWorkload, PolicyRule, WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint, VendorEndpoint } from '../endpoints';
import { WorkloadNetworkPolicy } from '../network';
import { SecretSource } from '../secrets';
import { OBSERVABILITY } from './common';

/** The mediator's ClusterRole, exactly: read-only, each resource under its own API group. */
export const MEDIATOR_RULES: readonly PolicyRule[] = rulesOf(MEDIATOR_NEEDS, ['read-core', 'read-apps', 'read-batch', 'read-applications']);

/** The port the mediator receives agents' data on. */
export const MEDIATOR_PORT = 8443;

/** The vendor's backend, which the mediator sends cluster state to. */
export interface MediatorBackend extends VendorEndpoint {
  /**
   * On Cilium, without a proxy: allow the backend's host name (from `url`) with toFQDNs instead of CIDRs.
   * @default false
   */
  readonly fqdn?: boolean;
}

export interface ObservabilityMediatorProps extends WorkloadOptions {
  /** The API server, which the mediator watches. */
  readonly apiServer: ApiServerEndpoint;
  /**
   * Where cluster state goes: through the outbound proxy when there is one, else by its CIDRs or
   * (on Cilium, with `fqdn`) its host name.
   */
  readonly backend: MediatorBackend;
  /**
   * The vendor credential (API key or token), mounted as a file; `VENDOR_CREDENTIAL_FILE` holds its path.
   * @default - none
   */
  readonly vendorCredential?: SecretSource;
}

/**
 * The mediator: a Deployment that watches cluster state with the read-only ClusterRole
 * `MEDIATOR_RULES` and sends it to the vendor's backend. It receives agents' data on
 * `MEDIATOR_PORT` through a Service; its network policy allows DNS, the API server and the backend
 * (through the proxy, by CIDRs, or by host name on Cilium), and ingress only from what the chart wires.
 */
export class ObservabilityMediator extends AgentWorkload {
  public readonly backend: MediatorBackend;
  public readonly service: ApiObject;
  declare public readonly networkPolicy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, props: ObservabilityMediatorProps) {
    const v = validatorFor('ObservabilityMediator', scope, id);
    if (!props?.backend || typeof props.backend !== 'object') v.fail('missing-backend', 'backend', props?.backend, 'is missing', 'give { url } (and cidrs without a proxy)');
    if (props.backend.fqdn && props.backend.cidrs !== undefined) {
      v.fail('backend-egress', 'backend', props.backend, 'gives both cidrs and fqdn', 'give one of them');
    }
    super(scope, id, {
      ...props,
      component: 'mediator',
      partOf: OBSERVABILITY,
      ports: [{ name: 'ingest', port: MEDIATOR_PORT }],
      env: { ...(props.env ?? {}), BACKEND_URL: props.backend.url },
    });
    this.backend = props.backend;
    this.grantClusterRole([...MEDIATOR_RULES], { name: clusterScopedName(this) });
    this.service = this.addService([{ name: 'ingest', port: MEDIATOR_PORT }]);
    this.allowDns().allowApiServer(props.apiServer, reasonOf(MEDIATOR_NEEDS, 'api-server'));
    if (props.backend.fqdn && this.proxy) {
      this.v.fail('backend-egress', 'backend.fqdn', true, 'is given while an outbound proxy is set; the proxy is then the only way out', 'drop fqdn, or drop httpsProxy');
    }
    this.reachVendor('backend', props.backend, { fqdn: props.backend.fqdn, reason: reasonOf(MEDIATOR_NEEDS, 'backend') });
    if (props.vendorCredential !== undefined) this.mountVendorCredential('vendorCredential', props.vendorCredential);
  }
}
