import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentWorkload, OutboundProxy, OutboundProxyProps, ValidationError, WorkloadNetworkPolicy } from '../../src';
import { expectValidationError } from '../helpers/errors';
import { find, podSpec, synth } from '../helpers/synth';

const BASE: OutboundProxyProps = {
  url: 'http://proxy.corp.example:3128',
  cidrs: ['10.40.0.10/32'],
  apiServer: { cidrs: ['10.0.0.1/32', '172.20.0.0/28'] },
};
const ALWAYS = ['localhost', '127.0.0.1', '10.0.0.1', '172.20.0.0/28', 'kubernetes.default', 'kubernetes.default.svc', '.svc', '.cluster.local'];

function build(app: App, props: Partial<OutboundProxyProps> = {}, extra?: string[]) {
  const chart = new Chart(app, 'test', { namespace: 'sensor' });
  const proxy = new OutboundProxy(chart, 'proxy', { ...BASE, ...props });
  const w = new AgentWorkload(chart, 'digger', { component: 'digger', partOf: 'sensor', image: 'ghcr.io/example/digger:1.0.0', defaultDenyPolicy: false });
  w.addContainer({ name: 'helper', image: 'ghcr.io/example/helper:1.0.0' });
  w.addInitContainer({ name: 'init', image: 'ghcr.io/example/init:1.0.0' });
  const noProxy = proxy.applyTo(w, { noProxy: extra });
  new WorkloadNetworkPolicy(chart, 'policy', { workload: w }).allowEgressTo(proxy.peer());
  return { proxy, noProxy };
}

describe('OutboundProxy', () => {
  it('puts NO_PROXY in a fixed order: loopback, the API server, the in-cluster names, then the user\'s entries', () => {
    const p = build(new App(), { noProxy: ['.corp.example', '10.20.0.0/16', '.svc'] }).proxy;
    // ".svc" is already there: merged, not repeated.
    expect(p.noProxy).toEqual([...ALWAYS, '.corp.example', '10.20.0.0/16']);
    expect(p.noProxyFor(['db.corp.example'])).toBe([...ALWAYS, '.corp.example', '10.20.0.0/16', 'db.corp.example'].join(','));
  });

  it('writes a single-address block as the bare address and follows the cluster domain', () => {
    const p = build(new App(), { apiServer: { cidrs: ['fd00::1/128'] }, clusterDomain: 'k8s.corp' }).proxy;
    expect(p.noProxy).toEqual(['localhost', '127.0.0.1', 'fd00::1', 'kubernetes.default', 'kubernetes.default.svc', '.svc', '.k8s.corp']);
  });

  it('sets HTTPS_PROXY and NO_PROXY on every container and init container, and opens egress to the proxy only', () => {
    const objects = synth((app) => { build(app, {}, ['db.corp.example']); });
    const spec = podSpec(find(objects, 'Deployment', 'digger'));
    const expected = [
      { name: 'HTTPS_PROXY', value: 'http://proxy.corp.example:3128' },
      { name: 'NO_PROXY', value: [...ALWAYS, 'db.corp.example'].join(',') },
    ];
    for (const c of [...spec.containers, ...spec.initContainers]) expect(c.env, c.name).toEqual(expected);
    expect(find(objects, 'NetworkPolicy', 'digger').spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.40.0.10/32' } }], ports: [{ port: 3128, protocol: 'TCP' }] },
    ]);
  });

  it('takes the port from the scheme when the URL has none', () => {
    expect(build(new App(), { url: 'https://proxy.corp.example' }).proxy.port).toBe(443);
    expect(build(new App(), { url: 'http://proxy.corp.example/' }).proxy.port).toBe(80);
  });

  describe('validation', () => {
    const cases: Array<[string, Partial<OutboundProxyProps>, string, string]> = [
      ['a URL without a scheme', { url: 'proxy.corp.example:3128' }, 'url', 'invalid-url'],
      ['a URL with another scheme', { url: 'socks5://proxy.corp.example:1080' }, 'url', 'invalid-url'],
      ['a URL with a path', { url: 'http://proxy.corp.example:3128/pac' }, 'url', 'invalid-url'],
      ['no proxy addresses', { cidrs: [] }, 'cidrs', 'empty-cidrs'],
      ['a CIDR like 10.0.0.1/40', { cidrs: ['10.0.0.1/40'] }, 'cidrs[0]', 'invalid-cidr'],
      ['no API server address', { apiServer: { cidrs: [] } }, 'apiServer.cidrs', 'missing-api-server'],
      ['"*" in noProxy', { noProxy: ['*'] }, 'noProxy[0]', 'no-proxy-everything'],
      ['a noProxy entry with a comma', { noProxy: ['a.example,b.example'] }, 'noProxy[0]', 'invalid-no-proxy'],
      ['a bad cluster domain', { clusterDomain: 'Cluster Local' }, 'clusterDomain', 'invalid-domain'],
    ];

    it.each(cases)('fails on %s with a ValidationError naming the proxy and the prop', (_t, props, prop, code) => {
      const e = expectValidationError(() => build(new App(), props));
      expect([e.path, e.prop, e.code]).toEqual(['test/proxy', prop, code]);
    });

    it('says how to add the missing scheme', () => {
      expect(expectValidationError(() => build(new App(), { url: 'proxy.corp.example:3128' })).message).toContain('write "http://proxy.corp.example:3128"');
    });

    it('refuses credentials in the URL without echoing them', () => {
      const e = expectValidationError(() => build(new App(), { url: 'http://svc-user:hunter2-secret@proxy.corp.example:3128' }));
      expect(e.code).toBe('url-credentials');
      expect(e.message).not.toContain('hunter2-secret');
    });
  });

  describe('properties', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    const host = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
    const entry = fc.oneof(host, host.map((h) => `.${h}`), fc.ipV4(), fc.ipV4().map((ip) => `${ip}/32`));

    it('keeps the mandatory entries first and every user entry, once', () => {
      fc.assert(fc.property(fc.array(entry, { maxLength: 8 }), (noProxy) => {
        const list = build(new App(), { noProxy }).proxy.noProxy;
        expect(list.slice(0, ALWAYS.length)).toEqual(ALWAYS);
        for (const e of noProxy) expect(list).toContain(e);
        expect(new Set(list).size).toBe(list.length);
      }), { numRuns: 50 });
    });

    it('accepts a URL or raises a ValidationError, never anything else', () => {
      fc.assert(fc.property(fc.string({ maxLength: 40 }), (url) => {
        try {
          build(new App(), { url });
        } catch (e) {
          expect(e).toBeInstanceOf(ValidationError);
        }
      }), { numRuns: 200 });
    });
  });
});
