import { PropValidator } from '../validation';
import { Protocol } from '../workload-settings';
import { checkCidr, cidrContains, PRIVATE_RANGES } from './cidr';

/**
 * What a network policy selects: the pods of one workload. `AgentWorkload` satisfies it, and so does
 * any object with the same fields (a vendor's workload described by hand, say).
 */
export interface IPolicyTarget {
  /** Name of the workload; the policy is named after it. */
  readonly name: string;
  /** Namespace of the pods. @default - the chart's namespace */
  readonly namespace?: string;
  /** The labels that select the workload's pods. */
  readonly selector: Record<string, string>;
  /** Labels for the policy objects (the standard labels of DESIGN.md). */
  readonly labels: Record<string, string>;
  /** Whether the pods run in the node's network namespace: then no NetworkPolicy can select them. */
  readonly hostNetwork: boolean;
}

/** One port (or range) that a rule allows. */
export interface PolicyPort {
  /** Port number, 1 to 65535. */
  readonly port: number;
  /**
   * Transport protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
  /**
   * Last port of a range starting at `port`.
   * @default - the single port `port`
   */
  readonly endPort?: number;
}

/** Shorthands for `PolicyPort`s. */
export const Ports = {
  tcp(port: number, endPort?: number): PolicyPort {
    return { port, protocol: Protocol.TCP, ...(endPort !== undefined ? { endPort } : {}) };
  },
  udp(port: number, endPort?: number): PolicyPort {
    return { port, protocol: Protocol.UDP, ...(endPort !== undefined ? { endPort } : {}) };
  },
};

/** Where a peer is being rendered: which policy (for its errors and namespace) and which call. */
export interface PeerContext {
  /** The validator of the policy construct, so errors name its path. */
  readonly validator: PropValidator;
  /** The call being validated, e.g. `egress[2]` (the third allowEgressTo call), used as a prop prefix in errors. */
  readonly prop: string;
  /** Namespace of the policy's own pods. */
  readonly namespace?: string;
}

/** A peer as it appears in a policy. */
export interface RenderedPeer {
  /** Entries of a NetworkPolicy rule's `to` or `from`; empty for a peer only Cilium can express. */
  readonly peers: Array<Record<string, unknown>>;
  /** Fields of a CiliumNetworkPolicy egress rule (e.g. `toFQDNs`), for peers a NetworkPolicy cannot name. */
  readonly cilium?: Record<string, unknown>;
  /** Ports the peer implies (DNS: 53; API server and proxy: their port), used when the call gives none. */
  readonly defaultPorts?: readonly PolicyPort[];
  /** One line for reviewers and the security report, e.g. `DNS: kube-system/k8s-app=kube-dns`. */
  readonly description: string;
}

/** Something a workload may send traffic to. */
export interface IEgressPeer {
  renderEgress(context: PeerContext): RenderedPeer;
}

/** Something a workload may accept traffic from. */
export interface IIngressPeer {
  renderIngress(context: PeerContext): RenderedPeer;
}

/**
 * Where the cluster DNS runs. With NodeLocal DNSCache, pods query a link-local address on their node
 * (169.254.20.10 by default), which no pod selector matches: allow it as well with
 * `NetworkPeer.cidrs(['169.254.20.10/32'])` on UDP and TCP 53.
 */
export interface KubeDnsOptions {
  /**
   * Namespace of the DNS pods.
   * @default "kube-system"
   */
  readonly namespace?: string;
  /**
   * Labels of the DNS pods (CoreDNS keeps the historical `k8s-app: kube-dns`).
   * @default { "k8s-app": "kube-dns" }
   */
  readonly labels?: Record<string, string>;
}

/** The Kubernetes API server as a peer. */
export interface ApiServerOptions {
  /**
   * Addresses of the API server: the endpoint IPs from `kubectl get endpoints kubernetes -n default`,
   * and the `kubernetes` service's cluster IP as a /32. Most CNIs (Calico, Cilium) match egress after
   * the service address is translated to an endpoint, so the endpoint addresses are the ones that count.
   */
  readonly cidrs: string[];
  /**
   * Port of the API server as the policy sees it: the endpoint port, 443 on most managed clusters,
   * 6443 on kubeadm clusters.
   * @default 443
   */
  readonly port?: number;
}

/** An outbound HTTPS proxy as a peer. */
export interface HttpsProxyOptions {
  /** Addresses of the proxy (its pods' or load balancer's CIDRs). */
  readonly cidrs: string[];
  /** Port the proxy listens on, e.g. 3128. */
  readonly port: number;
}

/** Options of a CIDR peer. */
export interface CidrPeerOptions {
  /**
   * What the addresses are, for the policy's `egress`/`ingress` report (e.g. `postgresql source "orders"`).
   * @default "addresses"
   */
  readonly label?: string;
  /**
   * Except the private and link-local ranges (`PRIVATE_RANGES`: 10.0.0.0/8, 172.16.0.0/12,
   * 192.168.0.0/16, 169.254.0.0/16, fc00::/7, fe80::/10) that lie inside each block. Use it for "the
   * internet": it keeps the peer off the cluster, the VPC and the cloud metadata endpoint.
   * @default false
   */
  readonly exceptPrivate?: boolean;
  /**
   * Further blocks to except; each must lie strictly inside one of the CIDRs.
   * @default - none
   */
  readonly except?: string[];
}

/** Options of `NetworkPeer.internet()`. */
export interface InternetPeerOptions {
  /**
   * Include the IPv6 internet (`::/0`, private ranges excepted).
   * @default false
   */
  readonly ipv6?: boolean;
}

/** A workload of ours as a peer. */
export interface WorkloadPeerOptions {
  /**
   * Namespace of the peer's pods, when it differs from what the workload says.
   * @default - the workload's namespace
   */
  readonly namespace?: string;
}

/** Pods chosen by labels as a peer. */
export interface PodsPeerOptions {
  /** Labels the pods carry; at least one. */
  readonly labels: Record<string, string>;
  /**
   * Namespace of the pods.
   * @default - the namespace of the policy
   */
  readonly namespace?: string;
}

const NS_LABEL = 'kubernetes.io/metadata.name';

function checkLabels(ctx: PeerContext, prop: string, labels: Record<string, string> | undefined): Record<string, string> {
  const v = ctx.validator;
  if (labels === null || typeof labels !== 'object' || Object.keys(labels).length === 0) {
    v.fail('empty-selector', prop, labels, 'selects nothing specific (an empty selector matches every pod)', 'give at least one label, e.g. { "app.kubernetes.io/name": "mediator" }');
  }
  return v.labels(prop, labels);
}

function checkCidrs(ctx: PeerContext, prop: string, cidrs: string[] | undefined): string[] {
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    ctx.validator.fail('empty-cidrs', prop, cidrs, 'lists no address block', 'give at least one CIDR, e.g. ["10.0.0.1/32"]');
  }
  return cidrs.map((c, i) => checkCidr(ctx.validator, `${prop}[${i}]`, c));
}

/** The peer entry for pods in a namespace: the namespace selector only when it differs from ours. */
function podPeer(ctx: PeerContext, labels: Record<string, string>, namespace: string | undefined): Record<string, unknown> {
  const other = namespace !== undefined && namespace !== ctx.namespace;
  return {
    ...(other ? { namespaceSelector: { matchLabels: { [NS_LABEL]: namespace } } } : {}),
    podSelector: { matchLabels: { ...labels } },
  };
}

function describeLabels(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

class KubeDnsPeer implements IEgressPeer {
  constructor(private readonly options: KubeDnsOptions) {}

  renderEgress(ctx: PeerContext): RenderedPeer {
    const namespace = ctx.validator.dnsLabel(`${ctx.prop}.namespace`, this.options.namespace ?? 'kube-system');
    const labels = checkLabels(ctx, `${ctx.prop}.labels`, this.options.labels ?? { 'k8s-app': 'kube-dns' });
    return {
      // Both selectors in one entry: the DNS pods in that namespace, not every pod of kube-system.
      peers: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: namespace } }, podSelector: { matchLabels: labels } }],
      defaultPorts: [Ports.udp(53), Ports.tcp(53)],
      description: `DNS: pods ${describeLabels(labels)} in namespace ${namespace}`,
    };
  }
}

class IpBlockPeer implements IEgressPeer, IIngressPeer {
  constructor(
    private readonly kind: string,
    private readonly cidrs: string[],
    private readonly options: CidrPeerOptions & { port?: number; portRequired?: boolean },
  ) {}

  renderEgress(ctx: PeerContext): RenderedPeer {
    return this.render(ctx);
  }

  renderIngress(ctx: PeerContext): RenderedPeer {
    return this.render(ctx);
  }

  private render(ctx: PeerContext): RenderedPeer {
    const v = ctx.validator;
    const cidrs = checkCidrs(ctx, `${ctx.prop}.cidrs`, this.cidrs);
    const extra = (this.options.except ?? []).map((c, i) => checkCidr(v, `${ctx.prop}.except[${i}]`, c));
    extra.forEach((e, i) => {
      if (!cidrs.some((c) => cidrContains(c, e, true))) {
        v.fail('except-outside-cidr', `${ctx.prop}.except[${i}]`, e, `lies outside every CIDR of the peer (${cidrs.join(', ')})`, 'except only blocks strictly inside one of the CIDRs');
      }
    });
    const peers = cidrs.map((cidr, i) => {
      if (this.options.exceptPrivate) {
        const inside = PRIVATE_RANGES.find((p) => cidrContains(p, cidr));
        if (inside) {
          v.fail('cidr-inside-private-range', `${ctx.prop}.cidrs[${i}]`, cidr, `lies inside the private range ${inside}, which exceptPrivate removes, so the rule would allow nothing`, 'drop exceptPrivate for a private address, or give a public range');
        }
      }
      const except = [
        ...(this.options.exceptPrivate ? PRIVATE_RANGES.filter((p) => cidrContains(cidr, p, true)) : []),
        ...extra.filter((e) => cidrContains(cidr, e, true)),
      ];
      return { ipBlock: { cidr, ...(except.length > 0 ? { except } : {}) } };
    });
    const port = this.options.port;
    if (this.options.portRequired && port === undefined) {
      v.fail('missing-port', `${ctx.prop}.port`, port, `is required for the ${this.kind}`, 'give the port it listens on, e.g. 3128');
    }
    return {
      peers,
      ...(port !== undefined ? { defaultPorts: [Ports.tcp(v.port(`${ctx.prop}.port`, port))] } : {}),
      description: `${this.kind}: ${cidrs.join(', ')}${this.options.exceptPrivate ? ' except private ranges' : ''}`,
    };
  }
}

class SelectorPeer implements IEgressPeer, IIngressPeer {
  constructor(
    private readonly describe: string,
    private readonly labels: Record<string, string>,
    private readonly namespace: string | undefined,
    private readonly hostNetwork: boolean,
  ) {}

  renderEgress(ctx: PeerContext): RenderedPeer {
    return this.render(ctx);
  }

  renderIngress(ctx: PeerContext): RenderedPeer {
    return this.render(ctx);
  }

  private render(ctx: PeerContext): RenderedPeer {
    const v = ctx.validator;
    if (this.hostNetwork) {
      v.fail('host-network-peer', `${ctx.prop}.workload`, this.describe, 'runs in the host network: its traffic carries the node\'s address, which no pod selector matches', 'allow it by the node CIDRs with NetworkPeer.cidrs([...]) instead');
    }
    const labels = checkLabels(ctx, `${ctx.prop}.labels`, this.labels);
    const namespace = this.namespace !== undefined ? v.dnsLabel(`${ctx.prop}.namespace`, this.namespace) : undefined;
    return {
      peers: [podPeer(ctx, labels, namespace)],
      description: `${this.describe}${namespace !== undefined && namespace !== ctx.namespace ? ` in namespace ${namespace}` : ''}`,
    };
  }
}

const FQDN = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/;

class FqdnPeer implements IEgressPeer {
  constructor(private readonly names: string[]) {}

  renderEgress(ctx: PeerContext): RenderedPeer {
    const v = ctx.validator;
    if (!Array.isArray(this.names) || this.names.length === 0) {
      v.fail('empty-fqdns', `${ctx.prop}.fqdns`, this.names, 'lists no host name', 'give at least one, e.g. ["api.vendor.example"]');
    }
    const toFQDNs = this.names.map((name, i) => {
      if (typeof name !== 'string' || name.length > 253 || !FQDN.test(name)) {
        v.fail('invalid-fqdn', `${ctx.prop}.fqdns[${i}]`, name, 'is not a lowercase host name, optionally starting with "*."', 'use e.g. "api.vendor.example" or "*.ingest.vendor.example"');
      }
      return name.startsWith('*.') ? { matchPattern: name } : { matchName: name };
    });
    return { peers: [], cilium: { toFQDNs }, description: `hosts (Cilium toFQDNs): ${this.names.join(', ')}` };
  }
}

/**
 * The peers a workload's policy can name. Each factory returns a small object that renders itself
 * into NetworkPolicy (and, for host names, CiliumNetworkPolicy) rules when a policy allows it; bad
 * values fail then, with a `ValidationError` naming the policy's path.
 *
 * ## Reaching something outside the cluster: which option is weaker, and why
 *
 * From weakest to strongest:
 * 1. `internet()` (any address except private ranges, on the given ports): keeps the pod off the
 *    cluster, the VPC and the metadata endpoint, but lets it send data to any host on the internet.
 * 2. `cidrs([...])` of a SaaS endpoint: a NetworkPolicy matches addresses, not names. A vendor's API
 *    sits behind a CDN or a cloud load balancer whose addresses change and are shared with other
 *    tenants, so the blocks must be wide (the whole cloud region's ranges), and anyone who can rent
 *    an address in them can receive the pod's data; a narrow list breaks silently when the vendor
 *    moves.
 * 3. `fqdns([...])` on Cilium: the agent's DNS proxy learns which addresses the allowed names resolve
 *    to and opens exactly those, per pod. Weaker than it looks where many names share one address
 *    (a CDN): the rule opens the address, not the name, and TLS SNI is not checked.
 * 4. `httpsProxy({...})`: the NetworkPolicy allows only the proxy; the proxy checks the host name of
 *    each CONNECT against its allow-list and logs it. As strong as that allow-list, and the only
 *    option that works on every CNI; it needs the proxy to be run and kept.
 */
export const NetworkPeer = {
  /** The cluster DNS (CoreDNS behind the `kube-dns` labels in kube-system), on UDP and TCP 53. */
  kubeDns(options: KubeDnsOptions = {}): IEgressPeer {
    return new KubeDnsPeer(options);
  },

  /**
   * The Kubernetes API server, by address: a NetworkPolicy cannot name it (it is not a pod), so the
   * rule lists its addresses and port. Ports default to the API server's.
   */
  apiServer(options: ApiServerOptions): IEgressPeer {
    return new IpBlockPeer('API server', options?.cidrs, { port: options?.port ?? 443 });
  },

  /** An outbound HTTPS proxy: the only egress of a workload that reaches the internet through it. */
  httpsProxy(options: HttpsProxyOptions): IEgressPeer {
    return new IpBlockPeer('HTTPS proxy', options?.cidrs, { port: options?.port, portRequired: true });
  },

  /** Address blocks, IPv4 or IPv6; see `CidrPeerOptions.exceptPrivate` for "the internet". */
  cidrs(cidrs: string[], options: CidrPeerOptions = {}): IEgressPeer & IIngressPeer {
    return new IpBlockPeer(options.label ?? 'addresses', cidrs, options);
  },

  /** Any public address (0.0.0.0/0, and ::/0 when asked), private and link-local ranges excepted. */
  internet(options: InternetPeerOptions = {}): IEgressPeer {
    return new IpBlockPeer('internet', options.ipv6 ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'], { exceptPrivate: true });
  },

  /** The pods of a workload of ours, by its selector; refused for a hostNetwork workload. */
  workload(workload: IPolicyTarget, options: WorkloadPeerOptions = {}): IEgressPeer & IIngressPeer {
    return new SelectorPeer(`workload ${workload?.name}`, workload?.selector, options.namespace ?? workload?.namespace, workload?.hostNetwork ?? false);
  },

  /** Pods chosen by labels, in the policy's namespace or another. */
  pods(options: PodsPeerOptions): IEgressPeer & IIngressPeer {
    return new SelectorPeer(`pods ${describeLabels(options?.labels ?? {})}`, options?.labels, options?.namespace, false);
  },

  /**
   * Host names, exact (`api.vendor.example`) or one wildcard level (`*.vendor.example`). Only a
   * policy with `cilium: true` can allow them: a NetworkPolicy cannot name a host.
   */
  fqdns(names: string[]): IEgressPeer {
    return new FqdnPeer(names);
  },
};
