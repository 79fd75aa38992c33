import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { AgentWorkload } from '../../src/constructs/agent-workload';
import { PolicyCheck } from '../../src/constructs/policy-check';
import { SecureChart } from '../../src/constructs/secure-chart';
import { BenchCase } from '../types';

const DIGEST = `sha256:${'a'.repeat(64)}`;

/**
 * `n` hardened workloads, all in one namespace (so every NetworkPolicy is a candidate for every
 * workload), each with its default-deny NetworkPolicy opened for DNS and one ClusterRole grant, in
 * `charts` SecureCharts of n/charts workloads each, every chart with its PolicyCheck.
 */
export function buildWorkloads(app: App, n: number, charts: number): void {
  const perChart = Math.ceil(n / charts);
  for (let c = 0; c < charts; c++) {
    const chart = new SecureChart(app, `team-${c}`, { namespace: 'agents', disableResourceNameHashes: true });
    for (let i = c * perChart; i < Math.min(n, (c + 1) * perChart); i++) {
      const w = new AgentWorkload(chart, `agent-${i}`, {
        image: 'registry.example/vendor/agent:1.0', imageDigest: DIGEST,
        component: 'agent', partOf: `product-${i}`,
      });
      w.allowDns();
      w.grantClusterRole([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'], reason: 'lists the pods of the node it reports on' }]);
    }
    new PolicyCheck(chart, 'policy-check');
  }
}

/** The same objects as bare ApiObjects, in the same number of charts. */
function buildBare(app: App, objects: Array<Array<Record<string, any>>>): void {
  objects.forEach((list, c) => {
    const chart = new Chart(app, `team-${c}`, { disableResourceNameHashes: true });
    list.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
  });
}

function scaleCase(n: number, charts: number): BenchCase {
  let objects: Array<Array<Record<string, any>>> | undefined;
  const bare = () => {
    if (!objects) {
      const app = Testing.app();
      buildWorkloads(app, n, charts);
      objects = app.charts.map((c) => c.toJson());
    }
    return objects;
  };
  return {
    name: `${n} workloads in ${charts === 1 ? 'one chart' : `${charts} charts`}`,
    group: `scale-${charts === 1 ? 'one' : 'many'}`,
    size: n,
    runs: n >= 3000 ? 3 : n >= 1000 ? 5 : undefined,
    subject: () => {
      const app = Testing.app();
      buildWorkloads(app, n, charts);
      app.synthYaml();
    },
    baselineLabel: `the same objects as bare cdk8s ApiObjects${charts === 1 ? '' : ', in as many charts'}`,
    baseline: () => {
      const app = Testing.app();
      buildBare(app, bare());
      app.synthYaml();
    },
    // cdk8s renders each of many plain charts at a cost that grows with the whole app: the same objects
    // in one chart are the floor, so that this cost of cdk8s does not flatter the ratio.
    ...(charts === 1 ? {} : {
      floorLabel: 'the same objects as bare ApiObjects in one chart',
      floor: () => {
        const app = Testing.app();
        buildBare(app, [bare().flat()]);
        app.synthYaml();
      },
    }),
  };
}

const sizes = (process.env.BENCH_SCALE ?? '100,1000,3000').split(',').map(Number).filter((n) => n > 0);

export const cases: BenchCase[] = [
  ...sizes.map((n) => scaleCase(n, 1)),
  ...sizes.map((n) => scaleCase(n, Math.max(1, n / 10))),
];
