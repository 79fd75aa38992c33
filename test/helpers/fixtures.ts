/** Props that several stack tests build charts from. */
import { AiopsChartProps } from '../../src';
import { common } from '../../examples/aiops';

/** The AIOps chart's secrets: Kubernetes Secrets named `aiops-*`, the ones examples/aiops.ts uses. */
export function aiopsSecrets(): AiopsChartProps['secrets'] {
  return { ...common.secrets };
}
