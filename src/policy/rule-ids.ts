/**
 * Rule IDs shared by the checker and the constructs (which write exemption annotations for them).
 * `pss-*` IDs are Kubernetes Pod Security Admission check IDs, lowercased, `_` turned into `-`.
 */
export const PSS = {
  privileged: 'pss-privileged',
  hostNamespaces: 'pss-hostnamespaces',
  capabilitiesBaseline: 'pss-capabilities-baseline',
  hostPathVolumes: 'pss-hostpathvolumes',
  hostPorts: 'pss-hostports',
  appArmorProfile: 'pss-apparmorprofile',
  seLinuxOptions: 'pss-selinuxoptions',
  procMount: 'pss-procmount',
  seccompProfileBaseline: 'pss-seccompprofile-baseline',
  sysctls: 'pss-sysctls',
  windowsHostProcess: 'pss-windowshostprocess',
  hostProbesAndHostLifecycle: 'pss-hostprobesandhostlifecycle',
  allowPrivilegeEscalation: 'pss-allowprivilegeescalation',
  capabilitiesRestricted: 'pss-capabilities-restricted',
  procMountRestricted: 'pss-procmount-restricted',
  restrictedVolumes: 'pss-restrictedvolumes',
  runAsNonRoot: 'pss-runasnonroot',
  runAsUser: 'pss-runasuser',
  seccompProfileRestricted: 'pss-seccompprofile-restricted',
} as const;

export type PssRuleId = (typeof PSS)[keyof typeof PSS];

/** Turns a PSA check ID (`capabilities_restricted`) into our rule ID (`pss-capabilities-restricted`). */
export function pssRuleId(psaCheckId: string): string {
  return `pss-${psaCheckId.toLowerCase().replace(/_/g, '-')}`;
}

/** Annotation prefix of an exemption: `exemptions.secure-agents.io/<rule-id>: "<reason>"`. */
export const EXEMPTION_PREFIX = 'exemptions.secure-agents.io/';

/** An exemption's reason must say something: at least this many visible characters (see {@link visibleLength}). */
export const MIN_REASON_LENGTH = 10;

/**
 * Characters that show nothing: whitespace, control and format characters (zero-width space and
 * joiners, direction marks, word joiner, BOM, Mongolian vowel separator), variation selectors, and
 * the blank "filler" letters (Hangul fillers, Braille blank) that render as empty space.
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u180e\u115f\u1160\u3164\uffa0\u2800\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/gu;

/** The number of visible characters (code points) of a text: what an exemption reason is measured by. */
export function visibleLength(text: string): number {
  return [...text.replace(INVISIBLE, '')].length;
}

/** Capabilities the baseline profile lets a container add (Pod Security Standards). */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

/** The only capability the restricted profile lets a container add. */
export const RESTRICTED_CAPABILITIES: readonly string[] = ['NET_BIND_SERVICE'];
