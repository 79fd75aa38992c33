import { ApiObject, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { validatorFor } from '../private/names';
import { WorkloadOptions } from '../agent-workload';
import { NetworkPeer, Ports } from '../network';
import { SecretSource } from '../secrets';
import { METRICS_PORT } from './common';
import { DataSource, ResolvedDataSource } from './data-sources';
import { SensorWorkload } from './sensor-workload';
import { reasonOf } from '../../needs/model';
import { CRAWLER_NEEDS } from './needs';

const CONFIG_DIR = '/etc/crawler';
/** Where the crawler's connection config is, in its container (also in CRAWLER_CONFIG). */
export const CRAWLER_CONFIG_PATH = `${CONFIG_DIR}/sources.yaml`;

export interface SensorCrawlerProps extends WorkloadOptions {
  /** The data stores to scan, at least one: `DataSource.postgresql({...})`, `.mysql`, `.mssql`, `.kafka`, `.s3`. */
  readonly sources: DataSource[];
  /** The digger's in-cluster address, `<service>.<namespace>.svc:<port>`, where findings go. */
  readonly diggerAddress: string;
  /**
   * How often a full scan starts (a Go duration).
   * @default "24h"
   */
  readonly scanInterval?: string;
  /**
   * The vendor credential, mounted as a file; VENDOR_CREDENTIAL_FILE holds its path.
   * @default - none
   */
  readonly vendorCredential?: SecretSource;
}

/**
 * The crawler: a Deployment (one replica, so no store is scanned twice at once) that scans data
 * stores for sensitive data (data at rest) and sends findings to the digger.
 *
 * Its connection config, a ConfigMap `<name>-sources` mounted at `CRAWLER_CONFIG_PATH`, holds each
 * source's address, TLS settings and the path of its credential files, never a credential. Its
 * network policy allows exactly: DNS; each source's CIDRs on its ports (TCP), one rule per source;
 * the outbound proxy when an S3 source goes through it; the Vault server when a credential comes
 * from Vault; and the digger (wired by the chart). No Kubernetes API access.
 */
export class SensorCrawler extends SensorWorkload {
  /** The sources, resolved, in the order given. */
  public readonly sources: readonly ResolvedDataSource[];
  /** The ConfigMap holding `sources.yaml`. */
  public readonly config: ApiObject;

  constructor(scope: Construct, id: string, props: SensorCrawlerProps) {
    if (props?.replicas !== undefined && props.replicas !== 1) {
      validatorFor('SensorCrawler', scope, id).fail('invalid-replicas', 'replicas', props.replicas, 'is not 1: two crawlers would scan every store twice at once', 'leave replicas out');
    }
    super(scope, id, {
      ...props,
      component: 'crawler',
      ports: [{ name: 'metrics', port: METRICS_PORT }],
      replicas: 1,
    });
    const v = this.v;
    if (!Array.isArray(props.sources) || props.sources.length === 0) {
      v.fail('missing-sources', 'sources', props.sources, 'lists no data source', 'give e.g. [DataSource.postgresql({ name, host, databases, cidrs, credentials })]');
    }
    const address = this.checkDiggerAddress(props.diggerAddress);
    const interval = props.scanInterval ?? '24h';
    if (typeof interval !== 'string' || !/^(\d+(h|m|s))+$/.test(interval)) v.fail('invalid-duration', 'scanInterval', interval, 'is not a Go duration', 'use e.g. "24h" or "6h30m"');

    const names = new Set<string>();
    this.sources = props.sources.map((source, i) => {
      if (!(source instanceof DataSource)) {
        v.fail('invalid-source', `sources[${i}]`, source, 'is not a DataSource', 'build it with DataSource.postgresql({...}), .mysql, .mssql, .kafka or .s3');
      }
      const resolved = source.resolve(v, `sources[${i}]`, this.proxy !== undefined);
      if (names.has(resolved.name)) v.fail('duplicate-source', `sources[${i}].name`, resolved.name, 'is the name of an earlier source', 'give each source its own name');
      names.add(resolved.name);
      return resolved;
    });

    // Credentials first, so a bad one fails before any egress opens; a Secret shared by sources is mounted once.
    const entries = this.sources.map((s, i) => s.config(this.mountSecret(`sources[${i}].credentials`, s.credentials)));
    for (const s of this.sources) {
      if (s.cidrs) this.policy().allowEgressTo(NetworkPeer.cidrs(s.cidrs, { label: `${s.kind} source "${s.name}"` }), s.ports.map((p) => Ports.tcp(p)), reasonOf(CRAWLER_NEEDS, 'sources'));
    }
    if (this.sources.some((s) => !s.cidrs)) {
      // Direct sources stay off the proxy: a client that honours HTTPS_PROXY would otherwise send them to it.
      this.useProxy(this.sources.filter((s) => s.cidrs).flatMap((s) => s.hosts));
    }

    this.config = this.addConfigFiles('sources', CONFIG_DIR, {
      'sources.yaml': Yaml.stringify({ scanInterval: interval, digger: address, sources: entries }),
    });
    this.mainContainer.env.addVariable('CRAWLER_CONFIG', kplus.EnvValue.fromValue(CRAWLER_CONFIG_PATH));
    this.mainContainer.env.addVariable('DIGGER_ADDRESS', kplus.EnvValue.fromValue(address));
    if (props.vendorCredential !== undefined) this.mountVendorCredential('vendorCredential', props.vendorCredential);
  }
}
