#!/usr/bin/env node
/**
 * The `secure-agents` command. Each subcommand is one entry of COMMANDS: its usage and a function from
 * its arguments to an exit code. Reading manifests (walk, stdin, bounds, parse, problems) lives in
 * ./inputs.ts, shared by every subcommand that reads them.
 *
 * Exit codes: 0 clean, 1 an unexempted finding of severity error, 2 unreadable input, a bound hit,
 * nothing to check, or bad usage.
 */
import { readFileSync } from 'node:fs';
import { allRules, check, formatJson, formatSarif, formatText, PssLevel } from '../policy';
import { DIFF_USAGE, runDiff } from './diff';
import { readInputs, readStdinBounded } from './inputs';
import { REPORT_USAGE, runReport } from './report';

/** What a command reads and writes: the process's streams, or a test's. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /**
   * Reads standard input; returns at most `maxBytes + 1` bytes (more than `maxBytes` means too large).
   * @default fd 0, read up to the bound
   */
  readonly readStdin?: (maxBytes: number) => Buffer | string;
}

/** A subcommand: its usage text and what it does (returns the exit code). */
export interface Command {
  readonly usage: string;
  run(args: readonly string[], io: CliIo): number;
}

export class UsageError extends Error {}

export const CHECK_USAGE = `usage: secure-agents check [--pss restricted|baseline] [--rules <prefix>,...] [--format text|json|sarif] [--allow-empty] <file|dir|->...

  --pss      Pod Security Standards level to enforce (default: restricted)
  --rules    only rules whose ID starts with one of these prefixes, e.g. pss-,rbac-
             (a prefix that matches no rule is an error)
  --format   text (default), json or sarif (SARIF 2.1.0 for GitHub code scanning)
  --allow-empty  exit 0 when the input holds no object at all (default: exit 2, "nothing to check")
  --gcp-permissions <file>  GCP permissions, one a line ('#' comments); enables gcp-unknown-permission.
                            The package ships one: node_modules/secure-agent-constructs/data/gcp-permissions.txt

Directories are walked for .yaml, .yml and .json files (symbolic links followed once each; anything
that is not a regular file, cdk8s's construct-metadata.json and cdktf's manifest.json are skipped with
a note). "-" reads standard input. Each file and stdin is read up to 64 MiB and 100,000 documents,
a run up to 256 MiB and 200,000 documents.
Exit codes: 0 clean, 1 unexempted errors, 2 unreadable input, a bound hit, nothing to check, or bad usage.`;

/** Every usage line, for `secure-agents --help`. */
export const USAGE = CHECK_USAGE;

interface CheckArgs {
  pss: PssLevel;
  rules: string[];
  format: 'text' | 'json' | 'sarif';
  paths: string[];
  allowEmpty: boolean;
  gcpPermissions?: string;
}

function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const args: CheckArgs = { pss: 'restricted', rules: [], format: 'text', paths: [], allowEmpty: false };
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
    } else if (a === '--allow-empty' && inline === undefined) {
      args.allowEmpty = true;
    } else if (a === '-' || !a.startsWith('-')) {
      args.paths.push(a);
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  if (args.paths.length === 0) throw new UsageError('no file, directory or - given');
  const ids = allRules().map((r) => r.id);
  const unmatched = args.rules.filter((p) => !ids.some((id) => id.startsWith(p)));
  if (unmatched.length) {
    const families = [...new Set(ids.map((id) => `${id.split('-')[0]}-`))].join(', ');
    throw new UsageError(`--rules ${unmatched.map((p) => `"${p}"`).join(', ')} match${unmatched.length === 1 ? 'es' : ''} no rule (rule IDs are lowercase and start with ${families})`);
  }
  return args;
}

function runCheck(argv: readonly string[], io: CliIo): number {
  const args = parseCheckArgs(argv);
  let gcpPermissions: Set<string> | undefined;
  if (args.gcpPermissions !== undefined) {
    try {
      gcpPermissions = new Set(readFileSync(args.gcpPermissions, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
    } catch (err) {
      io.stderr(`secure-agents check: cannot read --gcp-permissions file ${args.gcpPermissions}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const read = readInputs(args.paths, io.readStdin ? { readStdin: io.readStdin } : {});
  const result = check(read.inputs, { pss: args.pss, rules: args.rules, ...(gcpPermissions ? { gcpPermissions } : {}) });
  const problems = read.problems;
  if (args.format === 'json') io.stdout(formatJson(result, problems));
  else if (args.format === 'sarif') io.stdout(formatSarif(result, { lineOf: read.lineOf, problems }));
  else io.stdout(formatText(result, problems));
  for (const note of read.notes) io.stderr(`secure-agents check: note: ${note}\n`);
  if (args.format !== 'text') {
    for (const p of problems) io.stderr(`secure-agents check: ${p.message}\n`);
    for (const p of result.problems ?? []) io.stderr(`secure-agents check: ${p.location ? `${p.location.file}: document ${p.location.document}: ` : ''}${p.message}\n`);
  }
  if (problems.length || result.problems?.length) return 2;
  if (result.summary.objects === 0 && !args.allowEmpty) {
    io.stderr(`secure-agents check: nothing to check: no Kubernetes object or Terraform document in ${args.paths.join(' ')}` +
      ' (an upstream step such as helm template may have failed; pass --allow-empty if empty input is expected)\n');
    return 2;
  }
  return result.summary.errors > 0 ? 1 : 0;
}

/** The subcommands; add one by adding an entry (its usage is printed by --help). */
export const COMMANDS: Record<string, Command> = {
  check: { usage: CHECK_USAGE, run: runCheck },
  report: { usage: REPORT_USAGE, run: runReport },
  diff: { usage: DIFF_USAGE, run: runDiff },
};

function usageOfAll(): string {
  return Object.values(COMMANDS).map((c) => c.usage).join('\n\n');
}

/** Runs the CLI with the given arguments (without `node` and the script) and streams; returns the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo()): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') { io.stdout(usageOfAll() + '\n'); return 0; }
  const cmd = command !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!cmd) { io.stderr(`secure-agents: ${command ? `unknown command "${command}"` : 'no command'}\n${usageOfAll()}\n`); return 2; }
  try {
    return cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) { io.stderr(`secure-agents ${command}: ${err.message}\n${cmd.usage}\n`); return 2; }
    throw err;
  }
}

/** @deprecated use main */
export const run = main;

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: (max) => readStdinBounded(max),
  };
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
