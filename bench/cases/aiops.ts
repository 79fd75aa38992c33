import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { aiops } from '../../examples/aiops';
import { BenchCase } from '../types';

const objects = (() => {
  const app = Testing.app();
  return aiops(app).toJson();
})();

export const cases: BenchCase[] = [
  {
    name: `AiopsChart synthesis (${objects.length} objects)`,
    subject: () => { aiops(Testing.app() as App).toJson(); },
    baselineLabel: 'the same objects as bare cdk8s ApiObjects',
    baseline: () => {
      const chart = new Chart(Testing.app(), 'bare');
      objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
      chart.toJson();
    },
  },
];
