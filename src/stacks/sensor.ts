import { Construct } from 'constructs';
import { FamilyChart, FamilyChartProps } from '../constructs/family-chart';
import { checkCidr, NetworkPeer, Ports } from '../constructs/network';
import { reasonOf } from '../needs/model';
import {
  BUS_CLIENT_REASONS, DETECTION_PORT, DIGGER_NEEDS, DIGGER_PORT, ExternalMessageBus, ExternalMessageBusProps, ISensorMessageBus, SENSOR, SENSOR_REASONS, SensorMessageBroker, SensorMessageBrokerProps, SensorCrawler, SensorCrawlerProps, SensorDetectionTool, SensorDetectionToolProps, SensorDigger, SensorDiggerProps, SensorInterceptor,
  SensorInterceptorProps, SensorPrometheusAgent, SensorPrometheusAgentProps,
} from '../constructs/sensor';

/** What the chart sets on a component itself, from its own props. */
type ChartSet = 'apiServer' | 'namespace' | 'cilium' | 'proxy' | 'vaultServer' | 'imageRegistry';

export interface SensorChartProps extends FamilyChartProps {
  /**
   * The nodes' addresses: interceptors run on the host network, so the digger accepts them (and the
   * Prometheus agent scrapes them) by these. Required with an interceptor.
   * @default - none
   */
  readonly nodeCidrs?: string[];
  /**
   * The interceptor (data in motion). At least one of `interceptor` and `crawler` is required.
   * @default - none
   */
  readonly interceptor?: Omit<SensorInterceptorProps, ChartSet | 'diggerAddress'>;
  /**
   * The crawler (data at rest), with its data sources.
   * @default - none
   */
  readonly crawler?: Omit<SensorCrawlerProps, ChartSet | 'diggerAddress'>;
  /** The digger. */
  readonly digger: Omit<SensorDiggerProps, ChartSet>;
  /** The detection tool. */
  readonly detectionTool: Omit<SensorDetectionToolProps, ChartSet>;
  /**
   * The Prometheus agent.
   * @default - none
   */
  readonly prometheusAgent?: Omit<SensorPrometheusAgentProps, ChartSet>;
  /**
   * The Kafka message bus the interceptor, the digger and the detection tool talk through: exactly one
   * of `inCluster` (a KRaft broker in the chart's namespace, admitted only from those components) and
   * `external` (brokers outside, TLS and SASL). With a bus, the digger no longer accepts the
   * interceptors directly: their events go through the bus, and every policy follows it.
   * @default - none: the interceptors send straight to the digger
   */
  readonly messageBus?: SensorMessageBusOptions;
}

/** The sensor's message bus: exactly one kind. */
export interface SensorMessageBusOptions {
  /** An in-cluster KRaft broker (the chart passes the node CIDRs for the host-network interceptor). */
  readonly inCluster?: Omit<SensorMessageBrokerProps, ChartSet | 'nodeCidrs'>;
  /** An external broker over SASL_SSL. */
  readonly external?: ExternalMessageBusProps;
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
 * With `createNamespace`, the Namespace enforces `privileged` when there is an interceptor (host
 * namespaces and capabilities beyond baseline), `restricted` otherwise.
 */
export class SensorChart extends FamilyChart {
  public readonly interceptor?: SensorInterceptor;
  public readonly crawler?: SensorCrawler;
  public readonly digger: SensorDigger;
  public readonly detectionTool: SensorDetectionTool;
  public readonly prometheusAgent?: SensorPrometheusAgent;
  /** The message bus, with `messageBus`. */
  public readonly messageBus?: ISensorMessageBus;
  /** The in-cluster broker, with `messageBus.inCluster`. */
  public readonly messageBroker?: SensorMessageBroker;

  constructor(scope: Construct, id: string, props: SensorChartProps) {
    super(scope, id, props, { chartType: 'SensorChart', partOf: SENSOR, defaultNamespace: 'sensor' });
    const v = this.chartValidator;
    if (!props.interceptor && !props.crawler) {
      v.fail('nothing-to-watch', 'interceptor', props.interceptor, 'and crawler are both missing, so the sensor would watch nothing', 'give interceptor (data in motion), crawler (data at rest), or both');
    }
    const apiServer = this.apiServer;

    this.detectionTool = this.component('detectionTool', () => new SensorDetectionTool(this, 'detection-tool', { ...props.detectionTool }));
    this.digger = this.component('digger', () => new SensorDigger(this, 'digger', { ...props.digger, apiServer }));
    this.digger.allowTo(this.detectionTool, [Ports.tcp(DETECTION_PORT)], SENSOR_REASONS.classify);
    const bus = props.messageBus;
    if (bus !== undefined) {
      const kinds = [bus?.inCluster, bus?.external].filter((k) => k !== undefined).length;
      if (kinds !== 1) v.fail('message-bus-kind', 'messageBus', kinds === 0 ? bus : '(both)', `gives ${kinds} kinds of bus`, 'give exactly one of inCluster and external');
    }

    const nodeCidrs = (): string[] => {
      const cidrs = props.nodeCidrs as string[];
      if (!Array.isArray(cidrs) || cidrs.length === 0) {
        v.fail('missing-node-cidrs', 'nodeCidrs', cidrs, 'are required with an interceptor: it runs on the host network, so its traffic comes from the nodes\' addresses', 'give the node subnets, e.g. ["10.0.16.0/20"]');
      }
      return cidrs.map((c, i) => checkCidr(v, `nodeCidrs[${i}]`, c));
    };
    if (bus?.inCluster) {
      const inCluster = bus.inCluster;
      this.messageBroker = this.component('messageBus', () => new SensorMessageBroker(this, 'message-bus', { ...inCluster, ...(props.interceptor ? { nodeCidrs: nodeCidrs() } : {}) }));
      this.messageBus = this.messageBroker;
    } else if (bus?.external) {
      const external = bus.external;
      this.messageBus = this.component('messageBus', () => new ExternalMessageBus(this, 'message-bus', external));
    }
    if (props.interceptor) {
      const interceptor = props.interceptor;
      this.interceptor = this.component('interceptor', () => new SensorInterceptor(this, 'interceptor', { ...interceptor, diggerAddress: this.digger.address }));
      if (!this.messageBus) this.digger.allowFrom(NetworkPeer.cidrs(nodeCidrs()), [Ports.tcp(DIGGER_PORT)], reasonOf(DIGGER_NEEDS, 'from-interceptors'));
    }
    if (this.messageBus) {
      const connect = this.messageBus;
      for (const w of [this.interceptor, this.digger, this.detectionTool]) {
        if (w) this.component('messageBus', () => connect.connect(w, BUS_CLIENT_REASONS[w.labelProps.component]));
      }
    }
    if (props.crawler) {
      const crawler = props.crawler;
      this.crawler = this.component('crawler', () => new SensorCrawler(this, 'crawler', { ...crawler, diggerAddress: this.digger.address }));
      this.crawler.allowTo(this.digger, [Ports.tcp(DIGGER_PORT)], SENSOR_REASONS.crawlerFindings);
    }
    if (props.prometheusAgent) {
      const prometheusAgent = props.prometheusAgent;
      this.prometheusAgent = this.component('prometheusAgent', () => new SensorPrometheusAgent(this, 'prometheus-agent', { ...prometheusAgent, apiServer }));
      this.prometheusAgent.scrape(this.digger).scrape(this.detectionTool);
      if (this.crawler) this.prometheusAgent.scrape(this.crawler);
      if (this.interceptor) this.prometheusAgent.scrapeNodes(nodeCidrs());
    }
    this.finish();
  }
}
