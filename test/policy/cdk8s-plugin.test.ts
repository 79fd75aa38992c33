import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../..');
const FIX = join(ROOT, 'test/fixtures/cdk8s-plugin');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the real `cdk8s synth` (cdk8s-cli) on an app with the validation plugin in cdk8s.yaml. */
function cdk8sSynth(appFile: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sa-plugin-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'cdk8s.yaml'), [
    'language: typescript',
    `app: ${join(ROOT, 'node_modules/.bin/tsx')} ${join(FIX, appFile)}`,
    'output: dist',
    'validations:',
    `  - package: ${join(FIX, 'plugin.js')}`,
    '    version: 0.1.0',
    '    class: SecureAgentsValidation',
    '    properties:',
    '      pss: restricted',
  ].join('\n') + '\n');
  const r = spawnSync(join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade', '--validation-reports-output-file', 'report.json'], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' },
  });
  let report: any;
  try { report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')); } catch { report = undefined; }
  return { code: r.status, out: `${r.stdout}\n${r.stderr}`, report };
}

describe('SecureAgentsValidation as a cdk8s validation plugin (real cdk8s synth)', () => {
  it('fails synthesis with exit code 2 and reports the violation', () => {
    const r = cdk8sSynth('violating-app.ts');
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain('pss-privileged: Privileged containers are forbidden');
    expect(r.out).toContain('Construct Path: vendor/debug');
    const violations = r.report.reports[0].violations;
    const privileged = violations.find((v: any) => v.ruleName.startsWith('pss-privileged'));
    expect(privileged.violatingConstructs[0]).toMatchObject({ resourceName: 'debug', constructPath: 'vendor/debug' });
    expect(privileged.violatingConstructs[0].locations[0]).toContain('spec.containers[0].securityContext.privileged');
    expect(r.report.reports[0].summary.status).toBe('failure');
  }, 120_000);

  it('passes a clean app with exit code 0', () => {
    const r = cdk8sSynth('clean-app.ts');
    expect(r.code, r.out).toBe(0);
    expect(r.report.reports[0].summary).toMatchObject({ status: 'success', metadata: { errors: '0' } });
  }, 120_000);
});
