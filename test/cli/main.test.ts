import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../..');
const FIX = 'test/fixtures/checker';

/** Runs `secure-agents` as a process, the way users run it. */
function cli(args: string[], input?: string) {
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/main.ts', ...args], { cwd: ROOT, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('secure-agents check', () => {
  it('exits 0 on clean input', () => {
    const r = cli(['check', `${FIX}/clean.yaml`]);
    expect(r.stdout).toContain('2 objects checked: 0 errors, 0 warnings, 0 exempted');
    expect(r.code).toBe(0);
  });

  it('the committed example output in dist/ has no unexempted error', () => {
    const r = cli(['check', '--format', 'json', 'dist']);
    const out = JSON.parse(r.stdout);
    expect(out.summary.objects).toBeGreaterThan(0);
    expect(out.findings.filter((f: any) => f.severity === 'error' && !f.exempted)).toEqual([]);
    for (const f of out.findings.filter((x: any) => x.exempted)) expect(f.reason.length).toBeGreaterThanOrEqual(10);
    expect(r.code).toBe(0);
  });

  it('exits 1 on an unexempted error, naming rule, object, file and document', () => {
    const r = cli(['check', `${FIX}/violating.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error pss-privileged test\/fixtures\/checker\/violating.yaml#0:1 Pod shop\/debug spec.containers\[0\].securityContext.privileged/);
    expect(r.stdout).toMatch(/error rbac-bind-cluster-admin test\/fixtures\/checker\/violating.yaml#1:17 ClusterRoleBinding everyone-admin/);
  });

  it('--format json prints the DESIGN.md shape', () => {
    const r = cli(['check', '--format', 'json', `${FIX}/exempted.json`]);
    const out = JSON.parse(r.stdout);
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
    const s = JSON.parse(r.stdout);
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
      expect(res.locations[0].physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
    }
    expect(run.results.find((x: any) => x.ruleId === 'rbac-bind-cluster-admin').locations[0].physicalLocation.region.startLine).toBe(17);
    expect(r.code).toBe(1);
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
    const rules = new Set(JSON.parse(r.stdout).findings.map((f: any) => f.rule));
    expect([...rules].sort()).toEqual(['image-digest', 'rbac-bind-cluster-admin', 'rbac-bind-system-groups']);
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

  it('a very large file is refused with its name; the other files are still checked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-cli-'));
    try {
      const big = join(dir, 'big.yaml');
      writeFileSync(big, `# ${'x'.repeat(65 * 1024 * 1024)}\n`);
      const r = cli(['check', big, `${FIX}/violating.yaml`]);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain(`${big}: larger than 64 MiB`);
      expect(r.stdout).toContain('Pod shop/debug');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('walks directories for .yaml, .yml and .json, and reads - from stdin', () => {
    const dir = cli(['check', '--format', 'json', FIX]);
    expect(dir.code).toBe(2); // bad-input.yaml is among them
    const files = new Set(JSON.parse(dir.stdout).findings.map((f: any) => f.location.file));
    expect([...files].sort()).toEqual([`${FIX}/bad-input.yaml`, `${FIX}/exempted.json`, `${FIX}/violating.yaml`]);
    const stdin = cli(['check', '-'], readFileSync(join(ROOT, FIX, 'clean.yaml'), 'utf8'));
    expect(stdin.code).toBe(0);
  });

  it('bad usage exits 2 with the usage', () => {
    for (const args of [[], ['check'], ['check', '--pss', 'strict', 'x.yaml'], ['check', '--format', 'xml', 'x.yaml'], ['lint', 'x.yaml'], ['check', '--nope', 'x.yaml']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: secure-agents check');
    }
    expect(cli(['check', 'no/such/file.yaml']).code).toBe(2);
  });
});

describe('secure-agents check on Terraform JSON', () => {
  it('runs the aws-* and gcp-* rules over dist/terraform and finds no error, with the GCP permissions list', () => {
    const r = cli(['check', '--format', 'json', '--gcp-permissions', '../shared/data/gcp-iam/permissions.txt', 'dist/terraform']);
    const out = JSON.parse(r.stdout);
    expect(out.summary.objects).toBe(readdirSync("dist/terraform").length);
    expect(out.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('exits 1 with each weakness of a hand-written policy, and flags a permission not in the list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sac-tf-'));
    const weak = {
      resource: {
        aws_iam_policy: { weak: { name: 'weak', policy: JSON.stringify({ Version: '2012-10-17', Statement: [
          { Effect: 'Allow', Action: ['ec2:CreateTags'], Resource: '*' },
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/*' },
        ] }) } },
        google_project_iam_custom_role: { r: { role_id: 'r', title: 'r', project: 'p', permissions: ['compute.instances.delete', 'compute.instances.fly'] } },
      },
    };
    writeFileSync(join(dir, 'weak.tf.json'), JSON.stringify(weak));
    const r = cli(['check', '--format', 'json', '--gcp-permissions', '../shared/data/gcp-iam/permissions.txt', join(dir, 'weak.tf.json')]);
    const rules = new Set(JSON.parse(r.stdout).findings.map((f: any) => f.rule));
    for (const rule of ['aws-createtags-unscoped', 'aws-passrole-wildcard', 'aws-hardcoded-partition', 'aws-wildcard-mutation', 'gcp-unknown-permission']) {
      expect(rules, rule).toContain(rule);
    }
    expect(r.code).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 when the --gcp-permissions file cannot be read', () => {
    const r = cli(['check', '--gcp-permissions', 'no/such/file', 'dist/terraform']);
    expect(r.stderr).toContain('cannot read --gcp-permissions file');
    expect(r.code).toBe(2);
  });
});
