// The report of each family's example, built from the example's chart (and, for the cost optimiser,
// its committed Terraform JSON), against the privileges the example asks for in its props.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { aiops } from '../../examples/aiops';
import { costOptimizer } from '../../examples/cost-optimizer';
import { hardenedAgent } from '../../examples/hardened-agent';
import { observability, observabilityExecutor } from '../../examples/observability';
import { sensor } from '../../examples/sensor';
import { Manifest } from '../../src/policy';
import { buildReport, privilegeItems, PrivilegeReport, WorkloadReport } from '../../src/policy/report';

const ROOT = join(__dirname, '../..');
const reportOf = (make: (app: App) => Chart, extra: Manifest[] = []) => buildReport([...(Testing.synth(make(Testing.app())) as Manifest[]), ...extra]);
const named = (r: PrivilegeReport, name: string): WorkloadReport => {
  const w = r.workloads.find((x) => x.workload.name === name);
  if (!w) throw new Error(`no workload ${name}`);
  return w;
};
const apiTexts = (w: WorkloadReport) => privilegeItems(w).filter((i) => i.section === 'kubernetes-api').map((i) => i.text).sort();
const egressKinds = (w: WorkloadReport) => w.network.egress.rules.flatMap((r) => r.peers.map((p) => p.type));

describe('observability example', () => {
  const r = reportOf(observability);

  it('agent: the bpf tier capabilities, root with its reason, three read-only host paths each with its reason', () => {
    const k = named(r, 'agent').kernel;
    expect(k.capabilities.map((c) => [c.name, c.containers])).toEqual([['BPF', ['agent']], ['PERFMON', ['agent']], ['SYS_PTRACE', ['agent']], ['SYS_RESOURCE', ['agent']]]);
    // Each capability has its own reason, not the whole list of the exemption.
    for (const c of k.capabilities) expect(c.reason).toMatch(/^[^;]{10,}$/);
    expect(k.root.containers).toEqual(['agent']);
    expect(k.root.reason).toContain('file capabilities');
    expect(k.hostPaths.map((h) => [h.path, h.access])).toEqual([['/proc', 'read-only'], ['/sys/fs/cgroup', 'read-only'], ['/sys/kernel/tracing', 'read-only']]);
    for (const h of k.hostPaths) expect(h.reason).toMatch(/^[^;]{10,}$/);
    expect(k.privileged.containers).toEqual([]);
    expect(k.hostNamespaces).toEqual([]);
  });

  it('mediator reads only; victoria-metrics has no API token and no API access', () => {
    const m = named(r, 'mediator').kubernetesApi;
    expect(m.read.length).toBeGreaterThan(0);
    expect([m.write, m.delete, m.escalate, m.exec, m.secrets]).toEqual([[], [], [], [], []]);
    const vm = named(r, 'victoria-metrics');
    expect(vm.identity.tokenMounted).toBe(false);
    expect(apiTexts(vm)).toEqual([]);
  });

  it('every workload is behind an egress policy; the only secret is the mediator\'s vendor credential, as a file', () => {
    for (const w of r.workloads) {
      expect(w.network.egress.status).toBe('restricted');
      expect(egressKinds(w)).not.toContain('any');
      expect(w.secrets.filter((s) => s.source !== 'pull secret').map((s) => [w.workload.name, s.name, s.as])).toEqual(w.workload.name === 'mediator' ? [['mediator', 'vendor-api-key', 'file']] : []);
      expect(w.supplyChain.every((i) => i.pinned)).toBe(true);
    }
  });
});

describe('observability example with the executor', () => {
  it('executor: scale and restart in shop and payments, delete pods in shop, cordon nodes', () => {
    expect(apiTexts(named(reportOf(observabilityExecutor), 'executor'))).toEqual([
      '[delete] delete pods in namespace shop',
      '[read] get apps/deployments in namespace payments', '[read] get apps/deployments in namespace shop',
      '[read] get apps/deployments/scale in namespace payments', '[read] get apps/deployments/scale in namespace shop',
      '[read] get apps/statefulsets/scale in namespace payments', '[read] get apps/statefulsets/scale in namespace shop',
      '[read] get nodes cluster-wide', '[read] get pods in namespace shop',
      '[write] patch apps/deployments in namespace payments', '[write] patch apps/deployments in namespace shop',
      '[write] patch apps/deployments/scale in namespace payments', '[write] patch apps/deployments/scale in namespace shop',
      '[write] patch apps/statefulsets/scale in namespace payments', '[write] patch apps/statefulsets/scale in namespace shop',
      '[write] patch nodes cluster-wide',
      '[write] update apps/deployments/scale in namespace payments', '[write] update apps/deployments/scale in namespace shop',
      '[write] update apps/statefulsets/scale in namespace payments', '[write] update apps/statefulsets/scale in namespace shop',
    ]);
  });
});

describe('cost-optimizer example with its AWS Terraform', () => {
  const tf = JSON.parse(readFileSync(join(ROOT, 'dist/terraform/cost-optimizer-aws/cdk.tf.json'), 'utf8'));
  const w = named(reportOf(costOptimizer, [tf]), 'optimizer-agent');

  it('the IRSA role resolves to its statements, each with the reason of its Sid, each scoped by resource ARN or a condition', () => {
    expect(w.identity.cloud.map((c) => [c.provider, c.mechanism, c.principal, c.resolved])).toEqual([['aws', 'irsa', 'arn:aws:iam::111122223333:role/prod-eu-1-cost-optimizer', true]]);
    const statements = w.identity.cloud[0].aws;
    expect(statements.length).toBeGreaterThan(5);
    for (const s of statements) {
      expect(s.sid).not.toBeNull();
      expect(s.reason?.length ?? 0).toBeGreaterThanOrEqual(10);
      if (s.sid === 'ReadPricing') continue; // pricing:GetProducts has no resource type
      expect(s.resources.some((res) => res !== '*') || s.conditions !== null).toBe(true);
    }
  });

  it('reads the cluster and writes only its own lease and config maps, in its own namespace', () => {
    const api = w.kubernetesApi;
    expect(api.read.length).toBeGreaterThan(0);
    expect([api.delete, api.escalate, api.exec, api.secrets]).toEqual([[], [], [], []]);
    expect(api.write.map((g) => `${g.scope} ${g.apiGroup}/${g.resource}`).sort()).toEqual(['namespace:cost-optimizer /configmaps', 'namespace:cost-optimizer coordination.k8s.io/leases']);
  });
});

describe('aiops example', () => {
  const r = reportOf(aiops);

  it('secrets reach the workloads as files, never as env', () => {
    const uses = r.workloads.flatMap((w) => w.secrets);
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((s) => s.as === 'env')).toEqual([]);
    expect(named(r, 'aiops-api').secrets.filter((s) => s.source !== 'pull secret').map((s) => s.name)).toEqual(['aiops-llm', 'aiops-postgres-app', 'aiops-qdrant', 'aiops-redis']);
  });

  it('only aiops-api mounts an API token; no workload has kernel privileges', () => {
    expect(r.workloads.filter((w) => w.identity.tokenMounted).map((w) => w.workload.name)).toEqual(['aiops-api']);
    for (const w of r.workloads) {
      expect(w.kernel.capabilities).toEqual([]);
      expect(w.kernel.hostPaths).toEqual([]);
      expect(w.kernel.root.containers).toEqual([]);
    }
  });
});

describe('sensor example', () => {
  const r = reportOf(sensor);

  it('interceptor: host network and PID, so its network is not enforceable', () => {
    const i = named(r, 'interceptor');
    expect(i.kernel.hostNamespaces.map((n) => n.name)).toEqual(['hostNetwork', 'hostPID']);
    expect(i.network.egress.status).toBe('not enforceable');
    expect(i.identity.tokenMounted).toBe(false);
  });

  it('crawler: its data-source credentials from Vault and an ExternalSecret, as files', () => {
    const c = named(r, 'crawler');
    expect(c.secrets.filter((s) => s.source === 'Vault').map((s) => s.name)).toEqual(['aws/sts/crawler-exports', 'database/creds/crawler-crm', 'database/creds/crawler-orders']);
    expect(c.secrets.find((s) => s.source === 'ExternalSecret')?.from).toBe('ExternalSecret crawler-billing (ClusterSecretStore/corp-vault: sensor/billing)');
    expect(c.secrets.every((s) => s.as !== 'env')).toBe(true);
  });

  it('vendor images are covered by the signed-images policy', () => {
    for (const name of ['interceptor', 'digger', 'detection-tool', 'crawler']) {
      expect(named(r, name).supplyChain.map((i) => i.signaturePolicies)).toEqual([['ImageValidatingPolicy/sensor-signed-images']]);
    }
  });
});

describe('hardened-agent example', () => {
  it('nothing beyond the restricted profile: no token, no API access, no kernel privilege, no secret', () => {
    const [w] = reportOf(hardenedAgent).workloads;
    expect(w.identity.tokenMounted).toBe(false);
    expect(apiTexts(w)).toEqual([]);
    expect(privilegeItems(w).filter((i) => i.section === 'kernel')).toEqual([]);
    expect(w.secrets.filter((s) => s.source !== 'pull secret')).toEqual([]);
  });
});
