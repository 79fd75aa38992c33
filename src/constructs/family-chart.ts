import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';
import { PSS } from '../policy/rule-ids';
import { AgentWorkload } from './agent-workload';
import { ApiServerEndpoint, VaultServer } from './endpoints';
import { ClusterScopedObject, standardLabels } from './labels';
import { checkCidr } from './network/cidr';
import { PolicyCheck, PolicyCheckProps } from './policy-check';
import { setChartWorkloadDefaults } from './private/chart-defaults';
import { OutboundProxy, OutboundProxyProps } from './proxy/outbound-proxy';
import { SecureChart } from './secure-chart';
import { ImageSignaturePolicy, ImageSignaturePolicyProps } from './supply-chain/image-signature-policy';
import { PropValidator } from './validation';

/** Pod Security Admission level of a namespace. */
export enum PodSecurityLevel {
  PRIVILEGED = 'privileged',
  BASELINE = 'baseline',
  RESTRICTED = 'restricted',
}

/**
 * The props every ready chart takes, with one meaning everywhere. Per-workload settings are nested
 * under one key per component (`agent`, `mediator`, `digger`, ...), each a `WorkloadSettings`.
 */
export interface FamilyChartProps {
  /**
   * Namespace of every namespaced object.
   * @default - the family's name ("observability", "sensor", "aiops", "cost-optimizer")
   */
  readonly namespace?: string;
  /**
   * Emit the Namespace, with Pod Security Admission labels: `enforce` at the lowest level the chart's
   * pods meet (`privileged` with a node agent that needs host access, else `baseline` or `restricted`),
   * `warn` and `audit` at `restricted`, so every pod is still reported against it.
   * @default false - the namespace is created outside the chart
   */
  readonly createNamespace?: boolean;
  /** The Kubernetes API server: its endpoint addresses and service IP as CIDRs, and its port (443 unless given). */
  readonly apiServer: ApiServerEndpoint;
  /**
   * The outbound HTTPS proxy. Every workload that talks out gets `HTTPS_PROXY` and the full `NO_PROXY`
   * (localhost, the API server's addresses, the cluster's names, your entries) on every container, and
   * its egress allows the proxy on the proxy's port instead of the outside.
   * @default - no proxy: every outside endpoint needs its CIDRs (or a host name on Cilium)
   */
  readonly httpsProxy?: Omit<OutboundProxyProps, 'apiServer'>;
  /**
   * The Vault server, required when a secret comes from the Vault Agent Injector.
   * @default - none
   */
  readonly vaultServer?: VaultServer;
  /**
   * dockerconfigjson Secrets put on every pod of the chart.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Registry that replaces the registry of every image the chart runs (an air-gapped mirror), e.g.
   * `mirror.corp.example/vendor`; paths, tags and digests are kept. Images injected by admission
   * webhooks (the Vault Agent) are configured in the webhook, not here.
   * @default - each image's own registry
   */
  readonly imageRegistry?: string;
  /**
   * Refuse any image that is not pinned by digest (in `image` or `imageDigest`).
   * @default true
   */
  readonly requireImageDigests?: boolean;
  /**
   * An admission policy that refuses the vendor's images unless signed with its cosign key (Sigstore
   * policy-controller or Kyverno), named `<namespace>-signed-images`. With Sigstore and
   * `createNamespace`, the Namespace gets the policy-controller's opt-in label.
   * @default - none
   */
  readonly imagePolicy?: Omit<ImageSignaturePolicyProps, 'partOf' | 'instance' | 'name'>;
  /**
   * The cluster runs Cilium (host-name egress through CiliumNetworkPolicies).
   * @default false
   */
  readonly cilium?: boolean;
  /**
   * Options of the policy checker that runs on this chart at synthesis.
   * @default - the restricted profile and every rule
   */
  readonly policyCheck?: PolicyCheckProps;
  /**
   * Pods admitted by the ResourceQuota that the chart emits when a workload uses a `system-*`
   * PriorityClass outside kube-system (node agents default to `system-node-critical`). Clusters whose
   * ResourceQuota admission limits those classes (GKE does) refuse such pods in a namespace without a
   * quota scoped to the class; elsewhere the quota is inert.
   * @default 1000
   */
  readonly criticalPodQuota?: number;
}

/** What a family tells the base about itself. */
export interface FamilyInfo {
  /** Class name used in errors, e.g. `SensorChart`. */
  readonly chartType: string;
  /** `app.kubernetes.io/part-of` of the family. */
  readonly partOf: string;
  /** Namespace used when the props give none. */
  readonly defaultNamespace: string;
}

const BASELINE_RULES: readonly string[] = [
  PSS.privileged, PSS.hostNamespaces, PSS.capabilitiesBaseline, PSS.hostPathVolumes, PSS.hostPorts, PSS.appArmorProfile,
  PSS.seLinuxOptions, PSS.procMount, PSS.seccompProfileBaseline, PSS.sysctls, PSS.windowsHostProcess, PSS.hostProbesAndHostLifecycle,
];

/**
 * The base of every ready chart: one convention for the namespace, the API server, the outbound
 * proxy, Vault, image pull secrets, the registry override, digest pinning, the image signature
 * policy, Cilium and the policy check. A family chart builds its components with `component()` (so a
 * bad value names the chart's prop) and calls `finish()` at the end of its constructor.
 */
export abstract class FamilyChart extends SecureChart {
  /** The namespace of every namespaced object. */
  declare public readonly namespace: string;
  /** The API server, resolved (port 443 unless given). */
  public readonly apiServer: Required<ApiServerEndpoint>;
  /** The outbound proxy, with `httpsProxy`. */
  public readonly proxy?: OutboundProxy;
  /** The Namespace, with `createNamespace`. */
  public namespaceObject?: ClusterScopedObject;
  /** The image signature policy, with `imagePolicy`. */
  public imagePolicy?: ImageSignaturePolicy;
  /** The ResourceQuota that admits `system-*` priority classes in the namespace, when one is used. */
  public criticalPodQuota?: ApiObject;
  /** Fails synthesis on any unexempted error of the checker. */
  public readonly policyCheck: PolicyCheck;
  /** The family's `part-of`. */
  public readonly partOf: string;

  /** Validator whose errors name the chart and its props. */
  protected readonly chartValidator: PropValidator;
  private readonly familyProps: FamilyChartProps;
  private finished = false;
  private readonly propKeys = new Map<string, string>();

  protected constructor(scope: Construct, id: string, props: FamilyChartProps, family: FamilyInfo) {
    const v = new PropValidator(family.chartType, id);
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give at least { apiServer, ... }');
    const namespace = v.dnsLabel('namespace', props.namespace ?? family.defaultNamespace);
    super(scope, id, { namespace });
    this.chartValidator = v;
    this.familyProps = props;
    this.partOf = family.partOf;
    const api = props.apiServer;
    if (!api || typeof api !== 'object' || !Array.isArray(api.cidrs) || api.cidrs.length === 0) {
      v.fail('missing-api-server', 'apiServer.cidrs', api?.cidrs, 'lists no address', 'give the API server\'s endpoint and service addresses, e.g. ["10.0.0.1/32"]');
    }
    this.apiServer = { cidrs: api.cidrs.map((c, i) => checkCidr(v, `apiServer.cidrs[${i}]`, c)), port: v.port('apiServer.port', api.port ?? 443) };
    this.policyCheck = new PolicyCheck(this, 'policy-check', props.policyCheck);
    if (props.httpsProxy !== undefined) {
      this.proxy = this.component('httpsProxy', () => new OutboundProxy(this, 'https-proxy', { ...props.httpsProxy!, apiServer: this.apiServer }));
    }
    const pullSecrets = props.imagePullSecrets ?? [];
    if (!Array.isArray(pullSecrets)) v.fail('invalid-pull-secrets', 'imagePullSecrets', pullSecrets, 'is not a list', 'give e.g. ["vendor-registry"]');
    pullSecrets.forEach((s, i) => v.dnsSubdomain(`imagePullSecrets[${i}]`, s));
    if (props.vaultServer !== undefined) {
      const vault = props.vaultServer;
      if (!vault || !Array.isArray(vault.cidrs) || vault.cidrs.length === 0) v.fail('empty-cidrs', 'vaultServer.cidrs', vault?.cidrs, 'lists no address', 'give e.g. ["10.0.5.10/32"]');
      vault.cidrs.forEach((c, i) => checkCidr(v, `vaultServer.cidrs[${i}]`, c));
      v.port('vaultServer.port', vault.port ?? 8200);
    }
    if (props.criticalPodQuota !== undefined) v.positiveInt('criticalPodQuota', props.criticalPodQuota, 1_000_000);
    setChartWorkloadDefaults(this, {
      imagePullSecrets: [...pullSecrets],
      imageRegistry: props.imageRegistry,
      cilium: props.cilium ?? false,
      proxy: this.proxy,
      vaultServer: props.vaultServer,
    });
  }

  /**
   * Builds a component of the chart. A ValidationError raised inside it is re-raised naming the chart
   * and the chart's prop (`SensorChart "sensor": digger.vendor.cidrs[0] ...`), not the construct inside.
   */
  protected component<T>(key: string, make: () => T): T {
    const before = new Set(this.node.children);
    try {
      const made = make();
      for (const c of this.node.children) if (!before.has(c)) this.propKeys.set(c.node.id, key);
      return made;
    } catch (err) {
      if (!(err instanceof ValidationError) || !err.path.startsWith(`${this.node.path}/`)) throw err;
      throw new ValidationError({
        code: err.code,
        owner: this.chartValidator.ownerName,
        path: this.chartValidator.pathName,
        prop: `${key}.${err.prop}`,
        value: err.value,
        problem: err.problem,
        fix: err.fix,
      });
    }
  }

  /** Every workload of the chart. */
  public get workloads(): AgentWorkload[] {
    return this.node.findAll().filter((c): c is AgentWorkload => c instanceof AgentWorkload);
  }

  /**
   * The chart-wide objects and checks, after the family built its components: the image policy, the
   * Namespace with its Pod Security Admission labels, the quota for node-critical pods, digest pinning.
   */
  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    const props = this.familyProps;
    const v = this.chartValidator;
    if (props.imagePolicy) {
      const policy = props.imagePolicy;
      this.imagePolicy = this.component('imagePolicy', () => new ImageSignaturePolicy(this, 'image-policy', { ...policy, name: `${this.namespace}-signed-images`, partOf: this.partOf }));
    }
    const workloads = this.workloads;
    if (props.requireImageDigests ?? true) {
      for (const w of workloads) {
        for (const image of w.images) {
          if (!image.includes('@sha256:')) {
            v.fail('image-not-pinned', `${this.propOf(w)}.image`, image, 'is not pinned by digest', 'append @sha256:<digest> or give imageDigest; or set requireImageDigests: false');
          }
        }
      }
    }
    const critical = [...new Set(workloads.map((w) => w.priorityClassName).filter((p): p is string => p !== undefined && p.startsWith('system-')))].sort();
    if (critical.length > 0 && this.namespace !== 'kube-system') {
      this.criticalPodQuota = new ApiObject(this, 'critical-pod-quota', {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: {
          name: 'critical-pods',
          namespace: this.namespace,
          labels: standardLabels({ name: 'critical-pods', instance: this.namespace, component: 'resource-quota', partOf: this.partOf }),
          annotations: { 'reasons.secure-agents.io/quota': `admits pods of priority class ${critical.join(', ')} outside kube-system, which clusters that limit those classes (GKE) require` },
        },
        spec: {
          hard: { pods: String(props.criticalPodQuota ?? 1000) },
          scopeSelector: { matchExpressions: [{ operator: 'In', scopeName: 'PriorityClass', values: critical }] },
        },
      });
    }
    if (props.createNamespace) {
      this.namespaceObject = new ClusterScopedObject(this, 'namespace', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: this.namespace,
          labels: {
            ...standardLabels({ name: this.namespace, instance: this.namespace, component: 'namespace', partOf: this.partOf }),
            'pod-security.kubernetes.io/enforce': this.podSecurityLevel(),
            'pod-security.kubernetes.io/warn': PodSecurityLevel.RESTRICTED,
            'pod-security.kubernetes.io/audit': PodSecurityLevel.RESTRICTED,
            ...(this.imagePolicy?.namespaceLabels() ?? {}),
          },
        },
      });
    }
  }

  /** The lowest Pod Security Admission level every pod of the chart meets. */
  public podSecurityLevel(): PodSecurityLevel {
    const rules = new Set(this.workloads.flatMap((w) => Object.keys(w.exemptionAnnotations()).map((k) => k.slice(k.indexOf('/') + 1))));
    if ([...rules].some((r) => BASELINE_RULES.includes(r))) return PodSecurityLevel.PRIVILEGED;
    if ([...rules].some((r) => r.startsWith('pss-'))) return PodSecurityLevel.BASELINE;
    return PodSecurityLevel.RESTRICTED;
  }

  /** The chart prop a workload was built from: its top-level construct id under the chart. */
  private propOf(w: AgentWorkload): string {
    const path = w.node.scopes.slice(this.node.scopes.length).map((s) => s.node.id);
    const id = path[0] ?? w.node.id;
    return this.propKeys.get(id) ?? id;
  }
}
