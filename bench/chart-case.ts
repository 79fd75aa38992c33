import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { BenchCase } from './types';

/**
 * A chart's synthesis to YAML against the same objects as bare cdk8s ApiObjects: the ratio is what
 * the library's constructs, checks and the PolicyCheck add over writing the YAML by hand.
 */
export function chartCase(title: string, make: (app: App) => Chart): BenchCase {
  const objects = make(Testing.app()).toJson();
  return {
    name: `${title} (${objects.length} objects)`,
    subject: () => {
      const app = Testing.app();
      make(app);
      app.synthYaml();
    },
    baselineLabel: 'the same objects as bare cdk8s ApiObjects',
    baseline: () => {
      const app = Testing.app();
      const chart = new Chart(app, 'bare');
      objects.forEach((o: Record<string, unknown>, i: number) => new ApiObject(chart, `o${i}`, o as any));
      app.synthYaml();
    },
  };
}
