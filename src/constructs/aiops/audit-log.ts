import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AIOPS_REASONS } from './needs';
import { AgentWorkload, WorkloadKind } from '../agent-workload';
import { WorkloadSettings } from '../workload-settings';
import { IEgressPeer, Ports, WorkloadNetworkPolicy } from '../network';
import { standardLabels } from '../labels';
import { PropValidator } from '../validation';
import { AuditSql, auditSql, AuditSqlProps } from './audit-sql';
import { SecretSource } from '../secrets';
import { AIOPS_SECRETS_DIR, checkSecret } from './stores';

/** libpq `sslmode`: how the audit jobs check the database's TLS. */
export enum PgSslMode {
  DISABLE = 'disable',
  PREFER = 'prefer',
  REQUIRE = 'require',
  VERIFY_CA = 'verify-ca',
  /** Encrypt, check the chain and that the host name matches the certificate. */
  VERIFY_FULL = 'verify-full',
}

/** Where the audit database is, and how to reach it. */
export interface AuditDatabase {
  /** Host name of the PostgreSQL server, e.g. `postgres.aiops.svc` or `db.example.com`. */
  readonly host: string;
  /**
   * TCP port of the PostgreSQL server (`PGPORT` of the jobs, and their egress rule).
   * @default 5432
   */
  readonly port?: number;
  /**
   * Database holding the audit schema.
   * @default "aiops"
   */
  readonly database?: string;
  /**
   * libpq `sslmode`.
   * @default PgSslMode.VERIFY_FULL
   */
  readonly sslMode?: PgSslMode;
  /** Where the server is, for the jobs' egress NetworkPolicy (e.g. `NetworkPeer.workload(postgres)`). */
  readonly peer: IEgressPeer;
}

export interface AuditLogProps extends AuditSqlProps {
  /**
   * Namespace of the SQL ConfigMap, the migration Job and the retention CronJob.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** The PostgreSQL server and database that hold the audit schema, and how to reach them. */
  readonly database: AuditDatabase;
  /**
   * Administrator that applies the migration (creates the roles, the schema and the functions).
   * @default "postgres"
   */
  readonly adminUser?: string;
  /** The administrator's password: one file. */
  readonly adminPassword: SecretSource;
  /** Passwords that the migration sets for the roles that log in. */
  readonly rolePasswords: {
    readonly app: SecretSource;
    readonly archiver: SecretSource;
    readonly retention: SecretSource;
  };
  /**
   * Image with `psql` (PostgreSQL client 14 or newer).
   * @default "docker.io/library/postgres:17.2-alpine"
   */
  readonly image?: string;
  /**
   * Schedule of the retention CronJob.
   * @default "17 3 * * *"
   */
  readonly retentionSchedule?: string;
  /**
   * Operational settings of the migration Job and the retention CronJob.
   * @default - none
   */
  readonly jobs?: Omit<WorkloadSettings, 'replicas' | 'disruptionBudget' | 'updateStrategy'>;
  /**
   * `app.kubernetes.io/part-of` of the objects.
   * @default "aiops"
   */
  readonly partOf?: string;
}

export const AUDIT_SQL_DIR = '/etc/aiops/audit-sql';
export const AUDIT_SECRETS_DIR = AIOPS_SECRETS_DIR;

/**
 * The AIOps audit log: its SQL in a ConfigMap, a migration Job that applies it, and a retention
 * CronJob that calls the retention function. Both jobs are hardened AgentWorkloads behind a
 * default-deny NetworkPolicy that opens DNS and the database only; every password is a mounted file
 * turned into a 0600 pgpass file in `/tmp` (libpq refuses a group-readable one), never an env var.
 */
export class AuditLog extends Construct {
  /** The generated SQL and the resolved schema, table and role names. */
  public readonly sql: AuditSql;
  /** The ConfigMap (escape hatch: an ApiObject). */
  public readonly configMap: ApiObject;
  /** The migration Job, which applies the SQL and sets the login roles' passwords as the administrator. */
  public readonly migration: AgentWorkload;
  /** The retention CronJob, which calls the retention function as the retention role. */
  public readonly retention: AgentWorkload;
  /** The migration Job's default-deny NetworkPolicy, open to DNS and the database only. */
  public readonly migrationPolicy: WorkloadNetworkPolicy;
  /** The retention CronJob's default-deny NetworkPolicy, open to DNS and the database only. */
  public readonly retentionPolicy: WorkloadNetworkPolicy;
  /** TCP port of the PostgreSQL server the jobs connect to (5432 unless given). */
  public readonly port: number;
  /** Database that holds the audit schema (`aiops` unless given). */
  public readonly databaseName: string;
  /** PostgreSQL user that applies the migration (`postgres` unless given). */
  public readonly adminUser: string;
  /** Cron schedule of the retention CronJob (`"17 3 * * *"` unless given). */
  public readonly retentionSchedule: string;

  constructor(scope: Construct, id: string, props: AuditLogProps) {
    super(scope, id);
    const v = new PropValidator('AuditLog', this.node.path);
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give at least { database, adminPassword, rolePasswords }');
    this.sql = auditSql(props, 'AuditLog', this.node.path);
    const db = props.database ?? ({} as AuditDatabase);
    const host = v.dnsSubdomain('database.host', db.host);
    this.port = v.port('database.port', db.port ?? 5432);
    this.databaseName = sqlName(v, 'database.database', db.database ?? 'aiops');
    this.adminUser = sqlName(v, 'adminUser', props.adminUser ?? 'postgres');
    const sslMode = v.oneOf('invalid-ssl-mode', 'database.sslMode', db.sslMode ?? PgSslMode.VERIFY_FULL, PgSslMode, 'a libpq sslmode');
    this.retentionSchedule = props.retentionSchedule ?? '17 3 * * *';
    const partOf = props.partOf ?? 'aiops';
    const image = props.image ?? 'docker.io/library/postgres:17.2-alpine';
    const admin = checkSecret(v, 'adminPassword', props.adminPassword);
    const rp = props.rolePasswords ?? ({} as AuditLogProps['rolePasswords']);
    const passwords = {
      app: checkSecret(v, 'rolePasswords.app', rp.app),
      archiver: checkSecret(v, 'rolePasswords.archiver', rp.archiver),
      retention: checkSecret(v, 'rolePasswords.retention', rp.retention),
    };
    // Each password's file, known before the mounts exist, so the scripts can name it.
    const sources = { admin, ...passwords };
    const fileOf = Object.fromEntries(Object.entries(sources).map(([r, src]) => [r, src.singleFile(`${AUDIT_SECRETS_DIR}/${r}`)
      ?? v.fail('secret-not-one-file', r === 'admin' ? 'adminPassword' : `rolePasswords.${r}`, '(a SecretSource)', 'is not exactly one file', 'name the key, e.g. SecretSource.kubernetesSecret({ name: "pg-app", keys: ["password"] })')])) as Record<keyof typeof sources, string>;

    const roleLines = (['app', 'archiver', 'retention'] as const).map((r) =>
      `\\set ${r}_password \`cat ${fileOf[r]}\`\nALTER ROLE ${this.sql.roles[r]} PASSWORD :'${r}_password';`);
    const configMap = new kplus.ConfigMap(this, 'sql', {
      metadata: {
        name: 'aiops-audit-sql',
        namespace: props.namespace,
        labels: standardLabels({ name: 'aiops-audit-sql', instance: 'aiops-audit-sql', component: 'audit-log', partOf }),
      },
      data: {
        'migration.sql': this.sql.migration,
        // psql reads each password from its mounted file: no password in the ConfigMap or in env.
        'role-passwords.psql': `${roleLines.join('\n')}\n`,
        'retention.sql': `${this.sql.retentionCall}\n`,
      },
    });

    const env = {
      PGHOST: host,
      PGPORT: String(this.port),
      PGDATABASE: this.databaseName,
      PGSSLMODE: sslMode,
      // libpq 16+: verify against the system trust store (which SSL_CERT_FILE, set by a CA bundle, replaces).
      ...(sslMode === PgSslMode.VERIFY_CA || sslMode === PgSslMode.VERIFY_FULL ? { PGSSLROOTCERT: 'system' } : {}),
      PGPASSFILE: '/tmp/pgpass',
      PGAPPNAME: 'aiops-audit',
    };
    const common = { ...(props.jobs ?? {}), namespace: props.namespace, partOf, image, env: { ...(props.jobs?.env ?? {}), ...env } };
    this.migration = new AgentWorkload(this, 'migration', {
      ...common,
      kind: WorkloadKind.JOB,
      name: 'aiops-audit-migration',
      component: 'audit-migration',
      // An unreadable or empty password file stops the Job before psql could set an empty password.
      command: ['sh', '-c', `for f in ${(['admin', 'app', 'archiver', 'retention'] as const).map((d) => fileOf[d]).join(' ')}; do [ -s "$f" ] || { echo "missing or empty password file $f" >&2; exit 1; }; done && ${pgpass(this.adminUser, fileOf.admin)} && exec psql -X -v ON_ERROR_STOP=1 -U ${this.adminUser} -f ${AUDIT_SQL_DIR}/migration.sql -f ${AUDIT_SQL_DIR}/role-passwords.psql`],
    });
    this.retention = new AgentWorkload(this, 'retention', {
      ...common,
      kind: WorkloadKind.CRON_JOB,
      name: 'aiops-audit-retention',
      component: 'audit-retention',
      schedule: this.retentionSchedule,
      command: ['sh', '-c', `${pgpass(this.sql.roles.retention, fileOf.retention)} && exec psql -X -v ON_ERROR_STOP=1 -U ${this.sql.roles.retention} -f ${AUDIT_SQL_DIR}/retention.sql`],
    });

    this.configMap = ApiObject.of(configMap);
    const sqlVolume = kplus.Volume.fromConfigMap(this, 'sql-volume', configMap, { name: 'audit-sql', defaultMode: 0o444 });
    this.migration.mainContainer.mount(AUDIT_SQL_DIR, sqlVolume, { readOnly: true });
    this.retention.mainContainer.mount(AUDIT_SQL_DIR, sqlVolume, { readOnly: true });
    for (const r of ['admin', 'app', 'archiver', 'retention'] as const) {
      this.migration.mountSecretFile(r === 'admin' ? 'adminPassword' : `rolePasswords.${r}`, sources[r], { mountPath: `${AUDIT_SECRETS_DIR}/${r}` });
    }
    this.retention.mountSecretFile('rolePasswords.retention', passwords.retention, { mountPath: `${AUDIT_SECRETS_DIR}/retention` });

    const policy = (w: AgentWorkload, reason: string) => w.allowDns().networkPolicy!.allowEgressTo(db.peer, [Ports.tcp(this.port)], reason);
    this.migrationPolicy = policy(this.migration, AIOPS_REASONS.migration);
    // Escape hatch: ApiObject.of(auditLog) is the migration Job; ApiObject.of(auditLog.retention) the CronJob.
    this.node.defaultChild = this.migration;
    this.retentionPolicy = policy(this.retention, AIOPS_REASONS.retention);
  }
}

const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function sqlName(v: PropValidator, prop: string, value: string): string {
  if (typeof value !== 'string' || !SQL_NAME.test(value)) {
    v.fail('invalid-sql-identifier', prop, value, 'is not a lowercase SQL identifier', 'use e.g. "aiops"');
  }
  return value;
}

/** Shell that writes a 0600 pgpass file from a password file, escaping ":" and "\" as libpq requires. */
function pgpass(user: string, file: string): string {
  return `umask 077 && printf '*:*:*:${user}:%s\\n' "$(sed -e 's/\\\\/\\\\\\\\/g' -e 's/:/\\\\:/g' ${file})" > /tmp/pgpass`;
}
