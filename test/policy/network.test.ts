import { describe, expect, it } from 'vitest';
import { check, Manifest } from '../../src/policy';
import { coverage } from '../../src/policy/network';

const findings = (objects: Manifest[], prefix = 'net-') => check(objects, { rules: [prefix] }).findings.filter((f) => !f.rule.startsWith('exemption-'));
const ids = (objects: Manifest[], prefix = 'net-') => findings(objects, prefix).map((f) => f.rule).sort();
const pod = (name = 'p', labels: Record<string, string> = { app: 'a' }, namespace = 'ns', spec: Record<string, unknown> = {}): Manifest =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'r/c:1' }], ...spec } });
const np = (egress: unknown[], podSelector: unknown = {}, name = 'np', namespace = 'ns'): Manifest =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector, policyTypes: ['Egress'], egress } });
const ip = (cidr: string, except?: string[]) => ({ ipBlock: { cidr, ...(except ? { except } : {}) } });

describe('address coverage', () => {
  it('computes what a set of CIDRs with excepts covers', () => {
    expect(coverage([{ cidr: '0.0.0.0/1' }, { cidr: '128.0.0.0/1' }], '0.0.0.0/0')).toBe('all');
    expect(coverage([{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }], '10.1.0.0/16')).toBe('none');
    expect(coverage([{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }], '169.254.0.0/16')).toBe('all');
    expect(coverage([{ cidr: '10.0.0.0/9' }], '10.0.0.0/8')).toBe('some');
    expect(coverage([{ cidr: '::/1' }, { cidr: '8000::/1' }], '::/0')).toBe('all');
    expect(coverage([{ cidr: 'not-a-cidr' }], '0.0.0.0/0')).toBe('none');
  });
});

describe('net-egress-anywhere', () => {
  it('an egress rule with no "to", or egress: [{}], allows every destination', () => {
    expect(ids([pod(), np([{}])])).toEqual(['net-egress-anywhere']);
    expect(ids([pod(), np([{ to: [] }])])).toEqual(['net-egress-anywhere']);
    const f = findings([pod(), np([{ ports: [{ port: 443 }] }])]);
    expect(f.map((x) => x.rule)).toEqual(['net-egress-anywhere']);
    expect(f[0].path).toBe('spec.egress[0]');
  });

  it('DNS to any destination (port 53 only) is not "anywhere"', () => {
    expect(ids([pod(), np([{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }])])).toEqual([]);
  });

  it('0.0.0.0/0 split into pieces is still everything', () => {
    expect(ids([pod(), np([{ to: [ip('0.0.0.0/1'), ip('128.0.0.0/1')] }])])).toEqual(['net-egress-anywhere']);
    expect(ids([pod(), np([{ to: [ip('0.0.0.0/2')] }, { to: [ip('64.0.0.0/2'), ip('128.0.0.0/1')] }])])).toEqual(['net-egress-anywhere']);
  });

  it('link-local 169.254.0.0/16 (cloud metadata) must be excepted like the private ranges', () => {
    const f = findings([pod(), np([{ to: [ip('0.0.0.0/0', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'])] }])]);
    expect(f.map((x) => x.rule)).toEqual(['net-egress-anywhere']);
    expect(f[0].message).toContain('169.254.0.0/16');
    expect(ids([pod(), np([{ to: [ip('0.0.0.0/0', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'])] }])])).toEqual([]);
    // excepting a wider range counts too
    expect(ids([pod(), np([{ to: [ip('0.0.0.0/0', ['10.0.0.0/7', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'])] }])])).toEqual([]);
  });

  it('::/0 must except ULA and link-local IPv6, also when split', () => {
    expect(ids([pod(), np([{ to: [ip('::/0', ['fc00::/7'])] }])])).toEqual(['net-egress-anywhere']);
    expect(ids([pod(), np([{ to: [ip('::/0', ['fc00::/7', 'fe80::/10'])] }])])).toEqual([]);
    expect(ids([pod(), np([{ to: [ip('::/1'), ip('8000::/1')] }])])).toEqual(['net-egress-anywhere']);
  });

  it('a private destination listed next to an internet rule that excepts the private ranges is not "anywhere"', () => {
    const internet = ip('0.0.0.0/0', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']);
    expect(ids([pod(), np([{ to: [ip('10.40.1.10/32'), ip('172.20.0.1/32')] }, { to: [internet], ports: [{ port: 443 }] }])])).toEqual([]);
    // but an internet rule that forgets one range is still reported, for that range only
    const f = findings([pod(), np([{ to: [ip('10.40.1.10/32')] }, { to: [ip('0.0.0.0/0', ['172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'])] }])]);
    expect(f.map((x) => x.message)).toEqual([expect.stringMatching(/without excepting 10\.0\.0\.0\/8$/)]);
  });

  it('listing private ranges on purpose is not "anywhere"', () => {
    expect(ids([pod(), np([{ to: [ip('10.0.0.0/8')] }, { to: [ip('10.20.1.0/24')] }])])).toEqual([]);
  });
});

describe('Cilium policies count as egress policies', () => {
  const cnp = (spec: Record<string, unknown>, key: 'spec' | 'specs' = 'spec', namespace = 'ns'): Manifest =>
    ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'c', namespace }, [key]: key === 'spec' ? spec : [spec] });
  const egressTo = [{ toEndpoints: [{ matchLabels: { app: 'db' } }] }];

  it('CiliumNetworkPolicy, spec and specs forms, with plain and k8s:/any: prefixed labels', () => {
    expect(ids([pod(), cnp({ endpointSelector: { matchLabels: { app: 'a' } }, egress: egressTo })])).toEqual([]);
    expect(ids([pod(), cnp({ endpointSelector: { matchLabels: { 'k8s:app': 'a' } }, egress: egressTo }, 'specs')])).toEqual([]);
    expect(ids([pod(), cnp({ endpointSelector: { matchLabels: { 'any:app': 'a' } }, egressDeny: egressTo })])).toEqual([]);
    expect(ids([pod(), cnp({ endpointSelector: { matchLabels: { app: 'b' } }, egress: egressTo })])).toEqual(['net-no-egress-policy']);
    expect(ids([pod(), cnp({ endpointSelector: { matchLabels: { app: 'a' } }, ingress: [{}] })])).toEqual(['net-no-egress-policy']);
    expect(ids([pod(), cnp({ endpointSelector: {}, egress: egressTo }, 'spec', 'other')])).toEqual(['net-no-egress-policy']);
  });

  it('CiliumClusterwideNetworkPolicy selects pods of every namespace, or the one named by the namespace label', () => {
    const ccnp = (endpointSelector: unknown): Manifest => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'cw' }, specs: [{ endpointSelector, egress: egressTo }] });
    expect(ids([pod(), ccnp({})])).toEqual([]);
    expect(ids([pod(), ccnp({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'ns' } })])).toEqual([]);
    expect(ids([pod(), ccnp({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'elsewhere' } })])).toEqual(['net-no-egress-policy']);
  });

  it('a Cilium policy that turns egress default-deny off does not count', () => {
    expect(ids([pod(), cnp({ endpointSelector: {}, enableDefaultDeny: { egress: false }, egress: egressTo })])).toEqual(['net-no-egress-policy']);
  });
});

describe('policies and pods are matched through an index', () => {
  it('matchExpressions, unrelated policies and other namespaces', () => {
    const objs: Manifest[] = [pod('p1', { app: 'a', tier: 'web' }), pod('p2', { app: 'b' }), pod('p3', { app: 'a' }, 'other')];
    for (let i = 0; i < 50; i++) objs.push(np([{ to: [ip('10.0.0.1/32')] }], { matchLabels: { app: `unrelated-${i}` } }, `u${i}`));
    objs.push(np([{ to: [ip('10.0.0.1/32')] }], { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, 'expr'));
    const f = findings(objs).filter((x) => x.rule === 'net-no-egress-policy').map((x) => `${x.resource.namespace}/${x.resource.name}`).sort();
    expect(f).toEqual(['ns/p2', 'other/p3']);
  });

  it('one finding per policy that selects host-network pods, naming a few of them', () => {
    const objs: Manifest[] = [];
    for (let i = 0; i < 20; i++) objs.push(pod(`h${i}`, { app: 'h' }, 'ns', { hostNetwork: true }));
    objs.push(pod('normal', { app: 'h' }));
    objs.push(np([{ to: [ip('10.0.0.1/32')] }], { matchLabels: { app: 'h' } }, 'sel'));
    objs.push(np([{ to: [ip('10.0.0.1/32')] }], { matchLabels: { app: 'nothing' } }, 'none'));
    const f = findings(objs).filter((x) => x.rule === 'net-policy-selects-hostnetwork');
    expect(f).toHaveLength(1);
    expect(f[0].resource.name).toBe('sel');
    expect(f[0].message).toMatch(/Pod "h\d+", Pod "h\d+", Pod "h\d+" and more/);
    expect(f[0].message).not.toContain('normal');
  });
});
