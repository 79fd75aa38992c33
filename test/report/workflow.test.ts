// Runs the shell of .github/workflows/privilege-diff.yml (the steps with an id) as GitHub would, with the
// expressions given as environment variables: a real git worktree, the real CLI, and a stand-in `gh`
// that records its arguments (the GitHub API itself is not tested).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../..');
// Base: a vendor-style chart; head: the same with one capability added and no reason for it.
const VENDOR = readFileSync(join(__dirname, 'fixtures/vendor-chart.yaml'), 'utf8');
const VENDOR_HEAD = VENDOR.replace('add: [NET_ADMIN, CAP_SYS_PTRACE]', 'add: [NET_ADMIN, CAP_SYS_PTRACE, SYS_ADMIN]');
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/privilege-diff.yml'), 'utf8'));
const steps: Array<{ id?: string; run?: string; env?: Record<string, string> }> = workflow.jobs['privilege-diff'].steps;
const script = (id: string) => {
  const s = steps.find((x) => x.id === id);
  if (!s?.run) throw new Error(`no step ${id} with a run script`);
  return s;
};

const tmp = mkdtempSync(join(tmpdir(), 'privilege-diff-workflow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bash(run: string, env: Record<string, string>, cwd: string) {
  const r = spawnSync('bash', ['-eo', 'pipefail', '-c', run], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function outputs(file: string): Record<string, string> {
  return Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2) as [string, string]));
}

describe('privilege-diff workflow', () => {
  it('declares the steps the test runs, with the environment their scripts read', () => {
    expect(script('checkout-base').env).toEqual({ BASE_SHA: '${{ github.event.pull_request.base.sha }}', BASE_DIR: '${{ runner.temp }}/base' });
    expect(script('diff').env).toMatchObject({ BASE_DIST: '${{ runner.temp }}/base/dist', HEAD_DIST: 'dist' });
    expect(script('synth-base').run).toContain('npm run synth');
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('checkout-base puts the base revision in a worktree', () => {
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'dist'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(repo, 'dist/chart.yaml'), VENDOR);
    git('add', '.');
    git('commit', '-qm', 'base');
    const baseSha = git('rev-parse', 'HEAD').trim();
    writeFileSync(join(repo, 'dist/chart.yaml'), VENDOR_HEAD);
    git('commit', '-qam', 'head');
    const r = bash(script('checkout-base').run!, { BASE_SHA: baseSha, BASE_DIR: join(tmp, 'base') }, repo);
    expect(r.code).toBe(0);
    expect(readFileSync(join(tmp, 'base/dist/chart.yaml'), 'utf8')).toBe(VENDOR);
  });

  it('diff writes the Markdown of the added capability, warns that it has no reason, and sets changed=true', () => {
    const out = join(tmp, 'diff.md');
    const gh = join(tmp, 'gh-output-1');
    writeFileSync(gh, '');
    const r = bash(script('diff').run!, { BASE_DIST: join(tmp, 'base/dist'), HEAD_DIST: join(tmp, 'repo/dist'), OUT: out, GITHUB_OUTPUT: gh }, ROOT);
    expect(r.stderr).toContain('added privilege(s) without a reason');
    expect(r.code).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('### DaemonSet acme/acme-agent');
    expect(md).toContain('➕ container agent adds capability SYS\\_ADMIN ⚠️ **no reason given**');
    expect(outputs(gh)).toEqual({ unreasoned: 'true', changed: 'true' });
  });

  it('diff of a tree against itself writes nothing and sets changed=false', () => {
    const out = join(tmp, 'same.md');
    const gh = join(tmp, 'gh-output-2');
    writeFileSync(gh, '');
    const r = bash(script('diff').run!, { BASE_DIST: join(tmp, 'base/dist'), HEAD_DIST: join(tmp, 'base/dist'), OUT: out, GITHUB_OUTPUT: gh }, ROOT);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('');
    expect(outputs(gh)).toEqual({ unreasoned: 'false', changed: 'false' });
  });

  it('diff fails the step when a side cannot be read', () => {
    const gh = join(tmp, 'gh-output-3');
    writeFileSync(gh, '');
    const r = bash(script('diff').run!, { BASE_DIST: join(tmp, 'missing'), HEAD_DIST: join(tmp, 'base/dist'), OUT: join(tmp, 'x.md'), GITHUB_OUTPUT: gh }, ROOT);
    expect(r.code).toBe(2);
    expect(readFileSync(gh, 'utf8')).toBe('');
  });

  describe('comment', () => {
    // A stand-in gh: records its arguments; `--edit-last` fails when FAKE_GH_NO_COMMENT is set, as gh
    // does on a pull request without an earlier comment of ours.
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const log = join(tmp, 'gh.log');
    writeFileSync(join(bin, 'gh'), `#!/usr/bin/env bash\necho "$*" >> "${log}"\nif [ -n "$FAKE_GH_NO_COMMENT" ] && [[ " $* " == *" --edit-last "* ]]; then exit 1; fi\n`);
    chmodSync(join(bin, 'gh'), 0o755);
    const run = (env: Record<string, string>) => {
      if (existsSync(log)) rmSync(log);
      const out = join(tmp, 'comment.md');
      writeFileSync(out, '## Privilege changes\n');
      const r = bash(script('comment').run!, { PATH: `${bin}:${process.env.PATH}`, PR: '42', OUT: out, ...env }, tmp);
      return { code: r.code, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
    };

    it('edits the earlier comment when there is one', () => {
      expect(run({ CHANGED: 'true' })).toEqual({ code: 0, calls: [`pr comment 42 --edit-last --body-file ${join(tmp, 'comment.md')}`] });
    });

    it('creates a comment when there is none', () => {
      expect(run({ CHANGED: 'true', FAKE_GH_NO_COMMENT: '1' }).calls).toEqual([
        `pr comment 42 --edit-last --body-file ${join(tmp, 'comment.md')}`, `pr comment 42 --body-file ${join(tmp, 'comment.md')}`,
      ]);
    });

    it('with no change, only corrects an earlier comment and never creates one', () => {
      const r = run({ CHANGED: 'false', FAKE_GH_NO_COMMENT: '1' });
      expect(r).toEqual({ code: 0, calls: [`pr comment 42 --edit-last --body-file ${join(tmp, 'comment.md')}`] });
      expect(readFileSync(join(tmp, 'comment.md'), 'utf8')).toBe('No privilege changes (any more).\n');
    });
  });
});
