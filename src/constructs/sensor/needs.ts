import { ComponentNeeds } from '../../needs/model';
import { DNS_NEED } from '../private/needs-rows';
import { ROOT_FOR_CAPABILITIES_REASON } from '../capability-identity';
import { PROXY_REASON, VAULT_REASON } from '../reasons';

const SENSOR_FAMILY = 'sensor';
const READ = ['get', 'list', 'watch'] as const;

/** Reasons of the sensor's network rules that several components share, by need. */
export const SENSOR_REASONS = {
  vendorThroughProxy: PROXY_REASON,
  vault: VAULT_REASON,
  scrapedByPrometheus: 'the Prometheus agent scrapes the metrics port of the sensor\'s components',
  classify: 'the digger asks the detection tool to classify samples',
  crawlerFindings: 'the crawler reports its findings about data at rest to the digger',
} as const;

const vault = (id = 'vault') => ({ id, does: 'gets its credential from Vault', grant: { kind: 'egress', peer: 'the Vault server', ports: 'its port (8200)' }, reason: SENSOR_REASONS.vault, when: 'a credential from SecretSource.vault' } as const);
const proxy = { id: 'proxy', does: 'reaches the vendor through the corporate proxy', grant: { kind: 'egress', peer: 'the outbound proxy', ports: 'its port' }, reason: SENSOR_REASONS.vendorThroughProxy, when: 'httpsProxy' } as const;
const scraped = { id: 'scraped', does: 'exposes metrics', grant: { kind: 'ingress', peer: 'the Prometheus agent', ports: '9090/TCP' }, reason: SENSOR_REASONS.scrapedByPrometheus, when: 'prometheusAgent' } as const;
const busCredentials = { id: 'bus-credentials', does: 'authenticates to an external bus', grant: { kind: 'credential', credential: 'SASL username and password (KAFKA_SASL_*_FILE)' }, reason: 'authenticates to the external message bus', when: 'messageBus.external' } as const;

export const INTERCEPTOR_NEEDS: ComponentNeeds = {
  family: SENSOR_FAMILY,
  component: 'interceptor',
  summary: 'A DaemonSet that captures traffic on each node\'s virtual interfaces (data in motion), maps connections to pods, and produces traffic events to the message bus (or, without a bus, sends them to the digger). It runs in the host network and PID namespaces, so no NetworkPolicy can select it; restrict it with a node firewall or a Cilium host policy.',
  needs: [
    { id: 'host-network', does: 'captures traffic on the node\'s virtual interfaces', grant: { kind: 'host-namespace', namespace: 'hostNetwork' }, reason: 'captures traffic on the node\'s virtual interfaces, which only the host network namespace sees' },
    { id: 'host-pid', does: 'maps connections to the processes that own them', grant: { kind: 'host-namespace', namespace: 'hostPID' }, reason: 'maps captured connections to the processes, and so the pods, that own them' },
    { id: 'root', does: 'uses its capabilities with the vendor\'s stock image on every container runtime', grant: { kind: 'run-as-root' }, reason: ROOT_FOR_CAPABILITIES_REASON, when: 'identity: root (the default)' },
    { id: 'cap-net-admin', does: 'sets capture interfaces into promiscuous mode and attaches filters', grant: { kind: 'capability', capability: 'NET_ADMIN' }, reason: 'puts the capture interfaces into promiscuous mode and attaches traffic-control filters' },
    { id: 'cap-sys-admin', does: 'enters pods\' network namespaces', grant: { kind: 'capability', capability: 'SYS_ADMIN' }, reason: 'enters the network namespaces of pods (setns) to see their virtual interfaces' },
    { id: 'cap-bpf', does: 'loads eBPF socket filters', grant: { kind: 'capability', capability: 'BPF' }, reason: 'loads the eBPF socket filters that copy packet metadata' },
    { id: 'cap-net-bind', does: 'binds its health port', grant: { kind: 'capability', capability: 'NET_BIND_SERVICE' }, reason: 'binds its health port below 1024 on the node' },
    { id: 'cap-net-raw', does: 'opens raw sockets for capture', grant: { kind: 'capability', capability: 'NET_RAW' }, reason: 'opens AF_PACKET raw sockets on the host interfaces to capture traffic' },
    { id: 'cap-sys-ptrace', does: 'reads other processes\' /proc entries', grant: { kind: 'capability', capability: 'SYS_PTRACE' }, reason: 'reads /proc/<pid> of other processes to map connections to the pods that own them' },
    { id: 'tracefs', does: 'attaches its kprobe and uprobe observers', grant: { kind: 'host-path', hostPath: '/sys/kernel/tracing', readOnly: true }, reason: 'reads tracepoint and kprobe event formats (tracefs) to attach its kprobe and uprobe observers' },
    { id: 'debugfs', does: 'finds tracefs on kernels that expose it only under debugfs', grant: { kind: 'host-path', hostPath: '/sys/kernel/debug', readOnly: true }, reason: 'finds tracefs under debugfs (/sys/kernel/debug/tracing) on kernels that do not mount it at /sys/kernel/tracing' },
    { id: 'bus', does: 'produces events, heartbeats and control responses; consumes control requests and IP lists', grant: { kind: 'egress', peer: 'the message bus', ports: '9092/TCP (in-cluster) or the brokers\' ports' }, reason: 'produces traffic events, heartbeats and control responses to the message bus, and consumes control requests and IP lists from it', when: 'messageBus', notInOutput: 'host-network pods are outside NetworkPolicy; the broker\'s ingress admits the node CIDRs instead' },
    { id: 'digger', does: 'sends traffic metadata to the digger', grant: { kind: 'egress', peer: 'the digger', ports: '9443/TCP' }, reason: 'sends traffic metadata to the digger', when: 'no messageBus', notInOutput: 'host-network pods are outside NetworkPolicy; the digger\'s ingress admits the node CIDRs instead' },
  ],
};

export const DIGGER_NEEDS: ComponentNeeds = {
  family: SENSOR_FAMILY,
  component: 'digger',
  summary: 'A Deployment that enriches what the interceptors and the crawler report with cluster metadata (the owners of pods), asks the detection tool to classify samples, and sends findings to the vendor.',
  needs: [
    { id: 'read-core', does: 'resolves pods, services and nodes', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['endpoints', 'events', 'namespaces', 'nodes', 'pods', 'replicationcontrollers', 'services'], verbs: READ }, reason: 'resolves addresses to pods, services and nodes, pods to their owners (replication controllers included), and reads events to follow pod changes' },
    { id: 'read-core-status', does: 'reads status and scale of pods and replication controllers', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['pods/status', 'replicationcontrollers/scale', 'replicationcontrollers/status'], verbs: ['get'] }, reason: 'reads the status and scale subresources of pods and replication controllers to tell live owners from scaled-down ones' },
    { id: 'read-apps-status', does: 'reads status and scale of workloads', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['apps'], resources: ['daemonsets/status', 'deployments/scale', 'deployments/status', 'replicasets/scale', 'replicasets/status', 'statefulsets/scale', 'statefulsets/status'], verbs: ['get'] }, reason: 'reads the status and scale subresources of workloads to tell live owners from scaled-down ones' },
    { id: 'read-apps', does: 'resolves pod owners to workloads', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['apps'], resources: ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: READ }, reason: 'resolves pods to the workloads that own them, through replica sets and controller revisions' },
    { id: 'read-batch', does: 'resolves job pods', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: READ }, reason: 'resolves job pods to their jobs and cron jobs' },
    { id: 'read-ingresses', does: 'maps external hosts to services', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ }, reason: 'maps the host names of ingresses to the services behind them' },
    { id: 'read-events', does: 'follows pod changes', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ }, reason: 'follows pod changes through events of the events.k8s.io API, which newer clusters write' },
    DNS_NEED,
    { id: 'api-server', does: 'watches the cluster', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'watches pods, workloads and services to attach cluster metadata to what it finds' },
    { id: 'vendor', does: 'sends findings to the vendor', grant: { kind: 'egress', peer: 'the vendor\'s endpoint (CIDRs)', ports: '443/TCP' }, reason: 'sends findings to the vendor\'s endpoint', when: 'no httpsProxy' },
    proxy,
    vault(),
    { id: 'vendor-credential', does: 'authenticates to the vendor', grant: { kind: 'credential', credential: 'vendor credential (VENDOR_CREDENTIAL_FILE)' }, reason: 'authenticates to the vendor\'s endpoint' },
    { id: 'classify', does: 'asks the detection tool to classify samples', grant: { kind: 'egress', peer: 'the detection tool', ports: '8080/TCP' }, reason: SENSOR_REASONS.classify },
    { id: 'from-interceptors', does: 'receives the interceptors\' traffic metadata', grant: { kind: 'ingress', peer: 'the node CIDRs (host-network interceptors)', ports: '9443/TCP' }, reason: 'receives traffic metadata from the interceptors, which run on the host network', when: 'interceptor without messageBus' },
    { id: 'from-crawler', does: 'receives the crawler\'s findings', grant: { kind: 'ingress', peer: 'the crawler', ports: '9443/TCP' }, reason: SENSOR_REASONS.crawlerFindings, when: 'crawler' },
    { id: 'bus', does: 'consumes traffic events and logs through the bus', grant: { kind: 'egress', peer: 'the message bus', ports: '9092/TCP (in-cluster) or the brokers\' ports' }, reason: 'consumes the interceptors\' traffic events from the message bus and logs its findings through it', when: 'messageBus' },
    busCredentials,
    scraped,
  ],
};

export const DETECTION_TOOL_NEEDS: ComponentNeeds = {
  family: SENSOR_FAMILY,
  component: 'detection-tool',
  summary: 'A Deployment that classifies the samples the digger sends it, with models it downloads from the vendor. No Kubernetes API access.',
  needs: [
    DNS_NEED,
    { id: 'updates', does: 'checks for model updates', grant: { kind: 'egress', peer: 'the vendor\'s update endpoint (CIDRs)', ports: '443/TCP' }, reason: 'checks the vendor\'s update endpoint for new classification models', when: 'no httpsProxy' },
    { id: 'models', does: 'downloads models', grant: { kind: 'egress', peer: 'the model bucket (CIDRs)', ports: '443/TCP' }, reason: 'downloads classification models from the vendor\'s bucket', when: 'no httpsProxy' },
    proxy,
    vault(),
    { id: 'vendor-credential', does: 'authenticates to the vendor', grant: { kind: 'credential', credential: 'vendor credential (VENDOR_CREDENTIAL_FILE)' }, reason: 'authenticates to the vendor', when: 'vendorCredential' },
    { id: 'update-token', does: 'authenticates to the update endpoint', grant: { kind: 'credential', credential: 'update token (UPDATE_TOKEN_FILE)' }, reason: 'authenticates to the vendor\'s update endpoint', when: 'updates.token' },
    { id: 'from-digger', does: 'receives classification requests', grant: { kind: 'ingress', peer: 'the digger', ports: '8080/TCP' }, reason: SENSOR_REASONS.classify },
    { id: 'bus', does: 'consumes requests and logs through the bus', grant: { kind: 'egress', peer: 'the message bus', ports: '9092/TCP (in-cluster) or the brokers\' ports' }, reason: 'consumes classification requests from the message bus and logs through it', when: 'messageBus' },
    busCredentials,
    scraped,
  ],
};

export const MESSAGE_BUS_NEEDS: ComponentNeeds = {
  family: SENSOR_FAMILY,
  component: 'message-bus',
  summary: 'The in-cluster Kafka broker (KRaft, no ZooKeeper) the sensor\'s components talk through, when `messageBus.inCluster` is chosen. Non-root (the image\'s UID 1000), no capability, no API token, a PersistentVolumeClaim per pod, TLS on both listeners.',
  needs: [
    DNS_NEED,
    { id: 'peers-in', does: 'replicates and holds the KRaft quorum', grant: { kind: 'ingress', peer: 'the other broker pods', ports: '9092/TCP, 9093/TCP' }, reason: 'brokers replicate partitions to each other and hold the KRaft controller quorum' },
    { id: 'peers-out', does: 'replicates and holds the KRaft quorum', grant: { kind: 'egress', peer: 'the other broker pods', ports: '9092/TCP, 9093/TCP' }, reason: 'brokers replicate partitions to each other and hold the KRaft controller quorum' },
    { id: 'from-interceptors', does: 'serves the interceptors', grant: { kind: 'ingress', peer: 'the node CIDRs (host-network interceptors)', ports: '9092/TCP' }, reason: 'produces traffic events, heartbeats and control responses to the message bus, and consumes control requests and IP lists from it', when: 'interceptor' },
    { id: 'from-digger', does: 'serves the digger', grant: { kind: 'ingress', peer: 'the digger', ports: '9092/TCP' }, reason: 'consumes the interceptors\' traffic events from the message bus and logs its findings through it' },
    { id: 'from-detection-tool', does: 'serves the detection tool', grant: { kind: 'ingress', peer: 'the detection tool', ports: '9092/TCP' }, reason: 'consumes classification requests from the message bus and logs through it' },
  ],
};

export const PROMETHEUS_AGENT_NEEDS: ComponentNeeds = {
  family: SENSOR_FAMILY,
  component: 'prometheus-agent',
  summary: 'A Prometheus in agent mode that scrapes the sensor\'s pods and remote-writes to the vendor.',
  needs: [
    { id: 'discover', does: 'discovers the sensor\'s pods', grant: { kind: 'rbac', scope: 'own-namespace', apiGroups: [''], resources: ['pods'], verbs: READ }, reason: 'discovers the sensor\'s pods in its own namespace to scrape their metrics ports' },
    DNS_NEED,
    { id: 'api-server', does: 'discovers pods', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'discovers the pods it scrapes through the Kubernetes API' },
    { id: 'remote-write', does: 'remote-writes to the vendor', grant: { kind: 'egress', peer: 'the vendor\'s remote-write endpoint (CIDRs)', ports: '443/TCP' }, reason: 'remote-writes the sensor\'s metrics to the vendor', when: 'no httpsProxy' },
    proxy,
    vault(),
    { id: 'remote-write-token', does: 'authenticates its remote write', grant: { kind: 'credential', credential: 'remote-write token' }, reason: 'authenticates its remote write to the vendor' },
    { id: 'scrape', does: 'scrapes the sensor\'s pods', grant: { kind: 'egress', peer: 'the digger, detection tool and crawler', ports: '9090/TCP' }, reason: SENSOR_REASONS.scrapedByPrometheus },
    { id: 'scrape-nodes', does: 'scrapes the interceptors', grant: { kind: 'egress', peer: 'the node CIDRs', ports: '9465/TCP' }, reason: 'scrapes the interceptors\' metrics port on the nodes, where host-network pods listen', when: 'interceptor' },
  ],
};

export const CRAWLER_NEEDS: ComponentNeeds = {
  family: SENSOR_FAMILY,
  component: 'crawler',
  summary: 'A Deployment that scans the listed data sources (data at rest) and reports to the digger. No Kubernetes API access.',
  needs: [
    DNS_NEED,
    { id: 'sources', does: 'scans its data sources', grant: { kind: 'egress', peer: 'each data source\'s CIDRs', ports: 'the source\'s ports' }, reason: 'scans the data source for sensitive data at rest' },
    { id: 'vendor-credential', does: 'authenticates to the vendor', grant: { kind: 'credential', credential: 'vendor credential (VENDOR_CREDENTIAL_FILE)' }, reason: 'authenticates to the vendor', when: 'vendorCredential' },
    { id: 'source-credentials', does: 'logs in to its data sources', grant: { kind: 'credential', credential: 'one credential file per data source' }, reason: 'logs in to each data source with its own read-only credential' },
    proxy,
    vault(),
    { id: 'to-digger', does: 'reports findings to the digger', grant: { kind: 'egress', peer: 'the digger', ports: '9443/TCP' }, reason: SENSOR_REASONS.crawlerFindings },
    scraped,
  ],
};
