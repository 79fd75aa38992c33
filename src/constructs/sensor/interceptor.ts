import * as kplus from 'cdk8s-plus-28';
import { requireProps } from '../private/names';
import { Construct } from 'constructs';
import { CapabilityGrant, HostMount, Reason, WorkloadKind, WorkloadOptions } from '../agent-workload';
import { CapabilityIdentity } from '../capability-identity';
import { PSS } from '../../policy/rule-ids';
import { needOf, reasonOf, rowsOfKind } from '../../needs/model';
import { INTERCEPTOR_METRICS_PORT, SENSOR_UID } from './common';
import { INTERCEPTOR_NEEDS } from './needs';
import { SensorWorkload } from './sensor-workload';

/**
 * The capabilities the interceptor gets instead of `privileged`, each with the reason that lands in
 * its annotations: the capability rows of `INTERCEPTOR_NEEDS`.
 */
export const INTERCEPTOR_CAPABILITIES: readonly CapabilityGrant[] = rowsOfKind(INTERCEPTOR_NEEDS, 'capability')
  .map((row) => ({ capability: row.grant.capability, reason: row.reason }));

/** The host paths the interceptor mounts read-only for its kprobe and uprobe observers (tracefs, and debugfs for kernels that expose tracefs only there). */
export const INTERCEPTOR_HOST_MOUNTS: readonly HostMount[] = rowsOfKind(INTERCEPTOR_NEEDS, 'host-path')
  .map((row) => ({ hostPath: row.grant.hostPath, readOnly: row.grant.readOnly, reason: row.reason }));

export interface SensorInterceptorProps extends WorkloadOptions {
  /** The digger's in-cluster address, `<service>.<namespace>.svc:<port>`. */
  readonly diggerAddress: string;
  /**
   * Run privileged instead of with `INTERCEPTOR_CAPABILITIES`; only as an explicit choice, with its reason.
   * @default - not privileged: the six capabilities above
   */
  readonly privileged?: Reason;
  /**
   * Which identity uses the capabilities (see `CapabilityIdentity` for the kernel and runtime rules).
   * `ROOT` works with the vendor's stock image on every runtime; `NON_ROOT_FILE_CAPABILITIES` runs as
   * `runAsUser` (1000 by default) and works only when the binary carries the six capabilities as file
   * capabilities and the nodes run containerd or CRI-O.
   * @default CapabilityIdentity.ROOT
   */
  readonly identity?: CapabilityIdentity;
  /**
   * Host paths it reads beyond tracefs and debugfs (e.g. `/sys/fs/bpf`), read-only unless said
   * otherwise, each with its reason.
   * @default - none
   */
  readonly hostMounts?: HostMount[];
}

/**
 * The interceptor: a DaemonSet that captures traffic on each node's virtual interfaces (data in
 * motion) and reports its metadata through the message bus (or, without one, to the digger).
 *
 * It runs in the node's network and PID namespaces (`hostNetwork`, `hostPID`, DNS policy
 * `ClusterFirstWithHostNet` so that it resolves in-cluster names), with six capabilities rather than
 * `privileged`, and mounts tracefs and debugfs read-only for its kprobe and uprobe observers.
 *
 * **Identity.** By default it runs as UID 0 with exactly those capabilities and
 * `allowPrivilegeEscalation: false`: that is the identity that gets them with the vendor's stock
 * image on every container runtime. A non-root UID gets added capabilities only from file
 * capabilities on its binary, and only on containerd and CRI-O, which put them in the container's
 * permitted set (Docker clears it for non-root containers); `identity:
 * CapabilityIdentity.NON_ROOT_FILE_CAPABILITIES` chooses that mode where both hold.
 *
 * **No NetworkPolicy covers it**: Kubernetes NetworkPolicies do not apply to host-network pods, so
 * its egress cannot be limited by this library. Restrict it with a node firewall or a Cilium host
 * policy (`CiliumClusterwideNetworkPolicy` with a `nodeSelector`). Its metrics port is a port on the
 * node (`hostPort` = container port, which Kubernetes sets anyway for host-network pods).
 */
export class SensorInterceptor extends SensorWorkload {
  /** The digger's address, as given. */
  public readonly diggerAddress: string;
  /** The identity that uses the capabilities. */
  public readonly identity: CapabilityIdentity;

  constructor(scope: Construct, id: string, props: SensorInterceptorProps) {
    requireProps('SensorInterceptor', scope, id, props, 'give at least { image, diggerAddress }');
    const privileged = props?.privileged;
    const identity = props?.identity ?? CapabilityIdentity.ROOT;
    super(scope, id, {
      ...props,
      // It talks only inside the cluster: no proxy, whatever the props say.
      proxy: undefined,
      kind: WorkloadKind.DAEMON_SET,
      component: 'interceptor',
      hostNetwork: { reason: reasonOf(INTERCEPTOR_NEEDS, 'host-network') },
      hostPid: { reason: reasonOf(INTERCEPTOR_NEEDS, 'host-pid') },
      ...(identity === CapabilityIdentity.ROOT ? { runAsRoot: { reason: needOf(INTERCEPTOR_NEEDS, 'root').reason }, runAsGroup: props?.runAsGroup ?? SENSOR_UID } : {}),
      ...(privileged ? { privileged } : { capabilities: [...INTERCEPTOR_CAPABILITIES] }),
      hostMounts: [...INTERCEPTOR_HOST_MOUNTS, ...(props?.hostMounts ?? [])],
      env: { ...(props.env ?? {}), DIGGER_ADDRESS: props.diggerAddress },
    });
    this.identity = this.v.oneOf('invalid-identity', 'identity', identity, CapabilityIdentity, 'a capability identity');
    this.diggerAddress = this.checkDiggerAddress(props.diggerAddress);
    this.mainContainer.addPort({ number: INTERCEPTOR_METRICS_PORT, name: 'metrics', hostPort: INTERCEPTOR_METRICS_PORT, protocol: kplus.Protocol.TCP });
    this.exempt(PSS.hostPorts, `${INTERCEPTOR_METRICS_PORT}/TCP: the metrics port of a host-network pod is a port on the node`);
  }
}
