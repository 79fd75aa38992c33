#!/usr/bin/env node
/**
 * `secure-agents check [--pss restricted|baseline] [--rules <prefix>,...] [--format text|json|sarif] <file|dir|->...`
 *
 * Exit codes: 0 clean, 1 an unexempted finding of severity error, 2 unreadable input or bad usage.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runDiff } from './diff';
import { runReport } from './report';
import { check, CheckInput, formatJson, formatSarif, formatText, InputProblem, MAX_INPUT_BYTES, parseDocuments, PssLevel } from '../policy';

export const USAGE = `usage: secure-agents check [--pss restricted|baseline] [--rules <prefix>,...] [--format text|json|sarif] <file|dir|->...

  --pss      Pod Security Standards level to enforce (default: restricted)
  --rules    only rules whose ID starts with one of these prefixes, e.g. pss-,rbac-
  --format   text (default), json or sarif (SARIF 2.1.0 for GitHub code scanning)
  --gcp-permissions <file>  a list of GCP permissions, one a line; enables gcp-unknown-permission

Directories are walked for .yaml, .yml and .json files. "-" reads standard input.
Exit codes: 0 clean, 1 unexempted errors, 2 unreadable input or bad usage.`;

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly readStdin: () => string;
}

class UsageError extends Error {}

interface Args { pss: PssLevel; rules: string[]; format: 'text' | 'json' | 'sarif'; paths: string[]; gcpPermissions?: string }

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { pss: 'restricted', rules: [], format: 'text', paths: [] };
  const value = (i: number, flag: string) => {
    if (i >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=')) { inline = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
    const take = () => inline ?? value(++i, a);
    if (a === '--pss') {
      const v = take();
      if (v !== 'restricted' && v !== 'baseline') throw new UsageError(`--pss "${v}" is not a level; use restricted or baseline`);
      args.pss = v;
    } else if (a === '--rules') {
      args.rules.push(...take().split(',').map((r) => r.trim()).filter((r) => r !== ''));
    } else if (a === '--gcp-permissions') {
      args.gcpPermissions = take();
    } else if (a === '--format') {
      const v = take();
      if (v !== 'text' && v !== 'json' && v !== 'sarif') throw new UsageError(`--format "${v}" is not a format; use text, json or sarif`);
      args.format = v;
    } else if (a === '-' || !a.startsWith('-')) {
      args.paths.push(a);
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  if (args.paths.length === 0) throw new UsageError('no file, directory or - given');
  return args;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) { if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(p, out); }
    else if (/\.(ya?ml|json)$/i.test(entry.name)) out.push(p);
  }
}

function readInputs(paths: readonly string[], io: CliIo): { inputs: CheckInput[]; problems: InputProblem[] } {
  const inputs: CheckInput[] = [];
  const problems: InputProblem[] = [];
  const files: string[] = [];
  for (const p of paths) {
    if (p === '-') { files.push(p); continue; }
    try {
      if (statSync(p).isDirectory()) walk(p, files);
      else files.push(p);
    } catch (err) {
      problems.push({ file: p, message: `${p}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    }
  }
  for (const file of files) {
    let text: string;
    try {
      if (file !== '-' && statSync(file).size > MAX_INPUT_BYTES) {
        problems.push({ file, message: `${file}: larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; split it into smaller files` });
        continue;
      }
      text = file === '-' ? io.readStdin() : readFileSync(file, 'utf8');
    } catch (err) {
      problems.push({ file, message: `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      continue;
    }
    const parsed = parseDocuments(text, file);
    inputs.push(...parsed.inputs);
    problems.push(...parsed.problems);
  }
  return { inputs, problems };
}

/** Runs the CLI; returns the exit code. */
export function run(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') { io.stdout(USAGE + '\n'); return 0; }
  if (command === 'report') return runReport(rest, io);
  if (command === 'diff') return runDiff(rest, io);
  if (command !== 'check') { io.stderr(`secure-agents: ${command ? `unknown command "${command}"` : 'no command'}\n${USAGE}\n`); return 2; }
  let args: Args;
  try {
    args = parseArgs(rest);
  } catch (err) {
    if (err instanceof UsageError) { io.stderr(`secure-agents check: ${err.message}\n${USAGE}\n`); return 2; }
    throw err;
  }
  let gcpPermissions: Set<string> | undefined;
  if (args.gcpPermissions !== undefined) {
    try {
      gcpPermissions = new Set(readFileSync(args.gcpPermissions, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
    } catch (err) {
      io.stderr(`secure-agents check: cannot read --gcp-permissions file ${args.gcpPermissions}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const { inputs, problems } = readInputs(args.paths, io);
  const result = check(inputs, { pss: args.pss, rules: args.rules, ...(gcpPermissions ? { gcpPermissions } : {}) });
  if (args.format === 'json') io.stdout(formatJson(result, problems));
  else if (args.format === 'sarif') io.stdout(formatSarif(result));
  else io.stdout(formatText(result, problems));
  if (args.format !== 'text') for (const p of problems) io.stderr(`secure-agents check: ${p.message}\n`);
  if (problems.length) return 2;
  return result.summary.errors > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: () => readFileSync(0, 'utf8'),
  });
}
