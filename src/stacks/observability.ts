import { Construct } from 'constructs';
import {
  ApiServerEndpoint, MEDIATOR_PORT, MediatorBackend, ObservabilityAgent, ObservabilityAgentProps, ObservabilityExecutor,
  ObservabilityExecutorProps, ObservabilityMediator, ObservabilityMediatorProps, VICTORIA_METRICS_PORT, VictoriaMetrics,
  VictoriaMetricsProps,
} from '../constructs/observability';
import { PolicyCheck, PolicyCheckProps } from '../constructs/policy-check';
import { SecureChart } from '../constructs/secure-chart';
import { PropValidator } from '../constructs/validation';

export interface ObservabilityChartProps {
  /**
   * Options of the policy checker that runs on this chart at synthesis.
   * @default - the restricted profile and every rule
   */
  readonly policyCheck?: PolicyCheckProps;
  /**
   * Namespace of every workload.
   * @default "observability"
   */
  readonly namespace?: string;
  /** The API server's addresses and port, for the egress of the workloads that call it. */
  readonly apiServer: ApiServerEndpoint;
  /** The vendor's backend, which the mediator sends to. */
  readonly backend: MediatorBackend;
  /**
   * The cluster runs Cilium (host-name egress through CiliumNetworkPolicies).
   * @default false
   */
  readonly cilium?: boolean;
  /** The eBPF agent (DaemonSet). */
  readonly agent: Omit<ObservabilityAgentProps, 'apiServer' | 'namespace' | 'cilium'>;
  /** The mediator (Deployment). */
  readonly mediator: Omit<ObservabilityMediatorProps, 'apiServer' | 'backend' | 'namespace' | 'cilium'>;
  /** VictoriaMetrics (StatefulSet). */
  readonly victoriaMetrics: Omit<VictoriaMetricsProps, 'namespace' | 'cilium'>;
  /**
   * The remediation executor (Deployment).
   * @default - no executor
   */
  readonly executor?: Omit<ObservabilityExecutorProps, 'apiServer' | 'namespace' | 'cilium'>;
}

/**
 * The observability product in one chart: the eBPF agent on every node, the mediator, single-node
 * VictoriaMetrics and, when asked, the remediation executor, each with its own identity, exact RBAC
 * and a default-deny network policy that allows exactly:
 *
 * | workload | egress | ingress |
 * |---|---|---|
 * | agent | DNS, API server, mediator, VictoriaMetrics | none |
 * | mediator | DNS, API server, backend (CIDRs, proxy, or FQDN on Cilium), VictoriaMetrics | agents (and the executor, when present) |
 * | VictoriaMetrics | DNS | agents, mediator |
 * | executor | DNS, API server, mediator | none |
 */
export class ObservabilityChart extends SecureChart {
  public readonly agent: ObservabilityAgent;
  public readonly mediator: ObservabilityMediator;
  public readonly victoriaMetrics: VictoriaMetrics;
  public readonly executor?: ObservabilityExecutor;
  /** Fails synthesis on any unexempted error of the checker. */
  public readonly policyCheck: PolicyCheck;

  constructor(scope: Construct, id: string, props: ObservabilityChartProps) {
    const namespace = new PropValidator('ObservabilityChart', id).dnsLabel('namespace', props?.namespace ?? 'observability');
    super(scope, id, { namespace });
    const cilium = props.cilium ?? false;
    const shared = { namespace, cilium };
    this.policyCheck = new PolicyCheck(this, 'policy-check', props.policyCheck);

    this.victoriaMetrics = new VictoriaMetrics(this, 'victoria-metrics', { ...props.victoriaMetrics, ...shared });
    const vmAddress = `http://${this.victoriaMetrics.name}.${namespace}.svc:${VICTORIA_METRICS_PORT}`;
    this.mediator = new ObservabilityMediator(this, 'mediator', {
      ...props.mediator,
      ...shared,
      apiServer: props.apiServer,
      backend: props.backend,
      env: { ...(props.mediator?.env ?? {}), VICTORIA_METRICS_URL: vmAddress },
    });
    const mediatorAddress = `${this.mediator.name}.${namespace}.svc:${MEDIATOR_PORT}`;
    this.agent = new ObservabilityAgent(this, 'agent', {
      ...props.agent,
      ...shared,
      apiServer: props.apiServer,
      env: { ...(props.agent?.env ?? {}), MEDIATOR_ADDRESS: mediatorAddress, VICTORIA_METRICS_URL: vmAddress },
    });

    this.agent.sendTo({ workload: this.mediator, port: MEDIATOR_PORT }).sendTo({ workload: this.victoriaMetrics, port: VICTORIA_METRICS_PORT });
    this.mediator.receiveFrom(this.agent).sendTo(this.victoriaMetrics, VICTORIA_METRICS_PORT);
    this.victoriaMetrics.acceptFrom(this.agent).acceptFrom(this.mediator);

    if (props.executor) {
      this.executor = new ObservabilityExecutor(this, 'executor', {
        ...props.executor,
        ...shared,
        apiServer: props.apiServer,
        env: { ...(props.executor.env ?? {}), MEDIATOR_ADDRESS: mediatorAddress },
      });
      // The executor fetches its tasks from the mediator and listens on nothing itself.
      this.executor.pullFrom(this.mediator, MEDIATOR_PORT);
      this.mediator.receiveFrom(this.executor);
    }
  }
}
