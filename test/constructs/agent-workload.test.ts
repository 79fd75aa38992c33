import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { expectValidationError } from '../helpers/errors';
import { describe, expect, it } from 'vitest';
import { AgentWorkload, AgentWorkloadProps, WorkloadKind } from '../../src';
import { find, podMetadata, podSpec, synth } from '../helpers/synth';

const IMAGE = 'ghcr.io/example/agent:1.0.0';
const DIGEST = `sha256:${'a'.repeat(64)}`;

function chartWith(props: Partial<AgentWorkloadProps> & { id?: string } = {}) {
  return (app: App) => {
    const chart = new Chart(app, 'test', { namespace: 'agents' });
    const { id, ...rest } = props;
    new AgentWorkload(chart, id ?? 'agent', { component: 'agent', partOf: 'tests', image: IMAGE, ...rest });
  };
}

function build(props: Partial<AgentWorkloadProps>): void {
  const chart = new Chart(new App(), 'test', { namespace: 'agents' });
  new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'tests', image: IMAGE, ...props });
}

describe('AgentWorkload defaults (the hardening profile)', () => {
  // GIVEN a workload with no optional props; WHEN synthesised; THEN every field of the profile is set.
  const objects = synth(chartWith());
  const deployment = find(objects, 'Deployment', 'agent');
  const spec = podSpec(deployment);
  const container = spec.containers[0];

  it('sets the pod security context: non-root, fixed UID/GID/fsGroup above 10000, seccomp RuntimeDefault', () => {
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('sets the container security context: no escalation, not privileged, read-only root, drop ALL', () => {
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('gives the read-only root filesystem an emptyDir at /tmp', () => {
    expect(container.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  it('mounts no service-account token, on the pod and on its own ServiceAccount', () => {
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBe('agent');
    expect(find(objects, 'ServiceAccount', 'agent').automountServiceAccountToken).toBe(false);
  });

  it('sizes requests and limits for an agent, not cdk8s-plus defaults', () => {
    expect(container.resources).toEqual({
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
  });

  it('runs one replica with the cluster DNS policy and pulls images only when missing', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(spec.dnsPolicy).toBe('ClusterFirst');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  it('uses no host namespaces and no host paths', () => {
    expect(spec.hostNetwork).toBe(false);
    expect(spec.hostPID).toBeUndefined();
    expect(spec.hostIPC).toBeUndefined();
    expect(JSON.stringify(spec)).not.toContain('hostPath');
  });

  it('labels every object and selects pods by stable labels, without hashes', () => {
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'agent',
      'app.kubernetes.io/instance': 'agent',
      'app.kubernetes.io/component': 'agent',
    });
    expect(podMetadata(deployment).labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Deployment/agent', 'NetworkPolicy/agent', 'ServiceAccount/agent']);
  });

  it('carries no exemption when nothing was asked for', () => {
    expect(deployment.metadata.annotations).toBeUndefined();
  });

  it('exposes the resolved defaults', () => {
    const chart = new Chart(new App(), 'c');
    const w = new AgentWorkload(chart, 'a', { component: 'agent', partOf: 'tests', image: IMAGE });
    expect([w.runAsUser, w.runAsGroup, w.fsGroup, w.root, w.privileged, w.automountToken]).toEqual([10001, 10001, 10001, false, false, false]);
    expect(w.capabilities).toEqual([]);
    expect(w.resources).toEqual({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' });
  });
});

describe('AgentWorkload overrides', () => {
  it('pins the image by digest and takes UID, GID, resources and pull secrets', () => {
    const objects = synth(chartWith({
      imageDigest: DIGEST, runAsUser: 65534, runAsGroup: 65533,
      resources: { cpuRequest: '0.1', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '1Gi' },
      imagePullSecrets: ['registry-creds'],
    }));
    const spec = podSpec(find(objects, 'Deployment', 'agent'));
    expect(spec.containers[0].image).toBe(`${IMAGE}@${DIGEST}`);
    expect(spec.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65533, fsGroup: 65533 });
    expect(spec.containers[0].resources).toEqual({ requests: { cpu: '0.1', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
  });

  it('grants capabilities, host namespaces and read-only host mounts only with reasons, as exemptions', () => {
    const objects = synth(chartWith({
      kind: WorkloadKind.DAEMON_SET,
      capabilities: [{ capability: 'BPF', reason: 'loads eBPF programs' }, { capability: 'NET_BIND_SERVICE', reason: 'listens on port 80' }],
      hostPid: { reason: 'reads /proc of other processes' },
      hostNetwork: { reason: 'captures traffic on host interfaces' },
      hostMounts: [{ hostPath: '/sys/fs/cgroup', reason: 'reads container cgroup stats' }],
    }));
    const ds = find(objects, 'DaemonSet', 'agent');
    const spec = podSpec(ds);
    expect(spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['BPF', 'NET_BIND_SERVICE'] });
    // hostPID is set through a JSON patch with cdk8s-plus's name `hostPid`: it must reach the output.
    expect(spec.hostPID).toBe(true);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(spec.containers[0].volumeMounts).toContainEqual({ mountPath: '/sys/fs/cgroup', name: 'host-sys-fs-cgroup', readOnly: true });
    expect(spec.volumes).toContainEqual({ name: 'host-sys-fs-cgroup', hostPath: { path: '/sys/fs/cgroup', type: 'Directory' } });
    const annotations = ds.metadata.annotations!;
    const exemptions = Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith('exemptions.')));
    const capReasons = JSON.parse(annotations['reasons.secure-agents.io/capabilities']);
    expect(Object.keys(capReasons)).toEqual(['BPF', 'NET_BIND_SERVICE']);
    expect(capReasons.BPF).toBe('loads eBPF programs');
    expect(JSON.parse(annotations['reasons.secure-agents.io/host-paths'])).toEqual({ '/sys/fs/cgroup': 'reads container cgroup stats' });
    expect(annotations['reasons.secure-agents.io/tolerations']).toMatch(/every node/);
    expect(exemptions).toEqual({
      'exemptions.secure-agents.io/pss-capabilities-baseline': 'BPF: loads eBPF programs',
      'exemptions.secure-agents.io/pss-capabilities-restricted': 'BPF: loads eBPF programs',
      'exemptions.secure-agents.io/pss-hostnamespaces': 'hostNetwork: captures traffic on host interfaces; hostPid: reads /proc of other processes',
      'exemptions.secure-agents.io/pss-hostpathvolumes': '/sys/fs/cgroup (read-only): reads container cgroup stats',
      'exemptions.secure-agents.io/pss-restrictedvolumes': '/sys/fs/cgroup (read-only): reads container cgroup stats',
    });
    expect(JSON.parse(annotations['reasons.secure-agents.io/host-namespaces'])).toEqual({ hostNetwork: 'captures traffic on host interfaces', hostPID: 'reads /proc of other processes' });
  });

  it('runs as root or privileged only with a reason, exempting the matching rules', () => {
    const objects = synth(chartWith({ runAsRoot: { reason: 'vendor image needs root' }, privileged: { reason: 'kernel older than 5.8' } }));
    const d = find(objects, 'Deployment', 'agent');
    const spec = podSpec(d);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0 });
    expect(spec.containers[0].securityContext).toMatchObject({ privileged: true, allowPrivilegeEscalation: true });
    expect(Object.keys(d.metadata.annotations ?? {}).filter((k) => k.startsWith('exemptions.')).sort()).toEqual([
      'pss-allowprivilegeescalation', 'pss-capabilities-baseline', 'pss-capabilities-restricted',
      'pss-privileged', 'pss-runasnonroot', 'pss-runasuser',
    ].map((r) => `exemptions.secure-agents.io/${r}`));
    expect(d.metadata.annotations).toMatchObject({
      'reasons.secure-agents.io/run-as-root': 'vendor image needs root',
      'reasons.secure-agents.io/privileged': 'kernel older than 5.8',
    });
  });

  it('mounts the token and binds exactly the given rules when granted a ClusterRole', () => {
    const objects = synth((app) => {
      const chart = new Chart(app, 'test', { namespace: 'agents' });
      const w = new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'tests', image: IMAGE });
      w.grantClusterRole([{ resources: ['nodes'], verbs: ['get', 'list'], reason: 'lists the nodes it reports on' }, { nonResourceURLs: ['/metrics'], verbs: ['get'], reason: 'reads the API server metrics' }]);
    });
    expect(podSpec(find(objects, 'Deployment', 'agent')).automountServiceAccountToken).toBe(true);
    // Cluster-scoped names carry the namespace, so two installations do not collide.
    expect(find(objects, 'ClusterRole', 'agents-agent').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'agents-agent').subjects).toEqual([{ kind: 'ServiceAccount', name: 'agent', namespace: 'agents' }]);
  });

  it('writes the exemptions a role is granted with next to its index-aligned rule reasons', () => {
    const objects = synth((app) => {
      const chart = new Chart(app, 'test', { namespace: 'agents' });
      const w = new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'tests', image: IMAGE });
      w.grantClusterRole([
        { resources: ['nodes'], verbs: ['get', 'list'], reason: 'labels metrics with node names' },
        { nonResourceURLs: ['/metrics'], verbs: ['get'], reason: 'scrapes the API server metrics' },
      ], { exemptions: { 'rbac-delete-broad': 'not firing here, only written through' } });
    });
    const role = find(objects, 'ClusterRole', 'agents-agent');
    expect(JSON.parse(role.metadata.annotations!['reasons.secure-agents.io/rules'])).toEqual(['labels metrics with node names', 'scrapes the API server metrics']);
    expect(role.metadata.annotations!['exemptions.secure-agents.io/rbac-delete-broad']).toBe('not firing here, only written through');
    expect(role.rules[0]).not.toHaveProperty('reason');
  });

  it('fails on a rule reason that says nothing', () => {
    const chart = new Chart(new App(), 'test');
    const w = new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'tests', image: IMAGE });
    expectValidationError(() => w.grantClusterRole([{ resources: ['nodes'], verbs: ['get'], reason: 'x' }]), { message: /rules\[0\]\.reason.*at least 10/ });
  });

  it.each(Object.values(WorkloadKind))('synthesises a valid, hardened %s', (kind) => {
    const objects = synth(chartWith({ kind, schedule: '0 3 * * *', ports: [{ port: 8080, name: 'http' }] }));
    const workload = find(objects, kind, 'agent');
    const spec = podSpec(workload);
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(spec.automountServiceAccountToken).toBe(false);
    if (kind === WorkloadKind.STATEFUL_SET) {
      expect(find(objects, 'Service', 'agent').spec.clusterIP).toBe('None');
      expect(workload.spec.serviceName).toBe('agent');
    }
  });
});

describe('AgentWorkload validation', () => {
  const cases: Array<[string, Partial<AgentWorkloadProps>, string, RegExp]> = [
    ['a name with capitals', { name: 'MyAgent' }, 'name', /use e\.g\. "myagent"/],
    ['UID 0 without a reason', { runAsUser: 0 }, 'runAsUser', /runAsRoot/],
    ['a digest that is not sha256 hex', { image: 'nginx:latest@sha256:xyz' }, 'image', /64 lowercase hex/],
    ['the latest tag', { image: 'nginx:latest' }, 'image', /pin a version/],
    ['a negative CPU request', { resources: { cpuRequest: '-100m' } }, 'resources.cpuRequest', /millicores/],
    ['a request above its limit', { resources: { memoryRequest: '2Gi', memoryLimit: '1Gi' } }, 'resources.memoryRequest', /raise the limit/],
    ['capability CAP_FOO', { capabilities: [{ capability: 'CAP_FOO', reason: 'because we can' }] }, 'capabilities[0].capability', /use one of/],
    ['capability with CAP_ prefix', { capabilities: [{ capability: 'CAP_BPF', reason: 'loads eBPF programs' }] }, 'capabilities[0].capability', /write "BPF"/],
    ['a capability without a reason', { capabilities: [{ capability: 'BPF', reason: '' }] }, 'capabilities[0].reason', /at least 10/],
    ['privileged without a reason', { privileged: { reason: 'x' } }, 'privileged.reason', /at least 10/],
    ['a relative host path', { hostMounts: [{ hostPath: 'proc', reason: 'reads process stats' }] }, 'hostMounts[0].hostPath', /absolute/],
    ['port 0', { ports: [{ port: 0 }] }, 'ports[0].port', /between 1 and 65535/],
    ['a bad label value', { labels: { team: 'a b' } }, 'labels["team"]', /label value/],
    ['a CronJob without schedule', { kind: WorkloadKind.CRON_JOB }, 'schedule', /cron/],
    ['an unknown kind', { kind: 'Pod' as WorkloadKind }, 'kind', /use one of Deployment, DaemonSet/],
  ];

  it.each(cases)('fails on %s with a ValidationError naming path, prop and fix', (_title, props, prop, fix) => {
    const e = expectValidationError(() => build(props));
    expect(e.path).toBe('test/agent');
    expect(e.prop).toBe(prop);
    expect(e.message).toContain(`"test/agent": ${prop} `);
    expect(e.message).toMatch(fix);
  });

  it('fails on random bad props with ValidationError and nothing else', () => {
    const badProps = fc.oneof(
      fc.string().filter((s) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) || s.length > 63).map((name) => ({ name })),
      fc.integer({ min: -1_000_000, max: 0 }).map((runAsUser) => ({ runAsUser })),
      fc.oneof(fc.string(), fc.constantFrom('nginx', 'nginx:latest', 'a@sha256:1', 'UPPER:1')).filter((s) => !/^[a-z0-9./-]+:[\w.-]+$/.test(s)).map((image) => ({ image })),
      fc.string().filter((s) => !/^\d+(\.\d+)?m?$/.test(s) || /^0+(\.0+)?m?$/.test(s)).map((cpuRequest) => ({ resources: { cpuRequest } })),
      fc.string().filter((s) => !['BPF', 'PERFMON', 'NET_ADMIN', 'SYS_ADMIN', 'CHOWN'].includes(s) && !/^[A-Z_]+$/.test(s)).map((capability) => ({ capabilities: [{ capability, reason: 'a long enough reason' }] })),
      fc.integer({ max: 0 }).map((port) => ({ ports: [{ port }] })),
      fc.string({ maxLength: 9 }).map((reason) => ({ hostPid: { reason } })),
      fc.string().filter((s) => !s.startsWith('/')).map((hostPath) => ({ hostMounts: [{ hostPath, reason: 'reads the host' }] })),
    );
    fc.assert(fc.property(badProps, (props) => {
      expectValidationError(() => build(props as Partial<AgentWorkloadProps>));
    }), { numRuns: 300 });
  });

  it('synthesises random valid props into schema-valid, hardened output', () => {
    const goodProps = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
      kind: fc.constantFrom(...Object.values(WorkloadKind)),
      runAsUser: fc.integer({ min: 1, max: 2_000_000 }),
      cpuMillis: fc.integer({ min: 1, max: 4000 }),
      memMi: fc.integer({ min: 1, max: 8192 }),
      port: fc.integer({ min: 1, max: 65535 }),
      caps: fc.subarray(['BPF', 'PERFMON', 'NET_RAW', 'SYS_PTRACE']),
    });
    fc.assert(fc.property(goodProps, (p) => {
      const objects = synth(chartWith({
        id: p.name, kind: p.kind, runAsUser: p.runAsUser, schedule: '*/5 * * * *', ports: [{ port: p.port }],
        resources: { cpuRequest: `${p.cpuMillis}m`, cpuLimit: `${p.cpuMillis}m`, memoryRequest: `${p.memMi}Mi`, memoryLimit: `${p.memMi}Mi` },
        capabilities: p.caps.map((capability) => ({ capability, reason: `needed for ${capability.toLowerCase()}` })),
      }));
      const spec = podSpec(find(objects, p.kind, p.name));
      expect(spec.securityContext.runAsUser).toBe(p.runAsUser);
      expect(spec.containers[0].securityContext.capabilities.drop).toEqual(['ALL']);
      expect(spec.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
    }), { numRuns: 25 });
  });
});

describe('AgentWorkload: documented defaults of the operational settings', () => {
  const objects = synth((app) => {
    const chart = new Chart(app, 'c', { namespace: 'agents' });
    new AgentWorkload(chart, 'collector', {
      component: 'collector', partOf: 'tests', image: 'ghcr.io/example/collector:1.0.0',
      replicas: 2, topologySpread: [{ topologyKey: 'topology.kubernetes.io/zone' }],
    });
  });
  const deployment = find(objects, 'Deployment', 'collector');

  it('spreads with maxSkew 1 and ScheduleAnyway when only the topology key is given', () => {
    expect(podSpec(deployment).topologySpreadConstraints).toEqual([{
      topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
    }]);
  });

  it('gives a Deployment of more than one replica a PodDisruptionBudget of maxUnavailable 1', () => {
    expect(find(objects, 'PodDisruptionBudget', 'collector').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
  });

  it('tolerates no taint and sets no priority class on a workload that is not a DaemonSet', () => {
    expect(podSpec(deployment).tolerations).toBeUndefined();
    expect(podSpec(deployment).priorityClassName).toBeUndefined();
  });
});
