import { createHash } from 'crypto';
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AgentWorkload, WorkloadKind, WorkloadOptions } from '../agent-workload';
import { checkCidr, NetworkPeer, Ports } from '../network';
import { KubernetesSecretSource, SecretSource, VaultSecretSource } from '../secrets';
import { PropValidator } from '../validation';
import { SensorWorkload } from './sensor-workload';

/** The broker's client listener (TLS), which the sensor components connect to. */
export const BUS_CLIENT_PORT = 9092;
/** The broker's controller listener (TLS, KRaft quorum), used only between broker pods. */
export const BUS_CONTROLLER_PORT = 9093;

/**
 * What the sensor's components use the bus for, by component: the reason of each client's egress
 * rule (and of the broker's matching ingress rule).
 */
export const BUS_CLIENT_REASONS: Readonly<Record<string, string>> = {
  interceptor: 'produces traffic events, heartbeats and control responses to the message bus, and consumes control requests and IP lists from it',
  digger: 'consumes the interceptors\' traffic events from the message bus and logs its findings through it',
  'detection-tool': 'consumes classification requests from the message bus and logs through it',
};

/** The environment variables a connected client gets (the names are this library's; map them in the vendor's config). */
export const BUS_ENV = {
  bootstrapServers: 'KAFKA_BOOTSTRAP_SERVERS',
  securityProtocol: 'KAFKA_SECURITY_PROTOCOL',
  caFile: 'KAFKA_SSL_CA_FILE',
  saslMechanism: 'KAFKA_SASL_MECHANISM',
  saslUsernameFile: 'KAFKA_SASL_USERNAME_FILE',
  saslPasswordFile: 'KAFKA_SASL_PASSWORD_FILE',
} as const;

/**
 * The Kafka message bus that the sensor's components talk through. Two kinds: an in-cluster KRaft
 * broker (`SensorMessageBroker`) and an external broker (`ExternalMessageBus`). `connect()` wires
 * one client: the client's egress rule, the broker's ingress rule, the client's environment and its
 * credential files.
 */
export interface ISensorMessageBus {
  /** `host:port,host:port`, as clients are given it. */
  readonly bootstrapServers: string;
  /** `SSL` (in-cluster: TLS, no SASL) or `SASL_SSL` (external: TLS and SASL credentials). */
  readonly securityProtocol: 'SSL' | 'SASL_SSL';
  /**
   * Wires a sensor workload to the bus. A host-network client (the interceptor) has no NetworkPolicy
   * of its own; the broker's ingress then admits the node addresses.
   * @param reason what the client does on the bus; written to both sides' policy reasons.
   */
  connect(client: SensorWorkload, reason: string): void;
}

/** SASL credentials for an external broker. */
export interface BusSaslCredentials {
  /**
   * The SASL mechanism.
   * @default "SCRAM-SHA-512"
   */
  readonly mechanism?: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN';
  /**
   * The username and password, as a Kubernetes Secret or ExternalSecret with the keys `username`
   * and `password`; mounted read-only into each client, paths in KAFKA_SASL_USERNAME_FILE and
   * KAFKA_SASL_PASSWORD_FILE. Vault is refused here: the bus does not open the clients' way to Vault.
   */
  readonly credentials: SecretSource;
}

export interface ExternalMessageBusProps {
  /** The brokers' `host:port` addresses. */
  readonly bootstrapServers: string[];
  /** The brokers' addresses as CIDRs: the clients' egress rule (a NetworkPolicy cannot name hosts). */
  readonly cidrs: string[];
  /** SASL credentials; always with TLS (`SASL_SSL`). */
  readonly sasl: BusSaslCredentials;
  /**
   * The CA that signed the brokers' certificates, as a Secret with the key `ca.crt`.
   * @default - the clients' system trust store (a broker with a public certificate)
   */
  readonly ca?: SecretSource;
}

function bootstrapCheck(v: PropValidator, prop: string, servers: unknown): string[] {
  if (!Array.isArray(servers) || servers.length === 0) v.fail('missing-bootstrap-servers', prop, servers, 'lists no broker', 'give e.g. ["kafka-1.example.com:9093"]');
  return (servers as unknown[]).map((s, i) => {
    if (typeof s !== 'string' || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:\d{1,5}$/.test(s) || Number(s.split(':')[1]) > 65535) {
      v.fail('invalid-address', `${prop}[${i}]`, s, 'is not host:port', 'use e.g. "kafka-1.example.com:9093"');
    }
    return s;
  });
}

function noVault(v: PropValidator, prop: string, source: unknown): SecretSource {
  if (!(source instanceof SecretSource)) {
    v.fail(typeof source === 'string' ? 'secret-as-literal' : 'missing-secret', prop, typeof source === 'string' ? '(a literal string, not shown)' : source,
      typeof source === 'string' ? 'is a literal value; credentials must come from outside the manifests' : 'is missing',
      'give SecretSource.kubernetesSecret({...}) or SecretSource.externalSecret({...})');
  }
  if (source instanceof VaultSecretSource) {
    v.fail('vault-not-supported', prop, source.name, 'comes from Vault, but the bus does not open its clients\' way to the Vault server', 'give SecretSource.kubernetesSecret({...}) or SecretSource.externalSecret({...})');
  }
  return source;
}

/**
 * An external Kafka broker (a managed service or the customer's own), reached over TLS with SASL
 * credentials from a `SecretSource`. Each connected client gets egress to the brokers' CIDRs on
 * their ports, the bootstrap list, and the credential files.
 */
export class ExternalMessageBus extends Construct implements ISensorMessageBus {
  public readonly bootstrapServers: string;
  public readonly securityProtocol = 'SASL_SSL' as const;
  public readonly mechanism: string;
  private readonly cidrs: string[];
  private readonly ports: number[];
  private readonly credentials: SecretSource;
  private readonly ca?: SecretSource;
  private readonly v: PropValidator;

  constructor(scope: Construct, id: string, props: ExternalMessageBusProps) {
    super(scope, id);
    const v = (this.v = new PropValidator('ExternalMessageBus', this.node.path));
    if (!props || typeof props !== 'object') v.fail('missing-props', 'props', props, 'are missing', 'give bootstrapServers, cidrs and sasl');
    const servers = bootstrapCheck(v, 'bootstrapServers', props.bootstrapServers);
    this.bootstrapServers = servers.join(',');
    this.ports = [...new Set(servers.map((s) => Number(s.split(':')[1])))].sort((a, b) => a - b);
    if (!Array.isArray(props.cidrs) || props.cidrs.length === 0) v.fail('missing-cidrs', 'cidrs', props.cidrs, 'lists no address', 'give the brokers\' addresses, e.g. ["203.0.113.10/32"]');
    props.cidrs.forEach((c, i) => checkCidr(v, `cidrs[${i}]`, c));
    this.cidrs = [...props.cidrs];
    if (!props.sasl || typeof props.sasl !== 'object') v.fail('missing-sasl', 'sasl', props.sasl, 'is missing: an external broker is reached with SASL credentials', 'give { credentials: SecretSource.kubernetesSecret({ name: "bus-credentials", keys: ["username", "password"] }) }');
    this.mechanism = v.oneOf('invalid-mechanism', 'sasl.mechanism', props.sasl.mechanism ?? 'SCRAM-SHA-512', { a: 'SCRAM-SHA-512', b: 'SCRAM-SHA-256', c: 'PLAIN' }, 'a SASL mechanism');
    this.credentials = noVault(v, 'sasl.credentials', props.sasl.credentials);
    if (props.ca !== undefined) this.ca = noVault(v, 'ca', props.ca);
  }

  public connect(client: SensorWorkload, reason: string): void {
    if (client.networkPolicy) {
      client.networkPolicy.allowEgressTo(NetworkPeer.cidrs(this.cidrs, { label: 'message bus (external brokers)' }), this.ports.map((p) => Ports.tcp(p)), reason);
    }
    const files = this.credentials.mountInto(client).files;
    const username = files.username;
    const password = files.password;
    if (!username || !password) {
      this.v.fail('missing-credential-keys', 'sasl.credentials', Object.keys(files), 'does not project the keys "username" and "password"', 'give keys: ["username", "password"]');
    }
    const env: Record<string, string> = {
      [BUS_ENV.bootstrapServers]: this.bootstrapServers,
      [BUS_ENV.securityProtocol]: this.securityProtocol,
      [BUS_ENV.saslMechanism]: this.mechanism,
      [BUS_ENV.saslUsernameFile]: username,
      [BUS_ENV.saslPasswordFile]: password,
    };
    if (this.ca) {
      const ca = this.ca.mountInto(client).files['ca.crt'];
      if (!ca) this.v.fail('missing-ca-key', 'ca', this.ca, 'does not project the key "ca.crt"', 'give keys: ["ca.crt"]');
      env[BUS_ENV.caFile] = ca;
    }
    for (const [k, value] of Object.entries(env)) client.mainContainer.env.addVariable(k, kplus.EnvValue.fromValue(value));
  }
}

export interface SensorMessageBrokerProps extends WorkloadOptions {
  /**
   * The broker's TLS certificate: a Secret with `tls.crt` (naming `<name>.<namespace>.svc` and
   * `*.<name>.<namespace>.svc`), `tls.key` and `ca.crt`, as cert-manager writes it. Clients get
   * only `ca.crt` of the same Secret.
   */
  readonly tlsSecretName: string;
  /**
   * Broker pods: 1, or 3 for a KRaft quorum that survives the loss of one.
   * @default 1
   */
  readonly replicas?: 1 | 3;
  /**
   * Size of each broker's data volume (a PersistentVolumeClaim per pod).
   * @default "10Gi"
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The nodes' addresses: the interceptor runs on the host network, so its connections come from
   * them. Required to connect a host-network client.
   * @default - none
   */
  readonly nodeCidrs?: string[];
  /**
   * Let clients create topics on first use (`auto.create.topics.enable`).
   * @default true - the vendor's components do not ship a topic list to create beforehand
   */
  readonly autoCreateTopics?: boolean;
}

/**
 * An in-cluster Kafka broker in KRaft mode (no ZooKeeper), for the sensor's components to talk
 * through: a StatefulSet of the upstream `apache/kafka` image run as its own UID 1000 (`appuser`),
 * non-root, read-only root filesystem, no capability, no API token (its ServiceAccount has none), a
 * PersistentVolumeClaim per pod for the log directory, and a default-deny network policy that admits
 * only the connected sensor components on the TLS client port, and the broker pods to each other.
 *
 * Both listeners use TLS (PEM key store and trust store, Kafka 2.7 and later): an init container
 * joins `tls.key` and `tls.crt` into the key store file in a memory-backed emptyDir, writes
 * `server.properties` with the pod's node id, and formats the log directory
 * (`kafka-storage.sh format --ignore-formatted`); the main container runs `kafka-server-start.sh`.
 * Clients authenticate the broker by the CA; the broker does not ask clients for certificates, so
 * who may connect is decided by the network policy.
 */
export class SensorMessageBroker extends SensorWorkload implements ISensorMessageBus {
  public readonly bootstrapServers: string;
  public readonly securityProtocol = 'SSL' as const;
  public readonly brokerReplicas: number;
  public readonly clusterId: string;
  /** The Secret clients read `ca.crt` from. */
  public readonly clientCa: KubernetesSecretSource;
  private readonly nodeCidrs?: string[];

  constructor(scope: Construct, id: string, props: SensorMessageBrokerProps) {
    const replicas = props?.replicas ?? 1;
    super(scope, id, {
      ...props,
      kind: WorkloadKind.STATEFUL_SET,
      component: 'message-bus',
      replicas,
      ports: [{ name: 'clients', port: BUS_CLIENT_PORT }, { name: 'controller', port: BUS_CONTROLLER_PORT }],
      resources: props?.resources ?? { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '768Mi', memoryLimit: '1Gi' },
      env: { ...(props?.env ?? {}), KAFKA_HEAP_OPTS: '-Xms512m -Xmx512m', LOG_DIR: '/tmp/kafka-logs' },
      command: ['/opt/kafka/bin/kafka-server-start.sh', '/run/kafka/server.properties'],
    });
    const v = this.v;
    if (replicas !== 1 && replicas !== 3) v.fail('invalid-replicas', 'replicas', replicas, 'is neither 1 nor 3', 'use 1, or 3 for a quorum that survives the loss of one broker');
    this.brokerReplicas = replicas;
    const ns = this.namespace ?? 'default';
    const tlsSecret = v.dnsSubdomain('tlsSecretName', props.tlsSecretName);
    const storage = v.memory('storageSize', props.storageSize ?? '10Gi');
    if (props.nodeCidrs !== undefined) {
      if (!Array.isArray(props.nodeCidrs) || props.nodeCidrs.length === 0) v.fail('empty-cidrs', 'nodeCidrs', props.nodeCidrs, 'lists no address', 'give the node CIDRs, e.g. ["10.0.0.0/16"]');
      props.nodeCidrs.forEach((c, i) => checkCidr(v, `nodeCidrs[${i}]`, c));
      this.nodeCidrs = [...props.nodeCidrs];
    }
    const host = (i: number) => `${this.name}-${i}.${this.name}.${ns}.svc`;
    this.bootstrapServers = Array.from({ length: replicas }, (_, i) => `${host(i)}:${BUS_CLIENT_PORT}`).join(',');
    // A KRaft cluster id is 16 bytes, base64url: derived from the namespace and name, so synthesis is deterministic.
    this.clusterId = createHash('sha256').update(`${ns}/${this.name}`).digest().subarray(0, 16).toString('base64url');

    const voters = Array.from({ length: replicas }, (_, i) => `${i}@${host(i)}:${BUS_CONTROLLER_PORT}`).join(',');
    const rf = Math.min(replicas, 3);
    const properties = [
      'process.roles=broker,controller',
      'node.id=@NODE_ID@',
      `controller.quorum.voters=${voters}`,
      'controller.listener.names=CONTROLLER',
      `listeners=CLIENTS://:${BUS_CLIENT_PORT},CONTROLLER://:${BUS_CONTROLLER_PORT}`,
      `advertised.listeners=CLIENTS://@HOST@.${this.name}.${ns}.svc:${BUS_CLIENT_PORT}`,
      'listener.security.protocol.map=CLIENTS:SSL,CONTROLLER:SSL',
      'inter.broker.listener.name=CLIENTS',
      'log.dirs=/var/lib/kafka/data',
      'ssl.keystore.type=PEM',
      'ssl.keystore.location=/run/kafka/keystore.pem',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=/etc/secrets/${tlsSecret}/ca.crt`,
      'ssl.client.auth=none',
      `auto.create.topics.enable=${props.autoCreateTopics ?? true}`,
      `offsets.topic.replication.factor=${rf}`,
      `transaction.state.log.replication.factor=${rf}`,
      `transaction.state.log.min.isr=${rf === 3 ? 2 : 1}`,
      `default.replication.factor=${rf}`,
      `min.insync.replicas=${rf === 3 ? 2 : 1}`,
      '',
    ].join('\n');
    const config = new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${this.name}-config`, namespace: this.namespace, labels: this.labels },
      data: { 'server.properties.template': properties },
    });
    const configRef = kplus.ConfigMap.fromConfigMapName(this, 'config-ref', config.name);
    const configVolume = kplus.Volume.fromConfigMap(this, 'config-volume', configRef, { name: 'config', defaultMode: 0o444 });
    const run = kplus.Volume.fromEmptyDir(this, 'run', 'run', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });
    this.clientCa = new KubernetesSecretSource({ name: tlsSecret, keys: ['ca.crt'], defaultMode: 0o440 }, 'SensorMessageBroker tlsSecretName');

    const init = this.addInitContainer({
      name: 'format',
      image: props.image,
      imageDigest: props.imageDigest,
      command: ['/bin/bash', '-ec', [
        'id="${HOSTNAME##*-}"',
        'sed -e "s/@NODE_ID@/${id}/" -e "s/@HOST@/${HOSTNAME}/" /etc/kafka/template/server.properties.template > /run/kafka/server.properties',
        'cat /etc/broker-tls/tls.key /etc/broker-tls/tls.crt > /run/kafka/keystore.pem',
        `/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "${this.clusterId}" -c /run/kafka/server.properties`,
      ].join('\n')],
      env: { LOG_DIR: '/tmp/kafka-logs' },
      resources: { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    });
    init.mount('/etc/kafka/template', configVolume, { readOnly: true });
    init.mount('/run/kafka', run);
    init.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'init-tmp', 'init-tmp', { sizeLimit: Size.mebibytes(64) }));
    // The key reaches the init container only, which writes the PEM key store into the memory-backed
    // emptyDir; the broker container reads that and the CA (the same ca.crt file clients get).
    const keyRef = kplus.Secret.fromSecretName(this, 'broker-tls-ref', tlsSecret);
    init.mount('/etc/broker-tls', kplus.Volume.fromSecret(this, 'broker-tls', keyRef, {
      name: 'broker-tls', defaultMode: 0o440, optional: false, items: { 'tls.key': { path: 'tls.key' }, 'tls.crt': { path: 'tls.crt' } },
    }), { readOnly: true });
    this.mainContainer.mount('/run/kafka', run, { readOnly: true });
    this.clientCa.mountInto(this);

    // The data volume: one PVC per pod from the claim template, mounted in both containers. Patched
    // with cdk8s-plus's field names (DESIGN.md, escape hatches); the tests find it in the output.
    const sts = ApiObject.of(this.workload);
    sts.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [{
      metadata: { name: 'data', labels: this.labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(props.storageClassName !== undefined ? { storageClassName: v.dnsSubdomain('storageClassName', props.storageClassName) } : {}),
        resources: { requests: { storage: { value: storage } } },
      },
    }]));
    // The KRaft voters must all start for the quorum to form: start the brokers together, not one by one.
    sts.addJsonPatch(JsonPatch.replace('/spec/podManagementPolicy', 'Parallel'));
    for (const list of ['initContainers', 'containers']) {
      sts.addJsonPatch(JsonPatch.add(`/spec/template/spec/${list}/0/volumeMounts/-`, { name: 'data', mountPath: '/var/lib/kafka/data' }));
    }

    const pol = this.policy();
    pol.allowIngressFrom(NetworkPeer.workload(this), [Ports.tcp(BUS_CLIENT_PORT), Ports.tcp(BUS_CONTROLLER_PORT)], 'brokers replicate partitions to each other and hold the KRaft controller quorum');
    pol.allowEgressTo(NetworkPeer.workload(this), [Ports.tcp(BUS_CLIENT_PORT), Ports.tcp(BUS_CONTROLLER_PORT)], 'brokers replicate partitions to each other and hold the KRaft controller quorum');
  }

  public connect(client: SensorWorkload, reason: string): void {
    const why = this.v.reason('connect reason', reason);
    const ports = [Ports.tcp(BUS_CLIENT_PORT)];
    if (client.hostNetwork) {
      if (!this.nodeCidrs) {
        this.v.fail('missing-node-cidrs', 'nodeCidrs', undefined, `are required to connect ${client.name}, which runs on the host network, so its connections come from the nodes' addresses`, 'give nodeCidrs, e.g. ["10.0.0.0/16"]');
      }
      this.policy().allowIngressFrom(NetworkPeer.cidrs(this.nodeCidrs, { label: 'nodes (host-network sensor components)' }), ports, why);
    } else {
      this.policy().allowIngressFrom(NetworkPeer.workload(client), ports, why);
      client.networkPolicy?.allowEgressTo(NetworkPeer.workload(this), ports, why);
    }
    const ca = this.clientCa.mountInto(client).files['ca.crt'];
    const env: Record<string, string> = {
      [BUS_ENV.bootstrapServers]: this.bootstrapServers,
      [BUS_ENV.securityProtocol]: this.securityProtocol,
      [BUS_ENV.caFile]: ca,
    };
    for (const [k, value] of Object.entries(env)) client.mainContainer.env.addVariable(k, kplus.EnvValue.fromValue(value));
  }
}

/** Whether a workload is a message bus client we know the reason for. */
export function busReasonFor(workload: AgentWorkload): string | undefined {
  return BUS_CLIENT_REASONS[workload.labelProps.component];
}
