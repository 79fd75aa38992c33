import { ApiServerOptions } from './network/peers';

/**
 * The Kubernetes API server: its addresses and port. One type for every chart and workload; the
 * port defaults to 443 everywhere (most managed clusters; give 6443 on kubeadm).
 */
export type ApiServerEndpoint = ApiServerOptions;

/** A vendor endpoint outside the cluster. */
export interface VendorEndpoint {
  /** Its URL, https only, without credentials: `https://ingest.vendor.example`. */
  readonly url: string;
  /**
   * Its addresses, when the workload reaches it directly. Without an outbound proxy they are required;
   * with one they must be left out, since the proxy is then the only way out.
   * @default - none: reached through the outbound proxy
   */
  readonly cidrs?: string[];
}

/** The Vault server that the injected Vault Agent talks to. */
export interface VaultServer {
  /** Its addresses. */
  readonly cidrs: string[];
  /**
   * Its port.
   * @default 8200
   */
  readonly port?: number;
}
