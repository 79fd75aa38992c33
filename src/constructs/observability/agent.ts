import { Construct } from 'constructs';
import { validatorFor, clusterScopedName } from '../private/names';
import { AgentWorkload, CapabilityGrant, HostMount, PolicyRule, Reason, WorkloadKind, WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint } from '../endpoints';
import { WorkloadNetworkPolicy } from '../network';
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
export const AGENT_CAPABILITY_REASONS: Readonly<Record<string, string>> = {
  BPF: 'loads eBPF programs and creates BPF maps (kernel 5.8 and later)',
  PERFMON: 'attaches eBPF programs to kprobes, tracepoints and perf events (kernel 5.8 and later)',
  SYS_RESOURCE: 'raises RLIMIT_MEMLOCK, which kernels before 5.11 charge BPF maps to',
  SYS_PTRACE: 'reads other processes\' memory maps (/proc/<pid>/maps) to resolve symbols',
  SYS_ADMIN: 'loads and attaches eBPF programs on kernels older than 5.8, which have no BPF or PERFMON capability',
};

/** The host paths the tiers mount, read-only, each with its reason. */
export const AGENT_HOST_MOUNTS: Readonly<Record<'tracefs' | 'debugfs' | 'proc' | 'cgroup', HostMount>> = {
  tracefs: { hostPath: '/sys/kernel/tracing', reason: 'reads tracepoint ids and formats (tracefs) to attach eBPF programs' },
  debugfs: { hostPath: '/sys/kernel/debug', reason: 'kernels older than 5.8 often expose tracefs only under debugfs' },
  proc: { hostPath: '/proc', mountPath: '/host/proc', reason: 'maps host process ids to containers and reads per-process statistics' },
  cgroup: { hostPath: '/sys/fs/cgroup', mountPath: '/host/sys/fs/cgroup', reason: 'reads container cgroup ids and resource usage' },
};

const TIER_CAPABILITIES: Record<AgentTier, string[]> = {
  [AgentTier.BPF]: ['BPF', 'PERFMON', 'SYS_RESOURCE'],
  [AgentTier.SYS_ADMIN]: ['SYS_ADMIN', 'SYS_RESOURCE', 'SYS_PTRACE'],
  [AgentTier.PRIVILEGED]: [],
};

const TIER_MOUNTS: Record<AgentTier, Array<keyof typeof AGENT_HOST_MOUNTS>> = {
  [AgentTier.BPF]: ['tracefs', 'proc', 'cgroup'],
  [AgentTier.SYS_ADMIN]: ['debugfs', 'proc', 'cgroup'],
  [AgentTier.PRIVILEGED]: ['tracefs', 'proc', 'cgroup'],
};

/** The agent's ClusterRole, exactly. */
export const AGENT_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['services', 'nodes', 'nodes/metrics'], verbs: ['get', 'watch', 'list'], reason: 'maps traced connections to services and reads node metrics from the kubelet' },
  { nonResourceURLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'], reason: 'scrapes container resource metrics (cAdvisor) from the kubelet' },
];

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
   * The agent reads other processes' memory maps (adds SYS_PTRACE to the `bpf` tier; the
   * `sys-admin` tier has it anyway).
   * @default false
   */
  readonly readProcessMemoryMaps?: boolean;
  /**
   * Mount the whole host filesystem read-only at /host/root, with the reason.
   * @default - only the narrow mounts of the tier
   */
  readonly hostRootFilesystem?: Reason;
  /**
   * Run as root, with the reason. Note that Kubernetes gives a non-root container its added
   * capabilities in the bounding set only (no ambient capabilities, kubernetes/kubernetes#56374), and
   * `allowPrivilegeEscalation: false` stops file capabilities too: an agent whose binary does not run
   * as root cannot use BPF or PERFMON. Vendors' eBPF agents run as root for this reason.
   * @default - a fixed non-root UID
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
  /** The capability tier the agent runs with, which decides its capabilities and host mounts. */
  public readonly tier: AgentTier;
  /** The capabilities added, with their reasons. */
  public readonly capabilityGrants: readonly CapabilityGrant[];
  /** The host paths mounted (all read-only), with their reasons. */
  public readonly hostMountGrants: readonly HostMount[];
  declare public readonly networkPolicy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, props: ObservabilityAgentProps) {
    const v = validatorFor('ObservabilityAgent', scope, id);
    const resolved = resolveTier(v, props);
    super(scope, id, {
      ...props,
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
    this.grantClusterRole([...AGENT_RULES], { name: clusterScopedName(this) });
    this.allowDns().allowApiServer(props.apiServer);
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
  if (props.readProcessMemoryMaps && tier === AgentTier.BPF) names.push('SYS_PTRACE');
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
