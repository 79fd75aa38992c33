import { App, Chart } from 'cdk8s';
import { SecretSource, SensorChart } from '../src';

const registry = 'registry.vendor.example/sensor';
const digest = (hex: string) => `sha256:${hex.repeat(64 / hex.length)}`;

/** Every token comes from Vault, rendered as a file by the injected Vault Agent. */
const vaultToken = (name: string, role: string) => SecretSource.vault({
  name,
  path: `secret/data/sensor/${name}`,
  role,
  template: `{{- with secret "secret/data/sensor/${name}" -}}{{ .Data.data.token }}{{- end }}`,
  tls: { caCert: '/vault/tls/ca.crt', tlsSecret: 'vault-ca' },
});

/**
 * The data-security sensor with data in motion (interceptor, digger, detection tool), metrics
 * (Prometheus agent) and data at rest (crawler), everything outbound through the corporate proxy,
 * tokens from Vault, images pinned by digest and signed.
 */
export function sensor(app: App): Chart {
  return new SensorChart(app, 'sensor', {
    namespace: 'sensor',
    createNamespace: true,
    apiServer: { cidrs: ['10.0.0.1/32', '10.0.32.10/32'], port: 6443 },
    nodeCidrs: ['10.0.16.0/20'],
    httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'], noProxy: ['.corp.example'] },
    vaultServer: { cidrs: ['10.0.5.10/32'], port: 8200 },
    imagePullSecrets: ['vendor-registry'],
    interceptor: { image: `${registry}/interceptor:4.2.0@${digest('1a')}` },
    digger: {
      image: `${registry}/digger:4.2.0@${digest('2b')}`,
      vendor: { url: 'https://ingest.vendor.example' },
      vendorToken: vaultToken('digger-token', 'sensor-digger'),
    },
    detectionTool: {
      image: `${registry}/detection-tool:4.2.0@${digest('3c')}`,
      resources: { cpuRequest: '200m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '2Gi' },
      updates: {
        endpoint: { url: 'https://updates.vendor.example' },
        bucket: { url: 'https://models.vendor-cdn.example' },
        token: vaultToken('updates-token', 'sensor-detection-tool'),
      },
    },
    prometheusAgent: {
      image: `quay.io/prometheus/prometheus:v3.5.0@${digest('4d')}`,
      remoteWrite: { url: 'https://metrics.vendor.example/api/v1/write' },
      remoteWriteToken: vaultToken('metrics-token', 'sensor-prometheus'),
    },
  });
}
