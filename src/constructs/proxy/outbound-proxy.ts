import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AgentWorkload } from '../agent-workload';
import { ApiServerOptions, checkCidr, IEgressPeer, NetworkPeer, parseCidr } from '../network';
import { isCidr, isIPv4, isIPv6, PropValidator } from '../validation';

/** Where the workloads' HTTPS traffic to the outside goes. */
export interface OutboundProxyProps {
  /** The proxy's URL with its scheme: `http://proxy.corp.example:3128` (or https://). No credentials. */
  readonly url: string;
  /** The proxy's addresses (its pods' or load balancer's CIDRs): the only egress opened for the outside. */
  readonly cidrs: string[];
  /** The API server; its addresses always go into NO_PROXY, so API calls never leave through the proxy. */
  readonly apiServer: ApiServerOptions;
  /**
   * The cluster's DNS domain; `.<domain>` goes into NO_PROXY.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * More hosts to reach directly: host names, `.suffixes`, IP addresses or CIDRs. Merged after the
   * entries that are always there, never instead of them.
   * @default - none
   */
  readonly noProxy?: string[];
}

/** Options of `OutboundProxy.applyTo`. */
export interface ApplyProxyOptions {
  /**
   * Hosts this workload reaches directly besides the proxy's list (e.g. a data source).
   * @default - none
   */
  readonly noProxy?: string[];
}

const HOST = /^\.?([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * An outbound HTTPS proxy for the workloads that talk to the outside. `applyTo(workload)` sets
 * `HTTPS_PROXY` and `NO_PROXY` on every container of the workload, and `peer()` is what its network
 * policy allows instead of the internet.
 *
 * `NO_PROXY` always holds, in this order: `localhost` and `127.0.0.1`; the API server's addresses
 * (a /32 or /128 as the bare address, which every client understands; wider blocks as CIDRs, which
 * Go and curl 7.86+ read); `kubernetes.default`, `kubernetes.default.svc`, `.svc` and
 * `.<clusterDomain>`; then the user's `noProxy`, then the workload's own. Duplicates are dropped.
 * `*` is refused: it would turn the proxy off for every host.
 */
export class OutboundProxy extends Construct {
  /** The proxy URL, as given. */
  public readonly url: string;
  /** The port the egress rule opens: the URL's, or 80/443 from its scheme. */
  public readonly port: number;
  /** Address blocks of the proxy, which the workloads' egress rules allow on `port`. */
  public readonly cidrs: readonly string[];
  /** The resolved NO_PROXY entries every workload gets. */
  public readonly noProxy: readonly string[];

  private readonly validator: PropValidator;

  constructor(scope: Construct, id: string, props: OutboundProxyProps) {
    super(scope, id);
    const v = (this.validator = new PropValidator('OutboundProxy', this.node.path));
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give { url, cidrs, apiServer }');
    const url = v.url('url', props.url, ['http:', 'https:']);
    if (url.pathname !== '/' || url.search || url.hash) {
      v.fail('invalid-url', 'url', `${url.protocol}//${url.host}${url.pathname}`, 'has a path, query or fragment; a proxy URL is scheme, host and port', `write "${url.protocol}//${url.host}"`);
    }
    this.url = props.url.replace(/\/$/, '');
    this.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    if (!Array.isArray(props.cidrs) || props.cidrs.length === 0) {
      v.fail('empty-cidrs', 'cidrs', props.cidrs, 'lists no address block', 'give the proxy\'s addresses, e.g. ["10.40.0.10/32"]');
    }
    this.cidrs = props.cidrs.map((c, i) => checkCidr(v, `cidrs[${i}]`, c));
    const api = props.apiServer;
    if (!api || !Array.isArray(api.cidrs) || api.cidrs.length === 0) {
      v.fail('missing-api-server', 'apiServer.cidrs', api?.cidrs, 'lists no address', 'give the API server\'s endpoint and service addresses, e.g. ["10.0.0.1/32"]');
    }
    const apiAddresses = api.cidrs.map((c, i) => noProxyAddress(checkCidr(v, `apiServer.cidrs[${i}]`, c)));
    const domain = props.clusterDomain ?? 'cluster.local';
    if (typeof domain !== 'string' || domain.length > 253 || !HOST.test(domain) || domain.startsWith('.')) v.fail('invalid-domain', 'clusterDomain', domain, 'is not a DNS domain', 'use e.g. "cluster.local"');
    const always = ['localhost', '127.0.0.1', ...apiAddresses, 'kubernetes.default', 'kubernetes.default.svc', '.svc', `.${domain}`];
    this.noProxy = merge(always, this.checkEntries('noProxy', props.noProxy));
  }

  /** The NO_PROXY value for a workload: the proxy's list, then `extra`, comma-joined. */
  public noProxyFor(extra: readonly string[] = []): string {
    return merge(this.noProxy, this.checkEntries('noProxy', extra)).join(',');
  }

  /** The environment a container that talks out gets. */
  public env(extra: readonly string[] = []): Record<string, string> {
    return { HTTPS_PROXY: this.url, NO_PROXY: this.noProxyFor(extra) };
  }

  /**
   * Sets HTTPS_PROXY and NO_PROXY on every container and init container of the workload that exists
   * now, and returns the NO_PROXY value.
   */
  public applyTo(workload: AgentWorkload, options: ApplyProxyOptions = {}): string {
    const env = this.env(options.noProxy);
    const containers = [...workload.workload.initContainers, ...workload.workload.containers];
    for (const container of containers) {
      for (const [name, value] of Object.entries(env)) container.env.addVariable(name, kplus.EnvValue.fromValue(value));
    }
    return env.NO_PROXY;
  }

  /** The proxy as the one egress peer for the outside, on its port. */
  public peer(): IEgressPeer {
    return NetworkPeer.httpsProxy({ cidrs: [...this.cidrs], port: this.port });
  }

  private checkEntries(prop: string, entries: readonly string[] | undefined): string[] {
    const v = this.validator;
    if (entries === undefined) return [];
    if (!Array.isArray(entries)) v.fail('invalid-no-proxy', prop, entries, 'is not a list', 'give e.g. [".corp.example", "10.20.0.0/16"]');
    return entries.map((entry, i) => {
      if (entry === '*') {
        v.fail('no-proxy-everything', `${prop}[${i}]`, entry, 'would send every host around the proxy', 'list the hosts to reach directly, or leave httpsProxy out');
      }
      // Length first: the host pattern backtracks quadratically on long text.
      const ok = typeof entry === 'string' && entry.length <= 254 && (HOST.test(entry) || isIPv4(entry) || isIPv6(entry) || isCidr(entry));
      if (!ok) v.fail('invalid-no-proxy', `${prop}[${i}]`, entry, 'is not a host name, ".suffix", IP address or CIDR', 'use e.g. ".corp.example", "db.corp.example" or "10.20.0.0/16"');
      return entry;
    });
  }
}

/** A single-address block as its address (understood by every client), anything wider as a CIDR. */
function noProxyAddress(cidr: string): string {
  const c = parseCidr(cidr);
  return c.bits === (c.version === 4 ? 32 : 128) ? cidr.split('/')[0] : cidr;
}

function merge(...lists: ReadonlyArray<readonly string[]>): string[] {
  const out: string[] = [];
  for (const entry of lists.flat()) if (!out.includes(entry)) out.push(entry);
  return out;
}
