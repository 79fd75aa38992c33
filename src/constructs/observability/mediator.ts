import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentWorkload, PolicyRule } from '../agent-workload';
import { checkCidr, NetworkPeer, Ports, WorkloadNetworkPolicy } from '../network';
import { PropValidator } from '../validation';
import { ApiServerEndpoint, OBSERVABILITY, ObservabilityWorkloadOptions, clusterScopedName, validatorFor } from './common';

/** The mediator's ClusterRole, exactly: read-only, each resource under its own API group. */
export const MEDIATOR_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'nodes', 'services', 'events', 'replicationcontrollers'], verbs: ['get', 'watch', 'list'] },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: ['get', 'watch', 'list'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'watch', 'list'] },
  { apiGroups: ['app.k8s.io'], resources: ['applications'], verbs: ['get', 'watch', 'list'] },
];

/** The port the mediator receives agents' data on. */
export const MEDIATOR_PORT = 8443;

/** The vendor's backend, which the mediator sends cluster state to. */
export interface MediatorBackend {
  /** Its URL, e.g. `https://ingest.vendor.example`; https only. */
  readonly url: string;
  /**
   * Its addresses, when egress goes straight to it (see NetworkPeer for why this is the weaker choice).
   * Exactly one of `cidrs`, `proxy` and `fqdn` is given.
   * @default - none
   */
  readonly cidrs?: string[];
  /**
   * The outbound proxy the mediator reaches the backend through: its URL (set as HTTPS_PROXY) and
   * its addresses (the only egress the policy opens for the backend).
   * @default - none
   */
  readonly proxy?: { readonly url: string; readonly cidrs: string[] };
  /**
   * On Cilium: allow the backend's host name (from `url`) with toFQDNs.
   * @default false
   */
  readonly fqdn?: boolean;
}

export interface ObservabilityMediatorProps extends ObservabilityWorkloadOptions {
  /** The API server, which the mediator watches. */
  readonly apiServer: ApiServerEndpoint;
  /** Where cluster state goes. */
  readonly backend: MediatorBackend;
}

/**
 * The mediator: a Deployment that watches cluster state with the read-only ClusterRole
 * `MEDIATOR_RULES` and sends it to the vendor's backend. It receives agents' data on
 * `MEDIATOR_PORT` through a Service; its network policy allows DNS, the API server and the backend
 * (by CIDRs, through a proxy, or by host name on Cilium), and ingress only from agents.
 */
export class ObservabilityMediator extends AgentWorkload {
  public readonly backend: MediatorBackend;
  public readonly service: ApiObject;
  public readonly networkPolicy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, props: ObservabilityMediatorProps) {
    const v = validatorFor('ObservabilityMediator', scope, id);
    const backend = checkBackend(v, props?.backend, props?.cilium ?? false);
    super(scope, id, {
      ...props,
      component: 'mediator',
      partOf: OBSERVABILITY,
      ports: [{ name: 'ingest', port: MEDIATOR_PORT }],
      env: {
        ...(props.env ?? {}),
        BACKEND_URL: props.backend.url,
        ...(props.backend.proxy ? { HTTPS_PROXY: props.backend.proxy.url, NO_PROXY: '.svc,.cluster.local,kubernetes.default' } : {}),
      },
    });
    this.backend = props.backend;
    this.grantClusterRole([...MEDIATOR_RULES], { name: clusterScopedName(this) });
    this.service = this.addService([{ name: 'ingest', port: MEDIATOR_PORT }]);
    const policy = new WorkloadNetworkPolicy(this, 'network-policy', { workload: this, cilium: props.cilium })
      .allowDns()
      .allowEgressTo(NetworkPeer.apiServer(props.apiServer));
    if (backend.proxy) {
      policy.allowEgressTo(NetworkPeer.httpsProxy({ cidrs: backend.proxy.cidrs, port: backend.proxy.port }));
    } else if (backend.cidrs) {
      policy.allowEgressTo(NetworkPeer.cidrs(backend.cidrs), [Ports.tcp(backend.port)]);
    } else {
      policy.allowEgressTo(NetworkPeer.fqdns([backend.url.hostname]), [Ports.tcp(backend.port)]);
    }
    this.networkPolicy = policy;
  }

  /** Accepts data from a workload (the agents) on the ingest port. */
  public receiveFrom(workload: AgentWorkload): this {
    this.networkPolicy.allowIngressFrom(NetworkPeer.workload(workload), [Ports.tcp(MEDIATOR_PORT)]);
    return this;
  }

  /** Allows the mediator to write to another workload of ours (VictoriaMetrics) on a port. */
  public sendTo(workload: AgentWorkload, port: number): this {
    this.networkPolicy.allowEgressTo(NetworkPeer.workload(workload), [Ports.tcp(port)]);
    return this;
  }
}

interface CheckedBackend {
  url: URL;
  port: number;
  cidrs?: string[];
  proxy?: { url: URL; port: number; cidrs: string[] };
}

function checkBackend(v: PropValidator, backend: MediatorBackend | undefined, cilium: boolean): CheckedBackend {
  if (!backend || typeof backend !== 'object') {
    v.fail('missing-backend', 'backend', backend, 'is missing', 'give { url, and one of cidrs, proxy or fqdn }');
  }
  const url = v.url('backend.url', backend.url, ['https:']);
  const port = url.port ? Number(url.port) : 443;
  const ways = [backend.cidrs !== undefined, backend.proxy !== undefined, backend.fqdn === true].filter(Boolean).length;
  if (ways !== 1) {
    v.fail('backend-egress', 'backend', backend, `gives ${ways} ways to reach the backend`, 'give exactly one of cidrs, proxy or fqdn (fqdn needs cilium: true)');
  }
  if (backend.fqdn && !cilium) {
    v.fail('fqdn-needs-cilium', 'backend.fqdn', true, 'needs Cilium: a NetworkPolicy cannot name a host', 'set cilium: true, or use proxy or cidrs');
  }
  if (backend.cidrs) {
    if (!Array.isArray(backend.cidrs) || backend.cidrs.length === 0) v.fail('empty-cidrs', 'backend.cidrs', backend.cidrs, 'lists no address block', 'give the backend\'s CIDRs, e.g. ["203.0.113.0/24"]');
    backend.cidrs.forEach((c, i) => checkCidr(v, `backend.cidrs[${i}]`, c));
    return { url, port, cidrs: backend.cidrs };
  }
  if (backend.proxy) {
    const proxyUrl = v.url('backend.proxy.url', backend.proxy.url, ['http:', 'https:']);
    const cidrs = backend.proxy.cidrs;
    if (!Array.isArray(cidrs) || cidrs.length === 0) v.fail('empty-cidrs', 'backend.proxy.cidrs', cidrs, 'lists no address block', 'give the proxy\'s addresses, e.g. ["10.40.0.10/32"]');
    cidrs.forEach((c, i) => checkCidr(v, `backend.proxy.cidrs[${i}]`, c));
    const proxyPort = proxyUrl.port ? Number(proxyUrl.port) : proxyUrl.protocol === 'https:' ? 443 : 80;
    return { url, port, proxy: { url: proxyUrl, port: proxyPort, cidrs } };
  }
  return { url, port };
}
