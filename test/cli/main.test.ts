import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFdBounded } from '../../src/cli/inputs';
import { main } from '../../src/cli/main';
import { GCP_PERMISSIONS_FILE } from '../helpers/shared';

const ROOT = join(__dirname, '../..');
const FIX = 'test/fixtures/checker';

/**
 * Runs `secure-agents` in this process through its exported `main(argv, io)`, with the streams captured
 * and standard input given as text (or a reader). One test below runs the real command as a process.
 */
function cli(args: string[], input?: string | ((max: number) => Buffer | string)) {
  let stdout = '';
  let stderr = '';
  const readStdin = typeof input === 'function' ? input : () => input ?? '';
  const code = main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, readStdin });
  return { code, stdout, stderr };
}

/** The JSON a run printed; when there is none, fails with the exit code and what the CLI wrote to stderr. */
function json(r: ReturnType<typeof cli>): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`secure-agents printed no JSON (exit ${r.code}); stderr: ${r.stderr.trim() || '(empty)'}; stdout: ${r.stdout.trim().slice(0, 500) || '(empty)'}`);
  }
}

const pod = (name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: shop }
spec:
  containers:
    - name: c
      image: busybox:1.36
      securityContext: { privileged: true }${extra}
`;

let tmp: string;
beforeAll(() => {
  expect(process.cwd()).toBe(ROOT); // fixture paths below are relative, as users type them
  tmp = mkdtempSync(join(tmpdir(), 'sa-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('secure-agents check', () => {
  it('exits 0 on clean input', () => {
    const r = cli(['check', `${FIX}/clean.yaml`]);
    expect(r.stdout).toContain('2 objects checked: 0 errors, 0 warnings, 0 exempted');
    expect(r.code).toBe(0);
  });

  it('the committed example output in dist/ has no unexempted error', () => {
    const r = cli(['check', '--format', 'json', 'dist']);
    const out = json(r);
    expect(out.summary.objects).toBeGreaterThan(0);
    expect(out.findings.filter((f: any) => f.severity === 'error' && !f.exempted)).toEqual([]);
    for (const f of out.findings.filter((x: any) => x.exempted)) expect(f.reason.length).toBeGreaterThanOrEqual(10);
    expect(r.code).toBe(0);
  });

  it('exits 1 on an unexempted error, naming rule, file, document (and List item), object and field path', () => {
    const r = cli(['check', `${FIX}/violating.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error pss-privileged test\/fixtures\/checker\/violating.yaml#0\/items\[0\] Pod shop\/debug spec.containers\[0\].securityContext.privileged/);
    expect(r.stdout).toMatch(/error rbac-bind-cluster-admin test\/fixtures\/checker\/violating.yaml#1 ClusterRoleBinding everyone-admin/);
  });

  it('text and JSON name document index and field path, not lines: unrelated lines moving does not change them', () => {
    const base = readFileSync(join(ROOT, FIX, 'violating.yaml'), 'utf8');
    const moved = `# a comment\n# another\n${base.replace('kind: List\n', 'kind: List\n# moved\n')}`;
    for (const format of ['text', 'json']) {
      const a = cli(['check', '--format', format, '-'], base);
      const b = cli(['check', '--format', format, '-'], moved);
      expect(a.stdout, format).toBe(b.stdout);
    }
    const json = JSON.parse(cli(['check', '--format', 'json', '-'], base).stdout);
    const f = json.findings.find((x: any) => x.rule === 'pss-privileged');
    expect(f.location).toEqual({ file: '-', document: 0, item: 0 });
    expect(f.path).toBe('spec.containers[0].securityContext.privileged');
  });

  it('--format json prints the DESIGN.md shape', () => {
    const r = cli(['check', '--format', 'json', `${FIX}/exempted.json`]);
    const out = json(r);
    expect(Object.keys(out)).toEqual(['findings', 'summary']);
    expect(out.summary).toEqual({ errors: 2, warnings: 2, exempted: 1, objects: 1 });
    expect(out.findings.find((f: any) => f.rule === 'pss-hostnamespaces')).toMatchObject({
      severity: 'error', exempted: true, reason: "reads the node's process table for profiling",
      resource: { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'obs', name: 'probe' },
      path: 'spec.template.spec.hostPID',
    });
    // "short" is not a reason: the exemption is itself an error and exempts nothing.
    expect(out.findings.filter((f: any) => !f.exempted && f.severity === 'error').map((f: any) => f.rule).sort())
      .toEqual(['exemption-missing-reason', 'image-latest-tag']);
    expect(r.code).toBe(1);
  });

  it('--format sarif prints SARIF 2.1.0 for GitHub code scanning', () => {
    const r = cli(['check', '--format', 'sarif', `${FIX}/violating.yaml`]);
    const s = json(r);
    expect(s.version).toBe('2.1.0');
    expect(s.$schema).toMatch(/sarif-2\.1\.0/);
    const run = s.runs[0];
    const ids = run.tool.driver.rules.map((x: any) => x.id);
    expect(ids).toContain('pss-privileged');
    for (const res of run.results) {
      expect(ids).toContain(res.ruleId);
      expect(['error', 'warning']).toContain(res.level);
      expect(res.message.text.length).toBeGreaterThan(10);
      expect(res.locations[0].physicalLocation.artifactLocation.uri).toBe('test/fixtures/checker/violating.yaml');
      expect(res.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(res.locations[0].physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
    }
    expect(run.invocations[0].executionSuccessful).toBe(true);
    expect(r.code).toBe(1);
  });

  it('SARIF points at the line of the offending field, with a relative URI even for an absolute path', () => {
    const lines = readFileSync(join(ROOT, FIX, 'violating.yaml'), 'utf8').split('\n');
    const lineOf = (re: RegExp, from = 0) => lines.findIndex((l, i) => i >= from && re.test(l)) + 1;
    const r = cli(['check', '--format', 'sarif', join(ROOT, FIX, 'violating.yaml')]);
    const results = json(r).runs[0].results;
    const at = (rule: string) => results.find((x: any) => x.ruleId === rule).locations[0].physicalLocation;
    expect(at('pss-privileged').artifactLocation.uri).toBe('test/fixtures/checker/violating.yaml');
    expect(at('pss-privileged').region.startLine).toBe(lineOf(/^\s+privileged: true/));
    expect(at('pss-hostnamespaces').region.startLine).toBe(lineOf(/^\s+hostPID: true/));
    const crb = lineOf(/^kind: ClusterRoleBinding/);
    expect(at('rbac-bind-cluster-admin').region.startLine).toBeGreaterThanOrEqual(crb);
    expect(at('rbac-bind-system-groups').region.startLine).toBe(lineOf(/name: system:authenticated/));
    // A path outside the working directory is still relative, and file names are percent-encoded.
    const odd = join(tmp, 'my dir');
    mkdirSync(odd, { recursive: true });
    writeFileSync(join(odd, 'a b.yaml'), pod('spaced'));
    const s = JSON.parse(cli(['check', '--format', 'sarif', join(odd, 'a b.yaml')]).stdout);
    const uri = s.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri;
    expect(uri).toMatch(/^(\.\.\/)+.*my%20dir\/a%20b\.yaml$/);
    expect(uri.startsWith('/')).toBe(false);
  });

  it('--pss baseline runs only baseline pss checks', () => {
    const restricted = cli(['check', '--rules', 'pss-', '--format', 'json', `${FIX}/violating.yaml`]);
    const baseline = cli(['check', '--pss', 'baseline', '--rules', 'pss-', '--format', 'json', `${FIX}/violating.yaml`]);
    const rules = (o: string) => new Set(JSON.parse(o).findings.map((f: any) => f.rule));
    expect(rules(restricted.stdout).has('pss-runasnonroot')).toBe(true);
    expect(rules(baseline.stdout).has('pss-runasnonroot')).toBe(false);
    expect(rules(baseline.stdout).has('pss-privileged')).toBe(true);
    expect([...rules(baseline.stdout)].every((x) => String(x).startsWith('pss-'))).toBe(true);
  });

  it('--rules filters by prefix', () => {
    const r = cli(['check', '--rules', 'rbac-,image-', '--format', 'json', `${FIX}/violating.yaml`]);
    const rules = new Set(json(r).findings.map((f: any) => f.rule));
    expect([...rules].sort()).toEqual(['image-digest', 'rbac-bind-cluster-admin', 'rbac-bind-system-groups']);
  });

  it('--rules with a prefix that matches no rule is a usage error (exit 2), not a green run of nothing', () => {
    for (const rules of ['PSS-', 'psss-', 'pss-,rbca-']) {
      const r = cli(['check', '--rules', rules, `${FIX}/violating.yaml`]);
      expect(r.code, rules).toBe(2);
      expect(r.stderr).toMatch(/matches? no rule/);
      expect(r.stdout).toBe('');
    }
    expect(cli(['check', '--rules', 'exemption-', `${FIX}/clean.yaml`]).code).toBe(0);
  });

  it('bad input: names the file and document, checks every other document, exits 2', () => {
    const r = cli(['check', `${FIX}/bad-input.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('bad-input.yaml: document 1 is not a Kubernetes object');
    expect(r.stdout).toContain('bad-input.yaml: document 2 is not a Kubernetes object: it has no kind');
    expect(r.stdout).toContain('bad-input.yaml: document 3 is not valid YAML');
    expect(r.stdout).toContain('Pod ok-but-privileged');
    expect(r.stdout).toContain('Pod second-privileged');
  });

  it('one hostile document never takes the run down: toString/valueOf/__proto__/constructor keys, wrong types', () => {
    const hostile = [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: {toString: 1}}\nspec: {containers: [{name: c, image: x}]}\n',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: caps}\nspec:\n  containers:\n    - name: c\n      image: x\n      securityContext: {capabilities: {add: {toString: 1, valueOf: 2}}}\n',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: proto, labels: {__proto__: x, constructor: y}}\nspec: {containers: [{name: {toString: 1}, image: {valueOf: 1}}]}\n',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: types}\nspec: {containers: {toString: 1}, volumes: 3, securityContext: [1], hostPID: {a: 1}}\n',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb}\nroleRef: {toString: 1}\nsubjects: {constructor: 1}\n',
      'apiVersion: v1\nkind: {toString: 1}\nmetadata: {name: k}\n',
      '__proto__: {polluted: true}\nconstructor: {prototype: {polluted: true}}\n',
    ];
    const text = [pod('first'), ...hostile, pod('last')].join('---\n');
    const r = cli(['check', '--format', 'json', '-'], text);
    const out = json(r);
    expect(r.code).toBe(2);
    const privileged = out.findings.filter((f: any) => f.rule === 'pss-privileged').map((f: any) => f.resource.name);
    expect(privileged).toEqual(expect.arrayContaining(['first', 'last']));
    // Every hostile document is either checked (counted) or reported by its index; none is silently dropped.
    const reported = new Set((out.problems ?? []).map((p: any) => p.document));
    for (const d of reported) expect(d).toBeGreaterThanOrEqual(1);
    expect(reported.has(1)).toBe(true); // metadata.name {toString: 1}: the API server refuses it
    expect(out.summary.objects + reported.size).toBe(hostile.length + 2);
    expect(({} as any).polluted).toBeUndefined();
    expect(r.stderr).not.toMatch(/TypeError|at .*\.ts:\d+/);
  });

  it('a deeply nested compact sequence is reported by index, and the next document is still checked', () => {
    const deep = `${'- '.repeat(20_000)}x\n`;
    const r = cli(['check', '-'], `${pod('before')}---\n${deep}---\n${pod('after')}`);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/-: document 1 is nested more than 200 levels/);
    expect(r.stdout).toContain('Pod shop/before');
    expect(r.stdout).toContain('Pod shop/after');
  });

  it('reads YAML as kubectl does: yes/on/merge keys cannot hide a privilege', () => {
    const sneaky = `apiVersion: v1
kind: Pod
metadata: {name: sneaky}
spec:
  hostNetwork: on
  containers:
    - name: c
      image: busybox:1.36
      securityContext:
        privileged: false
        <<: {privileged: yes}
`;
    const out = JSON.parse(cli(['check', '--format', 'json', '-'], sneaky).stdout);
    const paths = out.findings.map((f: any) => `${f.rule} ${f.path}`);
    expect(paths).toContain('pss-privileged spec.containers[0].securityContext.privileged');
    expect(paths.some((p: string) => p.startsWith('pss-hostnamespaces spec.hostNetwork'))).toBe(true);
  });

  it('a very large file is refused with its name; the other files are still checked', () => {
    const big = join(tmp, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(65 * 1024 * 1024)}\n`);
    const r = cli(['check', big, `${FIX}/violating.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${big}: larger than 64 MiB`);
    expect(r.stdout).toContain('Pod shop/debug');
    rmSync(big);
  });

  it('/dev/zero as a file, and an endless standard input, are read only up to the bound (exit 2)', () => {
    const t0 = Date.now();
    const file = cli(['check', '/dev/zero', `${FIX}/clean.yaml`]);
    expect(file.code).toBe(2);
    expect(file.stdout).toContain('/dev/zero: larger than 64 MiB');
    expect(file.stdout).toContain('2 objects checked');
    const fd = openSync('/dev/zero', 'r');
    try {
      const stdin = cli(['check', '-'], (max) => readFdBounded(fd, max));
      expect(stdin.code).toBe(2);
      expect(stdin.stdout).toContain('standard input: larger than 64 MiB');
    } finally {
      closeSync(fd);
    }
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('a file of a million tiny documents stops at the document bound with exit 2, quickly', () => {
    const many = join(tmp, 'many.yaml');
    writeFileSync(many, 'a: 1\n---\n'.repeat(1_000_000));
    const t0 = Date.now();
    const r = cli(['check', many]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/more than 100000 documents.*split it into smaller files/);
    expect(Date.now() - t0).toBeLessThan(30_000);
    rmSync(many);
  });

  it('walks directories for .yaml, .yml and .json, and reads - from stdin', () => {
    const dir = cli(['check', '--format', 'json', FIX]);
    expect(dir.code).toBe(2); // bad-input.yaml is among them
    const files = new Set(json(dir).findings.map((f: any) => f.location.file));
    expect([...files].sort()).toEqual([`${FIX}/bad-input.yaml`, `${FIX}/exempted.json`, `${FIX}/violating.yaml`]);
    const stdin = cli(['check', '-'], readFileSync(join(ROOT, FIX, 'clean.yaml'), 'utf8'));
    expect(stdin.code).toBe(0);
  });

  it('follows a symlinked directory (a chart\'s templates/ as a link) once, and survives a link loop', () => {
    const chart = join(tmp, 'chart');
    mkdirSync(join(tmp, 'shared-templates'), { recursive: true });
    mkdirSync(chart, { recursive: true });
    writeFileSync(join(tmp, 'shared-templates', 'pod.yaml'), pod('linked'));
    symlinkSync(join(tmp, 'shared-templates'), join(chart, 'templates'));
    symlinkSync(join(tmp, 'shared-templates'), join(chart, 'templates-again'));
    symlinkSync(chart, join(chart, 'templates', 'loop'));
    const r = cli(['check', '--format', 'json', chart]);
    const out = json(r);
    expect(out.summary.objects).toBe(1);
    expect(out.findings.filter((f: any) => f.rule === 'pss-privileged').map((f: any) => f.resource.name)).toEqual(['linked']);
    expect(r.code).toBe(1);
  });

  it('a FIFO or a socket named *.yaml inside a walked directory is skipped with a note, not waited on', async () => {
    const dir = join(tmp, 'special');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pod.yaml'), pod('regular'));
    expect(spawnSync('mkfifo', [join(dir, 'fifo.yaml')]).status).toBe(0);
    const server = createServer();
    await new Promise<void>((done) => server.listen(join(dir, 'socket.yaml'), done));
    try {
      const r = cli(['check', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${join(dir, 'fifo.yaml')}: skipped: not a regular file`);
      expect(r.stderr).toContain(`${join(dir, 'socket.yaml')}: skipped: not a regular file`);
      expect(r.stdout).toContain('Pod shop/regular');
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('skips the files cdk8s and cdktf write next to manifests, recognised by content whatever their name', () => {
    const dir = join(tmp, 'synth-out');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.k8s.yaml'), pod('synthesised'));
    writeFileSync(join(dir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources: { 'app-pod-c8x': { path: 'app/pod' } } }));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '0.21.0', stacks: { s: { name: 's', constructPath: 's', workingDirectory: 'stacks/s', synthesizedStackPath: 'stacks/s/cdk.tf.json', annotations: [], dependencies: [] } } }));
    writeFileSync(join(dir, 'renamed.json'), JSON.stringify({ version: '1.0.0', resources: {} }));
    const r = cli(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 objects checked');
    expect(r.stderr).toMatch(/construct-metadata\.json: skipped: cdk8s's construct metadata/);
    expect(r.stderr).toMatch(/manifest\.json: skipped: cdktf's stack manifest/);
    expect(r.stderr).toMatch(/renamed\.json: skipped: cdk8s's construct metadata/);
    // A look-alike that is a real object is not skipped.
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '1', stacks: { s: { name: 's' } } }));
    expect(cli(['check', dir]).code).toBe(2);
  });

  it('accepts Terraform JSON without a resource block (only variables, providers, outputs)', () => {
    const tf = join(tmp, 'vars.tf.json');
    writeFileSync(tf, JSON.stringify({ '//': { metadata: {} }, terraform: { required_providers: {} }, variable: { region: { type: 'string' } }, output: { x: { value: '1' } } }));
    const r = cli(['check', '--format', 'json', tf]);
    expect(json(r).summary.objects).toBe(1);
    expect(r.code).toBe(0);
  });

  it('empty input exits 2 with "nothing to check", unless --allow-empty', () => {
    for (const input of ['', '# helm template failed\n', '---\n---\n']) {
      const r = cli(['check', '-'], input);
      expect(r.code, JSON.stringify(input)).toBe(2);
      expect(r.stderr).toContain('nothing to check');
      expect(cli(['check', '--allow-empty', '-'], input).code).toBe(0);
    }
    const empty = join(tmp, 'empty-dir');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'README.md'), 'not a manifest');
    expect(cli(['check', empty]).code).toBe(2);
  });

  it('bad usage exits 2 with the usage', () => {
    for (const args of [[], ['check'], ['check', '--pss', 'strict', 'x.yaml'], ['check', '--format', 'xml', 'x.yaml'], ['lint', 'x.yaml'], ['check', '--nope', 'x.yaml']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: secure-agents check');
    }
    expect(cli(['check', 'no/such/file.yaml']).code).toBe(2);
    expect(cli(['--help']).stdout).toContain('usage: secure-agents check');
  });
});

describe('secure-agents check on Terraform JSON', () => {
  it('runs the aws-* and gcp-* rules over dist/terraform and finds no error, with the GCP permissions list', () => {
    const r = cli(['check', '--format', 'json', '--gcp-permissions', GCP_PERMISSIONS_FILE, 'dist/terraform']);
    const out = json(r);
    expect(out.summary.objects).toBe(readdirSync(join(ROOT, 'dist/terraform')).length);
    expect(out.findings.filter((f: any) => f.severity === 'error' && !f.exempted)).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('exits 1 with each weakness of a hand-written policy, and flags a permission not in the list', () => {
    const weak = {
      resource: {
        aws_iam_policy: { weak: { name: 'weak', policy: JSON.stringify({ Version: '2012-10-17', Statement: [
          { Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: '*' },
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/*' },
        ] }) } },
        google_project_iam_custom_role: { r: { role_id: 'r', title: 'r', project: 'p', permissions: ['compute.instances.delete', 'compute.instances.fly'] } },
      },
    };
    writeFileSync(join(tmp, 'weak.tf.json'), JSON.stringify(weak));
    const r = cli(['check', '--format', 'json', '--gcp-permissions', GCP_PERMISSIONS_FILE, join(tmp, 'weak.tf.json')]);
    const rules = new Set(json(r).findings.map((f: any) => f.rule));
    for (const rule of ['aws-createtags-unscoped', 'aws-passrole-wildcard', 'aws-hardcoded-partition', 'aws-wildcard-mutation', 'gcp-unknown-permission']) {
      expect(rules, rule).toContain(rule);
    }
    expect(r.code).toBe(1);
  });

  it('exits 2 when the --gcp-permissions file cannot be read', () => {
    const r = cli(['check', '--gcp-permissions', 'no/such/file', 'dist/terraform']);
    expect(r.stderr).toContain('cannot read --gcp-permissions file');
    expect(r.code).toBe(2);
  });
});

describe('secure-agents as a process (the installed bin, once)', () => {
  it('reads /dev/zero on standard input only up to the bound, and exits 2 with the exit code set', () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/main.ts', 'check', '-'], { cwd: ROOT, stdio: [zero, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stdout).toContain('standard input: larger than 64 MiB');
    } finally {
      closeSync(zero);
    }
  });
});
