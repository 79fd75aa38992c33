/**
 * Which identity a workload with added Linux capabilities runs as, decided from the kernel and
 * runtime rules rather than hoped for:
 *
 * - Kubernetes puts a container's added capabilities in its bounding set. For UID 0 the runtime also
 *   puts them in the permitted and effective sets, and they survive `execve`, so a root process has
 *   exactly the added capabilities, with any image, on every runtime. `allowPrivilegeEscalation:
 *   false` (no_new_privs) takes nothing away from it.
 * - For a non-root UID, `execve` recomputes the sets: the process gets a capability only from its
 *   binary's file capabilities (`setcap`), and under no_new_privs only those that were already in the
 *   permitted set the runtime gave the container. containerd and CRI-O give a non-root container its
 *   added capabilities in the permitted set; Docker (and cri-dockerd) clears the permitted and
 *   effective sets of a non-root container, so there the process gets nothing. Kubernetes sets no
 *   ambient capabilities (kubernetes/kubernetes#56374), which would be the other way.
 *
 * So root is the default of the node agents: it works with the vendor's stock image whether or not
 * its binary carries file capabilities, and still gets only the listed capabilities, never
 * `privileged`. The non-root mode is a typed choice for images whose binary carries the file
 * capabilities, on containerd or CRI-O.
 */
export enum CapabilityIdentity {
  /** UID 0 with only the added capabilities: works with any image on any runtime. */
  ROOT = 'root',
  /**
   * A fixed non-root UID: the binary must carry the capabilities as file capabilities, and the nodes
   * must run containerd or CRI-O (Docker clears a non-root container's permitted set).
   */
  NON_ROOT_FILE_CAPABILITIES = 'non-root-file-capabilities',
}

/** The reason of running as root with added capabilities, written to `reasons.secure-agents.io/run-as-root`. */
export const ROOT_FOR_CAPABILITIES_REASON = 'uses the added capabilities without file capabilities on its binary: a non-root process gets them only from file capabilities, and only on containerd and CRI-O (Docker clears the permitted set of a non-root container); never privileged, allowPrivilegeEscalation false';
