import { AgentContainerOptions } from '../agent-workload';

/** `app.kubernetes.io/part-of` of every object of the data-security sensor family. */
export const SENSOR = 'sensor';

/**
 * UID and GID of the sensor's containers: the vendor's images are built for user 1000. The
 * Prometheus agent runs as 65534 (nobody), as the upstream Prometheus image expects.
 */
export const SENSOR_UID = 1000;

/** What every workload of the sensor family takes. */
export interface SensorWorkloadOptions extends Omit<AgentContainerOptions, 'name' | 'ports'> {
  /**
   * Name of the workload and its ServiceAccount.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * UID of every container.
   * @default 1000 (SENSOR_UID; 65534 for the Prometheus agent)
   */
  readonly runAsUser?: number;
  /**
   * GID of every container.
   * @default - the same as runAsUser
   */
  readonly runAsGroup?: number;
  /**
   * Group that owns mounted volumes.
   * @default - the same as runAsGroup
   */
  readonly fsGroup?: number;
  /**
   * Names of dockerconfigjson Secrets for pulling the vendor's images.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Extra annotations on the pod template.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * The cluster runs Cilium (host-name egress through a CiliumNetworkPolicy).
   * @default false
   */
  readonly cilium?: boolean;
}

/** The port the digger receives the interceptors' traffic metadata (and the crawler's findings) on. */
export const DIGGER_PORT = 9443;
/** The port the detection tool receives classification requests from the digger on. */
export const DETECTION_PORT = 8080;
/** The port every sensor pod serves Prometheus metrics on (named `metrics`). */
export const METRICS_PORT = 9090;
/** The interceptor's metrics port: on the node, since the interceptor shares the host network. */
export const INTERCEPTOR_METRICS_PORT = 9465;

/** A vendor endpoint outside the cluster. */
export interface VendorEndpoint {
  /** Its URL, https only, without credentials: `https://ingest.vendor.example`. */
  readonly url: string;
  /**
   * Its addresses, when the workload reaches it directly. Without an outbound proxy they are required;
   * with one they must be left out, since the proxy is then the only way out.
   * @default - none: reached through the outbound proxy
   */
  readonly cidrs?: string[];
}

/** The Vault server that the injected Vault Agent talks to. */
export interface VaultServer {
  /** Its addresses. */
  readonly cidrs: string[];
  /**
   * Its port.
   * @default 8200
   */
  readonly port?: number;
}
