import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterScopedName } from '../private/names';
import { PolicyRule, WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint, VendorEndpoint } from '../endpoints';
import { SecretSource } from '../secrets';

import { DIGGER_PORT, METRICS_PORT } from './common';
import { SensorWorkload } from './sensor-workload';
import { reasonOf, rulesOf } from '../../needs/model';
import { DIGGER_NEEDS } from './needs';

/** The digger's ClusterRole, exactly: read-only metadata for owner resolution, each rule with its reason (the RBAC rows of `DIGGER_NEEDS`); nothing on secrets. */
export const DIGGER_RULES: readonly PolicyRule[] = rulesOf(DIGGER_NEEDS, ['read-core', 'read-core-status', 'read-apps', 'read-apps-status', 'read-batch', 'read-ingresses', 'read-events']);

export interface SensorDiggerProps extends WorkloadOptions {
  /** The API server it watches. */
  readonly apiServer: ApiServerEndpoint;
  /** The vendor's endpoint it sends findings to. */
  readonly vendor: VendorEndpoint;
  /** The vendor credential (its token for the vendor's endpoint), mounted as a file; VENDOR_CREDENTIAL_FILE holds its path. */
  readonly vendorCredential: SecretSource;
}

/**
 * The digger: a Deployment that enriches what the interceptors and the crawler report with cluster
 * metadata (read with `DIGGER_RULES`), asks the detection tool to classify it, and sends findings to
 * the vendor's endpoint. It receives on `DIGGER_PORT` through a Service; its network policy allows
 * DNS, the API server, the vendor (through the proxy or by CIDRs) and what the chart wires.
 */
export class SensorDigger extends SensorWorkload {
  public readonly service: ApiObject;
  public readonly vendorUrl: URL;
  /** The in-cluster address the interceptors and the crawler send to. */
  public readonly address: string;

  constructor(scope: Construct, id: string, props: SensorDiggerProps) {
    super(scope, id, {
      ...props,
      component: 'digger',
      ports: [{ name: 'ingest', port: DIGGER_PORT }, { name: 'metrics', port: METRICS_PORT }],
    });
    this.grantClusterRole([...DIGGER_RULES], { name: clusterScopedName(this) });
    this.allowApiServer(props.apiServer, reasonOf(DIGGER_NEEDS, 'api-server'));
    this.mountVendorCredential('vendorCredential', props.vendorCredential);
    this.vendorUrl = this.reachVendor('vendor', props.vendor, { reason: reasonOf(DIGGER_NEEDS, 'vendor') });
    this.mainContainer.env.addVariable('VENDOR_URL', kplus.EnvValue.fromValue(props.vendor.url));
    this.service = this.addService([{ name: 'ingest', port: DIGGER_PORT }]);
    this.address = `${this.name}.${this.namespace ?? 'default'}.svc:${DIGGER_PORT}`;
  }
}
