import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { addCostOptimizerStacks } from './cost-optimizer-stacks';

/**
 * Synthesises the example cdktf stacks and writes each one's JSON to <outdir>/<stack>/cdk.tf.json,
 * and nothing else (no manifest, no absolute paths).
 */
export function synthTerraformExamples(outdir: string): string[] {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sac-cdktf-'));
  try {
    const app = new App({ outdir: work, skipValidation: false });
    addCostOptimizerStacks(app);
    app.synth();
    const stacks = fs.readdirSync(path.join(work, 'stacks')).sort();
    for (const stack of stacks) {
      const json = JSON.parse(fs.readFileSync(path.join(work, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      fs.mkdirSync(path.join(outdir, stack), { recursive: true });
      fs.writeFileSync(path.join(outdir, stack, 'cdk.tf.json'), `${JSON.stringify(json, null, 2)}\n`);
    }
    return stacks;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
