import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PolicyRule } from '../agent-workload';
import { ApiServerOptions, NetworkPeer } from '../network';
import { SecretSource } from '../secrets';
import { clusterScopedName } from '../observability/common';
import { DIGGER_PORT, METRICS_PORT, SensorWorkloadOptions, VaultServer, VendorEndpoint } from './common';
import { SensorWorkload } from './sensor-workload';
import { OutboundProxy } from '../proxy';

const READ = ['get', 'list', 'watch'];

/** The digger's ClusterRole, exactly: read-only metadata, each resource under its own API group; nothing on secrets. */
export const DIGGER_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'nodes', 'namespaces'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'daemonsets', 'statefulsets'], verbs: READ },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
];

export interface SensorDiggerProps extends SensorWorkloadOptions {
  /** The API server it watches. */
  readonly apiServer: ApiServerOptions;
  /** The vendor's endpoint it sends findings to. */
  readonly vendor: VendorEndpoint;
  /** Its token for the vendor's endpoint, from outside the manifests; its file path is VENDOR_TOKEN_FILE. */
  readonly vendorToken: SecretSource;
  /** @default - no proxy */
  readonly proxy?: OutboundProxy;
  /** Required when `vendorToken` comes from Vault. @default - none */
  readonly vaultServer?: VaultServer;
  /** @default 1 */
  readonly replicas?: number;
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
    this.policy().allowEgressTo(NetworkPeer.apiServer(props.apiServer));
    const tokenFile = this.mountSecretFile('vendorToken', props.vendorToken);
    this.vendorUrl = this.reachVendor('vendor', props.vendor);
    this.mainContainer.env.addVariable('VENDOR_URL', kplus.EnvValue.fromValue(props.vendor.url));
    this.mainContainer.env.addVariable('VENDOR_TOKEN_FILE', kplus.EnvValue.fromValue(tokenFile));
    this.service = this.addService([{ name: 'ingest', port: DIGGER_PORT }]);
    this.address = `${this.name}.${this.namespace ?? 'default'}.svc:${DIGGER_PORT}`;
  }
}
