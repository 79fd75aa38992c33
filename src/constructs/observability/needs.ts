import { ComponentNeeds } from '../../needs/model';
import { DNS_NEED } from '../private/needs-rows';
import { ROOT_FOR_CAPABILITIES_REASON } from '../capability-identity';
import { PROXY_REASON } from '../reasons';

/** Reasons of the connections the chart wires between the family's workloads (both sides carry them). */
export const OBSERVABILITY_REASONS = {
  agentToMediator: 'the agents send traces and events to the mediator',
  agentToVictoriaMetrics: 'the agents write the metrics they collect to VictoriaMetrics',
  mediatorToVictoriaMetrics: 'the mediator writes and queries metrics in VictoriaMetrics',
  executorToMediator: 'the executor fetches remediation tasks from the mediator',
} as const;

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
    DNS_NEED,
    { id: 'api-server', does: 'watches services and nodes', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'watches services and nodes, and scrapes the API server\'s metrics' },
    { id: 'kubelet', does: 'reaches the kubelet', grant: { kind: 'egress', peer: 'the node CIDRs', ports: '10250/TCP' }, reason: 'reads node and container metrics from the kubelet\'s HTTPS port', when: 'nodeCidrs' },
    { id: 'mediator', does: 'sends traces and events to the mediator', grant: { kind: 'egress', peer: 'the mediator', ports: 'its port' }, reason: OBSERVABILITY_REASONS.agentToMediator },
    { id: 'victoria-metrics', does: 'writes metrics to VictoriaMetrics', grant: { kind: 'egress', peer: 'VictoriaMetrics', ports: 'its port' }, reason: OBSERVABILITY_REASONS.agentToVictoriaMetrics },
  ],
};

const MEDIATOR_READ = ['get', 'watch', 'list'] as const;

/** The mediator's needs. */
export const MEDIATOR_NEEDS: ComponentNeeds = {
  family: 'observability',
  component: 'mediator',
  summary: 'A Deployment that receives the agents\' traces and events, enriches them with cluster metadata, forwards them to the vendor\'s backend, and hands remediation tasks to the executor.',
  needs: [
    { id: 'read-core', does: 'enriches telemetry with pods, nodes and services', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['pods', 'nodes', 'services', 'events', 'replicationcontrollers'], verbs: MEDIATOR_READ }, reason: 'enriches traces and events with the pods, nodes, services and owners they come from, and follows events' },
    { id: 'read-apps', does: 'resolves pods to workloads', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: MEDIATOR_READ }, reason: 'resolves pods to the workloads that own them' },
    { id: 'read-batch', does: 'resolves job pods', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: MEDIATOR_READ }, reason: 'resolves job pods to their jobs and cron jobs' },
    { id: 'read-applications', does: 'groups workloads into applications', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['app.k8s.io'], resources: ['applications'], verbs: MEDIATOR_READ }, reason: 'groups workloads into the applications that app.k8s.io Application objects declare' },
    DNS_NEED,
    { id: 'api-server', does: 'watches the cluster', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'watches pods, workloads and events to enrich telemetry' },
    { id: 'backend', does: 'forwards telemetry to the vendor', grant: { kind: 'egress', peer: 'the backend (its CIDRs, or its host name on Cilium)', ports: 'the backend\'s port' }, reason: 'forwards telemetry to the vendor\'s backend', when: 'no httpsProxy' },
    { id: 'proxy', does: 'reaches the backend through the corporate proxy', grant: { kind: 'egress', peer: 'the outbound proxy', ports: 'its port' }, reason: PROXY_REASON, when: 'httpsProxy' },
    { id: 'victoria-metrics', does: 'reads and writes metrics', grant: { kind: 'egress', peer: 'VictoriaMetrics', ports: '8428/TCP' }, reason: OBSERVABILITY_REASONS.mediatorToVictoriaMetrics },
    { id: 'from-agents', does: 'receives the agents\' data', grant: { kind: 'ingress', peer: 'the agents', ports: '8443/TCP' }, reason: OBSERVABILITY_REASONS.agentToMediator },
    { id: 'from-executor', does: 'hands tasks to the executor', grant: { kind: 'ingress', peer: 'the executor', ports: '8443/TCP' }, reason: OBSERVABILITY_REASONS.executorToMediator, when: 'executor' },
  ],
};

/** VictoriaMetrics' needs. */
export const VICTORIA_METRICS_NEEDS: ComponentNeeds = {
  family: 'observability',
  component: 'victoria-metrics',
  summary: 'Single-node VictoriaMetrics (StatefulSet with a PersistentVolumeClaim) that stores the metrics. No Kubernetes API access.',
  needs: [
    DNS_NEED,
    { id: 'from-agents', does: 'stores the agents\' metrics', grant: { kind: 'ingress', peer: 'the agents', ports: '8428/TCP' }, reason: OBSERVABILITY_REASONS.agentToVictoriaMetrics },
    { id: 'from-mediator', does: 'serves the mediator', grant: { kind: 'ingress', peer: 'the mediator', ports: '8428/TCP' }, reason: OBSERVABILITY_REASONS.mediatorToVictoriaMetrics },
  ],
};

/** The executor's needs: one group of rows per remediation it is given (each scoped as the user chooses). */
export const EXECUTOR_NEEDS: ComponentNeeds = {
  family: 'observability',
  component: 'executor',
  summary: 'The optional remediation executor (off by default): it fetches tasks from the mediator and carries out only the remediations it is given, each limited to the namespaces given (nodes are cluster-scoped).',
  needs: [
    { id: 'scale', does: 'scales deployments and statefulsets', grant: { kind: 'rbac', scope: 'chosen', apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'patch', 'update'] }, reason: 'remediation "scale": changes the replicas of deployments and statefulsets', when: 'permissions: scale' },
    { id: 'restart', does: 'restarts workloads', grant: { kind: 'rbac', scope: 'chosen', apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'patch'] }, reason: 'remediation "restart": patches the pod template, as kubectl rollout restart does', when: 'permissions: restart (resources as given)' },
    { id: 'delete-pods', does: 'deletes pods', grant: { kind: 'rbac', scope: 'chosen', apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }, reason: 'remediation "delete-pods": deletes pods so that their controller replaces them', when: 'permissions: delete-pods' },
    { id: 'cordon', does: 'cordons nodes', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] }, reason: 'remediation "cordon": cordons and uncordons nodes (spec.unschedulable)', when: 'permissions: cordon' },
    DNS_NEED,
    { id: 'api-server', does: 'carries out remediations', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'carries out the remediations it is given through the Kubernetes API' },
    { id: 'mediator', does: 'fetches tasks', grant: { kind: 'egress', peer: 'the mediator', ports: '8443/TCP' }, reason: OBSERVABILITY_REASONS.executorToMediator },
  ],
};
