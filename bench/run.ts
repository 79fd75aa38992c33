// `npm run bench`: every figure is a ratio against a baseline measured in the same run, on the same
// machine. Subject and baseline alternate (A B A B ...), so a load that drifts on a shared machine
// moves both sides alike. Each file in bench/cases/ exports `cases` (timed pairs) and may export
// `figures` (other ratios, such as entry load); add a file to add cases. BENCH_FILTER=<text>[,<text>...]
// runs only the cases whose name contains one of them.
import * as fs from 'fs';
import * as path from 'path';
import { BenchCase, BenchFigure } from './types';

/** Wall-clock and CPU milliseconds of each run. */
interface Samples { wall: number[]; cpu: number[] }

interface Timed {
  readonly c: BenchCase;
  readonly subject: number[];
  readonly baseline: number[];
  readonly cpu: { subject: number[]; baseline: number[]; floor: number[] };
  readonly floor: number[];
  readonly maxRssMiB: number;
}

/** Times one run: wall clock, and CPU time of the process (less moved by other processes on a shared machine). */
function run(fn: () => void, into: Samples): void {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  fn();
  into.wall.push(Number(process.hrtime.bigint() - start) / 1e6);
  const used = process.cpuUsage(cpu);
  into.cpu.push((used.user + used.system) / 1000);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One warm-up round, then `runs` rounds, alternating subject and baseline (and floor). */
function timePair(c: BenchCase, runs: number): Timed {
  c.subject();
  c.baseline();
  c.floor?.();
  const s: Samples = { wall: [], cpu: [] };
  const b: Samples = { wall: [], cpu: [] };
  const f: Samples = { wall: [], cpu: [] };
  for (let i = 0; i < runs; i++) {
    run(c.subject, s);
    run(c.baseline, b);
    if (c.floor) run(c.floor, f);
  }
  return { c, subject: s.wall, baseline: b.wall, floor: f.wall, cpu: { subject: s.cpu, baseline: b.cpu, floor: f.cpu }, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

function table(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, i) => (cell ?? '').padEnd(widths[i])).join('  ').trimEnd());
}

function loadCases(): { cases: BenchCase[]; figures: BenchFigure[] } {
  const dir = path.join(__dirname, 'cases');
  const modules = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((f) => require(path.join(dir, f)) as { cases?: BenchCase[]; figures?: BenchFigure[] });
  const filters = (process.env.BENCH_FILTER ?? '').split(',').filter((f) => f !== '');
  const keep = (name: string) => filters.length === 0 || filters.some((f) => name.includes(f));
  return {
    cases: modules.flatMap((m) => m.cases ?? []).filter((c) => keep(c.name)),
    figures: modules.flatMap((m) => m.figures ?? []).filter((f) => keep(f.name)),
  };
}

/** Per-size figures of each group: the per-unit cost at the largest size over that at the smallest. */
function growth(timed: readonly Timed[]): string[] {
  const groups = new Map<string, Timed[]>();
  for (const t of timed) {
    if (!t.c.group || !t.c.size) continue;
    groups.set(t.c.group, [...(groups.get(t.c.group) ?? []), t]);
  }
  const lines: string[] = [];
  for (const [group, ts] of groups) {
    if (ts.length < 2) continue;
    const sorted = [...ts].sort((a, b) => a.c.size! - b.c.size!);
    const small = sorted[0];
    const large = sorted[sorted.length - 1];
    const unit = (t: Timed, xs: number[]) => median(xs) / t.c.size!;
    const raw = unit(large, large.subject) / unit(small, small.subject);
    const ratio = median(large.subject) / median(large.baseline);
    const ratioSmall = median(small.subject) / median(small.baseline);
    const cpuGrowth = (median(large.cpu.subject) / large.c.size!) / (median(small.cpu.subject) / small.c.size!);
    lines.push(`${group}: per-unit cost at ${large.c.size} is ${raw.toFixed(2)}x that at ${small.c.size} (CPU ${cpuGrowth.toFixed(2)}x)`
      + ` (${unit(small, small.subject).toFixed(3)} -> ${unit(large, large.subject).toFixed(3)} ms; bare objects ${(unit(large, large.baseline) / unit(small, small.baseline)).toFixed(2)}x);`
      + ` ratio to bare ${ratioSmall.toFixed(2)}x at ${small.c.size}, ${ratio.toFixed(2)}x at ${large.c.size}`);
  }
  return lines;
}

function main(): void {
  const defaultRuns = Number(process.env.BENCH_RUNS ?? 15);
  const { cases, figures } = loadCases();
  const timed: Timed[] = [];
  const rows: string[][] = [['case', 'subject ms (min / median)', 'baseline ms (min / median)', 'ratio (min / median)', 'CPU ratio', 'runs', 'max RSS MiB', 'baseline']];
  const floors: string[] = [];
  for (const c of cases) {
    const runs = Math.min(defaultRuns, c.runs ?? defaultRuns);
    const t = timePair(c, runs);
    timed.push(t);
    const [sMin, sMed, bMin, bMed] = [Math.min(...t.subject), median(t.subject), Math.min(...t.baseline), median(t.baseline)];
    rows.push([c.name, `${sMin.toFixed(1)} / ${sMed.toFixed(1)}`, `${bMin.toFixed(1)} / ${bMed.toFixed(1)}`,
      `${(sMin / bMin).toFixed(2)}x / ${(sMed / bMed).toFixed(2)}x`, `${(median(t.cpu.subject) / median(t.cpu.baseline)).toFixed(2)}x`,
      String(runs), t.maxRssMiB.toFixed(0), c.baselineLabel]);
    if (c.floor) {
      floors.push(`${c.name}: ${(sMin / Math.min(...t.floor)).toFixed(2)}x / ${(sMed / median(t.floor)).toFixed(2)}x (min / median; CPU ${(median(t.cpu.subject) / median(t.cpu.floor)).toFixed(2)}x)`
        + ` against ${c.floorLabel ?? 'the floor'}: ${Math.min(...t.floor).toFixed(1)} / ${median(t.floor).toFixed(1)} ms`);
    }
    if (process.env.BENCH_PROGRESS) console.error(rows[rows.length - 1].join('  '));
  }
  if (cases.length > 0) table(rows);
  for (const f of floors) console.log(f);
  if (figures.length > 0) {
    console.log('');
    const frows: string[][] = [['figure', 'subject', 'baseline', 'ratio', 'baseline']];
    const notes: string[] = [];
    for (const f of figures) {
      const m = f.measure();
      frows.push([f.name, `${m.subject.toFixed(m.unit === 'ms' ? 1 : 0)} ${m.unit}`, `${m.baseline.toFixed(m.unit === 'ms' ? 1 : 0)} ${m.unit}`, `${(m.subject / m.baseline).toFixed(2)}x`, m.baselineLabel]);
      if (m.note) notes.push(`${f.name}: ${m.note}`);
    }
    table(frows);
    for (const n of notes) console.log(n);
  }
  console.log('');
  for (const line of growth(timed)) console.log(line);
  console.log(`peak memory (max RSS of the bench process): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  console.log('timings: subject and baseline (and floor) alternated after one warm-up round; ratios of min and of median wall clock,'
    + ' and of median CPU time of the process; runs per case as listed (BENCH_RUNS caps them)');
}

main();
