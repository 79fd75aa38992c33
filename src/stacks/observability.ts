import { Construct } from 'constructs';
import { FamilyChart, FamilyChartProps } from '../constructs/family-chart';
import { Ports } from '../constructs/network';
import {
  MEDIATOR_PORT, MediatorBackend, OBSERVABILITY, ObservabilityAgent, ObservabilityAgentProps, ObservabilityExecutor,
  ObservabilityExecutorProps, ObservabilityMediator, ObservabilityMediatorProps, VICTORIA_METRICS_PORT, VictoriaMetrics,
  VictoriaMetricsProps, OBSERVABILITY_REASONS,
} from '../constructs/observability';

/** What the chart sets on a component itself, from its own props. */
type ChartSet = 'apiServer' | 'namespace' | 'cilium' | 'proxy' | 'vaultServer' | 'imageRegistry';

export interface ObservabilityChartProps extends FamilyChartProps {
  /** The vendor's backend, which the mediator sends to (through `httpsProxy` when set). */
  readonly backend: MediatorBackend;
  /** The eBPF agent (DaemonSet). */
  readonly agent: Omit<ObservabilityAgentProps, ChartSet | 'nodeCidrs'>;
  /**
   * The nodes' addresses: the agents read node and container metrics from the kubelets on these
   * (TCP 10250), with get on nodes/metrics. Without them the agents get neither the egress nor the grant.
   * @default - no kubelet access
   */
  readonly nodeCidrs?: string[];
  /** The mediator (Deployment). */
  readonly mediator: Omit<ObservabilityMediatorProps, ChartSet | 'backend'>;
  /** VictoriaMetrics (StatefulSet). */
  readonly victoriaMetrics: Omit<VictoriaMetricsProps, ChartSet>;
  /**
   * The remediation executor (Deployment).
   * @default - no executor
   */
  readonly executor?: Omit<ObservabilityExecutorProps, ChartSet>;
}

/**
 * The observability product in one chart: the eBPF agent on every node, the mediator, single-node
 * VictoriaMetrics and, when asked, the remediation executor, each with its own identity, exact RBAC
 * and a default-deny network policy that allows exactly:
 *
 * | workload | egress | ingress |
 * |---|---|---|
 * | agent | DNS, API server, mediator, VictoriaMetrics | none |
 * | mediator | DNS, API server, backend (proxy, CIDRs, or FQDN on Cilium), VictoriaMetrics | agents (and the executor, when present) |
 * | VictoriaMetrics | DNS | agents, mediator |
 * | executor | DNS, API server, mediator | none |
 */
export class ObservabilityChart extends FamilyChart {
  public readonly agent: ObservabilityAgent;
  public readonly mediator: ObservabilityMediator;
  public readonly victoriaMetrics: VictoriaMetrics;
  public readonly executor?: ObservabilityExecutor;

  constructor(scope: Construct, id: string, props: ObservabilityChartProps) {
    super(scope, id, props, { chartType: 'ObservabilityChart', partOf: OBSERVABILITY, defaultNamespace: 'observability' });
    const namespace = this.namespace;
    const apiServer = this.apiServer;

    this.victoriaMetrics = this.component('victoriaMetrics', () => new VictoriaMetrics(this, 'victoria-metrics', { ...props.victoriaMetrics }));
    const vmAddress = `http://${this.victoriaMetrics.name}.${namespace}.svc:${VICTORIA_METRICS_PORT}`;
    this.mediator = this.component('mediator', () => new ObservabilityMediator(this, 'mediator', {
      ...props.mediator,
      apiServer,
      backend: props.backend,
      env: { ...(props.mediator?.env ?? {}), VICTORIA_METRICS_URL: vmAddress },
    }));
    const mediatorAddress = `${this.mediator.name}.${namespace}.svc:${MEDIATOR_PORT}`;
    this.agent = this.component('agent', () => new ObservabilityAgent(this, 'agent', {
      ...props.agent,
      apiServer,
      ...(props.nodeCidrs !== undefined ? { nodeCidrs: props.nodeCidrs } : {}),
      env: { ...(props.agent?.env ?? {}), MEDIATOR_ADDRESS: mediatorAddress, VICTORIA_METRICS_URL: vmAddress },
    }));

    this.agent.allowTo(this.mediator, [Ports.tcp(MEDIATOR_PORT)], OBSERVABILITY_REASONS.agentToMediator)
      .allowTo(this.victoriaMetrics, [Ports.tcp(VICTORIA_METRICS_PORT)], OBSERVABILITY_REASONS.agentToVictoriaMetrics);
    this.mediator.allowTo(this.victoriaMetrics, [Ports.tcp(VICTORIA_METRICS_PORT)], OBSERVABILITY_REASONS.mediatorToVictoriaMetrics);

    if (props.executor) {
      const executor = props.executor;
      this.executor = this.component('executor', () => new ObservabilityExecutor(this, 'executor', {
        ...executor,
        apiServer,
        env: { ...(executor.env ?? {}), MEDIATOR_ADDRESS: mediatorAddress },
      }));
      // The executor fetches its tasks from the mediator and listens on nothing itself.
      this.executor.allowTo(this.mediator, [Ports.tcp(MEDIATOR_PORT)], OBSERVABILITY_REASONS.executorToMediator);
    }
    this.finish();
  }
}
