import { App, Chart } from 'cdk8s';
import { SecretSource, SensorChart, SensorChartProps } from '../src';

const registry = 'registry.vendor.example/sensor';
const digest = (hex: string) => `sha256:${hex.repeat(64 / hex.length)}`;

/** Data in motion only, vendor endpoints by CIDR: the parts the message bus changes. */
const base: Omit<SensorChartProps, 'messageBus'> = {
  apiServer: { cidrs: ['10.0.0.1/32'], port: 443 },
  nodeCidrs: ['10.0.16.0/20'],
  imagePullSecrets: ['vendor-registry'],
  interceptor: { image: `${registry}/interceptor:4.2.0@${digest('1a')}` },
  digger: {
    image: `${registry}/digger:4.2.0@${digest('2b')}`,
    vendor: { url: 'https://ingest.vendor.example', cidrs: ['203.0.113.0/24'] },
    vendorCredential: SecretSource.kubernetesSecret({ name: 'sensor-license', keys: ['license-key'] }),
  },
  detectionTool: {
    image: `${registry}/detection-tool:4.2.0@${digest('3c')}`,
    updates: {
      endpoint: { url: 'https://updates.vendor.example', cidrs: ['203.0.113.0/24'] },
      bucket: { url: 'https://models.vendor-cdn.example', cidrs: ['198.51.100.0/24'] },
    },
  },
  prometheusAgent: {
    image: `quay.io/prometheus/prometheus:v3.5.0@${digest('4d')}`,
    remoteWrite: { url: 'https://metrics.vendor.example/api/v1/write', cidrs: ['203.0.113.0/24'] },
    remoteWriteToken: SecretSource.kubernetesSecret({ name: 'sensor-metrics-token', keys: ['token'] }),
  },
};

/**
 * The sensor's components talking through an in-cluster Kafka broker (KRaft, three brokers, TLS from
 * a cert-manager Secret): the broker admits only the interceptors (by node CIDRs), the digger and the
 * detection tool, and the digger no longer accepts the interceptors directly.
 */
export const sensorBusInClusterProps: SensorChartProps = {
  ...base,
  namespace: 'sensor-bus',
  messageBus: {
    inCluster: {
      image: `docker.io/apache/kafka:3.9.1@${digest('6f')}`,
      tlsSecretName: 'message-bus-tls',
      replicas: 3,
      storageSize: '50Gi',
    },
  },
};

export function sensorBusInCluster(app: App): Chart {
  return new SensorChart(app, 'sensor-bus-in-cluster', sensorBusInClusterProps);
}

/** The same with an external broker (a managed Kafka) over SASL_SSL, credentials from a Secret. */
export const sensorBusExternalProps: SensorChartProps = {
  ...base,
  namespace: 'sensor-bus-external',
  messageBus: {
    external: {
      bootstrapServers: ['b-1.events.kafka.example.com:9096', 'b-2.events.kafka.example.com:9096'],
      cidrs: ['10.30.4.0/24'],
      sasl: { mechanism: 'SCRAM-SHA-512', credentials: SecretSource.kubernetesSecret({ name: 'sensor-bus-credentials', keys: ['username', 'password'] }) },
      ca: SecretSource.kubernetesSecret({ name: 'sensor-bus-ca', keys: ['ca.crt'] }),
    },
  },
};

export function sensorBusExternal(app: App): Chart {
  return new SensorChart(app, 'sensor-bus-external', sensorBusExternalProps);
}
