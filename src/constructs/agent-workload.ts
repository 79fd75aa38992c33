import { createHash } from 'crypto';
import { ApiObject, Chart, Cron, JsonPatch, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BASELINE_CAPABILITIES, EXEMPTION_PREFIX, PSS, RESTRICTED_CAPABILITIES } from '../policy/rule-ids';
import { VaultServer, VendorEndpoint } from './endpoints';
import { ClusterScopedObject, selectorLabels, standardLabels, StandardLabelProps } from './labels';
import { DNS_REASON, PROXY_REASON, VAULT_REASON } from './reasons';
import { checkCidr } from './network/cidr';
import { ApiServerOptions, IEgressPeer, IIngressPeer, NetworkPeer, PolicyPort, Ports } from './network/peers';
import { WorkloadNetworkPolicy } from './network/workload-network-policy';
import { chartWorkloadDefaults, withRegistry } from './private/chart-defaults';
import type { OutboundProxy } from './proxy/outbound-proxy';
import { SecretMount, SecretMountOptions, SecretSource, VaultSecretSource } from './secrets';
import { PropValidator, ImageRef, parseCpu, parseMemory } from './validation';
import {
  CA_BUNDLE_ENV, CA_BUNDLE_PATH, CaBundle, DisruptionBudget, DnsPolicy, ExtraVolume, HostPathType, NODE_CRITICAL_PRIORITY_CLASS, Protocol,
  ResourceSizing, TaintEffect, TOLERATE_ALL_REASON, Toleration, TopologySpread, TolerationOperator, WhenUnsatisfiable, WorkloadSettings,
} from './workload-settings';

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
   * @default HostPathType.DIRECTORY
   */
  readonly type?: HostPathType;
  /** Why the workload needs this part of the host. */
  readonly reason: string;
}

/** A port the main container listens on. */
export interface WorkloadPort {
  /**
   * Port name (a DNS-1123 label), by which a Service or a NetworkPolicy can refer to the port.
   * @default - unnamed
   */
  readonly name?: string;
  /** Container port number, 1-65535. */
  readonly port: number;
  /**
   * Transport protocol of the port.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
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
  /**
   * Entrypoint of the container (Kubernetes `command`), replacing the image's ENTRYPOINT.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments of the container (Kubernetes `args`), replacing the image's CMD.
   * @default - the image's arguments
   */
  readonly args?: string[];
  /**
   * Plain (non-secret) environment variables. Secrets are delivered as files (secrets module).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Ports the container listens on, written to its `ports`. Declaring a port opens nothing: ingress is allowed
   * with `allowFrom`.
   * @default - none
   */
  readonly ports?: WorkloadPort[];
  /**
   * CPU and memory requests and limits of the container; a value left out takes the library's default.
   * @default - see ResourceSizing
   */
  readonly resources?: ResourceSizing;
}

/**
 * What every single-workload construct of the library takes: the image and the operational settings.
 * Each family's props extend it (`ObservabilityAgentProps`, `SensorDiggerProps`, ...), and each ready
 * chart takes them under the component's key.
 */
export interface WorkloadOptions extends WorkloadSettings {
  /** `repository:tag`, `repository@sha256:<hex>` or both. `latest` or no tag is refused. */
  readonly image: string;
  /**
   * Digest to pin the image to, when `image` does not carry one.
   * @default - none
   */
  readonly imageDigest?: string;
  /**
   * Entrypoint of the main container (Kubernetes `command`), replacing the image's ENTRYPOINT.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments of the main container (Kubernetes `args`), replacing the image's CMD.
   * @default - the image's arguments
   */
  readonly args?: string[];
  /**
   * Name of the workload and its ServiceAccount.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of every namespaced object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * UID of every container.
   * @default - the family's (10001 for most)
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
   * The cluster runs Cilium (host-name egress through a CiliumNetworkPolicy).
   * @default - the chart's setting, else false
   */
  readonly cilium?: boolean;
  /**
   * The outbound proxy; a workload that talks out gets HTTPS_PROXY and NO_PROXY on every container,
   * and egress to the proxy on its port instead of the outside.
   * @default - the chart's proxy, else none
   */
  readonly proxy?: OutboundProxy;
  /**
   * The Vault server, required when a secret of this workload comes from Vault.
   * @default - the chart's, else none
   */
  readonly vaultServer?: VaultServer;
  /**
   * Registry that replaces the registry of every image of the workload (an air-gapped mirror),
   * e.g. `mirror.corp.example/vendor`; the image's path, tag and digest are kept.
   * @default - the chart's, else each image's own registry
   */
  readonly imageRegistry?: string;
}

export interface AgentWorkloadProps extends WorkloadOptions, Omit<AgentContainerOptions, 'name'> {
  /**
   * Object kind.
   * @default WorkloadKind.DEPLOYMENT
   */
  readonly kind?: WorkloadKind;
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
   * Schedule of a CronJob (required for `WorkloadKind.CRON_JOB`).
   * @default - none
   */
  readonly schedule?: string;
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
   * Capabilities added to the main container (ALL is always dropped first). A non-root container
   * holds them only in its bounding set: they take effect only where the binary carries file
   * capabilities, so the construct warns at synthesis when the workload does not run as root.
   * @default - none
   */
  readonly capabilities?: CapabilityGrant[];
  /**
   * Run the pods in the node's network namespace (`hostNetwork: true`), with the reason. Exempts
   * `pss-host-namespaces` with the reason, and the workload gets no NetworkPolicy, since none applies to
   * host-network pods.
   * @default - the pod network
   */
  readonly hostNetwork?: Reason;
  /**
   * Share the node's PID namespace (`hostPID: true`), with the reason, so the pods see every process on the
   * node. Exempts `pss-host-namespaces` with the reason.
   * @default - its own PID namespace
   */
  readonly hostPid?: Reason;
  /**
   * Share the node's IPC namespace (`hostIPC: true`), with the reason. Exempts `pss-host-namespaces` with the
   * reason.
   * @default - its own IPC namespace
   */
  readonly hostIpc?: Reason;
  /**
   * Host paths mounted into the main container, read-only unless said otherwise.
   * @default - none
   */
  readonly hostMounts?: HostMount[];
  /**
   * DNS policy; a hostNetwork pod that resolves cluster names needs CLUSTER_FIRST_WITH_HOST_NET.
   * @default DnsPolicy.CLUSTER_FIRST, or CLUSTER_FIRST_WITH_HOST_NET with hostNetwork
   */
  readonly dnsPolicy?: DnsPolicy;
  /**
   * Size limit of the `/tmp` emptyDir that the read-only root filesystem needs.
   * @default "64Mi"
   */
  readonly tmpSizeLimit?: string;
  /**
   * Create the workload's default-deny NetworkPolicy (`networkPolicy`), which selects its pods and
   * allows nothing until opened. A host-network workload gets none: no NetworkPolicy applies to it.
   * @default true
   */
  readonly defaultDenyPolicy?: boolean;
}

const DEFAULT_UID = 10001;
const DEFAULT_RESOURCES: Required<ResourceSizing> = {
  cpuRequest: '50m',
  cpuLimit: '500m',
  memoryRequest: '64Mi',
  memoryLimit: '256Mi',
};

/** Annotation prefix of the reasons written next to a privilege (docs/reasons-in-output.md). */
const REASONS_PREFIX = 'reasons.secure-agents.io/';

/** The workloads of each chart (and of the charts nested in it) by namespace and name. */
const WORKLOADS_BY_NAME = new WeakMap<Chart, Map<string, AgentWorkload>>();

/** Whether a construct is still in its tree (a child can be removed with `node.tryRemoveChild`). */
function isAttached(c: Construct): boolean {
  const scopes = c.node.scopes;
  for (let i = 1; i < scopes.length; i++) {
    if (scopes[i - 1].node.tryFindChild(scopes[i].node.id) !== scopes[i]) return false;
  }
  return true;
}

/** A JSON patch whose value is computed at synthesis, after every construct has had its say. */
function lateAdd(path: string, produce: () => unknown): JsonPatch {
  return { _toJson: () => ({ op: 'add', path, value: produce() }) } as unknown as JsonPatch;
}

/** An int-or-string as the cdk8s-plus L1 mapper reads it (patches run before the mapper). */
function intOrString(value: number | string): { value: number | string } {
  return { value };
}

/**
 * The hardened base of every workload the library makes: a Deployment, DaemonSet, StatefulSet, Job
 * or CronJob with its own ServiceAccount, the hardening profile of DESIGN.md, the standard labels,
 * the operational settings (`WorkloadSettings`) and its own default-deny NetworkPolicy.
 *
 * Privileges beyond the restricted Pod Security Standard are asked for by typed props that carry a
 * reason; each reason lands on the workload as `exemptions.secure-agents.io/<rule-id>`.
 *
 * Connections are wired with one vocabulary: `allowTo(peer, ports)` and `allowFrom(peer, ports)`;
 * when the peer is another workload of the library, both sides' policies are written.
 */
export class AgentWorkload extends Construct {
  /** The workload's object kind, resolved from `kind` (Deployment unless given). */
  public readonly kind: WorkloadKind;
  /** Name of the workload and of its ServiceAccount: the `name` prop, else the construct id. */
  public readonly name: string;
  /** Namespace of the workload, or undefined when the chart sets none. */
  public readonly namespace?: string;
  /** The values behind the standard `app.kubernetes.io/*` labels: name, instance, component and part-of. */
  public readonly labelProps: StandardLabelProps;
  /** Every label on every object of this workload. */
  public readonly labels: Record<string, string>;
  /** The labels that select this workload's pods. */
  public readonly selector: Record<string, string>;
  /** UID every container runs as: 0 when `runAsRoot` is given, else `runAsUser` or 10001. */
  public readonly runAsUser: number;
  /** GID every container runs as: `runAsGroup`, else the UID (10001 for a root workload). */
  public readonly runAsGroup: number;
  /** Group that owns the pod's mounted volumes: `fsGroup`, else `runAsGroup`. */
  public readonly fsGroup: number;
  /** Whether the containers run as root (`runAsRoot` was given with a reason). */
  public readonly root: boolean;
  /** Whether the main container runs privileged (`privileged` was given with a reason). */
  public readonly privileged: boolean;
  /** Linux capabilities added to the main container after dropping ALL, e.g. `SYS_PTRACE`; empty for none. */
  public readonly capabilities: readonly string[];
  /** Whether the pods use the node's network namespace (`hostNetwork` was given with a reason). */
  public readonly hostNetwork: boolean;
  /** Whether the pods share the node's PID namespace (`hostPid` was given with a reason). */
  public readonly hostPid: boolean;
  /** Whether the pods share the node's IPC namespace (`hostIpc` was given with a reason). */
  public readonly hostIpc: boolean;
  /**
   * CPU and memory requests and limits of the main container, with the library's defaults (50m/500m CPU,
   * 64Mi/256Mi memory) filled in.
   */
  public readonly resources: Required<ResourceSizing>;
  /**
   * The main container's `image` prop split into name, tag and digest, as given: without `imageDigest` and
   * before the `imageRegistry` mirror is applied.
   */
  public readonly image: ImageRef;
  /** Replicas of a Deployment or StatefulSet (1 for other kinds). */
  public readonly replicas: number;
  /** The tolerations written into the pod spec. */
  public readonly tolerations: readonly Toleration[];
  /** The PriorityClass of the pods, or undefined for none. */
  public readonly priorityClassName?: string;
  /** The image pull Secrets of the pods (the chart's, then the workload's own). */
  public readonly imagePullSecrets: readonly string[];
  /** The default-deny NetworkPolicy selecting the pods; undefined on the host network, where none applies. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;
  /** The PodDisruptionBudget, for a Deployment or StatefulSet with more than one replica. */
  public readonly disruptionBudget?: ApiObject;
  /** The outbound proxy this workload uses when it talks out. */
  public readonly proxy?: OutboundProxy;
  /** The NO_PROXY value set on the workload's containers, once it uses the proxy. */
  public noProxy?: string;
  /** Whether the cluster runs Cilium. */
  public readonly cilium: boolean;

  /** @internal the cdk8s-plus workload; changes to it bypass the library's checks. */
  public readonly workload: kplus.Workload;
  /** @internal */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** @internal */
  public readonly mainContainer: kplus.Container;

  /** Validator naming this workload's path, for the family constructs built on it. */
  protected readonly v: PropValidator;
  private readonly validator: PropValidator;
  private readonly templatePath: string;
  private readonly exemptions = new Map<string, string[]>();
  private readonly apiObject: ApiObject;
  private readonly vaultServer?: VaultServer;
  private readonly imageRegistry?: string;
  private readonly sharedMounts: Array<{ path: string; volume: kplus.Volume; prop: string }> = [];
  /** The main container's ports, checked before the workload object is made (a StatefulSet's Service uses them). */
  private mainPorts?: WorkloadPort[];
  /** Names of the pod's volumes, and per container the mount paths taken (with what took them). */
  private readonly volumeNames = new Set<string>();
  private readonly mountPaths = new Map<kplus.Container, Map<string, string>>();
  private readonly sharedEnv: Record<string, string> = {};
  private containerCount = 0;
  private initContainerCount = 0;
  private tokenNeeded = false;
  private proxyAllowed = false;
  private vaultAllowed = false;

  constructor(scope: Construct, id: string, props: AgentWorkloadProps) {
    super(scope, id);
    const v = (this.validator = new PropValidator(new.target.name, this.node.path));
    this.v = v;
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give at least { image }');
    const defaults = chartWorkloadDefaults(this);
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
    this.refuseDuplicateName();
    this.cilium = props.cilium ?? defaults?.cilium ?? false;
    this.proxy = props.proxy ?? defaults?.proxy;
    this.vaultServer = props.vaultServer ?? defaults?.vaultServer;
    this.imageRegistry = props.imageRegistry ?? defaults?.imageRegistry;
    if (this.imageRegistry !== undefined && (typeof this.imageRegistry !== 'string' || !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/.test(this.imageRegistry))) {
      v.fail('invalid-registry', 'imageRegistry', this.imageRegistry, 'is not a registry host with an optional path', 'use e.g. "mirror.corp.example/vendor"');
    }

    // Identity: root only with a reason; a fixed non-root UID/GID otherwise.
    this.root = props.runAsRoot !== undefined;
    if (this.root) {
      const reason = v.reason('runAsRoot.reason', props.runAsRoot?.reason);
      this.exempt(PSS.runAsNonRoot, reason);
      this.exempt(PSS.runAsUser, reason);
    }
    this.runAsUser = this.root ? 0 : v.id('runAsUser', props.runAsUser ?? DEFAULT_UID);
    this.runAsGroup = v.id('runAsGroup', props.runAsGroup ?? (this.root ? DEFAULT_UID : this.runAsUser));
    this.fsGroup = v.id('fsGroup', props.fsGroup ?? this.runAsGroup);

    this.privileged = props.privileged !== undefined;
    if (this.privileged) {
      const reason = v.reason('privileged.reason', props.privileged?.reason);
      for (const rule of [PSS.privileged, PSS.allowPrivilegeEscalation, PSS.capabilitiesBaseline, PSS.capabilitiesRestricted]) {
        this.exempt(rule, reason);
      }
    }

    const caps: string[] = [];
    const capReasons: Record<string, string> = {};
    v.list<CapabilityGrant>('capabilities', props.capabilities, '[{ capability: "NET_ADMIN", reason: "..." }]').forEach((grant, i) => {
      const cap = v.capability(`capabilities[${i}].capability`, grant?.capability);
      const reason = v.reason(`capabilities[${i}].reason`, grant?.reason);
      if (caps.includes(cap)) v.fail('duplicate-capability', `capabilities[${i}].capability`, cap, 'is listed twice', 'list each capability once');
      caps.push(cap);
      capReasons[cap] = reason;
      if (!RESTRICTED_CAPABILITIES.includes(cap)) this.exempt(PSS.capabilitiesRestricted, `${cap}: ${reason}`);
      if (!BASELINE_CAPABILITIES.includes(cap)) this.exempt(PSS.capabilitiesBaseline, `${cap}: ${reason}`);
    });
    this.capabilities = caps;
    if (caps.length > 0 && !this.root && !this.privileged) {
      warn(this, `${new.target.name} "${this.node.path}": capabilities ${caps.join(', ')} are added to a container that does not run as root; `
        + 'Kubernetes puts them in its bounding set only, so they take effect only if the binary carries them as file capabilities (setcap)');
    }

    const hostNsReasons: Record<string, string> = {};
    const hostNs = (key: 'hostNetwork' | 'hostPid' | 'hostIpc'): boolean => {
      const asked = props[key];
      if (asked === undefined) return false;
      const reason = v.reason(`${key}.reason`, asked.reason);
      this.exempt(PSS.hostNamespaces, `${key}: ${reason}`);
      hostNsReasons[{ hostNetwork: 'hostNetwork', hostPid: 'hostPID', hostIpc: 'hostIPC' }[key]] = reason;
      return true;
    };
    this.hostNetwork = hostNs('hostNetwork');
    this.hostPid = hostNs('hostPid');
    this.hostIpc = hostNs('hostIpc');

    this.resources = this.resolveResources('resources', props.resources);
    if (this.kind === WorkloadKind.CRON_JOB && (typeof props.schedule !== 'string' || props.schedule.trim() === '')) {
      v.fail('missing-schedule', 'schedule', props.schedule, 'is required for a CronJob, as a cron expression string', 'give a cron expression such as "0 3 * * *"');
    }
    const scalable = this.kind === WorkloadKind.DEPLOYMENT || this.kind === WorkloadKind.STATEFUL_SET;
    this.replicas = scalable ? v.positiveInt('replicas', props.replicas ?? 1, 100) : 1;
    const annotations = v.stringMap('annotations', props.annotations);
    const podAnnotations = { ...annotations, ...v.stringMap('podAnnotations', props.podAnnotations) };
    Object.keys(podAnnotations).forEach((k) => v.labelKey('podAnnotations key', k));
    Object.keys(annotations).forEach((k) => v.labelKey('annotations key', k));
    this.mainPorts = checkPorts(v, '', props.ports);
    const ownSecrets = v.list<string>('imagePullSecrets', props.imagePullSecrets, '["registry-credentials"]').map((s, i) => v.dnsSubdomain(`imagePullSecrets[${i}]`, s));
    const chartSecrets = defaults?.imagePullSecrets ?? [];
    this.imagePullSecrets = [...chartSecrets, ...ownSecrets.filter((s) => !chartSecrets.includes(s))];
    const daemon = this.kind === WorkloadKind.DAEMON_SET;
    this.tolerations = props.tolerations !== undefined
      ? v.list<Toleration>('tolerations', props.tolerations, '[{ key: "dedicated", operator: TolerationOperator.EXISTS }]').map((t, i) => checkToleration(v, `tolerations[${i}]`, t))
      : daemon ? [{ operator: TolerationOperator.EXISTS }] : [];
    const priority = props.priorityClassName ?? (daemon ? NODE_CRITICAL_PRIORITY_CLASS : '');
    this.priorityClassName = priority === '' ? undefined : v.dnsSubdomain('priorityClassName', priority);

    const metadata = { name: this.name, namespace: this.namespace, labels: this.labels };
    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', {
      metadata,
      automountToken: false,
    });
    const podProps: kplus.WorkloadProps = {
      metadata: { ...metadata, annotations },
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
      dns: { policy: v.oneOf('invalid-dns-policy', 'dnsPolicy', props.dnsPolicy ?? (this.hostNetwork ? DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET : DnsPolicy.CLUSTER_FIRST), DnsPolicy, 'a DNS policy') as unknown as kplus.DnsPolicy },
    };
    this.templatePath = this.kind === WorkloadKind.CRON_JOB ? '/spec/jobTemplate/spec/template' : '/spec/template';
    this.workload = this.createWorkload(props, podProps);
    this.workload.select(kplus.LabelSelector.of({ labels: this.selector }));
    this.apiObject = ApiObject.of(this.workload);
    // Escape hatch: ApiObject.of(workload) is the Deployment, DaemonSet, ... (see DESIGN.md for the patch-path pitfall).
    this.node.defaultChild = this.apiObject;

    // cdk8s-plus adds a hashed `cdk8s.io/metadata.addr` label to every pod template: names stay readable.
    this.apiObject.addJsonPatch(JsonPatch.remove(`${this.templatePath}/metadata/labels/cdk8s.io~1metadata.addr`));
    // Patch paths use cdk8s-plus's TypeScript names (hostPid, not hostPID): see DESIGN.md, escape hatches.
    const spec = `${this.templatePath}/spec`;
    this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
    if (this.hostPid) this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/hostPid`, true));
    if (this.hostIpc) this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/hostIpc`, true));
    if (this.imagePullSecrets.length > 0) {
      this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/imagePullSecrets`, this.imagePullSecrets.map((name) => ({ name }))));
    }
    this.applyScheduling(props, spec);
    this.apiObject.addJsonPatch(lateAdd(`${spec}/automountServiceAccountToken`, () => this.tokenNeeded));
    this.workload.metadata.addAnnotation(`${REASONS_PREFIX}token`, Lazy.any({ produce: () => (this.tokenReasons.length > 0 ? this.tokenReasons.join('; ') : undefined) }) as unknown as string);
    ApiObject.of(this.serviceAccount).addJsonPatch(lateAdd('/automountServiceAccountToken', () => this.tokenNeeded));
    for (const [k, val] of Object.entries(this.exemptionAnnotations())) this.workload.metadata.addAnnotation(k, val);
    if (caps.length > 0) this.workload.metadata.addAnnotation(`${REASONS_PREFIX}capabilities`, JSON.stringify(capReasons));
    if (Object.keys(hostNsReasons).length > 0) this.workload.metadata.addAnnotation(`${REASONS_PREFIX}host-namespaces`, JSON.stringify(hostNsReasons));
    if (props.privileged !== undefined) this.workload.metadata.addAnnotation(`${REASONS_PREFIX}privileged`, props.privileged.reason);
    if (props.runAsRoot !== undefined) this.workload.metadata.addAnnotation(`${REASONS_PREFIX}run-as-root`, props.runAsRoot.reason);
    if (props.tolerations === undefined && daemon) this.workload.metadata.addAnnotation(`${REASONS_PREFIX}tolerations`, TOLERATE_ALL_REASON);

    this.prepareSharedVolumes(props);
    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', {
      sizeLimit: this.sizeOf('tmpSizeLimit', props.tmpSizeLimit ?? '64Mi'),
    });
    this.mainContainer = this.addContainer({ ...props, name: props.containerName ?? this.labelProps.component });
    this.claimVolume('tmp', 'tmpSizeLimit');
    this.claimMountPath(this.mainContainer, '/tmp', 'the /tmp emptyDir of the read-only root filesystem');
    this.mainContainer.mount('/tmp', tmp);
    this.image = v.image('image', props.image);

    v.list<HostMount>('hostMounts', props.hostMounts, '[{ hostPath: "/proc", reason: "..." }]').forEach((m, i) => this.mountHostPath(m, `hostMounts[${i}]`));

    if (scalable && this.replicas > 1) this.disruptionBudget = this.createDisruptionBudget(props.disruptionBudget);
    if (!this.hostNetwork && (props.defaultDenyPolicy ?? true)) {
      this.networkPolicy = new WorkloadNetworkPolicy(this, 'network-policy', { workload: this, cilium: this.cilium });
    }
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
   * Mounts the ServiceAccount token: only for a workload that calls the Kubernetes API. The reason is
   * written as `reasons.secure-agents.io/token` (role grants give theirs).
   */
  public enableApiAccess(reason: string): this {
    const why = this.validator.reason('enableApiAccess reason', reason);
    if (!this.tokenReasons.includes(why)) this.tokenReasons.push(why);
    this.tokenNeeded = true;
    return this;
  }

  private readonly tokenReasons: string[] = [];

  /** Whether the pod mounts a ServiceAccount token (set by role bindings or enableApiAccess()). */
  public get automountToken(): boolean {
    return this.tokenNeeded;
  }

  /**
   * Allows this workload to open connections to `peer` on `ports`. When the peer is another workload
   * of the library, its policy admits this one on the same ports: one call writes both sides.
   */
  public allowTo(peer: AgentWorkload | IEgressPeer, ports?: PolicyPort[], reason?: string): this {
    if (peer instanceof AgentWorkload) {
      this.policy().allowEgressTo(NetworkPeer.workload(peer), ports ?? [], reason ?? `sends to workload ${peer.name}`);
      peer.policy().allowIngressFrom(NetworkPeer.workload(this), ports ?? [], reason ?? `receives from workload ${this.name}`);
    } else {
      this.policy().allowEgressTo(peer, ports, reason);
    }
    return this;
  }

  /**
   * Allows `peer` to open connections to this workload's `ports`. When the peer is another workload
   * of the library, its policy may send to this one on the same ports: one call writes both sides.
   */
  public allowFrom(peer: AgentWorkload | IIngressPeer, ports: PolicyPort[], reason?: string): this {
    if (peer instanceof AgentWorkload) {
      peer.allowTo(this, ports, reason);
    } else {
      this.policy().allowIngressFrom(peer, ports, reason);
    }
    return this;
  }

  /** Allows DNS lookups (egress to the cluster DNS on UDP and TCP 53). */
  public allowDns(): this {
    this.policy().allowEgressTo(NetworkPeer.kubeDns(this.policy().dns), undefined, DNS_REASON);
    return this;
  }

  /** Allows egress to the Kubernetes API server on its port; `reason` says what the workload does there. */
  public allowApiServer(apiServer: ApiServerOptions, reason?: string): this {
    this.policy().allowEgressTo(NetworkPeer.apiServer(apiServer), undefined, reason ?? 'calls the Kubernetes API server');
    return this;
  }

  /**
   * Binds this workload's ServiceAccount to a new ClusterRole with exactly these rules, and mounts its
   * token. The ClusterRole and its binding are named `<namespace>-<name>` (the workload's name unless
   * given), so two installations in two namespaces do not collide.
   */
  public grantClusterRole(rules: PolicyRule[], options: GrantOptions = {}): ClusterScopedObject {
    this.checkGrant('grantClusterRole', rules, options);
    const prefix = `${this.namespace ?? 'default'}-`;
    const given = this.validator.dnsSubdomain('grantClusterRole name', options.name ?? this.name);
    // Always prefixed: skipping names that already start with the namespace would let the same chart in
    // namespaces `a` and `a-b` name two ClusterRoles alike (`a-b-x` from `b-x` in `a`, and from `x` in `a-b`).
    const name = `${prefix}${given}`;
    const checked = rules.map((r, i) => this.validateRule(r, `rules[${i}]`));
    const role = new ClusterScopedObject(this, `cluster-role-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: this.labels, annotations: this.roleAnnotations(rules, options) },
      rules: checked,
    });
    new ClusterScopedObject(this, `cluster-role-binding-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: this.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [this.subject()],
    });
    this.enableApiAccess(`calls the Kubernetes API with the rules of ClusterRole ${name}`);
    return role;
  }

  /** Binds this workload's ServiceAccount to a new Role in one namespace, and mounts its token. */
  public grantRole(namespace: string, rules: PolicyRule[], options: GrantOptions = {}): ApiObject {
    this.checkGrant('grantRole', rules, options);
    const ns = this.validator.dnsLabel('grantRole namespace', namespace);
    const name = this.validator.dnsSubdomain('grantRole name', options.name ?? this.name);
    const checked = rules.map((r, i) => this.validateRule(r, `rules[${i}]`));
    const role = new ApiObject(this, `role-${ns}-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: ns, labels: this.labels, annotations: this.roleAnnotations(rules, options) },
      rules: checked,
    });
    new ApiObject(this, `role-binding-${ns}-${name}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: ns, labels: this.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [this.subject()],
    });
    this.enableApiAccess(`calls the Kubernetes API with the rules of Role ${ns}/${name}`);
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
    this.claimVolume(v.dnsLabel('volume name', name), 'volume name');
    this.apiObject.addJsonPatch(JsonPatch.add(`${this.templatePath}/spec/volumes/-`, {
      name,
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

  /** @internal Adds a container with the hardening profile (same UID, no capabilities, read-only root). */
  public addContainer(options: AgentContainerOptions): kplus.Container {
    return this.hardenedContainer(options, false);
  }

  /** @internal Adds an init container with the hardening profile. */
  public addInitContainer(options: AgentContainerOptions): kplus.Container {
    return this.hardenedContainer(options, true);
  }

  /** The images of every container of the workload, as synthesised (registry override and digest applied). */
  public get images(): string[] {
    return [...this.workload.initContainers, ...this.workload.containers].map((c) => c.image);
  }

  /** Mounts a host path into the main container; read-only unless `readOnly: false`. */
  public mountHostPath(mount: HostMount, prop = 'hostMount'): void {
    const v = this.validator;
    if (mount === null || typeof mount !== 'object') v.fail('invalid-host-mount', prop, mount, 'is not a host mount', 'give { hostPath: "/proc", reason: "..." }');
    const hostPath = v.absolutePath(`${prop}.hostPath`, mount.hostPath);
    if (hostPath in this.hostPathReasons) v.fail('duplicate-host-path', `${prop}.hostPath`, hostPath, 'is already mounted from the host', 'mount each host path once (one mount can serve one container path)');
    const mountPath = v.absolutePath(`${prop}.mountPath`, mount.mountPath ?? hostPath);
    const reason = v.reason(`${prop}.reason`, mount.reason);
    const readOnly = mount.readOnly ?? true;
    const type = v.oneOf('invalid-host-path-type', `${prop}.type`, mount.type ?? HostPathType.DIRECTORY, HostPathType, 'a host path type');
    let volumeName = `host${hostPath === '/' ? '-root' : hostPath.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 63).replace(/-+$/, '');
    // Two host paths can derive one name ("/var/log" and "/var_log", or a shared long prefix): the
    // later one gets a suffix from a hash of its path, so both volumes exist.
    if (this.volumeNames.has(volumeName)) volumeName = `${volumeName.slice(0, 54).replace(/-+$/, '')}-${createHash('sha256').update(hostPath).digest('hex').slice(0, 8)}`;
    this.claimVolume(volumeName, `${prop}.hostPath`);
    this.claimMountPath(this.mainContainer, mountPath, `${prop}.mountPath`);
    const volume = kplus.Volume.fromHostPath(this, `host-path-${volumeName}`, volumeName, {
      path: hostPath,
      type: type as unknown as kplus.HostPathVolumeType,
    });
    this.mainContainer.mount(mountPath, volume, { readOnly });
    const text = `${hostPath}${readOnly ? ' (read-only)' : ' (read-write)'}: ${reason}`;
    this.exempt(PSS.hostPathVolumes, text);
    this.exempt(PSS.restrictedVolumes, text);
    this.hostPathReasons[hostPath] = reason;
    this.workload.metadata.addAnnotation(`${REASONS_PREFIX}host-paths`, JSON.stringify(this.hostPathReasons));
  }

  private readonly hostPathReasons: Record<string, string> = {};

  /**
   * Opens the way to a vendor endpoint: through the proxy when there is one (the endpoint must then
   * give no CIDRs), otherwise to its CIDRs (or, on Cilium with `fqdn`, its host name) on its port.
   * Returns the checked URL.
   */
  protected reachVendor(prop: string, endpoint: VendorEndpoint | undefined, options: { fqdn?: boolean; reason?: string } = {}): URL {
    const v: PropValidator = this.v;
    if (!endpoint || typeof endpoint !== 'object') v.fail('missing-endpoint', prop, endpoint, 'is missing', 'give { url: "https://..." } (and cidrs when there is no proxy)');
    const url = v.url(`${prop}.url`, endpoint.url, ['https:']);
    const port = url.port ? Number(url.port) : 443;
    if (this.proxy) {
      if (endpoint.cidrs !== undefined) {
        v.fail('cidrs-with-proxy', `${prop}.cidrs`, endpoint.cidrs, 'are given while an outbound proxy is set; the proxy is then the only way out', 'leave cidrs out, or drop httpsProxy');
      }
      this.useProxy();
    } else if (options.fqdn && endpoint.cidrs === undefined) {
      if (!this.cilium) v.fail('fqdn-needs-cilium', prop, endpoint.url, 'has no CIDRs and no proxy, and only Cilium can allow a host name', 'give cidrs, set httpsProxy, or set cilium: true');
      this.policy().allowEgressTo(NetworkPeer.fqdns([url.hostname]), [Ports.tcp(port)], options.reason ?? `sends to ${url.origin} (${prop})`);
    } else {
      if (!Array.isArray(endpoint.cidrs) || endpoint.cidrs.length === 0) {
        v.fail('missing-cidrs', `${prop}.cidrs`, endpoint.cidrs, 'are required without an outbound proxy', 'give the endpoint\'s CIDRs, e.g. ["203.0.113.0/24"], or set httpsProxy');
      }
      endpoint.cidrs.forEach((c, i) => checkCidr(v, `${prop}.cidrs[${i}]`, c));
      this.policy().allowEgressTo(NetworkPeer.cidrs(endpoint.cidrs), [Ports.tcp(port)], options.reason ?? `sends to ${url.origin} (${prop})`);
    }
    return url;
  }

  /**
   * Opens the way to the outside in general (cloud APIs, an LLM provider): through the proxy when there
   * is one, otherwise to `peer` (default: `NetworkPeer.internet()`) on `ports`.
   */
  protected reachOutside(peer: IEgressPeer | undefined, ports: PolicyPort[], reason?: string): void {
    if (this.proxy) this.useProxy();
    else this.policy().allowEgressTo(peer ?? NetworkPeer.internet(), ports, reason ?? 'reaches services outside the cluster over HTTPS');
  }

  /**
   * Mounts a credential from outside the manifests as read-only files; one from Vault opens egress to the
   * Vault server for the injected agent. `prop` names the credential in errors.
   */
  public mountSecret(prop: string, source: SecretSource | undefined, options: SecretMountOptions = {}): SecretMount {
    const v: PropValidator = this.v;
    if (!(source instanceof SecretSource)) {
      const literal = typeof source === 'string';
      v.fail(literal ? 'secret-as-literal' : 'missing-secret', prop, literal ? '(a literal string, not shown)' : source,
        literal ? 'is a literal value; credentials must come from outside the manifests' : 'is not a SecretSource',
        'give SecretSource.kubernetesSecret({...}), SecretSource.externalSecret({...}) or SecretSource.vault({...})');
    }
    if (source instanceof VaultSecretSource && !this.vaultAllowed) {
      const vault = this.vaultServer ?? v.fail('missing-vault-server', 'vaultServer', this.vaultServer,
        `is required because ${prop} comes from Vault: the injected Vault Agent needs egress to the server`, 'give { cidrs: ["10.0.5.10/32"], port: 8200 }');
      if (!Array.isArray(vault.cidrs) || vault.cidrs.length === 0) v.fail('empty-cidrs', 'vaultServer.cidrs', vault.cidrs, 'lists no address', 'give e.g. ["10.0.5.10/32"]');
      vault.cidrs.forEach((c, i) => checkCidr(v, `vaultServer.cidrs[${i}]`, c));
      this.policy().allowEgressTo(NetworkPeer.cidrs(vault.cidrs, { label: 'Vault server' }), [Ports.tcp(v.port('vaultServer.port', vault.port ?? 8200))], VAULT_REASON);
      this.vaultAllowed = true;
    }
    return source.mountInto(this, options);
  }

  /** Mounts a secret that holds one value (a token, a password) and returns its file path. */
  public mountSecretFile(prop: string, source: SecretSource | undefined, options: SecretMountOptions = {}): string {
    const files = Object.values(this.mountSecret(prop, source, options).files);
    if (files.length !== 1) {
      this.v.fail('secret-not-one-file', prop, source === undefined ? undefined : '(a SecretSource)', `mounts ${files.length === 0 ? 'every key of the Secret' : `${files.length} files`}, not the one file a credential is`, 'name the key, e.g. SecretSource.kubernetesSecret({ name: "vendor-token", keys: ["token"] })');
    }
    return files[0];
  }

  /**
   * Mounts the vendor credential (a token or key file) and points `VENDOR_CREDENTIAL_FILE` at it.
   * Returns the file path.
   */
  protected mountVendorCredential(prop: string, source: SecretSource): string {
    const file = this.mountSecretFile(prop, source);
    this.mainContainer.env.addVariable(VENDOR_CREDENTIAL_ENV, kplus.EnvValue.fromValue(file));
    return file;
  }

  /** Sets the proxy's environment on every container and allows egress to the proxy on its port (once). */
  protected useProxy(extraNoProxy: readonly string[] = []): void {
    if (!this.proxy || this.proxyAllowed) return;
    this.noProxy = this.proxy.applyTo(this, { noProxy: [...extraNoProxy] });
    this.policy().allowEgressTo(this.proxy.peer(), undefined, PROXY_REASON);
    this.proxyAllowed = true;
  }

  /** The network policy, which a host-network workload does not have. */
  protected policy(): WorkloadNetworkPolicy {
    if (!this.networkPolicy) {
      this.v.fail('host-network-policy', 'networkPolicy', this.name, this.hostNetwork ? 'runs in the host network, where no NetworkPolicy applies' : 'was built with defaultDenyPolicy: false',
        this.hostNetwork ? 'restrict it with a node firewall or a Cilium host policy' : 'write its NetworkPolicy yourself');
    }
    return this.networkPolicy;
  }

  private refuseDuplicateName(): void {
    // An index per chart rather than a search of the chart's tree, which made a chart of n workloads cost n^2.
    const key = `${this.namespace ?? ''}/${this.name}`;
    const twin = WORKLOADS_BY_NAME.get(Chart.of(this))?.get(key);
    if (twin && isAttached(twin)) {
      this.validator.fail('duplicate-workload-name', 'name', this.name, `is already the name of the workload at "${twin.node.path}" in this chart (their ServiceAccounts, Services and policies would collide)`, 'give one of them another name');
    }
    // Registered in every enclosing chart: a chart's search covered the charts nested in it too.
    for (const scope of this.node.scopes) {
      if (!Chart.isChart(scope)) continue;
      let names = WORKLOADS_BY_NAME.get(scope);
      if (!names) WORKLOADS_BY_NAME.set(scope, (names = new Map()));
      names.set(key, this);
    }
  }

  private applyScheduling(props: AgentWorkloadProps, spec: string): void {
    const v = this.validator;
    const add = (field: string, value: unknown) => this.apiObject.addJsonPatch(JsonPatch.add(`${spec}/${field}`, value));
    if (this.tolerations.length > 0) add('tolerations', this.tolerations.map((t) => ({ ...t })));
    if (props.nodeSelector !== undefined) add('nodeSelector', v.labels('nodeSelector', props.nodeSelector));
    if (props.affinity !== undefined) {
      if (props.affinity === null || typeof props.affinity !== 'object') v.fail('invalid-affinity', 'affinity', props.affinity, 'is not an object', 'give { nodeAffinity: {...} } as in the Kubernetes Affinity object');
      for (const k of Object.keys(props.affinity)) {
        if (!['nodeAffinity', 'podAffinity', 'podAntiAffinity'].includes(k)) v.fail('invalid-affinity', `affinity.${k}`, k, 'is not a field of the Kubernetes Affinity object', 'use nodeAffinity, podAffinity or podAntiAffinity');
      }
      add('affinity', JSON.parse(JSON.stringify(props.affinity)));
    }
    if (props.topologySpread !== undefined) {
      add('topologySpreadConstraints', v.list<TopologySpread>('topologySpread', props.topologySpread, '[{ topologyKey: "topology.kubernetes.io/zone" }]').map((t, i) => ({
        topologyKey: t !== null && typeof t === 'object' ? v.labelKey(`topologySpread[${i}].topologyKey`, t.topologyKey) : v.fail('invalid-topology-spread', `topologySpread[${i}]`, t, 'is not a spread constraint', 'give { topologyKey: "topology.kubernetes.io/zone" }'),
        maxSkew: v.positiveInt(`topologySpread[${i}].maxSkew`, t.maxSkew ?? 1, 1000),
        whenUnsatisfiable: v.oneOf('invalid-when-unsatisfiable', `topologySpread[${i}].whenUnsatisfiable`, t.whenUnsatisfiable ?? WhenUnsatisfiable.SCHEDULE_ANYWAY, WhenUnsatisfiable, 'a whenUnsatisfiable value'),
        labelSelector: { matchLabels: { ...this.selector } },
      })));
    }
    if (this.priorityClassName !== undefined) add('priorityClassName', this.priorityClassName);
    if (this.kind === WorkloadKind.DAEMON_SET) {
      const s = props.updateStrategy ?? {};
      const strategy = s.onDelete
        ? { type: 'OnDelete' }
        : {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxUnavailable: intOrString(checkIntOrPercent(v, 'updateStrategy.maxUnavailable', s.maxUnavailable ?? 1)),
            maxSurge: intOrString(checkIntOrPercent(v, 'updateStrategy.maxSurge', s.maxSurge ?? 0)),
          },
        };
      this.apiObject.addJsonPatch(JsonPatch.add('/spec/updateStrategy', strategy));
    } else if (props.updateStrategy !== undefined) {
      v.fail('update-strategy-not-daemon-set', 'updateStrategy', props.updateStrategy, `applies to a DaemonSet, and this workload is a ${this.kind}`, 'leave updateStrategy out');
    }
  }

  private createDisruptionBudget(budget: DisruptionBudget | undefined): ApiObject {
    const v = this.validator;
    if (budget?.maxUnavailable !== undefined && budget?.minAvailable !== undefined) {
      v.fail('conflicting-props', 'disruptionBudget', budget, 'gives both maxUnavailable and minAvailable', 'give one of them');
    }
    const field = budget?.minAvailable !== undefined
      ? { minAvailable: checkIntOrPercent(v, 'disruptionBudget.minAvailable', budget.minAvailable) }
      : { maxUnavailable: checkIntOrPercent(v, 'disruptionBudget.maxUnavailable', budget?.maxUnavailable ?? 1) };
    return new ApiObject(this, 'disruption-budget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
      spec: { selector: { matchLabels: { ...this.selector } }, ...field },
    });
  }

  /** The extra read-only volumes and the CA bundle, mounted into every container as it is added. */
  private prepareSharedVolumes(props: AgentWorkloadProps): void {
    const v = this.validator;
    const names = new Set<string>();
    v.list<ExtraVolume>('extraVolumes', props.extraVolumes, '[{ name: "config", configMap: "agent-config", mountPath: "/etc/agent" }]').forEach((ev, i) => {
      const p = `extraVolumes[${i}]`;
      if (ev === null || typeof ev !== 'object') v.fail('invalid-volume', p, ev, 'is not a volume', 'give { name, mountPath, configMap }');
      const name = v.dnsLabel(`${p}.name`, ev?.name);
      if (names.has(name) || ['tmp', 'ca-bundle'].includes(name)) v.fail('duplicate-volume', `${p}.name`, name, 'is already a volume of this workload', 'give another name');
      names.add(name);
      const path = v.absolutePath(`${p}.mountPath`, ev.mountPath);
      const sources = [ev.configMap, ev.persistentVolumeClaim].filter((s) => s !== undefined).length;
      if (sources !== 1) v.fail('volume-source', p, ev, `gives ${sources} sources`, 'give exactly one of configMap and persistentVolumeClaim');
      const volume = ev.configMap !== undefined
        ? kplus.Volume.fromConfigMap(this, `extra-volume-${name}`, kplus.ConfigMap.fromConfigMapName(this, `extra-config-map-${name}`, v.dnsSubdomain(`${p}.configMap`, ev.configMap)), { name, defaultMode: 0o444 })
        : kplus.Volume.fromPersistentVolumeClaim(this, `extra-volume-${name}`, kplus.PersistentVolumeClaim.fromClaimName(this, `extra-claim-${name}`, v.dnsSubdomain(`${p}.persistentVolumeClaim`, ev.persistentVolumeClaim!)), { name, readOnly: true });
      this.claimVolume(name, `${p}.name`);
      this.sharedMounts.push({ path, volume, prop: `${p}.mountPath` });
    });
    if (props.caBundle !== undefined) {
      const ca: CaBundle = props.caBundle;
      const key = ca?.key ?? 'ca.crt';
      if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(key)) v.fail('invalid-key', 'caBundle.key', key, 'is not a ConfigMap key', 'use e.g. "ca.crt"');
      const configMap = kplus.ConfigMap.fromConfigMapName(this, 'ca-bundle-config-map', v.dnsSubdomain('caBundle.configMap', ca?.configMap));
      const dir = CA_BUNDLE_PATH.slice(0, CA_BUNDLE_PATH.lastIndexOf('/'));
      const file = CA_BUNDLE_PATH.slice(dir.length + 1);
      const volume = kplus.Volume.fromConfigMap(this, 'ca-bundle-volume', configMap, { name: 'ca-bundle', defaultMode: 0o444, items: { [key]: { path: file } } });
      this.claimVolume('ca-bundle', 'caBundle');
      this.sharedMounts.push({ path: dir, volume, prop: 'caBundle' });
      for (const name of CA_BUNDLE_ENV) this.sharedEnv[name] = CA_BUNDLE_PATH;
    }
  }

  private hardenedContainer(options: AgentContainerOptions, init: boolean): kplus.Container {
    const v = this.validator;
    const prefix = init ? 'initContainer' : this.containerCount === 0 ? '' : 'container';
    const p = (prop: string) => (prefix ? `${prefix}.${prop}` : prop);
    const name = v.dnsLabel(p('name'), options.name);
    if ([...this.workload.initContainers, ...this.workload.containers].some((c) => c.name === name)) {
      v.fail('duplicate-container-name', p('name'), name, 'is already the name of a container of this pod', 'give each container its own name');
    }
    const ref = v.image(p('image'), options.image);
    let image = options.image;
    if (options.imageDigest !== undefined) {
      const digest = v.digest(p('imageDigest'), options.imageDigest);
      if (ref.digest && ref.digest !== digest) {
        v.fail('conflicting-digest', p('imageDigest'), digest, `differs from the digest in image "${options.image}"`, 'give the digest once');
      }
      if (!ref.digest) image = `${options.image}@${digest}`;
    }
    image = withRegistry(image, this.imageRegistry);
    const env: Record<string, kplus.EnvValue> = {};
    if (options.env !== undefined && (options.env === null || typeof options.env !== 'object' || Array.isArray(options.env))) {
      v.fail('not-a-map', p('env'), options.env, 'is not a map of names to strings', 'give e.g. { LOG_LEVEL: "info" }');
    }
    for (const [k, val] of Object.entries({ ...this.sharedEnv, ...(options.env ?? {}) })) {
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(k)) v.fail('invalid-env-name', p(`env key`), k, 'is not a valid environment variable name', 'use letters, digits, "_", "-" and "."');
      if (typeof val !== 'string') v.fail('invalid-env-value', p(`env["${k}"]`), val, 'is not a string', 'give plain text; secrets go through SecretSource as files');
      env[k] = kplus.EnvValue.fromValue(val);
    }
    const isMain = !init && this.containerCount === 0;
    const ports = (isMain && this.mainPorts ? this.mainPorts : checkPorts(v, prefix ? `${prefix}.` : '', options.ports)).map((port) => ({
      number: port.port,
      ...(port.name !== undefined ? { name: port.name } : {}),
      protocol: (port.protocol ?? Protocol.TCP) as unknown as kplus.Protocol,
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
    for (const m of this.sharedMounts) {
      this.claimMountPath(container, m.path, m.prop);
      container.mount(m.path, m.volume, { readOnly: true });
    }
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
        return new kplus.Deployment(this, 'workload', { ...podProps, replicas: this.replicas });
      case WorkloadKind.DAEMON_SET:
        return new kplus.DaemonSet(this, 'workload', podProps);
      case WorkloadKind.STATEFUL_SET: {
        const service = new kplus.Service(this, 'headless-service', {
          metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
          clusterIP: 'None',
          ports: (this.mainPorts ?? []).map((p) => ({ port: p.port, name: p.name, protocol: p.protocol as unknown as kplus.Protocol | undefined })),
        });
        for (const [k, val] of Object.entries(this.selector)) service.selectLabel(k, val);
        // cdk8s-plus makes the StatefulSet select its service by the hashed address label too.
        ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/selector/cdk8s.io~1metadata.addr'));
        return new kplus.StatefulSet(this, 'workload', { ...podProps, service, replicas: this.replicas });
      }
      case WorkloadKind.JOB:
        return new kplus.Job(this, 'workload', { ...podProps, backoffLimit: 3 });
      case WorkloadKind.CRON_JOB:
        return new kplus.CronJob(this, 'workload', { ...podProps, schedule: Cron.schedule(parseCron(this.validator, props.schedule!)) });
    }
  }

  /**
   * @internal Records a pod volume name; a second volume of the same name is refused (the API server
   * would reject the pod).
   */
  public claimVolume(name: string, prop: string): void {
    if (this.volumeNames.has(name)) {
      this.validator.fail('duplicate-volume', prop, name, 'is already the name of a volume of this pod', 'give it another name, or add the volume once');
    }
    this.volumeNames.add(name);
  }

  /**
   * @internal Records a mount path of a container; a second mount at the same path is refused (the API
   * server rejects two mounts at one path), naming what holds it.
   */
  public claimMountPath(container: kplus.Container, path: string, what: string): void {
    const taken = this.mountPaths.get(container) ?? new Map<string, string>();
    this.mountPaths.set(container, taken);
    const holder = taken.get(path);
    if (holder !== undefined) {
      this.validator.fail('duplicate-mount-path', what, path, `is already a mount path of container "${container.name}" (${holder})`, 'mount it at another path');
    }
    taken.set(path, what);
  }

  private checkGrant(method: string, rules: PolicyRule[], options: GrantOptions): void {
    const v = this.validator;
    if (!Array.isArray(rules) || rules.length === 0) v.fail('invalid-rule', `${method} rules`, rules, 'is not a non-empty list of rules', 'give e.g. [{ resources: ["pods"], verbs: ["get"], reason: "..." }]');
    if (options === null || typeof options !== 'object') v.fail('invalid-options', `${method} options`, options, 'is not an object', 'give {} or { name }');
    if (options.exemptions !== undefined && (options.exemptions === null || typeof options.exemptions !== 'object' || Array.isArray(options.exemptions))) {
      v.fail('invalid-options', `${method} options.exemptions`, options.exemptions, 'is not a map of rule IDs to reasons', 'give e.g. { "rbac-wildcard": "..." }');
    }
  }

  /** A role's annotations: the reasons of its rules (index-aligned), then the exemptions it carries. */
  private roleAnnotations(rules: PolicyRule[], options: GrantOptions): Record<string, string> {
    const v = this.validator;
    const out: Record<string, string> = { [`${REASONS_PREFIX}rules`]: JSON.stringify(rules.map((r) => r.reason)) };
    for (const [rule, reason] of Object.entries(options.exemptions ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out[`${EXEMPTION_PREFIX}${v.labelValue('exemptions key', rule)}`] = v.reason(`exemptions["${rule}"]`, reason);
    }
    return out;
  }

  private validateRule(rule: PolicyRule, prop: string): Record<string, unknown> {
    const v = this.validator;
    if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) v.fail('invalid-rule', prop, rule, 'is not a rule', 'give { resources, verbs, reason }');
    if (!Array.isArray(rule.verbs) || rule.verbs.length === 0) {
      v.fail('invalid-rule', `${prop}.verbs`, rule.verbs, 'is empty', 'list the verbs, e.g. ["get", "list", "watch"]');
    }
    v.stringList(`${prop}.verbs`, rule.verbs);
    for (const list of ['resources', 'resourceNames', 'nonResourceURLs'] as const) {
      if (rule[list] !== undefined) v.stringList(`${prop}.${list}`, rule[list]!);
    }
    if (rule.apiGroups !== undefined) v.stringList(`${prop}.apiGroups`, rule.apiGroups, true);
    const hasResources = (rule.resources ?? []).length > 0;
    const hasUrls = (rule.nonResourceURLs ?? []).length > 0;
    if (hasResources === hasUrls) {
      v.fail('invalid-rule', prop, rule, 'must list either resources or nonResourceURLs', 'split it into one rule for resources and one for URLs');
    }
    v.reason(`${prop}.reason`, rule.reason);
    return {
      ...(hasResources ? { apiGroups: rule.apiGroups ?? [''] } : {}),
      ...(hasResources ? { resources: rule.resources } : {}),
      ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}),
      ...(hasUrls ? { nonResourceURLs: rule.nonResourceURLs } : {}),
      verbs: rule.verbs,
    };
  }
}

/** The env var that holds the path of the vendor credential file, on every component that talks to the vendor. */
export const VENDOR_CREDENTIAL_ENV = 'VENDOR_CREDENTIAL_FILE';

function checkToleration(v: PropValidator, prop: string, t: Toleration): Toleration {
  if (!t || typeof t !== 'object') v.fail('invalid-toleration', prop, t, 'is not a toleration', 'give e.g. { key: "nvidia.com/gpu", operator: TolerationOperator.EXISTS, effect: TaintEffect.NO_SCHEDULE }');
  const operator = v.oneOf('invalid-toleration', `${prop}.operator`, t.operator ?? (t.value !== undefined ? TolerationOperator.EQUAL : TolerationOperator.EXISTS), TolerationOperator, 'a toleration operator');
  if (operator === TolerationOperator.EXISTS && t.value !== undefined) v.fail('invalid-toleration', `${prop}.value`, t.value, 'is given with operator Exists, which matches any value', 'drop value, or use TolerationOperator.EQUAL');
  if (t.key === undefined && operator !== TolerationOperator.EXISTS) v.fail('invalid-toleration', `${prop}.key`, t.key, 'is required with operator Equal', 'give the taint key');
  if (t.key !== undefined) v.labelKey(`${prop}.key`, t.key);
  if (t.value !== undefined) v.labelValue(`${prop}.value`, t.value);
  const effect = t.effect !== undefined ? v.oneOf('invalid-toleration', `${prop}.effect`, t.effect, TaintEffect, 'a taint effect') : undefined;
  if (t.tolerationSeconds !== undefined) {
    if (effect !== TaintEffect.NO_EXECUTE) v.fail('invalid-toleration', `${prop}.tolerationSeconds`, t.tolerationSeconds, 'applies only to effect NoExecute', 'set effect: TaintEffect.NO_EXECUTE, or drop tolerationSeconds');
    v.positiveInt(`${prop}.tolerationSeconds`, t.tolerationSeconds, 2 ** 31);
  }
  return {
    ...(t.key !== undefined ? { key: t.key } : {}),
    operator,
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(effect !== undefined ? { effect } : {}),
    ...(t.tolerationSeconds !== undefined ? { tolerationSeconds: t.tolerationSeconds } : {}),
  };
}

/** A container's ports: each number unique per protocol, each name unique (as the API server requires). */
function checkPorts(v: PropValidator, prefix: string, given: WorkloadPort[] | undefined): WorkloadPort[] {
  const seen = new Set<string>();
  const names = new Set<string>();
  return v.list<WorkloadPort>(`${prefix}ports`, given, '[{ name: "http", port: 8080 }]').map((port, i) => {
    const p = `${prefix}ports[${i}]`;
    if (port === null || typeof port !== 'object') v.fail('invalid-port', p, port, 'is not a port', 'give e.g. { name: "http", port: 8080 }');
    const number = v.port(`${p}.port`, port.port);
    const protocol = v.oneOf('invalid-protocol', `${p}.protocol`, port.protocol ?? Protocol.TCP, Protocol, 'a protocol');
    if (seen.has(`${protocol}/${number}`)) v.fail('duplicate-port', `${p}.port`, number, `is already a ${protocol} port of this container`, 'list each port once');
    seen.add(`${protocol}/${number}`);
    const name = port.name !== undefined ? v.dnsLabel(`${p}.name`, port.name) : undefined;
    if (name !== undefined) {
      if (name.length > 15) v.fail('invalid-name', `${p}.name`, name, 'is longer than the 15 characters of a port name', 'use a short name, e.g. "http"');
      if (names.has(name)) v.fail('duplicate-port', `${p}.name`, name, 'is already the name of a port of this container', 'give each port its own name');
      names.add(name);
    }
    // The protocol is kept only when given: the API server defaults it to TCP.
    return { port: number, ...(port.protocol !== undefined ? { protocol } : {}), ...(name !== undefined ? { name } : {}) };
  });
}

function checkIntOrPercent(v: PropValidator, prop: string, value: number | string): number | string {
  const ok = (typeof value === 'number' && Number.isInteger(value) && value >= 0) || (typeof value === 'string' && /^(100|[1-9]?\d)%$/.test(value));
  if (!ok) v.fail('invalid-int-or-percent', prop, value, 'is not a non-negative integer or a percentage', 'use e.g. 1 or "25%"');
  return value;
}

const WARNED = new WeakSet<Construct>();

/** A synthesis warning: kept on the construct's metadata, and printed once. */
function warn(scope: Construct, text: string): void {
  scope.node.addMetadata('secure-agents:warning', text);
  if (!WARNED.has(scope)) {
    WARNED.add(scope);
    console.warn(`[secure-agent-constructs] warning: ${text}`);
  }
}

/** Options of `grantClusterRole` and `grantRole`. */
export interface GrantOptions {
  /**
   * Name of the role and its binding.
   * A ClusterRole's name (and its binding's) is always prefixed by the workload's namespace, so that the
   * same chart in two namespaces never collides; a Role's is used as given.
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

/** One RBAC rule, emitted exactly as given. */
export interface PolicyRule {
  /** Why the workload needs this rule (at least 10 characters); written next to it in the output. */
  readonly reason: string;
  /**
   * API groups of the resources.
   * @default [""] (the core group), when resources are given
   */
  readonly apiGroups?: string[];
  /**
   * Resource types the rule covers, e.g. `pods` or `pods/log`; give either these or `nonResourceURLs`.
   * @default - none (a rule for nonResourceURLs)
   */
  readonly resources?: string[];
  /**
   * Names of the objects the rule is limited to, e.g. one ConfigMap.
   * @default - every object of the resources
   */
  readonly resourceNames?: string[];
  /**
   * URL paths that are not resources, e.g. `/metrics` or `/healthz`, for a ClusterRole; give either these or
   * `resources`.
   * @default - none
   */
  readonly nonResourceURLs?: string[];
  /** Verbs allowed on the resources or URLs, e.g. `get`, `list`, `watch`. */
  readonly verbs: string[];
}

function parseCron(v: PropValidator, schedule: string): Record<string, string> {
  if (typeof schedule !== 'string') v.fail('invalid-schedule', 'schedule', schedule, 'is not a cron expression string', 'use e.g. "0 3 * * *"');
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => /^[\d*/,\-A-Za-z?]+$/.test(f))) {
    v.fail('invalid-schedule', 'schedule', schedule, 'is not a five-field cron expression', 'use e.g. "0 3 * * *"');
  }
  const [minute, hour, day, month, weekDay] = fields;
  return { minute, hour, day, month, weekDay };
}
