import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { PropValidator } from '../validation';
import { Protocol } from '../workload-settings';
import { MIN_REASON_LENGTH, visibleLength } from '../../policy/rule-ids';

/** Annotation prefix of the reasons written next to a privilege (docs/reasons-in-output.md). */
const REASONS = 'reasons.secure-agents.io/';
import { IEgressPeer, IIngressPeer, IPolicyTarget, KubeDnsOptions, NetworkPeer, PeerContext, PolicyPort, RenderedPeer } from './peers';

/** The reason of the CiliumNetworkPolicy's first rule, which lets Cilium learn the addresses of allowed host names. */
export const CILIUM_DNS_VISIBILITY_REASON = 'DNS lookups pass Cilium\'s DNS proxy, which toFQDNs learns addresses from';

export interface WorkloadNetworkPolicyProps {
  /** The workload whose pods the policy selects (by `selector`), e.g. an `AgentWorkload`. */
  readonly workload: IPolicyTarget;
  /**
   * Name of the NetworkPolicy (and CiliumNetworkPolicy).
   * @default - the workload's name
   */
  readonly name?: string;
  /**
   * The cluster runs Cilium: host-name peers (`NetworkPeer.fqdns`) are allowed, through a
   * CiliumNetworkPolicy (cilium.io/v2) emitted next to the NetworkPolicy. Cilium enforces both and
   * allows the union of their rules.
   * @default false
   */
  readonly cilium?: boolean;
  /**
   * Where the cluster DNS runs, for `allowDns()` and for the DNS rule Cilium's `toFQDNs` needs.
   * @default - kube-system, pods labelled k8s-app=kube-dns
   */
  readonly dns?: KubeDnsOptions;
}

/** What a rule allows, kept for reviewers and the security report. */
export interface AllowedPeer {
  readonly description: string;
  /** Ports as `<port>[-<endPort>]/<protocol>`. */
  readonly ports: string[];
}

/**
 * A default-deny NetworkPolicy for one workload's pods, opened peer by peer.
 *
 * With no call, the pods may neither send nor receive anything (not even DNS). Each
 * `allowEgressTo(peer, ports)` and `allowIngressFrom(peer, ports)` adds one rule with exactly that
 * peer and those ports; a rule always names its ports, because a rule without ports allows every
 * port. See `NetworkPeer` for the peers and which way of reaching an outside service is weaker.
 *
 * A workload with `hostNetwork` is refused: its pods share the node's network namespace, and
 * Kubernetes NetworkPolicies do not apply to host-network pods, so a policy would claim a protection
 * that does not exist. Such a workload (e.g. the sensor's interceptor) is covered by no
 * NetworkPolicy; its documentation must say so, and node firewalls or a Cilium host policy are
 * what can restrict it.
 */
export class WorkloadNetworkPolicy extends Construct {
  public readonly name: string;
  public readonly namespace?: string;
  /** Whether host-name peers are allowed (through a CiliumNetworkPolicy). */
  public readonly cilium: boolean;
  /** The resolved DNS location used by `allowDns()` and the Cilium DNS rule. */
  public readonly dns: Required<KubeDnsOptions>;
  /** The NetworkPolicy object. */
  public readonly networkPolicy: ApiObject;
  /** What the egress rules allow, in order. */
  public readonly egress: AllowedPeer[] = [];
  /** What the ingress rules allow, in order. */
  public readonly ingress: AllowedPeer[] = [];

  private readonly validator: PropValidator;
  private readonly target: IPolicyTarget;
  private readonly egressRules: Array<Record<string, unknown>> = [];
  private readonly ingressRules: Array<Record<string, unknown>> = [];
  private readonly ciliumRules: Array<Record<string, unknown>> = [];
  private readonly egressReasons: string[] = [];
  private readonly ingressReasons: string[] = [];
  private readonly ciliumReasons: string[] = [];
  private ciliumObject?: ApiObject;

  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    const v = (this.validator = new PropValidator('WorkloadNetworkPolicy', this.node.path));
    const target = props?.workload;
    if (!target || typeof target !== 'object' || typeof target.selector !== 'object' || target.selector === null) {
      v.fail('missing-workload', 'workload', target, 'is not a workload with a selector', 'pass the AgentWorkload whose pods the policy covers');
    }
    if (target.hostNetwork) {
      v.fail('host-network-unselectable', 'workload', target.name, 'runs in the host network namespace, and NetworkPolicies do not apply to host-network pods, so this policy would protect nothing', 'restrict the node with a host firewall or a Cilium host policy, and document that no NetworkPolicy covers this workload');
    }
    if (Object.keys(target.selector).length === 0) {
      v.fail('empty-selector', 'workload.selector', target.selector, 'is empty and would select every pod of the namespace', 'give the workload selector labels');
    }
    v.labels('workload.selector', target.selector);
    this.target = target;
    this.name = v.dnsSubdomain('name', props.name ?? target.name);
    this.namespace = target.namespace !== undefined ? v.dnsLabel('workload.namespace', target.namespace) : undefined;
    this.cilium = props.cilium ?? false;
    this.dns = {
      namespace: v.dnsLabel('dns.namespace', props.dns?.namespace ?? 'kube-system'),
      labels: v.labels('dns.labels', props.dns?.labels ?? { 'k8s-app': 'kube-dns' }),
    };
    if (Object.keys(this.dns.labels).length === 0) {
      v.fail('empty-selector', 'dns.labels', this.dns.labels, 'is empty and would select every pod of the DNS namespace', 'give the DNS pods\' labels, e.g. { "k8s-app": "kube-dns" }');
    }

    this.networkPolicy = new ApiObject(this, 'network-policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { ...target.labels },
        // Why each rule exists, index-aligned with the rules (docs/reasons-in-output.md).
        annotations: {
          [`${REASONS}egress`]: Lazy.any({ produce: () => JSON.stringify(this.egressReasons) }),
          [`${REASONS}ingress`]: Lazy.any({ produce: () => JSON.stringify(this.ingressReasons) }),
        },
      },
      spec: {
        podSelector: { matchLabels: { ...target.selector } },
        // Both types listed: what is not allowed below is denied, in both directions.
        policyTypes: ['Ingress', 'Egress'],
        ingress: Lazy.any({ produce: () => [...this.ingressRules] }),
        egress: Lazy.any({ produce: () => [...this.egressRules] }),
      },
    });
    this.node.defaultChild = this.networkPolicy;
  }

  /** The CiliumNetworkPolicy, once a host-name peer has been allowed. */
  public get ciliumNetworkPolicy(): ApiObject | undefined {
    return this.ciliumObject;
  }

  /** Allows DNS lookups: egress to the cluster DNS on UDP and TCP 53. */
  public allowDns(): this {
    return this.allowEgressTo(NetworkPeer.kubeDns(this.dns));
  }

  /**
   * Allows the pods to open connections to `peer` on `ports`.
   * @param ports the destination ports; default: the ports the peer implies (DNS 53, the API
   * server's or proxy's port). Required for other peers: a rule without ports allows every port.
   */
  public allowEgressTo(peer: IEgressPeer, ports?: PolicyPort[], reason?: string): this {
    const ctx = this.context(`egress[${this.egress.length}]`);
    if (!peer || typeof peer.renderEgress !== 'function') {
      this.validator.fail('invalid-peer', `${ctx.prop}.peer`, peer, 'is not an egress peer', 'use a NetworkPeer factory, e.g. NetworkPeer.kubeDns()');
    }
    const rendered = peer.renderEgress(ctx);
    const resolved = this.ports(ctx, rendered, ports);
    if (rendered.cilium) {
      this.addCiliumRule(ctx, rendered, resolved, this.reasonOf(ctx, rendered, reason));
    } else {
      this.addRule(this.egressRules, this.egressReasons, { to: rendered.peers, ports: resolved.map(toNetworkPolicyPort) }, this.reasonOf(ctx, rendered, reason));
    }
    this.egress.push({ description: rendered.description, ports: resolved.map(describePort) });
    return this;
  }

  /** Allows `peer` to open connections to the pods' `ports`. */
  public allowIngressFrom(peer: IIngressPeer, ports: PolicyPort[], reason?: string): this {
    const ctx = this.context(`ingress[${this.ingress.length}]`);
    if (!peer || typeof peer.renderIngress !== 'function') {
      this.validator.fail('invalid-peer', `${ctx.prop}.peer`, peer, 'is not an ingress peer', 'use NetworkPeer.workload(), NetworkPeer.pods() or NetworkPeer.cidrs()');
    }
    const rendered = peer.renderIngress(ctx);
    const resolved = this.ports(ctx, { ...rendered, defaultPorts: undefined }, ports);
    this.addRule(this.ingressRules, this.ingressReasons, { from: rendered.peers, ports: resolved.map(toNetworkPolicyPort) }, this.reasonOf(ctx, rendered, reason));
    this.ingress.push({ description: rendered.description, ports: resolved.map(describePort) });
    return this;
  }

  private context(prop: string): PeerContext {
    return { validator: this.validator, prop, namespace: this.namespace };
  }

  /** Adds a rule once; the reason of a rule given twice is added to the first one's. */
  private addRule(rules: Array<Record<string, unknown>>, reasons: string[], rule: Record<string, unknown>, reason: string): void {
    const text = JSON.stringify(rule);
    const at = rules.findIndex((r) => JSON.stringify(r) === text);
    if (at < 0) {
      rules.push(rule);
      reasons.push(reason);
    } else if (!reasons[at].split('; ').includes(reason)) {
      reasons[at] = `${reasons[at]}; ${reason}`;
    }
  }

  /** The reason given, or the peer's description (what it allows, at least). */
  private reasonOf(ctx: PeerContext, rendered: RenderedPeer, reason: string | undefined): string {
    if (reason !== undefined) return this.validator.reason(`${ctx.prop}.reason`, reason);
    // A reason is at least 10 visible characters (docs/reasons-in-output.md); a short description gets words around it.
    return visibleLength(rendered.description) >= MIN_REASON_LENGTH ? rendered.description : `allows traffic with ${rendered.description}`;
  }

  private ports(ctx: PeerContext, rendered: RenderedPeer, given: PolicyPort[] | undefined): PolicyPort[] {
    const v: PropValidator = this.validator;
    const ports = given ?? rendered.defaultPorts;
    if (!Array.isArray(ports) || ports.length === 0) {
      v.fail('missing-ports', `${ctx.prop}.ports`, given, `are required for ${rendered.description}: a rule without ports allows every port`, 'list the ports, e.g. [Ports.tcp(443)]');
    }
    const protocols = Object.values(Protocol) as string[];
    return ports.map((p, i) => {
      const prop = `${ctx.prop}.ports[${i}]`;
      const port = v.port(`${prop}.port`, p?.port);
      const protocol = p.protocol ?? Protocol.TCP;
      if (!protocols.includes(protocol)) {
        v.fail('invalid-protocol', `${prop}.protocol`, protocol, 'is not a protocol a NetworkPolicy takes', `use one of ${protocols.join(', ')}`);
      }
      if (p.endPort !== undefined && (v.port(`${prop}.endPort`, p.endPort) < port)) {
        v.fail('invalid-port-range', `${prop}.endPort`, p.endPort, `is below port ${port}`, 'give an endPort at least as high as port');
      }
      return { port, protocol, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) };
    });
  }

  private addCiliumRule(ctx: PeerContext, rendered: RenderedPeer, ports: PolicyPort[], reason: string): void {
    if (!this.cilium) {
      this.validator.fail('fqdn-needs-cilium', `${ctx.prop}.peer`, rendered.description, 'names hosts, which a Kubernetes NetworkPolicy cannot express', 'set cilium: true on a cluster running Cilium, or reach the hosts through NetworkPeer.httpsProxy() (see NetworkPeer for which is weaker)');
    }
    if (!this.ciliumObject) this.ciliumObject = this.createCiliumPolicy();
    this.addRule(this.ciliumRules, this.ciliumReasons, {
      ...rendered.cilium,
      toPorts: [{ ports: ports.map((p) => ({ port: String(p.port), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol })) }],
    }, reason);
  }

  private createCiliumPolicy(): ApiObject {
    const endpointLabels: Record<string, string> = { 'k8s:io.kubernetes.pod.namespace': this.dns.namespace };
    for (const [k, val] of Object.entries(this.dns.labels)) endpointLabels[`k8s:${k}`] = val;
    // toFQDNs only learns addresses from lookups that pass Cilium's DNS proxy: this rule sends the
    // pods' DNS traffic through it. "*" lets every name be looked up (cluster names included); what
    // the pods may connect to is still only the listed hosts.
    const dnsVisibility = {
      toEndpoints: [{ matchLabels: endpointLabels }],
      toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
    };
    return new ApiObject(this, 'cilium-network-policy', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { ...this.target.labels },
        annotations: {
          [`${REASONS}egress`]: Lazy.any({ produce: () => JSON.stringify([CILIUM_DNS_VISIBILITY_REASON, ...this.ciliumReasons]) }),
        },
      },
      spec: {
        description: `Host-name egress of ${this.target.name}; the NetworkPolicy of the same name holds its other rules.`,
        endpointSelector: { matchLabels: { ...this.target.selector } },
        egress: Lazy.any({ produce: () => [dnsVisibility, ...this.ciliumRules] }),
      },
    });
  }
}

function toNetworkPolicyPort(p: PolicyPort): Record<string, unknown> {
  return { protocol: p.protocol, port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) };
}

function describePort(p: PolicyPort): string {
  return `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}/${p.protocol}`;
}
