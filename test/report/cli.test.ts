import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDiff } from '../../src/cli/diff';
import { privilegeDocs, runReport } from '../../src/cli/report';

const ROOT = join(__dirname, '../..');
const OBS = join(ROOT, 'dist/k8s/observability.k8s.yaml');
const OBS_EXEC = join(ROOT, 'dist/k8s/observability-executor.k8s.yaml');
const VENDOR = join(__dirname, 'fixtures/vendor-chart.yaml');

function io(stdin = '') {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => { out.stdout += s; }, stderr: (s: string) => { out.stderr += s; }, readStdin: () => stdin } };
}

const tmp = mkdtempSync(join(tmpdir(), 'report-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('secure-agents report', () => {
  it('json: the documented schema version and one entry per workload', () => {
    const { out, io: i } = io();
    expect(runReport(['--format', 'json', VENDOR], i)).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.schemaVersion).toBe(1);
    expect(r.workloads.map((w: any) => w.workload.name)).toEqual(['acme-agent', 'acme-cluster-agent']);
  });

  it('markdown: every section per workload, "no reason given" where none is written', () => {
    const { out, io: i } = io();
    expect(runReport([VENDOR], i)).toBe(0);
    for (const h of ['### DaemonSet acme/acme-agent', '**Identity**', '**Kubernetes API**', '**Kernel and host**', '**Network**', '**Secrets**', '**Supply chain**']) expect(out.stdout).toContain(h);
    expect(out.stdout).toContain('- capability **NET_ADMIN** (agent): _no reason given_');
    expect(out.stdout).toContain('- egress: **not enforceable** (host network: NetworkPolicies do not apply)');
  });

  it('html: one self-contained page with an SVG diagram of who talks to whom', () => {
    const { out, io: i } = io();
    expect(runReport(['--format=html', OBS], i)).toBe(0);
    const html = out.stdout;
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|\ssrc=|url\(http/);
    // The agent's egress to the mediator is a line between the two boxes, with the egress rule's reason.
    expect(html).toContain('<title>agent (DaemonSet, observability) → Deployment/observability/mediator: TCP/8443 (the agents send traces and events to the mediator)</title>');
  });

  it('reads standard input', () => {
    const { out, io: i } = io(readFileSync(VENDOR, 'utf8'));
    expect(runReport(['--format', 'json', '-'], i)).toBe(0);
    expect(JSON.parse(out.stdout).workloads).toHaveLength(2);
  });

  it('exits 2 on an unreadable path, on input without a workload, and on bad usage; never echoes a secret value', () => {
    const a = io();
    expect(runReport([join(tmp, 'nope.yaml')], a.io)).toBe(2);
    expect(a.out.stderr).toContain('cannot be read (ENOENT)');
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\nstringData: {password: hunter2-very-secret}\n';
    const b = io(secret);
    expect(runReport(['-'], b.io)).toBe(2);
    expect(b.out.stderr).toContain('no workload');
    expect(b.out.stdout + b.out.stderr).not.toContain('hunter2');
    const c = io();
    expect(runReport(['--format', 'pdf', VENDOR], c.io)).toBe(2);
    expect(c.out.stderr).toContain('--format "pdf" is not a format');
  });

  it('is dispatched by the secure-agents command', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/main.ts', 'report', '--format', 'json', VENDOR], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).workloads).toHaveLength(2);
  });
});

describe('secure-agents diff', () => {
  it('--fail-on added exits 1 on the executor\'s addition; without --fail-on it exits 0', () => {
    for (const [flags, code] of [[[], 0], [['--fail-on', 'added'], 1]] as const) {
      const { out, io: i } = io();
      expect(runDiff([...flags, OBS, OBS_EXEC], i)).toBe(code);
      expect(out.stdout).toContain('### Deployment observability/executor (new workload)');
    }
  });

  it('--fail-on unreasoned exits 1 on a capability added without a reason, and warns', () => {
    writeFileSync(join(tmp, 'unreasoned.yaml'), readFileSync(VENDOR, 'utf8').replace('add: [NET_ADMIN, CAP_SYS_PTRACE]', 'add: [NET_ADMIN, CAP_SYS_PTRACE, SYS_ADMIN]'));
    const { out, io: i } = io();
    expect(runDiff(['--fail-on', 'unreasoned', VENDOR, join(tmp, 'unreasoned.yaml')], i)).toBe(1);
    expect(out.stdout).toContain('➕ container agent adds capability SYS\\_ADMIN ⚠️ **no reason given**');
    expect(out.stderr).toContain('warning: 1 added privilege(s) without a reason');
  });

  it('removing privileges never fails --fail-on added', () => {
    const { out, io: i } = io();
    expect(runDiff(['--fail-on', 'added,unreasoned', '--format', 'json', OBS_EXEC, OBS], i)).toBe(0);
    const d = JSON.parse(out.stdout);
    expect(d.summary.added).toBe(0);
    expect(d.summary.removed).toBeGreaterThan(0);
  });

  it('--fail-on unreasoned passes when every addition has its reason', () => {
    const base = readFileSync(VENDOR, 'utf8');
    const head = base.replace('add: [NET_ADMIN, CAP_SYS_PTRACE]', 'add: [NET_ADMIN, CAP_SYS_PTRACE, NET_RAW]')
      .replace('exemptions.secure-agents.io/pss-hostpathvolumes:', `reasons.secure-agents.io/capabilities: '{"NET_RAW":"sends ICMP probes to measure latency"}'\n    exemptions.secure-agents.io/pss-hostpathvolumes:`);
    writeFileSync(join(tmp, 'base.yaml'), base);
    writeFileSync(join(tmp, 'head.yaml'), head);
    const { out, io: i } = io();
    expect(runDiff(['--fail-on', 'unreasoned', join(tmp, 'base.yaml'), join(tmp, 'head.yaml')], i)).toBe(0);
    expect(out.stdout).toContain('➕ container agent adds capability NET\\_RAW: sends ICMP probes to measure latency');
    expect(runDiff(['--fail-on', 'added', join(tmp, 'base.yaml'), join(tmp, 'head.yaml')], io().io)).toBe(1);
  });

  it('--git <rev>:<path> reads a directory at a revision with git ls-tree and git show', () => {
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'out'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    copyFileSync(OBS, join(repo, 'out/chart.yaml'));
    git('add', '.');
    git('commit', '-qm', 'one');
    copyFileSync(OBS_EXEC, join(repo, 'out/chart.yaml'));
    const { out, io: i } = io();
    expect(runDiff(['--format', 'json', '--git', 'HEAD:out', join(repo, 'out'), '--fail-on', 'added'], { ...i, cwd: repo })).toBe(1);
    expect(JSON.parse(out.stdout).workloads.map((w: any) => w.workload.name)).toEqual(['executor']);
    const same = io();
    expect(runDiff(['--git', 'HEAD:out', '--git', 'HEAD:out/chart.yaml'], { ...same.io, cwd: repo })).toBe(0);
    expect(same.out.stdout).toBe('');
    const bad = io();
    expect(runDiff(['--git', 'no-such-rev:out', join(repo, 'out')], { ...bad.io, cwd: repo })).toBe(2);
    expect(bad.out.stderr).toContain('git cannot list it');
  });

  it('needs exactly two sides', () => {
    const { out, io: i } = io();
    expect(runDiff([OBS], i)).toBe(2);
    expect(out.stderr).toContain('give exactly two sides');
  });
});

describe('docs/privileges', () => {
  it('equals what npm run synth generates from the committed dist/', () => {
    const docs = privilegeDocs(join(ROOT, 'dist'));
    expect([...docs.keys()].length).toBeGreaterThan(0);
    for (const [name, text] of docs) expect(readFileSync(join(ROOT, 'docs/privileges', name), 'utf8')).toBe(text);
  });
});

describe('two charts in one directory with a workload of the same kind, namespace and name', () => {
  it('the diff tells them apart by file: a change in either one shows', () => {
    const base = join(tmp, 'two-base');
    const head = join(tmp, 'two-head');
    for (const d of [base, head]) mkdirSync(d, { recursive: true });
    // a.yaml and b.yaml both define DaemonSet acme/acme-agent; only b.yaml changes.
    const vendor = readFileSync(VENDOR, 'utf8');
    for (const d of [base, head]) writeFileSync(join(d, 'a.yaml'), vendor);
    writeFileSync(join(base, 'b.yaml'), vendor);
    writeFileSync(join(head, 'b.yaml'), vendor.replace('add: [NET_ADMIN, CAP_SYS_PTRACE]', 'add: [NET_ADMIN, CAP_SYS_PTRACE, SYS_ADMIN]'));
    const { out, io: i } = io();
    expect(runDiff(['--format', 'json', base, head], i)).toBe(0);
    const d = JSON.parse(out.stdout);
    expect(d.workloads.map((w: any) => [w.workload.name, w.source, w.added.map((x: any) => x.text)])).toEqual([
      ['acme-agent', 'b.yaml', ['container agent adds capability SYS_ADMIN']],
    ]);
    const md = io();
    runDiff([base, head], md.io);
    expect(md.out.stdout).toContain('### DaemonSet acme/acme-agent in b.yaml');
  });
});
