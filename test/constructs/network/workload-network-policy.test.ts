import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentWorkload, IEgressPeer, NetworkPeer, PolicyPort, Ports, ValidationError, WorkloadKind, WorkloadNetworkPolicy,
  WorkloadNetworkPolicyProps,
} from '../../../src';
import { find, K8sObject, synth } from '../../helpers/synth';
import { expectValidationError } from '../../helpers/errors';

const IMAGE = 'ghcr.io/example/agent:1.0.0';
const SELECTOR = {
  'app.kubernetes.io/name': 'mediator',
  'app.kubernetes.io/instance': 'mediator',
  'app.kubernetes.io/component': 'mediator',
};
const AGENT_SELECTOR = {
  'app.kubernetes.io/name': 'agent',
  'app.kubernetes.io/instance': 'agent',
  'app.kubernetes.io/component': 'agent',
};
const DNS_RULE = {
  to: [{
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
  }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};

interface Fixture {
  chart: Chart;
  mediator: AgentWorkload;
  agent: AgentWorkload;
}

function fixture(app: App): Fixture {
  const chart = new Chart(app, 'obs', { namespace: 'obs' });
  // The policy under test is written by hand, so the workloads' own default-deny policies are off.
  const mediator = new AgentWorkload(chart, 'mediator', { component: 'mediator', partOf: 'observability', image: IMAGE, defaultDenyPolicy: false });
  const agent = new AgentWorkload(chart, 'agent', { kind: WorkloadKind.DAEMON_SET, component: 'agent', partOf: 'observability', image: IMAGE, defaultDenyPolicy: false });
  return { chart, mediator, agent };
}

/** Synthesises a policy for the mediator, opened by `open`, and returns its objects. */
function policyOf(open: (p: WorkloadNetworkPolicy, f: Fixture) => void, props: Partial<WorkloadNetworkPolicyProps> = {}): K8sObject[] {
  return synth((app) => {
    const f = fixture(app);
    open(new WorkloadNetworkPolicy(f.mediator, 'network-policy', { workload: f.mediator, ...props }), f);
  });
}

function networkPolicy(objects: K8sObject[]): K8sObject {
  return find(objects, 'NetworkPolicy', 'mediator');
}

/** Builds a policy (without synthesis) and returns what `open` throws. */
function failure(open: (p: WorkloadNetworkPolicy, f: Fixture) => void, props: Partial<WorkloadNetworkPolicyProps> = {}): ValidationError {
  return expectValidationError(() => {
    const f = fixture(new App());
    open(new WorkloadNetworkPolicy(f.mediator, 'network-policy', { workload: f.mediator, ...props }), f);
  });
}

describe('WorkloadNetworkPolicy', () => {
  it('denies all ingress and egress of the workload\'s pods when nothing is allowed', () => {
    const np = networkPolicy(policyOf(() => undefined));
    expect(np.metadata.namespace).toBe('obs');
    expect(np.metadata.labels).toMatchObject(SELECTOR);
    expect(np.spec).toEqual({ podSelector: { matchLabels: SELECTOR }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  });

  it('allows DNS: kube-dns pods in kube-system (both selectors in one peer), UDP and TCP 53', () => {
    const np = networkPolicy(policyOf((p) => p.allowDns()));
    expect(np.spec.egress).toEqual([DNS_RULE]);
    expect(np.spec.ingress).toEqual([]);
  });

  it('allows the cluster DNS where the cluster runs it', () => {
    const np = networkPolicy(policyOf((p) => p.allowDns(), { dns: { namespace: 'dns', labels: { 'app.kubernetes.io/name': 'coredns' } } }));
    expect(np.spec.egress).toEqual([{
      to: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'coredns' } },
      }],
      ports: DNS_RULE.ports,
    }]);
  });

  it('writes a rule once however often it is allowed', () => {
    const np = networkPolicy(policyOf((p) => p.allowDns().allowDns().allowEgressTo(NetworkPeer.kubeDns())));
    expect(np.spec.egress).toEqual([DNS_RULE]);
  });

  it('allows the API server by its addresses, on 443 by default or the port given', () => {
    const np = networkPolicy(policyOf((p) => p
      .allowEgressTo(NetworkPeer.apiServer({ cidrs: ['172.20.0.1/32', '10.0.12.7/32'] }))
      .allowEgressTo(NetworkPeer.apiServer({ cidrs: ['192.168.10.5/32'], port: 6443 }))));
    expect(np.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '172.20.0.1/32' } }, { ipBlock: { cidr: '10.0.12.7/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '192.168.10.5/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] },
    ]);
  });

  it('allows another workload by its selector, with a namespace selector only for another namespace', () => {
    const np = networkPolicy(policyOf((p, f) => p
      .allowEgressTo(NetworkPeer.workload(f.agent), [Ports.tcp(8080)])
      .allowEgressTo(NetworkPeer.workload(f.agent, { namespace: 'metrics' }), [Ports.tcp(8428)])
      .allowEgressTo(NetworkPeer.pods({ labels: { app: 'prometheus' }, namespace: 'monitoring' }), [Ports.tcp(9090, 9091)])));
    expect(np.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: AGENT_SELECTOR } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'metrics' } }, podSelector: { matchLabels: AGENT_SELECTOR } }],
        ports: [{ protocol: 'TCP', port: 8428 }],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { app: 'prometheus' } } }],
        ports: [{ protocol: 'TCP', port: 9090, endPort: 9091 }],
      },
    ]);
  });

  it('allows "the internet on 443": every address but the private and link-local ranges', () => {
    const np = networkPolicy(policyOf((p) => p
      .allowEgressTo(NetworkPeer.internet(), [Ports.tcp(443)])
      .allowEgressTo(NetworkPeer.internet({ ipv6: true }), [Ports.tcp(8443)])));
    const v4 = { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } };
    expect(np.spec.egress).toEqual([
      { to: [v4], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [v4, { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
  });

  it('excepts only the private ranges that lie inside each block, plus the excepts given', () => {
    const np = networkPolicy(policyOf((p) => p.allowEgressTo(
      NetworkPeer.cidrs(['128.0.0.0/1', '0.0.0.0/1', '52.0.0.0/8'], { exceptPrivate: true, except: ['52.94.0.0/16'] }),
      [Ports.tcp(443)],
    )));
    expect(np.spec.egress[0].to).toEqual([
      { ipBlock: { cidr: '128.0.0.0/1', except: ['172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } },
      { ipBlock: { cidr: '0.0.0.0/1', except: ['10.0.0.0/8', '52.94.0.0/16'] } },
      { ipBlock: { cidr: '52.0.0.0/8', except: ['52.94.0.0/16'] } },
    ]);
  });

  it('allows an HTTPS proxy by its addresses and port, and nothing else', () => {
    const np = networkPolicy(policyOf((p) => p.allowEgressTo(NetworkPeer.httpsProxy({ cidrs: ['10.40.0.10/32'], port: 3128 }))));
    expect(np.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.40.0.10/32' } }], ports: [{ protocol: 'TCP', port: 3128 }] }]);
  });

  it('allows ingress from a workload on the pods\' own ports only', () => {
    const np = networkPolicy(policyOf((p, f) => p
      .allowIngressFrom(NetworkPeer.workload(f.agent), [Ports.tcp(8443)])
      .allowIngressFrom(NetworkPeer.cidrs(['10.8.0.0/16']), [Ports.udp(8125)])));
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: AGENT_SELECTOR } }], ports: [{ protocol: 'TCP', port: 8443 }] },
      { from: [{ ipBlock: { cidr: '10.8.0.0/16' } }], ports: [{ protocol: 'UDP', port: 8125 }] },
    ]);
    expect(np.spec.egress).toEqual([]);
  });

  it('records what each rule allows for reviewers', () => {
    const f = fixture(new App());
    const p = new WorkloadNetworkPolicy(f.mediator, 'np', { workload: f.mediator })
      .allowDns()
      .allowEgressTo(NetworkPeer.internet(), [Ports.tcp(443)])
      .allowEgressTo(NetworkPeer.cidrs(['10.20.0.0/24']), [Ports.tcp(5432)])
      .allowEgressTo(NetworkPeer.cidrs(['10.30.0.0/24'], { label: 'database "orders"' }), [Ports.tcp(5432)])
      .allowIngressFrom(NetworkPeer.workload(f.agent), [Ports.tcp(8443)]);
    expect(p.egress).toEqual([
      { description: 'DNS: pods k8s-app=kube-dns in namespace kube-system', ports: ['53/UDP', '53/TCP'] },
      { description: 'internet: 0.0.0.0/0 except private ranges', ports: ['443/TCP'] },
      { description: 'addresses: 10.20.0.0/24', ports: ['5432/TCP'] },
      { description: 'database "orders": 10.30.0.0/24', ports: ['5432/TCP'] },
    ]);
    expect(p.ingress).toEqual([{ description: 'workload agent', ports: ['8443/TCP'] }]);
    expect(p.ciliumNetworkPolicy).toBeUndefined();
  });

  describe('on Cilium', () => {
    it('allows host names through a CiliumNetworkPolicy with the DNS rule toFQDNs needs', () => {
      const objects = policyOf((p) => p
        .allowDns()
        .allowEgressTo(NetworkPeer.fqdns(['api.vendor.example', '*.ingest.vendor.example']), [Ports.tcp(443)]), { cilium: true });
      // The plain policy keeps the rules it can express; the host names go to Cilium's.
      expect(networkPolicy(objects).spec.egress).toEqual([DNS_RULE]);
      const cnp = find(objects, 'CiliumNetworkPolicy', 'mediator');
      expect(cnp.apiVersion).toBe('cilium.io/v2');
      expect(cnp.metadata.namespace).toBe('obs');
      expect(cnp.spec.endpointSelector).toEqual({ matchLabels: SELECTOR });
      expect(cnp.spec.egress).toEqual([
        {
          toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
          toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
        },
        {
          toFQDNs: [{ matchName: 'api.vendor.example' }, { matchPattern: '*.ingest.vendor.example' }],
          toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
        },
      ]);
      expect(cnp.spec.ingress).toBeUndefined();
    });

    it('emits no CiliumNetworkPolicy until a host name is allowed', () => {
      const objects = policyOf((p) => p.allowDns(), { cilium: true });
      expect(objects.filter((o) => o.kind === 'CiliumNetworkPolicy')).toEqual([]);
    });

    it('refuses host names without Cilium: a NetworkPolicy cannot name a host', () => {
      const e = failure((p) => p.allowEgressTo(NetworkPeer.fqdns(['api.vendor.example']), [Ports.tcp(443)]));
      expect(e.code).toBe('fqdn-needs-cilium');
      expect(e.message).toMatch(/set cilium: true .* or reach the hosts through NetworkPeer.httpsProxy\(\)/);
    });
  });

  describe('hostNetwork workloads', () => {
    function hostNetworkWorkload(chart: Chart): AgentWorkload {
      return new AgentWorkload(chart, 'interceptor', {
        kind: WorkloadKind.DAEMON_SET, component: 'interceptor', partOf: 'sensor', image: IMAGE,
        hostNetwork: { reason: 'captures traffic on the node interfaces' },
      });
    }

    it('refuses to select one: NetworkPolicies do not apply to host-network pods', () => {
      const chart = new Chart(new App(), 'sensor', { namespace: 'sensor' });
      const w = hostNetworkWorkload(chart);
      expectValidationError(() => new WorkloadNetworkPolicy(w, 'network-policy', { workload: w }), {
        code: 'host-network-unselectable', path: 'sensor/interceptor/network-policy', prop: 'workload', message: /NetworkPolicies do not apply to host-network pods/,
      });
    });

    it('refuses one as a peer, pointing at node CIDRs', () => {
      const e = failure((p, f) => p.allowIngressFrom(NetworkPeer.workload(hostNetworkWorkload(f.chart)), [Ports.tcp(8080)]));
      expect([e.code, e.prop]).toEqual(['host-network-peer', 'ingress[0].workload']);
      expect(e.message).toMatch(/NetworkPeer\.cidrs/);
    });
  });

  describe('validation', () => {
    const tcp443: PolicyPort[] = [Ports.tcp(443)];
    const cases: Array<[string, (p: WorkloadNetworkPolicy, f: Fixture) => void, string, string, RegExp]> = [
      ['an egress CIDR 10.0.0.0/33', (p) => p.allowEgressTo(NetworkPeer.cidrs(['10.0.0.0/33']), tcp443), 'egress[0].cidrs[0]', 'invalid-cidr', /use e\.g\. "10\.0\.0\.0\/16"/],
      ['an IPv6 CIDR /129', (p) => p.allowEgressTo(NetworkPeer.cidrs(['fd00::/129']), tcp443), 'egress[0].cidrs[0]', 'invalid-cidr', /IPv6/],
      ['a CIDR with host bits', (p) => p.allowDns().allowEgressTo(NetworkPeer.apiServer({ cidrs: ['10.0.0.1/8'] })), 'egress[1].cidrs[0]', 'cidr-host-bits', /write "10\.0\.0\.0\/8"/],
      ['no API server address', (p) => p.allowEgressTo(NetworkPeer.apiServer({ cidrs: [] })), 'egress[0].cidrs', 'empty-cidrs', /at least one CIDR/],
      ['API server port 0', (p) => p.allowEgressTo(NetworkPeer.apiServer({ cidrs: ['10.0.0.1/32'], port: 0 })), 'egress[0].port', 'invalid-port', /between 1 and 65535/],
      ['a proxy without a port', (p) => p.allowEgressTo(NetworkPeer.httpsProxy({ cidrs: ['10.0.0.1/32'] } as any)), 'egress[0].port', 'missing-port', /3128/],
      ['CIDR egress without ports', (p) => p.allowEgressTo(NetworkPeer.cidrs(['52.0.0.0/8'])), 'egress[0].ports', 'missing-ports', /allows every port/],
      ['ingress without ports', (p, f) => p.allowIngressFrom(NetworkPeer.workload(f.agent), []), 'ingress[0].ports', 'missing-ports', /Ports\.tcp/],
      ['port 70000', (p) => p.allowEgressTo(NetworkPeer.cidrs(['52.0.0.0/8']), [Ports.tcp(70000)]), 'egress[0].ports[0].port', 'invalid-port', /between 1 and 65535/],
      ['an endPort below the port', (p) => p.allowEgressTo(NetworkPeer.cidrs(['52.0.0.0/8']), [Ports.tcp(9000, 8000)]), 'egress[0].ports[0].endPort', 'invalid-port-range', /at least as high/],
      ['protocol HTTP', (p) => p.allowEgressTo(NetworkPeer.cidrs(['52.0.0.0/8']), [{ port: 80, protocol: 'HTTP' as kplus.Protocol }]), 'egress[0].ports[0].protocol', 'invalid-protocol', /TCP, UDP, SCTP/],
      ['an except outside the block', (p) => p.allowEgressTo(NetworkPeer.cidrs(['52.0.0.0/8'], { except: ['53.0.0.0/16'] }), tcp443), 'egress[0].except[0]', 'except-outside-cidr', /strictly inside/],
      ['a private block with exceptPrivate', (p) => p.allowEgressTo(NetworkPeer.cidrs(['10.1.0.0/16'], { exceptPrivate: true }), tcp443), 'egress[0].cidrs[0]', 'cidr-inside-private-range', /10\.0\.0\.0\/8/],
      ['a namespace with capitals', (p, f) => p.allowEgressTo(NetworkPeer.workload(f.agent, { namespace: 'Kube_System' }), tcp443), 'egress[0].namespace', 'invalid-name', /kube-system/],
      ['a selector label key with spaces', (p) => p.allowEgressTo(NetworkPeer.pods({ labels: { 'my app': 'x' } }), tcp443), 'egress[0].labels key', 'invalid-label-key', /label key/],
      ['an empty pod selector', (p) => p.allowEgressTo(NetworkPeer.pods({ labels: {} }), tcp443), 'egress[0].labels', 'empty-selector', /at least one label/],
      ['a DNS namespace with a dot', (p) => p.allowDns(), 'dns.namespace', 'invalid-name', /DNS-1123 label/],
      ['an invalid host name', (p) => p.allowEgressTo(NetworkPeer.fqdns(['https://api.vendor.example']), tcp443), 'egress[0].fqdns[0]', 'invalid-fqdn', /api\.vendor\.example/],
      ['a peer that is not one', (p) => p.allowEgressTo({} as IEgressPeer, tcp443), 'egress[0].peer', 'invalid-peer', /NetworkPeer/],
    ];

    it.each(cases)('fails on %s with a ValidationError naming the policy, the prop and the fix', (title, open, prop, code, fix) => {
      const props = title.startsWith('a DNS namespace') ? { dns: { namespace: 'kube.system' } } : title.includes('host name') ? { cilium: true } : {};
      const e = failure(open, props);
      expect(e.path).toBe('obs/mediator/network-policy');
      expect(e.prop).toBe(prop);
      expect(e.code).toBe(code);
      expect(e.message).toContain(`WorkloadNetworkPolicy "obs/mediator/network-policy": ${prop} `);
      expect(e.message).toMatch(fix);
    });

    it('fails on random bad CIDRs and ports with ValidationError and nothing else', () => {
      // Each generator makes only bad blocks: random text that does not look like a CIDR, prefix
      // lengths past the family's width, octets above 255, host bits set, and known malformed ones.
      const badCidr = fc.oneof(
        fc.string().filter((s) => !/^[\d.:a-fA-F]+\/\d+$/.test(s)),
        fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 33, max: 200 })).map(([a, bits]) => `${a}.0.0.0/${bits}`),
        fc.tuple(fc.integer({ min: 256, max: 9999 }), fc.integer({ min: 0, max: 32 })).map(([a, bits]) => `10.${a}.0.0/${bits}`),
        fc.integer({ min: 1, max: 255 }).map((a) => `10.0.0.${a}/8`),
        fc.constantFrom<unknown>('10.0.0.0', '10.0.0.0/', '/8', '::/129', 'fd00::1::/8', 'gggg::/16', '10.0.0.0/08', null, 42),
      );
      const badPort = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.double({ noInteger: true }));
      const bad = fc.oneof(
        badCidr.map((cidr) => (p: WorkloadNetworkPolicy) => p.allowEgressTo(NetworkPeer.cidrs([cidr as string]), [Ports.tcp(443)])),
        badCidr.map((cidr) => (p: WorkloadNetworkPolicy) => p.allowEgressTo(NetworkPeer.apiServer({ cidrs: [cidr as string] }))),
        badPort.map((port) => (p: WorkloadNetworkPolicy) => p.allowEgressTo(NetworkPeer.cidrs(['52.0.0.0/8']), [Ports.tcp(port)])),
        badPort.map((port) => (p: WorkloadNetworkPolicy, f: Fixture) => p.allowIngressFrom(NetworkPeer.workload(f.agent), [Ports.udp(port)])),
      );
      fc.assert(fc.property(bad, (open) => {
        const f = fixture(new App());
        const policy = new WorkloadNetworkPolicy(f.mediator, 'np', { workload: f.mediator });
        expectValidationError(() => open(policy, f));
      }), { numRuns: 300 });
    });
  });
});
