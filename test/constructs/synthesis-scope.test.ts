import { ApiObject, Testing } from 'cdk8s';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentWorkload, NetworkPeer, PolicyCheck, Ports, SecureChart } from '../../src';
import { catchValidationError } from '../helpers/errors';

const IMAGE = 'ghcr.io/example/agent:1.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

/** A chart of `workloads` hardened workloads, each with a ClusterRole grant, and its PolicyCheck. */
function team(app: ReturnType<typeof Testing.app>, id: string, workloads: number): { chart: SecureChart; check: PolicyCheck } {
  const chart = new SecureChart(app, id, { namespace: 'agents' });
  for (let i = 0; i < workloads; i++) {
    const w = new AgentWorkload(chart, `${id}-agent-${i}`, { component: 'agent', partOf: 'tests', image: IMAGE });
    w.allowDns();
    w.grantClusterRole([{ resources: ['pods'], verbs: ['get'], reason: 'reads the pods it reports on' }]);
  }
  return { chart, check: new PolicyCheck(chart, 'policy') };
}

/** A pod that breaks the restricted profile, so a PolicyCheck over its chart fails. */
function privilegedPod(chart: SecureChart): ApiObject {
  return new ApiObject(chart, 'debug-pod', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' },
    spec: { automountServiceAccountToken: false, containers: [{ name: 'sh', image: IMAGE, securityContext: { privileged: true } }] },
  });
}

function apiObjectsOf(app: ReturnType<typeof Testing.app>): number {
  return app.node.findAll().filter((c) => c instanceof ApiObject).length;
}

afterEach(() => vi.restoreAllMocks());

describe('synthesis of many SecureCharts', () => {
  it('renders each object once and runs each PolicyCheck once per app.synthYaml(), however many charts', () => {
    const app = Testing.app();
    const checks = Array.from({ length: 6 }, (_, i) => team(app, `team-${i}`, 3).check);
    const renders = vi.spyOn(ApiObject.prototype, 'toJson');
    const runs = checks.map((c) => vi.spyOn(c, 'check'));
    const yaml = app.synthYaml();
    expect(renders).toHaveBeenCalledTimes(apiObjectsOf(app));
    for (const run of runs) expect(run).toHaveBeenCalledTimes(1);
    // 6 charts x 3 workloads, each with its Deployment, ServiceAccount, NetworkPolicy, ClusterRole and binding.
    expect(yaml.match(/^kind: /gm)).toHaveLength(6 * 3 * 5);
  });

  it('renders each object once per app.synth() too', () => {
    const app = Testing.app();
    for (let i = 0; i < 4; i++) team(app, `team-${i}`, 2);
    const renders = vi.spyOn(ApiObject.prototype, 'toJson');
    app.synth();
    expect(renders).toHaveBeenCalledTimes(apiObjectsOf(app));
  });

  it('a chart rendered alone checks its own objects once, not every chart of the app', () => {
    const app = Testing.app();
    const teams = Array.from({ length: 5 }, (_, i) => team(app, `team-${i}`, 2));
    const runs = teams.map((t) => vi.spyOn(t.check, 'check'));
    const renders = vi.spyOn(ApiObject.prototype, 'toJson');
    const objects = Testing.synth(teams[2].chart);
    expect(runs.map((r) => r.mock.calls.length)).toEqual([0, 0, 1, 0, 0]);
    expect(renders).toHaveBeenCalledTimes(objects.length);
    expect(objects).toHaveLength(2 * 5);
  });

  it('fails app.synth(), app.synthYaml() and Testing.synth(chart) when a PolicyCheck finds an error', () => {
    const app = Testing.app();
    team(app, 'team-a', 1);
    const { chart } = team(app, 'team-b', 1);
    privilegedPod(chart);
    const expected = /Validation failed[\s\S]*\[team-b\/policy\] pss-privileged at team-b\/debug-pod \(Pod debug/;
    expect(() => app.synth()).toThrow(expected);
    expect(() => app.synthYaml()).toThrow(expected);
    expect(() => Testing.synth(chart)).toThrow(expected);
  });

  it('caches nothing between two syntheses: an object added after a passing one fails the next', () => {
    const app = Testing.app();
    const { chart } = team(app, 'team-a', 1);
    expect(() => Testing.synth(chart)).not.toThrow();
    expect(() => app.synthYaml()).not.toThrow();
    privilegedPod(chart);
    expect(() => Testing.synth(chart)).toThrow(/pss-privileged at team-a\/debug-pod/);
    expect(() => app.synthYaml()).toThrow(/pss-privileged at team-a\/debug-pod/);
  });

  it('renders a workload changed after a synthesis as it is now', () => {
    const app = Testing.app();
    const { chart } = team(app, 'team-a', 1);
    const egress = () => Testing.synth(chart).find((o) => o.kind === 'NetworkPolicy').spec.egress;
    expect(egress()).toHaveLength(1);
    (chart.node.findChild('team-a-agent-0') as AgentWorkload).allowTo(NetworkPeer.cidrs(['203.0.113.0/24']), [Ports.tcp(443)]);
    expect(egress()).toHaveLength(2);
    expect(app.synthYaml()).toContain('203.0.113.0/24');
  });

  it('a chart rendered alone is validated by its own subtree: another chart\'s failure fails only the app', () => {
    const app = Testing.app();
    const good = team(app, 'team-a', 1).chart;
    privilegedPod(team(app, 'team-b', 1).chart);
    expect(Testing.synth(good).map((o) => o.kind)).toContain('Deployment');
    expect(() => app.synthYaml()).toThrow(/team-b\/debug-pod/);
  });
});

describe('duplicate workload names, found through an index per chart', () => {
  const props = { component: 'agent', partOf: 'tests', image: IMAGE };

  it('fails a second workload of the same name and namespace in a chart, naming the first', () => {
    const chart = new SecureChart(Testing.app(), 'c', { namespace: 'agents' });
    new AgentWorkload(chart, 'one', { ...props, name: 'reporter' });
    const err = catchValidationError(() => new AgentWorkload(chart, 'two', { ...props, name: 'reporter' }));
    expect(err.code).toBe('duplicate-workload-name');
    expect(err.message).toContain('"c/one"');
    expect(() => new AgentWorkload(chart, 'three', { ...props, name: 'reporter', namespace: 'other' })).not.toThrow();
  });

  it('a workload of a nested chart counts in the outer chart; one of the outer chart does not count in the nested', () => {
    const outer = new SecureChart(Testing.app(), 'outer', { namespace: 'agents' });
    const inner = new SecureChart(outer, 'inner', { namespace: 'agents' });
    new AgentWorkload(inner, 'nested', { ...props, name: 'reporter' });
    expect(catchValidationError(() => new AgentWorkload(outer, 'top', { ...props, name: 'reporter' })).message).toContain('"outer/inner/nested"');
    new AgentWorkload(outer, 'top2', { ...props, name: 'collector' });
    expect(() => new AgentWorkload(inner, 'nested2', { ...props, name: 'collector' })).not.toThrow();
  });

  it('a removed workload frees its name', () => {
    const chart = new SecureChart(Testing.app(), 'c', { namespace: 'agents' });
    new AgentWorkload(chart, 'one', { ...props, name: 'reporter' });
    chart.node.tryRemoveChild('one');
    expect(() => new AgentWorkload(chart, 'two', { ...props, name: 'reporter' })).not.toThrow();
  });
});
