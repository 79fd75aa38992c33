import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AgentWorkload, PolicyRule, ResourceSizing } from '../agent-workload';
import { standardLabels } from '../labels';
import { IIngressPeer, NetworkPeer, Ports, WorkloadNetworkPolicy } from '../network';
import { PropValidator } from '../validation';
import { VaultSecretSource } from '../secrets';
import { AIOPS_SECRETS_DIR, mountSecretFile, SecretKeyRef, secretRef } from './secret-ref';
import { AiopsStoreKind, IAiopsStore } from './stores';

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
  readonly role: AccessRole;
  /** Identity-provider groups that hold the role. */
  readonly groups: string[];
  /** Namespaces the role covers; `["*"]` for every namespace. */
  readonly namespaces: string[];
}

/** The Kubernetes kinds the API reads: get, list and watch only, never secrets. */
export const AIOPS_API_READ_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'events', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
];

/** Addresses the LLM provider rule excludes: the private ranges, so HTTPS cannot reach the cluster or the VPC. */
// 169.254.0.0/16 holds the cloud metadata endpoint (node credentials): excepted like the private ranges.
export const LLM_EGRESS_EXCEPT: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'];

export interface AiopsApiProps {
  /** Image of the API, pinned. */
  readonly image: string;
  /** @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * The LLM provider's API key: a Secret mounted as a file, or a file rendered by the Vault Agent
   * Injector (`SecretSource.vault({...})`).
   */
  readonly llmApiKey: SecretKeyRef | VaultSecretSource;
  /** The stores; the API's password for each is mounted as a file. */
  readonly postgres: IAiopsStore;
  readonly redis: IAiopsStore;
  readonly qdrant: IAiopsStore;
  /**
   * The Secret with the password the API presents to PostgreSQL (the audit log's application role).
   * @default - the PostgreSQL store's password
   */
  readonly postgresPassword?: SecretKeyRef;
  /** Addresses of the Kubernetes API server (a NetworkPolicy cannot name it). */
  readonly apiServerCidrs: string[];
  /**
   * Port of the API server as the pods reach it.
   * @default 6443
   */
  readonly apiServerPort?: number;
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
   * Extra annotations on the pod template, e.g. from the secrets module's Vault Agent.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Who may call the API on its port (the API gateway, typically).
   * @default - nobody; add callers with `allowFrom()`
   */
  readonly clients?: IIngressPeer[];
  /** @default 2 */
  readonly replicas?: number;
  /** @default - cpu 100m/1, memory 256Mi/1Gi */
  readonly resources?: ResourceSizing;
  /**
   * Port the API listens on.
   * @default 8080
   */
  readonly port?: number;
}

/**
 * The AIOps API: a Deployment with its own ServiceAccount bound to a read-only ClusterRole, every
 * secret a mounted file, a config ConfigMap (endpoints, secret file paths and access roles) and a
 * default-deny NetworkPolicy that allows exactly Prometheus, the API server, the three stores, HTTPS
 * to public addresses (the LLM provider) and DNS.
 */
export class AiopsApi extends Construct {
  public readonly workload: AgentWorkload;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  public readonly configMap: kplus.ConfigMap;
  public readonly clusterRole: Construct;
  public readonly apiServerPort: number;
  public readonly prometheusPort: number;
  public readonly prometheusNamespace: string;
  public readonly port: number;
  public readonly accessRoles: readonly AccessRoleBinding[];
  /** Path of each secret file in the container, by name. */
  public readonly secretFiles: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: AiopsApiProps) {
    super(scope, id);
    const v = new PropValidator('AiopsApi', this.node.path);
    this.apiServerPort = v.port('apiServerPort', props.apiServerPort ?? 6443);
    this.prometheusPort = v.port('prometheusPort', props.prometheusPort ?? 9090);
    this.port = v.port('port', props.port ?? 8080);
    this.prometheusNamespace = v.dnsLabel('prometheusNamespace', props.prometheusNamespace ?? 'monitoring');
    this.accessRoles = checkAccessRoles(v, props.accessRoles ?? []);
    const llmFromVault = props.llmApiKey instanceof VaultSecretSource ? props.llmApiKey : undefined;
    const llmKey = llmFromVault ? undefined : secretRef(v, 'llmApiKey', props.llmApiKey as SecretKeyRef, 'api-key');
    const stores: Record<AiopsStoreKind, IAiopsStore> = {
      [AiopsStoreKind.POSTGRES]: checkStore(v, 'postgres', props.postgres, AiopsStoreKind.POSTGRES),
      [AiopsStoreKind.REDIS]: checkStore(v, 'redis', props.redis, AiopsStoreKind.REDIS),
      [AiopsStoreKind.QDRANT]: checkStore(v, 'qdrant', props.qdrant, AiopsStoreKind.QDRANT),
    };

    this.workload = new AgentWorkload(this, 'workload', {
      name: 'aiops-api',
      namespace: props.namespace,
      component: 'aiops-api',
      partOf: 'aiops',
      image: props.image,
      replicas: props.replicas ?? 2,
      ports: [{ name: 'http', port: this.port }],
      resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '1Gi' },
      env: { AIOPS_CONFIG: '/etc/aiops/config.json' },
      podAnnotations: props.podAnnotations,
    });
    this.clusterRole = this.workload.grantClusterRole([...AIOPS_API_READ_RULES], { name: 'aiops-api-read-only' });

    const files: Record<string, string> = {
      llmApiKey: llmFromVault ? llmFromVault.mountInto(this.workload).path : mountSecretFile(this.workload, 'llm', llmKey!, 'api-key'),
    };
    const passwords: Record<AiopsStoreKind, Required<SecretKeyRef>> = {
      [AiopsStoreKind.POSTGRES]: props.postgresPassword !== undefined ? secretRef(v, 'postgresPassword', props.postgresPassword) : stores.postgres.password,
      [AiopsStoreKind.REDIS]: stores.redis.password,
      [AiopsStoreKind.QDRANT]: stores.qdrant.password,
    };
    for (const kind of Object.values(AiopsStoreKind)) files[kind] = mountSecretFile(this.workload, kind, passwords[kind]);
    this.secretFiles = files;

    const namespace = this.workload.namespace;
    this.configMap = new kplus.ConfigMap(this, 'config', {
      metadata: { name: 'aiops-api-config', namespace, labels: standardLabels({ name: 'aiops-api-config', instance: 'aiops-api', component: 'aiops-api', partOf: 'aiops' }) },
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
    const configVolume = kplus.Volume.fromConfigMap(this.workload, 'config-volume', this.configMap, { name: 'config', defaultMode: 0o444 });
    this.workload.mainContainer.mount('/etc/aiops', configVolume, { readOnly: true });

    const prometheusLabels = props.prometheusLabels ?? { 'app.kubernetes.io/name': 'prometheus' };
    this.networkPolicy = new WorkloadNetworkPolicy(this, 'network-policy', { workload: this.workload })
      .allowEgressTo(NetworkPeer.pods({ labels: prometheusLabels, namespace: this.prometheusNamespace }), [Ports.tcp(this.prometheusPort)])
      .allowEgressTo(NetworkPeer.apiServer({ cidrs: props.apiServerCidrs, port: this.apiServerPort }))
      .allowEgressTo(stores.qdrant.peer, [Ports.tcp(stores.qdrant.port)])
      .allowEgressTo(stores.redis.peer, [Ports.tcp(stores.redis.port)])
      .allowEgressTo(stores.postgres.peer, [Ports.tcp(stores.postgres.port)])
      .allowEgressTo(NetworkPeer.cidrs(['0.0.0.0/0'], { except: [...LLM_EGRESS_EXCEPT] }), [Ports.tcp(443)])
      .allowDns();
    for (const store of Object.values(stores)) store.allowFrom(NetworkPeer.workload(this.workload));
    for (const client of props.clients ?? []) this.allowFrom(client);
  }

  /** Allows `peer` to call the API on its port. */
  public allowFrom(peer: IIngressPeer): this {
    this.networkPolicy.allowIngressFrom(peer, [Ports.tcp(this.port)]);
    return this;
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
