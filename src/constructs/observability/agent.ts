import { Construct } from 'constructs';
import { validatorFor, clusterScopedName } from '../private/names';
import { AgentWorkload, CapabilityGrant, HostMount, PolicyRule, Reason, WorkloadKind, WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint } from '../endpoints';
import { checkCidr, NetworkPeer, Ports, WorkloadNetworkPolicy } from '../network';
import { CapabilityIdentity } from '../capability-identity';
import { needOf, reasonOf, rowsOfKind, rulesOf } from '../../needs/model';
import { AGENT_NEEDS } from './needs';
import { PropValidator } from '../validation';
import { OBSERVABILITY } from './common';

/** How the agent gets the kernel access its eBPF programs need. */
export enum AgentTier {
  /** Kernel 5.8 and later: BPF, PERFMON and SYS_RESOURCE (plus SYS_PTRACE when asked). */
  BPF = 'bpf',
  /** Kernels older than 5.8, which lack BPF and PERFMON: SYS_ADMIN, SYS_RESOURCE and SYS_PTRACE. */
  SYS_ADMIN = 'sys-admin',
  /** A privileged container: every capability and device. Only with `privilegedReason`. */
  PRIVILEGED = 'privileged',
}

/** Why each capability the agent may get is needed; the words reach the exemption annotations. */
export const AGENT_CAPABILITY_REASONS: Readonly<Record<string, string>> = Object.fromEntries(
  rowsOfKind(AGENT_NEEDS, 'capability').map((row) => [row.grant.capability, row.reason]),
);

/** The host paths the tiers mount, read-only, each with its reason. */
export const AGENT_HOST_MOUNTS: Readonly<Record<'tracefs' | 'debugfs' | 'proc' | 'cgroup', HostMount>> = {
  tracefs: { hostPath: '/sys/kernel/tracing', reason: reasonOf(AGENT_NEEDS, 'tracefs') },
  debugfs: { hostPath: '/sys/kernel/debug', reason: reasonOf(AGENT_NEEDS, 'debugfs') },
  proc: { hostPath: '/proc', mountPath: '/host/proc', reason: reasonOf(AGENT_NEEDS, 'proc') },
  cgroup: { hostPath: '/sys/fs/cgroup', mountPath: '/host/sys/fs/cgroup', reason: reasonOf(AGENT_NEEDS, 'cgroup') },
};

const TIER_CAPABILITIES: Record<AgentTier, string[]> = {
  // SYS_PTRACE in every tier: reading /proc/<pid>/ns, root and exe of other processes needs it, even as root.
  [AgentTier.BPF]: ['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE'],
  [AgentTier.SYS_ADMIN]: ['SYS_ADMIN', 'SYS_RESOURCE', 'SYS_PTRACE'],
  [AgentTier.PRIVILEGED]: [],
};

const TIER_MOUNTS: Record<AgentTier, Array<keyof typeof AGENT_HOST_MOUNTS>> = {
  [AgentTier.BPF]: ['tracefs', 'proc', 'cgroup'],
  [AgentTier.SYS_ADMIN]: ['debugfs', 'proc', 'cgroup'],
  [AgentTier.PRIVILEGED]: ['tracefs', 'proc', 'cgroup'],
};

/**
 * The agent's ClusterRole without the kubelet: services and nodes, and the API server's /metrics.
 * (/metrics/cadvisor is a kubelet path, which the API server does not serve: the kubelet authorises
 * it as get on nodes/metrics, which `AGENT_KUBELET_RULES` adds with `nodeCidrs`.)
 */
export const AGENT_RULES: readonly PolicyRule[] = rulesOf(AGENT_NEEDS, ['read-topology', 'api-metrics']);

/** Added with `nodeCidrs`: the kubelet's metrics endpoints, which the kubelet authorises as get on nodes/metrics. */
export const AGENT_KUBELET_RULES: readonly PolicyRule[] = rulesOf(AGENT_NEEDS, ['kubelet-metrics']);

/** The kubelet's HTTPS port. */
export const KUBELET_PORT = 10250;

export interface ObservabilityAgentProps extends WorkloadOptions {
  /** The API server, which the agent watches for services and nodes. */
  readonly apiServer: ApiServerEndpoint;
  /**
   * How the agent gets kernel access.
   * @default AgentTier.BPF
   */
  readonly tier?: AgentTier;
  /**
   * Why the agent must run privileged; required with `AgentTier.PRIVILEGED`, refused otherwise.
   * @default - none
   */
  readonly privilegedReason?: string;
  /**
   * @deprecated SYS_PTRACE is now part of every tier (reading /proc/<pid>/ns, root and exe of other
   * processes needs it even as root); this prop changes nothing.
   * @default true
   */
  readonly readProcessMemoryMaps?: boolean;
  /**
   * The nodes' addresses: the agent reads node and container metrics from the kubelet on these, port
   * 10250, and is granted get on nodes/metrics (how the kubelet authorises those requests).
   * @default - no kubelet access, and no nodes/metrics grant
   */
  readonly nodeCidrs?: string[];
  /**
   * Which identity uses the capabilities (see `CapabilityIdentity`): `ROOT` works with any image on
   * any runtime; `NON_ROOT_FILE_CAPABILITIES` runs as `runAsUser` and needs an image whose binary
   * carries the capabilities as file capabilities, on containerd or CRI-O.
   * @default CapabilityIdentity.ROOT (unless runAsRoot gives its own reason)
   */
  readonly identity?: CapabilityIdentity;
  /**
   * Mount the whole host filesystem read-only at /host/root, with the reason.
   * @default - only the narrow mounts of the tier
   */
  readonly hostRootFilesystem?: Reason;
  /**
   * Run as root with this reason instead of the default one (`identity` explains the default).
   * @default - root with the reason of `CapabilityIdentity.ROOT`, unless identity is non-root
   */
  readonly runAsRoot?: Reason;
  /**
   * Capabilities beyond the tier's, each with its reason.
   * @default - none
   */
  readonly additionalCapabilities?: CapabilityGrant[];
  /**
   * Host paths beyond the tier's, each with its reason; always read-only.
   * @default - none
   */
  readonly additionalHostMounts?: HostMount[];
}

/**
 * The eBPF node agent: a DaemonSet with the capabilities of its tier (each with its reason),
 * read-only narrow host mounts, a ClusterRole of exactly `AGENT_RULES`, and a default-deny network
 * policy allowing DNS and the API server; `allowTo()` opens the mediator and VictoriaMetrics.
 */
export class ObservabilityAgent extends AgentWorkload {
  public readonly tier: AgentTier;
  /** The capabilities added, with their reasons. */
  public readonly capabilityGrants: readonly CapabilityGrant[];
  /** The host paths mounted (all read-only), with their reasons. */
  public readonly hostMountGrants: readonly HostMount[];
  declare public readonly networkPolicy: WorkloadNetworkPolicy;

  /** The identity that uses the capabilities. */
  public readonly identity: CapabilityIdentity;

  constructor(scope: Construct, id: string, props: ObservabilityAgentProps) {
    const v = validatorFor('ObservabilityAgent', scope, id);
    const resolved = resolveTier(v, props);
    const identity = v.oneOf('invalid-identity', 'identity', props.identity ?? CapabilityIdentity.ROOT, CapabilityIdentity, 'a capability identity');
    if (identity === CapabilityIdentity.NON_ROOT_FILE_CAPABILITIES && props.runAsRoot !== undefined) {
      v.fail('conflicting-identity', 'runAsRoot', props.runAsRoot, 'is given with identity NON_ROOT_FILE_CAPABILITIES', 'drop runAsRoot, or the identity');
    }
    const runAsRoot = props.runAsRoot ?? (identity === CapabilityIdentity.ROOT ? { reason: needOf(AGENT_NEEDS, 'root').reason } : undefined);
    super(scope, id, {
      ...props,
      ...(runAsRoot ? { runAsRoot } : {}),
      kind: WorkloadKind.DAEMON_SET,
      component: 'agent',
      partOf: OBSERVABILITY,
      capabilities: resolved.capabilities,
      hostMounts: resolved.mounts,
      ...(resolved.privileged ? { privileged: { reason: resolved.privileged } } : {}),
    });
    this.tier = resolved.tier;
    this.capabilityGrants = resolved.capabilities;
    this.hostMountGrants = resolved.mounts;
    this.identity = identity;
    const kubelet = props.nodeCidrs !== undefined;
    this.grantClusterRole([...AGENT_RULES, ...(kubelet ? AGENT_KUBELET_RULES : [])], { name: clusterScopedName(this) });
    this.allowDns().allowApiServer(props.apiServer, reasonOf(AGENT_NEEDS, 'api-server'));
    if (kubelet) {
      const cidrs = props.nodeCidrs as string[];
      if (!Array.isArray(cidrs) || cidrs.length === 0) v.fail('empty-cidrs', 'nodeCidrs', cidrs, 'lists no address', 'give the node subnets, e.g. ["10.0.16.0/20"], or leave nodeCidrs out');
      cidrs.forEach((c, i) => checkCidr(v, `nodeCidrs[${i}]`, c));
      this.allowTo(NetworkPeer.cidrs(cidrs, { label: 'kubelets (node CIDRs)' }), [Ports.tcp(KUBELET_PORT)], reasonOf(AGENT_NEEDS, 'kubelet'));
    }
  }
}

function resolveTier(v: PropValidator, props: ObservabilityAgentProps): {
  tier: AgentTier; capabilities: CapabilityGrant[]; mounts: HostMount[]; privileged?: string;
} {
  if (!props || typeof props !== 'object') v.fail('missing-props', 'props', props, 'are missing', 'give at least image and apiServer');
  const tier = v.oneOf('invalid-tier', 'tier', props.tier ?? AgentTier.BPF, AgentTier, 'an agent tier');
  let privileged: string | undefined;
  if (tier === AgentTier.PRIVILEGED) {
    privileged = v.reason('privilegedReason', props.privilegedReason);
  } else if (props.privilegedReason !== undefined) {
    v.fail('privileged-reason-without-tier', 'privilegedReason', props.privilegedReason, `is given with tier "${tier}", which does not run privileged`, 'set tier: AgentTier.PRIVILEGED, or drop the reason');
  }
  const names = [...TIER_CAPABILITIES[tier]];
  const capabilities: CapabilityGrant[] = names.map((capability) => ({ capability, reason: AGENT_CAPABILITY_REASONS[capability] }));
  (props.additionalCapabilities ?? []).forEach((grant, i) => {
    const capability = v.capability(`additionalCapabilities[${i}].capability`, grant?.capability);
    const reason = v.reason(`additionalCapabilities[${i}].reason`, grant.reason);
    if (names.includes(capability)) {
      v.fail('duplicate-capability', `additionalCapabilities[${i}].capability`, capability, `is already part of tier "${tier}"`, 'drop it from additionalCapabilities');
    }
    names.push(capability);
    capabilities.push({ capability, reason });
  });
  const mounts: HostMount[] = TIER_MOUNTS[tier].map((k) => AGENT_HOST_MOUNTS[k]);
  if (props.hostRootFilesystem !== undefined) {
    mounts.push({ hostPath: '/', mountPath: '/host/root', reason: v.reason('hostRootFilesystem.reason', props.hostRootFilesystem?.reason) });
  }
  (props.additionalHostMounts ?? []).forEach((m, i) => {
    if (m?.readOnly === false) {
      v.fail('writable-host-mount', `additionalHostMounts[${i}].readOnly`, false, 'asks for a writable host path; the agent only reads the host', 'drop readOnly: false');
    }
    v.absolutePath(`additionalHostMounts[${i}].hostPath`, m?.hostPath);
    if (m.mountPath !== undefined) v.absolutePath(`additionalHostMounts[${i}].mountPath`, m.mountPath);
    mounts.push({ ...m, readOnly: true, reason: v.reason(`additionalHostMounts[${i}].reason`, m.reason) });
  });
  return { tier, capabilities, mounts, privileged };
}
