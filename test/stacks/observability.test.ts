import { App } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { observability, observabilityExecutor } from '../../examples/observability';
import { AgentTier, ObservabilityChart, ObservabilityChartProps, RemediationAction } from '../../src';
import { K8sObject, podMetadata, podSpec, synth } from '../helpers/synth';
import { expectValidationError } from '../helpers/errors';

const POD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];
const DNS = 'dns';
const API = 'api';

const PROPS: ObservabilityChartProps = {
  apiServer: { cidrs: ['10.100.0.1/32'] },
  requireImageDigests: false,
  backend: { url: 'https://ingest.vendor.example', cidrs: ['203.0.113.0/24'] },
  agent: { image: 'ghcr.io/example/ebpf-agent:3.2.0' },
  mediator: { image: 'ghcr.io/example/mediator:3.2.0' },
  victoriaMetrics: { image: 'victoriametrics/victoria-metrics:v1.110.0' },
};

/** Names each peer of a NetworkPolicy rule in a few words, so a table can list them. */
function peerName(peer: any, apiCidrs: string[]): string {
  if (peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') return DNS;
  if (peer.ipBlock) return apiCidrs.includes(peer.ipBlock.cidr) ? API : `cidr ${peer.ipBlock.cidr}`;
  const name = peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];
  return peer.namespaceSelector ? `${name} in ${peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}` : name;
}

function rulesOf(np: K8sObject, direction: 'egress' | 'ingress', apiCidrs: string[]): string[] {
  return np.spec[direction].map((r: any) => {
    const peers = (r.to ?? r.from).map((p: any) => peerName(p, apiCidrs));
    return `${[...new Set(peers)].join('+')}:${r.ports.map((p: any) => `${p.port}/${p.protocol}`).join(',')}`;
  });
}

/** The NetworkPolicies whose pod selector matches a workload's pod labels. */
function policiesSelecting(objects: K8sObject[], workload: K8sObject): K8sObject[] {
  const labels = podMetadata(workload).labels;
  return objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === workload.metadata.namespace
    && Object.entries(o.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v));
}

function policyTable(objects: K8sObject[], apiCidrs: string[]): Record<string, { egress: string[]; ingress: string[] }> {
  const table: Record<string, { egress: string[]; ingress: string[] }> = {};
  for (const w of objects.filter((o) => POD_KINDS.includes(o.kind))) {
    const policies = policiesSelecting(objects, w);
    expect(policies, `${w.kind}/${w.metadata.name} is selected by exactly one policy`).toHaveLength(1);
    expect(policies[0].spec.policyTypes).toEqual(['Ingress', 'Egress']);
    table[w.metadata.name] = { egress: rulesOf(policies[0], 'egress', apiCidrs), ingress: rulesOf(policies[0], 'ingress', apiCidrs) };
  }
  return table;
}

/** Asserts that nothing in the output lets a workload read a Secret. */
function expectNoSecretAccess(objects: K8sObject[]): void {
  for (const role of objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
    for (const rule of role.rules) {
      const where = `${role.kind}/${role.metadata.name}`;
      expect(rule.resources ?? [], where).not.toContain('secrets');
      expect(rule.resources ?? [], where).not.toContain('*');
      expect(rule.apiGroups ?? [], where).not.toContain('*');
      expect(rule.verbs, where).not.toContain('*');
    }
  }
  for (const binding of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    // Only roles of our own making: no built-in role (cluster-admin, admin, edit) that reads secrets.
    expect(objects.some((o) => o.kind === binding.roleRef.kind && o.metadata.name === binding.roleRef.name
      && (o.metadata.namespace ?? '') === (binding.roleRef.kind === 'Role' ? binding.metadata.namespace : '')), `${binding.metadata.name} binds a role we made`).toBe(true);
  }
  for (const w of objects.filter((o) => POD_KINDS.includes(o.kind))) {
    const text = JSON.stringify(podSpec(w));
    expect(text, w.metadata.name).not.toContain('secretKeyRef');
    // A Secret reaches a pod only as the vendor credential: one read-only file.
    const spec = podSpec(w);
    for (const vol of (spec.volumes ?? []).filter((x: any) => x.secret)) {
      expect(vol.secret.items, `${w.metadata.name}: ${vol.name}`).toHaveLength(1);
      const mounts = spec.containers.flatMap((c: any) => c.volumeMounts ?? []).filter((m: any) => m.name === vol.name);
      expect(mounts.every((m: any) => m.readOnly === true), `${w.metadata.name}: ${vol.name} read-only`).toBe(true);
    }
  }
}

describe('ObservabilityChart', () => {
  describe('without the executor', () => {
    const objects = synth((app) => { new ObservabilityChart(app, 'obs', PROPS); });

    it('selects each workload by one default-deny policy allowing exactly the listed peers', () => {
      expect(policyTable(objects, PROPS.apiServer.cidrs)).toEqual({
        'agent': { egress: ['dns:53/UDP,53/TCP', 'api:443/TCP', 'mediator:8443/TCP', 'victoria-metrics:8428/TCP'], ingress: [] },
        'mediator': {
          egress: ['dns:53/UDP,53/TCP', 'api:443/TCP', 'cidr 203.0.113.0/24:443/TCP', 'victoria-metrics:8428/TCP'],
          ingress: ['agent:8443/TCP'],
        },
        'victoria-metrics': { egress: ['dns:53/UDP,53/TCP'], ingress: ['agent:8428/TCP', 'mediator:8428/TCP'] },
      });
    });

    it('makes no executor', () => {
      expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'executor')).toEqual([]);
    });

    it('lets no workload read secrets', () => {
      expectNoSecretAccess(objects);
    });

    it('mounts a token only in the workloads that call the API', () => {
      const tokens = Object.fromEntries(objects.filter((o) => POD_KINDS.includes(o.kind)).map((w) => [w.metadata.name, podSpec(w).automountServiceAccountToken]));
      expect(tokens).toEqual({ 'agent': true, 'mediator': true, 'victoria-metrics': false });
    });

    it('exempts only the agent, only from Pod Security rules, each with a reason', () => {
      const exempted = objects.filter((o) => Object.keys(o.metadata.annotations ?? {}).some((k) => k.startsWith('exemptions.secure-agents.io/')));
      expect(exempted.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['DaemonSet/agent']);
      for (const [k, reason] of Object.entries(exempted[0].metadata.annotations!).filter(([key]) => !key.startsWith('reasons.'))) {
        expect(k).toMatch(/^exemptions\.secure-agents\.io\/pss-/);
        expect(reason.length).toBeGreaterThanOrEqual(10);
      }
    });

    it('wires the agents and the mediator to the services they send to', () => {
      const env = (name: string) => podSpec(objects.find((o) => POD_KINDS.includes(o.kind) && o.metadata.name === name)!).containers[0].env;
      expect(env('agent')).toEqual([
        { name: 'MEDIATOR_ADDRESS', value: 'mediator.observability.svc:8443' },
        { name: 'VICTORIA_METRICS_URL', value: 'http://victoria-metrics.observability.svc:8428' },
      ]);
      expect(env('mediator')).toContainEqual({ name: 'VICTORIA_METRICS_URL', value: 'http://victoria-metrics.observability.svc:8428' });
      expect(objects.every((o) => o.kind.startsWith('Cluster') || o.metadata.namespace === 'observability')).toBe(true);
    });
  });

  describe('with the executor', () => {
    const props: ObservabilityChartProps = {
      ...PROPS,
      namespace: 'monitoring',
      executor: { image: 'ghcr.io/example/executor:3.2.0', permissions: [{ action: RemediationAction.SCALE, namespaces: ['shop'] }, { action: RemediationAction.CORDON }] },
    };
    const objects = synth((app) => { new ObservabilityChart(app, 'obs', props); });

    it('lets the executor fetch tasks from the mediator and accept nothing', () => {
      const table = policyTable(objects, PROPS.apiServer.cidrs);
      expect(table.executor).toEqual({ egress: ['dns:53/UDP,53/TCP', 'api:443/TCP', 'mediator:8443/TCP'], ingress: [] });
      expect(table.mediator.ingress).toEqual(['agent:8443/TCP', 'executor:8443/TCP']);
    });

    it('has no cluster-admin binding without the explicit prop', () => {
      const bindings = objects.filter((o) => o.kind.endsWith('RoleBinding'));
      expect(bindings.map((b) => b.roleRef.name).sort()).toEqual(['monitoring-agent', 'monitoring-executor', 'monitoring-executor', 'monitoring-mediator']);
      expect(JSON.stringify(objects)).not.toContain('cluster-admin');
      expectNoSecretAccess(objects);
    });

    it('binds cluster-admin only with the prop, and that binding carries the exemption', () => {
      const withAdmin = synth((app) => {
        new ObservabilityChart(app, 'obs', { ...props, executor: { ...props.executor!, clusterAdmin: { reason: 'vendor runbooks need arbitrary remediation' } } });
      });
      const admin = withAdmin.filter((o) => o.kind === 'ClusterRoleBinding' && o.roleRef.name === 'cluster-admin');
      expect(admin.map((b) => b.metadata.name)).toEqual(['monitoring-executor-cluster-admin']);
      expect(admin[0].metadata.annotations).toEqual({ 'exemptions.secure-agents.io/rbac-bind-cluster-admin': 'vendor runbooks need arbitrary remediation' });
    });
  });

  it('on Cilium, reaches the backend by host name through a CiliumNetworkPolicy', () => {
    const objects = synth((app) => {
      new ObservabilityChart(app, 'obs', { ...PROPS, cilium: true, backend: { url: 'https://ingest.vendor.example', fqdn: true } });
    });
    expect(policyTable(objects, PROPS.apiServer.cidrs).mediator.egress).toEqual(['dns:53/UDP,53/TCP', 'api:443/TCP', 'victoria-metrics:8428/TCP']);
    const cnps = objects.filter((o) => o.kind === 'CiliumNetworkPolicy');
    expect(cnps.map((o) => o.metadata.name)).toEqual(['mediator']);
    expect(cnps[0].spec.egress.map((r: any) => r.toFQDNs ?? 'dns-visibility')).toEqual(['dns-visibility', [{ matchName: 'ingest.vendor.example' }]]);
  });

  it('passes each agent tier through', () => {
    for (const tier of Object.values(AgentTier)) {
      const objects = synth((app) => {
        new ObservabilityChart(app, 'obs', { ...PROPS, agent: { ...PROPS.agent, tier, privilegedReason: tier === AgentTier.PRIVILEGED ? 'kernel lacks BTF and needs full access' : undefined } });
      });
      const ds = objects.find((o) => o.kind === 'DaemonSet')!;
      expect(podSpec(ds).containers[0].securityContext.privileged).toBe(tier === AgentTier.PRIVILEGED);
    }
  });

  describe('examples', () => {
    it.each([['observability', observability], ['observability-executor', observabilityExecutor]] as const)('%s: the mediator reaches the backend only through the proxy, and nothing reads secrets', (_name, make) => {
      const objects = synth((app) => { make(app); });
      const table = policyTable(objects, ['10.100.0.1/32', '172.31.10.25/32', '172.31.42.7/32']);
      expect(table.mediator.egress).toEqual(['dns:53/UDP,53/TCP', 'api:443/TCP', 'cidr 10.40.0.10/32:3128/TCP', 'victoria-metrics:8428/TCP']);
      expectNoSecretAccess(objects);
      expect(JSON.stringify(objects)).not.toContain('cluster-admin');
    });
  });

  describe('validation', () => {
    function build(props: ObservabilityChartProps): void {
      new ObservabilityChart(new App(), 'obs', props);
    }

    it('fails on a bad namespace with a ValidationError naming the chart', () => {
      expectValidationError(() => build({ ...PROPS, namespace: 'Observability' }), { message: /ObservabilityChart "obs": namespace "Observability" is not a valid DNS-1123 label/ });
    });

    it('fails on each bad input of the issue with a ValidationError', () => {
      const cases: Array<[Partial<ObservabilityChartProps>, RegExp]> = [
        [{ executor: { image: 'ghcr.io/example/executor:3.2.0', permissions: [{ action: RemediationAction.SCALE, resources: ['pods'] }] } }, /ObservabilityChart "obs": executor\.permissions\[0\]\.resources\[0\] "pods" is not a resource "scale" applies to/],
        [{ agent: { ...PROPS.agent, additionalCapabilities: [{ capability: 'EBPF', reason: 'loads eBPF programs' }] } }, /ObservabilityChart "obs": agent\.additionalCapabilities\[0\]\.capability "EBPF" is not a Linux capability/],
        [{ agent: { ...PROPS.agent, additionalHostMounts: [{ hostPath: 'proc', reason: 'reads process stats' }] } }, /ObservabilityChart "obs": agent\.additionalHostMounts\[0\]\.hostPath "proc" is not an absolute path/],
        [{ agent: { ...PROPS.agent, tier: AgentTier.PRIVILEGED } }, /ObservabilityChart "obs": agent\.privilegedReason \(missing\) needs a reason/],
        [{ backend: { url: 'https://ingest.vendor.example', cidrs: ['10.0.0.0/33'] } }, /ObservabilityChart "obs": mediator\.backend\.cidrs\[0\] "10\.0\.0\.0\/33" is not a valid IPv4 CIDR; use e\.g\. "10\.0\.0\.0\/16"/],
        [{ apiServer: { cidrs: ['10.0.0.0/33'] } }, /ObservabilityChart "obs": apiServer\.cidrs\[0\] "10\.0\.0\.0\/33" is not a valid IPv4 CIDR/],
      ];
      for (const [bad, message] of cases) {
        expectValidationError(() => build({ ...PROPS, ...bad }), { message });
      }
    });

    it('fails on random bad props with ValidationError and nothing else', () => {
      const notCidr = fc.oneof(
        fc.string().filter((s) => !/^[\d./:a-f]+$/.test(s)),
        fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 33, max: 99 })).map(([a, b]) => `${a}.0.0.0/${b}`),
      );
      const bad = fc.oneof(
        notCidr.map((c) => ({ backend: { url: 'https://ingest.vendor.example', cidrs: [c] } })),
        notCidr.map((c) => ({ apiServer: { cidrs: [c] } })),
        fc.string().filter((s) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s)).map((namespace) => ({ namespace })),
        fc.string().filter((s) => !['scale', 'restart', 'delete-pods', 'cordon'].includes(s)).map((action) => ({ executor: { image: 'ghcr.io/e/x:1', permissions: [{ action: action as RemediationAction }] } })),
        fc.string().filter((s) => !['deployments', 'statefulsets'].includes(s)).map((r) => ({ executor: { image: 'ghcr.io/e/x:1', permissions: [{ action: RemediationAction.SCALE, resources: [r] }] } })),
        fc.string().filter((s) => !/^[A-Z_]+$/.test(s)).map((capability) => ({ agent: { ...PROPS.agent, additionalCapabilities: [{ capability, reason: 'a long enough reason' }] } })),
        fc.string().filter((s) => !s.startsWith('/')).map((hostPath) => ({ agent: { ...PROPS.agent, additionalHostMounts: [{ hostPath, reason: 'a long enough reason' }] } })),
        fc.string({ maxLength: 9 }).map((privilegedReason) => ({ agent: { ...PROPS.agent, tier: AgentTier.PRIVILEGED, privilegedReason } })),
        fc.string().map((url) => ({ backend: { url: `ftp://${url}`, cidrs: ['203.0.113.0/24'] } })),
      );
      fc.assert(fc.property(bad, (props) => {
        expectValidationError(() => build({ ...PROPS, ...(props as Partial<ObservabilityChartProps>) }));
      }), { numRuns: 200 });
    });
  });
});

describe('ObservabilityChart with random valid props', () => {
  it('synthesises schema-valid output where every workload has one policy and nothing reads secrets', () => {
    const valid = fc.record({
      namespace: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
      tier: fc.constantFrom(...Object.values(AgentTier)),
      readProcessMemoryMaps: fc.boolean(),
      apiPort: fc.constantFrom(443, 6443),
      backend: fc.constantFrom<'cidrs' | 'proxy' | 'fqdn'>('cidrs', 'proxy', 'fqdn'),
      permissions: fc.subarray(Object.values(RemediationAction)),
      limitTo: fc.subarray(['shop', 'payments', 'batch-jobs']),
      withExecutor: fc.boolean(),
    });
    fc.assert(fc.property(valid, (p) => {
      const backend = p.backend === 'cidrs' ? { url: 'https://ingest.vendor.example', cidrs: ['203.0.113.0/24'] }
        : p.backend === 'proxy' ? { url: 'https://ingest.vendor.example' }
          : { url: 'https://ingest.vendor.example', fqdn: true };
      const props: ObservabilityChartProps = {
        ...PROPS,
        namespace: p.namespace,
        cilium: p.backend === 'fqdn',
        ...(p.backend === 'proxy' ? { httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] } } : {}),
        apiServer: { cidrs: ['10.100.0.1/32'], port: p.apiPort },
        backend,
        agent: {
          ...PROPS.agent, tier: p.tier, readProcessMemoryMaps: p.readProcessMemoryMaps,
          privilegedReason: p.tier === AgentTier.PRIVILEGED ? 'kernel lacks BTF and needs full access' : undefined,
        },
        executor: p.withExecutor ? {
          image: 'ghcr.io/example/executor:3.2.0',
          permissions: p.permissions.map((action) => ({
            action, ...(action !== RemediationAction.CORDON && p.limitTo.length > 0 ? { namespaces: p.limitTo } : {}),
          })),
        } : undefined,
      };
      const objects = synth((app) => { new ObservabilityChart(app, 'obs', props); });
      const table = policyTable(objects, ['10.100.0.1/32']);
      expect(Object.keys(table).sort()).toEqual(['agent', ...(p.withExecutor ? ['executor'] : []), 'mediator', 'victoria-metrics']);
      expect(table['victoria-metrics'].egress).toEqual(['dns:53/UDP,53/TCP']);
      expectNoSecretAccess(objects);
      expect(JSON.stringify(objects)).not.toContain('cluster-admin');
    }), { numRuns: 20 });
  });
});
