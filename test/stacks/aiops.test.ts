import { App } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aiops, aiopsExternalStores } from '../../examples/aiops';
import { AccessRole, AIOPS_API_READ_RULES, AiopsChart, AiopsChartProps, SecretSource } from '../../src';
import { aiopsSecrets } from '../helpers/fixtures';
import { find, K8sObject, podSpec, synth } from '../helpers/synth';
import { expectValidationError } from '../helpers/errors';

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
const SECRETS = aiopsSecrets();
const BASE: AiopsChartProps = {
  namespace: 'aiops',
  api: { image: 'ghcr.io/example/aiops-api:2.3.1' },
  apiServer: { cidrs: ['172.20.0.1/32'], port: 6443 },
  requireImageDigests: false,
  secrets: SECRETS,
};

const inCluster = synth((app) => { aiops(app); });
const external = synth((app) => { aiopsExternalStores(app); });

function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
}

function containers(o: K8sObject): any[] {
  const spec = podSpec(o);
  return [...(spec.initContainers ?? []), ...spec.containers];
}

describe('aiops-api egress (in-cluster stores)', () => {
  it('allows exactly Prometheus:9090 in monitoring, the API server:6443, Qdrant, Redis, PostgreSQL, public HTTPS and DNS', () => {
    const policy = find(inCluster, 'NetworkPolicy', 'aiops-api');
    const store = (name: string, component: string) => ({
      podSelector: { matchLabels: { 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name } },
    });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.egress).toEqual([
      { ports: [{ port: 9090, protocol: 'TCP' }], to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }] },
      { ports: [{ port: 6443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '172.20.0.1/32' } }] },
      { ports: [{ port: 6333, protocol: 'TCP' }], to: [store('aiops-qdrant', 'qdrant')] },
      { ports: [{ port: 6379, protocol: 'TCP' }], to: [store('aiops-redis', 'redis')] },
      { ports: [{ port: 5432, protocol: 'TCP' }], to: [store('aiops-postgres', 'postgres')] },
      // The LLM provider: public addresses only; link-local (the cloud metadata endpoint) is excepted too.
      { ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }] },
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] },
    ]);
    // Only the gateway may call it.
    expect(policy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api-gateway' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
  });

  it('takes the API server port as a prop', () => {
    const objects = synth((app) => { new AiopsChart(app, 'c', { ...BASE, apiServer: { cidrs: ['172.20.0.1/32'], port: 443 } }); });
    const egress = find(objects, 'NetworkPolicy', 'aiops-api').spec.egress;
    expect(egress[1]).toEqual({ ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '172.20.0.1/32' } }] });
  });
});

describe('aiops-api egress (external stores)', () => {
  it('reaches each external store by its addresses and port, and runs no StatefulSet', () => {
    const egress = find(external, 'NetworkPolicy', 'aiops-api').spec.egress;
    expect(egress.slice(2, 5)).toEqual([
      { ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.40.3.0/28' } }] },
      { ports: [{ port: 6379, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.40.2.0/28' } }] },
      { ports: [{ port: 5432, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.40.1.10/32' } }] },
    ]);
    expect(external.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    const config = JSON.parse(find(external, 'ConfigMap', 'aiops-api-config').data['config.json']);
    expect(config.stores.postgres).toEqual({ host: 'aiops-audit.db.example.internal', port: 5432, passwordFile: '/var/run/secrets/aiops/postgres/password' });
    // The audit jobs reach the external database, and only it.
    expect(find(external, 'NetworkPolicy', 'aiops-audit-retention').spec.egress[1])
      .toEqual({ ports: [{ port: 5432, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.40.1.10/32' } }] });
  });
});

describe.each([['in-cluster stores', inCluster], ['external stores', external]])('secrets (%s)', (_name, objects) => {
  it('no container has a secret in an env var', () => {
    for (const w of workloads(objects)) {
      for (const c of containers(w)) {
        expect(c.envFrom, `${w.kind}/${w.metadata.name}/${c.name} envFrom`).toBeUndefined();
        for (const e of c.env ?? []) {
          expect(e.valueFrom, `${w.kind}/${w.metadata.name}/${c.name} env ${e.name}`).toBeUndefined();
          // A variable about a secret may only hold a path to its file.
          if (/PASS|SECRET|TOKEN|KEY/i.test(e.name)) expect(e.value, e.name).toMatch(/^\/(var\/run\/secrets|tmp)\//);
        }
      }
    }
  });

  it('every secret is a read-only file from a Secret volume, and every referenced Secret is one of ours', () => {
    const used = new Set<string>();
    for (const w of workloads(objects)) {
      const spec = podSpec(w);
      const secretVolumes = (spec.volumes ?? []).filter((v: any) => v.secret);
      for (const vol of secretVolumes) {
        used.add(vol.secret.secretName);
        expect(vol.secret.defaultMode, vol.name).toBe(0o440);
        const mounts = containers(w).flatMap((c) => c.volumeMounts ?? []).filter((m: any) => m.name === vol.name);
        expect(mounts.length, `${w.metadata.name} mounts ${vol.name}`).toBeGreaterThan(0);
        for (const m of mounts) expect(m.readOnly, `${w.metadata.name} ${m.mountPath}`).toBe(true);
      }
    }
    const names = new Set(Object.values(SECRETS).map((s) => s.secretName));
    expect([...used].every((n) => names.has(n))).toBe(true);
  });

  it('mounts the LLM key and the three store passwords into aiops-api, where its config says they are', () => {
    const api = find(objects, 'Deployment', 'aiops-api');
    const spec = podSpec(api);
    const bySecret = Object.fromEntries(spec.volumes.filter((v: any) => v.secret).map((v: any) => [v.secret.secretName, v]));
    const mountOf = (secretName: string) => {
      const vol = bySecret[secretName];
      const m = spec.containers[0].volumeMounts.find((x: any) => x.name === vol.name);
      return `${m.mountPath}/${vol.secret.items[0].path}`;
    };
    expect(Object.keys(bySecret).sort()).toEqual(['aiops-llm', 'aiops-postgres-app', 'aiops-qdrant', 'aiops-redis']);
    const config = JSON.parse(find(objects, 'ConfigMap', 'aiops-api-config').data['config.json']);
    expect(config.llm.apiKeyFile).toBe(mountOf('aiops-llm'));
    expect(config.stores.postgres.passwordFile).toBe(mountOf('aiops-postgres-app'));
    expect(config.stores.redis.passwordFile).toBe(mountOf('aiops-redis'));
    expect(config.stores.qdrant.passwordFile).toBe(mountOf('aiops-qdrant'));
    expect(bySecret['aiops-llm'].secret.items).toEqual([{ key: 'api-key', path: 'api-key' }]);
  });
});

describe('aiops-api identity', () => {
  it('has its own ServiceAccount bound to exactly the read-only ClusterRole, with no secrets', () => {
    const role = find(inCluster, 'ClusterRole', 'aiops-api-read-only');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'services', 'events', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(JSON.stringify(role.rules)).not.toMatch(/secret|\*/);
    expect(role.rules).toEqual(AIOPS_API_READ_RULES.map(({ reason: _reason, ...rule }) => rule));
    // Each rule's reason, index-aligned, next to it (docs/reasons-in-output.md).
    expect(JSON.parse(role.metadata.annotations!['reasons.secure-agents.io/rules'])).toEqual(AIOPS_API_READ_RULES.map((r) => r.reason));
    const binding = find(inCluster, 'ClusterRoleBinding', 'aiops-api-read-only');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'aiops-api', namespace: 'aiops' }]);
    expect(podSpec(find(inCluster, 'Deployment', 'aiops-api')).serviceAccountName).toBe('aiops-api');
    expect(inCluster.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').map((o) => o.metadata.name)).toEqual(['aiops-api-read-only']);
  });

  it('renders the access roles into the API config', () => {
    const config = JSON.parse(find(inCluster, 'ConfigMap', 'aiops-api-config').data['config.json']);
    expect(config.accessRoles).toEqual([
      { role: 'viewer', groups: ['support'], namespaces: ['payments', 'checkout'] },
      { role: 'analyst', groups: ['sre'], namespaces: ['*'] },
      { role: 'admin', groups: ['platform-admins'], namespaces: ['*'] },
    ]);
  });
});

describe('stores in the cluster', () => {
  it.each(['aiops-postgres', 'aiops-redis', 'aiops-qdrant'])('%s runs non-root, with its own ServiceAccount and no token, and a data claim', (name) => {
    const sts = find(inCluster, 'StatefulSet', name);
    const spec = podSpec(sts);
    expect(spec.serviceAccountName).toBe(name);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(find(inCluster, 'ServiceAccount', name).automountServiceAccountToken).toBe(false);
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.securityContext.runAsUser).toBeGreaterThan(10000);
    expect(spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(spec.containers[0].volumeMounts.map((m: any) => m.name)).toContain('data');
  });

  it('admits only aiops-api (and, for PostgreSQL, the audit jobs) on the store port', () => {
    const COMPONENT: Record<string, string> = { 'aiops-api': 'aiops-api', 'aiops-audit-migration': 'audit-migration', 'aiops-audit-retention': 'audit-retention' };
    const from = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/component': COMPONENT[name], 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name } } });
    expect(find(inCluster, 'NetworkPolicy', 'aiops-redis').spec.ingress).toEqual([{ from: [from('aiops-api')], ports: [{ port: 6379, protocol: 'TCP' }] }]);
    expect(find(inCluster, 'NetworkPolicy', 'aiops-qdrant').spec.ingress).toEqual([{ from: [from('aiops-api')], ports: [{ port: 6333, protocol: 'TCP' }] }]);
    expect(find(inCluster, 'NetworkPolicy', 'aiops-postgres').spec.ingress).toEqual([
      { from: [from('aiops-api')], ports: [{ port: 5432, protocol: 'TCP' }] },
      { from: [from('aiops-audit-migration')], ports: [{ port: 5432, protocol: 'TCP' }] },
      { from: [from('aiops-audit-retention')], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
    for (const name of ['aiops-postgres', 'aiops-redis', 'aiops-qdrant']) {
      expect(find(inCluster, 'NetworkPolicy', name).spec.egress).toEqual([]);
    }
  });

  it('starts Redis with AUTH required and Qdrant with an API key, both read from the mounted file', () => {
    const redis = podSpec(find(inCluster, 'StatefulSet', 'aiops-redis')).containers[0];
    expect(redis.command.join(' ')).toMatch(/requirepass "%s".*"\$\(cat \/var\/run\/secrets\/aiops\/redis\/password\)"/);
    expect(redis.command.join(' ')).toContain('exec redis-server /tmp/redis.conf');
    const qdrant = podSpec(find(inCluster, 'StatefulSet', 'aiops-qdrant')).containers[0];
    // The file is named after the Secret's key (api-key), mounted at the store's directory.
    expect(qdrant.command.join(' ')).toMatch(/api_key: "%s".*\$\(cat \/var\/run\/secrets\/aiops\/qdrant\/api-key\)/);
    expect(qdrant.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/var/run/secrets/aiops/qdrant', readOnly: true }));
    const postgres = podSpec(find(inCluster, 'StatefulSet', 'aiops-postgres')).containers[0];
    expect(postgres.env).toContainEqual({ name: 'POSTGRES_PASSWORD_FILE', value: '/var/run/secrets/aiops/postgres/password' });
  });
});

describe('AiopsChart bad input', () => {
  const build = (props: Partial<AiopsChartProps>) => () => new AiopsChart(new App(), 'c', { ...BASE, ...props });
  const fails = (props: Partial<AiopsChartProps>, code: string, prop: RegExp) => {
    const error = expectValidationError(build(props), { code });
    expect(error.prop).toMatch(prop);
    return error;
  };

  it('fails on a secret given as a literal string, without echoing it', () => {
    const e = fails({ secrets: { ...SECRETS, llmApiKey: 'sk-live-123' as never } }, 'secret-as-literal', /llmApiKey/);
    expect(e.message).not.toContain('sk-live-123');
    fails({ secrets: { ...SECRETS, redis: 'hunter2' as never } }, 'secret-as-literal', /password/);
  });

  it('fails on a port out of range', () => {
    fails({ apiServer: { cidrs: ['172.20.0.1/32'], port: 70000 } }, 'invalid-port', /apiServer\.port/);
    fails({ postgres: { external: { host: 'db.example.internal', port: 0, cidrs: ['10.0.0.1/32'] } } }, 'invalid-port', /^postgres\.port$/);
  });

  it('fails on a retention of 0 days', () => {
    fails({ audit: { retentionDays: 0 } }, 'invalid-number', /retentionDays/);
  });

  it('fails on an unknown access role', () => {
    fails({ api: { ...BASE.api, accessRoles: [{ role: 'superuser' as AccessRole, groups: ['x'], namespaces: ['a'] }] } }, 'unknown-access-role', /^api\.accessRoles\[0\]\.role$/);
  });

  it('fails on a namespace name with capitals', () => {
    fails({ namespace: 'AIOps' }, 'invalid-name', /namespace/);
    fails({ api: { ...BASE.api, accessRoles: [{ role: AccessRole.VIEWER, groups: ['x'], namespaces: ['Payments'] }] } }, 'invalid-name', /^api\.accessRoles\[0\]\.namespaces\[0\]$/);
  });

  it('property: random valid props synthesise; random bad props raise ValidationError and nothing else', () => {
    const ns = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
    fc.assert(fc.property(
      ns, fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 3650 }),
      fc.array(fc.record({ role: fc.constantFrom(...Object.values(AccessRole)), groups: fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 3 }), namespaces: fc.array(ns, { minLength: 1, maxLength: 3 }) }), { maxLength: 3 }),
      (namespace, apiServerPort, retentionDays, accessRoles) => {
        const objects = synth((app) => { new AiopsChart(app, 'c', { ...BASE, namespace, apiServer: { cidrs: ['172.20.0.1/32'], port: apiServerPort }, audit: { retentionDays }, api: { ...BASE.api, accessRoles } }); });
        expect(find(objects, 'NetworkPolicy', 'aiops-api').spec.egress[1].ports).toEqual([{ port: apiServerPort, protocol: 'TCP' }]);
        expect(find(objects, 'ConfigMap', 'aiops-audit-sql').data['migration.sql']).toContain(`make_interval(days => ${retentionDays})`);
      },
    ), { numRuns: 15 });

    const bad = fc.oneof(
      fc.record({ namespace: fc.stringMatching(/^[a-z]*[A-Z_][a-zA-Z_]*$/) }),
      fc.record({ apiServer: fc.record({ cidrs: fc.constant(['172.20.0.1/32']), port: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.double({ noInteger: true })) }) }),
      fc.record({ audit: fc.record({ retentionDays: fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true })) }) }),
      fc.record({ api: fc.record({ image: fc.constant('ghcr.io/example/aiops-api:2.3.1'), accessRoles: fc.tuple(fc.record({ role: fc.string().filter((r) => !Object.values(AccessRole).includes(r as AccessRole)) as fc.Arbitrary<AccessRole>, groups: fc.constant(['g']), namespaces: fc.constant(['a']) })) }) }),
      fc.record({ secrets: fc.string().map((lit) => ({ ...SECRETS, qdrant: lit as never })) }),
    );
    fc.assert(fc.property(bad, (props) => {
      expectValidationError(build(props as Partial<AiopsChartProps>));
    }), { numRuns: 100 });
  });
});

describe('aiops-api with the LLM key from Vault', () => {
  const vaultProps: AiopsChartProps = {
    ...BASE,
    secrets: {
      ...BASE.secrets,
      llmApiKey: SecretSource.vault({
        name: 'llm-api-key',
        path: 'secret/data/aiops/llm',
        role: 'aiops-api',
        tls: { caCert: '/vault/tls/ca.crt', tlsSecret: 'vault-ca' },
      }),
    },
    vaultServer: { cidrs: ['10.0.5.10/32'] },
  };

  it('renders the key as a file through Vault Agent annotations, mounts no Secret for it, and lets the agent reach Vault', () => {
    const objects = synth((app) => { new AiopsChart(app, 'c', vaultProps); });
    const api = find(objects, 'Deployment', 'aiops-api');
    const annotations = api.spec.template.metadata.annotations;
    expect(Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith('vault.hashicorp.com/')))).toMatchObject({
      'vault.hashicorp.com/agent-inject': 'true',
      'vault.hashicorp.com/role': 'aiops-api',
      'vault.hashicorp.com/agent-inject-secret-llm-api-key': 'secret/data/aiops/llm',
      'vault.hashicorp.com/ca-cert': '/vault/tls/ca.crt',
      'vault.hashicorp.com/tls-secret': 'vault-ca',
    });
    expect(Object.keys(annotations)).not.toContain('vault.hashicorp.com/tls-skip-verify');
    expect(Object.keys(annotations)).not.toContain('vault.hashicorp.com/agent-inject-token');
    const config = JSON.parse(find(objects, 'ConfigMap', 'aiops-api-config').data['config.json']);
    expect(config.llm.apiKeyFile).toBe('/vault/secrets/llm-api-key');
    const secretNames = podSpec(api).volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName).sort();
    expect(secretNames).toEqual(['aiops-postgres-app', 'aiops-qdrant', 'aiops-redis']);
    expect(podSpec(api).containers.every((c: any) => (c.env ?? []).every((e: any) => !e.valueFrom))).toBe(true);
    expect(find(objects, 'NetworkPolicy', 'aiops-api').spec.egress).toContainEqual({ ports: [{ port: 8200, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.0.5.10/32' } }] });
  });

  it('fails without the Vault server, since default-deny egress would cut the agent off', () => {
    expectValidationError(() => synth((app) => { new AiopsChart(app, 'c', { ...vaultProps, vaultServer: undefined }); }));
  });
});
