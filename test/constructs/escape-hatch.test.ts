import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { k8sExamples } from '../../examples';
import * as lib from '../../src';
import { AgentWorkload, Ports } from '../../src';
import { find, podSpec, synth } from '../helpers/synth';

const IMAGE = 'ghcr.io/example/agent:1.0.0';

/** The library's construct classes, by name: whatever src/index.ts exports that extends Construct (charts aside). */
const LIBRARY_CLASSES = Object.entries(lib)
  .filter(([, v]) => typeof v === 'function' && v.prototype instanceof Construct && !(v.prototype instanceof Chart))
  .map(([name, v]) => [name, v as new (...args: never[]) => Construct] as const);

/** Constructs that emit no object of their own: nothing for ApiObject.of to return. */
const EMIT_NOTHING = new Set(['OutboundProxy', 'PolicyCheck', 'ExternalStore', 'ExternalMessageBus']);

function isLibraryConstruct(c: IConstruct): string | undefined {
  // The most derived library class the construct is an instance of.
  const hit = LIBRARY_CLASSES.filter(([, cls]) => c instanceof cls).sort(([, a], [, b]) => (a.prototype instanceof b ? -1 : b.prototype instanceof a ? 1 : 0))[0];
  return hit?.[0];
}

describe('escape hatch: ApiObject.of(construct)', () => {
  it('works on every library construct in the examples, and a patch through it reaches the output', () => {
    const app = Testing.app();
    k8sExamples.forEach((make) => make(app));
    const seen = new Set<string>();
    let n = 0;
    for (const chart of app.charts) {
      for (const c of chart.node.findAll()) {
        const cls = isLibraryConstruct(c);
        if (!cls || c instanceof ApiObject || c instanceof Chart || EMIT_NOTHING.has(cls)) continue;
        const obj = ApiObject.of(c);
        // What it returns lies under the construct: the object the construct made, not a neighbour's.
        expect(obj.node.path.startsWith(`${c.node.path}/`), `${cls} ${c.node.path}`).toBe(true);
        obj.addJsonPatch(JsonPatch.add(`/metadata/labels/example.com~1patch-${n}`, c.node.id.slice(0, 63)));
        seen.add(cls);
        n++;
      }
    }
    const docs = parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter(Boolean);
    // Each construct's patch is found (two constructs may share an object: a store and its workload).
    const patched = docs.flatMap((d: any) => Object.keys(d.metadata?.labels ?? {}).filter((k) => k.startsWith('example.com/patch-'))).sort();
    expect(patched).toEqual(Array.from({ length: n }, (_, i) => `example.com/patch-${i}`).sort());
    // Every construct class of the ready charts was tried.
    expect([...seen].sort()).toEqual(expect.arrayContaining([
      'AiopsApi', 'AuditLog', 'ImageSignaturePolicy', 'InClusterStore', 'ObservabilityAgent', 'ObservabilityExecutor', 'ObservabilityMediator',
      'OptimizerAgent', 'SensorCrawler', 'SensorDetectionTool', 'SensorDigger', 'SensorInterceptor', 'SensorPrometheusAgent', 'VictoriaMetrics',
      'WorkloadNetworkPolicy',
    ]));
  });

  it('gives the workload object of an AgentWorkload, so a pod-spec patch lands in its pod template', () => {
    const objects = synth((app) => {
      const chart = new Chart(app, 'c', { namespace: 'agents' });
      const w = new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'tests', image: IMAGE });
      // Pre-mapper names, as DESIGN.md's escape-hatch pitfall says.
      ApiObject.of(w).addJsonPatch(JsonPatch.add('/spec/template/spec/terminationGracePeriodSeconds', 5));
    });
    expect(podSpec(find(objects, 'Deployment', 'agent')).terminationGracePeriodSeconds).toBe(5);
  });
});

describe('AgentWorkload', () => {
  afterEach(() => vi.restoreAllMocks());

  it('makes its own default-deny NetworkPolicy selecting exactly its pods, opened by allowTo/allowFrom on both sides', () => {
    const objects = synth((app) => {
      const chart = new Chart(app, 'c', { namespace: 'agents' });
      const a = new AgentWorkload(chart, 'a', { component: 'a', partOf: 'tests', image: IMAGE });
      const b = new AgentWorkload(chart, 'b', { component: 'b', partOf: 'tests', image: IMAGE });
      new AgentWorkload(chart, 'idle', { component: 'idle', partOf: 'tests', image: IMAGE });
      a.allowTo(b, [Ports.tcp(8080)]);
    });
    for (const name of ['a', 'b', 'idle']) {
      const np = find(objects, 'NetworkPolicy', name);
      expect(np.spec.podSelector.matchLabels).toEqual(find(objects, 'Deployment', name).spec.selector.matchLabels);
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    }
    expect(find(objects, 'NetworkPolicy', 'idle').spec).toMatchObject({ ingress: [], egress: [] });
    expect(find(objects, 'NetworkPolicy', 'a').spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: find(objects, 'Deployment', 'b').spec.selector.matchLabels } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(find(objects, 'NetworkPolicy', 'b').spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: find(objects, 'Deployment', 'a').spec.selector.matchLabels } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  it('warns, without failing, when capabilities go to a container that does not run as root', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const chart = new Chart(new App(), 'c');
    const w = new AgentWorkload(chart, 'w', { component: 'agent', partOf: 'tests', image: IMAGE, capabilities: [{ capability: 'NET_RAW', reason: 'opens raw sockets to capture traffic' }] });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/NET_RAW .*does not run as root.*file capabilities/);
    expect(w.node.metadata.map((m) => m.type)).toContain('secure-agents:warning');
    new AgentWorkload(chart, 'root', { component: 'agent', partOf: 'tests', image: IMAGE, runAsRoot: { reason: 'the vendor binary runs as root' }, capabilities: [{ capability: 'NET_RAW', reason: 'opens raw sockets to capture traffic' }] });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
