import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BenchFigure } from '../types';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, '.tmp', 'bench-lib');

/** The package compiled as users load it (one CommonJS file per source file), without type-checking. */
function compile(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p); else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'src'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild comes with tsx
  const esbuild = require('esbuild') as typeof import('esbuild');
  fs.rmSync(OUT, { recursive: true, force: true });
  esbuild.buildSync({ entryPoints: files, outdir: OUT, outbase: path.join(ROOT, 'src'), format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error' });
  return path.join(OUT, 'index.js');
}

interface Load { ms: number; modules: number; packages: string[] }

/** Loads `target` in a fresh node process: time of the require, and every module it brought in. */
function load(target: string): Load {
  const script = `
    const t = process.hrtime.bigint();
    require(${JSON.stringify(target)});
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const files = Object.keys(require.cache);
    const packages = [...new Set(files.map((f) => { const m = f.match(/^(.*node_modules\\/(?:@[^/]+\\/)?[^/]+)\\//); return m ? m[1] : undefined; }).filter(Boolean))];
    console.log(JSON.stringify({ ms, modules: files.length, packages }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

let measured: { subject: Load[]; baseline: Load[] } | undefined;
function measure(): { subject: Load[]; baseline: Load[] } {
  if (measured) return measured;
  const entry = compile();
  const runs = Number(process.env.BENCH_LOAD_RUNS ?? 9);
  const subject: Load[] = [];
  const baseline: Load[] = [];
  load(entry); load('cdk8s-plus-28');
  for (let i = 0; i < runs; i++) {
    subject.push(load(entry));
    baseline.push(load('cdk8s-plus-28'));
  }
  return (measured = { subject, baseline });
}

/** Package directories loaded more than once (a second copy of a dependency) and any cloud or Terraform package. */
function problems(l: Load): string {
  const byName = new Map<string, string[]>();
  for (const p of l.packages) {
    const name = p.replace(/^.*node_modules\//, '');
    byName.set(name, [...(byName.get(name) ?? []), path.relative(ROOT, p)]);
  }
  const twice = [...byName].filter(([, dirs]) => dirs.length > 1).map(([name, dirs]) => `${name} (${dirs.join(', ')})`);
  const cloud = [...byName.keys()].filter((n) => /^(cdktf|@cdktf\/)/.test(n));
  return `packages loaded: ${byName.size}; loaded twice: ${twice.length ? twice.join('; ') : 'none'}; cloud/Terraform: ${cloud.length ? cloud.join(', ') : 'none'}`;
}

export const figures: BenchFigure[] = [
  {
    name: 'root entry load time (median of fresh processes)',
    measure: () => {
      const m = measure();
      const sMin = Math.min(...m.subject.map((l) => l.ms));
      const bMin = Math.min(...m.baseline.map((l) => l.ms));
      return {
        subject: median(m.subject.map((l) => l.ms)), baseline: median(m.baseline.map((l) => l.ms)), unit: 'ms',
        baselineLabel: 'require("cdk8s-plus-28")',
        note: `min ${sMin.toFixed(1)} ms against ${bMin.toFixed(1)} ms (${(sMin / bMin).toFixed(2)}x), ${m.subject.length} alternated runs`,
      };
    },
  },
  {
    name: 'root entry modules loaded',
    measure: () => {
      const m = measure();
      return { subject: m.subject[0].modules, baseline: m.baseline[0].modules, unit: 'modules', baselineLabel: 'require("cdk8s-plus-28")', note: problems(m.subject[0]) };
    },
  },
];
