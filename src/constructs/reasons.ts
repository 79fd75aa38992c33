/**
 * Where each privilege's reason is written in the synthesised YAML (docs/reasons-in-output.md): the
 * annotation keys, and a small collector that keeps reasons index-aligned with the rules they explain.
 * Framework-free, so the checker and the report may read the same keys.
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

/** The reason of the DNS rule that `WorkloadNetworkPolicy.allowDns()` adds. */
export const DNS_REASON = 'resolves Service and host names through the cluster DNS';

/** The reason of the egress rule to the outbound proxy (every workload that talks out through it). */
export const PROXY_REASON = 'reaches outside endpoints only through the outbound proxy, which checks each host name';

/** The reason of the egress rule to the Vault server, for a workload with a secret from Vault. */
export const VAULT_REASON = 'the injected Vault Agent logs in to Vault and renders the credential file';

/**
 * Reasons kept next to a list of rules that may be deduplicated: `add(rule, reason)` returns the
 * rule's index, and a rule added twice keeps one entry whose reasons are joined with "; ".
 */
export class AlignedReasons<T> {
  private readonly keys: string[] = [];
  private readonly reasons: Array<string[]> = [];

  /** Records a rule (compared by its JSON) and its reason; returns false when the rule was already there. */
  public add(rule: T, reason: string | undefined): boolean {
    const key = JSON.stringify(rule);
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      if (reason && !this.reasons[i].includes(reason)) this.reasons[i].push(reason);
      return false;
    }
    this.keys.push(key);
    this.reasons.push(reason ? [reason] : []);
    return true;
  }

  /** Whether every rule has at least one reason (only then is the annotation complete). */
  public get complete(): boolean {
    return this.reasons.every((r) => r.length > 0);
  }

  /** The annotation value: a JSON array, one string per rule, or undefined while a rule lacks a reason. */
  public annotation(): string | undefined {
    if (this.keys.length === 0 || !this.complete) return undefined;
    return JSON.stringify(this.reasons.map((r) => r.join('; ')));
  }
}

/** A JSON object annotation value with sorted keys, or undefined when empty. */
export function reasonMap(entries: ReadonlyMap<string, string> | Record<string, string>): string | undefined {
  const obj = entries instanceof Map ? Object.fromEntries(entries) : { ...(entries as Record<string, string>) };
  const keys = Object.keys(obj).sort();
  if (keys.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, obj[k]])));
}
