import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { k8sExamples } from '../examples';
import { synth } from './helpers/synth';

const ROOT = path.resolve(__dirname, '..');

describe('examples', () => {
  // The committed output is dist/ (compared below); no second copy under test/__snapshots__.
  it.each(k8sExamples.map((make) => [make.name, make] as const))('%s synthesises valid, deterministic output', (_name, make) => {
    const objects = synth((app) => { make(app); });
    expect(objects.length).toBeGreaterThan(0);
  });

  it('dist/k8s holds exactly the example charts, as synthesised now', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sac-')) });
    const charts = k8sExamples.map((make) => make(app));
    const expected = charts.map((c) => `${c.node.id}.k8s.yaml`).sort();
    expect(fs.readdirSync(path.join(ROOT, 'dist/k8s')).sort()).toEqual(expected);
    app.synth();
    for (const file of expected) {
      expect(fs.readFileSync(path.join(app.outdir, file), 'utf8'), `dist/k8s/${file} is stale: run npm run synth`)
        .toBe(fs.readFileSync(path.join(ROOT, 'dist/k8s', file), 'utf8'));
    }
  });

  it('`cdk8s synth` with cdk8s.yaml writes the same YAML as dist/k8s', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sac-cli-'));
    execFileSync(path.join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade', '--output', out], {
      cwd: ROOT, stdio: 'pipe', env: { ...process.env, CI: 'true' },
    });
    const files = fs.readdirSync(path.join(ROOT, 'dist/k8s')).sort();
    expect(fs.readdirSync(out).sort()).toEqual(files);
    for (const file of files) {
      expect(fs.readFileSync(path.join(out, file), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'dist/k8s', file), 'utf8'));
    }
  });
});
