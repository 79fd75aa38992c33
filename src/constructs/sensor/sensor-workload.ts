import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AgentWorkload, AgentWorkloadProps } from '../agent-workload';
import { checkCidr, IIngressPeer, NetworkPeer, Ports, WorkloadNetworkPolicy } from '../network';
import { OutboundProxy } from '../proxy';
import { SecretMount, SecretSource, VaultSecretSource } from '../secrets';
import { PropValidator } from '../validation';
import { SENSOR, SENSOR_UID, VaultServer, VendorEndpoint } from './common';

/** Props of a sensor workload: an AgentWorkload of the sensor family. */
export interface SensorWorkloadProps extends Omit<AgentWorkloadProps, 'partOf'> {
  /** @default false */
  readonly cilium?: boolean;
  /**
   * The outbound proxy; when given, every container gets HTTPS_PROXY and NO_PROXY, and vendor
   * endpoints are reached only through it.
   * @default - no proxy: vendor endpoints need their CIDRs
   */
  readonly proxy?: OutboundProxy;
  /**
   * The Vault server, required when a secret of this workload comes from Vault.
   * @default - none
   */
  readonly vaultServer?: VaultServer;
}

/**
 * The shared base of the sensor's workloads: UID 1000 unless told otherwise, and (for pod-network
 * workloads) a default-deny network policy that allows DNS, to which each workload adds its peers
 * through intent-named methods. A host-network workload gets no policy: none could select it.
 */
export class SensorWorkload extends AgentWorkload {
  /** The workload's network policy; undefined on the host network, where no NetworkPolicy applies. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;
  public readonly proxy?: OutboundProxy;
  /** The NO_PROXY value set on the workload's containers, when a proxy is used. */
  public noProxy?: string;

  protected readonly v: PropValidator;
  private readonly vaultServer?: VaultServer;
  private proxyAllowed = false;
  private vaultAllowed = false;

  constructor(scope: Construct, id: string, props: SensorWorkloadProps) {
    super(scope, id, { ...props, partOf: SENSOR, runAsUser: props.runAsUser ?? SENSOR_UID });
    this.v = new PropValidator(new.target.name, this.node.path);
    this.proxy = props.proxy;
    this.vaultServer = props.vaultServer;
    if (!this.hostNetwork) {
      this.networkPolicy = new WorkloadNetworkPolicy(this, 'network-policy', { workload: this, cilium: props.cilium }).allowDns();
    }
  }

  /** Allows this workload to send to another workload of ours on a port. */
  public sendTo(workload: AgentWorkload, port: number): this {
    this.policy().allowEgressTo(NetworkPeer.workload(workload), [Ports.tcp(port)]);
    return this;
  }

  /** Accepts traffic from a peer (a workload, or node CIDRs for a host-network one) on a port. */
  public receiveFrom(peer: IIngressPeer, port: number): this {
    this.policy().allowIngressFrom(peer, [Ports.tcp(port)]);
    return this;
  }

  /**
   * Opens the way to a vendor endpoint: through the proxy when there is one (the endpoint must then
   * give no CIDRs), otherwise to its CIDRs on its port. Returns the checked URL.
   */
  protected reachVendor(prop: string, endpoint: VendorEndpoint | undefined): URL {
    const v: PropValidator = this.v;
    if (!endpoint || typeof endpoint !== 'object') v.fail('missing-endpoint', prop, endpoint, 'is missing', 'give { url: "https://..." } (and cidrs when there is no proxy)');
    const url = v.url(`${prop}.url`, endpoint.url, ['https:']);
    if (this.proxy) {
      if (endpoint.cidrs !== undefined) {
        v.fail('cidrs-with-proxy', `${prop}.cidrs`, endpoint.cidrs, 'are given while an outbound proxy is set; the proxy is then the only way out', 'leave cidrs out, or drop httpsProxy');
      }
      this.useProxy();
    } else {
      if (!Array.isArray(endpoint.cidrs) || endpoint.cidrs.length === 0) {
        v.fail('missing-cidrs', `${prop}.cidrs`, endpoint.cidrs, 'are required without an outbound proxy', 'give the endpoint\'s CIDRs, e.g. ["203.0.113.0/24"], or set httpsProxy');
      }
      endpoint.cidrs.forEach((c, i) => checkCidr(v, `${prop}.cidrs[${i}]`, c));
      this.policy().allowEgressTo(NetworkPeer.cidrs(endpoint.cidrs), [Ports.tcp(url.port ? Number(url.port) : 443)]);
    }
    return url;
  }

  /** Mounts a secret; one from Vault opens egress to the Vault server for the injected agent. */
  protected mountSecret(prop: string, source: SecretSource | undefined): SecretMount {
    const v: PropValidator = this.v;
    if (!(source instanceof SecretSource)) {
      const literal = typeof source === 'string';
      v.fail(literal ? 'secret-as-literal' : 'missing-secret', prop, literal ? '(a literal string, not shown)' : source,
        literal ? 'is a literal value; credentials must come from outside the manifests' : 'is missing',
        'give SecretSource.kubernetesSecret({...}), SecretSource.externalSecret({...}) or SecretSource.vault({...})');
    }
    if (source instanceof VaultSecretSource && !this.vaultAllowed) {
      const vault = this.vaultServer ?? v.fail('missing-vault-server', 'vaultServer', this.vaultServer,
        `is required because ${prop} comes from Vault: the injected Vault Agent needs egress to the server`, 'give { cidrs: ["10.0.5.10/32"], port: 8200 }');
      if (!Array.isArray(vault.cidrs) || vault.cidrs.length === 0) v.fail('empty-cidrs', 'vaultServer.cidrs', vault.cidrs, 'lists no address', 'give e.g. ["10.0.5.10/32"]');
      vault.cidrs.forEach((c, i) => checkCidr(v, `vaultServer.cidrs[${i}]`, c));
      this.policy().allowEgressTo(NetworkPeer.cidrs(vault.cidrs), [Ports.tcp(v.port('vaultServer.port', vault.port ?? 8200))]);
      this.vaultAllowed = true;
    }
    return source.mountInto(this);
  }

  /** Mounts a secret that holds one value (a token) and returns its file path. */
  protected mountSecretFile(prop: string, source: SecretSource | undefined): string {
    const files = Object.values(this.mountSecret(prop, source).files);
    if (files.length !== 1) {
      this.v.fail('secret-not-one-file', prop, source, `mounts ${files.length === 0 ? 'every key of the Secret' : `${files.length} files`}, not the one file a token is`, 'name the key, e.g. SecretSource.kubernetesSecret({ name: "vendor-token", keys: ["token"] })');
    }
    return files[0];
  }

  /** Checks the digger's `host:port` address and returns it. */
  protected checkDiggerAddress(value: string): string {
    if (typeof value !== 'string' || !/^[a-z0-9.-]+:\d{1,5}$/.test(value)) {
      this.v.fail('invalid-address', 'diggerAddress', value, 'is not host:port', 'use e.g. "digger.sensor.svc:9443"');
    }
    return value;
  }

  /**
   * Puts config files (no secrets: credentials are file paths) into a ConfigMap named
   * `<workload>-<suffix>`, mounted read-only at `dir` in the main container.
   */
  protected addConfigFiles(suffix: string, dir: string, files: Record<string, string>): ApiObject {
    const name = `${this.name}-${suffix}`;
    const configMap = new ApiObject(this, suffix, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: this.namespace, labels: this.labels },
      data: files,
    });
    const ref = kplus.ConfigMap.fromConfigMapName(this, `${suffix}-ref`, name);
    this.mainContainer.mount(dir, kplus.Volume.fromConfigMap(this, `${suffix}-volume`, ref, { name: suffix, defaultMode: 0o444 }), { readOnly: true });
    return configMap;
  }

  /** Sets the proxy's environment on every container and allows egress to the proxy (once). */
  protected useProxy(extraNoProxy: readonly string[] = []): void {
    if (!this.proxy || this.proxyAllowed) return;
    this.noProxy = this.proxy.applyTo(this, { noProxy: [...extraNoProxy] });
    this.policy().allowEgressTo(this.proxy.peer());
    this.proxyAllowed = true;
  }

  /** The network policy, which a host-network workload does not have. */
  protected policy(): WorkloadNetworkPolicy {
    if (!this.networkPolicy) {
      this.v.fail('host-network-policy', 'networkPolicy', this.name, 'runs in the host network, where no NetworkPolicy applies', 'restrict it with a node firewall or a Cilium host policy');
    }
    return this.networkPolicy;
  }
}
