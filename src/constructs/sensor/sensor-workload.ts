import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AgentWorkload, AgentWorkloadProps } from '../agent-workload';
import { SENSOR, SENSOR_UID } from './common';

/** Props of a sensor workload: an AgentWorkload of the sensor family. */
export type SensorWorkloadProps = Omit<AgentWorkloadProps, 'partOf'>;

/**
 * The shared base of the sensor's workloads: UID 1000 unless told otherwise, and (for pod-network
 * workloads) the base's default-deny network policy opened for DNS; each workload adds its peers,
 * and the chart wires them with `allowTo()` and `allowFrom()`. A host-network workload gets no
 * policy: none could select it.
 */
export class SensorWorkload extends AgentWorkload {
  constructor(scope: Construct, id: string, props: SensorWorkloadProps) {
    super(scope, id, { ...props, partOf: SENSOR, runAsUser: props.runAsUser ?? SENSOR_UID });
    if (this.networkPolicy) this.allowDns();
  }

  /** Checks the digger's `host:port` address and returns it. */
  protected checkDiggerAddress(value: string): string {
    if (typeof value !== 'string' || !/^[a-z0-9.-]+:\d{1,5}$/.test(value)) {
      this.v.fail('invalid-address', 'diggerAddress', value, 'is not host:port', 'use e.g. "digger.sensor.svc:9443"');
    }
    return value;
  }

  /**
   * Puts config files (no secrets: credentials are file paths) into a ConfigMap named
   * `<workload>-<suffix>`, mounted read-only at `dir` in the main container.
   */
  protected addConfigFiles(suffix: string, dir: string, files: Record<string, string>): ApiObject {
    const name = `${this.name}-${suffix}`;
    const configMap = new ApiObject(this, suffix, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: this.namespace, labels: this.labels },
      data: files,
    });
    const ref = kplus.ConfigMap.fromConfigMapName(this, `${suffix}-ref`, name);
    this.mainContainer.mount(dir, kplus.Volume.fromConfigMap(this, `${suffix}-volume`, ref, { name: suffix, defaultMode: 0o444 }), { readOnly: true });
    return configMap;
  }
}
