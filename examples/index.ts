import { App, Chart } from 'cdk8s';
import { costOptimizer } from './cost-optimizer';
import { aiops, aiopsExternalStores } from './aiops';
import { hardenedAgent } from './hardened-agent';
import { observability, observabilityExecutor } from './observability';
import { sensor } from './sensor';
import { sensorBusExternal, sensorBusInCluster } from './sensor-bus';
import { costOptimizerController } from './cost-optimizer-controller';

/** Every example chart, in the order they are written to dist/k8s/<chart id>.k8s.yaml. */
export const k8sExamples: Array<(app: App) => Chart> = [
  hardenedAgent,
  observability,
  observabilityExecutor,
  costOptimizer,
  costOptimizerController,
  aiops,
  aiopsExternalStores,
  sensor,
  sensorBusInCluster,
  sensorBusExternal,
];

/**
 * Every example Terraform stack, written to dist/terraform/<stack id>/cdk.tf.json. Typed loosely so
 * that loading this file does not load cdktf for a Kubernetes-only run.
 */
export const terraformExamples: Array<(outdir: string) => void> = [
  // Required when called, so that a Kubernetes-only run never loads cdktf.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (outdir) => { (require('./terraform') as typeof import('./terraform')).synthTerraformExamples(outdir); },
];

/** Adds every example chart to an app (used by `npm run synth`, cdk8s.yaml and the tests). */
export function addK8sExamples(app: App): Chart[] {
  return k8sExamples.map((make) => make(app));
}
