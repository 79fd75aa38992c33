/** Secrets: no literal secrets in env, files over env vars, safe Vault annotations, no needless tokens. */
import { containersOf, indexed, isObj, Obj, podSpecOf } from './objects';
import { CheckContext, Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

export const SECRET_RULES: readonly RuleMeta[] = [
  { id: 'secret-literal-env', title: 'No secret literals in env vars', severity: 'error', explanation: 'A literal value of a variable named like a password, token or key is a secret in the manifest, in Git and in every pod description.', fix: 'Put the value in a Secret (or Vault) and mount it as a file.' },
  { id: 'secret-env-from-secret', title: 'Secrets as files rather than env vars', severity: 'warning', explanation: 'Environment variables leak through /proc, crash dumps, child processes and logs; files can be rotated and permission-restricted.', fix: 'Mount the Secret as a volume and read the file.' },
  { id: 'secret-vault-tls-skip', title: 'Vault agent must verify TLS', severity: 'error', explanation: 'vault.hashicorp.com/tls-skip-verify lets anyone on the path impersonate Vault and read the secrets.', fix: 'Remove the annotation and set vault.hashicorp.com/ca-cert (or tls-secret).' },
  { id: 'secret-vault-token-injected', title: 'Vault token must not be injected', severity: 'error', explanation: 'vault.hashicorp.com/agent-inject-token writes the Vault token into the pod, where the application can use it for more than its secrets.', fix: 'Remove vault.hashicorp.com/agent-inject-token; inject only the secrets.' },
  { id: 'secret-automount-token', title: 'No service-account token without a role', severity: 'error', explanation: 'A mounted token that no role binding uses is a credential with no purpose, available to anyone who compromises the pod.', fix: 'Set automountServiceAccountToken: false on the pod (or its ServiceAccount), or bind the ServiceAccount to the role it needs.' },
];

const SENSITIVE = /(passw(or)?d|pwd|token|secret|credential|(^|[_.-])key($|[_.-])|apikey|privatekey|accesskey)/i;
/** `POSTGRES_PASSWORD_FILE=/secrets/pw`: a variable that names where the secret file is, not the secret. */
const POINTS_TO_FILE = /[_.-](file|path|dir)$/i;

function isSecretLiteral(name: string, value: string): boolean {
  if (value === '' || !SENSITIVE.test(name)) return false;
  return !(POINTS_TO_FILE.test(name) && value.startsWith('/'));
}

const BOUND = new WeakMap<object, Set<string>>();
const ACCOUNTS = new WeakMap<object, Map<string, Obj>>();

function boundAccounts(objects: readonly Obj[]): Set<string> {
  const out = new Set<string>();
  for (const b of objects) {
    if ((b.kind !== 'RoleBinding' && b.kind !== 'ClusterRoleBinding') || !Array.isArray(b.subjects)) continue;
    for (const s of b.subjects) {
      if (isObj(s) && s.kind === 'ServiceAccount') out.add(`${s.namespace ?? b.metadata?.namespace ?? ''}/${s.name}`);
    }
  }
  return out;
}

export const secretFamily: RuleFamily = {
  name: 'secret',
  rules: SECRET_RULES,
  check(obj: Manifest, ctx: CheckContext): RuleHit[] {
    const o = obj as Obj;
    const pod = podSpecOf(o);
    if (!pod) return [];
    const hits: RuleHit[] = [];
    for (const c of containersOf(pod)) {
      const env = Array.isArray(c.container.env) ? c.container.env : [];
      env.forEach((e: unknown, i: number) => {
        if (!isObj(e)) return;
        const name = String(e.name ?? '');
        if (typeof e.value === 'string' && isSecretLiteral(name, e.value)) {
          hits.push({ rule: 'secret-literal-env', path: `${c.path}.env[${i}].value`, message: `container "${c.container.name}" sets ${name} to a literal value` });
        }
        if (isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef)) {
          hits.push({ rule: 'secret-env-from-secret', path: `${c.path}.env[${i}].valueFrom.secretKeyRef`, message: `container "${c.container.name}" reads secret ${e.valueFrom.secretKeyRef.name} into env var ${name}` });
        }
      });
      const envFrom = Array.isArray(c.container.envFrom) ? c.container.envFrom : [];
      envFrom.forEach((e: unknown, i: number) => {
        if (isObj(e) && isObj(e.secretRef)) {
          hits.push({ rule: 'secret-env-from-secret', path: `${c.path}.envFrom[${i}].secretRef`, message: `container "${c.container.name}" loads secret ${e.secretRef.name} into env vars` });
        }
      });
    }
    const ann = isObj(pod.metadata.annotations) ? pod.metadata.annotations : {};
    const truthy = (v: unknown) => String(v).toLowerCase() === 'true';
    if (truthy(ann['vault.hashicorp.com/tls-skip-verify'])) {
      hits.push({ rule: 'secret-vault-tls-skip', path: `${pod.metadataPath}.annotations["vault.hashicorp.com/tls-skip-verify"]`, message: 'Vault agent skips TLS verification' });
    }
    if (truthy(ann['vault.hashicorp.com/agent-inject-token'])) {
      hits.push({ rule: 'secret-vault-token-injected', path: `${pod.metadataPath}.annotations["vault.hashicorp.com/agent-inject-token"]`, message: 'Vault agent injects the Vault token into the pod' });
    }
    const sa = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default');
    const ns = o.metadata?.namespace ?? '';
    let automount = pod.spec.automountServiceAccountToken;
    if (automount === undefined) {
      const accounts = indexed(ACCOUNTS, ctx.objects, (objs) => new Map(objs.filter((x) => x.kind === 'ServiceAccount').map((x) => [`${x.metadata?.namespace ?? ''}/${x.metadata?.name}`, x])));
      const account = accounts.get(`${ns}/${sa}`);
      automount = account?.automountServiceAccountToken;
    }
    if (automount !== false && !indexed(BOUND, ctx.objects, boundAccounts).has(`${ns}/${sa}`)) {
      hits.push({ rule: 'secret-automount-token', path: `${pod.path}.automountServiceAccountToken`, message: `${o.kind} "${o.metadata?.name}" mounts the token of ServiceAccount "${sa}", which no role binding among the checked objects uses` });
    }
    return hits;
  },
};
