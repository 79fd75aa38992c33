import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { requireProps, validatorFor } from '../private/names';
import { AgentWorkload, WorkloadKind, WorkloadOptions } from '../agent-workload';
import { WorkloadNetworkPolicy } from '../network';
import { OBSERVABILITY } from './common';

/** The port VictoriaMetrics serves its HTTP API (writes and queries) on. */
export const VICTORIA_METRICS_PORT = 8428;

export interface VictoriaMetricsProps extends WorkloadOptions {
  /**
   * Size of the persistent volume for the time series.
   * @default "20Gi"
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the volume.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * How long samples are kept, in VictoriaMetrics' `-retentionPeriod` syntax (`30d`, `12w`, `1y`...).
   * @default "30d"
   */
  readonly retention?: string;
  /**
   * UID of the server; VictoriaMetrics needs no privilege.
   * @default 65534
   */
  readonly runAsUser?: number;
}

/**
 * Single-node VictoriaMetrics: a StatefulSet, non-root, with a PersistentVolumeClaim template for
 * its data. It calls no API (no token, no role), accepts writes only from the workloads given to
 * `allowFrom()`, and may send nothing but DNS lookups.
 */
export class VictoriaMetrics extends AgentWorkload {
  /** Size of the persistent volume for the time series, a Kubernetes quantity (`20Gi` unless given). */
  public readonly storageSize: string;
  /** How long samples are kept, in `-retentionPeriod` syntax (`30d` unless given). */
  public readonly retention: string;
  /** StorageClass of the volume; undefined for the cluster's default. */
  public readonly storageClassName?: string;
  declare public readonly networkPolicy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, props: VictoriaMetricsProps) {
    requireProps('VictoriaMetrics', scope, id, props, 'give at least { image }');
    const v = validatorFor('VictoriaMetrics', scope, id);
    const storageSize = v.memory('storageSize', props?.storageSize ?? '20Gi');
    const retention = props?.retention ?? '30d';
    if (typeof retention !== 'string' || !/^[1-9]\d*[hdwy]?$/.test(retention)) {
      v.fail('invalid-retention', 'retention', retention, 'is not a VictoriaMetrics retention period', 'use e.g. "30d", "12w" or "1y"');
    }
    const storageClassName = props?.storageClassName !== undefined ? v.dnsSubdomain('storageClassName', props.storageClassName) : undefined;
    super(scope, id, {
      ...props,
      kind: WorkloadKind.STATEFUL_SET,
      component: 'victoria-metrics',
      partOf: OBSERVABILITY,
      runAsUser: props.runAsUser ?? 65534,
      ports: [{ name: 'http', port: VICTORIA_METRICS_PORT }],
      args: props.args ?? [`-storageDataPath=/storage`, `-retentionPeriod=${retention}`, `-httpListenAddr=:${VICTORIA_METRICS_PORT}`],
      resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '1Gi' },
    });
    this.storageSize = storageSize;
    this.retention = retention;
    this.storageClassName = storageClassName;

    // cdk8s-plus-28's StatefulSet has no volumeClaimTemplates. The patch runs before the L1 mapper,
    // so it uses the TypeScript shapes: a Quantity is { value }.
    const workload = ApiObject.of(this.workload);
    workload.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [{
      metadata: { name: 'storage', labels: this.labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(storageClassName !== undefined ? { storageClassName } : {}),
        resources: { requests: { storage: { value: storageSize } } },
      },
    }]));
    workload.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'storage', mountPath: '/storage' }));

    this.allowDns();
  }
}
