import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chart } from 'cdk8s';
import { Client } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditSql } from '../../../src/constructs/aiops/audit-sql';
import { AUDIT_SECRETS_DIR, AUDIT_SQL_DIR, AuditLog } from '../../../src/constructs/aiops/audit-log';
import { NetworkPeer } from '../../../src/constructs/network';
import { SecretSource } from '../../../src/constructs/secrets';
import { startPostgres, TestPostgres } from '../../helpers/postgres';
import { find, K8sObject, podSpec, synth } from '../../helpers/synth';

// The generated SQL applied to a real PostgreSQL server, by running the synthesised migration Job's and
// retention CronJob's own commands (with psql, against files laid out as the pods mount them). In CI
// (CI=true) a server that cannot start fails the suite; elsewhere the tests skip and say why.
const inCi = process.env.CI === 'true';
const RETENTION_DAYS = 30;
const PASSWORDS = { admin: 'adm:in\\pw', app: 'app-pw:1', archiver: 'arch\\pw', retention: 'ret:pw' };

const objects = synth((app) => {
  const chart = new Chart(app, 'audit', { namespace: 'aiops' });
  new AuditLog(chart, 'audit-log', {
    retentionDays: RETENTION_DAYS,
    database: { host: 'postgres.aiops.svc', peer: NetworkPeer.pods({ labels: { 'app.kubernetes.io/name': 'postgres' } }) },
    adminPassword: SecretSource.kubernetesSecret({ name: 'pg-admin', keys: ['password'] }),
    rolePasswords: { app: SecretSource.kubernetesSecret({ name: 'pg-app', keys: ['password'] }), archiver: SecretSource.kubernetesSecret({ name: 'pg-archiver', keys: ['password'] }), retention: SecretSource.kubernetesSecret({ name: 'pg-retention', keys: ['password'] }) },
  });
});
const sql = auditSql({ retentionDays: RETENTION_DAYS });
const configMap = find(objects, 'ConfigMap', 'aiops-audit-sql');
const container = (o: K8sObject) => podSpec(o).containers[0];
const migrationJob = container(find(objects, 'Job', 'aiops-audit-migration'));
const retentionJob = container(find(objects, 'CronJob', 'aiops-audit-retention'));

let server: TestPostgres | undefined;
let startError: string | undefined;
let work: string;

/** Runs a container's command as the pod would, with its mounts laid out under `work`. */
function runLikePod(c: { command: string[]; env: Array<{ name: string; value: string }> }): string {
  const script = c.command[2]
    .replaceAll(AUDIT_SQL_DIR, join(work, 'sql'))
    .replaceAll(AUDIT_SECRETS_DIR, join(work, 'secrets'))
    .replaceAll('/tmp/pgpass', join(work, 'pgpass'));
  const env: Record<string, string> = { PATH: `${server!.bin}:${process.env.PATH}` };
  for (const e of c.env) env[e.name] = e.value.replace('/tmp/pgpass', join(work, 'pgpass'));
  Object.assign(env, { PGHOST: server!.host, PGPORT: String(server!.port), PGDATABASE: 'postgres' });
  // The pod trusts the system store ("system"); the test server's certificate comes from a throwaway CA.
  if (env.PGSSLROOTCERT === 'system') env.PGSSLROOTCERT = server!.caFile!;
  return execFileSync(c.command[0], [c.command[1], script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const clients: Client[] = [];
async function connect(user: string, password: string): Promise<Client> {
  const client = new Client({ host: server!.host, port: server!.port, user, password, database: 'postgres' });
  await client.connect();
  clients.push(client);
  return client;
}

const hash = (c: string) => c.repeat(64);
const insertEvent = (client: Client, user = 'alice') =>
  client.query(
    `INSERT INTO audit.events (event_type, user_name, session_id, agent_version, tool_call_hashes, response_hash, namespace, ip_address, failure_reason, latency_ms, token_count)
     VALUES ('query.answered', $1, 'sess-1', '1.4.2', $2, $3, 'payments', '10.1.2.3', NULL, 812, 1530) RETURNING id`,
    [user, [hash('a'), hash('b')], hash('c')],
  );

describe('audit log on a real PostgreSQL server', () => {
  let admin: Client;
  let app: Client;
  let archiver: Client;
  let retention: Client;

  beforeAll(async () => {
    try {
      server = await startPostgres({ superuserPassword: PASSWORDS.admin, tls: true });
    } catch (err) {
      startError = (err as Error).message;
      if (inCi) throw new Error(`CI=true and no PostgreSQL server could be started: ${startError}`);
      console.warn(`SKIPPING the real-PostgreSQL audit-log tests: ${startError}`);
      return;
    }
    work = mkdtempSync(join(tmpdir(), 'sac-audit-'));
    mkdirSync(join(work, 'sql'));
    for (const [file, text] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(work, 'sql', file), text.replaceAll(AUDIT_SECRETS_DIR, join(work, 'secrets')));
    for (const [role, pw] of Object.entries(PASSWORDS)) {
      mkdirSync(join(work, 'secrets', role), { recursive: true });
      writeFileSync(join(work, 'secrets', role, 'password'), pw);
    }
    runLikePod(migrationJob);
    runLikePod(migrationJob); // idempotent: the Job re-applies it on every upgrade
    admin = await connect('postgres', PASSWORDS.admin);
    app = await connect(sql.roles.app, PASSWORDS.app);
    archiver = await connect(sql.roles.archiver, PASSWORDS.archiver);
    retention = await connect(sql.roles.retention, PASSWORDS.retention);
  });

  beforeEach((ctx) => {
    if (!server) ctx.skip(`no PostgreSQL server could be started: ${startError}`);
  });

  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs the migration and the retention job over TLS with full verification (verify-full), against a server whose certificate they check', () => {
    for (const c of [migrationJob, retentionJob]) {
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'PGSSLMODE', value: 'verify-full' }, { name: 'PGSSLROOTCERT', value: 'system' }]));
    }
    // The migration in beforeAll connected over TLS: with no CA given, verify-full refuses the test server.
    const noCa = { ...migrationJob, env: migrationJob.env.filter((e: { name: string }) => e.name !== 'PGSSLROOTCERT').concat([{ name: 'PGSSLROOTCERT', value: join(work, 'no-such-ca.crt') }]) };
    expect(() => runLikePod(noCa)).toThrow(/root certificate|certificate/);
  });

  it('lets the application INSERT and SELECT, with the server setting the timestamp', async () => {
    const { rows } = await insertEvent(app);
    const read = await app.query('SELECT user_name, ip_address, tool_call_hashes, occurred_at FROM audit.events WHERE id = $1', [rows[0].id]);
    expect(read.rows[0].user_name).toBe('alice');
    expect(read.rows[0].ip_address).toBe('10.1.2.3');
    expect(read.rows[0].tool_call_hashes).toEqual([hash('a'), hash('b')]);
    expect(Math.abs(Date.now() - new Date(read.rows[0].occurred_at).getTime())).toBeLessThan(60_000);
  });

  it('refuses the application UPDATE, DELETE, TRUNCATE and a backdated INSERT', async () => {
    await insertEvent(app);
    await expect(app.query("UPDATE audit.events SET user_name = 'mallory'")).rejects.toThrow(/permission denied/);
    await expect(app.query('DELETE FROM audit.events')).rejects.toThrow(/permission denied/);
    await expect(app.query('TRUNCATE audit.events')).rejects.toThrow(/permission denied/);
    await expect(
      app.query("INSERT INTO audit.events (event_type, user_name, session_id, agent_version, occurred_at) VALUES ('x', 'a', 's', '1', now() - interval '400 days')"),
    ).rejects.toThrow(/permission denied/);
    await expect(app.query(sql.retentionCall)).rejects.toThrow(/permission denied/);
  });

  it('refuses UPDATE and DELETE even to the table owner and a superuser (the append-only trigger)', async () => {
    await admin.query(`SET ROLE ${sql.roles.owner}`);
    try {
      await expect(admin.query("UPDATE audit.events SET user_name = 'mallory'")).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(admin.query('DELETE FROM audit.events')).rejects.toThrow(/append-only: DELETE refused/);
    } finally {
      await admin.query('RESET ROLE');
    }
    await expect(admin.query("UPDATE audit.events SET user_name = 'mallory'")).rejects.toThrow(/append-only/);
    await expect(admin.query('DELETE FROM audit.events')).rejects.toThrow(/append-only/);
    await expect(admin.query('TRUNCATE audit.events')).rejects.toThrow(/append-only/);
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM audit.events WHERE user_name = 'mallory'");
    expect(rows[0].n).toBe(0);
  });

  it('refuses stored values that are not hashes, and a namespace with capitals', async () => {
    await expect(
      app.query("INSERT INTO audit.events (event_type, user_name, session_id, agent_version, tool_call_hashes) VALUES ('x', 'a', 's', '1', ARRAY['kubectl get secrets'])"),
    ).rejects.toThrow(/check constraint/);
    await expect(
      app.query("INSERT INTO audit.events (event_type, user_name, session_id, agent_version, namespace) VALUES ('x', 'a', 's', '1', 'Payments')"),
    ).rejects.toThrow(/check constraint/);
  });

  it('lets the archiver only read', async () => {
    const { rows } = await archiver.query('SELECT count(*)::int AS n FROM audit.events');
    expect(rows[0].n).toBeGreaterThan(0);
    await expect(insertEvent(archiver)).rejects.toThrow(/permission denied/);
    await expect(archiver.query("UPDATE audit.events SET user_name = 'x'")).rejects.toThrow(/permission denied/);
    await expect(archiver.query('DELETE FROM audit.events')).rejects.toThrow(/permission denied/);
    await expect(archiver.query(sql.retentionCall)).rejects.toThrow(/permission denied/);
  });

  it('gives the retention role nothing on the table itself', async () => {
    await expect(retention.query('SELECT * FROM audit.events')).rejects.toThrow(/permission denied/);
    await expect(retention.query('DELETE FROM audit.events')).rejects.toThrow(/permission denied/);
  });

  it('removes through the retention function only rows older than the limit', async () => {
    // Rows at known ages, written by the administrator (the application cannot set occurred_at).
    const ages = [RETENTION_DAYS + 10, RETENTION_DAYS + 1, RETENTION_DAYS - 1, 1, 0];
    for (const days of ages) {
      await admin.query(
        `INSERT INTO audit.events (event_type, user_name, session_id, agent_version, occurred_at)
         VALUES ('retention.probe', $1, 's', '1', now() - make_interval(days => $2::int))`,
        [`age-${days}`, days],
      );
    }
    const before = await admin.query('SELECT count(*)::int AS n FROM audit.events');
    // The CronJob's own command, as the retention role through its pgpass file.
    expect(runLikePod(retentionJob)).toMatch(/^\s*2\s*$/m);
    const left = await admin.query("SELECT user_name FROM audit.events WHERE event_type = 'retention.probe' ORDER BY user_name");
    expect(left.rows.map((r) => r.user_name)).toEqual([`age-0`, `age-1`, `age-${RETENTION_DAYS - 1}`].sort());
    const after = await admin.query('SELECT count(*)::int AS n FROM audit.events');
    expect(after.rows[0].n).toBe(before.rows[0].n - 2);
    // A second run finds nothing more to remove.
    expect(Number((await retention.query(sql.retentionCall)).rows[0].purge_expired_events)).toBe(0);
  });
});

