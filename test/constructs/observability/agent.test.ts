import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { catchValidationError } from '../../helpers/errors';
import { describe, expect, it } from 'vitest';
import { AGENT_NEEDS, AgentTier, CapabilityIdentity, ObservabilityAgent, ObservabilityAgentProps, ROOT_FOR_CAPABILITIES_REASON, rulesOf, ValidationError } from '../../../src';
import { find, K8sObject, podSpec, synth } from '../../helpers/synth';

const IMAGE = 'ghcr.io/example/ebpf-agent:3.2.0';
const API = { cidrs: ['10.100.0.1/32'] };
const EX = 'exemptions.secure-agents.io/';

function agentObjects(props: Partial<ObservabilityAgentProps> = {}): K8sObject[] {
  return synth((app) => {
    const chart = new Chart(app, 'obs', { namespace: 'observability' });
    new ObservabilityAgent(chart, 'agent', { image: IMAGE, apiServer: API, ...props });
  });
}

function build(props: Partial<ObservabilityAgentProps>): void {
  const chart = new Chart(new App(), 'obs', { namespace: 'observability' });
  new ObservabilityAgent(chart, 'agent', { image: IMAGE, apiServer: API, ...props } as ObservabilityAgentProps);
}

const MOUNTS = {
  tracefs: { mount: { mountPath: '/sys/kernel/tracing', name: 'host-sys-kernel-tracing', readOnly: true }, volume: { name: 'host-sys-kernel-tracing', hostPath: { path: '/sys/kernel/tracing', type: 'Directory' } } },
  debugfs: { mount: { mountPath: '/sys/kernel/debug', name: 'host-sys-kernel-debug', readOnly: true }, volume: { name: 'host-sys-kernel-debug', hostPath: { path: '/sys/kernel/debug', type: 'Directory' } } },
  proc: { mount: { mountPath: '/host/proc', name: 'host-proc', readOnly: true }, volume: { name: 'host-proc', hostPath: { path: '/proc', type: 'Directory' } } },
  cgroup: { mount: { mountPath: '/host/sys/fs/cgroup', name: 'host-sys-fs-cgroup', readOnly: true }, volume: { name: 'host-sys-fs-cgroup', hostPath: { path: '/sys/fs/cgroup', type: 'Directory' } } },
};
const TMP = { mount: { mountPath: '/tmp', name: 'tmp' }, volume: { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } } };

function expectMounts(spec: any, mounts: Array<{ mount: unknown; volume: unknown }>): void {
  expect(spec.containers[0].volumeMounts).toEqual([TMP.mount, ...mounts.map((m) => m.mount)]);
  expect(spec.volumes).toEqual([TMP.volume, ...mounts.map((m) => m.volume)]);
}

describe('ObservabilityAgent', () => {
  describe('bpf tier (the default)', () => {
    const objects = agentObjects();
    const ds = find(objects, 'DaemonSet', 'agent');
    const spec = podSpec(ds);
    const container = spec.containers[0];

    it('adds BPF, PERFMON, SYS_RESOURCE and SYS_PTRACE after dropping ALL, as root (the identity that gets them on every runtime), never privileged', () => {
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: false,
        runAsUser: 0,
        runAsGroup: 10001,
        capabilities: { drop: ['ALL'], add: ['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } });
      expect(ds.metadata.annotations!['reasons.secure-agents.io/run-as-root']).toBe(ROOT_FOR_CAPABILITIES_REASON);
      expect(spec.hostNetwork).toBe(false);
      expect(spec.hostPID).toBeUndefined();
    });

    it('mounts tracefs, /proc and the cgroup filesystem read-only, and not the host root', () => {
      expectMounts(spec, [MOUNTS.tracefs, MOUNTS.proc, MOUNTS.cgroup]);
    });

    it('writes each capability and mount with its reason into the exemption annotations', () => {
      const caps = 'BPF: loads eBPF programs and creates BPF maps (kernel 5.8 and later); '
        + 'PERFMON: attaches eBPF programs to kprobes, tracepoints and perf events (kernel 5.8 and later); '
        + 'SYS_RESOURCE: raises RLIMIT_MEMLOCK, which kernels before 5.11 charge BPF maps to; '
        + 'SYS_PTRACE: reads /proc/<pid>/ns, /proc/<pid>/root and /proc/<pid>/exe of other processes to map them to containers and resolve symbols, which the kernel allows only with ptrace access, even to root';
      const mounts = '/sys/kernel/tracing (read-only): reads tracepoint ids and formats (tracefs) to attach eBPF programs; '
        + '/proc (read-only): maps host process ids to containers and reads per-process statistics; '
        + '/sys/fs/cgroup (read-only): reads container cgroup ids and resource usage';
      const annotations = ds.metadata.annotations!;
      expect(Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith(EX)))).toEqual({
        [`${EX}pss-capabilities-baseline`]: caps,
        [`${EX}pss-capabilities-restricted`]: caps,
        [`${EX}pss-hostpathvolumes`]: mounts,
        [`${EX}pss-restrictedvolumes`]: mounts,
        [`${EX}pss-runasnonroot`]: ROOT_FOR_CAPABILITIES_REASON,
        [`${EX}pss-runasuser`]: ROOT_FOR_CAPABILITIES_REASON,
      });
      // The same reasons, keyed, for the report (docs/reasons-in-output.md).
      expect(Object.keys(JSON.parse(annotations['reasons.secure-agents.io/capabilities']))).toEqual(['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE']);
      expect(Object.keys(JSON.parse(annotations['reasons.secure-agents.io/host-paths'])).sort()).toEqual(['/proc', '/sys/fs/cgroup', '/sys/kernel/tracing']);
    });

    it('has a ClusterRole of exactly the agent rules, bound to its own ServiceAccount, and mounts the token', () => {
      // No nodes/metrics without nodeCidrs (the kubelet is unreachable then), and no /metrics/cadvisor,
      // which the API server does not serve.
      const role = find(objects, 'ClusterRole', 'observability-agent');
      expect(role.rules).toEqual([
        { apiGroups: [''], resources: ['nodes', 'services'], verbs: ['get', 'list', 'watch'] },
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ]);
      expect(JSON.parse(role.metadata.annotations!['reasons.secure-agents.io/rules'])).toEqual(rulesOf(AGENT_NEEDS, ['read-topology', 'api-metrics']).map((r) => r.reason));
      const binding = find(objects, 'ClusterRoleBinding', 'observability-agent');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'observability-agent' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'agent', namespace: 'observability' }]);
      expect(spec.automountServiceAccountToken).toBe(true);
      expect(spec.serviceAccountName).toBe('agent');
    });

    it('sits behind a policy allowing DNS and the API server only, until sendTo() adds peers', () => {
      const np = find(objects, 'NetworkPolicy', 'agent');
      expect(np.spec.ingress).toEqual([]);
      expect(np.spec.egress.map((r: any) => r.to)).toEqual([
        [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        [{ ipBlock: { cidr: '10.100.0.1/32' } }],
      ]);
      expect(np.spec.egress[1].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    });

    it('exposes the resolved tier, capabilities and mounts', () => {
      const chart = new Chart(new App(), 'obs');
      const agent = new ObservabilityAgent(chart, 'agent', { image: IMAGE, apiServer: API });
      expect(agent.tier).toBe(AgentTier.BPF);
      expect(agent.capabilityGrants.map((c) => c.capability)).toEqual(['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE']);
      expect(agent.hostMountGrants.map((m) => m.hostPath)).toEqual(['/sys/kernel/tracing', '/proc', '/sys/fs/cgroup']);
      expect(agent.root).toBe(true);
      expect(agent.identity).toBe(CapabilityIdentity.ROOT);
      expect(agent.privileged).toBe(false);
    });
  });

  it('with nodeCidrs, reaches the kubelets on 10250 and gets exactly get on nodes/metrics, each with its reason', () => {
    const objects = agentObjects({ nodeCidrs: ['172.31.0.0/16'] });
    const role = find(objects, 'ClusterRole', 'observability-agent');
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] });
    expect(JSON.parse(role.metadata.annotations!['reasons.secure-agents.io/rules'])).toHaveLength(role.rules.length);
    const np = find(objects, 'NetworkPolicy', 'agent');
    const i = np.spec.egress.findIndex((r: any) => r.to[0].ipBlock?.cidr === '172.31.0.0/16');
    expect(np.spec.egress[i].ports).toEqual([{ protocol: 'TCP', port: 10250 }]);
    expect(JSON.parse(np.metadata.annotations!['reasons.secure-agents.io/egress'])[i]).toMatch(/kubelet/);
  });

  it('runs non-root with the file-capabilities identity, and refuses runAsRoot with it', () => {
    const ds = find(agentObjects({ identity: CapabilityIdentity.NON_ROOT_FILE_CAPABILITIES }), 'DaemonSet', 'agent');
    expect(podSpec(ds).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(ds.metadata.annotations!['reasons.secure-agents.io/run-as-root']).toBeUndefined();
    const e = catchValidationError(() => build({ identity: CapabilityIdentity.NON_ROOT_FILE_CAPABILITIES, runAsRoot: { reason: 'the vendor says so, really' } }));
    expect([e.prop, e.code]).toEqual(['runAsRoot', 'conflicting-identity']);
  });

  it('sys-admin tier: SYS_ADMIN, SYS_RESOURCE and SYS_PTRACE, with debugfs instead of tracefs', () => {
    const ds = find(agentObjects({ tier: AgentTier.SYS_ADMIN }), 'DaemonSet', 'agent');
    const spec = podSpec(ds);
    expect(spec.containers[0].securityContext).toMatchObject({
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['SYS_ADMIN', 'SYS_RESOURCE', 'SYS_PTRACE'] },
    });
    expectMounts(spec, [MOUNTS.debugfs, MOUNTS.proc, MOUNTS.cgroup]);
    expect(ds.metadata.annotations![`${EX}pss-capabilities-baseline`]).toMatch(/^SYS_ADMIN: loads and attaches eBPF programs on kernels older than 5\.8/);
    expect(ds.metadata.annotations![`${EX}pss-privileged`]).toBeUndefined();
  });

  it('privileged tier: privileged only with its reason, which exempts the privilege rules', () => {
    const reason = 'vendor kernel module probe needs full device access';
    const ds = find(agentObjects({ tier: AgentTier.PRIVILEGED, privilegedReason: reason }), 'DaemonSet', 'agent');
    const spec = podSpec(ds);
    expect(spec.containers[0].securityContext).toMatchObject({ privileged: true, allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'] } });
    expect(spec.containers[0].securityContext.capabilities.add).toBeUndefined();
    expectMounts(spec, [MOUNTS.tracefs, MOUNTS.proc, MOUNTS.cgroup]);
    for (const rule of ['pss-privileged', 'pss-allowprivilegeescalation', 'pss-capabilities-baseline', 'pss-capabilities-restricted']) {
      expect(ds.metadata.annotations![`${EX}${rule}`]).toBe(reason);
    }
  });

  it('runs as root and mounts the host root filesystem only when asked, with reasons', () => {
    const ds = find(agentObjects({
      runAsRoot: { reason: 'capabilities are effective for UID 0 only' },
      hostRootFilesystem: { reason: 'reads binaries of other containers for symbols' },
    }), 'DaemonSet', 'agent');
    const spec = podSpec(ds);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0 });
    expect(spec.containers[0].volumeMounts).toContainEqual({ mountPath: '/host/root', name: 'host-root', readOnly: true });
    expect(spec.volumes).toContainEqual({ name: 'host-root', hostPath: { path: '/', type: 'Directory' } });
    expect(ds.metadata.annotations![`${EX}pss-runasnonroot`]).toBe('capabilities are effective for UID 0 only');
    expect(ds.metadata.annotations![`${EX}pss-hostpathvolumes`]).toContain('/ (read-only): reads binaries of other containers for symbols');
  });

  it('takes further capabilities and read-only host mounts, each with its reason', () => {
    const spec = podSpec(find(agentObjects({
      additionalCapabilities: [{ capability: 'NET_ADMIN', reason: 'attaches eBPF programs to tc hooks' }],
      additionalHostMounts: [{ hostPath: '/var/run/containerd', reason: 'reads container metadata from containerd' }],
    }), 'DaemonSet', 'agent'));
    expect(spec.containers[0].securityContext.capabilities.add).toEqual(['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE', 'NET_ADMIN']);
    expect(spec.containers[0].volumeMounts).toContainEqual({ mountPath: '/var/run/containerd', name: 'host-var-run-containerd', readOnly: true });
  });

  describe('validation', () => {
    const cases: Array<[string, Partial<ObservabilityAgentProps>, string, string, RegExp]> = [
      ['a capability that does not exist', { additionalCapabilities: [{ capability: 'CAP_EBPF', reason: 'loads eBPF programs' }] }, 'additionalCapabilities[0].capability', 'invalid-capability', /use one of/],
      ['a capability with the CAP_ prefix', { additionalCapabilities: [{ capability: 'CAP_NET_ADMIN', reason: 'attaches to tc hooks' }] }, 'additionalCapabilities[0].capability', 'invalid-capability', /write "NET_ADMIN"/],
      ['a capability the tier already has', { additionalCapabilities: [{ capability: 'BPF', reason: 'loads eBPF programs' }] }, 'additionalCapabilities[0].capability', 'duplicate-capability', /drop it/],
      ['a relative host-mount path', { additionalHostMounts: [{ hostPath: 'var/run/containerd', reason: 'reads container metadata' }] }, 'additionalHostMounts[0].hostPath', 'invalid-path', /absolute path/],
      ['a writable host mount', { additionalHostMounts: [{ hostPath: '/var/lib/agent', readOnly: false, reason: 'keeps state on the node' }] }, 'additionalHostMounts[0].readOnly', 'writable-host-mount', /drop readOnly/],
      ['privileged without a reason', { tier: AgentTier.PRIVILEGED }, 'privilegedReason', 'missing-reason', /at least 10 characters/],
      ['privileged with a short reason', { tier: AgentTier.PRIVILEGED, privilegedReason: 'needed' }, 'privilegedReason', 'missing-reason', /at least 10 characters/],
      ['a privileged reason on another tier', { privilegedReason: 'because the vendor says so' }, 'privilegedReason', 'privileged-reason-without-tier', /AgentTier\.PRIVILEGED/],
      ['an unknown tier', { tier: 'ebpf' as AgentTier }, 'tier', 'invalid-tier', /bpf, sys-admin, privileged/],
      ['root without a reason', { runAsRoot: { reason: '' } }, 'runAsRoot.reason', 'missing-reason', /at least 10/],
      ['the host root without a reason', { hostRootFilesystem: { reason: 'x' } }, 'hostRootFilesystem.reason', 'missing-reason', /at least 10/],
      ['privileged with a reason padded by zero-width spaces', { tier: AgentTier.PRIVILEGED, privilegedReason: 'needed\u200b\u200b\u200b\u200b\u200b' }, 'privilegedReason', 'missing-reason', /visible ones/],
    ];

    it.each(cases)('fails on %s with a ValidationError naming the agent, the prop and the fix', (_t, props, prop, code, fix) => {
      const e = catchValidationError(() => build(props));
      expect([e.path, e.prop, e.code]).toEqual(['obs/agent', prop, code]);
      expect(e.message).toMatch(fix);
    });

    it('fails on random bad props with ValidationError and nothing else', () => {
      const bad = fc.oneof(
        fc.string().filter((s) => !/^[A-Z_]+$/.test(s)).map((capability) => ({ additionalCapabilities: [{ capability, reason: 'a long enough reason' }] })),
        fc.string().filter((s) => !s.startsWith('/')).map((hostPath) => ({ additionalHostMounts: [{ hostPath, reason: 'a long enough reason' }] })),
        fc.string({ maxLength: 9 }).map((privilegedReason) => ({ tier: AgentTier.PRIVILEGED, privilegedReason })),
        fc.string().filter((s) => !['bpf', 'sys-admin', 'privileged'].includes(s)).map((tier) => ({ tier: tier as AgentTier })),
        fc.string().filter((s) => !/^[\d./]+$/.test(s)).map((cidr) => ({ apiServer: { cidrs: [cidr] } })),
        fc.integer({ min: 65536 }).map((port) => ({ apiServer: { cidrs: ['10.0.0.1/32'], port } })),
      );
      fc.assert(fc.property(bad, (props) => {
        expect(() => build(props as Partial<ObservabilityAgentProps>)).toThrow(ValidationError);
      }), { numRuns: 200 });
    });
  });
});
