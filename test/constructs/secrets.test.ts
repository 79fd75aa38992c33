import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentWorkload, AgentWorkloadProps, SecretSource, SecretStoreKind, VaultSecretProps } from '../../src';
import { expectValidationError } from '../helpers/errors';
import { find, podMetadata, podSpec, synth } from '../helpers/synth';

const IMAGE = 'ghcr.io/example/crawler:1.0.0';
const V = 'vault.hashicorp.com/';
const VAULT_BASE: VaultSecretProps = { name: 'vendor-token', path: 'secret/data/sensor/vendor', role: 'sensor-crawler' };

function chart(app: App, props: Partial<AgentWorkloadProps> = {}): AgentWorkload {
  const c = new Chart(app, 'test', { namespace: 'sensor' });
  return new AgentWorkload(c, 'crawler', { component: 'crawler', partOf: 'sensor', image: IMAGE, ...props });
}

describe('SecretSource.vault', () => {
  const objects = synth((app) => {
    const w = chart(app);
    SecretSource.vault({
      ...VAULT_BASE,
      authPath: 'auth/kubernetes-prod',
      vaultNamespace: 'team-a',
      tls: { caCert: '/vault/tls/ca.crt', tlsSecret: 'vault-tls' },
      agentResources: { cpuLimit: '100m', memoryLimit: '64Mi', cpuRequest: '50m', memoryRequest: '32Mi' },
    }).mountInto(w);
    SecretSource.vault({ name: 'db.json', path: 'secret/data/sensor/db', role: 'sensor-crawler', authPath: 'auth/kubernetes-prod', vaultNamespace: 'team-a', tls: { caCert: '/vault/tls/ca.crt', tlsSecret: 'vault-tls' }, template: '{{ with secret "secret/data/sensor/db" }}{{ .Data.data | toJSON }}{{ end }}', agentResources: { cpuLimit: '100m', memoryLimit: '64Mi', cpuRequest: '50m', memoryRequest: '32Mi' } }).mountInto(w);
  });
  const deployment = find(objects, 'Deployment', 'crawler');

  it('puts exactly the documented injector annotations on the pod template', () => {
    expect(podMetadata(deployment).annotations).toEqual({
      [`${V}agent-inject`]: 'true',
      [`${V}role`]: 'sensor-crawler',
      [`${V}agent-inject-secret-vendor-token`]: 'secret/data/sensor/vendor',
      [`${V}agent-inject-perms-vendor-token`]: '0400',
      [`${V}agent-inject-secret-db.json`]: 'secret/data/sensor/db',
      [`${V}agent-inject-perms-db.json`]: '0400',
      [`${V}agent-inject-template-db.json`]: '{{ with secret "secret/data/sensor/db" }}{{ .Data.data | toJSON }}{{ end }}',
      [`${V}agent-pre-populate-only`]: 'false',
      [`${V}agent-run-as-same-user`]: 'true',
      [`${V}agent-service-account-token-volume-name`]: 'vault-token',
      [`${V}auth-path`]: 'auth/kubernetes-prod',
      [`${V}namespace`]: 'team-a',
      [`${V}ca-cert`]: '/vault/tls/ca.crt',
      [`${V}tls-secret`]: 'vault-tls',
      [`${V}agent-limits-cpu`]: '100m',
      [`${V}agent-limits-mem`]: '64Mi',
      [`${V}agent-requests-cpu`]: '50m',
      [`${V}agent-requests-mem`]: '32Mi',
    });
  });

  it('never skips TLS and never injects the token, and adds no env var or volume of its own', () => {
    const ann = podMetadata(deployment).annotations;
    expect(ann).not.toHaveProperty(`${V}tls-skip-verify`);
    expect(ann).not.toHaveProperty(`${V}agent-inject-token`);
    expect(podSpec(deployment).containers[0].env ?? []).toEqual([]);
  });

  it('gives the agent an audience-bound token from a projected volume that no container of ours mounts', () => {
    const spec = podSpec(deployment);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.volumes.filter((v: any) => v.projected)).toEqual([
      { name: 'vault-token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } }] } },
    ]);
    const mounts = [...spec.containers, ...(spec.initContainers ?? [])].flatMap((c: any) => c.volumeMounts ?? []);
    expect(mounts.map((m: any) => m.name)).not.toContain('vault-token');
  });

  it('binds the token to another audience when asked, and refuses two audiences on one workload', () => {
    const objects2 = synth((app) => SecretSource.vault({ ...VAULT_BASE, tokenAudience: 'https://vault.corp.example' }).mountInto(chart(app)));
    expect(podSpec(find(objects2, 'Deployment', 'crawler')).volumes.find((v: any) => v.name === 'vault-token').projected.sources[0].serviceAccountToken.audience).toBe('https://vault.corp.example');
    const w = chart(new App());
    SecretSource.vault(VAULT_BASE).mountInto(w);
    const e = expectValidationError(() => SecretSource.vault({ ...VAULT_BASE, name: 'other', tokenAudience: 'other' }).mountInto(w));
    expect(e.code).toBe('conflicting-vault-annotation');
    expect(e.prop).toBe('tokenAudience');
    expect(expectValidationError(() => SecretSource.vault({ ...VAULT_BASE, tokenAudience: 'has space' })).code).toBe('invalid-audience');
  });

  it('returns the rendered file path', () => {
    const w = chart(new App());
    expect(SecretSource.vault(VAULT_BASE).mountInto(w)).toEqual({ path: '/vault/secrets/vendor-token', files: { 'vendor-token': '/vault/secrets/vendor-token' } });
  });

  it('refuses tls-skip-verify and agent-inject-token through extraAnnotations', () => {
    for (const key of [`${V}tls-skip-verify`, `${V}agent-inject-token`]) {
      const e = expectValidationError(() => SecretSource.vault({ ...VAULT_BASE, extraAnnotations: { [key]: 'true' } }));
      expect(e.code).toBe('forbidden-vault-annotation');
    }
    expect(SecretSource.vault({ ...VAULT_BASE, extraAnnotations: { [`${V}agent-cache-enable`]: 'true' } }).annotations[`${V}agent-cache-enable`]).toBe('true');
  });

  it('refuses two Vault secrets on one workload with different roles', () => {
    const w = chart(new App());
    SecretSource.vault(VAULT_BASE).mountInto(w);
    const e = expectValidationError(() => SecretSource.vault({ ...VAULT_BASE, name: 'other', role: 'other-role' }).mountInto(w));
    expect(e.code).toBe('conflicting-vault-annotation');
    expect(e.message).toContain('test/crawler');
  });
});

describe('SecretSource.vault env mode', () => {
  const source = SecretSource.vault({ ...VAULT_BASE, envVars: { API_TOKEN: 'token' } });
  const program = ['/app/crawler', '--name', 'a b; rm -rf /', '$(whoami)'];
  const objects = synth((app) => {
    const w = chart(app, { command: source.envCommand(program) });
    source.mountInto(w);
  });
  const deployment = find(objects, 'Deployment', 'crawler');
  const container = podSpec(deployment).containers[0];

  it('wraps the command: sources the rendered file, then execs the program with each argument as its own argv entry', () => {
    expect(container.command).toEqual(['/bin/sh', '-c', '. /vault/secrets/vendor-token && exec "$0" "$@"', ...program]);
  });

  it('renders export lines with the value single-quoted', () => {
    expect(podMetadata(deployment).annotations[`${V}agent-inject-template-vendor-token`]).toBe(
      `{{- with secret "secret/data/sensor/vendor" -}}\nexport API_TOKEN='{{ index .Data.data "token" | replaceAll "'" "'\\\\''" }}'\n{{- end }}\n`,
    );
  });

  it('keeps the secret out of env vars', () => {
    expect(container.env ?? []).toEqual([]);
  });

  it('refuses envCommand on a file-mode source and an empty program', () => {
    expect(expectValidationError(() => SecretSource.vault(VAULT_BASE).envCommand(['/app'])).code).toBe('not-env-mode');
    expectValidationError(() => source.envCommand([]));
  });
});

describe('SecretSource.kubernetesSecret', () => {
  const objects = synth((app) => {
    const w = chart(app);
    const mount = SecretSource.kubernetesSecret({ name: 'vendor-token', keys: ['token'] }).mountInto(w);
    expect(mount).toEqual({ path: '/etc/secrets/vendor-token', files: { token: '/etc/secrets/vendor-token/token' } });
  });
  const spec = podSpec(find(objects, 'Deployment', 'crawler'));

  it('adds a Secret volume with mode 0440 and only the listed keys', () => {
    expect(spec.volumes).toContainEqual({
      name: 'secret-vendor-token',
      secret: { secretName: 'vendor-token', defaultMode: 0o440, optional: false, items: [{ key: 'token', path: 'token' }] },
    });
  });

  it('mounts it read-only into the main container', () => {
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'secret-vendor-token', mountPath: '/etc/secrets/vendor-token', readOnly: true });
  });
});

describe('SecretSource.externalSecret', () => {
  const objects = synth((app) => {
    const w = chart(app);
    SecretSource.externalSecret({
      name: 'db-credentials',
      storeName: 'vault-backend',
      storeKind: SecretStoreKind.CLUSTER_SECRET_STORE,
      data: [{ secretKey: 'password', remoteKey: 'sensor/db', property: 'password' }, { secretKey: 'username', remoteKey: 'sensor/db-user' }],
    }).mountInto(w, { mountPath: '/etc/db' });
  });

  it('emits an ExternalSecret with the documented v1 shape', () => {
    const es = find(objects, 'ExternalSecret', 'db-credentials');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata.namespace).toBe('sensor');
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
      target: { name: 'db-credentials', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'sensor/db', property: 'password' } },
        { secretKey: 'username', remoteRef: { key: 'sensor/db-user' } },
      ],
    });
  });

  it('mounts the produced Secret read-only', () => {
    const spec = podSpec(find(objects, 'Deployment', 'crawler'));
    expect(spec.volumes).toContainEqual({
      name: 'secret-db-credentials',
      secret: { secretName: 'db-credentials', defaultMode: 0o440, optional: false, items: [{ key: 'password', path: 'password' }, { key: 'username', path: 'username' }] },
    });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'secret-db-credentials', mountPath: '/etc/db', readOnly: true });
  });
});

describe('one secret used twice on a workload', () => {
  it('mounts a Secret or an ExternalSecret once when asked the same way twice', () => {
    const objects = synth((app) => {
      const w = chart(app);
      const first = SecretSource.kubernetesSecret({ name: 'db', keys: ['password'] }).mountInto(w);
      expect(SecretSource.kubernetesSecret({ name: 'db', keys: ['password'] }).mountInto(w)).toEqual(first);
      const es = { name: 'kafka', storeName: 'store', data: [{ secretKey: 'password', remoteKey: 'sensor/kafka' }] };
      SecretSource.externalSecret(es).mountInto(w);
      SecretSource.externalSecret(es).mountInto(w);
    });
    const spec = podSpec(find(objects, 'Deployment', 'crawler'));
    expect(spec.volumes.map((v: { name: string }) => v.name).filter((n: string) => n.startsWith('secret-'))).toEqual(['secret-db', 'secret-kafka']);
    expect(objects.filter((o) => o.kind === 'ExternalSecret')).toHaveLength(1);
  });

  it('refuses the same Secret with other keys, and the same ExternalSecret with another spec', () => {
    const w1 = chart(new App());
    SecretSource.kubernetesSecret({ name: 'db', keys: ['password'] }).mountInto(w1);
    const e1 = expectValidationError(() => SecretSource.kubernetesSecret({ name: 'db', keys: ['username'] }).mountInto(w1));
    expect(e1.code).toBe('secret-mounted-twice');
    const w2 = chart(new App());
    SecretSource.externalSecret({ name: 'kafka', storeName: 'store', data: [{ secretKey: 'password', remoteKey: 'a' }] }).mountInto(w2);
    const e2 = expectValidationError(() => SecretSource.externalSecret({ name: 'kafka', storeName: 'store', data: [{ secretKey: 'password', remoteKey: 'b' }] }).mountInto(w2));
    expect(e2.code).toBe('secret-mounted-twice');
  });
});

describe('no secret value in the output', () => {
  it('carries only references: no Secret object, no env var, no data field with a value', () => {
    const objects = synth((app) => {
      const w = chart(app);
      SecretSource.vault({ ...VAULT_BASE, envVars: { API_TOKEN: 'token' } }).mountInto(w);
      SecretSource.kubernetesSecret({ name: 'vendor-token' }).mountInto(w);
      SecretSource.externalSecret({ name: 'db', storeName: 'store', data: [{ secretKey: 'password', remoteKey: 'sensor/db' }] }).mountInto(w);
    });
    expect(objects.map((o) => o.kind).filter((k) => k === 'Secret' || k === 'ConfigMap')).toEqual([]);
    for (const c of podSpec(find(objects, 'Deployment', 'crawler')).containers) {
      expect(c.env ?? []).toEqual([]);
      expect(c.envFrom ?? []).toEqual([]);
    }
    const yaml = JSON.stringify(objects);
    expect(yaml).not.toMatch(/stringData|valueFrom|secretKeyRef/);
  });
});

describe('bad input', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['a Vault secret name with a slash', () => SecretSource.vault({ ...VAULT_BASE, name: 'a/b' }), 'invalid-vault-name'],
    ['an empty Vault path', () => SecretSource.vault({ ...VAULT_BASE, path: '' }), 'invalid-vault-path'],
    ['a Vault path with ..', () => SecretSource.vault({ ...VAULT_BASE, path: 'secret/../sys' }), 'invalid-vault-path'],
    ['a Vault role with bad characters', () => SecretSource.vault({ ...VAULT_BASE, role: 'role; rm' }), 'invalid-vault-role'],
    ['a relative ca-cert', () => SecretSource.vault({ ...VAULT_BASE, tls: { caCert: 'ca.crt' } }), 'invalid-path'],
    ['a bad agent memory', () => SecretSource.vault({ ...VAULT_BASE, agentResources: { memoryLimit: 'lots' } }), 'invalid-quantity'],
    ['an env var name with a space', () => SecretSource.vault({ ...VAULT_BASE, envVars: { 'A B': 'token' } }), 'invalid-env-name'],
    ['a Secret name that is not DNS-1123', () => SecretSource.kubernetesSecret({ name: 'Vendor_Token' }), 'invalid-name'],
    ['a mode other than 0400/0440', () => SecretSource.kubernetesSecret({ name: 'x', defaultMode: 0o644 as 0o400 }), 'invalid-mode'],
    ['empty keys', () => SecretSource.kubernetesSecret({ name: 'x', keys: [] }), 'empty'],
    ['an ExternalSecret without data', () => SecretSource.externalSecret({ name: 'x', storeName: 's', data: [] }), 'empty'],
    ['a bad store kind', () => SecretSource.externalSecret({ name: 'x', storeName: 's', storeKind: 'Store' as SecretStoreKind, data: [{ secretKey: 'a', remoteKey: 'b' }] }), 'invalid-store-kind'],
    ['a bad refresh interval', () => SecretSource.externalSecret({ name: 'x', storeName: 's', refreshInterval: 'hourly', data: [{ secretKey: 'a', remoteKey: 'b' }] }), 'invalid-duration'],
    ['missing props', () => SecretSource.vault(undefined as unknown as VaultSecretProps), 'missing-props'],
    ['a bad perms value', () => SecretSource.vault({ ...VAULT_BASE, perms: '0777' as '0400' }), 'invalid-mode'],
    ['a relative mount path', () => SecretSource.kubernetesSecret({ name: 'x' }).mountInto(chart(new App()), { mountPath: 'etc' }), 'invalid-path'],
  ];
  it.each(cases)('fails on %s with a ValidationError', (_label, fn, code) => {
    const e = expectValidationError(fn);
    expect(e.code).toBe(code);
  });

  it('random bad Vault secret names raise only ValidationError', () => {
    const bad = fc.oneof(
      fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}/${b}`),
      fc.string().filter((s) => !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,39}[A-Za-z0-9])?$/.test(s)),
    );
    fc.assert(fc.property(bad, (name) => {
      expectValidationError(() => SecretSource.vault({ ...VAULT_BASE, name }));
    }), { numRuns: 200 });
  });
});
