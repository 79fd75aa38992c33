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
  readonly kind: string;
  /** Empty for cluster-scoped kinds (none hold pods) and for objects written without a namespace. */
  readonly namespace: string;
  readonly name: string;
}

export interface AwsStatement {
  readonly sid: string | null;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** The statement's Condition block as written, or null. */
  readonly conditions: Record<string, unknown> | null;
  /** Where it is written, e.g. `aws_iam_role_policy.permissions`. */
  readonly source: string;
  readonly reason: Reason;
}

export interface GcpGrant {
  /** A predefined role (`roles/...`), a custom role id, or `${...}` when it cannot be resolved. */
  readonly role: string;
  /** The role's permissions when it is a custom role in the Terraform JSON; empty for predefined roles. */
  readonly permissions: readonly string[];
  /** What the grant is on: the project, or the resource of a resource-level binding. */
  readonly on: string;
  readonly condition: { readonly title: string; readonly expression: string } | null;
  readonly source: string;
  readonly reason: Reason;
}

export interface CloudIdentity {
  readonly provider: 'aws' | 'gcp';
  /** `irsa` (eks.amazonaws.com/role-arn), `pod-identity` (aws_eks_pod_identity_association) or `workload-identity` (iam.gke.io/gcp-service-account). */
  readonly mechanism: 'irsa' | 'pod-identity' | 'workload-identity';
  /** The role ARN (AWS) or the Google service account e-mail (GCP), as written. */
  readonly principal: string;
  /** Whether the Terraform JSON that defines the principal was among the inputs. */
  readonly resolved: boolean;
  readonly aws: readonly AwsStatement[];
  readonly gcp: readonly GcpGrant[];
}

export interface Identity {
  readonly serviceAccount: string;
  /** Whether the ServiceAccount object was among the inputs. */
  readonly serviceAccountFound: boolean;
  /** Whether the pod mounts an API token (pod automountServiceAccountToken, else the ServiceAccount's, else true). */
  readonly tokenMounted: boolean;
  readonly tokenReason: Reason;
  /** Audiences of projected service-account tokens the pod mounts besides the API token (e.g. `vault`). */
  readonly projectedTokenAudiences: readonly string[];
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
  readonly verbs: readonly string[];
  /** `ClusterRole/x via ClusterRoleBinding/y`, sorted. */
  readonly via: readonly string[];
  readonly reasons: readonly string[];
}

export const API_GROUPS = ['read', 'write', 'delete', 'escalate', 'exec', 'secrets'] as const;
export type ApiGroupName = typeof API_GROUPS[number];
export type ApiPermissions = Record<ApiGroupName, ApiPermission[]>;

export interface Capability { readonly name: string; readonly containers: readonly string[]; readonly reason: Reason }
export interface HostNamespace { readonly name: 'hostNetwork' | 'hostPID' | 'hostIPC'; readonly reason: Reason }
export interface HostPath {
  readonly path: string;
  /** `read-only`, `read-write`, or `not mounted` (a hostPath volume no container mounts). */
  readonly access: 'read-only' | 'read-write' | 'not mounted';
  readonly containers: readonly string[];
  readonly reason: Reason;
}

export interface KernelAndHost {
  /** Containers running privileged. */
  readonly privileged: { readonly containers: readonly string[]; readonly reason: Reason };
  /** Containers that run as UID 0 (`root`) or may (`image default`: neither runAsNonRoot nor a UID is set). */
  readonly root: { readonly containers: readonly string[]; readonly maybe: readonly string[]; readonly reason: Reason };
  /** Containers that may gain privileges (allowPrivilegeEscalation not false). */
  readonly privilegeEscalation: readonly string[];
  readonly capabilities: readonly Capability[];
  readonly hostNamespaces: readonly HostNamespace[];
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
  readonly peers: readonly NetworkPeer[];
  /** `TCP/443`, `UDP/53`, `TCP/8000-9000`, `any`. */
  readonly ports: readonly string[];
  /** `NetworkPolicy/name` or `CiliumNetworkPolicy/name`. */
  readonly policy: string;
  readonly reason: Reason;
}

export interface NetworkDirection {
  /** `restricted` (policies select it), `everything` (none does), `not enforceable` (host network). */
  readonly status: 'restricted' | 'everything' | 'not enforceable';
  readonly policies: readonly string[];
  readonly rules: readonly NetworkRule[];
}

export interface Network { readonly egress: NetworkDirection; readonly ingress: NetworkDirection }

export interface SecretUse {
  /** `Secret`, `ExternalSecret` (a Secret an ExternalSecret writes), `Vault`, `CSI` or `pull secret`. */
  readonly source: 'Secret' | 'ExternalSecret' | 'Vault' | 'CSI' | 'pull secret';
  /** The Secret's name, or the Vault path. Never a value. */
  readonly name: string;
  /** For ExternalSecret: the store and remote keys; for Vault: the file. */
  readonly from: string | null;
  readonly as: 'file' | 'env' | 'image pull';
  /** Per use: `container:mountPath` or `container:ENV_VAR`. */
  readonly where: readonly string[];
}

export interface ImageUse {
  readonly container: string;
  readonly image: string;
  readonly pinned: boolean;
  /** Image signature policies whose image patterns match the image (`Kind/name`). */
  readonly signaturePolicies: readonly string[];
}

export interface WorkloadReport {
  readonly workload: WorkloadRef;
  /**
   * The file the workload was read from, relative to the directory given (or as given); null when the
   * report was built from objects. The diff uses it only to tell apart workloads of the same kind,
   * namespace and name (e.g. two charts in one dist/).
   */
  readonly source: string | null;
  readonly identity: Identity;
  readonly kubernetesApi: ApiPermissions;
  readonly kernel: KernelAndHost;
  readonly network: Network;
  readonly secrets: readonly SecretUse[];
  readonly supplyChain: readonly ImageUse[];
}

export interface ReportProblem { readonly file: string; readonly message: string }

export interface PrivilegeReport {
  readonly schemaVersion: number;
  readonly workloads: readonly WorkloadReport[];
  /** Inputs that could not be read; the report covers the rest. */
  readonly problems: readonly ReportProblem[];
}
