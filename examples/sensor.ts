import { App, Chart } from 'cdk8s';
import { DataSource, ImagePolicyEngine, SecretSource, SecretStoreKind, SensorChart, SensorChartProps } from '../src';

const registry = 'registry.vendor.example/sensor';
/** The vendor's cosign public key (cosign.pub): only the public half ever goes into a manifest. */
const VENDOR_COSIGN_KEY = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/ozS1KjNsO4iAtrm1+xX2JdcbyAa
ip+HRFCgGh96nA0iR3Lb/IE+1xtvnHaAMDt16ADySLyXEXSrkHgXgmvdwg==
-----END PUBLIC KEY-----
`;
const digest = (hex: string) => `sha256:${hex.repeat(64 / hex.length)}`;

/** Every token comes from Vault, rendered as a file by the injected Vault Agent. */
const vaultToken = (name: string, role: string) => SecretSource.vault({
  name,
  path: `secret/data/sensor/${name}`,
  role,
  template: `{{- with secret "secret/data/sensor/${name}" -}}{{ .Data.data.token }}{{- end }}`,
  tls: { caCert: '/vault/tls/ca.crt', tlsSecret: 'vault-ca' },
});

/** Short-lived credentials for the crawler from a Vault secrets engine, rendered into one file by `body`. */
const vaultCredentials = (name: string, vaultPath: string, body: string) => SecretSource.vault({
  name,
  path: vaultPath,
  role: 'sensor-crawler',
  template: `{{- with secret "${vaultPath}" -}}${body}{{- end }}`,
  tls: { caCert: '/vault/tls/ca.crt', tlsSecret: 'vault-ca' },
});
/** Database engine credentials as JSON. */
const DB_JSON = '{"username":"{{ .Data.username }}","password":"{{ .Data.password }}"}';
/** AWS engine credentials as a shared-credentials file. */
const AWS_INI = '[default]\naws_access_key_id = {{ .Data.access_key }}\naws_secret_access_key = {{ .Data.secret_key }}\naws_session_token = {{ .Data.security_token }}\n';

/**
 * The data-security sensor with data in motion (interceptor, digger, detection tool), metrics
 * (Prometheus agent) and data at rest (crawler), everything outbound through the corporate proxy,
 * tokens from Vault, images pinned by digest and signed.
 */
export const sensorProps: SensorChartProps = {
  namespace: 'sensor',
  createNamespace: true,
  apiServer: { cidrs: ['10.0.0.1/32', '10.0.32.10/32'], port: 6443 },
  nodeCidrs: ['10.0.16.0/20'],
  httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'], noProxy: ['.corp.example'] },
  vaultServer: { cidrs: ['10.0.5.10/32'], port: 8200 },
  imagePullSecrets: ['vendor-registry'],
  // The vendor's images must be signed with its key. Kyverno checks only the images that match the
  // globs, so Prometheus and the injected Vault Agent (pinned, not vendor-signed) are left alone.
  imagePolicy: { engine: ImagePolicyEngine.KYVERNO, publicKey: VENDOR_COSIGN_KEY, images: [`${registry}/*`] },
  interceptor: { image: `${registry}/interceptor:4.2.0@${digest('1a')}` },
  crawler: {
    image: `${registry}/crawler:4.2.0@${digest('5e')}`,
    scanInterval: '12h',
    vendorCredential: SecretSource.kubernetesSecret({ name: 'sensor-license', keys: ['license-key'] }),
    sources: [
      DataSource.postgresql({
        name: 'orders', host: 'orders.db.corp.example', databases: ['orders', 'invoices'], cidrs: ['10.20.1.0/24'],
        credentials: vaultCredentials('orders-db', 'database/creds/crawler-orders', DB_JSON),
      }),
      DataSource.mysql({
        name: 'crm', host: '10.20.2.15', databases: ['crm'], cidrs: ['10.20.2.0/24'],
        credentials: vaultCredentials('crm-db', 'database/creds/crawler-crm', DB_JSON),
      }),
      DataSource.mssql({
        name: 'billing', host: 'billing.db.corp.example', databases: ['billing'], cidrs: ['10.20.3.0/24'], encrypt: 'strict',
        credentials: SecretSource.externalSecret({
          name: 'crawler-billing', storeName: 'corp-vault', storeKind: SecretStoreKind.CLUSTER_SECRET_STORE,
          data: [{ secretKey: 'username', remoteKey: 'sensor/billing', property: 'username' }, { secretKey: 'password', remoteKey: 'sensor/billing', property: 'password' }],
        }),
      }),
      DataSource.kafka({
        name: 'events', bootstrapServers: ['kafka-0.events.corp.example:9093', 'kafka-1.events.corp.example:9093'],
        cidrs: ['10.20.4.0/24'], topics: ['payments', 'signups'],
        credentials: SecretSource.kubernetesSecret({ name: 'crawler-kafka', keys: ['username', 'password'] }),
      }),
      // Through the S3 interface endpoint in the VPC: reached directly, not through the proxy.
      DataSource.s3({
        name: 'exports', bucket: 'corp-data-exports', region: 'eu-west-1', cidrs: ['10.20.5.0/28'],
        endpoint: 'https://bucket.vpce-0a1b2c3d4e5f.s3.eu-west-1.vpce.amazonaws.com',
        credentials: vaultCredentials('exports-s3', 'aws/sts/crawler-exports', AWS_INI),
      }),
    ],
  },
  digger: {
    image: `${registry}/digger:4.2.0@${digest('2b')}`,
    vendor: { url: 'https://ingest.vendor.example' },
    vendorCredential: vaultToken('digger-token', 'sensor-digger'),
  },
  detectionTool: {
    image: `${registry}/detection-tool:4.2.0@${digest('3c')}`,
    resources: { cpuRequest: '200m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '2Gi' },
    // The vendor's licence key, from a Secret created outside the chart, mounted as a file.
    vendorCredential: SecretSource.kubernetesSecret({ name: 'sensor-license', keys: ['license-key'] }),
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
};

/**
 * The data-security sensor with data in motion (interceptor, digger, detection tool), metrics
 * (Prometheus agent) and data at rest (crawler): the chart of `sensorProps`.
 */
export function sensor(app: App): Chart {
  return new SensorChart(app, 'sensor', sensorProps);
}
