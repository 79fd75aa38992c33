// issue 18: a property test per ready chart. Each chart's components (agents, stores, the audit log,
// the sensor's workloads, the image policy, the proxy) are reached through the chart's props.
import { Testing } from 'cdk8s';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { AiopsChart, CloudBindingKind, CostOptimizerChart, CostOptimizerChartProps, ObservabilityChart, SecretSource, SensorChart } from '../../src';
import { common as aiopsProps } from '../../examples/aiops';
import { common as observabilityProps } from '../../examples/observability';
import { sensorProps } from '../../examples/sensor';
import { sensorBusExternalProps, sensorBusInClusterProps } from '../../examples/sensor-bus';
import { costOptimizerControllerProps } from '../../examples/cost-optimizer-controller';
import type { K8sObject } from '../helpers/synth';
import { expectValidOrValidationError, mutatedProps, RUNS } from './arbitraries';

function objects(build: (app: ReturnType<typeof Testing.app>) => void): K8sObject[] {
  const app = Testing.app();
  build(app);
  return app.charts.flatMap((c) => c.toJson());
}

const costOptimizerProps: CostOptimizerChartProps = {
  clusterName: 'prod-eu-1', namespace: 'cost-optimizer', serviceAccountName: 'optimizer-agent',
  apiServer: { cidrs: ['10.100.0.1/32'] },
  httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] },
  imagePullSecrets: ['vendor-registry'],
  agent: {
    image: 'ghcr.io/example/optimizer-agent:2.3.0@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
    redactPatterns: ['apikey'],
    binding: { kind: CloudBindingKind.EKS_IRSA, accountId: '111122223333' },
    vendorCredential: SecretSource.kubernetesSecret({ name: 'optimizer-upload-key', keys: ['api-key'] }),
  },
};

describe('ready charts: arbitrary props give valid output or a ValidationError without secrets', () => {
  const charts: Array<[string, object, (app: any, props: any) => void]> = [
    ['ObservabilityChart', observabilityProps, (app, p) => new ObservabilityChart(app, 'x', p)],
    ['SensorChart', sensorProps, (app, p) => new SensorChart(app, 'x', p)],
    ['AiopsChart', aiopsProps, (app, p) => new AiopsChart(app, 'x', p)],
    ['CostOptimizerChart', costOptimizerProps, (app, p) => new CostOptimizerChart(app, 'x', p)],
    // The components only these props reach: the in-cluster Kafka broker, the external bus, the cluster controller.
    ['SensorChart with the in-cluster message broker', sensorBusInClusterProps, (app, p) => new SensorChart(app, 'x', p)],
    ['SensorChart with an external message bus', sensorBusExternalProps, (app, p) => new SensorChart(app, 'x', p)],
    ['CostOptimizerChart with the cluster controller', costOptimizerControllerProps, (app, p) => new CostOptimizerChart(app, 'x', p)],
  ];
  for (const [name, base, make] of charts) {
    it(name, () => {
      fc.assert(fc.property(mutatedProps(base), ({ props, secrets }) => {
        expectValidOrValidationError(() => objects((app) => make(app, props)), secrets);
      }), RUNS);
    });
  }
});
