import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { reasonOf, rulesOf } from '../../needs/model';
import { AIOPS_API_NEEDS, AIOPS_REASONS } from './needs';
import { AgentWorkload, PolicyRule, WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint } from '../endpoints';
import { standardLabels } from '../labels';
import { IIngressPeer, NetworkPeer, Ports, WorkloadNetworkPolicy } from '../network';
import { PropValidator } from '../validation';
import { SecretSource } from '../secrets';
import { AIOPS_SECRETS_DIR, AiopsStoreKind, checkSecret, IAiopsStore } from './stores';

/** The platform's access roles, enforced by the API gateway and reviewed with the chart. */
export enum AccessRole {
  /** Reads answers and dashboards in its namespaces. */
  VIEWER = 'viewer',
  /** Asks questions and runs read-only investigations in its namespaces. */
  ANALYST = 'analyst',
  /** Everything an analyst may, plus settings, in its namespaces. */
  ADMIN = 'admin',
}

/** One grant of an access role to a group, scoped to namespaces. */
export interface AccessRoleBinding {
  /** The access role granted to the groups (viewer, analyst or admin). */
  readonly role: AccessRole;
  /** Identity-provider groups that hold the role. */
  readonly groups: string[];
  /** Namespaces the role covers; `["*"]` for every namespace. */
  readonly namespaces: string[];
}

/** The Kubernetes kinds the API reads: get, list and watch only, never secrets. */
export const AIOPS_API_READ_RULES: readonly PolicyRule[] = rulesOf(AIOPS_API_NEEDS, ['read-core', 'read-apps', 'read-batch', 'read-events']);

export interface AiopsApiProps extends WorkloadOptions {
  /** The LLM provider's API key, delivered as one file (a Secret, an ExternalSecret, or Vault). */
  readonly llmApiKey: SecretSource;
  /** The stores; the API's password for each is mounted as a file. */
  readonly postgres: IAiopsStore;
  /** The Redis store (in the cluster or external); the API's password for it is mounted as a file. */
  readonly redis: IAiopsStore;
  /** The Qdrant vector store (in the cluster or external); the API's API key for it is mounted as a file. */
  readonly qdrant: IAiopsStore;
  /**
   * The password the API presents to PostgreSQL (the audit log's application role).
   * @default - the PostgreSQL store's password
   */
  readonly postgresPassword?: SecretSource;
  /** The Kubernetes API server (a NetworkPolicy cannot name it). */
  readonly apiServer: ApiServerEndpoint;
  /**
   * Namespace of Prometheus.
   * @default "monitoring"
   */
  readonly prometheusNamespace?: string;
  /**
   * Labels of the Prometheus pods.
   * @default { "app.kubernetes.io/name": "prometheus" }
   */
  readonly prometheusLabels?: Record<string, string>;
  /**
   * Port of Prometheus.
   * @default 9090
   */
  readonly prometheusPort?: number;
  /**
   * Access roles rendered into the API's config.
   * @default - none (the gateway grants nothing)
   */
  readonly accessRoles?: AccessRoleBinding[];
  /**
   * Who may call the API on its port (the API gateway, typically).
   * @default - nobody; add callers with `allowFrom()`
   */
  readonly clients?: IIngressPeer[];
  /**
   * Port the API listens on.
   * @default 8080
   */
  readonly port?: number;
}

/**
 * The AIOps API: a Deployment (two replicas and a disruption budget by default) with its own
 * ServiceAccount bound to a read-only ClusterRole, every secret a mounted file, a config ConfigMap
 * (endpoints, secret file paths and access roles) and a default-deny NetworkPolicy that allows
 * exactly Prometheus, the API server, the three stores, the LLM provider (through the outbound proxy,
 * or HTTPS to public addresses, link-local excepted) and DNS.
 */
export class AiopsApi extends AgentWorkload {
  declare public readonly networkPolicy: WorkloadNetworkPolicy;
  /** The ConfigMap (escape hatch: an ApiObject). */
  public readonly configMap: ApiObject;
  /**
   * The read-only ClusterRole bound to the API's ServiceAccount (`AIOPS_API_READ_RULES`: get, list and watch,
   * never Secrets).
   */
  public readonly clusterRole: Construct;
  /** Port of Prometheus that the API queries and its egress rule allows (9090 unless given). */
  public readonly prometheusPort: number;
  /** Namespace of Prometheus, in its URL and egress rule (`monitoring` unless given). */
  public readonly prometheusNamespace: string;
  /** Port the API listens on, the only one its NetworkPolicy admits callers to (8080 unless given). */
  public readonly port: number;
  /** The validated access-role bindings written into the API's config. */
  public readonly accessRoles: readonly AccessRoleBinding[];
  /** Path of each secret file in the container, by name. */
  public readonly secretFiles: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: AiopsApiProps) {
    const v = new PropValidator('AiopsApi', scope.node.path ? `${scope.node.path}/${id}` : id);
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give { image, apiServer, llmApiKey, postgres, redis, qdrant }');
    const port = v.port('port', props.port ?? 8080);
    super(scope, id, {
      ...props,
      name: props.name ?? 'aiops-api',
      component: 'aiops-api',
      partOf: 'aiops',
      replicas: props.replicas ?? 2,
      ports: [{ name: 'http', port }],
      resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '1Gi' },
      env: { ...(props.env ?? {}), AIOPS_CONFIG: '/etc/aiops/config.json' },
    });
    this.port = port;
    this.prometheusPort = v.port('prometheusPort', props.prometheusPort ?? 9090);
    this.prometheusNamespace = v.dnsLabel('prometheusNamespace', props.prometheusNamespace ?? 'monitoring');
    this.accessRoles = checkAccessRoles(v, props.accessRoles ?? []);
    const llmKey = checkSecret(v, 'llmApiKey', props.llmApiKey);
    const stores: Record<AiopsStoreKind, IAiopsStore> = {
      [AiopsStoreKind.POSTGRES]: checkStore(v, 'postgres', props.postgres, AiopsStoreKind.POSTGRES),
      [AiopsStoreKind.REDIS]: checkStore(v, 'redis', props.redis, AiopsStoreKind.REDIS),
      [AiopsStoreKind.QDRANT]: checkStore(v, 'qdrant', props.qdrant, AiopsStoreKind.QDRANT),
    };
    this.clusterRole = this.grantClusterRole([...AIOPS_API_READ_RULES], { name: 'api-read-only' });

    const files: Record<string, string> = {
      llmApiKey: this.mountSecretFile('llmApiKey', llmKey, { mountPath: `${AIOPS_SECRETS_DIR}/llm` }),
    };
    const passwords: Record<AiopsStoreKind, SecretSource> = {
      [AiopsStoreKind.POSTGRES]: props.postgresPassword !== undefined ? checkSecret(v, 'postgresPassword', props.postgresPassword) : stores.postgres.password,
      [AiopsStoreKind.REDIS]: stores.redis.password,
      [AiopsStoreKind.QDRANT]: stores.qdrant.password,
    };
    for (const kind of Object.values(AiopsStoreKind)) {
      files[kind] = this.mountSecretFile(kind === AiopsStoreKind.POSTGRES && props.postgresPassword !== undefined ? 'postgresPassword' : `${kind}.password`, passwords[kind], { mountPath: `${AIOPS_SECRETS_DIR}/${kind}` });
    }
    this.secretFiles = files;

    const namespace = this.namespace;
    const configMap = new kplus.ConfigMap(this, 'config', {
      metadata: { name: `${this.name}-config`, namespace, labels: standardLabels({ name: `${this.name}-config`, instance: this.name, component: 'aiops-api', partOf: 'aiops' }) },
      data: {
        'config.json': `${JSON.stringify({
          prometheus: { url: `http://prometheus.${this.prometheusNamespace}.svc:${this.prometheusPort}` },
          kubernetes: { inCluster: true },
          llm: { apiKeyFile: files.llmApiKey },
          stores: Object.fromEntries(Object.values(AiopsStoreKind).map((k) => [k, { host: stores[k].host, port: stores[k].port, passwordFile: files[k] }])),
          secretsDir: AIOPS_SECRETS_DIR,
          accessRoles: this.accessRoles,
        }, null, 2)}\n`,
      },
    });
    this.configMap = ApiObject.of(configMap);
    const configVolume = kplus.Volume.fromConfigMap(this, 'config-volume', configMap, { name: 'config', defaultMode: 0o444 });
    this.mainContainer.mount('/etc/aiops', configVolume, { readOnly: true });

    const prometheusLabels = props.prometheusLabels ?? { 'app.kubernetes.io/name': 'prometheus' };
    this.networkPolicy
      .allowEgressTo(NetworkPeer.pods({ labels: prometheusLabels, namespace: this.prometheusNamespace }), [Ports.tcp(this.prometheusPort)], reasonOf(AIOPS_API_NEEDS, 'prometheus'))
      .allowEgressTo(NetworkPeer.apiServer(props.apiServer), undefined, reasonOf(AIOPS_API_NEEDS, 'api-server'))
      .allowEgressTo(stores.qdrant.peer, [Ports.tcp(stores.qdrant.port)], AIOPS_REASONS.qdrant)
      .allowEgressTo(stores.redis.peer, [Ports.tcp(stores.redis.port)], AIOPS_REASONS.redis)
      .allowEgressTo(stores.postgres.peer, [Ports.tcp(stores.postgres.port)], AIOPS_REASONS.postgres);
    // The LLM provider: through the proxy when there is one, else HTTPS to public addresses only.
    this.reachOutside(NetworkPeer.internet(), [Ports.tcp(443)], reasonOf(AIOPS_API_NEEDS, 'llm'));
    this.allowDns();
    for (const [kind, store] of Object.entries(stores)) store.allowFrom(NetworkPeer.workload(this), AIOPS_REASONS[kind as 'qdrant' | 'redis' | 'postgres']);
    for (const client of this.v.list<IIngressPeer>('clients', props.clients, '[NetworkPeer.pods({ labels: { app: "gateway" } })]')) this.allowFrom(client, [Ports.tcp(this.port)], AIOPS_REASONS.clients);
  }
}

function checkStore(v: PropValidator, prop: string, store: IAiopsStore | undefined, kind: AiopsStoreKind): IAiopsStore {
  if (!store || typeof store !== 'object' || store.kind !== kind || !store.peer) {
    v.fail('invalid-store', prop, store?.kind ?? store, `is not a ${kind} store`, `pass an InClusterStore or ExternalStore of kind "${kind}"`);
  }
  return store;
}

function checkAccessRoles(v: PropValidator, bindings: AccessRoleBinding[]): AccessRoleBinding[] {
  if (!Array.isArray(bindings)) v.fail('invalid-access-roles', 'accessRoles', bindings, 'is not a list', 'give e.g. [{ role: "viewer", groups: ["sre"], namespaces: ["payments"] }]');
  return bindings.map((b, i) => {
    const p = `accessRoles[${i}]`;
    v.oneOf('unknown-access-role', `${p}.role`, b?.role, AccessRole, 'an access role');
    if (!Array.isArray(b.groups) || b.groups.length === 0 || b.groups.some((g) => typeof g !== 'string' || g.trim() === '')) {
      v.fail('invalid-groups', `${p}.groups`, b.groups, 'must list at least one non-empty group', 'give e.g. ["sre"]');
    }
    if (!Array.isArray(b.namespaces) || b.namespaces.length === 0) {
      v.fail('invalid-namespaces', `${p}.namespaces`, b.namespaces, 'must list at least one namespace', 'give e.g. ["payments"], or ["*"] for every namespace');
    }
    const namespaces = b.namespaces.map((ns, j) => (ns === '*' ? ns : v.dnsLabel(`${p}.namespaces[${j}]`, ns)));
    return { role: b.role, groups: [...b.groups], namespaces };
  });
}
