import { ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { AccessRoleBinding, AiopsApi } from '../constructs/aiops/aiops-api';
import { AuditLog } from '../constructs/aiops/audit-log';
import { AuditSqlProps } from '../constructs/aiops/audit-sql';
import { SecretKeyRef } from '../constructs/aiops/secret-ref';
import { AiopsStoreKind, ExternalStore, IAiopsStore, InClusterStore } from '../constructs/aiops/stores';
import { IIngressPeer, NetworkPeer, Ports } from '../constructs/network';
import { PolicyCheck, PolicyCheckProps } from '../constructs/policy-check';
import { VaultSecretSource } from '../constructs/secrets';
import { SecureChart } from '../constructs/secure-chart';
import { PropValidator } from '../constructs/validation';

/** A store given as an external endpoint. */
export interface ExternalStoreEndpoint {
  readonly host: string;
  /** @default - the store's usual port (5432, 6379, 6333) */
  readonly port?: number;
  /** Addresses of the endpoint, for the egress rules. */
  readonly cidrs: string[];
}

/** Where the stores run: all in the cluster (the default), or each given as an external endpoint. */
export interface AiopsStoresProps {
  /** @default - a PostgreSQL StatefulSet in the chart */
  readonly postgres?: ExternalStoreEndpoint;
  /** @default - a Redis StatefulSet in the chart */
  readonly redis?: ExternalStoreEndpoint;
  /** @default - a Qdrant StatefulSet in the chart */
  readonly qdrant?: ExternalStoreEndpoint;
}

/** The Secrets the chart reads (created outside it, by hand, External Secrets or Vault). */
export interface AiopsSecretsProps {
  /** A Secret, or `SecretSource.vault({...})` to have the Vault Agent Injector render it as a file. */
  readonly llmApiKey: SecretKeyRef | VaultSecretSource;
  /** Superuser password of PostgreSQL: the in-cluster server's, and the migration's login. */
  readonly postgresAdmin: SecretKeyRef;
  /** Password of the application's audit role; the API logs in to PostgreSQL with it. */
  readonly postgresApp: SecretKeyRef;
  readonly postgresArchiver: SecretKeyRef;
  readonly postgresRetention: SecretKeyRef;
  readonly redis: SecretKeyRef;
  readonly qdrant: SecretKeyRef;
}

export interface AiopsChartProps extends ChartProps {
  /** Namespace of every namespaced object. */
  readonly namespace: string;
  /**
   * Options of the policy checker that runs on this chart at synthesis.
   * @default - the restricted profile and every rule
   */
  readonly policyCheck?: PolicyCheckProps;
  /**
   * The Vault server the injected Vault Agent talks to; required when a secret comes from Vault,
   * since the API's default-deny egress would otherwise cut the agent off.
   * @default - no Vault egress
   */
  readonly vaultServer?: { readonly cidrs: string[]; readonly port?: number };
  /** Image of the AIOps API, pinned. */
  readonly image: string;
  readonly secrets: AiopsSecretsProps;
  /** Addresses of the Kubernetes API server. */
  readonly apiServerCidrs: string[];
  /** @default 6443 */
  readonly apiServerPort?: number;
  /** @default - every store in the cluster */
  readonly stores?: AiopsStoresProps;
  /**
   * Who may call the API (the API gateway).
   * @default - nobody
   */
  readonly apiClients?: IIngressPeer[];
  /** @default - none */
  readonly accessRoles?: AccessRoleBinding[];
  /** @default - 90 days of retention, roles prefixed "aiops", schema "audit" */
  readonly audit?: AuditSqlProps;
  /**
   * Extra annotations on the API's pods, e.g. Vault Agent annotations.
   * @default - none
   */
  readonly apiPodAnnotations?: Record<string, string>;
}

/**
 * The AIOps family in one chart: the API, its three stores (in the cluster or external), and the
 * append-only audit log's migration Job and retention CronJob.
 */
export class AiopsChart extends SecureChart {
  public readonly api: AiopsApi;
  public readonly auditLog: AuditLog;
  public readonly stores: Readonly<Record<AiopsStoreKind, IAiopsStore>>;
  /** Fails synthesis on any unexempted error of the checker. */
  public readonly policyCheck: PolicyCheck;

  constructor(scope: Construct, id: string, props: AiopsChartProps) {
    super(scope, id, props);
    const v = new PropValidator('AiopsChart', this.node.path);
    v.dnsLabel('namespace', props.namespace);
    this.policyCheck = new PolicyCheck(this, 'policy-check', props.policyCheck);
    const s = props.secrets ?? ({} as AiopsSecretsProps);
    const store = (kind: AiopsStoreKind, password: SecretKeyRef, external?: ExternalStoreEndpoint): IAiopsStore =>
      external
        ? new ExternalStore(this, kind, { kind, host: external.host, port: external.port, cidrs: external.cidrs, password })
        : new InClusterStore(this, kind, { kind, password });
    const stores = {
      [AiopsStoreKind.POSTGRES]: store(AiopsStoreKind.POSTGRES, s.postgresAdmin, props.stores?.postgres),
      [AiopsStoreKind.REDIS]: store(AiopsStoreKind.REDIS, s.redis, props.stores?.redis),
      [AiopsStoreKind.QDRANT]: store(AiopsStoreKind.QDRANT, s.qdrant, props.stores?.qdrant),
    };
    this.stores = stores;
    this.api = new AiopsApi(this, 'api', {
      image: props.image,
      llmApiKey: s.llmApiKey,
      postgres: stores.postgres,
      // The API logs in to PostgreSQL as the audit log's application role, not as the superuser.
      postgresPassword: s.postgresApp,
      redis: stores.redis,
      qdrant: stores.qdrant,
      apiServerCidrs: props.apiServerCidrs,
      apiServerPort: props.apiServerPort,
      accessRoles: props.accessRoles,
      clients: props.apiClients,
      podAnnotations: props.apiPodAnnotations,
    });
    if (s.llmApiKey instanceof VaultSecretSource) {
      const vault = props.vaultServer ?? v.fail('missing-vault-server', 'vaultServer', props.vaultServer,
        'is required when a secret comes from Vault: the Vault Agent needs egress to the server', 'give { cidrs: ["10.0.5.10/32"], port: 8200 }');
      const port = v.port('vaultServer.port', vault.port ?? 8200);
      // The injected Vault Agent shares the API pod's network, so the API's policy must let it reach Vault.
      this.api.networkPolicy.allowEgressTo(NetworkPeer.cidrs(vault.cidrs), [Ports.tcp(port)]);
    }
    this.auditLog = new AuditLog(this, 'audit-log', {
      ...props.audit,
      database: { host: stores.postgres.host, port: stores.postgres.port, peer: stores.postgres.peer },
      adminPassword: s.postgresAdmin,
      rolePasswords: { app: s.postgresApp, archiver: s.postgresArchiver, retention: s.postgresRetention },
    });
    stores.postgres.allowFrom(NetworkPeer.workload(this.auditLog.migration));
    stores.postgres.allowFrom(NetworkPeer.workload(this.auditLog.retention));
  }
}
