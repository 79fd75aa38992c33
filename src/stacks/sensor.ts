import { Construct } from 'constructs';
import { AgentWorkload } from '../constructs/agent-workload';
import { ApiServerEndpoint } from '../constructs/observability/common';
import { checkCidr, NetworkPeer } from '../constructs/network';
import { ClusterScopedObject, standardLabels } from '../constructs/labels';
import { PolicyCheck, PolicyCheckProps } from '../constructs/policy-check';
import { OutboundProxy, OutboundProxyProps } from '../constructs/proxy';
import { SecureChart } from '../constructs/secure-chart';
import { ImageSignaturePolicy, ImageSignaturePolicyProps } from '../constructs/supply-chain';
import {
  DETECTION_PORT, DIGGER_PORT, SENSOR, SensorCrawler, SensorCrawlerProps, SensorDetectionTool, SensorDetectionToolProps, SensorDigger, SensorDiggerProps, SensorInterceptor,
  SensorInterceptorProps, SensorPrometheusAgent, SensorPrometheusAgentProps, VaultServer,
} from '../constructs/sensor';
import { PropValidator } from '../constructs/validation';

/** What the chart sets on every workload itself. */
type Shared = 'namespace' | 'cilium' | 'proxy' | 'vaultServer' | 'apiServer';

export interface SensorChartProps {
  /**
   * Options of the policy checker that runs on this chart at synthesis.
   * @default - the restricted profile and every rule
   */
  readonly policyCheck?: PolicyCheckProps;
  /**
   * Namespace of every workload.
   * @default "sensor"
   */
  readonly namespace?: string;
  /** The API server's addresses and port (443 on most managed clusters, 6443 on kubeadm). */
  readonly apiServer: ApiServerEndpoint;
  /**
   * The nodes' addresses: interceptors run on the host network, so the digger accepts them (and the
   * Prometheus agent scrapes them) by these. Required with an interceptor.
   * @default - none
   */
  readonly nodeCidrs?: string[];
  /**
   * The cluster runs Cilium.
   * @default false
   */
  readonly cilium?: boolean;
  /**
   * The outbound HTTPS proxy. When set, every workload that talks out gets HTTPS_PROXY and NO_PROXY,
   * and its egress allows the proxy instead of the vendor's addresses.
   * @default - no proxy: every vendor endpoint needs its CIDRs
   */
  readonly httpsProxy?: Omit<OutboundProxyProps, 'apiServer'>;
  /**
   * The Vault server, when a token comes from the Vault Agent Injector.
   * @default - none
   */
  readonly vaultServer?: VaultServer;
  /**
   * dockerconfigjson Secrets for the vendor's registry, put on every pod.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Refuse any image that is not pinned by digest (in `image` or `imageDigest`).
   * @default true
   */
  readonly requireImageDigests?: boolean;
  /**
   * An admission policy that refuses the vendor's images unless signed with its cosign key
   * (Sigstore policy-controller or Kyverno). Named `<namespace>-signed-images`. Kyverno checks only
   * the images matching the globs. With Sigstore and `createNamespace`, the Namespace gets the
   * policy-controller's opt-in label (label it yourself otherwise, or nothing is checked); in an
   * opted-in namespace the controller's `no-match-policy` (default `deny`) also refuses every image
   * that no ClusterImagePolicy matches, such as Prometheus or the injected Vault Agent, so set it to
   * `allow` or `warn`, or cover those images with policies of your own.
   * @default - none
   */
  readonly imagePolicy?: Omit<ImageSignaturePolicyProps, 'partOf' | 'instance' | 'name'>;
  /**
   * Emit the Namespace, with Pod Security Admission labels: `enforce: privileged` when there is an
   * interceptor (host namespaces and capabilities beyond baseline), `restricted` otherwise; `warn`
   * and `audit` stay `restricted`, so every other pod is still reported against it.
   * @default false - the namespace is created outside the chart
   */
  readonly createNamespace?: boolean;
  /**
   * The interceptor (data in motion). At least one of `interceptor` and `crawler` is required.
   * @default - none
   */
  readonly interceptor?: Omit<SensorInterceptorProps, Shared | 'diggerAddress'>;
  /**
   * The crawler (data at rest), with its data sources.
   * @default - none
   */
  readonly crawler?: Omit<SensorCrawlerProps, Shared | 'diggerAddress'>;
  /** The digger. */
  readonly digger: Omit<SensorDiggerProps, Shared>;
  /** The detection tool. */
  readonly detectionTool: Omit<SensorDetectionToolProps, Shared>;
  /**
   * The Prometheus agent.
   * @default - none
   */
  readonly prometheusAgent?: Omit<SensorPrometheusAgentProps, Shared>;
}

/**
 * The data-security sensor in one chart. Each workload has its own identity and, except the
 * host-network interceptor, a default-deny network policy that allows exactly:
 *
 * | workload | egress | ingress |
 * |---|---|---|
 * | interceptor | not restricted by any NetworkPolicy (host network); sends only to the digger | - |
 * | crawler | DNS, each data source's CIDRs on its ports, digger, Vault (the proxy only for S3 sources given without CIDRs) | Prometheus agent |
 * | digger | DNS, API server, vendor (proxy or CIDRs), detection tool, Vault | interceptors (node CIDRs), crawler, Prometheus agent |
 * | detection tool | DNS, update endpoint and model bucket (proxy or CIDRs), Vault | digger, Prometheus agent |
 * | Prometheus agent | DNS, API server, vendor (proxy or CIDRs), scraped pods and node ports, Vault | none |
 *
 * A chart needs at least one of the interceptor (data in motion) and the crawler (data at rest).
 */
export class SensorChart extends SecureChart {
  public readonly proxy?: OutboundProxy;
  /** The image signature policy, with `imagePolicy`. */
  public readonly imagePolicy?: ImageSignaturePolicy;
  /** The Namespace, with `createNamespace`. */
  public readonly namespaceObject?: ClusterScopedObject;
  public readonly interceptor?: SensorInterceptor;
  public readonly crawler?: SensorCrawler;
  public readonly digger: SensorDigger;
  public readonly detectionTool: SensorDetectionTool;
  public readonly prometheusAgent?: SensorPrometheusAgent;
  /** Fails synthesis on any unexempted error of the checker. */
  public readonly policyCheck: PolicyCheck;

  constructor(scope: Construct, id: string, props: SensorChartProps) {
    const v: PropValidator = new PropValidator('SensorChart', id);
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give { apiServer, digger, detectionTool, ... }');
    const namespace = v.dnsLabel('namespace', props.namespace ?? 'sensor');
    super(scope, id, { namespace });
    if (!props.apiServer || !Array.isArray(props.apiServer.cidrs) || props.apiServer.cidrs.length === 0) {
      v.fail('missing-api-server', 'apiServer.cidrs', props.apiServer?.cidrs, 'lists no address', 'give the API server\'s endpoint and service addresses, e.g. ["10.0.0.1/32"]');
    }
    if (!props.interceptor && !props.crawler) {
      v.fail('nothing-to-watch', 'interceptor', props.interceptor, 'and crawler are both missing, so the sensor would watch nothing', 'give interceptor (data in motion), crawler (data at rest), or both');
    }
    const apiServer = { cidrs: props.apiServer.cidrs, port: v.port('apiServer.port', props.apiServer.port ?? 443) };
    this.policyCheck = new PolicyCheck(this, 'policy-check', props.policyCheck);
    if (props.httpsProxy) this.proxy = new OutboundProxy(this, 'https-proxy', { ...props.httpsProxy, apiServer });
    const pullSecrets = props.imagePullSecrets ?? [];
    const shared = <T extends { imagePullSecrets?: string[] }>(p: T) => ({
      ...p,
      namespace,
      cilium: props.cilium ?? false,
      proxy: this.proxy,
      vaultServer: props.vaultServer,
      imagePullSecrets: [...pullSecrets, ...(p?.imagePullSecrets ?? []).filter((s) => !pullSecrets.includes(s))],
    });

    this.detectionTool = new SensorDetectionTool(this, 'detection-tool', shared(props.detectionTool));
    this.digger = new SensorDigger(this, 'digger', { ...shared(props.digger), apiServer });
    this.digger.sendTo(this.detectionTool, DETECTION_PORT);
    this.detectionTool.receiveFrom(NetworkPeer.workload(this.digger), DETECTION_PORT);

    const nodeCidrs = (): string[] => {
      const cidrs: string[] | undefined = props.nodeCidrs;
      if (!Array.isArray(cidrs) || cidrs.length === 0) {
        v.fail('missing-node-cidrs', 'nodeCidrs', cidrs, 'are required with an interceptor: it runs on the host network, so its traffic comes from the nodes\' addresses', 'give the node subnets, e.g. ["10.0.16.0/20"]');
      }
      return cidrs.map((c, i) => checkCidr(v, `nodeCidrs[${i}]`, c));
    };
    if (props.interceptor) {
      this.interceptor = new SensorInterceptor(this, 'interceptor', { ...shared(props.interceptor), diggerAddress: this.digger.address });
      this.digger.receiveFrom(NetworkPeer.cidrs(nodeCidrs()), DIGGER_PORT);
    }
    if (props.crawler) {
      this.crawler = new SensorCrawler(this, 'crawler', { ...shared(props.crawler), diggerAddress: this.digger.address });
      this.crawler.sendTo(this.digger, DIGGER_PORT);
      this.digger.receiveFrom(NetworkPeer.workload(this.crawler), DIGGER_PORT);
    }
    if (props.prometheusAgent) {
      this.prometheusAgent = new SensorPrometheusAgent(this, 'prometheus-agent', { ...shared(props.prometheusAgent), apiServer });
      this.prometheusAgent.scrape(this.digger).scrape(this.detectionTool);
      if (this.crawler) this.prometheusAgent.scrape(this.crawler);
      if (this.interceptor) this.prometheusAgent.scrapeNodes(nodeCidrs());
    }

    if (props.imagePolicy) {
      this.imagePolicy = new ImageSignaturePolicy(this, 'image-policy', { ...props.imagePolicy, name: `${namespace}-signed-images`, partOf: SENSOR });
    }

    if (props.createNamespace) {
      const level = this.interceptor ? 'privileged' : 'restricted';
      this.namespaceObject = new ClusterScopedObject(this, 'namespace', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          labels: {
            ...standardLabels({ name: namespace, instance: namespace, component: 'namespace', partOf: SENSOR }),
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
            ...(this.imagePolicy?.namespaceLabels() ?? {}),
          },
        },
      });
    }

    if (props.requireImageDigests ?? true) {
      for (const w of this.node.findAll().filter((c): c is AgentWorkload => c instanceof AgentWorkload)) {
        for (const c of [...w.workload.initContainers, ...w.workload.containers]) {
          if (!c.image.includes('@sha256:')) {
            v.fail('image-not-pinned', `${w.node.id}.image`, c.image, 'is not pinned by digest', 'append @sha256:<digest> or give imageDigest; or set requireImageDigests: false');
          }
        }
      }
    }
  }
}
