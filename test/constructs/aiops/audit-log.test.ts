import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AuditLog, AuditLogProps, auditSql, NetworkPeer, SecretSource } from '../../../src';
import { find, podSpec, synth } from '../../helpers/synth';
import { expectValidationError } from '../../helpers/errors';

const PROPS: AuditLogProps = {
  database: { host: 'aiops-postgres.aiops.svc', peer: NetworkPeer.pods({ labels: { 'app.kubernetes.io/name': 'aiops-postgres' } }) },
  adminPassword: SecretSource.kubernetesSecret({ name: 'pg-admin', keys: ['password'] }),
  rolePasswords: { app: SecretSource.kubernetesSecret({ name: 'pg-app', keys: ['password'] }), archiver: SecretSource.kubernetesSecret({ name: 'pg-archiver', keys: ['password'] }), retention: SecretSource.kubernetesSecret({ name: 'pg-retention', keys: ['password'] }) },
};

function build(props: Partial<AuditLogProps> = {}) {
  return (app: App) => {
    const chart = new Chart(app, 'audit', { namespace: 'aiops' });
    new AuditLog(chart, 'audit-log', { ...PROPS, ...props });
  };
}

describe('AuditLog', () => {
  const objects = synth(build());
  const job = find(objects, 'Job', 'aiops-audit-migration');
  const cron = find(objects, 'CronJob', 'aiops-audit-retention');

  it('runs the migration and the retention as hardened workloads without a ServiceAccount token', () => {
    for (const w of [job, cron]) {
      const spec = podSpec(w);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.containers[0].securityContext).toMatchObject({
        allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
      });
    }
    expect(cron.spec.schedule).toBe('17 3 * * *');
  });

  it('gives the migration the admin and role passwords, and the retention only its own, all as files', () => {
    const secretsOf = (w: typeof job) => podSpec(w).volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName).sort();
    expect(secretsOf(job)).toEqual(['pg-admin', 'pg-app', 'pg-archiver', 'pg-retention']);
    expect(secretsOf(cron)).toEqual(['pg-retention']);
    for (const w of [job, cron]) {
      const c = podSpec(w).containers[0];
      expect(c.env.every((e: any) => e.value !== undefined && e.valueFrom === undefined)).toBe(true);
      expect(c.env).toContainEqual({ name: 'PGPASSFILE', value: '/tmp/pgpass' });
      expect(c.command.join(' ')).toContain('umask 077');
    }
    expect(podSpec(cron).containers[0].command.join(' ')).toContain('-U aiops_retention -f /etc/aiops/audit-sql/retention.sql');
  });

  it('ships the generated SQL in a ConfigMap, passwords read from files by psql', () => {
    const cm = find(objects, 'ConfigMap', 'aiops-audit-sql');
    expect(cm.data['migration.sql']).toBe(auditSql().migration);
    expect(cm.data['retention.sql']).toBe('SELECT audit.purge_expired_events();\n');
    expect(cm.data['role-passwords.psql']).toContain("\\set app_password `cat /var/run/secrets/aiops/app/password`\nALTER ROLE aiops_app PASSWORD :'app_password';");
  });

  it('lets the jobs reach DNS and the database port only', () => {
    const egress = find(objects, 'NetworkPolicy', 'aiops-audit-migration').spec.egress;
    expect(egress).toHaveLength(2);
    expect(egress[1]).toEqual({ ports: [{ port: 5432, protocol: 'TCP' }], to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'aiops-postgres' } } }] });
  });

  it('fails on bad props with a ValidationError', () => {
    const fails = (props: Partial<AuditLogProps>, code: string) => {
      const chart = new Chart(new App(), 'audit');
      expect(() => new AuditLog(chart, 'a', { ...PROPS, ...props })).toThrow(expect.objectContaining({ name: 'ValidationError', code }));
    };
    fails({ retentionDays: 0 }, 'invalid-number');
    fails({ rolePrefix: 'Aiops; DROP TABLE x' }, 'invalid-sql-identifier');
    fails({ adminPassword: 'secret' as never }, 'secret-as-literal');
    fails({ database: { ...PROPS.database, port: 65536 } }, 'invalid-port');
    fails({ retentionSchedule: 'daily' }, 'invalid-schedule');
    expectValidationError(() => auditSql({ schema: 'Audit' }));
  });
});
