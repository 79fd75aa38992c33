/**
 * Where each privilege's reason is written in the synthesised YAML (docs/reasons-in-output.md): the
 * annotation keys, and the reasons of the rules the base workload writes itself (DNS, proxy, Vault),
 * which the needs tables name too. Framework-free.
 */

/** Prefix of every reason annotation. */
export const REASON_PREFIX = 'reasons.secure-agents.io/';

/** The reason annotations, by what they explain. */
export const REASON_ANNOTATIONS = {
  /** Role / ClusterRole: JSON array index-aligned with `rules`. */
  rules: `${REASON_PREFIX}rules`,
  /** NetworkPolicy / CiliumNetworkPolicy: JSON array index-aligned with `spec.egress`. */
  egress: `${REASON_PREFIX}egress`,
  /** NetworkPolicy: JSON array index-aligned with `spec.ingress`. */
  ingress: `${REASON_PREFIX}ingress`,
  /** Workload: JSON object, capability (without `CAP_`) to reason. */
  capabilities: `${REASON_PREFIX}capabilities`,
  /** Workload: JSON object, host path to reason. */
  hostPaths: `${REASON_PREFIX}host-paths`,
  /** Workload: JSON object, `hostNetwork` / `hostPID` / `hostIPC` to reason. */
  hostNamespaces: `${REASON_PREFIX}host-namespaces`,
  /** Workload: the reason it runs privileged. */
  privileged: `${REASON_PREFIX}privileged`,
  /** Workload: the reason it runs as UID 0. */
  runAsRoot: `${REASON_PREFIX}run-as-root`,
  /** Workload or ServiceAccount: why the pod mounts an API token. */
  token: `${REASON_PREFIX}token`,
} as const;

/** The reason of the DNS rule that `AgentWorkload.allowDns()` adds. */
export const DNS_REASON = 'resolves service and host names through the cluster DNS';

/** The reason of the egress rule to the outbound proxy (every workload that talks out through it). */
export const PROXY_REASON = 'reaches the outside only through the outbound proxy';

/** The reason of the egress rule to the Vault server, for a workload with a secret from Vault. */
export const VAULT_REASON = 'the injected Vault Agent logs in to Vault and renders the credential file';
