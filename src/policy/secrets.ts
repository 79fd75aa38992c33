/**
 * Secrets: no literal secrets in env vars, arguments, Secrets or ConfigMaps (judged by name and by
 * well-known value formats), files over env vars, safe Vault annotations, no needless tokens.
 */
import { containersOf, eachObject, indexed, isObj, Obj, podSpecsOf, text } from './objects';
import { CheckContext, Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

export const SECRET_RULES: readonly RuleMeta[] = [
  { id: 'secret-literal-env', title: 'No secret literals in env vars or arguments', severity: 'error', explanation: 'A literal value that has the format of a key or token (PEM private key, cloud access key id, GitHub/GitLab/Slack/Google/Stripe token, JWT, URL with a password), or the value of a variable named like a password, token or key, is a secret in the manifest, in Git and in every pod description. Variables named *_NAME, *_FILE/*_PATH/*_DIR holding a path, settings about a secret (*_AUDIENCE, *_URL, *_TTL...), booleans, numbers and $(VAR) references are not secrets.', fix: 'Put the value in a Secret (or Vault) and mount it as a file.' },
  { id: 'secret-env-from-secret', title: 'Secrets as files rather than env vars', severity: 'warning', explanation: 'Environment variables leak through /proc, crash dumps, child processes and logs; files can be rotated and permission-restricted.', fix: 'Mount the Secret as a volume and read the file.' },
  { id: 'secret-manifest-data', title: 'No Secret with literal data in the manifests', severity: 'error', explanation: 'A kind: Secret with data or stringData puts the secret value into the repository and into every copy of the manifests (base64 is an encoding, not a protection). Public certificates alone, empty values and SOPS-encrypted values are not reported.', fix: 'Create the Secret out of band (External Secrets, Sealed Secrets, SOPS, Vault) and reference it by name.' },
  { id: 'secret-in-configmap', title: 'No key or token in a ConfigMap', severity: 'error', explanation: 'A ConfigMap value with the format of a private key or token is a secret stored where any reader of ConfigMaps can see it.', fix: 'Move the value to a Secret (created out of band) and mount it as a file.' },
  { id: 'secret-vault-tls-skip', title: 'Vault agent must verify TLS', severity: 'error', explanation: 'vault.hashicorp.com/tls-skip-verify lets anyone on the path impersonate Vault and read the secrets. Vault\'s injector reads the value with Go\'s strconv.ParseBool, so 1, t, T, TRUE, true and True all turn verification off.', fix: 'Remove the annotation and set vault.hashicorp.com/ca-cert (or tls-secret).' },
  { id: 'secret-vault-token-injected', title: 'Vault token must not be injected', severity: 'error', explanation: 'vault.hashicorp.com/agent-inject-token (any ParseBool true spelling) writes the Vault token into the pod, where the application can use it for more than its secrets.', fix: 'Remove vault.hashicorp.com/agent-inject-token; inject only the secrets.' },
  { id: 'secret-automount-token', title: 'No service-account token without a role', severity: 'error', explanation: 'A mounted token that no role binding uses is a credential with no purpose, available to anyone who compromises the pod.', fix: 'Set automountServiceAccountToken: false on the pod (or its ServiceAccount), or bind the ServiceAccount to the role it needs.' },
];

/** Well-known formats of keys and tokens, each with what it is. Values are never echoed, only these names. */
const FORMATS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, 'a PEM private key'],
  [/(?:^|[^A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Z0-9])/, 'an AWS access key id'],
  [/(?:^|[^A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}/, 'a GitHub token'],
  [/github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}/, 'a GitHub fine-grained token'],
  [/glpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/xox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]+/, 'a Slack webhook URL'],
  [/AIza[0-9A-Za-z_-]{35}/, 'a Google API key'],
  [/"type"\s*:\s*"service_account"[\s\S]*"private_key"/, 'a Google service account key'],
  [/(?:sk|rk)_live_[0-9A-Za-z]{24,}/, 'a Stripe secret key'],
  [/sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}/, 'an OpenAI API key'],
  [/sk-ant-api\d{2}-[A-Za-z0-9_-]{80,}/, 'an Anthropic API key'],
  [/npm_[A-Za-z0-9]{36}/, 'an npm token'],
  [/SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/, 'a SendGrid API key'],
  [/(?:^|[^A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{10,}/, 'a JWT'],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@$]+:(?!\$\(|\$\{)[^\s/@]{3,}@[^\s/]/i, 'a URL with a password'],
];

/** What well-known secret format a value has (e.g. "a PEM private key"), or undefined. */
export function secretFormat(value: string): string | undefined {
  for (const [re, what] of FORMATS) if (re.test(value)) return what;
  return undefined;
}

const SENSITIVE = /(passw(or)?d|pwd|token|secret|credential|(^|[_.-])key($|[_.-])|apikey|api_key|privatekey|private_key|accesskey|access_key)/i;
/** `DD_CLUSTER_AGENT_TOKEN_NAME=datadogtoken`: the name of a Secret (or key), not the secret. */
const NAMES_A_SECRET = /(^|[_.-])(name|secret_?name|ref|key_?id|key_?name)$|[a-z]Name$/i;
/** `POSTGRES_PASSWORD_FILE=/secrets/pw`: where the secret file is, not the secret. */
const POINTS_TO_FILE = /(^|[_.-])(file|path|dir|mount|mountpath)$|[a-z](File|Path|Dir)$/i;
/** `VAULT_TOKEN_AUDIENCE=vault`, `TOKEN_URL=https://...`: a setting about a secret, not the secret. */
const SETTING_ABOUT_A_SECRET = /(^|[_.-])(audience|aud|header|issuer|url|uri|endpoint|host|hostname|port|mode|type|algorithm|alg|length|size|bits|ttl|expiry|expiration|interval|timeout|format|namespace|enabled|disabled|version|prefix|field|location|provider|store|backend|region|scope|scopes)$/i;
/** Values that are settings, not secrets: booleans, numbers, durations, Kubernetes `$(VAR)` references. */
const NOT_A_SECRET = /^(true|false|yes|no|on|off|enabled|disabled|none|null|\d+(\.\d+)?|\d+(ms|s|m|h|d)|\$\([A-Za-z0-9_]+\)|\$\{[A-Za-z0-9_]+\})$/i;
const looksLikePath = (v: string) => /^(\/|\.\/|\.\.\/|~\/)/.test(v) || /^[A-Za-z]:\\/.test(v);

/** Why a literal env var is a secret, or undefined if it is not one. */
export function literalSecretReason(name: string, value: string): string | undefined {
  const format = secretFormat(value);
  if (format) return `holds ${format}`;
  if (value === '' || !SENSITIVE.test(name) || NOT_A_SECRET.test(value.trim())) return undefined;
  if (POINTS_TO_FILE.test(name) && looksLikePath(value)) return undefined;
  // an absolute file path (a secret backend command, a mounted token) names where a secret is
  if (/^\/[A-Za-z0-9_.@+-]+(\/[A-Za-z0-9_.@+-]+)*\/?$/.test(value)) return undefined;
  if (NAMES_A_SECRET.test(name) || SETTING_ABOUT_A_SECRET.test(name)) return undefined;
  return 'is named like a secret and set to a literal value';
}

const BOUND = new WeakMap<object, Set<string>>();
const ACCOUNTS = new WeakMap<object, Map<string, Obj>>();

function boundAccounts(objects: readonly Obj[]): Set<string> {
  const out = new Set<string>();
  eachObject(objects, (b) => {
    if ((b.kind !== 'RoleBinding' && b.kind !== 'ClusterRoleBinding') || !Array.isArray(b.subjects)) return;
    const found: string[] = [];
    for (const s of b.subjects) {
      if (isObj(s) && s.kind === 'ServiceAccount') found.push(`${text(s.namespace ?? b.metadata?.namespace)}/${text(s.name)}`);
    }
    found.forEach((k) => out.add(k));
  });
  return out;
}

function serviceAccounts(objects: readonly Obj[]): Map<string, Obj> {
  const out = new Map<string, Obj>();
  eachObject(objects, (x) => {
    if (x.kind === 'ServiceAccount') out.set(`${text(x.metadata?.namespace)}/${text(x.metadata?.name)}`, x);
  });
  return out;
}

/** Go's strconv.ParseBool true spellings, which Vault's injector uses to read its annotations. */
const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const vaultTrue = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && PARSE_BOOL_TRUE.has(text(v));

const key = (field: string, k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${field}.${k}` : `${field}["${k}"]`);

function decodeBase64(v: string): string | undefined {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(v)) return undefined;
  try { return Buffer.from(v, 'base64').toString('utf8'); } catch { return undefined; }
}

/** A value that is only public certificates (or a CA bundle) is not a secret. */
const onlyCertificates = (v: string) => /-----BEGIN CERTIFICATE-----/.test(v) && !/PRIVATE KEY/.test(v) && v.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '').trim() === '';

function checkSecretObject(o: Obj): RuleHit[] {
  if (o.sops !== undefined) return [];
  const hits: RuleHit[] = [];
  for (const field of ['data', 'stringData'] as const) {
    const data = isObj(o[field]) ? o[field] : {};
    for (const [k, raw] of Object.entries(data)) {
      if (raw === null || raw === undefined) continue;
      const value = text(raw);
      if (value.trim() === '' || value.startsWith('ENC[')) continue;
      const plain = field === 'data' ? decodeBase64(value) ?? value : value;
      if (plain.trim() === '' || onlyCertificates(plain)) continue;
      const format = secretFormat(plain);
      hits.push({ rule: 'secret-manifest-data', path: key(field, k), message: `Secret "${text(o.metadata?.name)}" carries a literal value for key ${k}${format ? ` (${format})` : ''}` });
    }
  }
  return hits;
}

function checkConfigMap(o: Obj): RuleHit[] {
  const hits: RuleHit[] = [];
  const data = isObj(o.data) ? o.data : {};
  for (const [k, raw] of Object.entries(data)) {
    if (typeof raw !== 'string') continue;
    const format = secretFormat(raw);
    if (format) hits.push({ rule: 'secret-in-configmap', path: key('data', k), message: `ConfigMap "${text(o.metadata?.name)}" key ${k} holds ${format}` });
  }
  return hits;
}

export const secretFamily: RuleFamily = {
  name: 'secret',
  rules: SECRET_RULES,
  check(obj: Manifest, ctx: CheckContext): RuleHit[] {
    const o = obj as Obj;
    if (o.kind === 'Secret') return checkSecretObject(o);
    if (o.kind === 'ConfigMap') return checkConfigMap(o);
    const hits: RuleHit[] = [];
    for (const pod of podSpecsOf(o)) {
      for (const c of containersOf(pod)) {
        const env = Array.isArray(c.container.env) ? c.container.env : [];
        env.forEach((e: unknown, i: number) => {
          if (!isObj(e)) return;
          const name = text(e.name ?? '');
          const why = typeof e.value === 'string' ? literalSecretReason(name, e.value) : undefined;
          if (why) hits.push({ rule: 'secret-literal-env', path: `${c.path}.env[${i}].value`, message: `container "${text(c.container.name)}" sets ${name}, which ${why}` });
          if (isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef)) {
            hits.push({ rule: 'secret-env-from-secret', path: `${c.path}.env[${i}].valueFrom.secretKeyRef`, message: `container "${text(c.container.name)}" reads secret ${text(e.valueFrom.secretKeyRef.name)} into env var ${name}` });
          }
        });
        for (const field of ['command', 'args'] as const) {
          const list = Array.isArray(c.container[field]) ? c.container[field] : [];
          list.forEach((a: unknown, i: number) => {
            const format = typeof a === 'string' ? secretFormat(a) : undefined;
            if (format) hits.push({ rule: 'secret-literal-env', path: `${c.path}.${field}[${i}]`, message: `container "${text(c.container.name)}" passes ${format} in ${field}[${i}]` });
          });
        }
        const envFrom = Array.isArray(c.container.envFrom) ? c.container.envFrom : [];
        envFrom.forEach((e: unknown, i: number) => {
          if (isObj(e) && isObj(e.secretRef)) {
            hits.push({ rule: 'secret-env-from-secret', path: `${c.path}.envFrom[${i}].secretRef`, message: `container "${text(c.container.name)}" loads secret ${text(e.secretRef.name)} into env vars` });
          }
        });
      }
      const ann = isObj(pod.metadata.annotations) ? pod.metadata.annotations : {};
      if (vaultTrue(ann['vault.hashicorp.com/tls-skip-verify'])) {
        hits.push({ rule: 'secret-vault-tls-skip', path: `${pod.metadataPath}.annotations["vault.hashicorp.com/tls-skip-verify"]`, message: `Vault agent skips TLS verification (tls-skip-verify: ${text(ann['vault.hashicorp.com/tls-skip-verify'])})` });
      }
      if (vaultTrue(ann['vault.hashicorp.com/agent-inject-token'])) {
        hits.push({ rule: 'secret-vault-token-injected', path: `${pod.metadataPath}.annotations["vault.hashicorp.com/agent-inject-token"]`, message: 'Vault agent injects the Vault token into the pod' });
      }
      const sa = text(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default');
      const ns = text(o.metadata?.namespace);
      let automount = pod.spec.automountServiceAccountToken;
      if (automount === undefined) {
        const accounts = indexed(ACCOUNTS, ctx.objects, serviceAccounts);
        automount = accounts.get(`${ns}/${sa}`)?.automountServiceAccountToken;
      }
      if (automount !== false && !indexed(BOUND, ctx.objects, boundAccounts).has(`${ns}/${sa}`)) {
        hits.push({ rule: 'secret-automount-token', path: `${pod.path}.automountServiceAccountToken`, message: `${text(o.kind)} "${text(o.metadata?.name)}" mounts the token of ServiceAccount "${sa}", which no role binding among the checked objects uses` });
      }
    }
    return hits;
  },
};
