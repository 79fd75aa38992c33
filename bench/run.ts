// `npm run bench`: every figure is a ratio against a baseline measured in the same run, on the same
// machine, so that a shared, noisy machine moves both sides alike. Each file in bench/cases/ exports
// `cases`; add a file to add cases.
import * as fs from 'fs';
import * as path from 'path';
import { BenchCase } from './types';

/** Median of `runs` timings in milliseconds, after one warm-up run. */
function time(fn: () => void, runs: number): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function main(): void {
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  const dir = path.join(__dirname, 'cases');
  const cases: BenchCase[] = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .flatMap((f) => (require(path.join(dir, f)) as { cases: BenchCase[] }).cases);
  const rows: string[][] = [['case', 'subject ms', 'baseline ms', 'ratio', 'baseline']];
  for (const c of cases) {
    const n = Math.min(runs, c.runs ?? runs);
    const s = time(c.subject, n);
    const b = time(c.baseline, n);
    rows.push([c.name, s.toFixed(2), b.toFixed(2), `${(s / b).toFixed(2)}x`, c.baselineLabel]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  console.log(`peak memory (max RSS of the bench process): ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
  console.log(`timings: median of ${runs} runs after one warm-up (BENCH_RUNS to change)`);
}

main();
