// `npm run synth`: builds every example in-process, then replaces dist/ in one step. A construct
// that throws (a ValidationError), or a dist/ that cannot be written, leaves the committed dist/ exactly
// as it was (examples/replace-dir.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { addK8sExamples, terraformExamples } from './index';
import { replaceDir } from './replace-dir';
import { writeNeedsDocs } from './needs-docs';
import { writePrivilegeDocs } from '../src/cli/report';

function main(): void {
  const root = path.resolve(__dirname, '..');
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'secure-agents-dist-'));
  try {
    const app = new App({ outdir: path.join(staging, 'k8s') });
    addK8sExamples(app);
    app.synth();
    for (const stack of terraformExamples) stack(path.join(staging, 'terraform'));
    const dist = path.join(root, 'dist');
    replaceDir(staging, dist);
    const files = listFiles(dist).map((f) => path.relative(root, f));
    console.log(`synthesised ${files.length} files:\n  ${files.join('\n  ')}`);
    console.log(`needs tables:\n  ${writeNeedsDocs(root).join('\n  ')}`);
    // The examples' privilege reports (docs/privileges/<example>.md), read from dist/ like any manifests.
    const docs = writePrivilegeDocs(dist, path.join(root, 'docs', 'privileges')).map((f) => path.relative(root, f));
    console.log(`privilege reports:\n  ${docs.join('\n  ')}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

try {
  main();
} catch (err) {
  const e = err as Error;
  console.error(e.name === 'ValidationError' || 'code' in e ? `synth failed, dist/ unchanged:\n${e.message}` : e.stack ?? String(e));
  process.exit(1);
}
