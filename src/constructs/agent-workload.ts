import { ApiObject, Chart, Cron, JsonPatch, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BASELINE_CAPABILITIES, EXEMPTION_PREFIX, PSS, RESTRICTED_CAPABILITIES } from '../policy/rule-ids';
import { ClusterScopedObject, selectorLabels, standardLabels, StandardLabelProps } from './labels';
import { REASON_ANNOTATIONS, reasonMap } from './reasons';
import { PropValidator, ImageRef, parseCpu, parseMemory } from './validation';

/** The Kubernetes object that runs a workload's pods. */
export enum WorkloadKind {
  DEPLOYMENT = 'Deployment',
  DAEMON_SET = 'DaemonSet',
  STATEFUL_SET = 'StatefulSet',
  JOB = 'Job',
  CRON_JOB = 'CronJob',
}

/** A privilege asked for with the reason that justifies it; the reason becomes an exemption annotation. */
export interface Reason {
  /** Why the workload needs this, at least 10 characters. */
  readonly reason: string;
}

/** One Linux capability added to the main container, with its reason. */
export interface CapabilityGrant {
  /** Capability name without `CAP_`, e.g. `BPF`. */
  readonly capability: string;
  /** Why the workload needs it. */
  readonly reason: string;
}

/** A host path mounted into the main container. */
export interface HostMount {
  /** Absolute path on the node. */
  readonly hostPath: string;
  /**
   * Absolute path in the container.
   * @default - the same as `hostPath`
   */
  readonly mountPath?: string;
  /**
   * Mount read-only.
   * @default true
   */
  readonly readOnly?: boolean;
  /**
   * Expected type of the host path.
   * @default kplus.HostPathVolumeType.DIRECTORY
   */
  readonly type?: kplus.HostPathVolumeType;
  /** Why the workload needs this part of the host. */
  readonly reason: string;
}

/** Requests and limits; sized for an agent rather than cdk8s-plus's 1 CPU / 2 GiB defaults. */
export interface ResourceSizing {
  /** @default "50m" */
  readonly cpuRequest?: string;
  /** @default "500m" */
  readonly cpuLimit?: string;
  /** @default "64Mi" */
  readonly memoryRequest?: string;
  /** @default "256Mi" */
  readonly memoryLimit?: string;
}

/** A port the main container listens on. */
export interface WorkloadPort {
  /** @default - unnamed */
  readonly name?: string;
  readonly port: number;
  /** @default kplus.Protocol.TCP */
  readonly protocol?: kplus.Protocol;
}

/** Options for a container of the workload; every container gets the hardening profile. */
export interface AgentContainerOptions {
  /** DNS-1123 label, unique within the pod. */
  readonly name: string;
  /** `repository:tag`, `repository@sha256:<hex>` or both. `latest` or no tag is refused. */
  readonly image: string;
  /**
   * Digest to pin the image to, when `image` does not carry one.
   * @default - none; the checker's `image-digest` rule warns
   */
  readonly imageDigest?: string;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /** @default - the image's arguments */
  readonly args?: string[];
  /**
   * Plain (non-secret) environment variables. Secrets are delivered as files (secrets module).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /** @default - none */
  readonly ports?: WorkloadPort[];
  /** @default - see ResourceSizing */
  readonly resources?: ResourceSizing;
}

export interface AgentWorkloadProps extends Omit<AgentContainerOptions, 'name'> {
  /**
   * Object kind.
   * @default WorkloadKind.DEPLOYMENT
   */
  readonly kind?: WorkloadKind;
  /**
   * Name of the workload, its ServiceAccount and its main container's `app.kubernetes.io/name`.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every namespaced object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** `app.kubernetes.io/component`, e.g. `agent`. */
  readonly component: string;
  /** `app.kubernetes.io/part-of`: the family, e.g. `observability`. */
  readonly partOf: string;
  /**
   * `app.kubernetes.io/instance`.
   * @default - the name
   */
  readonly instance?: string;
  /**
   * Name of the main container.
   * @default - the component
   */
  readonly containerName?: string;
  /**
   * Extra labels on every object of this workload.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Extra annotations on the pod template (e.g. Vault Agent annotations).
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Replicas of a Deployment or StatefulSet.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Schedule of a CronJob (required for `WorkloadKind.CRON_JOB`).
   * @default - none
   */
  readonly schedule?: string;
  /**
   * UID of every container.
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * GID of every container.
   * @default - the same as runAsUser
   */
  readonly runAsGroup?: number;
  /**
   * Group that owns mounted volumes.
   * @default - the same as runAsGroup
   */
  readonly fsGroup?: number;
  /**
   * Run as root (UID 0). Exempts `pss-runasnonroot` and `pss-runasuser` with the reason.
   * @default - never root
   */
  readonly runAsRoot?: Reason;
  /**
   * Run the main container privileged. Exempts `pss-privileged`, `pss-allowprivilegeescalation`
   * and both capability rules with the reason.
   * @default - not privileged
   */
  readonly privileged?: Reason;
  /**
   * Capabilities added to the main container (ALL is always dropped first).
   * @default - none
   */
  readonly capabilities?: CapabilityGrant[];
  /** @default - the pod network */
  readonly hostNetwork?: Reason;
  /** @default - its own PID namespace */
  readonly hostPid?: Reason;
  /** @default - its own IPC namespace */
  readonly hostIpc?: Reason;
  /**
   * Host paths mounted into the main container, read-only unless said otherwise.
   * @default - none
   */
  readonly hostMounts?: HostMount[];
  /**
   * DNS policy; a hostNetwork pod that resolves cluster names needs CLUSTER_FIRST_WITH_HOST_NET.
   * @default kplus.DnsPolicy.CLUSTER_FIRST, or CLUSTER_FIRST_WITH_HOST_NET with hostNetwork
   */
  readonly dnsPolicy?: kplus.DnsPolicy;
  /**
   * Names of Secrets of type kubernetes.io/dockerconfigjson for pulling images.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Size limit of the `/tmp` emptyDir that the read-only root filesystem needs.
   * @default "64Mi"
   */
  readonly tmpSizeLimit?: string;
}

const DEFAULT_UID = 10001;
const DEFAULT_RESOURCES: Required<ResourceSizing> = {
  cpuRequest: '50m',
  cpuLimit: '500m',
  memoryRequest: '64Mi',
  memoryLimit: '256Mi',
};

/** A JSON patch whose value is computed at synthesis, after every construct has had its say. */
function lateAdd(path: string, produce: () => unknown): JsonPatch {
  return { _toJson: () => ({ op: 'add', path, value: produce() }) } as unknown as JsonPatch;
}

/**
 * The hardened base of every workload the library makes: a Deployment, DaemonSet, StatefulSet, Job
 * or CronJob with its own ServiceAccount, the hardening profile of DESIGN.md and the standard labels.
 *
 * Privileges beyond the restricted Pod Security Standard are asked for by typed props that carry a
 * reason; each reason lands on the workload as `exemptions.secure-agents.io/<rule-id>`.
 */
export class AgentWorkload extends Construct {
  public readonly kind: WorkloadKind;
  public readonly name: string;
  /** Namespace of the workload, or undefined when the chart sets none. */
  public readonly namespace?: string;
  public readonly labelProps: StandardLabelProps;
  /** Every label on every object of this workload. */
  public readonly labels: Record<string, string>;
  /** The labels that select this workload's pods. */
  public readonly selector: Record<string, string>;
  public readonly runAsUser: number;
  public readonly runAsGroup: number;
  public readonly fsGroup: number;
  public readonly root: boolean;
  public readonly privileged: boolean;
  public readonly capabilities: readonly string[];
  public readonly hostNetwork: boolean;
  public readonly hostPid: boolean;
  public readonly hostIpc: boolean;
  public readonly resources: Required<ResourceSizing>;
  public readonly image: ImageRef;
  /** The cdk8s-plus workload; changes to it bypass the library's checks. */
  public readonly workload: kplus.Workload;
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly mainContainer: kplus.Container;

  private readonly validator: PropValidator;
  private readonly templatePath: string;
  private readonly exemptions = new Map<string, string[]>();
  private readonly apiObject: ApiObject;
  private containerCount = 0;
  private initContainerCount = 0;
  private tokenNeeded = false;
  /** Reasons written to the workload's `reasons.secure-agents.io/*` annotations (docs/reasons-in-output.md). */
  private readonly reasonsOf = {
    capabilities: new Map<string, string>(),
    hostPaths: new Map<string, string>(),
    hostNamespaces: new Map<string, string>(),
    token: [] as string[],
  };

  constructor(scope: Construct, id: string, props: AgentWorkloadProps) {
    super(scope, id);
    const v = (this.validator = new PropValidator('AgentWorkload', this.node.path));
    this.kind = v.oneOf('invalid-kind', 'kind', props.kind ?? WorkloadKind.DEPLOYMENT, WorkloadKind, 'a workload kind');
    this.name = v.dnsLabel('name', props.name ?? id);
    const chartNamespace = Chart.of(this).namespace;
    this.namespace = props.namespace !== undefined ? v.dnsLabel('namespace', props.namespace) : chartNamespace;
    this.labelProps = {
      name: v.labelValue('name', this.name),
      instance: v.labelValue('instance', props.instance ?? this.name),
      component: v.labelValue('component', v.nonEmpty('component', props.component)),
      partOf: v.labelValue('partOf', v.nonEmpty('partOf', props.partOf)),
    };
    this.labels = { ...v.labels('labels', props.labels), ...standardLabels(this.labelProps) };
    this.selector = selectorLabels(this.labelProps);

    // Identity: root only with a reason; a fixed non-root UID/GID otherwise.
    this.root = props.runAsRoot !== undefined;
    let rootReason: string | undefined;
    let privilegedReason: string | undefined;
    if (this.root) {
      const reason = rootReason = v.reason('runAsRoot.reason', props.runAsRoot?.reason);
      this.exempt(PSS.runAsNonRoot, reason);
      this.exempt(PSS.runAsUser, reason);
    }
    this.runAsUser = this.root ? 0 : v.id('runAsUser', props.runAsUser ?? DEFAULT_UID);
    this.runAsGroup = v.id('runAsGroup', props.runAsGroup ?? (this.root ? DEFAULT_UID : this.runAsUser));
    this.fsGroup = v.id('fsGroup', props.fsGroup ?? this.runAsGroup);

    this.privileged = props.privileged !== undefined;
    if (this.privileged) {
      const reason = privilegedReason = v.reason('privileged.reason', props.privileged?.reason);
      for (const rule of [PSS.privileged, PSS.allowPrivilegeEscalation, PSS.capabilitiesBaseline, PSS.capabilitiesRestricted]) {
        this.exempt(rule, reason);
      }
    }

    const caps: string[] = [];
    (props.capabilities ?? []).forEach((grant, i) => {
      const cap = v.capability(`capabilities[${i}].capability`, grant?.capability);
      const reason = v.reason(`capabilities[${i}].reason`, grant?.reason);
      if (caps.includes(cap)) v.fail('duplicate-capability', `capabilities[${i}].capability`, cap, 'is listed twice', 'list each capability once');
      caps.push(cap);
      this.reasonsOf.capabilities.set(cap, reason);
      if (!RESTRICTED_CAPABILITIES.includes(cap)) this.exempt(PSS.capabilitiesRestricted, `${cap}: ${reason}`);
      if (!BASELINE_CAPABILITIES.includes(cap)) this.exempt(PSS.capabilitiesBaseline, `${cap}: ${reason}`);
    });
    this.capabilities = caps;

    const hostNs = (key: 'hostNetwork' | 'hostPid' | 'hostIpc'): boolean => {
      const asked = props[key];
      if (asked === undefined) return false;
      const reason = v.reason(`${key}.reason`, asked.reason);
      this.exempt(PSS.hostNamespaces, `${key}: ${reason}`);
      this.reasonsOf.hostNamespaces.set(key === 'hostPid' ? 'hostPID' : key === 'hostIpc' ? 'hostIPC' : key, reason);
      return true;
    };
    this.hostNetwork = hostNs('hostNetwork');
    this.hostPid = hostNs('hostPid');
    this.hostIpc = hostNs('hostIpc');

    this.resources = this.resolveResources('resources', props.resources);
    if (this.kind === WorkloadKind.CRON_JOB && !props.schedule) {
      v.fail('missing-schedule', 'schedule', props.schedule, 'is required for a CronJob', 'give a cron expression such as "0 3 * * *"');
    }
    if (props.replicas !== undefined) v.positiveInt('replicas', props.replicas, 100);
    const podAnnotations = { ...(props.podAnnotations ?? {}) };
    Object.keys(podAnnotations).forEach((k) => v.labelKey('podAnnotations key', k));
    const imagePullSecrets = (props.imagePullSecrets ?? []).map((s, i) => v.dnsSubdomain(`imagePullSecrets[${i}]`, s));

    const metadata = { name: this.name, namespace: this.namespace, labels: this.labels };
    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', {
      metadata,
      automountToken: false,
    });
    const podProps: kplus.WorkloadProps = {
      metadata,
      select: false,
      podMetadata: { labels: this.labels, annotations: podAnnotations },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: {
        ensureNonRoot: !this.root,
        user: this.runAsUser,
        group: this.runAsGroup,
        fsGroup: this.fsGroup,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
      },
      hostNetwork: this.hostNetwork,
      dns: { policy: props.dnsPolicy ?? (this.hostNetwork ? kplus.DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET : kplus.DnsPolicy.CLUSTER_FIRST) },
    };
    this.templatePath = this.kind === WorkloadKind.CRON_JOB ? '/spec/jobTemplate/spec/template' : '/spec/template';
    this.workload = this.createWorkload(props, podProps);
    this.workload.select(kplus.LabelSelector.of({ labels: this.selector }));
    this.apiObject = ApiObject.of(this.workload);

    // cdk8s-plus adds a hashed `cdk8s.io/metadata.addr` label to every pod template: names stay readable.
    this.apiObject.addJsonPatch(JsonPatch.remove(`${this.templatePath}/metadata/labels/cdk8s.io~1metadata.addr`));
    // Patch paths use cdk8s-plus's TypeScript names (hostPid, not hostPID): see DESIGN.md, escape hatches.
    const spec = `${this.templatePath}/spec`;
    this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
    if (this.hostPid) this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/hostPid`, true));
    if (this.hostIpc) this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/hostIpc`, true));
    if (imagePullSecrets.length > 0) {
      this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/imagePullSecrets`, imagePullSecrets.map((name) => ({ name }))));
    }
    this.apiObject.addJsonPatch(lateAdd(`${spec}/automountServiceAccountToken`, () => this.tokenNeeded));
    ApiObject.of(this.serviceAccount).addJsonPatch(lateAdd('/automountServiceAccountToken', () => this.tokenNeeded));
    for (const [k, val] of Object.entries(this.exemptionAnnotations())) this.workload.metadata.addAnnotation(k, val);
    // Every reason this workload holds, next to the privilege (docs/reasons-in-output.md). Computed at
    // synthesis, so that host mounts and grants added after the constructor are included.
    const lazy = (produce: () => string | undefined) => Lazy.any({ produce }) as unknown as string;
    const wm = this.workload.metadata;
    wm.addAnnotation(REASON_ANNOTATIONS.capabilities, lazy(() => reasonMap(this.reasonsOf.capabilities)));
    wm.addAnnotation(REASON_ANNOTATIONS.hostPaths, lazy(() => reasonMap(this.reasonsOf.hostPaths)));
    wm.addAnnotation(REASON_ANNOTATIONS.hostNamespaces, lazy(() => reasonMap(this.reasonsOf.hostNamespaces)));
    if (privilegedReason) wm.addAnnotation(REASON_ANNOTATIONS.privileged, privilegedReason);
    if (rootReason) wm.addAnnotation(REASON_ANNOTATIONS.runAsRoot, rootReason);
    const tokenReason = lazy(() => (this.tokenNeeded && this.reasonsOf.token.length > 0 ? this.reasonsOf.token.join('; ') : undefined));
    wm.addAnnotation(REASON_ANNOTATIONS.token, tokenReason);
    ApiObject.of(this.serviceAccount).metadata.addAnnotation(REASON_ANNOTATIONS.token, tokenReason);

    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', {
      sizeLimit: this.sizeOf('tmpSizeLimit', props.tmpSizeLimit ?? '64Mi'),
    });
    this.mainContainer = this.addContainer({ ...props, name: props.containerName ?? this.labelProps.component });
    this.mainContainer.mount('/tmp', tmp);
    this.image = v.image('image', props.image);

    (props.hostMounts ?? []).forEach((m, i) => this.mountHostPath(m, `hostMounts[${i}]`));
  }

  /** Records an exemption for a rule; the reasons of one rule are joined into one annotation. */
  public exempt(ruleId: string, reason: string): this {
    const reasons = this.exemptions.get(ruleId) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    this.exemptions.set(ruleId, reasons);
    // Before the workload exists the constructor applies them all at once.
    this.workload?.metadata.addAnnotation(`${EXEMPTION_PREFIX}${ruleId}`, reasons.join('; '));
    return this;
  }

  /** The exemption annotations this workload carries, by rule id. */
  public exemptionAnnotations(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const rule of [...this.exemptions.keys()].sort()) {
      out[`${EXEMPTION_PREFIX}${rule}`] = this.exemptions.get(rule)!.join('; ');
    }
    return out;
  }

  /**
   * Mounts the ServiceAccount token: only for a workload that calls the Kubernetes API.
   * @param reason why it calls the API without a role of ours (e.g. TokenReview); written to
   * `reasons.secure-agents.io/token`.
   */
  public enableApiAccess(reason?: string): this {
    this.tokenNeeded = true;
    if (reason !== undefined) this.addTokenReason(this.validator.reason('enableApiAccess reason', reason));
    return this;
  }

  private addTokenReason(reason: string): void {
    if (!this.reasonsOf.token.includes(reason)) this.reasonsOf.token.push(reason);
  }

  /** Whether the pod mounts a ServiceAccount token (set by role bindings or enableApiAccess()). */
  public get automountToken(): boolean {
    return this.tokenNeeded;
  }

  /**
   * Binds this workload's ServiceAccount to a new ClusterRole with exactly these rules, and mounts its
   * token. The ClusterRole and its binding are named after the workload.
   */
  public grantClusterRole(rules: PolicyRule[], options: GrantOptions = {}): ClusterScopedObject {
    const name = this.validator.dnsSubdomain('grantClusterRole name', options.name ?? this.name);
    const role = new ClusterScopedObject(this, `cluster-role-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: this.labels, annotations: this.roleAnnotations(rules, options) },
      rules: rules.map((r, i) => this.validateRule(r, `rules[${i}]`)),
    });
    new ClusterScopedObject(this, `cluster-role-binding-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: this.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [this.subject()],
    });
    this.tokenNeeded = true;
    this.addTokenReason(`calls the Kubernetes API with the rules of ${kind(role)} "${name}"`);
    return role;
  }

  /** Binds this workload's ServiceAccount to a new Role in one namespace, and mounts its token. */
  public grantRole(namespace: string, rules: PolicyRule[], options: GrantOptions = {}): ApiObject {
    const ns = this.validator.dnsLabel('grantRole namespace', namespace);
    const name = this.validator.dnsSubdomain('grantRole name', options.name ?? this.name);
    const role = new ApiObject(this, `role-${ns}-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: ns, labels: this.labels, annotations: this.roleAnnotations(rules, options) },
      rules: rules.map((r, i) => this.validateRule(r, `rules[${i}]`)),
    });
    new ApiObject(this, `role-binding-${ns}-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: ns, labels: this.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [this.subject()],
    });
    this.tokenNeeded = true;
    this.addTokenReason(`calls the Kubernetes API with the rules of ${kind(role)} "${name}"`);
    return role;
  }

  /**
   * Adds a projected ServiceAccount token volume to the pod without mounting it in any container of
   * ours: for a sidecar that an admission webhook injects (the Vault Agent), so the application never
   * sees the token. The token is bound to `audience` and rotated by the kubelet.
   */
  public addServiceAccountTokenVolume(name: string, audience: string, expirationSeconds = 3600): void {
    const v = this.validator;
    if (typeof audience !== 'string' || !/^[!-~]{1,253}$/.test(audience)) {
      v.fail('invalid-audience', 'audience', audience, 'is not a token audience', 'use e.g. "vault"');
    }
    v.positiveInt('expirationSeconds', expirationSeconds, 2 ** 32);
    if (expirationSeconds < 600) v.fail('invalid-number', 'expirationSeconds', expirationSeconds, 'is below the 600 seconds Kubernetes accepts', 'use at least 600, e.g. 3600');
    this.apiObject.addJsonPatch(JsonPatch.add(`${this.templatePath}/spec/volumes/-`, {
      name: v.dnsLabel('volume name', name),
      projected: { sources: [{ serviceAccountToken: { audience, expirationSeconds, path: 'token' } }] },
    }));
  }

  /** A ClusterIP Service named after the workload that selects its pods, on the given TCP ports. */
  public addService(ports: Array<{ name: string; port: number }>): ApiObject {
    const v = this.validator;
    return new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
      spec: {
        selector: this.selector,
        ports: ports.map((p, i) => ({ name: v.dnsLabel(`service.ports[${i}].name`, p.name), port: v.port(`service.ports[${i}].port`, p.port), targetPort: p.port, protocol: 'TCP' })),
      },
    });
  }

  /** This workload's ServiceAccount as an RBAC subject. */
  public subject(): { kind: string; name: string; namespace: string } {
    return { kind: 'ServiceAccount', name: this.name, namespace: this.namespace ?? 'default' };
  }

  /** Adds a container with the hardening profile (same UID, no capabilities, read-only root). */
  public addContainer(options: AgentContainerOptions): kplus.Container {
    return this.hardenedContainer(options, false);
  }

  /** Adds an init container with the hardening profile. */
  public addInitContainer(options: AgentContainerOptions): kplus.Container {
    return this.hardenedContainer(options, true);
  }

  /** Mounts a host path into the main container; read-only unless `readOnly: false`. */
  public mountHostPath(mount: HostMount, prop = 'hostMount'): kplus.Volume {
    const v = this.validator;
    const hostPath = v.absolutePath(`${prop}.hostPath`, mount?.hostPath);
    const mountPath = v.absolutePath(`${prop}.mountPath`, mount.mountPath ?? hostPath);
    const reason = v.reason(`${prop}.reason`, mount.reason);
    const readOnly = mount.readOnly ?? true;
    const volumeName = `host${hostPath === '/' ? '-root' : hostPath.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 63).replace(/-+$/, '');
    const volume = kplus.Volume.fromHostPath(this, `host-path-${volumeName}`, volumeName, {
      path: hostPath,
      type: mount.type ?? kplus.HostPathVolumeType.DIRECTORY,
    });
    this.mainContainer.mount(mountPath, volume, { readOnly });
    this.reasonsOf.hostPaths.set(hostPath, reason);
    const text = `${hostPath}${readOnly ? ' (read-only)' : ' (read-write)'}: ${reason}`;
    this.exempt(PSS.hostPathVolumes, text);
    this.exempt(PSS.restrictedVolumes, text);
    return volume;
  }

  private hardenedContainer(options: AgentContainerOptions, init: boolean): kplus.Container {
    const v = this.validator;
    const prefix = init ? 'initContainer' : this.containerCount === 0 ? '' : 'container';
    const p = (prop: string) => (prefix ? `${prefix}.${prop}` : prop);
    const name = v.dnsLabel(p('name'), options.name);
    const ref = v.image(p('image'), options.image);
    let image = options.image;
    if (options.imageDigest !== undefined) {
      const digest = v.digest(p('imageDigest'), options.imageDigest);
      if (ref.digest && ref.digest !== digest) {
        v.fail('conflicting-digest', p('imageDigest'), digest, `differs from the digest in image "${options.image}"`, 'give the digest once');
      }
      if (!ref.digest) image = `${options.image}@${digest}`;
    }
    const env: Record<string, kplus.EnvValue> = {};
    for (const [k, val] of Object.entries(options.env ?? {})) {
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(k)) v.fail('invalid-env-name', p(`env key`), k, 'is not a valid environment variable name', 'use letters, digits, "_", "-" and "."');
      env[k] = kplus.EnvValue.fromValue(val);
    }
    const isMain = !init && this.containerCount === 0;
    const ports = (options.ports ?? []).map((port, i) => ({
      number: v.port(p(`ports[${i}].port`), port?.port),
      ...(port.name !== undefined ? { name: v.dnsLabel(p(`ports[${i}].name`), port.name) } : {}),
      protocol: port.protocol ?? kplus.Protocol.TCP,
    }));
    const resources = isMain ? this.resources : this.resolveResources(p('resources'), options.resources);
    const spec: kplus.ContainerProps = {
      name,
      image,
      command: options.command,
      args: options.args,
      envVariables: env,
      ports,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      securityContext: {
        ensureNonRoot: !this.root,
        user: this.runAsUser,
        group: this.runAsGroup,
        privileged: isMain && this.privileged,
        allowPrivilegeEscalation: isMain && this.privileged,
        readOnlyRootFilesystem: true,
        capabilities: {
          drop: [kplus.Capability.ALL],
          ...(isMain && this.capabilities.length > 0 ? { add: this.capabilities.map((c) => c as kplus.Capability) } : {}),
        },
        seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
      },
    };
    const index = init ? this.initContainerCount++ : this.containerCount++;
    const container = init ? this.workload.addInitContainer(spec) : this.workload.addContainer(spec);
    const list = init ? 'initContainers' : 'containers';
    // Exact quantity strings: cdk8s-plus would rewrite "1Gi" as "1024Mi". The patch runs before the
    // L1 mapper, which reads a Quantity's `value`, so each quantity is given in that shape.
    const q = (value: string) => ({ value });
    this.apiObject.addJsonPatch(JsonPatch.add(`${this.templatePath}/spec/${list}/${index}/resources`, {
      limits: { cpu: q(resources.cpuLimit), memory: q(resources.memoryLimit) },
      requests: { cpu: q(resources.cpuRequest), memory: q(resources.memoryRequest) },
    }));
    return container;
  }

  private resolveResources(prop: string, given: ResourceSizing | undefined): Required<ResourceSizing> {
    const v = this.validator;
    const r = { ...DEFAULT_RESOURCES, ...(given ?? {}) };
    v.cpu(`${prop}.cpuRequest`, r.cpuRequest);
    v.cpu(`${prop}.cpuLimit`, r.cpuLimit);
    v.memory(`${prop}.memoryRequest`, r.memoryRequest);
    v.memory(`${prop}.memoryLimit`, r.memoryLimit);
    if (parseCpu(r.cpuRequest) > parseCpu(r.cpuLimit)) {
      v.fail('request-over-limit', `${prop}.cpuRequest`, r.cpuRequest, `exceeds cpuLimit "${r.cpuLimit}"`, 'raise the limit or lower the request');
    }
    if (parseMemory(r.memoryRequest) > parseMemory(r.memoryLimit)) {
      v.fail('request-over-limit', `${prop}.memoryRequest`, r.memoryRequest, `exceeds memoryLimit "${r.memoryLimit}"`, 'raise the limit or lower the request');
    }
    return r;
  }

  private sizeOf(prop: string, value: string): Size {
    return Size.mebibytes(Math.ceil(parseMemory(this.validator.memory(prop, value)) / 2 ** 20));
  }

  private createWorkload(props: AgentWorkloadProps, podProps: kplus.WorkloadProps): kplus.Workload {
    switch (this.kind) {
      case WorkloadKind.DEPLOYMENT:
        return new kplus.Deployment(this, 'workload', { ...podProps, replicas: props.replicas ?? 1 });
      case WorkloadKind.DAEMON_SET:
        return new kplus.DaemonSet(this, 'workload', podProps);
      case WorkloadKind.STATEFUL_SET: {
        const service = new kplus.Service(this, 'headless-service', {
          metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
          clusterIP: 'None',
          ports: (props.ports ?? []).map((p) => ({ port: p.port, name: p.name, protocol: p.protocol })),
        });
        for (const [k, val] of Object.entries(this.selector)) service.selectLabel(k, val);
        // cdk8s-plus makes the StatefulSet select its service by the hashed address label too.
        ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/selector/cdk8s.io~1metadata.addr'));
        return new kplus.StatefulSet(this, 'workload', { ...podProps, service, replicas: props.replicas ?? 1 });
      }
      case WorkloadKind.JOB:
        return new kplus.Job(this, 'workload', { ...podProps, backoffLimit: 3 });
      case WorkloadKind.CRON_JOB:
        return new kplus.CronJob(this, 'workload', { ...podProps, schedule: Cron.schedule(parseCron(this.validator, props.schedule!)) });
    }
  }

  /** The reasons of a role's rules (index-aligned) and its exemptions, as annotations. */
  private roleAnnotations(rules: PolicyRule[], options: GrantOptions): Record<string, string> | undefined {
    const v = this.validator;
    const out: Record<string, string> = {};
    const reasons = (Array.isArray(rules) ? rules : []).map((r, i) => (r?.reason !== undefined ? v.reason(`rules[${i}].reason`, r.reason) : undefined));
    if (reasons.length > 0 && reasons.every((r) => r !== undefined)) out[REASON_ANNOTATIONS.rules] = JSON.stringify(reasons);
    for (const [rule, reason] of Object.entries(options.exemptions ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      out[`${EXEMPTION_PREFIX}${v.labelValue('exemptions key', rule)}`] = v.reason(`exemptions["${rule}"]`, reason);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private validateRule(rule: PolicyRule, prop: string): Record<string, unknown> {
    const v = this.validator;
    if (!rule || !Array.isArray(rule.verbs) || rule.verbs.length === 0) {
      v.fail('invalid-rule', `${prop}.verbs`, rule?.verbs, 'is empty', 'list the verbs, e.g. ["get", "list", "watch"]');
    }
    const hasResources = (rule.resources ?? []).length > 0;
    const hasUrls = (rule.nonResourceURLs ?? []).length > 0;
    if (hasResources === hasUrls) {
      v.fail('invalid-rule', prop, rule, 'must list either resources or nonResourceURLs', 'split it into one rule for resources and one for URLs');
    }
    return {
      ...(hasResources ? { apiGroups: rule.apiGroups ?? [''] } : {}),
      ...(hasResources ? { resources: rule.resources } : {}),
      ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}),
      ...(hasUrls ? { nonResourceURLs: rule.nonResourceURLs } : {}),
      verbs: rule.verbs,
    };
  }
}

/** Options of `grantClusterRole` and `grantRole`. */
export interface GrantOptions {
  /**
   * Name of the role and its binding.
   * @default - the workload's name
   */
  readonly name?: string;
  /**
   * Checker rules that fire on this role, each with its reason; written as
   * `exemptions.secure-agents.io/<rule-id>` on the role.
   * @default - none
   */
  readonly exemptions?: Record<string, string>;
}

/** One RBAC rule, emitted exactly as given (the reason goes to the role's annotations, not its rules). */
export interface PolicyRule {
  /**
   * Why the workload needs this rule; written to the role's `reasons.secure-agents.io/rules`
   * annotation, index-aligned with its rules. The annotation is written when every rule has one.
   * @default - none
   */
  readonly reason?: string;
  /**
   * API groups of the resources.
   * @default [""] (the core group), when resources are given
   */
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly resourceNames?: string[];
  readonly nonResourceURLs?: string[];
  readonly verbs: string[];
}

function kind(o: ApiObject): string {
  return o.kind;
}

function parseCron(v: PropValidator, schedule: string): Record<string, string> {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => /^[\d*/,\-A-Za-z?]+$/.test(f))) {
    v.fail('invalid-schedule', 'schedule', schedule, 'is not a five-field cron expression', 'use e.g. "0 3 * * *"');
  }
  const [minute, hour, day, month, weekDay] = fields;
  return { minute, hour, day, month, weekDay };
}
