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
