/** Props that several stack tests build charts from. */
import { AiopsChartProps, SecretSource } from '../../src';

/** The AIOps chart's secrets as Kubernetes Secrets named `aiops-*` (as examples/aiops.ts uses them). */
export function aiopsSecrets(): AiopsChartProps['secrets'] {
  return {
    llmApiKey: SecretSource.kubernetesSecret({ name: 'aiops-llm', keys: ['api-key'] }),
    postgresAdmin: SecretSource.kubernetesSecret({ name: 'aiops-postgres-admin', keys: ['password'] }),
    postgresApp: SecretSource.kubernetesSecret({ name: 'aiops-postgres-app', keys: ['password'] }),
    postgresArchiver: SecretSource.kubernetesSecret({ name: 'aiops-postgres-archiver', keys: ['password'] }),
    postgresRetention: SecretSource.kubernetesSecret({ name: 'aiops-postgres-retention', keys: ['password'] }),
    redis: SecretSource.kubernetesSecret({ name: 'aiops-redis', keys: ['password'] }),
    qdrant: SecretSource.kubernetesSecret({ name: 'aiops-qdrant', keys: ['api-key'] }),
  };
}
