/**
 * The privilege report's data model: what each workload may do, read from manifests and Terraform JSON
 * alone. `--format json` prints a `PrivilegeReport` as is; its schema is documented in docs/report.md and
 * versioned by `schemaVersion` (a field removed or changed in meaning bumps it; a field added does not).
 */

/** The JSON schema version of `PrivilegeReport`. */
export const REPORT_SCHEMA_VERSION = 1;

/** A privilege's reason as written into the output, or null when none was written. */
export type Reason = string | null;

export interface WorkloadRef {
  /** Kind of the workload object, e.g. `DaemonSet`. */
  readonly kind: string;
  /** Empty for cluster-scoped kinds (none hold pods) and for objects written without a namespace. */
  readonly namespace: string;
  /** Name of the workload object. */
  readonly name: string;
}

export interface AwsStatement {
  /** The statement's Sid, or null when it has none (then no reason can be matched to it). */
  readonly sid: string | null;
  /** Whether the statement allows or denies. */
  readonly effect: 'Allow' | 'Deny';
  /** IAM actions of the statement; `NotAction` entries are prefixed `NOT `. */
  readonly actions: readonly string[];
  /** Resource ARNs of the statement, as written; `NotResource` entries are prefixed `NOT `. */
  readonly resources: readonly string[];
  /** The statement's Condition block as written, or null. */
  readonly conditions: Record<string, unknown> | null;
  /** Where it is written, e.g. `aws_iam_role_policy.permissions`. */
  readonly source: string;
  /** The reason written for the statement's Sid in the Terraform JSON, or null. */
  readonly reason: Reason;
}

export interface GcpGrant {
  /** A predefined role (`roles/...`), a custom role id, or `${...}` when it cannot be resolved. */
  readonly role: string;
  /** The role's permissions when it is a custom role in the Terraform JSON; empty for predefined roles. */
  readonly permissions: readonly string[];
  /** What the grant is on: the project, or the resource of a resource-level binding. */
  readonly on: string;
  /** The binding's IAM Condition (title and CEL expression), or null for an unconditional grant. */
  readonly condition: { readonly title: string; readonly expression: string } | null;
  /** The Terraform resource of the binding, `<type>.<name>`, e.g. `google_project_iam_member.read`. */
  readonly source: string;
  /** The reason written for the binding (or its custom role) in the Terraform JSON, or null. */
  readonly reason: Reason;
}

export interface CloudIdentity {
  /** The cloud the identity belongs to. */
  readonly provider: 'aws' | 'gcp';
  /** `irsa` (eks.amazonaws.com/role-arn), `pod-identity` (aws_eks_pod_identity_association) or `workload-identity` (iam.gke.io/gcp-service-account). */
  readonly mechanism: 'irsa' | 'pod-identity' | 'workload-identity';
  /** The role ARN (AWS) or the Google service account e-mail (GCP), as written. */
  readonly principal: string;
  /** Whether the Terraform JSON that defines the principal was among the inputs. */
  readonly resolved: boolean;
  /** The statements of the role's policies (AWS), from the Terraform JSON; empty when unresolved. */
  readonly aws: readonly AwsStatement[];
  /** The grants to the service account (GCP), from the Terraform JSON; empty when unresolved. */
  readonly gcp: readonly GcpGrant[];
}

export interface Identity {
  /** Name of the pod's ServiceAccount (`default` when the pod names none). */
  readonly serviceAccount: string;
  /** Whether the ServiceAccount object was among the inputs. */
  readonly serviceAccountFound: boolean;
  /** Whether the pod mounts an API token (pod automountServiceAccountToken, else the ServiceAccount's, else true). */
  readonly tokenMounted: boolean;
  /**
   * The reason written for mounting the API token (on the workload, else on the ServiceAccount); null when none
   * is, or no token is mounted.
   */
  readonly tokenReason: Reason;
  /** Audiences of projected service-account tokens the pod mounts besides the API token (e.g. `vault`). */
  readonly projectedTokenAudiences: readonly string[];
  /** The cloud identities bound to the ServiceAccount (IRSA, Pod Identity, Workload Identity). */
  readonly cloud: readonly CloudIdentity[];
}

/** One Kubernetes API permission: verbs on one resource in one scope, with where it comes from. */
export interface ApiPermission {
  /** `cluster` (a ClusterRoleBinding, or a ClusterRole's non-resource URLs) or `namespace:<ns>`. */
  readonly scope: string;
  /** API group (`""` is the core group); `*` for every group. Empty for non-resource URLs. */
  readonly apiGroup: string;
  /** `resource`, `resource/subresource`, `*`, or a non-resource URL starting with `/`. */
  readonly resource: string;
  /** Empty: every object of the resource. */
  readonly resourceNames: readonly string[];
  /** Verbs allowed on the resource, sorted. */
  readonly verbs: readonly string[];
  /** `ClusterRole/x via ClusterRoleBinding/y`, sorted. */
  readonly via: readonly string[];
  /** The distinct reasons written for the rules it comes from (or the roles' matching exemptions), sorted. */
  readonly reasons: readonly string[];
}

export const API_GROUPS = ['read', 'write', 'delete', 'escalate', 'exec', 'secrets'] as const;
export type ApiGroupName = typeof API_GROUPS[number];
export type ApiPermissions = Record<ApiGroupName, ApiPermission[]>;

export interface Capability {
  /** Linux capability added, without the `CAP_` prefix, e.g. `SYS_PTRACE`. */
  readonly name: string;
  /** The containers that add it. */
  readonly containers: readonly string[];
  /**
   * Its reason from `reasons.secure-agents.io/capabilities`, else from a capability exemption; null when
   * neither gives one.
   */
  readonly reason: Reason;
}
export interface HostNamespace {
  /** The pod spec field that shares the node's namespace. */
  readonly name: 'hostNetwork' | 'hostPID' | 'hostIPC';
  /**
   * Its reason from `reasons.secure-agents.io/host-namespaces`, else from the `pss-hostnamespaces` exemption;
   * null when neither gives one.
   */
  readonly reason: Reason;
}
export interface HostPath {
  /** Path on the node. */
  readonly path: string;
  /** `read-only`, `read-write`, or `not mounted` (a hostPath volume no container mounts). */
  readonly access: 'read-only' | 'read-write' | 'not mounted';
  /** The containers that mount it. */
  readonly containers: readonly string[];
  /**
   * Its reason from `reasons.secure-agents.io/host-paths`, else from the `pss-hostpathvolumes` exemption; null
   * when neither gives one.
   */
  readonly reason: Reason;
}

export interface KernelAndHost {
  /** Containers running privileged. */
  readonly privileged: { readonly containers: readonly string[]; readonly reason: Reason };
  /** Containers that run as UID 0 (`root`) or may (`image default`: neither runAsNonRoot nor a UID is set). */
  readonly root: { readonly containers: readonly string[]; readonly maybe: readonly string[]; readonly reason: Reason };
  /** Containers that may gain privileges (allowPrivilegeEscalation not false). */
  readonly privilegeEscalation: readonly string[];
  /** Capabilities added to any container, each with the containers that add it. */
  readonly capabilities: readonly Capability[];
  /** The node namespaces the pods share (network, PID, IPC). */
  readonly hostNamespaces: readonly HostNamespace[];
  /** The hostPath volumes of the pods, with their access and the containers that mount them. */
  readonly hostPaths: readonly HostPath[];
  /** Per container: RuntimeDefault, Unconfined, Localhost/<file>, or unset. */
  readonly seccomp: Record<string, string>;
  /** Per container: RuntimeDefault, Unconfined, Localhost/<profile>, or unset. */
  readonly appArmor: Record<string, string>;
}

export interface NetworkPeer {
  /** `pods`, `namespace`, `cidr`, `fqdn`, `entity`, `any`. */
  readonly type: 'pods' | 'namespace' | 'cidr' | 'fqdn' | 'entity' | 'any';
  /** Human form: `pods app=x in namespace y`, `10.0.0.0/8 except 10.1.0.0/16`, `api.example.com`. */
  readonly description: string;
  /** The workloads among the inputs that a pod peer selects (`Kind/namespace/name`). */
  readonly workloads: readonly string[];
}

export interface NetworkRule {
  /** The peers the rule allows to or from. */
  readonly peers: readonly NetworkPeer[];
  /** `TCP/443`, `UDP/53`, `TCP/8000-9000`, `any`. */
  readonly ports: readonly string[];
  /** `NetworkPolicy/name` or `CiliumNetworkPolicy/name`. */
  readonly policy: string;
  /** The reason written for the rule (`reasons.secure-agents.io/egress` or `ingress`, by index), or null. */
  readonly reason: Reason;
}

export interface NetworkDirection {
  /** `restricted` (policies select it), `everything` (none does), `not enforceable` (host network). */
  readonly status: 'restricted' | 'everything' | 'not enforceable';
  /**
   * The policies that select the workload's pods in this direction (`NetworkPolicy/name`,
   * `CiliumNetworkPolicy/name`).
   */
  readonly policies: readonly string[];
  /** Every rule of those policies in this direction. */
  readonly rules: readonly NetworkRule[];
}

export interface Network {
  /** What the workload's pods may send to. */
  readonly egress: NetworkDirection;
  /** Who may reach the workload's pods. */
  readonly ingress: NetworkDirection;
}

export interface SecretUse {
  /** `Secret`, `ExternalSecret` (a Secret an ExternalSecret writes), `Vault`, `CSI` or `pull secret`. */
  readonly source: 'Secret' | 'ExternalSecret' | 'Vault' | 'CSI' | 'pull secret';
  /** The Secret's name, or the Vault path. Never a value. */
  readonly name: string;
  /** For ExternalSecret: the store and remote keys; for Vault: the file. */
  readonly from: string | null;
  /**
   * How the secret reaches the workload: mounted as a file, as an environment variable, or as an image pull
   * secret.
   */
  readonly as: 'file' | 'env' | 'image pull';
  /** Per use: `container:mountPath` or `container:ENV_VAR`. */
  readonly where: readonly string[];
}

export interface ImageUse {
  /** Name of the container. */
  readonly container: string;
  /** The image reference as written. */
  readonly image: string;
  /** Whether the image is pinned by digest (`@sha256:...`). */
  readonly pinned: boolean;
  /** Image signature policies whose image patterns match the image (`Kind/name`). */
  readonly signaturePolicies: readonly string[];
}

export interface WorkloadReport {
  /** The workload the report is about. */
  readonly workload: WorkloadRef;
  /**
   * The file the workload was read from, relative to the directory given (or as given); null when the
   * report was built from objects. The diff uses it only to tell apart workloads of the same kind,
   * namespace and name (e.g. two charts in one dist/).
   */
  readonly source: string | null;
  /** Its ServiceAccount, API token and cloud identities. */
  readonly identity: Identity;
  /**
   * Its effective Kubernetes API permissions, grouped by what they allow (read, write, delete, escalate, exec,
   * secrets).
   */
  readonly kubernetesApi: ApiPermissions;
  /**
   * Its privileges on the node: privileged and root containers, capabilities, host namespaces and paths,
   * seccomp and AppArmor.
   */
  readonly kernel: KernelAndHost;
  /** What its pods may send to and who may reach them. */
  readonly network: Network;
  /** The secrets it reads, and how (never their values). */
  readonly secrets: readonly SecretUse[];
  /** Its containers' images: pinned or not, and which signature policies check them. */
  readonly supplyChain: readonly ImageUse[];
}

export interface ReportProblem {
  /** The input file, as given. */
  readonly file: string;
  /** Why it could not be read. */
  readonly message: string;
}

export interface PrivilegeReport {
  /**
   * The JSON schema version of the report (`REPORT_SCHEMA_VERSION`); bumped when a field is removed or changes
   * meaning.
   */
  readonly schemaVersion: number;
  /**
   * One report per object with a pod template among the inputs (objects owned by another workload left out),
   * sorted by namespace, name and kind.
   */
  readonly workloads: readonly WorkloadReport[];
  /** Inputs that could not be read; the report covers the rest. */
  readonly problems: readonly ReportProblem[];
}
