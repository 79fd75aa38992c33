import { ApiObject, Chart, Testing } from 'cdk8s';
import { addK8sExamples } from '../../examples';
import { BenchCase } from '../types';

function synthesiseExamples(): string {
  const app = Testing.app();
  addK8sExamples(app);
  return app.synthYaml();
}

/** The example objects as plain JSON, built once, for the baseline. */
const objects = (() => {
  const app = Testing.app();
  addK8sExamples(app);
  return app.charts.flatMap((c) => c.toJson());
})();

export const cases: BenchCase[] = [
  {
    name: `synthesis of the examples (${objects.length} objects)`,
    subject: () => { synthesiseExamples(); },
    baselineLabel: 'the same objects as bare cdk8s ApiObjects',
    baseline: () => {
      const app = Testing.app();
      const chart = new Chart(app, 'bare');
      objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
      app.synthYaml();
    },
  },
];
