import * as kplus from 'cdk8s-plus-28';
import { requireProps } from '../private/names';
import { Construct } from 'constructs';
import { CapabilityGrant, HostMount, Reason, WorkloadKind, WorkloadOptions } from '../agent-workload';
import { PSS } from '../../policy/rule-ids';
import { INTERCEPTOR_METRICS_PORT } from './common';
import { SensorWorkload } from './sensor-workload';

/**
 * The capabilities the interceptor gets instead of `privileged`, each with the reason that lands in
 * its exemption annotation. The vendor's image grants them to its binary as file capabilities, which
 * is how a process running as UID 1000 can use them.
 */
export const INTERCEPTOR_CAPABILITIES: readonly CapabilityGrant[] = [
  { capability: 'NET_ADMIN', reason: 'puts the capture interfaces into promiscuous mode and attaches traffic-control filters' },
  { capability: 'SYS_ADMIN', reason: 'enters the network namespaces of pods (setns) to see their virtual interfaces' },
  { capability: 'BPF', reason: 'loads the eBPF socket filters that copy packet metadata' },
  { capability: 'NET_BIND_SERVICE', reason: 'binds its health port below 1024 on the node' },
  { capability: 'NET_RAW', reason: 'opens AF_PACKET raw sockets on the host interfaces to capture traffic' },
  { capability: 'SYS_PTRACE', reason: 'reads /proc/<pid> of other processes to map connections to the pods that own them' },
];

export interface SensorInterceptorProps extends WorkloadOptions {
  /** The digger's in-cluster address, `<service>.<namespace>.svc:<port>`: the only place it sends to. */
  readonly diggerAddress: string;
  /**
   * Run privileged instead of with `INTERCEPTOR_CAPABILITIES`; only as an explicit choice, with its reason.
   * @default - not privileged: the six capabilities above
   */
  readonly privileged?: Reason;
  /**
   * Host paths it reads (e.g. `/sys/fs/bpf`), read-only unless said otherwise, each with its reason.
   * @default - none
   */
  readonly hostMounts?: HostMount[];
}

/**
 * The interceptor: a DaemonSet that captures traffic on each node's virtual interfaces (data in
 * motion) and sends its metadata to the digger only.
 *
 * It runs in the node's network and PID namespaces (`hostNetwork`, `hostPID`, DNS policy
 * `ClusterFirstWithHostNet` so that it resolves the digger's Service name), with capabilities rather
 * than `privileged`. **No NetworkPolicy covers it**: Kubernetes NetworkPolicies do not apply to
 * host-network pods, so its egress cannot be limited to the digger by this library. Restrict it with
 * a node firewall or a Cilium host policy (`CiliumClusterwideNetworkPolicy` with a `nodeSelector`).
 * Its metrics port is a port on the node (`hostPort` = container port, which Kubernetes sets anyway
 * for host-network pods).
 */
export class SensorInterceptor extends SensorWorkload {
  /** Where it sends, as given. */
  public readonly diggerAddress: string;

  constructor(scope: Construct, id: string, props: SensorInterceptorProps) {
    requireProps('SensorInterceptor', scope, id, props, 'give at least { image, diggerAddress }');
    const privileged = props?.privileged;
    super(scope, id, {
      ...props,
      // It sends only to the digger, inside the cluster: no proxy, whatever the props say.
      proxy: undefined,
      kind: WorkloadKind.DAEMON_SET,
      component: 'interceptor',
      hostNetwork: { reason: 'captures traffic on the node\'s virtual interfaces, which only the host network namespace sees' },
      hostPid: { reason: 'maps captured connections to the processes, and so the pods, that own them' },
      ...(privileged ? { privileged } : { capabilities: [...INTERCEPTOR_CAPABILITIES] }),
      env: { ...(props.env ?? {}), DIGGER_ADDRESS: props.diggerAddress },
    });
    this.diggerAddress = this.checkDiggerAddress(props.diggerAddress);
    this.mainContainer.addPort({ number: INTERCEPTOR_METRICS_PORT, name: 'metrics', hostPort: INTERCEPTOR_METRICS_PORT, protocol: kplus.Protocol.TCP });
    this.exempt(PSS.hostPorts, `${INTERCEPTOR_METRICS_PORT}/TCP: the metrics port of a host-network pod is a port on the node`);
  }
}
