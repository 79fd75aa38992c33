import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CRAWLER_CONFIG_PATH, DataSource, OutboundProxy, SecretSource, SensorCrawler, SensorCrawlerProps, ValidationError,
} from '../../../src';
import { expectValidationError } from '../../helpers/errors';
import { find, K8sObject, podSpec, synth, synthYaml } from '../../helpers/synth';

const IMAGE = 'ghcr.io/vendor/crawler:1.0.0';
const DIGGER = 'digger.sensor.svc:9443';
const chart = (app: App) => new Chart(app, 'test', { namespace: 'sensor' });
const secret = (name: string) => SecretSource.kubernetesSecret({ name, keys: ['username', 'password'] });

/** One source of each kind, every optional setting left to its default. */
const SOURCES = () => [
  DataSource.postgresql({ name: 'orders', host: 'orders.db.internal', databases: ['orders'], cidrs: ['10.20.1.0/24'], credentials: secret('pg') }),
  DataSource.mysql({ name: 'crm', host: '10.20.2.15', databases: ['crm', 'leads'], cidrs: ['10.20.2.0/24'], credentials: secret('mysql') }),
  DataSource.mssql({ name: 'billing', host: 'billing.db.internal', port: 14330, databases: ['billing'], cidrs: ['10.20.3.0/24', '10.20.13.0/24'], credentials: secret('mssql') }),
  DataSource.kafka({ name: 'events', bootstrapServers: ['kafka-0.internal:9093', 'kafka-1.internal:9093', 'kafka-2.internal:9094'], cidrs: ['10.20.4.0/24'], credentials: secret('kafka') }),
  DataSource.s3({ name: 'exports', bucket: 'corp-exports', region: 'eu-west-1', cidrs: ['10.20.5.0/28'], credentials: SecretSource.kubernetesSecret({ name: 'aws', keys: ['credentials'] }) }),
];
const BASE = (): SensorCrawlerProps => ({ image: IMAGE, diggerAddress: DIGGER, sources: SOURCES() });

/** Each egress rule as `cidr[,cidr]:port/proto[,...]` (DNS as `dns`). */
function egress(objects: K8sObject[]): string[] {
  return find(objects, 'NetworkPolicy', 'crawler').spec.egress.map((r: any) => {
    const peers = r.to.map((p: any) => p.ipBlock?.cidr ?? (p.podSelector.matchLabels['k8s-app'] ? 'dns' : p.podSelector.matchLabels['app.kubernetes.io/name']));
    return `${peers.join(',')}:${r.ports.map((p: any) => `${p.port}/${p.protocol}`).join(',')}`;
  });
}
const config = (objects: K8sObject[]) => parse(find(objects, 'ConfigMap', 'crawler-sources').data['sources.yaml']);
const envOf = (objects: K8sObject[]) => Object.fromEntries(podSpec(find(objects, 'Deployment', 'crawler')).containers[0].env.map((e: any) => [e.name, e.value]));

describe('SensorCrawler', () => {
  let crawler!: SensorCrawler;
  const objects = synth((app) => { crawler = new SensorCrawler(chart(app), 'crawler', BASE()); });

  it('allows exactly DNS and each source on its CIDRs and ports, one rule per source, TCP only', () => {
    expect(egress(objects)).toEqual([
      'dns:53/UDP,53/TCP',
      '10.20.1.0/24:5432/TCP',
      '10.20.2.0/24:3306/TCP',
      '10.20.3.0/24,10.20.13.0/24:14330/TCP',
      '10.20.4.0/24:9093/TCP,9094/TCP',
      '10.20.5.0/28:443/TCP',
    ]);
    expect(find(objects, 'NetworkPolicy', 'crawler').spec.ingress).toEqual([]);
    // The report names each rule's source.
    expect(crawler.networkPolicy!.egress.map((e) => e.description).slice(1)).toEqual([
      'postgresql source "orders": 10.20.1.0/24', 'mysql source "crm": 10.20.2.0/24', 'mssql source "billing": 10.20.3.0/24, 10.20.13.0/24',
      'kafka source "events": 10.20.4.0/24', 's3 source "exports": 10.20.5.0/28',
    ]);
  });

  it('renders every source into its config with secure TLS defaults and only the paths of its credentials', () => {
    const files = (dir: string, keys = ['username', 'password']) => ({ files: Object.fromEntries(keys.map((k) => [k, `/etc/secrets/${dir}/${k}`])) });
    expect(config(objects)).toEqual({
      scanInterval: '24h',
      digger: DIGGER,
      sources: [
        { name: 'orders', type: 'postgresql', host: 'orders.db.internal', port: 5432, databases: ['orders'], sslMode: 'verify-full', credentials: files('pg') },
        { name: 'crm', type: 'mysql', host: '10.20.2.15', port: 3306, databases: ['crm', 'leads'], sslMode: 'VERIFY_IDENTITY', credentials: files('mysql') },
        { name: 'billing', type: 'mssql', host: 'billing.db.internal', port: 14330, databases: ['billing'], encrypt: 'mandatory', trustServerCertificate: false, credentials: files('mssql') },
        {
          name: 'events', type: 'kafka', bootstrapServers: ['kafka-0.internal:9093', 'kafka-1.internal:9093', 'kafka-2.internal:9094'],
          securityProtocol: 'SASL_SSL', saslMechanism: 'SCRAM-SHA-512', credentials: files('kafka'),
        },
        { name: 'exports', type: 's3', bucket: 'corp-exports', region: 'eu-west-1', endpoint: 'https://s3.eu-west-1.amazonaws.com', credentials: files('aws', ['credentials']) },
      ],
    });
  });

  it('mounts the config read-only and tells the program where it and the digger are', () => {
    const c = podSpec(find(objects, 'Deployment', 'crawler')).containers[0];
    expect(envOf(objects)).toEqual({ CRAWLER_CONFIG: CRAWLER_CONFIG_PATH, DIGGER_ADDRESS: DIGGER });
    expect(c.volumeMounts).toContainEqual({ name: 'sources', mountPath: '/etc/crawler', readOnly: true });
    expect(podSpec(find(objects, 'Deployment', 'crawler')).volumes).toContainEqual({ name: 'sources', configMap: { name: 'crawler-sources', defaultMode: 0o444 } });
    for (const name of ['pg', 'mysql', 'mssql', 'kafka', 'aws']) expect(c.volumeMounts).toContainEqual({ name: `secret-${name}`, mountPath: `/etc/secrets/${name}`, readOnly: true });
  });

  it('runs one replica as UID 1000 with no Kubernetes API access', () => {
    const d = find(objects, 'Deployment', 'crawler');
    expect(d.spec.replicas).toBe(1);
    expect(podSpec(d).securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
    expect(podSpec(d).automountServiceAccountToken).toBe(false);
    expect(objects.filter((o) => ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(o.kind))).toEqual([]);
  });

  it('mounts credentials shared by two sources once', () => {
    const shared = secret('shared-db');
    const out = synth((app) => {
      new SensorCrawler(chart(app), 'crawler', {
        ...BASE(),
        sources: [
          DataSource.postgresql({ name: 'a', host: 'a.db.internal', databases: ['a'], cidrs: ['10.20.1.0/24'], credentials: shared }),
          DataSource.postgresql({ name: 'b', host: 'b.db.internal', databases: ['b'], cidrs: ['10.20.2.0/24'], credentials: secret('shared-db') }),
        ],
      });
    });
    expect(podSpec(find(out, 'Deployment', 'crawler')).volumes.filter((v: any) => v.secret)).toHaveLength(1);
    expect(config(out).sources.map((s: any) => s.credentials)).toEqual([
      { files: { username: '/etc/secrets/shared-db/username', password: '/etc/secrets/shared-db/password' } },
      { files: { username: '/etc/secrets/shared-db/username', password: '/etc/secrets/shared-db/password' } },
    ]);
  });

  it('opens the Vault server once for credentials from Vault, and points the config at the rendered files', () => {
    const vault = (name: string) => SecretSource.vault({ name, path: `database/creds/${name}`, role: 'sensor-crawler' });
    const out = synth((app) => {
      new SensorCrawler(chart(app), 'crawler', {
        ...BASE(),
        vaultServer: { cidrs: ['10.0.5.10/32'] },
        sources: [
          DataSource.postgresql({ name: 'a', host: 'a.db.internal', databases: ['a'], cidrs: ['10.20.1.0/24'], credentials: vault('a-db') }),
          DataSource.mysql({ name: 'b', host: 'b.db.internal', databases: ['b'], cidrs: ['10.20.2.0/24'], credentials: vault('b-db') }),
        ],
      });
    });
    expect(egress(out)).toEqual(['dns:53/UDP,53/TCP', '10.0.5.10/32:8200/TCP', '10.20.1.0/24:5432/TCP', '10.20.2.0/24:3306/TCP']);
    expect(config(out).sources.map((s: any) => s.credentials)).toEqual([{ files: { 'a-db': '/vault/secrets/a-db' } }, { files: { 'b-db': '/vault/secrets/b-db' } }]);
  });

  it('renders a Secret mounted whole as its directory', () => {
    const out = synth((app) => {
      new SensorCrawler(chart(app), 'crawler', {
        ...BASE(),
        sources: [DataSource.kafka({ name: 'k', bootstrapServers: ['10.20.4.5:9093'], cidrs: ['10.20.4.0/24'], securityProtocol: 'SSL', topics: ['a.b', 'c_d'], credentials: SecretSource.kubernetesSecret({ name: 'kafka-client-cert' }) })],
      });
    });
    expect(config(out).sources[0]).toEqual({
      name: 'k', type: 'kafka', bootstrapServers: ['10.20.4.5:9093'], securityProtocol: 'SSL', topics: ['a.b', 'c_d'],
      credentials: { directory: '/etc/secrets/kafka-client-cert' },
    });
  });

  describe('with an outbound proxy', () => {
    const make = (app: App, sources: DataSource[]) => {
      const c = chart(app);
      const proxy = new OutboundProxy(c, 'proxy', { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'], apiServer: { cidrs: ['10.100.0.1/32'] } });
      new SensorCrawler(c, 'crawler', { ...BASE(), proxy, sources });
    };

    it('reaches an S3 source without CIDRs through the proxy, and keeps the direct sources off it', () => {
      const out = synth((app) => make(app, [
        SOURCES()[0],
        DataSource.s3({ name: 'public', bucket: 'vendor-samples', region: 'us-east-1', credentials: SecretSource.kubernetesSecret({ name: 'aws', keys: ['credentials'] }) }),
        SOURCES()[3],
      ]));
      expect(egress(out)).toEqual(['dns:53/UDP,53/TCP', '10.20.1.0/24:5432/TCP', '10.20.4.0/24:9093/TCP,9094/TCP', '10.40.0.10/32:3128/TCP']);
      expect(envOf(out)).toMatchObject({
        HTTPS_PROXY: 'http://proxy.corp.example:3128',
        NO_PROXY: 'localhost,127.0.0.1,10.100.0.1,kubernetes.default,kubernetes.default.svc,.svc,.cluster.local,orders.db.internal,kafka-0.internal,kafka-1.internal,kafka-2.internal',
      });
    });

    it('sets no proxy variables when every source is reached directly', () => {
      const out = synth((app) => make(app, SOURCES()));
      expect(envOf(out)).not.toHaveProperty('HTTPS_PROXY');
      expect(egress(out)).not.toContain('10.40.0.10/32:3128/TCP');
    });
  });

  it('never writes a credential: the output holds only references and paths', () => {
    const yaml = synthYaml((app) => { new SensorCrawler(chart(app), 'crawler', BASE()); });
    expect(yaml).not.toMatch(/kind: Secret\b|stringData|secretKeyRef/);
    const cfg = find(objects, 'ConfigMap', 'crawler-sources').data['sources.yaml'];
    for (const m of cfg.matchAll(/(user(name)?|password|token|secret|key|credentials?)\w*:[ \t]*(\S+)/gi)) expect(m[3], m[0]).toMatch(/^\//);
  });
});

describe('SensorCrawler validation', () => {
  const pg = (extra: Record<string, unknown>) => DataSource.postgresql({ name: 'orders', host: 'orders.db.internal', databases: ['orders'], cidrs: ['10.20.1.0/24'], credentials: secret('pg'), ...extra } as any);
  const kafka = (extra: Record<string, unknown>) => DataSource.kafka({ name: 'events', bootstrapServers: ['kafka-0.internal:9093'], cidrs: ['10.20.4.0/24'], credentials: secret('kafka'), ...extra } as any);
  const s3 = (extra: Record<string, unknown>) => DataSource.s3({ name: 'exports', bucket: 'corp-exports', region: 'eu-west-1', cidrs: ['10.20.5.0/28'], credentials: secret('aws'), ...extra } as any);
  const cases: Array<[string, () => Partial<SensorCrawlerProps>, string, string]> = [
    ['a data source without credentials', () => ({ sources: [pg({ credentials: undefined })] }), 'sources[0].credentials', 'missing-secret'],
    ['no source', () => ({ sources: [] }), 'sources', 'missing-sources'],
    ['a source that is not a DataSource', () => ({ sources: [{ name: 'x' } as any] }), 'sources[0]', 'invalid-source'],
    ['a database without CIDRs', () => ({ sources: [pg({ cidrs: undefined })] }), 'sources[0].cidrs', 'missing-cidrs'],
    ['a CIDR like 10.0.0.1/40', () => ({ sources: [pg({ cidrs: ['10.0.0.1/40'] })] }), 'sources[0].cidrs[0]', 'invalid-cidr'],
    ['an address outside the CIDRs', () => ({ sources: [pg({ host: '10.30.0.5' })] }), 'sources[0].host', 'host-outside-cidrs'],
    ['a host with a scheme', () => ({ sources: [pg({ host: 'postgres://orders' })] }), 'sources[0].host', 'invalid-host'],
    ['an unencrypted sslmode', () => ({ sources: [pg({ sslMode: 'disable' })] }), 'sources[0].sslMode', 'invalid-ssl-mode'],
    ['MySQL PREFERRED', () => ({ sources: [DataSource.mysql({ name: 'm', host: 'm.internal', databases: ['m'], cidrs: ['10.0.0.0/24'], credentials: secret('m'), sslMode: 'PREFERRED' as any })] }), 'sources[0].sslMode', 'invalid-ssl-mode'],
    ['MSSQL without encryption', () => ({ sources: [DataSource.mssql({ name: 'm', host: 'm.internal', databases: ['m'], cidrs: ['10.0.0.0/24'], credentials: secret('m'), encrypt: 'optional' as any })] }), 'sources[0].encrypt', 'invalid-encrypt'],
    ['no database', () => ({ sources: [pg({ databases: [] })] }), 'sources[0].databases', 'empty'],
    ['port 0', () => ({ sources: [pg({ port: 0 })] }), 'sources[0].port', 'invalid-port'],
    ['two sources with one name', () => ({ sources: [pg({}), pg({ host: 'other.db.internal' })] }), 'sources[1].name', 'duplicate-source'],
    ['an upper-case source name', () => ({ sources: [pg({ name: 'Orders' })] }), 'sources[0].name', 'invalid-name'],
    ['a broker without a port', () => ({ sources: [kafka({ bootstrapServers: ['kafka-0.internal'] })] }), 'sources[0].bootstrapServers[0]', 'invalid-broker'],
    ['a plain-text Kafka listener', () => ({ sources: [kafka({ securityProtocol: 'SASL_PLAINTEXT' })] }), 'sources[0].securityProtocol', 'invalid-security-protocol'],
    ['a SASL mechanism with client certificates', () => ({ sources: [kafka({ securityProtocol: 'SSL', saslMechanism: 'PLAIN' })] }), 'sources[0].saslMechanism', 'conflicting-props'],
    ['a bad topic', () => ({ sources: [kafka({ topics: ['a topic'] })] }), 'sources[0].topics[0]', 'invalid-topic'],
    ['a bad bucket', () => ({ sources: [s3({ bucket: 'Corp_Exports' })] }), 'sources[0].bucket', 'invalid-bucket'],
    ['a bad region', () => ({ sources: [s3({ region: 'europe' })] }), 'sources[0].region', 'invalid-region'],
    ['a plain-http S3 endpoint', () => ({ sources: [s3({ endpoint: 'http://minio.internal:9000' })] }), 'sources[0].endpoint', 'invalid-url'],
    ['S3 without CIDRs and without a proxy', () => ({ sources: [s3({ cidrs: undefined })] }), 'sources[0].cidrs', 'missing-cidrs'],
    ['a digger address with a scheme', () => ({ diggerAddress: 'https://digger:9443' }), 'diggerAddress', 'invalid-address'],
    ['a scan interval that is not a duration', () => ({ scanInterval: 'daily' }), 'scanInterval', 'invalid-duration'],
  ];

  it.each(cases)('fails on %s with a ValidationError naming the crawler and the prop', (_t, props, prop, code) => {
    const e = expectValidationError(() => new SensorCrawler(chart(new App()), 'crawler', { ...BASE(), ...props() }));
    expect([e.path, e.prop, e.code]).toEqual(['test/crawler', prop, code]);
  });

  it('refuses literal credentials without echoing them', () => {
    const e = expectValidationError(() => new SensorCrawler(chart(new App()), 'crawler', { ...BASE(), sources: [pg({ credentials: 'postgres:hunter2' })] }));
    expect([e.prop, e.code]).toEqual(['sources[0].credentials', 'secret-as-literal']);
    expect(e.message).not.toContain('hunter2');
  });

  it('raises only ValidationErrors for random hosts, ports, CIDRs and names', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: -5, max: 70000 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 12 }), (host, port, cidr, name) => {
      try {
        new SensorCrawler(chart(new App()), 'crawler', { ...BASE(), sources: [pg({ host, port, cidrs: [cidr], name })] });
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
      }
    }), { numRuns: 200 });
  });

  it('gives every valid source exactly one egress rule, on its CIDR and port', () => {
    const source = fc.record({
      kind: fc.constantFrom('postgresql', 'mysql', 'mssql'),
      net: fc.integer({ min: 0, max: 255 }),
      port: fc.integer({ min: 1, max: 65535 }),
    });
    fc.assert(fc.property(fc.uniqueArray(source, { minLength: 1, maxLength: 6, selector: (s) => s.net }), (list) => {
      const sources = list.map((s, i) => DataSource[s.kind as 'postgresql']({
        name: `s${i}`, host: `10.${s.net}.0.7`, port: s.port, databases: ['d'], cidrs: [`10.${s.net}.0.0/16`], credentials: secret(`c${i}`),
      }));
      const out = synth((app) => { new SensorCrawler(chart(app), 'crawler', { ...BASE(), sources }); });
      expect(egress(out)).toEqual(['dns:53/UDP,53/TCP', ...list.map((s) => `10.${s.net}.0.0/16:${s.port}/TCP`)]);
      expect(config(out).sources.map((s: any) => `${s.type}:${s.host}:${s.port}`)).toEqual(list.map((s) => `${s.kind}:10.${s.net}.0.7:${s.port}`));
    }), { numRuns: 15 });
  });
});
