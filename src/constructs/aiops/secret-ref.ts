import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AgentWorkload } from '../agent-workload';
import { PropValidator } from '../validation';

/** A secret value kept in a Kubernetes Secret and mounted as a file, never passed as an env var. */
export interface SecretKeyRef {
  /** Name of the Secret in the workload's namespace. */
  readonly secretName: string;
  /**
   * Key in the Secret whose value is the secret.
   * @default "password"
   */
  readonly key?: string;
}

/** Where the AIOps workloads find their mounted secrets: `<dir>/<name>/<file>`. */
export const AIOPS_SECRETS_DIR = '/var/run/secrets/aiops';

/** Checks a Secret reference; a bare string (a literal password, say) is refused without echoing it. */
export function secretRef(v: PropValidator, prop: string, ref: SecretKeyRef | undefined, defaultKey = 'password'): Required<SecretKeyRef> {
  if (ref === null || typeof ref !== 'object') {
    const literal = typeof ref === 'string';
    v.fail(literal ? 'secret-as-literal' : 'missing-secret', prop, literal ? '(a literal string, not shown)' : ref,
      literal ? 'is a literal value; secrets must come from a Kubernetes Secret mounted as a file' : 'is missing',
      'give { secretName: "aiops-postgres", key: "password" } and create that Secret outside the chart (by hand, External Secrets or Vault)');
  }
  const key = ref.key ?? defaultKey;
  if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(key)) {
    v.fail('invalid-secret-key', `${prop}.key`, key, 'is not a valid Secret key', 'use letters, digits, "-", "_" or ".", e.g. "password"');
  }
  return { secretName: v.dnsSubdomain(`${prop}.secretName`, ref.secretName), key };
}

/**
 * Mounts one key of a Secret into a workload's main container at `<AIOPS_SECRETS_DIR>/<dir>/<file>`,
 * read-only, readable by the pod's group only (mode 0440 with the pod's fsGroup). Returns the file path.
 */
export function mountSecretFile(workload: AgentWorkload, dir: string, ref: Required<SecretKeyRef>, file = 'password'): string {
  const scope = workload as Construct;
  const secret = kplus.Secret.fromSecretName(scope, `secret-${dir}`, ref.secretName);
  const volume = kplus.Volume.fromSecret(scope, `secret-volume-${dir}`, secret, {
    name: `secret-${dir}`,
    defaultMode: 0o440,
    items: { [ref.key]: { path: file } },
  });
  workload.mainContainer.mount(`${AIOPS_SECRETS_DIR}/${dir}`, volume, { readOnly: true });
  return `${AIOPS_SECRETS_DIR}/${dir}/${file}`;
}
