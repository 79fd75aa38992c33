import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputChangeEntries } from '../scripts/changelog-gate';

const ROOT = join(__dirname, '..');
const GATE = join(ROOT, 'scripts/changelog-gate.ts');

const CHANGELOG = `# Changelog

## Unreleased

### Output changes

### Added

## 0.1.0

### Output changes

- an old output change
`;

let repo: string;
const git = (...args: string[]) => {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
};
const write = (file: string, text: string) => { mkdirSync(join(repo, file, '..'), { recursive: true }); writeFileSync(join(repo, file), text); };
/** Adds an entry under the first heading `section` (the Unreleased one). */
const addLine = (section: string, line: string) => {
  const text = readFileSync(join(repo, 'CHANGELOG.md'), 'utf8');
  writeFileSync(join(repo, 'CHANGELOG.md'), text.replace(`${section}\n`, `${section}\n\n${line}\n`));
};
/** Runs the gate in the temporary repository, as CI runs it. */
const gate = (env: Record<string, string> = {}) => {
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [GATE, '--base', 'main'], {
    cwd: repo, encoding: 'utf8', env: { ...process.env, CI: 'true', CHANGELOG_BASE: '', GITHUB_BASE_REF: '', ...env },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('the CI changelog gate (scripts/changelog-gate.ts) in a temporary git repository', () => {
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'sac-gate-'));
    git('init', '-q');
    write('CHANGELOG.md', CHANGELOG);
    write('dist/k8s/app.k8s.yaml', 'kind: Deployment\n');
    write('src/x.ts', 'export const x = 1;\n');
    git('add', '.');
    git('commit', '-qm', 'base');
    git('checkout', '-qb', 'feature');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('passes a branch that does not touch dist/', () => {
    write('src/x.ts', 'export const x = 2;\n');
    git('commit', '-qam', 'code only');
    const r = gate();
    expect(r.out).toContain('dist/ is unchanged');
    expect(r.code).toBe(0);
  });

  it('fails a committed change to dist/ without a changelog line, naming the file', () => {
    write('dist/k8s/app.k8s.yaml', 'kind: DaemonSet\n');
    git('commit', '-qam', 'output');
    const r = gate();
    expect(r.code).toBe(1);
    expect(r.out).toContain('dist/k8s/app.k8s.yaml');
    expect(r.out).toContain('### Output changes');
  });

  it('fails an uncommitted or untracked change to dist/ the same way', () => {
    write('dist/k8s/new.k8s.yaml', 'kind: Service\n');
    expect(gate().code).toBe(1);
  });

  it('does not count a line under another section, nor an old release\'s output changes', () => {
    write('dist/k8s/app.k8s.yaml', 'kind: DaemonSet\n');
    addLine('### Added', '- a new prop');
    git('commit', '-qam', 'output, logged in the wrong section');
    expect(gate().code).toBe(1);
  });

  it('passes once a line is added under Unreleased / Output changes', () => {
    write('dist/k8s/app.k8s.yaml', 'kind: DaemonSet\n');
    addLine('### Output changes', '- the agent is a DaemonSet');
    git('commit', '-qam', 'output, logged');
    const r = gate();
    expect(r.out).toContain('the agent is a DaemonSet');
    expect(r.code).toBe(0);
  });

  it('in CI, fails when there is no base to compare with', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [GATE, '--base', 'no-such-branch'], {
      cwd: repo, encoding: 'utf8', env: { ...process.env, CI: 'true', CHANGELOG_BASE: '', GITHUB_BASE_REF: '' },
    });
    git('branch', '-qm', 'main', 'trunk'); // no "main" left to fall back to
    const r2 = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [GATE, '--base', 'no-such-branch'], {
      cwd: repo, encoding: 'utf8', env: { ...process.env, CI: 'true', CHANGELOG_BASE: '', GITHUB_BASE_REF: '' },
    });
    expect(r.status, 'falls back to main').toBe(0);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain('no base to compare with');
  });
});

describe('outputChangeEntries', () => {
  it('reads only the Unreleased section\'s Output changes entries', () => {
    const text = CHANGELOG.replace('### Output changes\n\n### Added', '### Output changes\n\n- one\n- two\n\n### Added\n\n- added');
    expect(outputChangeEntries(text)).toEqual(['- one', '- two']);
    expect(outputChangeEntries(CHANGELOG)).toEqual([]);
  });
});
