/**
 * The data stores the crawler scans (data at rest). Each source is typed; its credentials are a
 * `SecretSource` (never a literal), and what reaches the crawler's config is only the path of the
 * file they are mounted at. Sources are checked when a crawler takes them, so errors name the
 * crawler's construct path and the source's place in `sources`.
 */
import { checkCidr, cidrContains } from '../network';
import { SecretMount, SecretSource } from '../secrets';
import { isIPv4, isIPv6, PropValidator } from '../validation';

/** What every data source has. */
export interface DataSourceBaseProps {
  /** Name of the source in the crawler's config and reports (DNS label, unique per crawler). */
  readonly name: string;
  /**
   * Credentials from outside the manifests: `SecretSource.kubernetesSecret`, `.externalSecret` or
   * `.vault`. The crawler's config holds only the path of the mounted file(s).
   */
  readonly credentials: SecretSource;
  /**
   * Addresses of the source: the crawler's only egress to it. Required for databases and Kafka; an
   * S3 source may leave them out when there is an outbound proxy, and is then reached through it.
   * @default - none: a ValidationError, except for an S3 source behind the outbound proxy
   */
  readonly cidrs?: string[];
}

/** A PostgreSQL server. */
export interface PostgresqlSourceProps extends DataSourceBaseProps {
  /** Host name or IP address (an IP must lie inside `cidrs`). */
  readonly host: string;
  /**
   * TCP port of the server, opened in the crawler's egress rule.
   * @default 5432
   */
  readonly port?: number;
  /** Databases to scan. */
  readonly databases: string[];
  /**
   * libpq `sslmode`: `verify-full` checks the certificate and the host name, `verify-ca` only the
   * certificate, `require` encrypts without checking who answers. Unencrypted modes are refused.
   * @default "verify-full"
   */
  readonly sslMode?: 'verify-full' | 'verify-ca' | 'require';
}

/** A MySQL (or MariaDB) server. */
export interface MysqlSourceProps extends DataSourceBaseProps {
  /** Host name or IP address (an IP must lie inside `cidrs`). */
  readonly host: string;
  /**
   * TCP port of the server, opened in the crawler's egress rule.
   * @default 3306
   */
  readonly port?: number;
  /** Databases to scan. */
  readonly databases: string[];
  /**
   * MySQL `ssl-mode`; `DISABLED` and `PREFERRED` (which falls back to plain text) are refused.
   * @default "VERIFY_IDENTITY"
   */
  readonly sslMode?: 'VERIFY_IDENTITY' | 'VERIFY_CA' | 'REQUIRED';
}

/** A Microsoft SQL Server. */
export interface MssqlSourceProps extends DataSourceBaseProps {
  /** Host name or IP address (an IP must lie inside `cidrs`). */
  readonly host: string;
  /**
   * TCP port of the server, opened in the crawler's egress rule.
   * @default 1433
   */
  readonly port?: number;
  /** Databases to scan. */
  readonly databases: string[];
  /**
   * TDS encryption: `strict` (TDS 8.0, TLS before anything else) or `mandatory`. The server
   * certificate is always checked (`trustServerCertificate: false`).
   * @default "mandatory"
   */
  readonly encrypt?: 'strict' | 'mandatory';
}

/** A Kafka cluster. */
export interface KafkaSourceProps extends DataSourceBaseProps {
  /**
   * Bootstrap brokers as `host:port`. `cidrs` must cover every broker the cluster advertises, not
   * only these: clients connect to each partition's leader directly.
   */
  readonly bootstrapServers: string[];
  /**
   * Topics to sample.
   * @default - every topic the credentials may read
   */
  readonly topics?: string[];
  /**
   * `SASL_SSL` (the credentials are a SASL user and password) or `SSL` (they are a client
   * certificate and key). Plain-text listeners are refused.
   * @default "SASL_SSL"
   */
  readonly securityProtocol?: 'SASL_SSL' | 'SSL';
  /**
   * SASL mechanism, with `SASL_SSL`.
   * @default "SCRAM-SHA-512"
   */
  readonly saslMechanism?: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN';
}

/** An S3 bucket (AWS or an S3-compatible store). */
export interface S3SourceProps extends DataSourceBaseProps {
  /** Bucket name. */
  readonly bucket: string;
  /** Region, e.g. "eu-west-1". */
  readonly region: string;
  /**
   * Endpoint, https only: a VPC interface endpoint or an S3-compatible store.
   * @default "https://s3.<region>.amazonaws.com"
   */
  readonly endpoint?: string;
  /**
   * Only objects under this key prefix.
   * @default - the whole bucket
   */
  readonly prefix?: string;
}

/** The kinds of data source. */
export type DataSourceKind = 'postgresql' | 'mysql' | 'mssql' | 'kafka' | 's3';

/** A source as the crawler uses it, after its props are checked. */
export interface ResolvedDataSource {
  /** The kind of source: postgresql, mysql, mssql, kafka or s3. */
  readonly kind: DataSourceKind;
  /** The source's name, unique among the crawler's sources. */
  readonly name: string;
  /** The credentials the crawler presents to the source, mounted as files. */
  readonly credentials: SecretSource;
  /** The addresses to allow; undefined when the source is reached through the outbound proxy. */
  readonly cidrs?: string[];
  /** TCP ports to allow to `cidrs` (or to the proxy). */
  readonly ports: number[];
  /** Host names or addresses the crawler connects to, for NO_PROXY when the source is reached directly. */
  readonly hosts: string[];
  /** The source's entry in the crawler's config, given where its credentials are mounted. */
  config(credentials: SecretMount): Record<string, unknown>;
}

type AnyProps = PostgresqlSourceProps | MysqlSourceProps | MssqlSourceProps | KafkaSourceProps | S3SourceProps;

const HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const DEFAULT_PORTS = { postgresql: 5432, mysql: 3306, mssql: 1433 } as const;
// The accepted values of each TLS setting, first the default (for PropValidator.oneOf).
const PG_SSL = { VERIFY_FULL: 'verify-full', VERIFY_CA: 'verify-ca', REQUIRE: 'require' } as const;
const MYSQL_SSL = { VERIFY_IDENTITY: 'VERIFY_IDENTITY', VERIFY_CA: 'VERIFY_CA', REQUIRED: 'REQUIRED' } as const;
const MSSQL_ENCRYPT = { MANDATORY: 'mandatory', STRICT: 'strict' } as const;
const KAFKA_PROTOCOL = { SASL_SSL: 'SASL_SSL', SSL: 'SSL' } as const;
const SASL = { SCRAM_SHA_512: 'SCRAM-SHA-512', SCRAM_SHA_256: 'SCRAM-SHA-256', PLAIN: 'PLAIN' } as const;

/**
 * A data source for the crawler. The factories only record the props; the crawler checks them, so
 * an error names the crawler and the source's index.
 */
export class DataSource {
  public static postgresql(props: PostgresqlSourceProps): DataSource {
    return new DataSource('postgresql', props);
  }

  public static mysql(props: MysqlSourceProps): DataSource {
    return new DataSource('mysql', props);
  }

  public static mssql(props: MssqlSourceProps): DataSource {
    return new DataSource('mssql', props);
  }

  public static kafka(props: KafkaSourceProps): DataSource {
    return new DataSource('kafka', props);
  }

  public static s3(props: S3SourceProps): DataSource {
    return new DataSource('s3', props);
  }

  private constructor(
    /** The kind of source: postgresql, mysql, mssql, kafka or s3. */
    public readonly kind: DataSourceKind,
    private readonly props: AnyProps,
  ) {}

  /**
   * Checks the props (errors name `prop`, e.g. `sources[2]`) and resolves the defaults.
   * `proxy` says whether an outbound proxy exists, which an S3 source without CIDRs needs.
   */
  public resolve(v: PropValidator, prop: string, proxy: boolean): ResolvedDataSource {
    const p = this.props;
    if (p === null || typeof p !== 'object') v.fail('missing-props', prop, p, 'is not an object', `give DataSource.${this.kind}({ name, credentials, ... })`);
    const name = v.dnsLabel(`${prop}.name`, p.name);
    const base = { kind: this.kind, name, credentials: p.credentials };
    const label = `${this.kind} source "${name}"`;
    switch (this.kind) {
      case 'postgresql':
      case 'mysql':
      case 'mssql': {
        const db = p as PostgresqlSourceProps | MysqlSourceProps | MssqlSourceProps;
        const cidrs = requiredCidrs(v, prop, db.cidrs, label);
        const host = checkHost(v, `${prop}.host`, db.host, cidrs);
        const port = v.port(`${prop}.port`, db.port ?? DEFAULT_PORTS[this.kind]);
        const databases = nameList(v, `${prop}.databases`, db.databases, 'the databases to scan, e.g. ["orders"]');
        const tls = this.kind === 'postgresql'
          ? { sslMode: v.oneOf('invalid-ssl-mode', `${prop}.sslMode`, (db as PostgresqlSourceProps).sslMode ?? 'verify-full', PG_SSL, 'an encrypted libpq sslmode') }
          : this.kind === 'mysql'
            ? { sslMode: v.oneOf('invalid-ssl-mode', `${prop}.sslMode`, (db as MysqlSourceProps).sslMode ?? 'VERIFY_IDENTITY', MYSQL_SSL, 'an encrypted MySQL ssl-mode') }
            : { encrypt: v.oneOf('invalid-encrypt', `${prop}.encrypt`, (db as MssqlSourceProps).encrypt ?? 'mandatory', MSSQL_ENCRYPT, 'an encrypting TDS mode'), trustServerCertificate: false };
        return {
          ...base, cidrs, ports: [port], hosts: [host],
          config: (mount) => ({ name, type: this.kind, host, port, databases, ...tls, credentials: credentialPaths(mount) }),
        };
      }
      case 'kafka': {
        const k = p as KafkaSourceProps;
        const cidrs = requiredCidrs(v, prop, k.cidrs, label);
        if (!Array.isArray(k.bootstrapServers) || k.bootstrapServers.length === 0) {
          v.fail('empty', `${prop}.bootstrapServers`, k.bootstrapServers, 'lists no broker', 'give e.g. ["kafka-0.data.internal:9093"]');
        }
        const brokers = k.bootstrapServers.map((b, i) => {
          const at = `${prop}.bootstrapServers[${i}]`;
          const m = typeof b === 'string' ? /^(.+):(\d+)$/.exec(b) : null;
          if (!m) v.fail('invalid-broker', at, b, 'is not host:port', 'write e.g. "kafka-0.data.internal:9093"');
          return { host: checkHost(v, at, m[1].replace(/^\[(.*)\]$/, '$1'), cidrs), port: v.port(at, Number(m[2])) };
        });
        const securityProtocol = v.oneOf('invalid-security-protocol', `${prop}.securityProtocol`, k.securityProtocol ?? 'SASL_SSL', KAFKA_PROTOCOL, 'a TLS security protocol');
        if (k.saslMechanism !== undefined && securityProtocol !== 'SASL_SSL') {
          v.fail('conflicting-props', `${prop}.saslMechanism`, k.saslMechanism, 'is given with securityProtocol SSL, which authenticates by client certificate', 'drop saslMechanism, or use SASL_SSL');
        }
        const sasl = securityProtocol === 'SASL_SSL'
          ? { saslMechanism: v.oneOf('invalid-sasl-mechanism', `${prop}.saslMechanism`, k.saslMechanism ?? 'SCRAM-SHA-512', SASL, 'a SASL mechanism') }
          : {};
        const topics = k.topics === undefined ? undefined : nameList(v, `${prop}.topics`, k.topics, 'the topics to sample, or leave topics out for all');
        topics?.forEach((t, i) => {
          if (!/^[A-Za-z0-9._-]{1,249}$/.test(t)) v.fail('invalid-topic', `${prop}.topics[${i}]`, t, 'is not a Kafka topic name', 'use letters, digits, ".", "_" and "-"');
        });
        return {
          ...base, cidrs, ports: unique(brokers.map((b) => b.port)), hosts: unique(brokers.map((b) => b.host)),
          config: (mount) => ({
            name, type: 'kafka', bootstrapServers: [...k.bootstrapServers], securityProtocol, ...sasl,
            ...(topics ? { topics } : {}), credentials: credentialPaths(mount),
          }),
        };
      }
      case 's3': {
        const s = p as S3SourceProps;
        if (typeof s.bucket !== 'string' || !BUCKET.test(s.bucket) || s.bucket.includes('..')) {
          v.fail('invalid-bucket', `${prop}.bucket`, s.bucket, 'is not an S3 bucket name', 'use 3 to 63 lowercase letters, digits, "." and "-"');
        }
        if (typeof s.region !== 'string' || !REGION.test(s.region)) v.fail('invalid-region', `${prop}.region`, s.region, 'is not a region', 'use e.g. "eu-west-1"');
        const endpoint = s.endpoint ?? `https://s3.${s.region}.amazonaws.com`;
        const url = v.url(`${prop}.endpoint`, endpoint, ['https:']);
        if (s.prefix !== undefined) v.nonEmpty(`${prop}.prefix`, s.prefix);
        const direct = s.cidrs !== undefined || !proxy;
        const cidrs = direct ? requiredCidrs(v, prop, s.cidrs, `${label} without an outbound proxy`) : undefined;
        return {
          ...base, cidrs, ports: [url.port ? Number(url.port) : 443], hosts: [url.hostname],
          config: (mount) => ({
            name, type: 's3', bucket: s.bucket, region: s.region, endpoint,
            ...(s.prefix !== undefined ? { prefix: s.prefix } : {}), credentials: credentialPaths(mount),
          }),
        };
      }
    }
  }
}

function requiredCidrs(v: PropValidator, prop: string, cidrs: string[] | undefined, what: string): string[] {
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    v.fail('missing-cidrs', `${prop}.cidrs`, cidrs, `are required for the ${what}: they are its only way through the network policy`, 'give its addresses, e.g. ["10.20.0.0/24"]');
  }
  return cidrs.map((c, i) => checkCidr(v, `${prop}.cidrs[${i}]`, c));
}

/** A host name, or an address that must lie inside the source's CIDRs (else the policy blocks it). */
function checkHost(v: PropValidator, prop: string, host: string, cidrs: string[]): string {
  if (typeof host === 'string' && (isIPv4(host) || isIPv6(host))) {
    const single = `${host}/${isIPv4(host) ? 32 : 128}`;
    if (!cidrs.some((c) => cidrContains(c, single))) {
      v.fail('host-outside-cidrs', prop, host, `lies outside the source's CIDRs (${cidrs.join(', ')}), so the network policy would block it`, 'add its block to cidrs, or fix the address');
    }
    return host;
  }
  if (typeof host !== 'string' || host.length > 253 || !HOST.test(host)) {
    v.fail('invalid-host', prop, host, 'is not a lowercase host name or an IP address', 'use e.g. "orders.db.internal" or "10.20.0.15"');
  }
  return host;
}

function nameList(v: PropValidator, prop: string, values: string[] | undefined, fix: string): string[] {
  if (!Array.isArray(values) || values.length === 0) v.fail('empty', prop, values, 'is empty', `list ${fix}`);
  values.forEach((d, i) => v.nonEmpty(`${prop}[${i}]`, d));
  if (new Set(values).size !== values.length) v.fail('duplicate', prop, values, 'names an entry twice', 'list each once');
  return [...values];
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Where the credentials are: the mounted files, or the directory that holds every key of a Secret. */
function credentialPaths(mount: SecretMount): Record<string, unknown> {
  return Object.keys(mount.files).length > 0 ? { files: { ...mount.files } } : { directory: mount.path };
}
