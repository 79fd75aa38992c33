import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { observabilityExecutor } from '../../examples/observability';
import { BenchCase } from '../types';

function synthesise(make: (app: App) => Chart): string {
  const app = Testing.app();
  make(app);
  return app.synthYaml();
}

/** The chart's objects as plain JSON, built once, for the baseline. */
const objects = (() => {
  const app = Testing.app();
  return observabilityExecutor(app).toJson();
})();

export const cases: BenchCase[] = [
  {
    name: `ObservabilityChart with the executor (${objects.length} objects)`,
    subject: () => { synthesise(observabilityExecutor); },
    baselineLabel: 'the same objects as bare cdk8s ApiObjects',
    baseline: () => {
      const app = Testing.app();
      const chart = new Chart(app, 'bare');
      objects.forEach((o: Record<string, unknown>, i: number) => new ApiObject(chart, `o${i}`, o as any));
      app.synthYaml();
    },
  },
];
