/**
 * `secure-agents diff [--format markdown|json] [--fail-on added|unreasoned] <base> <head>`, where each
 * side is a file, a directory, `-`, or `--git <rev>:<path>`.
 *
 * Exit codes: 0 (no failing change), 1 a change that --fail-on names, 2 unreadable input or bad usage.
 */
import { diffMarkdown, diffReports } from '../policy/report';
import { readGit, readPaths, ReadResult, reportOf, ReportIo, UsageError } from './report';

export const DIFF_USAGE = `usage: secure-agents diff [--format markdown|json] [--fail-on added|unreasoned] <base> <head>

  <base>, <head>  a file, a directory, "-", or --git <rev>:<path> (e.g. --git origin/main:dist)
  --format    markdown (default; prints nothing when no privilege changed) or json
  --fail-on   added: exit 1 when head adds any privilege; unreasoned: exit 1 when head adds a
              privilege without a reason

Prints only what changed in privilege, per workload: permissions, capabilities, host access, egress
peers, secrets, cloud actions. Exit codes: 0 no failing change, 1 --fail-on matched, 2 unreadable input or bad usage.`;

type Side = { kind: 'path'; value: string } | { kind: 'git'; value: string };

export function runDiff(argv: readonly string[], io: ReportIo & { cwd?: string }): number {
  let format: 'markdown' | 'json' = 'markdown';
  const failOn = new Set<'added' | 'unreasoned'>();
  const sides: Side[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      let a = argv[i];
      let inline: string | undefined;
      if (a.startsWith('--') && a.includes('=')) { inline = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
      const take = () => { if (inline !== undefined) return inline; if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`); return argv[++i]; };
      if (a === '--format') {
        const v = take();
        if (v !== 'markdown' && v !== 'json') throw new UsageError(`--format "${v}" is not a format; use markdown or json`);
        format = v;
      } else if (a === '--fail-on') {
        for (const v of take().split(',')) {
          if (v !== 'added' && v !== 'unreasoned') throw new UsageError(`--fail-on "${v}" is not a condition; use added or unreasoned`);
          failOn.add(v);
        }
      } else if (a === '--git') sides.push({ kind: 'git', value: take() });
      else if (a === '--help' || a === '-h') { io.stdout(DIFF_USAGE + '\n'); return 0; }
      else if (a === '-' || !a.startsWith('-')) sides.push({ kind: 'path', value: a });
      else throw new UsageError(`unknown option ${a}`);
    }
    if (sides.length !== 2) throw new UsageError(`give exactly two sides, base and head (got ${sides.length})`);
    if (sides.every((s) => s.kind === 'path' && s.value === '-')) throw new UsageError('only one side can be -');
  } catch (err) {
    if (err instanceof UsageError) { io.stderr(`secure-agents diff: ${err.message}\n${DIFF_USAGE}\n`); return 2; }
    throw err;
  }
  const read = (s: Side): ReadResult => (s.kind === 'git' ? readGit(s.value, io.cwd) : readPaths([s.value], io));
  const [base, head] = sides.map(read);
  const problems = [...base.problems, ...head.problems];
  for (const p of problems) io.stderr(`secure-agents diff: ${p.message}\n`);
  // A side that could not be read would make every privilege of the other look added or removed.
  if (problems.length > 0) return 2;
  const diff = diffReports(reportOf(base), reportOf(head));
  if (format === 'json') io.stdout(JSON.stringify(diff, null, 2) + '\n');
  else io.stdout(diffMarkdown(diff));
  if (diff.summary.unreasoned > 0) io.stderr(`secure-agents diff: warning: ${diff.summary.unreasoned} added privilege(s) without a reason\n`);
  if (failOn.has('added') && diff.summary.added > 0) return 1;
  if (failOn.has('unreasoned') && diff.summary.unreasoned > 0) return 1;
  return 0;
}
