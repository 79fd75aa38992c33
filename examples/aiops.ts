import { App, Chart } from 'cdk8s';
import { AccessRole, AiopsChart, AiopsChartProps, NetworkPeer, PgSslMode, SecretSource } from '../src';

const digest = (hex: string) => `sha256:${hex.repeat(64 / hex.length)}`;

/** The props of the AIOps example (exported for the property tests). */
export const common: AiopsChartProps = {
  namespace: 'aiops',
  apiServer: { cidrs: ['172.20.0.1/32'], port: 6443 },
  imagePullSecrets: ['vendor-registry'],
  api: {
    image: 'ghcr.io/example/aiops-api:2.3.1@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
    clients: [NetworkPeer.pods({ labels: { 'app.kubernetes.io/name': 'api-gateway' }, namespace: 'gateway' })],
    accessRoles: [
      { role: AccessRole.VIEWER, groups: ['support'], namespaces: ['payments', 'checkout'] },
      { role: AccessRole.ANALYST, groups: ['sre'], namespaces: ['*'] },
      { role: AccessRole.ADMIN, groups: ['platform-admins'], namespaces: ['*'] },
    ],
  },
  // Placeholder digests: well-formed, not the real images' digests.
  postgres: { image: `docker.io/library/postgres:17.2-bookworm@${digest('a1')}` },
  redis: { image: `docker.io/library/redis:7.4.1-alpine@${digest('b2')}` },
  qdrant: { image: `docker.io/qdrant/qdrant:v1.12.4@${digest('c3')}` },
  audit: { image: `docker.io/library/postgres:17.2-alpine@${digest('d4')}` },
  secrets: {
    llmApiKey: SecretSource.kubernetesSecret({ name: 'aiops-llm', keys: ['api-key'] }),
    postgresAdmin: SecretSource.kubernetesSecret({ name: 'aiops-postgres-admin', keys: ['password'] }),
    postgresApp: SecretSource.kubernetesSecret({ name: 'aiops-postgres-app', keys: ['password'] }),
    postgresArchiver: SecretSource.kubernetesSecret({ name: 'aiops-postgres-archiver', keys: ['password'] }),
    postgresRetention: SecretSource.kubernetesSecret({ name: 'aiops-postgres-retention', keys: ['password'] }),
    redis: SecretSource.kubernetesSecret({ name: 'aiops-redis', keys: ['password'] }),
    qdrant: SecretSource.kubernetesSecret({ name: 'aiops-qdrant', keys: ['api-key'] }),
  },
};

/** The AIOps API with PostgreSQL, Redis and Qdrant run in the cluster, and the audit log. */
export function aiops(app: App): Chart {
  return new AiopsChart(app, 'aiops', {
    ...common,
    // The in-cluster PostgreSQL serves no TLS yet; the external stores below keep verify-full.
    audit: { ...common.audit, sslMode: PgSslMode.PREFER },
  });
}

/** The same, with the three stores given as managed services outside the cluster. */
export function aiopsExternalStores(app: App): Chart {
  return new AiopsChart(app, 'aiops-external-stores', {
    ...common,
    postgres: { external: { host: 'aiops-audit.db.example.internal', cidrs: ['10.40.1.10/32'] } },
    redis: { external: { host: 'aiops-cache.redis.example.internal', cidrs: ['10.40.2.0/28'] } },
    qdrant: { external: { host: 'aiops-vectors.qdrant.example.internal', port: 443, cidrs: ['10.40.3.0/28'] } },
  });
}
