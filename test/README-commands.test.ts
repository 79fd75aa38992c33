import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..');

describe('README', () => {
  it('gives the two fresh-machine commands, and CI runs the same test command', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('```sh\nnpm test\n```');
    expect(ci).toMatch(/^npm test$/m);
    expect(scripts.synth).toBeTruthy();
    expect(scripts.test).toBeTruthy();
  });

  it('the GitHub Actions workflow runs .ci/run on pull requests, with the history the changelog gate needs', () => {
    const workflow = parse(fs.readFileSync(path.join(ROOT, '.github/workflows/ci.yml'), 'utf8'));
    expect(Object.keys(workflow.on)).toContain('pull_request');
    const steps: Array<{ run?: string; uses?: string; with?: Record<string, unknown>; 'working-directory'?: string }> = Object.values(workflow.jobs as Record<string, { steps: any[] }>)[0].steps;
    const run = steps.filter((s) => s.run);
    expect(run.map((s) => s.run?.trim())).toEqual(['bash .ci/run']);
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout') && s.with?.path === run[0]['working-directory']);
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    const engines = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
    expect(`>=${node?.with?.['node-version']}`).toBe(engines);
  });

  it('.ci/run checks every committed, generated file and runs the changelog gate', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    for (const step of ['npm run synth', 'npm run --silent changelog:check', 'npm run --silent api:check', 'scripts/gcp-permissions.ts --check']) {
      expect(ci, step).toContain(step);
    }
    for (const script of ['changelog:check', 'api:check', 'api']) expect(scripts[script], script).toBeTruthy();
  });
});
