import { ApiObject, Yaml } from 'cdk8s';
import { requireProps } from '../private/names';
import { Construct } from 'constructs';
import { WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint, VendorEndpoint } from '../endpoints';
import { checkCidr, NetworkPeer, Ports } from '../network';
import { SecretSource } from '../secrets';
import { INTERCEPTOR_METRICS_PORT, METRICS_PORT, SENSOR } from './common';
import { SensorWorkload } from './sensor-workload';
import { reasonOf, rulesOf } from '../../needs/model';
import { PROMETHEUS_AGENT_NEEDS } from './needs';

/** UID and GID of the Prometheus agent: `nobody`, as the upstream Prometheus image expects. */
export const PROMETHEUS_UID = 65534;

const CONFIG_DIR = '/etc/prometheus';

export interface SensorPrometheusAgentProps extends WorkloadOptions {
  /**
   * Size of the /tmp emptyDir that holds the agent's write-ahead log.
   * @default "1Gi"
   */
  readonly tmpSizeLimit?: string;
  /** The API server, for discovering the sensor's pods in its own namespace. */
  readonly apiServer: ApiServerEndpoint;
  /** The vendor's remote-write endpoint. */
  readonly remoteWrite: VendorEndpoint;
  /** Bearer token for remote write, from outside the manifests (read with `credentials_file`). */
  readonly remoteWriteToken: SecretSource;
  /**
   * How often to scrape.
   * @default "30s"
   */
  readonly scrapeInterval?: string;
}

/**
 * The Prometheus agent: a Deployment running Prometheus in agent mode (`--agent`, Prometheus 3) as
 * UID/GID 65534. It discovers the sensor's pods in its own namespace (a Role with get, list and
 * watch on pods there, nothing cluster-wide), keeps those labelled part-of=sensor with a port named
 * `metrics`, and remote-writes to the vendor with a token read from a file. Egress: DNS, the API
 * server, the vendor (proxy or CIDRs), and exactly the workloads and node ports the chart wires with
 * `scrape()` and `scrapeNodes()`.
 */
export class SensorPrometheusAgent extends SensorWorkload {
  /** The ConfigMap holding prometheus.yml (no secret: the token is a file path). */
  public readonly config: ApiObject;

  constructor(scope: Construct, id: string, props: SensorPrometheusAgentProps) {
    requireProps('SensorPrometheusAgent', scope, id, props, 'give at least { image, apiServer, remoteWrite, remoteWriteToken }');
    super(scope, id, {
      ...props,
      component: 'prometheus-agent',
      runAsUser: props.runAsUser ?? PROMETHEUS_UID,
      args: props.args ?? ['--agent', `--config.file=${CONFIG_DIR}/prometheus.yml`, '--storage.agent.path=/tmp/agent'],
      // Named `web`, not `metrics`: the agent does not scrape itself.
      ports: [{ name: 'web', port: METRICS_PORT }],
      // The agent's write-ahead log lives in /tmp (the root filesystem is read-only).
      tmpSizeLimit: props.tmpSizeLimit ?? '1Gi',
    });
    const interval = props.scrapeInterval ?? '30s';
    if (!/^\d+[smh]$/.test(interval)) this.v.fail('invalid-interval', 'scrapeInterval', interval, 'is not a Prometheus duration', 'use e.g. "30s"');
    this.grantRole(this.namespace ?? 'default', rulesOf(PROMETHEUS_AGENT_NEEDS, ['discover']));
    this.allowApiServer(props.apiServer, reasonOf(PROMETHEUS_AGENT_NEEDS, 'api-server'));
    const tokenFile = this.mountSecretFile('remoteWriteToken', props.remoteWriteToken);
    this.reachVendor('remoteWrite', props.remoteWrite, { reason: reasonOf(PROMETHEUS_AGENT_NEEDS, 'remote-write') });

    const prometheusYml = {
      global: { scrape_interval: interval },
      scrape_configs: [{
        job_name: SENSOR,
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [this.namespace ?? 'default'] } }],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_part_of'], regex: SENSOR, action: 'keep' },
          { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'metrics', action: 'keep' },
        ],
      }],
      remote_write: [{
        url: props.remoteWrite.url,
        authorization: { type: 'Bearer', credentials_file: tokenFile },
        ...(this.proxy ? { proxy_from_environment: true } : {}),
      }],
    };
    this.config = this.addConfigFiles('config', CONFIG_DIR, { 'prometheus.yml': Yaml.stringify(prometheusYml) });
  }

  /** Scrapes a workload of ours on its metrics port: both sides' policies are written. */
  public scrape(workload: SensorWorkload): this {
    return this.allowTo(workload, [Ports.tcp(METRICS_PORT)], reasonOf(PROMETHEUS_AGENT_NEEDS, 'scrape'));
  }

  /** Scrapes a host-network workload (the interceptor) on the nodes' addresses. */
  public scrapeNodes(nodeCidrs: string[], port = INTERCEPTOR_METRICS_PORT): this {
    nodeCidrs.forEach((c, i) => checkCidr(this.v, `nodeCidrs[${i}]`, c));
    this.policy().allowEgressTo(NetworkPeer.cidrs(nodeCidrs), [Ports.tcp(port)], reasonOf(PROMETHEUS_AGENT_NEEDS, 'scrape-nodes'));
    return this;
  }
}
