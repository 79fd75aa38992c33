/**
 * `secure-agents report [--format markdown|json|html] [--title <text>] <file|dir|->...`
 *
 * Exit codes: 0 the report was written, 2 unreadable input, no workload found, or bad usage.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputProblem, Manifest, MAX_INPUT_BYTES, parseDocuments } from '../policy';
import { readInputs } from './inputs';
import { buildReport, PrivilegeReport, reportHtml, reportMarkdown } from '../policy/report';

export const REPORT_USAGE = `usage: secure-agents report [--format markdown|json|html] [--title <text>] <file|dir|->...

  --format   markdown (default; fits a pull-request comment), json (schema: docs/report.md) or html
             (one self-contained page with a diagram of who talks to whom)
  --title    the report's heading (default: Privilege report)

Reads Kubernetes YAML and Terraform JSON (cdk.tf.json); directories are walked for .yaml, .yml and
.json files; "-" reads standard input. Exit codes: 0 written, 2 unreadable input or no workload, or bad usage.`;

export interface ReportIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Reads standard input, at most `maxBytes + 1` bytes. @default fd 0, bounded */
  readonly readStdin?: (maxBytes: number) => Buffer | string;
}

export class UsageError extends Error {}

export interface ReadResult {
  readonly manifests: Manifest[];
  /** Per manifest, its file relative to the directory (or git path) it was found under. */
  readonly sources: string[];
  readonly problems: InputProblem[];
  /** Files skipped on purpose (see ./inputs.ts). */
  readonly notes: string[];
}

/** Reads files, directories and stdin (`-`) with the checker's reader (bounded, links followed once). */
export function readPaths(paths: readonly string[], io: Pick<ReportIo, 'readStdin'>): ReadResult {
  const read = readInputs(paths, io.readStdin ? { readStdin: io.readStdin } : {});
  const dirs = paths.filter((p) => p !== '-' && isDirectory(p)).map((d) => d.replace(/[/\\]+$/, ''));
  const sources = read.inputs.map((i) => {
    const file = i.location?.file ?? '-';
    const dir = dirs.find((d) => file.startsWith(`${d}/`) || file.startsWith(`${d}\\`));
    return dir ? relativeTo(dir, file) : file;
  });
  return { manifests: read.inputs.map((i) => i.object), sources, problems: read.problems, notes: read.notes };
}

function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

function relativeTo(dir: string, file: string): string {
  return file.slice(dir.replace(/\/+$/, '').length).replace(/^[/\\]+/, '').split('\\').join('/');
}

function add(parsed: ReturnType<typeof parseDocuments>, source: string, manifests: Manifest[], sources: string[], problems: InputProblem[]): void {
  for (const i of parsed.inputs) { manifests.push(i.object); sources.push(source); }
  problems.push(...parsed.problems);
}

/**
 * Reads `<rev>:<path>` from git (a file, or every .yaml/.yml/.json file under a directory) with
 * `git ls-tree` and `git show`, in the current directory's repository.
 */
export function readGit(spec: string, cwd?: string): ReadResult {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw new UsageError(`--git "${spec}" is not <rev>:<path>; use e.g. --git main:dist`);
  const rev = spec.slice(0, colon);
  const path = spec.slice(colon + 1).replace(/\/+$/, '') || '.';
  const git = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: MAX_INPUT_BYTES * 4, stdio: ['ignore', 'pipe', 'pipe'] });
  const manifests: Manifest[] = [];
  const sources: string[] = [];
  const problems: InputProblem[] = [];
  const notes: string[] = [];
  let names: string[];
  try {
    names = git(['ls-tree', '-r', '--name-only', '--full-tree', rev, '--', path === '.' ? '' : path]).split('\n').filter((n) => n !== '');
  } catch (err) {
    return { manifests, sources, notes, problems: [{ file: spec, message: `${spec}: git cannot list it (${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim()})` }] };
  }
  names = names.filter((n) => /\.(ya?ml|json)$/i.test(n)).sort();
  if (names.length === 0) problems.push({ file: spec, message: `${spec}: no .yaml, .yml or .json file at that revision and path` });
  for (const n of names) {
    const file = `${rev}:${n}`;
    try {
      add(parseDocuments(git(['show', file]), file), path === '.' || n === path ? n : n.slice(path.length + 1), manifests, sources, problems);
    } catch (err) {
      problems.push({ file, message: `${file}: cannot be read (${(err as Error).message.split('\n')[0]})` });
    }
  }
  return { manifests, sources, problems, notes };
}

/** Builds the report of the given inputs; problems go into the report and to stderr. */
export function reportOf(read: ReadResult): PrivilegeReport {
  return buildReport(read.manifests, read.problems.map((p) => ({ file: p.file, message: p.message })), { sources: read.sources });
}

export function runReport(argv: readonly string[], io: ReportIo): number {
  let format: 'markdown' | 'json' | 'html' = 'markdown';
  let title: string | undefined;
  const paths: string[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      let a = argv[i];
      let inline: string | undefined;
      if (a.startsWith('--') && a.includes('=')) { inline = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
      const take = () => { if (inline !== undefined) return inline; if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`); return argv[++i]; };
      if (a === '--format') {
        const v = take();
        if (v !== 'markdown' && v !== 'json' && v !== 'html') throw new UsageError(`--format "${v}" is not a format; use markdown, json or html`);
        format = v;
      } else if (a === '--title') title = take();
      else if (a === '--help' || a === '-h') { io.stdout(REPORT_USAGE + '\n'); return 0; }
      else if (a === '-' || !a.startsWith('-')) paths.push(a);
      else throw new UsageError(`unknown option ${a}`);
    }
    if (paths.length === 0) throw new UsageError('no file, directory or - given');
  } catch (err) {
    if (err instanceof UsageError) { io.stderr(`secure-agents report: ${err.message}\n${REPORT_USAGE}\n`); return 2; }
    throw err;
  }
  const read = readPaths(paths, io);
  const report = reportOf(read);
  if (format === 'json') io.stdout(JSON.stringify(report, null, 2) + '\n');
  else if (format === 'html') io.stdout(reportHtml(report, title));
  else io.stdout(reportMarkdown(report, title));
  for (const n of read.notes) io.stderr(`secure-agents report: note: ${n}\n`);
  for (const p of read.problems) io.stderr(`secure-agents report: ${p.message}\n`);
  if (report.workloads.length === 0) io.stderr('secure-agents report: no workload (Pod, Deployment, DaemonSet, StatefulSet, Job, CronJob or pod template) among the inputs\n');
  return read.problems.length > 0 || report.workloads.length === 0 ? 2 : 0;
}

/**
 * The committed privilege pages of the examples: one Markdown report per `dist/k8s/<example>.k8s.yaml`,
 * with the Terraform stacks `dist/terraform/<example>[-*]/` that belong to it. Returns file name → text.
 */
export function privilegeDocs(distDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const k8sDir = join(distDir, 'k8s');
  const tfDir = join(distDir, 'terraform');
  const stacks = (() => { try { return readdirSync(tfDir).sort(); } catch { return []; } })();
  for (const file of readdirSync(k8sDir).filter((f) => f.endsWith('.k8s.yaml')).sort()) {
    const example = file.slice(0, -'.k8s.yaml'.length);
    const tf = stacks.filter((s) => s === example || s.startsWith(`${example}-`)).map((s) => join(tfDir, s));
    const read = readPaths([join(k8sDir, file), ...tf], {});
    if (read.problems.length) throw new Error(`privilege docs: ${read.problems.map((p) => p.message).join('; ')}`);
    const sources = [`dist/k8s/${file}`, ...tf.map((t) => `dist/terraform/${t.slice(tfDir.length + 1)}/`)];
    const body = reportMarkdown(buildReport(read.manifests), `Privileges of the ${example} example`);
    out.set(`${example}.md`, `<!-- Generated by \`npm run synth\` from ${sources.join(', ')}: do not edit. -->\n\n${body}`);
  }
  return out;
}

/** Writes `privilegeDocs` into a directory, removing pages of examples that no longer exist. */
export function writePrivilegeDocs(distDir: string, docsDir: string): string[] {
  const docs = privilegeDocs(distDir);
  mkdirSync(docsDir, { recursive: true });
  for (const f of readdirSync(docsDir)) if (f.endsWith('.md') && !docs.has(f)) rmSync(join(docsDir, f));
  for (const [name, text] of docs) writeFileSync(join(docsDir, name), text);
  return [...docs.keys()].map((n) => join(docsDir, n));
}
