import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ObservabilityChart, ObservabilityChartProps, RemediationAction } from '../../src';
import { Manifest } from '../../src/policy';
import { buildReport, diffMarkdown, diffReports } from '../../src/policy/report';

const props: ObservabilityChartProps = {
  apiServer: { cidrs: ['10.100.0.1/32'], port: 443 },
  httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] },
  backend: { url: 'https://ingest.vendor.example' },
  agent: {
    image: 'ghcr.io/example/ebpf-agent:3.2.0@sha256:4faffc29efe42a93ad6d983ef0062b203d348d864ff4e56051c0977cd57da79a',
    runAsRoot: { reason: 'Kubernetes adds capabilities to the effective set of UID 0 only (no ambient capabilities)' },
  },
  mediator: { image: 'ghcr.io/example/mediator:3.2.0@sha256:8f29c8d19c15cb250e548282a05d3ac5bcf4c736af31875cbffa5c7d62912b4d' },
  victoriaMetrics: { image: 'registry.example.com/vm:v1.110.0@sha256:92aedfb7d3c580eb19d88592d49fdf9e29205423bf5e2c319f33b5be7656703e', storageSize: '10Gi', retention: '7d' },
};
const EXECUTOR_IMAGE = 'ghcr.io/example/executor:3.2.0@sha256:1ccb55f8524a9a5c2f886590bd3efadac1bba5266ae0b60b5d6d584daba272f1';

function synth(p: ObservabilityChartProps): Manifest[] {
  return Testing.synth(new ObservabilityChart(Testing.app(), 'obs', p)) as Manifest[];
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('privilege diff of the observability chart without and with the executor', () => {
  const base = synth(props);
  const head = synth({ ...props, executor: { image: EXECUTOR_IMAGE, permissions: [{ action: RemediationAction.DELETE_PODS, namespaces: ['shop'] }, { action: RemediationAction.CORDON }] } });
  const diff = diffReports(buildReport(base), buildReport(head));

  it('changes one workload, the new executor, and removes nothing', () => {
    expect(diff.workloads.map((w) => [w.workload.kind, w.workload.namespace, w.workload.name, w.status])).toEqual([['Deployment', 'observability', 'executor', 'added']]);
    expect(diff.summary.removed).toBe(0);
  });

  it('lists exactly the executor\'s Kubernetes API permissions: get and delete pods in shop, get and patch nodes', () => {
    const api = diff.workloads[0].added.filter((i) => i.section === 'kubernetes-api').map((i) => i.text).sort();
    expect(api).toEqual([
      '[delete] delete pods in namespace shop',
      '[read] get nodes cluster-wide',
      '[read] get pods in namespace shop',
      '[write] patch nodes cluster-wide',
    ]);
  });

  it('and its identity, egress and supply-chain lines, nothing else', () => {
    const rest = diff.workloads[0].added.filter((i) => i.section !== 'kubernetes-api').map((i) => i.text);
    expect(rest).toEqual([
      'mounts a Kubernetes API token (ServiceAccount executor)',
      'egress to pods k8s-app=kube-dns in namespaces kubernetes.io/metadata.name=kube-system on TCP/53, UDP/53',
      'egress to 10.100.0.1/32 on TCP/443',
      'egress to pods app.kubernetes.io/component=mediator, app.kubernetes.io/instance=mediator, app.kubernetes.io/name=mediator in namespace observability on TCP/8443',
      'container executor image ghcr.io/example/executor is covered by no signature policy',
    ]);
  });

  it('the Markdown names the additions and warns where no reason is written', () => {
    const text = diffMarkdown(diff);
    expect(text).toContain('### Deployment observability/executor (new workload)');
    // get and delete on the same pods: one line, labelled with the more dangerous group.
    expect(text).toContain('➕ \\[delete\\] get, delete pods in namespace shop');
    const unreasoned = diff.workloads[0].added.filter((i) => i.expectsReason && !i.reason).length;
    expect(diff.summary.unreasoned).toBe(unreasoned);
    expect(text.match(/⚠️ \*\*no reason given\*\*/g)?.length ?? 0).toBe(unreasoned);
  });

  it('the reverse diff removes exactly what was added', () => {
    const back = diffReports(buildReport(head), buildReport(base));
    expect(back.workloads.map((w) => w.status)).toEqual(['removed']);
    expect(back.workloads[0].removed.map((i) => i.key)).toEqual(diff.workloads[0].added.map((i) => i.key));
    expect(back.summary.added).toBe(0);
  });
});

describe('churn that changes no privilege gives an empty diff', () => {
  const base = synth(props);

  it('reordering every object', () => {
    const d = diffReports(buildReport(base), buildReport([...base].reverse()));
    expect(d.workloads).toEqual([]);
    expect(diffMarkdown(d)).toBe('');
  });

  it('a label added to every object and pod template (selectors unchanged), and an image tag changed', () => {
    const head = clone(base) as any[];
    for (const o of head) {
      o.metadata.labels = { ...(o.metadata.labels ?? {}), 'team.example/owner': 'platform' };
      if (o.spec?.template?.metadata) o.spec.template.metadata.labels = { ...o.spec.template.metadata.labels, 'team.example/owner': 'platform' };
      for (const c of o.spec?.template?.spec?.containers ?? []) c.image = c.image.replace(':3.2.0@', ':3.2.1@');
    }
    expect(head.some((o) => o.spec?.template?.spec?.containers?.some((c: any) => c.image.includes(':3.2.1@')))).toBe(true);
    expect(diffReports(buildReport(base), buildReport(head)).workloads).toEqual([]);
  });

  it('reordering verbs and resources inside a rule', () => {
    const head = clone(base) as any[];
    for (const o of head) if (o.kind === 'ClusterRole') for (const r of o.rules) { r.verbs.reverse(); r.resources?.reverse(); }
    expect(diffReports(buildReport(base), buildReport(head)).workloads).toEqual([]);
  });
});

describe('changes inside a workload', () => {
  const base = synth(props);

  it('a capability added with its reason shows the reason; a rule added without one is counted as unreasoned', () => {
    const head = clone(base) as any[];
    const agent = head.find((o) => o.kind === 'DaemonSet');
    agent.spec.template.spec.containers[0].securityContext.capabilities.add.push('NET_ADMIN');
    agent.metadata.annotations['reasons.secure-agents.io/capabilities'] = JSON.stringify({ NET_ADMIN: 'attaches traffic-control programs to interfaces' });
    const role = head.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('mediator'));
    // A new rule, and no reason added for it to reasons.secure-agents.io/rules.
    role.rules.push({ apiGroups: [''], resources: ['pods'], verbs: ['delete'] });
    const d = diffReports(buildReport(base), buildReport(head));
    expect(d.workloads.map((w) => [w.workload.name, w.added.map((i) => [i.text, i.reason])])).toEqual([
      ['agent', [['container agent adds capability NET_ADMIN', 'attaches traffic-control programs to interfaces']]],
      ['mediator', [['[delete] delete pods cluster-wide', null]]],
    ]);
    expect(d.summary).toEqual({ added: 2, removed: 0, unreasoned: 1 });
    expect(diffMarkdown(d)).toContain('➕ \\[delete\\] delete pods cluster-wide ⚠️ **no reason given**');
  });

  it('dropping a NetworkPolicy turns the egress peers into "everything"', () => {
    const head = (clone(base) as any[]).filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'victoria-metrics'));
    const d = diffReports(buildReport(base), buildReport(head));
    expect(d.workloads.map((w) => w.workload.name)).toEqual(['victoria-metrics']);
    expect(d.workloads[0].added.map((i) => i.text)).toEqual(['egress to everything (no policy selects it)']);
    expect(d.workloads[0].removed.map((i) => i.text)).toEqual(['egress to pods k8s-app=kube-dns in namespaces kubernetes.io/metadata.name=kube-system on TCP/53, UDP/53']);
  });
});
