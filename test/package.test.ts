import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('the packed package', () => {
  it('installs with only the required peers, and its root entry synthesises a chart without loading cdktf', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sac-consumer-'));
    const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, stdio: 'pipe', encoding: 'utf8' });
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT))[0];
    const tarball = path.join(work, packed.filename);
    // Only compiled code and the README ship: no tests, no examples, no sources.
    const shipped: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(shipped.every((f) => f.startsWith('lib/') || f === 'README.md' || f === 'package.json')).toBe(true);

    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({
      name: 'consumer', private: true,
      dependencies: {
        'secure-agent-constructs': `file:${tarball}`,
        cdk8s: pkg.peerDependencies.cdk8s,
        'cdk8s-plus-28': pkg.peerDependencies['cdk8s-plus-28'],
        constructs: pkg.peerDependencies.constructs,
      },
    }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], consumer);
    for (const optional of ['cdktf', '@cdktf/provider-aws', '@cdktf/provider-google']) {
      expect(fs.existsSync(path.join(consumer, 'node_modules', optional)), `${optional} must not be installed`).toBe(false);
    }
    fs.writeFileSync(path.join(consumer, 'app.js'), `
      const { App, Chart } = require('cdk8s');
      const { AgentWorkload } = require('secure-agent-constructs');
      const app = new App();
      const chart = new Chart(app, 'consumer');
      new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'consumer', image: 'ghcr.io/x/agent:1.0.0' });
      const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](cdktf|@cdktf)[\\\\/]/.test(f));
      const packages = [...new Set(Object.keys(require.cache).map((f) => (f.match(/^(.*node_modules[\\\\/](?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/) || [])[1]).filter(Boolean))];
      process.stdout.write(JSON.stringify({ yaml: app.synthYaml(), loaded, packages }));
    `);
    const result = JSON.parse(execFileSync('node', ['app.js'], { cwd: consumer, encoding: 'utf8' }));
    expect(result.loaded).toEqual([]);
    // One copy of each package: cdk8s bundles its own yaml, so the root entry must not load ours too.
    const names = (result.packages as string[]).map((p) => p.replace(/^.*node_modules[\\/]/, '').replace(/\\/g, '/'));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['cdk8s', 'cdk8s-plus-28', 'constructs', 'secure-agent-constructs']));
    expect(result.yaml).toContain('kind: Deployment');
    expect(result.yaml).toContain('readOnlyRootFilesystem: true');
    fs.rmSync(work, { recursive: true, force: true });
  });
});
