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

  it('every relative link resolves, and the Documentation index reaches every page under docs/', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(10);
    for (const l of links) expect(fs.existsSync(path.join(ROOT, l)), l).toBe(true);
    const index = readme.slice(readme.indexOf('## Documentation'));
    const indexed = [...index.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => path.normalize(m[1]));
    const pages = (fs.readdirSync(path.join(ROOT, 'docs'), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f));
    expect(pages.length).toBeGreaterThan(5);
    // A page is indexed when it, or the folder it sits in, is linked from the index.
    const unlisted = pages.filter((p) => !indexed.some((l) => l === p || path.dirname(p) === l.replace(/\/$/, '') || (path.basename(l) === 'README.md' && path.dirname(p) === path.dirname(l))));
    expect(unlisted).toEqual([]);
  });
});
