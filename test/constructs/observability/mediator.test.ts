import { App, Chart } from 'cdk8s';
import { expectValidationError } from '../../helpers/errors';
import { describe, expect, it } from 'vitest';
import { ObservabilityMediator, ObservabilityMediatorProps, OutboundProxy } from '../../../src';
import { find, K8sObject, podSpec, synth } from '../../helpers/synth';

const IMAGE = 'ghcr.io/example/mediator:3.2.0';
const API = { cidrs: ['10.100.0.1/32'], port: 6443 };
const DNS = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }];

/** Builds the mediator; with `withProxy`, through an outbound proxy at 10.40.0.10:3128. */
function addMediator(chart: Chart, props: Partial<ObservabilityMediatorProps>, withProxy: boolean): void {
  const proxy = withProxy ? new OutboundProxy(chart, 'proxy', { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'], apiServer: API }) : undefined;
  new ObservabilityMediator(chart, 'mediator', { image: IMAGE, apiServer: API, backend: { url: 'https://ingest.vendor.example', cidrs: ['203.0.113.0/24'] }, proxy, ...props });
}

function mediatorObjects(props: Partial<ObservabilityMediatorProps>, withProxy = false): K8sObject[] {
  return synth((app) => { addMediator(new Chart(app, 'obs', { namespace: 'observability' }), props, withProxy); });
}

function build(props: Partial<ObservabilityMediatorProps>, withProxy = false): void {
  addMediator(new Chart(new App(), 'obs', { namespace: 'observability' }), props, withProxy);
}

describe('ObservabilityMediator', () => {
  const objects = mediatorObjects({});

  it('has a read-only ClusterRole listing each resource under its own API group, and nothing else', () => {
    expect(find(objects, 'ClusterRole', 'observability-mediator').rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'nodes', 'services', 'events', 'replicationcontrollers'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: ['app.k8s.io'], resources: ['applications'], verbs: ['get', 'watch', 'list'] },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'observability-mediator').subjects).toEqual([{ kind: 'ServiceAccount', name: 'mediator', namespace: 'observability' }]);
  });

  it('runs with the restricted profile: no capability, no host access, no exemption', () => {
    const d = find(objects, 'Deployment', 'mediator');
    const c = podSpec(d).containers[0];
    expect(c.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.securityContext.capabilities.add).toBeUndefined();
    // No exemption: its only annotation is why it mounts an API token.
    expect(Object.keys(d.metadata.annotations ?? {})).toEqual(['reasons.secure-agents.io/token']);
    expect(JSON.stringify(podSpec(d))).not.toContain('hostPath');
  });

  it('receives agents\' data through a Service on its ingest port', () => {
    const svc = find(objects, 'Service', 'mediator');
    expect(svc.spec).toEqual({
      selector: { 'app.kubernetes.io/name': 'mediator', 'app.kubernetes.io/instance': 'mediator', 'app.kubernetes.io/component': 'mediator' },
      ports: [{ name: 'ingest', port: 8443, targetPort: 8443, protocol: 'TCP' }],
    });
    expect(podSpec(find(objects, 'Deployment', 'mediator')).containers[0].ports).toEqual([{ containerPort: 8443, name: 'ingest', protocol: 'TCP' }]);
  });

  it('egress with backend CIDRs: DNS, the API server and the backend on its port', () => {
    const np = find(objects, 'NetworkPolicy', 'mediator');
    expect(np.spec.egress).toEqual([
      { to: DNS, ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { to: [{ ipBlock: { cidr: '10.100.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] },
      { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(podSpec(find(objects, 'Deployment', 'mediator')).containers[0].env).toEqual([{ name: 'BACKEND_URL', value: 'https://ingest.vendor.example' }]);
  });

  it('egress through a proxy: the proxy\'s address and port instead of the backend, and HTTPS_PROXY set', () => {
    const objs = mediatorObjects({ backend: { url: 'https://ingest.vendor.example:8443' } }, true);
    const np = find(objs, 'NetworkPolicy', 'mediator');
    expect(np.spec.egress[2]).toEqual({ to: [{ ipBlock: { cidr: '10.40.0.10/32' } }], ports: [{ protocol: 'TCP', port: 3128 }] });
    expect(np.spec.egress).toHaveLength(3);
    expect(podSpec(find(objs, 'Deployment', 'mediator')).containers[0].env).toEqual([
      { name: 'BACKEND_URL', value: 'https://ingest.vendor.example:8443' },
      { name: 'HTTPS_PROXY', value: 'http://proxy.corp.example:3128' },
      // The full list: loopback and the API server's addresses too, which the old hard-coded value lacked.
      { name: 'NO_PROXY', value: 'localhost,127.0.0.1,10.100.0.1,kubernetes.default,kubernetes.default.svc,.svc,.cluster.local' },
    ]);
  });

  it('egress by host name on Cilium: a CiliumNetworkPolicy with toFQDNs for the backend host only', () => {
    const objs = mediatorObjects({ cilium: true, backend: { url: 'https://ingest.vendor.example', fqdn: true } });
    expect(find(objs, 'NetworkPolicy', 'mediator').spec.egress).toHaveLength(2);
    const cnp = find(objs, 'CiliumNetworkPolicy', 'mediator');
    expect(cnp.spec.egress[1]).toEqual({ toFQDNs: [{ matchName: 'ingest.vendor.example' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
  });

  it('accepts no ingress until receiveFrom() names a workload', () => {
    expect(find(objects, 'NetworkPolicy', 'mediator').spec.ingress).toEqual([]);
  });

  describe('validation', () => {
    const cases: Array<[string, Partial<ObservabilityMediatorProps>, string, string, RegExp, boolean?]> = [
      ['an egress CIDR 10.0.0.0/33', { backend: { url: 'https://ingest.vendor.example', cidrs: ['10.0.0.0/33'] } }, 'backend.cidrs[0]', 'invalid-cidr', /use e\.g\. "10\.0\.0\.0\/16"/],
      ['a plain-http backend', { backend: { url: 'http://ingest.vendor.example', cidrs: ['203.0.113.0/24'] } }, 'backend.url', 'invalid-url', /https:\/\//],
      ['a backend URL with credentials', { backend: { url: 'https://user:pw@ingest.vendor.example', cidrs: ['203.0.113.0/24'] } }, 'backend.url', 'url-credentials', /carries credentials/],
      ['both CIDRs and a proxy', { backend: { url: 'https://ingest.vendor.example', cidrs: ['203.0.113.0/24'] } }, 'backend.cidrs', 'cidrs-with-proxy', /leave cidrs out/, true],
      ['no way to the backend', { backend: { url: 'https://ingest.vendor.example' } }, 'backend.cidrs', 'missing-cidrs', /or set httpsProxy/],
      ['a host name without Cilium', { backend: { url: 'https://ingest.vendor.example', fqdn: true } }, 'backend', 'fqdn-needs-cilium', /cilium: true/],
      ['a host name behind a proxy', { backend: { url: 'https://ingest.vendor.example', fqdn: true } }, 'backend.fqdn', 'backend-egress', /drop fqdn/, true],
      ['a host name and CIDRs', { cilium: true, backend: { url: 'https://ingest.vendor.example', fqdn: true, cidrs: ['203.0.113.0/24'] } }, 'backend', 'backend-egress', /give one of them/],
    ];

    it.each(cases)('fails on %s with a ValidationError naming the mediator, the prop and the fix', (_t, props, prop, code, fix, withProxy) => {
      const e = expectValidationError(() => build(props, withProxy ?? false));
      expect([e.path, e.prop, e.code]).toEqual(['obs/mediator', prop, code]);
      expect(e.message).toMatch(fix);
    });
  });
});
