import { Construct } from 'constructs';
import { AiopsApi, AiopsApiProps } from '../constructs/aiops/aiops-api';
import { AuditLog, AuditLogProps } from '../constructs/aiops/audit-log';
import { AiopsStoreKind, ExternalStore, IAiopsStore, InClusterStore, InClusterStoreProps } from '../constructs/aiops/stores';
import { FamilyChart, FamilyChartProps } from '../constructs/family-chart';
import { NetworkPeer } from '../constructs/network';
import { SecretSource } from '../constructs/secrets';
import { AIOPS_REASONS } from '../constructs/aiops/needs';

/** What the chart sets on a component itself, from its own props. */
type ChartSet = 'apiServer' | 'namespace' | 'cilium' | 'proxy' | 'vaultServer' | 'imageRegistry';

/** A store given as an external endpoint. */
export interface ExternalStoreEndpoint {
  readonly host: string;
  /** @default - the store's usual port (5432, 6379, 6333) */
  readonly port?: number;
  /** Addresses of the endpoint, for the egress rules. */
  readonly cidrs: string[];
}

/** One store of the chart: in the cluster (a StatefulSet with these settings) or an external endpoint. */
export interface AiopsStoreProps extends Omit<InClusterStoreProps, ChartSet | 'kind' | 'password'> {
  /**
   * The store runs outside the cluster, at this endpoint; the in-cluster settings are then refused.
   * @default - a StatefulSet in the chart
   */
  readonly external?: ExternalStoreEndpoint;
}

/**
 * The credentials the chart reads, each a `SecretSource` that becomes one file (a Secret with one key,
 * an ExternalSecret, or Vault), never an env var.
 */
export interface AiopsSecretsProps {
  /** The LLM provider's API key. */
  readonly llmApiKey: SecretSource;
  /** Superuser password of PostgreSQL: the in-cluster server's, and the migration's login. */
  readonly postgresAdmin: SecretSource;
  /** Password of the application's audit role; the API logs in to PostgreSQL with it. */
  readonly postgresApp: SecretSource;
  readonly postgresArchiver: SecretSource;
  readonly postgresRetention: SecretSource;
  readonly redis: SecretSource;
  readonly qdrant: SecretSource;
}

export interface AiopsChartProps extends FamilyChartProps {
  readonly secrets: AiopsSecretsProps;
  /** The AIOps API (Deployment). */
  readonly api: Omit<AiopsApiProps, ChartSet | 'llmApiKey' | 'postgres' | 'redis' | 'qdrant' | 'postgresPassword'>;
  /** @default - a PostgreSQL StatefulSet in the chart */
  readonly postgres?: AiopsStoreProps;
  /** @default - a Redis StatefulSet in the chart */
  readonly redis?: AiopsStoreProps;
  /** @default - a Qdrant StatefulSet in the chart */
  readonly qdrant?: AiopsStoreProps;
  /** @default - 90 days of retention, roles prefixed "aiops", schema "audit", TLS verify-full */
  readonly audit?: Omit<AuditLogProps, 'namespace' | 'database' | 'adminPassword' | 'rolePasswords'> & {
    /** @default PgSslMode.VERIFY_FULL */
    readonly sslMode?: AuditLogProps['database']['sslMode'];
  };
}

/**
 * The AIOps family in one chart: the API, its three stores (in the cluster or external), and the
 * append-only audit log's migration Job and retention CronJob.
 */
export class AiopsChart extends FamilyChart {
  public readonly api: AiopsApi;
  public readonly auditLog: AuditLog;
  public readonly stores: Readonly<Record<AiopsStoreKind, IAiopsStore>>;

  constructor(scope: Construct, id: string, props: AiopsChartProps) {
    super(scope, id, props, { chartType: 'AiopsChart', partOf: 'aiops', defaultNamespace: 'aiops' });
    const v = this.chartValidator;
    const s = props.secrets ?? ({} as AiopsSecretsProps);
    const store = (kind: AiopsStoreKind, password: SecretSource, given: AiopsStoreProps | undefined): IAiopsStore => this.component(kind, () => {
      const { external, ...inCluster } = given ?? {};
      if (external) {
        if (Object.keys(inCluster).length > 0) v.fail('external-store-settings', `${kind}.external`, Object.keys(inCluster), 'is given with in-cluster settings, which an external store does not use', `give either external or the in-cluster settings of ${kind}`);
        return new ExternalStore(this, kind, { kind, host: external.host, port: external.port, cidrs: external.cidrs, password });
      }
      return new InClusterStore(this, kind, { ...inCluster, kind, password });
    });
    const stores = {
      [AiopsStoreKind.POSTGRES]: store(AiopsStoreKind.POSTGRES, s.postgresAdmin, props.postgres),
      [AiopsStoreKind.REDIS]: store(AiopsStoreKind.REDIS, s.redis, props.redis),
      [AiopsStoreKind.QDRANT]: store(AiopsStoreKind.QDRANT, s.qdrant, props.qdrant),
    };
    this.stores = stores;
    if (!props.api || typeof props.api !== 'object') v.fail('missing-api', 'api', props.api, 'is missing', 'give { image, ... }');
    this.api = this.component('api', () => new AiopsApi(this, 'api', {
      ...props.api,
      llmApiKey: s.llmApiKey,
      postgres: stores.postgres,
      // The API logs in to PostgreSQL as the audit log's application role, not as the superuser.
      postgresPassword: s.postgresApp,
      redis: stores.redis,
      qdrant: stores.qdrant,
      apiServer: this.apiServer,
    }));
    const { sslMode, ...audit } = props.audit ?? {};
    this.auditLog = this.component('audit', () => new AuditLog(this, 'audit-log', {
      ...audit,
      database: { host: stores.postgres.host, port: stores.postgres.port, peer: stores.postgres.peer, sslMode },
      adminPassword: s.postgresAdmin,
      rolePasswords: { app: s.postgresApp, archiver: s.postgresArchiver, retention: s.postgresRetention },
    }));
    stores.postgres.allowFrom(NetworkPeer.workload(this.auditLog.migration), AIOPS_REASONS.migration);
    stores.postgres.allowFrom(NetworkPeer.workload(this.auditLog.retention), AIOPS_REASONS.retention);
    this.finish();
  }
}


