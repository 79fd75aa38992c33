import { App, Chart } from 'cdk8s';
import { ObservabilityChart, ObservabilityChartProps, RemediationAction, SecretSource } from '../src';

// Placeholder images: the digests are well-formed examples, not real images' digests.
const IMAGES = {
  agent: 'ghcr.io/example/ebpf-agent:3.2.0@sha256:4faffc29efe42a93ad6d983ef0062b203d348d864ff4e56051c0977cd57da79a',
  mediator: 'ghcr.io/example/mediator:3.2.0@sha256:8f29c8d19c15cb250e548282a05d3ac5bcf4c736af31875cbffa5c7d62912b4d',
  executor: 'ghcr.io/example/executor:3.2.0@sha256:1ccb55f8524a9a5c2f886590bd3efadac1bba5266ae0b60b5d6d584daba272f1',
  victoriaMetrics: 'registry.example.com/victoriametrics/victoria-metrics:v1.110.0@sha256:92aedfb7d3c580eb19d88592d49fdf9e29205423bf5e2c319f33b5be7656703e',
};

/** The props of the observability example (exported for the property tests). */
export const common: ObservabilityChartProps = {
  // `kubectl get endpoints kubernetes -n default` on the target cluster, and the service IP.
  apiServer: { cidrs: ['10.100.0.1/32', '172.31.10.25/32', '172.31.42.7/32'], port: 443 },
  // The backend is reached through the corporate proxy, which allow-lists its host name.
  httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] },
  backend: { url: 'https://ingest.vendor.example' },
  imagePullSecrets: ['vendor-registry'],
  createNamespace: true,
  // The agents read node and container metrics from the kubelets on the node subnets (TCP 10250).
  nodeCidrs: ['172.31.0.0/16'],
  agent: {
    image: IMAGES.agent,
    // Node agents tolerate every taint (control plane, GPU pools) and run as system-node-critical by
    // default, each with its reason in the output; `tolerations` narrows it, `nodeSelector` restricts the nodes.
    resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
    // The default `bpf` tier: BPF, PERFMON, SYS_RESOURCE and SYS_PTRACE, each with its reason; root
    // with exactly those capabilities by default (CapabilityIdentity explains why).
  },
  mediator: {
    image: IMAGES.mediator,
    // The vendor's API key, mounted as a file; VENDOR_CREDENTIAL_FILE holds its path.
    vendorCredential: SecretSource.kubernetesSecret({ name: 'vendor-api-key', keys: ['api-key'] }),
    replicas: 2,
    topologySpread: [{ topologyKey: 'topology.kubernetes.io/zone' }],
  },
  victoriaMetrics: { image: IMAGES.victoriaMetrics, storageSize: '50Gi', retention: '30d' },
};

/** The observability product with least privilege: agent, mediator and VictoriaMetrics, no executor. */
export function observability(app: App): Chart {
  return new ObservabilityChart(app, 'observability', common);
}

/** The same with the remediation executor: named, narrow permissions, limited to two namespaces where it can be. */
export function observabilityExecutor(app: App): Chart {
  return new ObservabilityChart(app, 'observability-executor', {
    ...common,
    executor: {
      image: IMAGES.executor,
      permissions: [
        { action: RemediationAction.SCALE, namespaces: ['shop', 'payments'] },
        { action: RemediationAction.RESTART, resources: ['deployments'], namespaces: ['shop', 'payments'] },
        { action: RemediationAction.DELETE_PODS, namespaces: ['shop'] },
        { action: RemediationAction.CORDON },
      ],
    },
  });
}
