/**
 * The operational settings every workload of the library takes (tolerations, node placement,
 * priority, disruption budget, update strategy, resources, extra env and read-only volumes, labels,
 * annotations, a CA bundle). Every ready chart exposes them per component, under the component's key.
 *
 * These are the library's own types: no cdk8s-plus type appears in them, so an app built on another
 * cdk8s-plus version type-checks against them (docs/design-notes.md).
 */

/** Transport protocol of a port. */
export enum Protocol {
  TCP = 'TCP',
  UDP = 'UDP',
  SCTP = 'SCTP',
}

/** Expected type of a host path (Kubernetes `hostPath.type`). */
export enum HostPathType {
  /** No check before mounting. */
  UNSET = '',
  DIRECTORY = 'Directory',
  DIRECTORY_OR_CREATE = 'DirectoryOrCreate',
  FILE = 'File',
  FILE_OR_CREATE = 'FileOrCreate',
  SOCKET = 'Socket',
  CHAR_DEVICE = 'CharDevice',
  BLOCK_DEVICE = 'BlockDevice',
}

/** DNS policy of a pod. */
export enum DnsPolicy {
  CLUSTER_FIRST = 'ClusterFirst',
  CLUSTER_FIRST_WITH_HOST_NET = 'ClusterFirstWithHostNet',
  DEFAULT = 'Default',
  NONE = 'None',
}

/** The effect of a taint that a toleration matches. */
export enum TaintEffect {
  NO_SCHEDULE = 'NoSchedule',
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  NO_EXECUTE = 'NoExecute',
}

/** How a toleration matches a taint's value. */
export enum TolerationOperator {
  /** Any value (and, without a key, any taint). */
  EXISTS = 'Exists',
  /** The taint's value equals `value`. */
  EQUAL = 'Equal',
}

/** One toleration, written as Kubernetes takes it. */
export interface Toleration {
  /**
   * Taint key; leave it out with `EXISTS` to tolerate every taint.
   * @default - every key
   */
  readonly key?: string;
  /**
   * How the toleration matches the taint's value: `EQUAL` compares it with `value`, `EXISTS` accepts any value.
   * @default TolerationOperator.EQUAL when a value is given, EXISTS otherwise
   */
  readonly operator?: TolerationOperator;
  /**
   * Taint value to match with `EQUAL`; leave it out with `EXISTS`.
   * @default - none
   */
  readonly value?: string;
  /**
   * Taint effect to tolerate (`NoSchedule`, `PreferNoSchedule` or `NoExecute`).
   * @default - every effect
   */
  readonly effect?: TaintEffect;
  /**
   * How long a pod stays on a node after a matching NoExecute taint appears.
   * @default - for ever
   */
  readonly tolerationSeconds?: number;
}

/** What the scheduler does when a topology spread constraint cannot be met. */
export enum WhenUnsatisfiable {
  DO_NOT_SCHEDULE = 'DoNotSchedule',
  SCHEDULE_ANYWAY = 'ScheduleAnyway',
}

/** Spread the workload's pods over a topology (zones, nodes); the selector is the workload's own. */
export interface TopologySpread {
  /** Node label of the topology, e.g. `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /**
   * Largest allowed difference in the number of the workload's pods between any two domains of the topology.
   * @default 1
   */
  readonly maxSkew?: number;
  /**
   * What the scheduler does when placing a pod would exceed `maxSkew`: leave it pending (`DO_NOT_SCHEDULE`),
   * or schedule it anyway, preferring nodes that reduce the skew (`SCHEDULE_ANYWAY`).
   * @default WhenUnsatisfiable.SCHEDULE_ANYWAY
   */
  readonly whenUnsatisfiable?: WhenUnsatisfiable;
}

/**
 * Node and pod (anti-)affinity, in the shape of the Kubernetes `Affinity` object
 * (`nodeAffinity`, `podAffinity`, `podAntiAffinity`), written into the pod spec as given.
 */
export interface Affinity {
  /**
   * Kubernetes `NodeAffinity` object (`requiredDuringSchedulingIgnoredDuringExecution`, ...), written as given.
   * @default - none
   */
  readonly nodeAffinity?: Record<string, unknown>;
  /**
   * Kubernetes `PodAffinity` object: place the pods near pods with matching labels, written as given.
   * @default - none
   */
  readonly podAffinity?: Record<string, unknown>;
  /**
   * Kubernetes `PodAntiAffinity` object: keep the pods away from pods with matching labels, written as given.
   * @default - none
   */
  readonly podAntiAffinity?: Record<string, unknown>;
}

/** The PodDisruptionBudget of a Deployment or StatefulSet with more than one replica. Give at most one field. */
export interface DisruptionBudget {
  /**
   * Pods that may be down at once during a voluntary disruption (a node drain), a number or "25%".
   * @default 1
   */
  readonly maxUnavailable?: number | string;
  /**
   * Pods that must stay up, a number or a percentage.
   * @default - maxUnavailable is used
   */
  readonly minAvailable?: number | string;
}

/** How a DaemonSet replaces its pods on an update. */
export interface DaemonSetUpdateStrategy {
  /**
   * Replace pods only when they are deleted by hand (`OnDelete`) instead of rolling.
   * @default false
   */
  readonly onDelete?: boolean;
  /**
   * Nodes whose pod may be down at once during a rolling update, a number or a percentage.
   * @default 1
   */
  readonly maxUnavailable?: number | string;
  /**
   * Nodes that may run an old and a new pod at once, a number or a percentage (then maxUnavailable must be 0).
   * @default 0
   */
  readonly maxSurge?: number | string;
}

/** Requests and limits; sized for an agent rather than cdk8s-plus's 1 CPU / 2 GiB defaults. */
export interface ResourceSizing {
  /**
   * CPU request, a Kubernetes quantity (e.g. `"50m"`, `"0.5"`): what the scheduler reserves for the container.
   * @default "50m"
   */
  readonly cpuRequest?: string;
  /**
   * CPU limit, a Kubernetes quantity (e.g. `"500m"`): the container is throttled above it.
   * @default "500m"
   */
  readonly cpuLimit?: string;
  /**
   * Memory request, a Kubernetes quantity (e.g. `"64Mi"`): what the scheduler reserves for the container.
   * @default "64Mi"
   */
  readonly memoryRequest?: string;
  /**
   * Memory limit, a Kubernetes quantity (e.g. `"256Mi"`): the container is OOM-killed above it.
   * @default "256Mi"
   */
  readonly memoryLimit?: string;
}

/**
 * A volume mounted read-only into every container of the workload. Exactly one source: a ConfigMap or
 * a PersistentVolumeClaim (credentials go through `SecretSource`, host paths through `hostMounts`,
 * which carry a reason).
 */
export interface ExtraVolume {
  /** Volume name, a DNS-1123 label unique in the pod. */
  readonly name: string;
  /** Absolute path in the containers. */
  readonly mountPath: string;
  /**
   * Name of a ConfigMap in the workload's namespace to mount; give this or `persistentVolumeClaim`.
   * @default - none
   */
  readonly configMap?: string;
  /**
   * Name of a PersistentVolumeClaim in the workload's namespace to mount read-only; give this or `configMap`.
   * @default - none
   */
  readonly persistentVolumeClaim?: string;
}

/**
 * A custom CA bundle (a corporate root, a TLS-intercepting proxy's CA), from a ConfigMap, mounted
 * read-only into every container at `CA_BUNDLE_PATH`, with the env vars common TLS stacks read:
 * `SSL_CERT_FILE` (Go, OpenSSL, Python's ssl, Ruby), `REQUESTS_CA_BUNDLE` (Python requests),
 * `CURL_CA_BUNDLE` (curl), `NODE_EXTRA_CA_CERTS` (Node.js) and `AWS_CA_BUNDLE` (AWS SDKs).
 * `SSL_CERT_FILE` and `REQUESTS_CA_BUNDLE` replace the image's trust store, so the ConfigMap must hold
 * the whole bundle (public roots as well as your own), as trust-manager's Bundles do.
 */
export interface CaBundle {
  /** Name of the ConfigMap in the workload's namespace. */
  readonly configMap: string;
  /**
   * Key of the PEM bundle in the ConfigMap.
   * @default "ca.crt"
   */
  readonly key?: string;
}

/** Where the CA bundle is mounted in every container. */
export const CA_BUNDLE_PATH = '/etc/ssl/secure-agents/ca.crt';

/** The env vars set to `CA_BUNDLE_PATH` when a CA bundle is given. */
export const CA_BUNDLE_ENV: readonly string[] = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS', 'AWS_CA_BUNDLE'];

/** The node-critical priority class that node agents default to. */
export const NODE_CRITICAL_PRIORITY_CLASS = 'system-node-critical';

/** Why a node agent tolerates every taint by default; written into the output next to the tolerations. */
export const TOLERATE_ALL_REASON = 'a node agent must run on every node, tainted ones included (control plane, GPU and dedicated pools), or those nodes go unobserved';

/**
 * The operational settings of one workload. Every ready chart takes them under each component's key
 * (`digger: { image, tolerations, resources, ... }`).
 */
export interface WorkloadSettings {
  /**
   * Tolerations. A DaemonSet (node agent) tolerates every taint by default (`TOLERATE_ALL_REASON`,
   * written as `reasons.secure-agents.io/tolerations`); give a list to narrow it.
   * @default - every taint for a DaemonSet, none for other kinds
   */
  readonly tolerations?: Toleration[];
  /**
   * Node labels the pods' nodes must carry (`nodeSelector`), e.g. `{ "kubernetes.io/os": "linux" }`.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Node and pod (anti-)affinity of the pods, written into the pod spec as given.
   * @default - none
   */
  readonly affinity?: Affinity;
  /**
   * Topology spread constraints of the pods, each selecting the workload's own pods.
   * @default - none
   */
  readonly topologySpread?: TopologySpread[];
  /**
   * PriorityClass of the pods; `""` for none. `system-node-critical` outside kube-system needs a
   * ResourceQuota scoped to it in the namespace on clusters that limit it (GKE; `FamilyChart` emits one).
   * @default "system-node-critical" for a DaemonSet, none otherwise
   */
  readonly priorityClassName?: string;
  /**
   * The PodDisruptionBudget, emitted for a Deployment or StatefulSet with more than one replica.
   * @default - maxUnavailable 1
   */
  readonly disruptionBudget?: DisruptionBudget;
  /**
   * How a DaemonSet rolls out (ignored by other kinds).
   * @default - RollingUpdate, maxUnavailable 1, maxSurge 0
   */
  readonly updateStrategy?: DaemonSetUpdateStrategy;
  /**
   * CPU and memory requests and limits of the main container; a value left out takes the workload's default.
   * @default - the workload's own sizing
   */
  readonly resources?: ResourceSizing;
  /**
   * Plain (non-secret) environment variables of the main container. Secrets are files (`SecretSource`).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Extra volumes, mounted read-only into every container.
   * @default - none
   */
  readonly extraVolumes?: ExtraVolume[];
  /**
   * Extra labels on every object of the workload.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Extra annotations on the workload object and its pod template.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Extra annotations on the pod template only (e.g. Vault Agent annotations).
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * A custom CA bundle, mounted read-only into every container with the TLS env vars.
   * @default - the image's trust store
   */
  readonly caBundle?: CaBundle;
  /**
   * Replicas of a Deployment or StatefulSet.
   * @default - the workload's default (1 for most)
   */
  readonly replicas?: number;
  /**
   * Names of dockerconfigjson Secrets for pulling images (added to the chart's).
   * @default - none
   */
  readonly imagePullSecrets?: string[];
}
