import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  NetworkPeer, Ports, SecretSource, SensorDetectionTool, SensorDigger, SensorInterceptor, SensorPrometheusAgent, SensorWorkload,
} from '../../../src';
import { expectValidationError } from '../../helpers/errors';
import { find, podSpec, synth } from '../../helpers/synth';

const IMAGE = 'ghcr.io/vendor/sensor:1.0.0';
const chart = (app: App) => new Chart(app, 'test', { namespace: 'sensor' });
const token = SecretSource.kubernetesSecret({ name: 'vendor-token', keys: ['token'] });

describe('SensorWorkload', () => {
  it('defaults to UID 1000 with a default-deny policy that allows DNS', () => {
    const objects = synth((app) => { new SensorWorkload(chart(app), 'w', { component: 'crawler', image: IMAGE }); });
    expect(podSpec(find(objects, 'Deployment', 'w')).securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    const np = find(objects, 'NetworkPolicy', 'w');
    expect(np.spec.egress).toHaveLength(1);
    expect(np.spec.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    expect(np.spec.ingress).toEqual([]);
  });

  it('refuses to open a policy for a host-network workload', () => {
    const interceptor = new SensorInterceptor(chart(new App()), 'interceptor', { image: IMAGE, diggerAddress: 'digger.sensor.svc:9443' });
    expect(interceptor.networkPolicy).toBeUndefined();
    const e = expectValidationError(() => interceptor.allowFrom(NetworkPeer.cidrs(['10.0.0.0/16']), [Ports.tcp(9090)]));
    expect([e.path, e.code]).toEqual(['test/interceptor', 'host-network-policy']);
  });
});

describe('SensorInterceptor', () => {
  it('refuses a digger address that is not host:port', () => {
    const e = expectValidationError(() => new SensorInterceptor(chart(new App()), 'interceptor', { image: IMAGE, diggerAddress: 'https://digger' }));
    expect([e.prop, e.code]).toEqual(['diggerAddress', 'invalid-address']);
  });
});

describe('SensorDigger', () => {
  it('reads the token from the mounted file and names the vendor', () => {
    const objects = synth((app) => {
      new SensorDigger(chart(app), 'digger', { image: IMAGE, apiServer: { cidrs: ['10.0.0.1/32'] }, vendor: { url: 'https://ingest.vendor.example', cidrs: ['203.0.113.0/24'] }, vendorCredential: token });
    });
    const c = podSpec(find(objects, 'Deployment', 'digger')).containers[0];
    expect([...c.env].sort((a: any, b: any) => a.name.localeCompare(b.name))).toEqual([{ name: 'VENDOR_CREDENTIAL_FILE', value: '/etc/secrets/vendor-token/token' }, { name: 'VENDOR_URL', value: 'https://ingest.vendor.example' }]);
    expect(c.volumeMounts).toContainEqual({ mountPath: '/etc/secrets/vendor-token', name: 'secret-vendor-token', readOnly: true });
  });
});

describe('SensorDetectionTool', () => {
  it('needs its update endpoints', () => {
    const e = expectValidationError(() => new SensorDetectionTool(chart(new App()), 'dt', { image: IMAGE, updates: undefined as any }));
    expect([e.prop, e.code]).toEqual(['updates', 'missing-updates']);
  });
});

describe('SensorPrometheusAgent', () => {
  const base = { image: IMAGE, apiServer: { cidrs: ['10.0.0.1/32'] }, remoteWrite: { url: 'https://m.vendor.example', cidrs: ['203.0.113.0/24'] }, remoteWriteToken: token };

  it('refuses a scrape interval that Prometheus would not read', () => {
    const e = expectValidationError(() => new SensorPrometheusAgent(chart(new App()), 'prom', { ...base, scrapeInterval: 'often' }));
    expect([e.prop, e.code]).toEqual(['scrapeInterval', 'invalid-interval']);
  });

  it('refuses node CIDRs that are not CIDRs', () => {
    const prom = new SensorPrometheusAgent(chart(new App()), 'prom', base);
    const e = expectValidationError(() => prom.scrapeNodes(['10.0.0.1/40']));
    expect([e.prop, e.code]).toEqual(['nodeCidrs[0]', 'invalid-cidr']);
  });

  it('keeps its write-ahead log in a larger /tmp and does not scrape itself', () => {
    const objects = synth((app) => { new SensorPrometheusAgent(chart(app), 'prom', base); });
    const spec = podSpec(find(objects, 'Deployment', 'prom'));
    expect(spec.volumes.find((v: any) => v.name === 'tmp').emptyDir.sizeLimit).toBe('1024Mi');
    expect(spec.containers[0].ports).toEqual([{ containerPort: 9090, name: 'web', protocol: 'TCP' }]);
    expect(spec.containers[0].args).toEqual(['--agent', '--config.file=/etc/prometheus/prometheus.yml', '--storage.agent.path=/tmp/agent']);
  });
});
