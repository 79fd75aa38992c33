import { ComponentNeeds } from '../../needs/model';
import { DNS_NEED } from '../private/needs-rows';
import { PROXY_REASON, VAULT_REASON } from '../reasons';

const READ = ['get', 'list', 'watch'] as const;
const AIOPS = 'aiops';

/** Reasons of the connections between the family's workloads (both sides carry them). */
export const AIOPS_REASONS = {
  qdrant: 'stores and searches the embeddings of what it has learned in Qdrant',
  redis: 'caches sessions and intermediate results in Redis',
  postgres: 'writes the append-only audit log of every question and action to PostgreSQL',
  migration: 'creates and migrates the audit-log schema, roles and grants in PostgreSQL',
  retention: 'deletes audit records past their retention period in PostgreSQL',
  clients: 'serves the AIOps API to its callers',
} as const;

export const AIOPS_API_NEEDS: ComponentNeeds = {
  family: AIOPS,
  component: 'aiops-api',
  summary: 'The AIOps API: answers operators\' questions with an LLM, reading the cluster, its metrics and its own stores, and logs every question and action to an append-only audit log.',
  needs: [
    { id: 'read-core', does: 'answers questions about the cluster', grant: { kind: 'rbac', scope: 'cluster', apiGroups: [''], resources: ['pods', 'services', 'events', 'nodes', 'namespaces'], verbs: READ }, reason: 'answers questions about pods, services, nodes and namespaces and reads their events' },
    { id: 'read-apps', does: 'relates pods to workloads', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: READ }, reason: 'relates pods to the workloads that own them when investigating' },
    { id: 'read-batch', does: 'relates pods to jobs', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ }, reason: 'relates pods to the jobs and cron jobs that started them' },
    { id: 'read-events', does: 'reads events', grant: { kind: 'rbac', scope: 'cluster', apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ }, reason: 'reads events through the events.k8s.io API as newer clients do' },
    DNS_NEED,
    { id: 'api-server', does: 'reads the cluster', grant: { kind: 'egress', peer: 'the API server', ports: 'its port' }, reason: 'reads the cluster state it answers questions about through the Kubernetes API' },
    { id: 'prometheus', does: 'queries metrics', grant: { kind: 'egress', peer: 'the cluster\'s Prometheus pods', ports: 'Prometheus\'s port' }, reason: 'queries the cluster\'s metrics from Prometheus' },
    { id: 'qdrant', does: 'searches embeddings', grant: { kind: 'egress', peer: 'Qdrant', ports: 'its port' }, reason: AIOPS_REASONS.qdrant },
    { id: 'redis', does: 'caches', grant: { kind: 'egress', peer: 'Redis', ports: 'its port' }, reason: AIOPS_REASONS.redis },
    { id: 'postgres', does: 'writes the audit log', grant: { kind: 'egress', peer: 'PostgreSQL', ports: 'its port' }, reason: AIOPS_REASONS.postgres },
    { id: 'llm', does: 'calls the LLM provider', grant: { kind: 'egress', peer: 'public addresses (private and link-local excepted)', ports: '443/TCP' }, reason: 'calls the LLM provider\'s API over HTTPS', when: 'no httpsProxy' },
    { id: 'proxy', does: 'calls the LLM provider through the proxy', grant: { kind: 'egress', peer: 'the outbound proxy', ports: 'its port' }, reason: PROXY_REASON, when: 'httpsProxy' },
    { id: 'vault', does: 'gets its credentials from Vault', grant: { kind: 'egress', peer: 'the Vault server', ports: 'its port (8200)' }, reason: VAULT_REASON, when: 'a credential from SecretSource.vault' },
    { id: 'llm-key', does: 'authenticates to the LLM provider', grant: { kind: 'credential', credential: 'the LLM API key' }, reason: 'authenticates to the LLM provider' },
    { id: 'store-passwords', does: 'authenticates to its stores', grant: { kind: 'credential', credential: 'one password file per store' }, reason: 'authenticates to Qdrant, Redis and PostgreSQL' },
    { id: 'from-clients', does: 'serves its callers', grant: { kind: 'ingress', peer: 'the callers given in clients (e.g. the API gateway)', ports: 'its port' }, reason: AIOPS_REASONS.clients, when: 'clients' },
  ],
};

const store = (component: string, summary: string, extra: ComponentNeeds['needs'] = []): ComponentNeeds => ({
  family: AIOPS,
  component,
  summary,
  needs: [
    { id: 'from-api', does: 'serves the AIOps API', grant: { kind: 'ingress', peer: 'the AIOps API', ports: 'its port' }, reason: AIOPS_REASONS[component as 'qdrant' | 'redis' | 'postgres'] },
    ...extra,
  ],
});

export const POSTGRES_NEEDS = store('postgres', 'In-cluster PostgreSQL (StatefulSet) holding the audit log. No Kubernetes API access, no egress.', [
  { id: 'from-migration', does: 'is migrated by the audit-log job', grant: { kind: 'ingress', peer: 'the audit-log migration job', ports: 'its port' }, reason: AIOPS_REASONS.migration },
  { id: 'from-retention', does: 'is pruned by the retention job', grant: { kind: 'ingress', peer: 'the audit-log retention job', ports: 'its port' }, reason: AIOPS_REASONS.retention },
]);
export const REDIS_NEEDS = store('redis', 'In-cluster Redis (StatefulSet), the API\'s cache. No Kubernetes API access, no egress.');
export const QDRANT_NEEDS = store('qdrant', 'In-cluster Qdrant (StatefulSet), the API\'s vector store. No Kubernetes API access, no egress.');

const auditJob = (component: string, summary: string, reason: string): ComponentNeeds => ({
  family: AIOPS,
  component,
  summary,
  needs: [
    { ...DNS_NEED, does: 'resolves the database\'s name' },
    { id: 'postgres', does: 'connects to the database', grant: { kind: 'egress', peer: 'PostgreSQL', ports: 'its port' }, reason },
    { id: 'passwords', does: 'logs in with its role\'s password', grant: { kind: 'credential', credential: 'its database role\'s password file(s)' }, reason: 'logs in to PostgreSQL with its own role' },
  ],
});

export const AUDIT_MIGRATION_NEEDS = auditJob('audit-migration', 'A Job that creates the audit-log schema, roles and grants (idempotent) before the API starts.', AIOPS_REASONS.migration);
export const AUDIT_RETENTION_NEEDS = auditJob('audit-retention', 'A CronJob that deletes audit records past their retention period, as the one role allowed to.', AIOPS_REASONS.retention);
