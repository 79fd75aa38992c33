import { ComponentNeeds } from '../../needs/model';
import { ROOT_FOR_CAPABILITIES_REASON } from '../capability-identity';
import { DNS_REASON } from '../reasons';

/** The eBPF node agent's needs, by tier. */
export const AGENT_NEEDS: ComponentNeeds = {
  family: 'observability',
  component: 'agent',
  summary: 'A DaemonSet that loads eBPF programs to trace the node\'s processes and network, maps what it sees to pods and services, reads node metrics from the kubelet, and sends to the mediator and VictoriaMetrics. Never privileged unless `AgentTier.PRIVILEGED` is chosen with a reason.',
  needs: [
    { id: 'root', does: 'uses its capabilities with the vendor\'s stock image on every container runtime', grant: { kind: 'run-as-root' }, reason: ROOT_FOR_CAPABILITIES_REASON, when: 'identity: root (the default)' },
    { id: 'cap-bpf', does: 'loads eBPF programs and maps', grant: { kind: 'capability', capability: 'BPF' }, reason: 'loads eBPF programs and creates BPF maps (kernel 5.8 and later)', when: 'tier bpf (the default)' },
    { id: 'cap-perfmon', does: 'attaches eBPF programs to kprobes and tracepoints', grant: { kind: 'capability', capability: 'PERFMON' }, reason: 'attaches eBPF programs to kprobes, tracepoints and perf events (kernel 5.8 and later)', when: 'tier bpf (the default)' },
    { id: 'cap-sys-admin', does: 'loads eBPF programs on old kernels', grant: { kind: 'capability', capability: 'SYS_ADMIN' }, reason: 'loads and attaches eBPF programs on kernels older than 5.8, which have no BPF or PERFMON capability', when: 'tier sys-admin' },
    { id: 'cap-sys-resource', does: 'raises the locked-memory limit', grant: { kind: 'capability', capability: 'SYS_RESOURCE' }, reason: 'raises RLIMIT_MEMLOCK, which kernels before 5.11 charge BPF maps to' },
    { id: 'cap-sys-ptrace', does: 'reads other processes\' namespaces, root and executable', grant: { kind: 'capability', capability: 'SYS_PTRACE' }, reason: 'reads /proc/<pid>/ns, /proc/<pid>/root and /proc/<pid>/exe of other processes to map them to containers and resolve symbols, which the kernel allows only with ptrace access, even to root' },
    { id: 'tracefs', does: 'reads tracepoint formats', grant: { kind: 'host-path', hostPath: '/sys/kernel/tracing', readOnly: true }, reason: 'reads tracepoint ids and formats (tracefs) to attach eBPF programs', when: 'tier bpf (the default)' },
    { id: 'debugfs', does: 'reads tracefs under debugfs on old kernels', grant: { kind: 'host-path', hostPath: '/sys/kernel/debug', readOnly: true }, reason: 'kernels older than 5.8 often expose tracefs only under debugfs', when: 'tier sys-admin' },
    { id: 'proc', does: 'maps host processes to containers', grant: { kind: 'host-path', hostPath: '/proc', readOnly: true }, reason: 'maps host process ids to containers and reads per-process statistics' },
    { id: 'cgroup', does: 'reads container resource usage', grant: { kind: 'host-path', hostPath: '/sys/fs/cgroup', readOnly: true }, reason: 'reads container cgroup ids and resource usage' },
    { id: 'read-topology', does: 'maps addresses to services and nodes', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['nodes', 'services'], verbs: ['get', 'list', 'watch'] }, reason: 'maps the addresses it traces to services and nodes' },
    { id: 'kubelet-metrics', does: 'reads node and container metrics from the kubelet', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] }, reason: 'reads its node\'s kubelet metrics (/metrics, /metrics/cadvisor, /metrics/resource), which the kubelet authorises as get on nodes/metrics', when: 'nodeCidrs' },
    { id: 'api-metrics', does: 'scrapes the API server\'s metrics', grant: { kind: 'rbac', scope: 'cluster', nonResourceURLs: ['/metrics'], verbs: ['get'] }, reason: 'scrapes the API server\'s own metrics (request rates, latencies, errors)' },
    { id: 'dns', does: 'resolves names', grant: { kind: 'egress', peer: 'the cluster DNS', ports: '53/UDP, 53/TCP' }, reason: DNS_REASON },
    { id: 'api-server', does: 'watches services and nodes', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'watches services and nodes, and scrapes the API server\'s metrics' },
    { id: 'kubelet', does: 'reaches the kubelet', grant: { kind: 'egress', peer: 'the node CIDRs', ports: '10250/TCP' }, reason: 'reads node and container metrics from the kubelet\'s HTTPS port', when: 'nodeCidrs' },
    { id: 'mediator', does: 'sends traces and events to the mediator', grant: { kind: 'egress', peer: 'the mediator', ports: 'its port' }, reason: 'sends traces and events to the mediator' },
    { id: 'victoria-metrics', does: 'writes metrics to VictoriaMetrics', grant: { kind: 'egress', peer: 'VictoriaMetrics', ports: 'its port' }, reason: 'writes the metrics it collects to VictoriaMetrics' },
  ],
};
