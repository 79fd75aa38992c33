import { ComponentNeeds } from '../../needs/model';
import { DNS_NEED } from '../private/needs-rows';
import { PROXY_REASON } from '../reasons';

const READ = ['get', 'list', 'watch'] as const;
export const COST_OPTIMIZER = 'cost-optimizer';

/**
 * The cost optimiser agent's needs. The savings-estimation reads are typed toggles
 * (`OptimizerAgentProps.savingsReads`), off by default.
 */
export const OPTIMIZER_AGENT_NEEDS: ComponentNeeds = {
  family: COST_OPTIMIZER,
  component: 'optimizer-agent',
  summary: 'The in-cluster agent of the cost optimiser: it takes an inventory of nodes and workloads, sends it to the vendor for analysis, and keeps its own state in config maps. Two replicas elect a leader. It writes nothing else; node changes are the cluster controller\'s.',
  needs: [
    { id: 'read-core', does: 'inventories pods, nodes, volumes and services, and reads events to see scheduling failures', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['events', 'namespaces', 'nodes', 'persistentvolumeclaims', 'persistentvolumes', 'pods', 'replicationcontrollers', 'services'], verbs: READ }, reason: 'inventories nodes, pods (with their owners, replication controllers included), volumes and services, and reads events to see scheduling failures' },
    { id: 'read-apps', does: 'resolves pod owners to workloads', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: READ }, reason: 'resolves each pod to the workload that owns it, to size workloads rather than pods' },
    { id: 'read-batch', does: 'resolves job pods to their jobs', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: READ }, reason: 'resolves job pods to their jobs and cron jobs, which are sized and scheduled differently' },
    { id: 'read-storage', does: 'knows storage classes and per-node volume limits', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['storage.k8s.io'], resources: ['csinodes', 'storageclasses'], verbs: READ }, reason: 'reads storage classes and per-node volume attach limits (csinodes), which bound how many pods a node can take' },
    { id: 'read-hpa', does: 'accounts for horizontal autoscaling', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ }, reason: 'accounts for horizontal autoscalers when it estimates a workload\'s replicas' },
    { id: 'read-pdb', does: 'respects disruption budgets in its plans', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ }, reason: 'respects disruption budgets when it plans which nodes can be removed' },
    { id: 'read-events', does: 'reads events of the events.k8s.io API', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ }, reason: 'reads scheduling and eviction events from the events.k8s.io API, which newer clusters write' },
    { id: 'version', does: 'identifies the cluster\'s Kubernetes version', grant: { kind: 'rbac', scope: 'cluster', nonResourceURLs: ['/version'], verbs: ['get'] }, reason: 'reads the Kubernetes version, which decides which APIs and scheduling features the estimate assumes' },
    { id: 'leases', does: 'elects a leader among its two replicas', grant: { kind: 'rbac', scope: 'own-namespace', apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }, reason: 'elects a leader among its replicas with a lease in its own namespace' },
    { id: 'state', does: 'keeps its metadata store in config maps', grant: { kind: 'rbac', scope: 'own-namespace', apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update'] }, reason: 'keeps its metadata (cluster id, sync state) in config maps in its own namespace' },
    { id: 'kube-system-config', does: 'identifies the provider and networking mode', grant: { kind: 'rbac', scope: 'namespace', namespace: 'kube-system', apiGroups: [''], resources: ['configmaps'], verbs: READ }, reason: 'reads the configuration that the provider publishes in kube-system (e.g. kube-proxy, cluster-info) to identify the provider and networking mode' },
    { id: 'read-quotas', does: 'estimates within namespace quotas and limit ranges', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['limitranges', 'resourcequotas'], verbs: READ }, reason: 'keeps savings estimates within namespace quotas and default limits', when: 'savingsReads.quotas' },
    { id: 'read-pod-metrics', does: 'sizes by measured usage', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: ['get', 'list'] }, reason: 'sizes workloads by their measured usage from the metrics API rather than their requests', when: 'savingsReads.podMetrics' },
    { id: 'read-vpa', does: 'accounts for vertical autoscaling', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['autoscaling.k8s.io'], resources: ['verticalpodautoscalers'], verbs: READ }, reason: 'does not propose requests that a vertical autoscaler already manages', when: 'savingsReads.verticalPodAutoscaler' },
    { id: 'read-keda', does: 'accounts for event-driven autoscaling', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['keda.sh'], resources: ['scaledjobs', 'scaledobjects'], verbs: READ }, reason: 'accounts for KEDA scalers when it estimates a workload\'s replicas', when: 'savingsReads.keda' },
    { id: 'read-karpenter', does: 'compares with Karpenter\'s node pools', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['karpenter.sh'], resources: ['nodeclaims', 'nodepools'], verbs: READ }, reason: 'reads Karpenter node pools and claims, so that its estimate starts from the nodes Karpenter would create', when: 'savingsReads.karpenter' },
    { id: 'read-rollouts', does: 'resolves pods owned by Argo Rollouts', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: READ }, reason: 'resolves pods owned by Argo Rollouts to their rollout, as it does for deployments', when: 'savingsReads.argoRollouts' },
    { id: 'read-dra', does: 'accounts for devices claimed through dynamic resource allocation', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['resource.k8s.io'], resources: ['deviceclasses', 'resourceclaims', 'resourceclaimtemplates', 'resourceslices'], verbs: READ }, reason: 'accounts for GPUs and other devices claimed through dynamic resource allocation', when: 'savingsReads.dynamicResourceAllocation' },
    DNS_NEED,
    { id: 'api-server', does: 'watches the cluster', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'reads the cluster inventory and keeps its state through the Kubernetes API' },
    { id: 'vendor', does: 'uploads the inventory and reaches the cloud APIs', grant: { kind: 'egress', peer: 'the cloud APIs and the vendor (public addresses, a proxy, or host names on Cilium)', ports: '443/TCP' }, reason: 'uploads the inventory to the vendor and calls the cloud provider\'s APIs over HTTPS', when: 'no httpsProxy' },
    { id: 'proxy', does: 'reaches the vendor and the cloud APIs through the corporate proxy', grant: { kind: 'egress', peer: 'the outbound proxy', ports: 'its port' }, reason: PROXY_REASON, when: 'httpsProxy' },
    { id: 'vendor-credential', does: 'authenticates its uploads', grant: { kind: 'credential', credential: 'vendor credential (VENDOR_CREDENTIAL_FILE)' }, reason: 'authenticates its uploads to the vendor', when: 'vendorCredential' },
  ],
};

/** The optional cluster controller's needs: the write side of the cost optimiser. */
export const CLUSTER_CONTROLLER_NEEDS: ComponentNeeds = {
  family: COST_OPTIMIZER,
  component: 'cluster-controller',
  summary: 'The optimiser\'s write side, off by default: before the cloud identity removes a node it cordons and drains it, it deletes the Node objects of nodes the optimiser created, and it approves the certificate requests of the kubelets on new nodes. Each grant can be turned off.',
  needs: [
    { id: 'cordon', does: 'cordons and uncordons nodes', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] }, reason: 'cordons and uncordons nodes (patches spec.unschedulable) before it drains them, and watches them to see new ones join', when: 'grants.cordon' },
    { id: 'drain-read', does: 'finds the pods on a node it drains', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }, reason: 'lists the pods on a node it drains, to evict them and wait until they are gone', when: 'grants.drain' },
    { id: 'drain-evict', does: 'evicts pods through the Eviction API', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] }, reason: 'evicts pods through the Eviction API, which honours their disruption budgets, instead of deleting them', when: 'grants.drain' },
    { id: 'delete-nodes', does: 'deletes the Node objects of nodes the optimiser created', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['nodes'], verbs: ['delete'] }, reason: 'deletes the Node objects of nodes the optimiser created and the cloud identity removed; RBAC cannot select nodes by label, so a ValidatingAdmissionPolicy emitted with it refuses the deletion of any node without the optimiser\'s label, and any change of that label', when: 'grants.deleteNodes' },
    { id: 'csr-read', does: 'sees the certificate requests of new kubelets', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get', 'list', 'watch'] }, reason: 'watches certificate signing requests to find those of the kubelets on nodes it created', when: 'grants.approveKubeletCsrs' },
    { id: 'csr-approve', does: 'approves kubelet certificate requests', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] }, reason: 'approves the certificate requests of kubelets on new nodes; which signers it may approve for is limited by the signers rule', when: 'grants.approveKubeletCsrs' },
    { id: 'csr-signers', does: 'approves only for the two kubelet signers', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'], verbs: ['approve'] }, reason: 'may approve only for the kubelet client and kubelet serving signers, never for other client certificates', when: 'grants.approveKubeletCsrs' },
    DNS_NEED,
    { id: 'api-server', does: 'calls the API server', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'cordons, drains and deletes nodes and approves kubelet certificates through the Kubernetes API' },
  ],
};
