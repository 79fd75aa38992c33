/**
 * Reading the CLI's inputs: files, directories (walked), and `-` (standard input), into check inputs,
 * with every problem named by file (and document), every skipped file named in a note, and the work
 * bounded (bytes per file and in total, documents per file and in total). Shared by every subcommand
 * that reads manifests (`check`, and the report commands).
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { CheckInput, Finding, InputProblem, MAX_DOCUMENTS_PER_FILE, MAX_INPUT_BYTES, parseDocuments, ParsedInput } from '../policy';

/** Bounds on the work one run does. */
export interface InputLimits {
  /** Bytes read from one file, special file or standard input. @default 64 MiB */
  readonly maxFileBytes: number;
  /** Bytes read over all inputs. @default 256 MiB */
  readonly maxTotalBytes: number;
  /** Documents (and List items) read from one file. @default 100,000 */
  readonly maxDocumentsPerFile: number;
  /** Documents (and List items) read over all inputs. @default 200,000 */
  readonly maxDocuments: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxFileBytes: MAX_INPUT_BYTES,
  maxTotalBytes: 256 * 1024 * 1024,
  maxDocumentsPerFile: MAX_DOCUMENTS_PER_FILE,
  maxDocuments: 200_000,
};

/** The file-system calls the reader makes (injectable for tests). */
export type InputFs = Pick<typeof nodeFs, 'statSync' | 'readdirSync' | 'realpathSync' | 'openSync' | 'fstatSync' | 'readSync' | 'closeSync'>;

export interface ReadInputsOptions {
  /** Reads standard input, returning at most `maxBytes + 1` bytes (more means too large). @default fd 0, bounded */
  readonly readStdin?: (maxBytes: number) => Buffer | string;
  readonly limits?: Partial<InputLimits>;
  readonly fs?: InputFs;
}

export interface ReadInputsResult {
  readonly inputs: CheckInput[];
  /** Inputs that could not be read or checked: any of them makes the run fail (exit 2). */
  readonly problems: InputProblem[];
  /** Files skipped on purpose (not regular files in a walk, tool output such as construct-metadata.json). */
  readonly notes: string[];
  /** Files read (after walking directories). */
  readonly files: string[];
  /** Whether a bound was hit. */
  readonly bounded: boolean;
  /** The line of a finding's field in its file, where known (for SARIF). */
  readonly lineOf: (f: Finding) => number | undefined;
}

const MANIFEST = /\.(ya?ml|json)$/i;

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Reads standard input (fd 0), at most maxBytes + 1 bytes, waiting on a non-blocking descriptor. */
export function readStdinBounded(maxBytes: number, fs: InputFs = nodeFs): Buffer {
  return readFdBounded(0, maxBytes, fs);
}

/** Reads an open descriptor to its end or to maxBytes + 1 bytes, whichever comes first. */
export function readFdBounded(fd: number, maxBytes: number, fs: InputFs = nodeFs): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(1024 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, Math.min(buf.length, maxBytes + 1 - total), null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); continue; }
      if ((err as NodeJS.ErrnoException).code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    total += n;
    if (total > maxBytes) break;
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads every path (a file, a directory to walk, or `-` for standard input) into check inputs.
 * Directories are walked for .yaml, .yml and .json files in name order, following symbolic links once
 * each (a link back up the tree is not walked twice), skipping `node_modules` and dot-directories, and
 * skipping (with a note) anything that is not a regular file. Never throws for a bad input.
 */
export function readInputs(paths: readonly string[], options: ReadInputsOptions = {}): ReadInputsResult {
  const fs = options.fs ?? nodeFs;
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
  const readStdin = options.readStdin ?? ((max: number) => readStdinBounded(max, fs));
  const problems: InputProblem[] = [];
  const notes: string[] = [];
  const files: string[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();

  const addFile = (p: string) => {
    let real = p;
    try { real = fs.realpathSync(p); } catch { /* reported when read */ }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push(p);
  };

  const walk = (dir: string) => {
    let real: string;
    try { real = fs.realpathSync(dir); } catch (err) { problems.push({ file: dir, message: `${dir}: cannot be read (${errCode(err)})` }); return; }
    if (seenDirs.has(real)) return; // a link to a directory already walked (or a loop)
    seenDirs.add(real);
    let entries: nodeFs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ file: dir, message: `${dir}: directory cannot be read (${errCode(err)}); its files were not checked` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const p = join(dir, entry.name);
      let kind: 'dir' | 'file' | 'other';
      if (entry.isSymbolicLink()) {
        let st: nodeFs.Stats;
        try { st = fs.statSync(p); } catch (err) {
          if (MANIFEST.test(entry.name)) problems.push({ file: p, message: `${p}: symbolic link that cannot be followed (${errCode(err)})` });
          continue;
        }
        kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      } else {
        kind = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      }
      if (kind === 'dir') {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(p);
      } else if (MANIFEST.test(entry.name)) {
        if (kind === 'file') addFile(p);
        else notes.push(`${p}: skipped: not a regular file (a FIFO, socket or device)`);
      }
    }
  };

  for (const p of paths) {
    if (p === '-') { files.push(p); continue; }
    try {
      if (fs.statSync(p).isDirectory()) walk(p);
      else addFile(p);
    } catch (err) {
      problems.push({ file: p, message: `${p}: cannot be read (${errCode(err)})` });
    }
  }

  const inputs: CheckInput[] = [];
  const parsedByFile = new Map<string, ParsedInput>();
  let totalBytes = 0;
  let documents = 0;
  let bounded = false;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    if (totalBytes > limits.maxTotalBytes || documents >= limits.maxDocuments) {
      bounded = true;
      const why = totalBytes > limits.maxTotalBytes ? `more than ${mib(limits.maxTotalBytes)} in total` : `${limits.maxDocuments} documents in total`;
      problems.push({ file, message: `input: read ${why}, the bound of one run; ${files.length - i} file(s) from ${file} on were not checked: check them in smaller runs` });
      break;
    }
    let data: Buffer | string | undefined;
    try {
      data = file === '-' ? readStdin(limits.maxFileBytes) : readFile(file, limits.maxFileBytes, fs);
    } catch (err) {
      problems.push({ file, message: `${file}: cannot be read (${errCode(err)})` });
      continue;
    }
    const size = data === undefined ? Infinity : typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (data === undefined || size > limits.maxFileBytes) {
      bounded = true;
      problems.push({ file, message: `${file === '-' ? 'standard input' : file}: larger than ${mib(limits.maxFileBytes)}; split it into smaller files` });
      continue;
    }
    totalBytes += size;
    const text = typeof data === 'string' ? data : data.toString('utf8');
    const remaining = limits.maxDocuments - documents;
    const parsed = parseDocuments(text, file, { maxDocuments: Math.min(limits.maxDocumentsPerFile, remaining) });
    if (parsed.skipped) { notes.push(`${file}: skipped: ${parsed.skipped}, not a manifest`); continue; }
    parsedByFile.set(file, parsed);
    documents += parsed.documents;
    if (parsed.bounded) bounded = true;
    for (const input of parsed.inputs) inputs.push(input);
    for (const problem of parsed.problems) problems.push(problem);
  }

  const lineOf = (f: Finding): number | undefined => {
    if (!f.location) return undefined;
    return parsedByFile.get(f.location.file)?.lineOf(f.location, f.path);
  };
  return { inputs, problems, notes, files, bounded, lineOf };
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${Math.round(bytes / 1024 / 1024)} MiB`;
}

/**
 * Reads a file given by path, at most maxBytes + 1 bytes whatever it is: a regular file larger than the
 * bound is refused without reading it (undefined), and a special file (a pipe, /dev/zero) is read up to the bound.
 */
function readFile(path: string, maxBytes: number, fs: InputFs): Buffer | undefined {
  const fd = fs.openSync(path, 'r');
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st.isFile() && st.size > maxBytes) return undefined; // too large: not read at all
    return readFdBounded(fd, maxBytes, fs);
  } finally {
    fs.closeSync(fd);
  }
}
