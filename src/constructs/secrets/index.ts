/**
 * Secrets from outside: a credential reaches a workload as a read-only file, from
 * (a) a Kubernetes Secret by name, (b) an External Secrets Operator `ExternalSecret`, or
 * (c) the HashiCorp Vault Agent Injector. Files by default; env vars only when asked (Vault only,
 * through a command wrapper that sources the rendered file and then execs the program).
 */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { AgentWorkload } from '../agent-workload';
import { PropValidator } from '../validation';

/** Where a mounted secret lives in the container. */
export interface SecretMount {
  /** Directory (Secret volumes) or file (Vault) the program reads. */
  readonly path: string;
  /** Each key's file path: `{ token: "/etc/secrets/vendor/token" }`. For Vault, `{ <name>: "/vault/secrets/<name>" }`. */
  readonly files: Record<string, string>;
}

/** Options for `mountInto`. */
export interface SecretMountOptions {
  /**
   * @internal
   * Container that reads the secret (Secret volumes only: the Vault injector mounts /vault/secrets into every container).
   * @default - the workload's main container
   */
  readonly container?: kplus.Container;
  /**
   * Directory to mount the Secret at.
   * @default "/etc/secrets/<secret name>"
   */
  readonly mountPath?: string;
}

/** A Kubernetes Secret that already exists (or that another tool creates) in the workload's namespace. */
export interface KubernetesSecretProps {
  /** Name of the Secret (DNS-1123 subdomain). */
  readonly name: string;
  /**
   * Keys to project as files; each becomes a file of that name.
   * @default - every key of the Secret
   */
  readonly keys?: string[];
  /**
   * File mode of the projected files: 0o400 (owner only) or 0o440 (owner and the pod's fsGroup).
   * @default 0o440 - the workload always sets an fsGroup, which the kubelet gives group ownership
   */
  readonly defaultMode?: 0o400 | 0o440;
}

/** One entry of an ExternalSecret's `spec.data`. */
export interface ExternalSecretData {
  /** Key in the produced Secret (and file name in the mount). */
  readonly secretKey: string;
  /** Key of the secret in the external store (e.g. a Vault or AWS Secrets Manager path). */
  readonly remoteKey: string;
  /**
   * Property inside the remote secret (a JSON field).
   * @default - the whole remote value
   */
  readonly property?: string;
}

/** The kind of External Secrets Operator store an ExternalSecret reads from. */
export enum SecretStoreKind {
  /** A SecretStore in the workload's namespace. */
  SECRET_STORE = 'SecretStore',
  /** A cluster-wide ClusterSecretStore. */
  CLUSTER_SECRET_STORE = 'ClusterSecretStore',
}

/** An External Secrets Operator `ExternalSecret` (external-secrets.io/v1) that produces a Secret. */
export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret it creates (DNS-1123 subdomain). */
  readonly name: string;
  /** Name of the SecretStore or ClusterSecretStore to read from. */
  readonly storeName: string;
  /**
   * Kind of the store.
   * @default SecretStoreKind.SECRET_STORE
   */
  readonly storeKind?: SecretStoreKind;
  /**
   * How often the operator re-reads the store (Go duration such as "1h" or "15m").
   * @default "1h"
   */
  readonly refreshInterval?: string;
  /** The keys to fetch; at least one. */
  readonly data: ExternalSecretData[];
  /**
   * File mode of the projected files.
   * @default 0o440
   */
  readonly defaultMode?: 0o400 | 0o440;
}

/** TLS towards Vault: the injector always verifies; say which CA to trust. */
export interface VaultTls {
  /**
   * Path of the CA certificate inside the agent container (`vault.hashicorp.com/ca-cert`).
   * @default - the injector's configured CA
   */
  readonly caCert?: string;
  /**
   * Secret holding the CA (and client) certificates, mounted at /vault/tls (`vault.hashicorp.com/tls-secret`).
   * @default - none
   */
  readonly tlsSecret?: string;
}

/** Resources of the injected Vault Agent containers. */
export interface VaultAgentResources {
  /**
   * CPU limit of the Vault Agent containers, a Kubernetes quantity (`vault.hashicorp.com/agent-limits-cpu`).
   * @default - the injector's default ("500m")
   */
  readonly cpuLimit?: string;
  /**
   * Memory limit of the Vault Agent containers, a Kubernetes quantity (`vault.hashicorp.com/agent-limits-mem`).
   * @default - the injector's default ("128Mi")
   */
  readonly memoryLimit?: string;
  /**
   * CPU request of the Vault Agent containers, a Kubernetes quantity
   * (`vault.hashicorp.com/agent-requests-cpu`).
   * @default - the injector's default ("250m")
   */
  readonly cpuRequest?: string;
  /**
   * Memory request of the Vault Agent containers, a Kubernetes quantity
   * (`vault.hashicorp.com/agent-requests-mem`).
   * @default - the injector's default ("64Mi")
   */
  readonly memoryRequest?: string;
}

/** A secret rendered by the HashiCorp Vault Agent Injector into /vault/secrets/<name>. */
export interface VaultSecretProps {
  /** File name under /vault/secrets: letters, digits, "-", "_", "." (no slash), at most 41 characters. */
  readonly name: string;
  /** Vault path of the secret, e.g. "secret/data/sensor/vendor-token". */
  readonly path: string;
  /** Vault role that the pod's ServiceAccount authenticates as. */
  readonly role: string;
  /**
   * Consul-template for the rendered file (`agent-inject-template-<name>`).
   * @default - the injector's default rendering of the secret; with `envVars`, a generated `export` file
   */
  readonly template?: string;
  /**
   * Render the secret as shell `export NAME='value'` lines (env var name → field of the secret), for a
   * program that reads only env vars; run it through `envCommand()`. Files are preferred.
   * @default - none: a file
   */
  readonly envVars?: Record<string, string>;
  /**
   * Version of the KV engine, for the generated env template (`.Data.data.<field>` on v2, `.Data.<field>` on v1).
   * @default 2
   */
  readonly kvVersion?: 1 | 2;
  /**
   * Only an init container renders the secret; no sidecar renews it (`agent-pre-populate-only`). Right for Jobs.
   * @default false
   */
  readonly prePopulateOnly?: boolean;
  /**
   * Run the agent as the application's UID, so the rendered file can be 0400 and still readable (`agent-run-as-same-user`).
   * @default true
   */
  readonly runAsSameUser?: boolean;
  /**
   * File mode of the rendered file (`agent-inject-perms-<name>`).
   * @default "0400" with runAsSameUser, else "0440"
   */
  readonly perms?: '0400' | '0440' | '0444';
  /**
   * Path of the Kubernetes auth method (`auth-path`).
   * @default - the injector's default ("auth/kubernetes")
   */
  readonly authPath?: string;
  /**
   * Vault Enterprise namespace (`namespace`).
   * @default - none
   */
  readonly vaultNamespace?: string;
  /**
   * How the Vault Agent verifies the Vault server's certificate: the CA certificate path and the Secret holding
   * it.
   * @default - the injector's CA configuration
   */
  readonly tls?: VaultTls;
  /**
   * Audience of the ServiceAccount token the Vault Agent logs in with. The token comes from a
   * projected volume that only the agent mounts (`agent-service-account-token-volume-name`), since
   * the library's pods do not automount one; the Vault role must be bound to this audience
   * (`vault write auth/kubernetes/role/<role> audience=vault ...`).
   * @default "vault"
   */
  readonly tokenAudience?: string;
  /**
   * CPU and memory requests and limits of the injected Vault Agent init and sidecar containers.
   * @default - the injector's defaults
   */
  readonly agentResources?: VaultAgentResources;
  /**
   * Further `vault.hashicorp.com/*` annotations. `tls-skip-verify` and `agent-inject-token` are refused.
   * @default - none
   */
  readonly extraAnnotations?: Record<string, string>;
}

const VAULT = 'vault.hashicorp.com/';
const VAULT_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VAULT_ROLE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VAULT_PATH = /^[A-Za-z0-9][-A-Za-z0-9_./+@=]*$/;
// A Secret key as the API server takes it: these characters, and neither "." nor ".." (which would
// name the mount directory or its parent as a file).
const SECRET_KEY = /^(?!\.{1,2}$)[-._a-zA-Z0-9]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const FORBIDDEN_VAULT = ['tls-skip-verify', 'agent-inject-token'];
/** The projected token volume that the injected Vault Agent logs in with. */
export const VAULT_TOKEN_VOLUME = 'vault-token';
const TOKEN_AUDIENCE_KEY = ' token-audience';

/** Secrets already mounted on a workload, by Secret name, with what was asked (path, keys, mode, container). */
const SECRET_MOUNTS = new WeakMap<AgentWorkload, Map<string, { signature: string; mount: SecretMount }>>();

/** ExternalSecrets already declared on a workload: name → spec as JSON. */
const EXTERNAL_SECRETS = new WeakMap<AgentWorkload, Map<string, string>>();

/** Annotations already set on a workload by Vault sources, to catch conflicting shared settings. */
const VAULT_STATE = new WeakMap<AgentWorkload, Map<string, string>>();

/** A source of a credential that comes from outside the manifests. */
export abstract class SecretSource {
  /** A Kubernetes Secret by name, mounted as read-only files. */
  public static kubernetesSecret(props: KubernetesSecretProps): KubernetesSecretSource {
    return new KubernetesSecretSource(props);
  }

  /** An External Secrets Operator ExternalSecret whose Secret is mounted as read-only files. */
  public static externalSecret(props: ExternalSecretProps): ExternalSecretSource {
    return new ExternalSecretSource(props);
  }

  /** A secret that the Vault Agent Injector renders into /vault/secrets/<name>. */
  public static vault(props: VaultSecretProps): VaultSecretSource {
    return new VaultSecretSource(props);
  }

  /** Delivers the secret to the workload and says where it is. */
  public abstract mountInto(workload: AgentWorkload, options?: SecretMountOptions): SecretMount;

  /**
   * The path of the one file this secret becomes when mounted with `mountPath` (ignored by Vault, which
   * renders /vault/secrets/<name>), or undefined when it is not exactly one file. Lets a construct write
   * the path into a command before the mount exists.
   */
  public abstract singleFile(mountPath?: string): string | undefined;
}

function validMode(v: PropValidator, mode: number | undefined): number {
  const m = mode ?? 0o440;
  if (m !== 0o400 && m !== 0o440) v.fail('invalid-mode', 'defaultMode', m, 'is not 0o400 or 0o440', 'use 0o440 (owner and fsGroup read) or 0o400');
  return m;
}

/** What an error names a secret source by: its name when that is a string (any value is safe to read). */
function nameForPath(props: unknown): string {
  const name = props !== null && typeof props === 'object' ? (props as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : '(unnamed)';
}

/** A Kubernetes Secret mounted read-only. */
export class KubernetesSecretSource extends SecretSource {
  /** Name of the Secret in the workload's namespace. */
  public readonly secretName: string;
  /** Keys of the Secret that are mounted, each as a file of that name; undefined when every key is mounted. */
  public readonly keys?: readonly string[];
  /** Resolved file mode. */
  public readonly defaultMode: number;

  constructor(props: KubernetesSecretProps, owner = 'SecretSource.kubernetesSecret') {
    super();
    const v = new PropValidator(owner, nameForPath(props));
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'pass the props object');
    this.secretName = v.dnsSubdomain('name', props?.name);
    if (props.keys !== undefined) {
      if (!Array.isArray(props.keys) || props.keys.length === 0) v.fail('empty', 'keys', props.keys, 'is empty', 'list the keys to mount, or leave keys out to mount all');
      props.keys.forEach((k, i) => {
        if (typeof k !== 'string' || !SECRET_KEY.test(k) || k.length > 253) v.fail('invalid-key', `keys[${i}]`, k, 'is not a valid Secret key', 'use letters, digits, "-", "_" and "."');
      });
      this.keys = [...props.keys];
    }
    this.defaultMode = validMode(v, props.defaultMode);
  }

  public singleFile(mountPath?: string): string | undefined {
    return this.keys?.length === 1 ? `${mountPath ?? `/etc/secrets/${this.secretName}`}/${this.keys[0]}` : undefined;
  }

  public mountInto(workload: AgentWorkload, options: SecretMountOptions = {}): SecretMount {
    const v = new PropValidator('SecretSource', workload.node.path);
    const path = v.absolutePath('mountPath', options.mountPath ?? `/etc/secrets/${this.secretName}`);
    // A Secret already mounted on this workload (e.g. shared by two data sources) is mounted once.
    const mounted = SECRET_MOUNTS.get(workload) ?? new Map<string, { signature: string; mount: SecretMount }>();
    SECRET_MOUNTS.set(workload, mounted);
    const container = options.container ?? workload.mainContainer;
    const signature = JSON.stringify([path, this.keys ?? null, this.defaultMode, container.name]);
    const previous = mounted.get(this.secretName);
    if (previous) {
      if (previous.signature !== signature) {
        v.fail('secret-mounted-twice', 'secretName', this.secretName, 'is already mounted on this workload with other keys, mode, path or container', 'mount it once, with every key the workload needs');
      }
      return previous.mount;
    }
    const volumeName = `secret-${this.secretName}`.slice(0, 63).replace(/[.-]+$/, '').replace(/\./g, '-');
    workload.claimVolume(volumeName, 'secretName');
    workload.claimMountPath(container, path, `mountPath of Secret ${this.secretName}`);
    const secret = kplus.Secret.fromSecretName(workload, `secret-ref-${this.secretName}`, this.secretName);
    const volume = kplus.Volume.fromSecret(workload, `secret-volume-${this.secretName}`, secret, {
      name: volumeName,
      defaultMode: this.defaultMode,
      optional: false,
      ...(this.keys ? { items: Object.fromEntries(this.keys.map((k) => [k, { path: k }])) } : {}),
    });
    container.mount(path, volume, { readOnly: true });
    const files = Object.fromEntries((this.keys ?? []).map((k) => [k, `${path}/${k}`]));
    mounted.set(this.secretName, { signature, mount: { path, files } });
    return { path, files };
  }
}

/** An ExternalSecret, plus the mount of the Secret it produces. */
export class ExternalSecretSource extends SecretSource {
  /** Name of the ExternalSecret and of the Secret it creates (and owns). */
  public readonly name: string;
  /** Name of the SecretStore or ClusterSecretStore the ExternalSecret reads from. */
  public readonly storeName: string;
  /** Kind of the store: `SecretStore` (namespaced, the default) or `ClusterSecretStore`. */
  public readonly storeKind: SecretStoreKind;
  /**
   * How often the External Secrets operator re-reads the store, a duration such as `"1h"` (`"1h"` unless
   * given).
   */
  public readonly refreshInterval: string;
  /** The keys of the created Secret, each with the remote key (and property) it is read from. */
  public readonly data: readonly ExternalSecretData[];
  private readonly secret: KubernetesSecretSource;

  constructor(props: ExternalSecretProps) {
    super();
    const v = new PropValidator('SecretSource.externalSecret', nameForPath(props));
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'pass the props object');
    this.name = v.dnsSubdomain('name', props?.name);
    this.storeName = v.dnsSubdomain('storeName', props.storeName);
    this.storeKind = v.oneOf('invalid-store-kind', 'storeKind', props.storeKind ?? SecretStoreKind.SECRET_STORE, SecretStoreKind, 'an External Secrets store kind');
    this.refreshInterval = props.refreshInterval ?? '1h';
    if (typeof this.refreshInterval !== 'string' || !DURATION.test(this.refreshInterval)) {
      v.fail('invalid-duration', 'refreshInterval', props.refreshInterval, 'is not a Go duration', 'use e.g. "1h" or "15m"');
    }
    if (!Array.isArray(props.data) || props.data.length === 0) v.fail('empty', 'data', props.data, 'is empty', 'list at least one { secretKey, remoteKey }');
    const seen = new Set<string>();
    this.data = props.data.map((d, i) => {
      if (typeof d?.secretKey !== 'string' || !SECRET_KEY.test(d.secretKey)) v.fail('invalid-key', `data[${i}].secretKey`, d?.secretKey, 'is not a valid Secret key', 'use letters, digits, "-", "_" and "."');
      if (seen.has(d.secretKey)) v.fail('duplicate-key', `data[${i}].secretKey`, d.secretKey, 'appears twice', 'give each key once');
      seen.add(d.secretKey);
      v.nonEmpty(`data[${i}].remoteKey`, d.remoteKey);
      if (d.property !== undefined) v.nonEmpty(`data[${i}].property`, d.property);
      return { secretKey: d.secretKey, remoteKey: d.remoteKey, ...(d.property !== undefined ? { property: d.property } : {}) };
    });
    this.secret = new KubernetesSecretSource({ name: this.name, keys: this.data.map((d) => d.secretKey), defaultMode: props.defaultMode }, 'SecretSource.externalSecret');
  }

  public singleFile(mountPath?: string): string | undefined {
    return this.secret.singleFile(mountPath);
  }

  public mountInto(workload: AgentWorkload, options: SecretMountOptions = {}): SecretMount {
    const declared = EXTERNAL_SECRETS.get(workload) ?? new Map<string, string>();
    EXTERNAL_SECRETS.set(workload, declared);
    const spec = this.spec();
    const previous = declared.get(this.name);
    if (previous !== undefined) {
      if (previous !== JSON.stringify(spec)) {
        new PropValidator('SecretSource', workload.node.path).fail('secret-mounted-twice', 'name', this.name, 'is already an ExternalSecret of this workload with another spec', 'declare it once, with every key the workload needs');
      }
      return this.secret.mountInto(workload, options);
    }
    declared.set(this.name, JSON.stringify(spec));
    new ApiObject(workload, `external-secret-${this.name}`, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: this.name, namespace: workload.namespace, labels: workload.labels },
      spec,
    });
    return this.secret.mountInto(workload, options);
  }

  private spec(): Record<string, unknown> {
    return {
      refreshInterval: this.refreshInterval,
      secretStoreRef: { name: this.storeName, kind: this.storeKind },
      target: { name: this.name, creationPolicy: 'Owner' },
      data: this.data.map((d) => ({
        secretKey: d.secretKey,
        remoteRef: { key: d.remoteKey, ...(d.property !== undefined ? { property: d.property } : {}) },
      })),
    };
  }
}

/** A secret rendered by the Vault Agent Injector. */
export class VaultSecretSource extends SecretSource {
  /** File name under /vault/secrets, as given in `name`. */
  public readonly name: string;
  /** Vault path of the secret, e.g. `secret/data/sensor/vendor-token`. */
  public readonly vaultPath: string;
  /** Vault role that the pod's ServiceAccount authenticates as. */
  public readonly role: string;
  /** The rendered file: /vault/secrets/<name>. */
  public readonly filePath: string;
  /** Whether the file holds `export` lines for `envCommand()`. */
  public readonly envMode: boolean;
  /** Every annotation this source puts on the pod template. */
  public readonly annotations: Readonly<Record<string, string>>;
  /** Audience of the agent's projected ServiceAccount token. */
  public readonly tokenAudience: string;

  constructor(props: VaultSecretProps) {
    super();
    const v = new PropValidator('SecretSource.vault', nameForPath(props));
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'pass the props object');
    const name = props?.name;
    if (typeof name !== 'string' || name.length === 0 || name.length > 41 || !VAULT_NAME.test(name)) {
      const problem = typeof name === 'string' && name.includes('/') ? 'contains a slash; it is a file name under /vault/secrets' : 'is not a file name of at most 41 letters, digits, "-", "_" or "."';
      v.fail('invalid-vault-name', 'name', name, problem, 'use e.g. "vendor-token" (put the Vault path in `path`)');
    }
    this.name = name;
    const path = props.path;
    if (typeof path !== 'string' || path.trim() === '' || !VAULT_PATH.test(path) || path.split('/').some((s) => s === '' || s === '..')) {
      v.fail('invalid-vault-path', 'path', path, 'is not a Vault path', 'use e.g. "secret/data/sensor/vendor-token"');
    }
    this.vaultPath = path;
    if (typeof props.role !== 'string' || props.role.length > 128 || !VAULT_ROLE.test(props.role)) {
      v.fail('invalid-vault-role', 'role', props.role, 'is not a Vault role name (letters, digits, "-", "_", ".")', 'use e.g. "sensor-crawler"');
    }
    this.role = props.role;
    this.filePath = `/vault/secrets/${name}`;
    if (props.perms !== undefined && !['0400', '0440', '0444'].includes(props.perms)) v.fail('invalid-mode', 'perms', props.perms, 'is not "0400", "0440" or "0444"', 'use "0400"');
    const runAsSameUser = props.runAsSameUser ?? true;
    const ann: Record<string, string> = {
      [`${VAULT}agent-inject`]: 'true',
      [`${VAULT}role`]: this.role,
      [`${VAULT}agent-inject-secret-${name}`]: path,
      [`${VAULT}agent-inject-perms-${name}`]: props.perms ?? (runAsSameUser ? '0400' : '0440'),
      [`${VAULT}agent-pre-populate-only`]: String(props.prePopulateOnly ?? false),
      [`${VAULT}agent-run-as-same-user`]: String(runAsSameUser),
      [`${VAULT}agent-service-account-token-volume-name`]: VAULT_TOKEN_VOLUME,
    };
    const audience = props.tokenAudience ?? 'vault';
    if (typeof audience !== 'string' || !/^[!-~]{1,253}$/.test(audience)) {
      v.fail('invalid-audience', 'tokenAudience', audience, 'is not a token audience', 'use e.g. "vault"');
    }
    this.tokenAudience = audience;
    this.envMode = props.envVars !== undefined;
    if (this.envMode) {
      if (props.template !== undefined) v.fail('conflicting-props', 'template', props.template, 'is given with envVars', 'give either envVars (a generated export file) or a template');
      const entries = Object.entries(props.envVars ?? {});
      if (entries.length === 0) v.fail('empty', 'envVars', props.envVars, 'is empty', 'map at least one env var name to a field, e.g. { API_TOKEN: "token" }');
      const data = (props.kvVersion ?? 2) === 2 ? '.Data.data' : '.Data';
      const lines = entries.map(([env, field]) => {
        if (!ENV_NAME.test(env)) v.fail('invalid-env-name', 'envVars key', env, 'is not a shell variable name', 'use letters, digits and "_", e.g. API_TOKEN');
        if (typeof field !== 'string' || !FIELD.test(field)) v.fail('invalid-field', `envVars["${env}"]`, field, 'is not a field name', 'use e.g. "token"');
        // Single-quoted, with each ' written as '\'' so the value is never interpreted by the shell.
        return `export ${env}='{{ index ${data} "${field}" | replaceAll "'" "'\\\\''" }}'`;
      });
      ann[`${VAULT}agent-inject-template-${name}`] = `{{- with secret "${path}" -}}\n${lines.join('\n')}\n{{- end }}\n`;
    } else if (props.template !== undefined) {
      ann[`${VAULT}agent-inject-template-${name}`] = v.nonEmpty('template', props.template);
    }
    if (props.authPath !== undefined) {
      if (!VAULT_PATH.test(props.authPath)) v.fail('invalid-vault-path', 'authPath', props.authPath, 'is not a Vault auth path', 'use e.g. "auth/kubernetes-prod"');
      ann[`${VAULT}auth-path`] = props.authPath;
    }
    if (props.vaultNamespace !== undefined) ann[`${VAULT}namespace`] = v.nonEmpty('vaultNamespace', props.vaultNamespace);
    if (props.tls?.caCert !== undefined) ann[`${VAULT}ca-cert`] = v.absolutePath('tls.caCert', props.tls.caCert);
    if (props.tls?.tlsSecret !== undefined) ann[`${VAULT}tls-secret`] = v.dnsSubdomain('tls.tlsSecret', props.tls.tlsSecret);
    const r = props.agentResources ?? {};
    if (r.cpuLimit !== undefined) ann[`${VAULT}agent-limits-cpu`] = v.cpu('agentResources.cpuLimit', r.cpuLimit);
    if (r.memoryLimit !== undefined) ann[`${VAULT}agent-limits-mem`] = v.memory('agentResources.memoryLimit', r.memoryLimit);
    if (r.cpuRequest !== undefined) ann[`${VAULT}agent-requests-cpu`] = v.cpu('agentResources.cpuRequest', r.cpuRequest);
    if (r.memoryRequest !== undefined) ann[`${VAULT}agent-requests-mem`] = v.memory('agentResources.memoryRequest', r.memoryRequest);
    for (const [k, val] of Object.entries(props.extraAnnotations ?? {})) {
      if (!k.startsWith(VAULT)) v.fail('invalid-annotation', 'extraAnnotations key', k, `is not a ${VAULT}* annotation`, 'set other pod annotations with the workload\'s podAnnotations');
      const bare = k.slice(VAULT.length);
      if (FORBIDDEN_VAULT.some((f) => bare === f || bare.startsWith(`${f}-`))) {
        v.fail('forbidden-vault-annotation', 'extraAnnotations key', k, bare.startsWith('tls') ? 'turns off TLS verification towards Vault' : 'writes the Vault token into the pod', bare.startsWith('tls') ? 'remove it and set tls.caCert or tls.tlsSecret' : 'remove it; inject only the secrets the program needs');
      }
      v.labelKey('extraAnnotations key', k);
      if (k in ann) v.fail('conflicting-props', 'extraAnnotations key', k, 'is set by a typed prop', 'use the typed prop');
      ann[k] = String(val);
    }
    this.annotations = ann;
  }

  /**
   * For a program that reads only env vars: the container command that sources the rendered file and
   * then execs the program with its arguments, each passed as its own argv entry (never joined into the script).
   */
  public envCommand(program: string[]): string[] {
    const v = new PropValidator('SecretSource.vault', this.name);
    if (!this.envMode) v.fail('not-env-mode', 'envVars', undefined, 'is not set, so the file holds no export lines', 'give envVars to render the secret for the shell');
    if (!Array.isArray(program) || program.length === 0 || typeof program[0] !== 'string' || program[0] === '') {
      v.fail('empty', 'program', program, 'is empty', 'give the program and its arguments, e.g. ["/app/crawler", "--config", "/etc/crawler.yaml"]');
    }
    // "$0" and "$@" are the program and its arguments, as separate argv entries: nothing is re-parsed.
    return ['/bin/sh', '-c', `. ${this.filePath} && exec "$0" "$@"`, ...program];
  }

  public singleFile(): string {
    return this.filePath;
  }

  /** Puts the injector annotations on the workload's pod template; the file appears at /vault/secrets/<name>. */
  public mountInto(workload: AgentWorkload, _options: SecretMountOptions = {}): SecretMount {
    const v = new PropValidator('SecretSource', workload.node.path);
    const state = VAULT_STATE.get(workload) ?? new Map<string, string>();
    for (const [k, val] of Object.entries(this.annotations)) {
      const prev = state.get(k);
      if (prev !== undefined && prev !== val) {
        v.fail('conflicting-vault-annotation', k, val, `differs from "${prev}", set by another Vault secret on this workload`, 'give every Vault secret of one workload the same role, auth path and agent settings');
      }
      if (prev === undefined) workload.workload.podMetadata.addAnnotation(k, val);
      state.set(k, val);
    }
    // The agent's login token: a pseudo-key in the state, so that two secrets cannot ask for two audiences.
    const prevAudience = state.get(TOKEN_AUDIENCE_KEY);
    if (prevAudience === undefined) {
      workload.addServiceAccountTokenVolume(VAULT_TOKEN_VOLUME, this.tokenAudience);
      state.set(TOKEN_AUDIENCE_KEY, this.tokenAudience);
    } else if (prevAudience !== this.tokenAudience) {
      v.fail('conflicting-vault-annotation', 'tokenAudience', this.tokenAudience, `differs from "${prevAudience}", set by another Vault secret on this workload`, 'give every Vault secret of one workload the same tokenAudience');
    }
    VAULT_STATE.set(workload, state);
    return { path: this.filePath, files: { [this.name]: this.filePath } };
  }
}
