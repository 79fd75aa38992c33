/**
 * The package as users get it: `npm pack`, then installs into throwaway consumer apps with the lowest
 * and the highest version of each required peer that package.json allows, and into an app made like
 * `cdk8s init typescript-app` (cdk8s-plus-33, strict tsc without skipLibCheck), each synthesising a
 * chart. The last one also follows the README's validation-plugin block word for word with the real `cdk8s synth`.
 *
 * Needs the npm registry (peer versions are resolved and installed from it); the npm cache is shared
 * between the consumers, so only the first run downloads.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const REQUIRED_PEERS = Object.keys(pkg.peerDependencies).filter((p) => !pkg.peerDependenciesMeta?.[p]?.optional);
const OPTIONAL_PEERS = Object.keys(pkg.peerDependencies).filter((p) => pkg.peerDependenciesMeta?.[p]?.optional);

function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

/** Versions of `name` on the registry that satisfy `range`, in ascending order. */
function versionsIn(name: string, range: string): string[] {
  const out = JSON.parse(npm(['view', `${name}@${range}`, 'version', '--json'], ROOT)) as string | string[];
  const list = (Array.isArray(out) ? out : [out]).filter((v) => !v.includes('-'));
  const num = (v: string) => v.split('.').map(Number);
  return list.sort((a, b) => { const [x, y] = [num(a), num(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
}

function install(dir: string): void {
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir);
}

/** A plain-JS app using the root entry: a hardened workload, synthesised, and which modules it loaded. */
const JS_APP = `
  const { App, Chart } = require('cdk8s');
  const { AgentWorkload } = require('secure-agent-constructs');
  const app = new App();
  const chart = new Chart(app, 'consumer');
  new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'consumer', image: 'ghcr.io/x/agent:1.0.0' });
  const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](cdktf|@cdktf)[\\\\/]/.test(f));
  const packages = [...new Set(Object.keys(require.cache).map((f) => (f.match(/^(.*node_modules[\\\\/](?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/) || [])[1]).filter(Boolean))];
  const versions = Object.fromEntries(['cdk8s', 'constructs'].map((p) => [p, require(p + '/package.json').version]));
  process.stdout.write(JSON.stringify({ yaml: app.synthYaml(), loaded, packages, versions }));
`;

let work: string;
let tarball: string;
let shipped: string[];

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sac-consumer-'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT))[0];
  tarball = path.join(work, packed.filename);
  shipped = packed.files.map((f: { path: string }) => f.path);
});
afterAll(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

describe('the packed package', () => {
  it('ships compiled code, declarations, the GCP permission list and the notices, nothing else', () => {
    const allowed = (f: string) => /^lib\/.*\.(js|d\.ts)$/.test(f)
      || ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'data/gcp-permissions.txt', 'data/gcp-permissions.LICENSE'].includes(f);
    expect(shipped.filter((f) => !allowed(f))).toEqual([]);
    for (const f of ['lib/index.js', 'lib/index.d.ts', 'lib/aws.js', 'lib/gcp.js', 'lib/policy/index.js', 'lib/cli/main.js', 'LICENSE', 'data/gcp-permissions.txt']) {
      expect(shipped, f).toContain(f);
    }
    // Every entry point in "exports" and "bin" is in the tarball.
    const targets = [...Object.values(pkg.exports as Record<string, string | Record<string, string>>)
      .flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))), ...Object.values(pkg.bin as Record<string, string>)];
    for (const t of targets) expect(shipped, t).toContain(t.replace(/^\.\//, ''));
    // The licence file is the one package.json names.
    expect(pkg.license).toBe('Apache-2.0');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
  });

  it('declares its peers as ranges, with cdk8s-plus-28 an internal dependency and devDependencies pinned', () => {
    for (const [name, range] of Object.entries(pkg.peerDependencies as Record<string, string>)) expect(range, name).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(REQUIRED_PEERS.sort()).toEqual(['cdk8s', 'constructs']);
    expect(OPTIONAL_PEERS.sort()).toEqual(['@cdktf/provider-aws', '@cdktf/provider-google', 'cdktf']);
    expect(pkg.dependencies['cdk8s-plus-28']).toMatch(/^\^2\./);
    for (const [name, version] of Object.entries(pkg.devDependencies as Record<string, string>)) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
  });

  // The lowest and highest version on the registry that each required peer's range allows.
  describe.each(['lowest', 'highest'] as const)('with the %s allowed version of each required peer', (which) => {
    it('installs without the optional cdktf peers, and its root entry synthesises a chart without loading cdktf', () => {
      const peers = Object.fromEntries(REQUIRED_PEERS.map((p) => {
        const versions = versionsIn(p, pkg.peerDependencies[p]);
        expect(versions.length, `${p}@${pkg.peerDependencies[p]} on the registry`).toBeGreaterThan(0);
        return [p, which === 'lowest' ? versions[0] : versions[versions.length - 1]];
      }));
      const consumer = path.join(work, which);
      fs.mkdirSync(consumer);
      fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({
        name: `consumer-${which}`, private: true, dependencies: { 'secure-agent-constructs': `file:${tarball}`, ...peers },
      }));
      install(consumer);
      for (const optional of OPTIONAL_PEERS) {
        expect(fs.existsSync(path.join(consumer, 'node_modules', optional)), `${optional} must not be installed`).toBe(false);
      }
      fs.writeFileSync(path.join(consumer, 'app.js'), JS_APP);
      const result = JSON.parse(execFileSync('node', ['app.js'], { cwd: consumer, encoding: 'utf8' }));
      expect(result.versions).toEqual(peers);
      expect(result.loaded).toEqual([]);
      // One copy of each package: cdk8s bundles its own yaml, so the root entry must not load ours too.
      const names = (result.packages as string[]).map((p) => p.replace(/^.*node_modules[\\/]/, '').replace(/\\/g, '/'));
      expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
      expect(names).toEqual(expect.arrayContaining(['cdk8s', 'cdk8s-plus-28', 'constructs', 'secure-agent-constructs']));
      // The checker's GCP condition analysis loads @bufbuild/cel (with its protobuf runtime) on first use only.
      expect(names.filter((n) => n.startsWith('@bufbuild/'))).toEqual([]);
      expect(result.yaml).toContain('kind: Deployment');
      expect(result.yaml).toContain('readOnlyRootFilesystem: true');
    });
  });

  describe('in an app made like `cdk8s init typescript-app` (cdk8s-plus-33)', () => {
    let app: string;
    beforeAll(() => {
      // The scaffold as cdk8s-cli writes it: its template's package.json and tsconfig.json, with the
      // versions `cdk8s init` fills in (those cdk8s-cli itself resolves).
      const cli = path.dirname(require.resolve('cdk8s-cli/package.json', { paths: [ROOT] }));
      const template = path.join(cli, 'templates/typescript-app');
      const version = (name: string) => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [cli] }), 'utf8')).version;
      const scaffold = JSON.parse(fs.readFileSync(path.join(template, 'package.json'), 'utf8'));
      app = path.join(work, 'scaffold');
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
        name: 'scaffold', private: true,
        dependencies: {
          cdk8s: `^${version('cdk8s')}`, 'cdk8s-plus-33': `^${version('cdk8s-plus-33')}`, constructs: `^${version('constructs')}`,
          'secure-agent-constructs': `file:${tarball}`,
        },
        // Only the scaffold's compiler and Node types (jest and cdk8s-cli are not needed here).
        devDependencies: { typescript: scaffold.devDependencies.typescript, '@types/node': scaffold.devDependencies['@types/node'] },
      }));
      expect(Object.keys(scaffold.dependencies).sort()).toEqual(['cdk8s', 'cdk8s-plus-33', 'constructs']);
      const tsconfig = JSON.parse(fs.readFileSync(path.join(template, 'tsconfig.json'), 'utf8'));
      expect(tsconfig.compilerOptions.strict).toBe(true);
      expect(tsconfig.compilerOptions.skipLibCheck).toBeUndefined();
      fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      install(app);
    });

    it('type-checks with the scaffold\'s strict tsconfig (no skipLibCheck) next to cdk8s-plus-33, and synthesises', () => {
      fs.writeFileSync(path.join(app, 'main.ts'), `
import { Construct } from 'constructs';
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { AgentWorkload, PolicyCheck } from 'secure-agent-constructs';

export class MyChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = { }) {
    super(scope, id, props);
    new AgentWorkload(this, 'agent', { component: 'agent', partOf: 'scaffold', image: 'ghcr.io/x/agent:1.0.0' });
    new kplus.Deployment(this, 'web', { containers: [{ image: 'nginx:1.27', portNumber: 8080 }] });
  }
}

const app = new App();
const chart = new MyChart(app, 'scaffold');
new PolicyCheck(chart, 'policy', { rules: ['rbac-'] });
app.synth();
`);
      const tsc = spawnSync(path.join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr, 'tsc').toBe('');
      expect(tsc.status).toBe(0);
      execFileSync('node', ['main.js'], { cwd: app, encoding: 'utf8' });
      const yaml = fs.readFileSync(path.join(app, 'dist/scaffold.k8s.yaml'), 'utf8');
      expect(yaml).toContain('name: agent');
      expect(yaml).toMatch(/image: nginx:1\.27/);
      expect(fs.existsSync(path.join(app, 'node_modules/cdk8s-plus-33'))).toBe(true);
      // No cdk8s-plus-28 type reaches the user: the shipped declarations do not mention it.
      const lib = path.join(app, 'node_modules/secure-agent-constructs/lib');
      const dts = (fs.readdirSync(lib, { recursive: true }) as string[]).filter((f) => f.endsWith('.d.ts'));
      expect(dts.length).toBeGreaterThan(10);
      expect(dts.filter((f) => fs.readFileSync(path.join(lib, f), 'utf8').includes('cdk8s-plus-28'))).toEqual([]);
    });

    it('checks Terraform JSON with the GCP permission list it ships, as docs/gcp-permissions.md says', () => {
      fs.writeFileSync(path.join(app, 'roles.tf.json'), JSON.stringify({ resource: { google_project_iam_custom_role: { r: {
        role_id: 'r', title: 'r', project: 'p', permissions: ['compute.instances.get', 'compute.instances.fly'],
      } } } }));
      const list = 'node_modules/secure-agent-constructs/data/gcp-permissions.txt';
      const r = spawnSync(path.join(app, 'node_modules/.bin/secure-agents'), ['check', '--format', 'json', '--gcp-permissions', list, 'roles.tf.json'], {
        cwd: app, encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(1);
      const unknown = JSON.parse(r.stdout).findings.filter((f: { rule: string }) => f.rule === 'gcp-unknown-permission');
      expect(unknown.map((f: { message: string }) => f.message)).toEqual([expect.stringContaining('"compute.instances.fly"')]);
      // The export a program reads it through.
      const resolved = execFileSync('node', ['-p', 'require.resolve("secure-agent-constructs/data/gcp-permissions.txt")'], { cwd: app, encoding: 'utf8' }).trim();
      expect(resolved).toBe(path.join(fs.realpathSync(app), list));
    });

    it('runs the validation plugin as the README says: cdk8s synth exits 0 on a clean chart and 2 on a violating one', () => {
      const doc = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes('validations:'));
      expect(blocks, 'README.md has one cdk8s.yaml block').toHaveLength(1);
      // docs/validation-plugin.md shows the same entry (without the file-name comment).
      const page = fs.readFileSync(path.join(ROOT, 'docs/validation-plugin.md'), 'utf8');
      expect(page).toContain(blocks[0].replace(/^# cdk8s\.yaml\n/, ''));
      fs.writeFileSync(path.join(app, 'clean.js'), `
        const { App, Chart } = require('cdk8s');
        const { AgentWorkload } = require('secure-agent-constructs');
        const app = new App();
        new AgentWorkload(new Chart(app, 'clean'), 'agent', { component: 'agent', partOf: 'scaffold', image: 'ghcr.io/x/agent:1.0.0' });
        app.synth();
      `);
      fs.writeFileSync(path.join(app, 'violating.js'), `
        const { ApiObject, App, Chart } = require('cdk8s');
        const app = new App();
        new ApiObject(new Chart(app, 'vendor'), 'debug', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' },
          spec: { containers: [{ name: 'sh', image: 'busybox:1.36', securityContext: { privileged: true } }] } });
        app.synth();
      `);
      const synth = (appFile: string) => {
        fs.writeFileSync(path.join(app, 'cdk8s.yaml'), `language: typescript\napp: node ${appFile}\noutput: out-${appFile}\n${blocks[0]}`);
        const home = fs.mkdtempSync(path.join(work, 'home-')); // an empty ~/.cdk8s: nothing is installed from the registry
        const r = spawnSync(path.join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade'], {
          cwd: app, encoding: 'utf8', env: { ...process.env, HOME: home, FORCE_COLOR: '0', CI: 'true' },
        });
        return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
      };
      const clean = synth('clean.js');
      expect(clean.code, clean.out).toBe(0);
      const violating = synth('violating.js');
      expect(violating.code, violating.out).toBe(2);
      expect(violating.out).toContain('pss-privileged');
      expect(violating.out).toContain('vendor/debug');
    });
  });
});
