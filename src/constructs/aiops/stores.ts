import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentWorkload, WorkloadKind, WorkloadOptions } from '../agent-workload';
import { IEgressPeer, IIngressPeer, NetworkPeer, Ports, WorkloadNetworkPolicy } from '../network';
import { PropValidator } from '../validation';
import { SecretSource } from '../secrets';

/** The three stores of the AIOps API. */
export enum AiopsStoreKind {
  POSTGRES = 'postgres',
  REDIS = 'redis',
  QDRANT = 'qdrant',
}

/** Default image, port and data directory of each store. */
export const STORE_DEFAULTS: Record<AiopsStoreKind, { image: string; port: number; dataPath: string }> = {
  [AiopsStoreKind.POSTGRES]: { image: 'docker.io/library/postgres:17.2-bookworm', port: 5432, dataPath: '/var/lib/postgresql/data' },
  [AiopsStoreKind.REDIS]: { image: 'docker.io/library/redis:7.4.1-alpine', port: 6379, dataPath: '/data' },
  [AiopsStoreKind.QDRANT]: { image: 'docker.io/qdrant/qdrant:v1.12.4', port: 6333, dataPath: '/qdrant/storage' },
};

/** A store, in the cluster or outside it: what the API needs to reach it. */
export interface IAiopsStore {
  readonly kind: AiopsStoreKind;
  /** Host name the API connects to. */
  readonly host: string;
  readonly port: number;
  /** The password (or API key) the API presents, from outside the manifests. */
  readonly password: SecretSource;
  /** Where the store is, for the API's egress rule. */
  readonly peer: IEgressPeer;
  /** Allows `peer` to connect to an in-cluster store (with the reason, written to its policy); a no-op for an external one. */
  allowFrom(peer: IIngressPeer, reason?: string): void;
}

/** Props of a store that the chart runs as a StatefulSet. */
export interface InClusterStoreProps extends Omit<WorkloadOptions, 'image'> {
  readonly kind: AiopsStoreKind;
  /** The store's password (PostgreSQL superuser, Redis AUTH, Qdrant API key): one file. */
  readonly password: SecretSource;
  /** @default - STORE_DEFAULTS[kind].image */
  readonly image?: string;
  /** @default "10Gi" */
  readonly storageSize?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
}

/**
 * PostgreSQL, Redis or Qdrant as a StatefulSet: non-root, its own ServiceAccount without a token, a
 * PersistentVolumeClaim for its data, the password read from a mounted Secret file (Redis with AUTH
 * required, Qdrant with an API key), and a default-deny NetworkPolicy that admits only who
 * `allowFrom()` names, on the store's port.
 */
export class InClusterStore extends Construct implements IAiopsStore {
  public readonly kind: AiopsStoreKind;
  public readonly host: string;
  public readonly port: number;
  public readonly password: SecretSource;
  public readonly peer: IEgressPeer;
  public readonly workload: AgentWorkload;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  public readonly storageSize: string;

  constructor(scope: Construct, id: string, props: InClusterStoreProps) {
    super(scope, id);
    const v = new PropValidator('InClusterStore', this.node.path);
    this.kind = v.oneOf('invalid-store-kind', 'kind', props?.kind, AiopsStoreKind, 'a store kind');
    const defaults = STORE_DEFAULTS[this.kind];
    this.port = defaults.port;
    this.password = checkSecret(v, 'password', props.password);
    this.storageSize = v.memory('storageSize', props.storageSize ?? '10Gi');
    const name = props.name ?? `aiops-${this.kind}`;
    const secretDir = `${AIOPS_SECRETS_DIR}/${this.kind}`;
    const secretFile = this.password.singleFile(secretDir)
      ?? v.fail('secret-not-one-file', 'password', '(a SecretSource)', 'is not exactly one file', 'name the key, e.g. SecretSource.kubernetesSecret({ name: "aiops-redis", keys: ["password"] })');
    const command = storeCommand(this.kind, secretFile, defaults.dataPath);
    this.workload = new AgentWorkload(this, 'workload', {
      ...props,
      kind: WorkloadKind.STATEFUL_SET,
      name: props.name ?? name,
      component: this.kind,
      partOf: 'aiops',
      image: props.image ?? defaults.image,
      ports: [{ name: this.kind === AiopsStoreKind.POSTGRES ? 'postgres' : this.kind, port: this.port }],
      resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '1Gi' },
      ...command,
      env: { ...(props.env ?? {}), ...(command.env ?? {}) },
    });
    this.workload.mountSecretFile('password', this.password, { mountPath: secretDir });
    this.host = `${name}.${this.workload.namespace ?? 'default'}.svc`;
    this.peer = NetworkPeer.workload(this.workload);

    // Data on a PersistentVolumeClaim per replica. cdk8s-plus-28 has no volumeClaimTemplates, so the
    // claim and its mount are patched in (both asserted in the tests, see DESIGN.md, escape hatches).
    const sts = ApiObject.of(this.workload.workload);
    sts.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [{
      metadata: { name: 'data', labels: this.workload.labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(props.storageClassName ? { storageClassName: v.dnsSubdomain('storageClassName', props.storageClassName) } : {}),
        // The L1 mapper runs after the patch and reads a Quantity's `.value`: a bare string becomes null.
        resources: { requests: { storage: { value: this.storageSize } } },
      },
    }]));
    sts.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: defaults.dataPath }));
    if (this.kind === AiopsStoreKind.POSTGRES) {
      // The server writes its socket and lock file here; the root filesystem is read-only.
      sts.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes/-', { name: 'run', emptyDir: { sizeLimit: '16Mi' } }));
      sts.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'run', mountPath: '/var/run/postgresql' }));
    }
    this.networkPolicy = this.workload.networkPolicy!;
    this.node.defaultChild = this.workload;
  }

  public allowFrom(peer: IIngressPeer, reason?: string): void {
    this.networkPolicy.allowIngressFrom(peer, [Ports.tcp(this.port)], reason);
  }
}

/** How each store starts with its password read from a file (never an env var or a command-line argument). */
function storeCommand(kind: AiopsStoreKind, file: string, dataPath: string): { command: string[]; env?: Record<string, string> } {
  switch (kind) {
    case AiopsStoreKind.POSTGRES:
      // The image reads POSTGRES_PASSWORD_FILE: the env var holds a path, not the password.
      return {
        command: ['docker-entrypoint.sh', 'postgres'],
        env: { POSTGRES_PASSWORD_FILE: file, PGDATA: `${dataPath}/pgdata`, POSTGRES_DB: 'aiops' },
      };
    case AiopsStoreKind.REDIS:
      // AUTH required: requirepass goes into a config file in /tmp, so it is not in the process list.
      return {
        command: ['sh', '-c', `umask 077 && printf 'requirepass "%s"\\nprotected-mode yes\\ndir ${dataPath}\\nappendonly yes\\n' "$(cat ${file})" > /tmp/redis.conf && exec redis-server /tmp/redis.conf`],
      };
    case AiopsStoreKind.QDRANT:
      return {
        command: ['sh', '-c', `umask 077 && printf 'service:\\n  api_key: "%s"\\nstorage:\\n  storage_path: ${dataPath}\\n  snapshots_path: /tmp/snapshots\\n' "$(cat ${file})" > /tmp/qdrant.yaml && exec /qdrant/qdrant --config-path /tmp/qdrant.yaml`],
      };
  }
}

/** Props of a store run outside the chart. */
export interface ExternalStoreProps {
  readonly kind: AiopsStoreKind;
  /** Host name of the endpoint, e.g. `aiops-db.example.internal`. */
  readonly host: string;
  /** @default - STORE_DEFAULTS[kind].port */
  readonly port?: number;
  /** Address blocks of the endpoint, for the API's egress rule (a NetworkPolicy matches addresses, not names). */
  readonly cidrs: string[];
  /** The password or API key the API presents: one file. */
  readonly password: SecretSource;
}

/** A store given as an external endpoint: the API gets an egress rule to its addresses and port. */
export class ExternalStore extends Construct implements IAiopsStore {
  public readonly kind: AiopsStoreKind;
  public readonly host: string;
  public readonly port: number;
  public readonly password: SecretSource;
  public readonly peer: IEgressPeer;

  constructor(scope: Construct, id: string, props: ExternalStoreProps) {
    super(scope, id);
    const v = new PropValidator('ExternalStore', this.node.path);
    this.kind = v.oneOf('invalid-store-kind', 'kind', props?.kind, AiopsStoreKind, 'a store kind');
    this.host = v.dnsSubdomain('host', props.host);
    this.port = v.port('port', props.port ?? STORE_DEFAULTS[this.kind].port);
    this.password = checkSecret(v, 'password', props.password);
    this.peer = NetworkPeer.cidrs(props.cidrs);
    // Checked now rather than when the API's policy renders the peer, so the error names this store.
    if (!Array.isArray(props.cidrs) || props.cidrs.length === 0) {
      v.fail('empty-cidrs', 'cidrs', props.cidrs, 'lists no address block', 'give the endpoint\'s addresses, e.g. ["203.0.113.10/32"]');
    }
    props.cidrs.forEach((c, i) => v.cidr(`cidrs[${i}]`, c));
  }

  public allowFrom(): void {
    // Outside the cluster: its own firewall decides.
  }
}


/** Where the AIOps workloads mount their credentials: `<dir>/<store or role>/<key>` (Vault: /vault/secrets/<name>). */
export const AIOPS_SECRETS_DIR = '/var/run/secrets/aiops';

/** A SecretSource, or a ValidationError that does not echo a literal. */
export function checkSecret(v: PropValidator, prop: string, source: SecretSource | undefined): SecretSource {
  if (!(source instanceof SecretSource)) {
    const literal = typeof source === 'string';
    v.fail(literal ? 'secret-as-literal' : 'missing-secret', prop, literal ? '(a literal string, not shown)' : source,
      literal ? 'is a literal value; secrets must come from outside the manifests, as a file' : 'is not a SecretSource',
      'give SecretSource.kubernetesSecret({ name: "aiops-postgres", keys: ["password"] }), SecretSource.externalSecret({...}) or SecretSource.vault({...})');
  }
  return source;
}
