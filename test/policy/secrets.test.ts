import { describe, expect, it } from 'vitest';
import { check, Manifest } from '../../src/policy';
import { secretFormat } from '../../src/policy/secrets';

const findings = (objects: Manifest[], prefix = 'secret-') => check(objects, { rules: [prefix] }).findings.filter((f) => !f.rule.startsWith('exemption-'));
const pod = (container: Record<string, unknown>, annotations?: Record<string, unknown>): Manifest => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'r/c:1', ...container }] },
});
const env = (name: string, value: unknown) => findings([pod({ env: [{ name, value }] })], 'secret-literal').map((f) => f.rule);

// Test values are assembled at run time so that no scanner mistakes this file for a leak.
const PEM = ['-----BEGIN', 'RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA', 'PRIVATE KEY-----'].join(' ');
const AWS_ID = 'AKIA' + 'QZ7XW2VNKT5LRMJ3'; // access key ids are base32 (A-Z, 2-7)
const GITHUB = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const SLACK = 'xoxb-' + '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const GOOGLE = 'AIza' + 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q';
const JWT = ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiJhZ2VudCJ9', 'c2lnbmF0dXJlLWJ5dGVz'].join('.');

describe('secret values judged by format', () => {
  it('recognises well-known key and token formats', () => {
    for (const [value, kind] of [[PEM, 'private key'], [AWS_ID, 'AWS access key id'], [GITHUB, 'GitHub token'], [SLACK, 'Slack token'], [GOOGLE, 'Google API key'], [JWT, 'JWT']]) {
      expect(secretFormat(value), kind).toBeDefined();
    }
    for (const value of ['https://ingest.vendor.example', '/vault/secrets/token', 'datadogtoken', 'AKIA-not-a-key', 'eyJ.not.jwt', '-----BEGIN CERTIFICATE-----']) {
      expect(secretFormat(value), value).toBeUndefined();
    }
    expect(secretFormat('postgres://app:s3cr3tpass@db:5432/app')).toBeDefined();
    expect(secretFormat('postgres://app:$(DB_PASSWORD)@db:5432/app')).toBeUndefined();
  });

  it('flags a key or token whatever the variable is called', () => {
    expect(env('the_good_stuff', PEM)).toEqual(['secret-literal-env']);
    expect(env('CONFIG', AWS_ID)).toEqual(['secret-literal-env']);
    expect(env('X', GITHUB)).toEqual(['secret-literal-env']);
    const f = findings([pod({ env: [{ name: 'the_good_stuff', value: SLACK }] })], 'secret-literal');
    expect(f[0].message).toContain('Slack');
    expect(f[0].message).not.toContain(SLACK);
  });

  it('flags tokens in container args and command', () => {
    const f = findings([pod({ args: ['--listen=:8080', `--token=${GITHUB}`] })], 'secret-literal');
    expect(f.map((x) => x.path)).toEqual(['spec.containers[0].args[1]']);
  });
});

describe('names that point at a secret are not secrets', () => {
  it('*_NAME holds the name of a Secret; *_FILE and *_PATH hold a path', () => {
    expect(env('DD_CLUSTER_AGENT_TOKEN_NAME', 'datadogtoken')).toEqual([]);
    expect(env('DB_PASSWORD_SECRET_NAME', 'db-credentials')).toEqual([]);
    expect(env('API_KEY_FILE', '/etc/secrets/api-key')).toEqual([]);
    expect(env('TOKEN_PATH', './secrets/token')).toEqual([]);
    expect(env('DB_PASSWORD_FILE', 'hunter2')).toEqual(['secret-literal-env']);
    expect(env('GITHUB_TOKEN_NAME', GITHUB)).toEqual(['secret-literal-env']);
  });

  it('settings about a token (audience, header, TTL, URL, mode...) are not the token', () => {
    for (const [n, v] of [['VAULT_TOKEN_AUDIENCE', 'vault'], ['AUTH_TOKEN_HEADER', 'X-Auth-Token'], ['TOKEN_URL', 'https://auth.example/token'], ['SECRET_STORE_BACKEND', 'vault'], ['API_KEY_REGION', 'eu-west-1'], ['TOKEN_TTL', '1h'], ['KEY_SIZE', '4096']]) {
      expect(env(n, v), n).toEqual([]);
    }
    expect(env('TOKEN_URL', 'https://bot:s3cretpassw0rd@auth.example/token')).toEqual(['secret-literal-env']);
  });

  it('flags, references and numbers are not secrets; a plain password still is', () => {
    expect(env('ENABLE_TOKEN_AUTH', 'true')).toEqual([]);
    expect(env('TOKEN_TTL_SECONDS', '3600')).toEqual([]);
    expect(env('DB_PASSWORD', '$(POSTGRES_PASSWORD)')).toEqual([]);
    expect(env('DB_PASSWORD', 'hunter2hunter2')).toEqual(['secret-literal-env']);
    expect(env('API_KEY', 'abc123')).toEqual(['secret-literal-env']);
  });
});

describe('Secret and ConfigMap objects', () => {
  const secret = (extra: Record<string, unknown>): Manifest => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, ...extra });
  it('a Secret with literal data or stringData is reported, by key, without its value', () => {
    const f = findings([secret({ data: { password: Buffer.from('hunter2').toString('base64') } })]);
    expect(f.map((x) => `${x.rule} ${x.path}`)).toEqual(['secret-manifest-data data.password']);
    expect(f[0].message).not.toContain('aHVudGVyMg');
    expect(findings([secret({ stringData: { 'api-key': 'abc' } })]).map((x) => x.path)).toEqual(['stringData["api-key"]']);
  });
  it('no finding for an empty Secret, empty values, a public certificate only, or a SOPS-encrypted Secret', () => {
    expect(findings([secret({ type: 'kubernetes.io/service-account-token' })])).toEqual([]);
    expect(findings([secret({ data: { password: '' } })])).toEqual([]);
    const cert = ['-----BEGIN', 'CERTIFICATE-----\nMIIB\n-----END', 'CERTIFICATE-----'].join(' ');
    expect(findings([secret({ data: { 'ca.crt': Buffer.from(cert).toString('base64') } })])).toEqual([]);
    expect(findings([secret({ stringData: { password: 'ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]' }, sops: { version: '3.8.1' } })])).toEqual([]);
  });
  it('a private key in a ConfigMap is reported', () => {
    const cm: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' }, data: { 'tls.key': PEM, 'app.yaml': 'url: https://x.example' } };
    expect(findings([cm]).map((x) => `${x.rule} ${x.path}`)).toEqual(['secret-in-configmap data["tls.key"]']);
  });
});

describe('Vault annotations read as Vault reads them', () => {
  const ann = (v: unknown) => findings([pod({}, { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/tls-skip-verify': v })], 'secret-vault').map((f) => f.rule);
  it('every spelling of Go strconv.ParseBool true counts', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', true, 1]) expect(ann(v), String(v)).toEqual(['secret-vault-tls-skip']);
  });
  it('false spellings and values Vault rejects do not', () => {
    for (const v of ['0', 'f', 'false', 'FALSE', 'yes', 'on', 'TrUe', '']) expect(ann(v), String(v)).toEqual([]);
  });
  it('agent-inject-token likewise', () => {
    expect(findings([pod({}, { 'vault.hashicorp.com/agent-inject-token': 'T' })], 'secret-vault').map((f) => f.rule)).toEqual(['secret-vault-token-injected']);
  });
});
