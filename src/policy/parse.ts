/**
 * Reads multi-document YAML and JSON into check inputs, decoding each document as the Kubernetes client
 * tooling does (see yaml-decode.ts). A bad document is reported with its file and index, and every other
 * document is still returned: documents are split at their `---` lines and read one by one, so that not
 * even a parser crash on one of them reaches the others. Work is bounded per file (bytes, documents).
 */
import { Document, LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { isTerraformDocument, CheckInput } from './engine';
import { isObj } from './objects';
import { SourceLocation } from './types';
import { DecodeError, DecodeLimits, DEFAULT_DECODE_LIMITS, KubeYamlDecoder, offsetOfPath, splitPath } from './yaml-decode';

/** Files larger than this are refused, with a message (64 MiB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Documents (and List items) read from one file at most; beyond it the file is refused. */
export const MAX_DOCUMENTS_PER_FILE = 100_000;

/** A document that could not be checked. */
export interface InputProblem {
  /** The file as given on the command line, or `-` for stdin. */
  readonly file: string;
  /** 0-based document index, when the problem concerns one document. */
  readonly document?: number;
  /** 0-based item index, when the problem concerns one item of a List document. */
  readonly item?: number;
  /** What is wrong with the file or document, e.g. a YAML syntax error. */
  readonly message: string;
}

export interface ParseOptions {
  /**
   * Documents (and List items) read from one file at most; a file with more is refused as a problem.
   * @default MAX_DOCUMENTS_PER_FILE
   */
  readonly maxDocuments?: number;
  /**
   * Limits of the YAML decoder against hostile input: the deepest nesting, and the nodes one document may
   * produce through aliases.
   * @default DEFAULT_DECODE_LIMITS
   */
  readonly decode?: Partial<DecodeLimits>;
}

export interface ParsedInput {
  /** The objects to check, each with its file and document index. */
  readonly inputs: CheckInput[];
  /** Files and documents that could not be read or decoded; they are not checked. */
  readonly problems: InputProblem[];
  /** Documents and List items read (checked or not). */
  readonly documents: number;
  /** Set when the file is the output of a tool run next to the checker (not a manifest), and was skipped. */
  readonly skipped?: string;
  /** Whether a bound (bytes, documents) was hit. */
  readonly bounded?: boolean;
  /** The 1-based line of a field (a finding's path) in a document of this file, for SARIF. */
  readonly lineOf: (location: SourceLocation, path?: string) => number | undefined;
}

/** Top-level blocks of Terraform JSON (the Terraform language's block types, and cdktf's "//" metadata). */
const TERRAFORM_BLOCKS = new Set(['terraform', 'provider', 'resource', 'data', 'module', 'output', 'variable', 'locals', 'moved', 'import', 'check', 'removed', '//']);

/** Whether a document is Terraform JSON: a mapping whose top-level keys are all Terraform block types. */
export function looksLikeTerraformJson(value: unknown): boolean {
  if (!isObj(value) || value.kind !== undefined) return false;
  if (isTerraformDocument(value)) return true;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.some((k) => k !== '//') && keys.every((k) => TERRAFORM_BLOCKS.has(k));
}

/**
 * Recognises, by content, the files that cdk8s and cdktf write next to the manifests: cdk8s's
 * construct-metadata.json (`{version, resources: {<name>: {path}}}`, written when validations are on)
 * and cdktf's manifest.json (`{version, stacks: {<name>: {synthesizedStackPath, ...}}}`). Returns what it is.
 */
export function toolOutputKind(value: unknown): string | undefined {
  if (!isObj(value) || value.kind !== undefined || typeof value.version !== 'string') return undefined;
  const keys = Object.keys(value);
  const values = (o: unknown) => (isObj(o) ? Object.values(o) : undefined);
  if (keys.every((k) => k === 'version' || k === 'resources')) {
    const r = values(value.resources);
    if (r && r.every((e) => isObj(e) && Object.keys(e).every((k) => k === 'path') && (e.path === undefined || typeof e.path === 'string'))) {
      return "cdk8s's construct metadata (construct-metadata.json)";
    }
  }
  if (keys.every((k) => k === 'version' || k === 'stacks' || k === 'hclOutput')) {
    const s = values(value.stacks);
    if (s && s.every((e) => isObj(e) && ['synthesizedStackPath', 'workingDirectory', 'constructPath'].some((k) => typeof e[k] === 'string'))) {
      return "cdktf's stack manifest (manifest.json)";
    }
  }
  return undefined;
}

/** A document of a YAML stream: its source range and the line it starts on. */
interface Slice { readonly start: number; readonly end: number; readonly line: number }

const START = /^---(?:[ \t\r]|$)/;
const END = /^\.\.\.(?:[ \t\r]|$)/;

/**
 * Splits a YAML stream at its `---` and `...` lines (a line starting with either, at column 0, is a
 * document marker wherever it appears: YAML forbids it inside content). Comments and directives before
 * a `---` belong to the document it starts. Stops after `max + 1` documents.
 */
function splitDocuments(text: string, max: number): Slice[] {
  const out: Slice[] = [];
  let start = 0, startLine = 1, explicit = false, content = false;
  let pos = 0, line = 1;
  const close = (end: number) => {
    if (explicit || content) out.push({ start, end, line: startLine });
  };
  while (pos <= text.length && out.length <= max) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl === -1 ? text.length : nl;
    const c = text.charCodeAt(pos);
    if (c === 45 /* - */ && START.test(text.slice(pos, Math.min(lineEnd, pos + 4)))) {
      if (explicit || content) { close(pos); start = pos; startLine = line; }
      explicit = true; content = false;
    } else if (c === 46 /* . */ && END.test(text.slice(pos, Math.min(lineEnd, pos + 4)))) {
      close(lineEnd);
      start = lineEnd; startLine = line; explicit = false; content = false;
    } else if (!content) {
      const l = text.slice(pos, lineEnd).trim();
      if (l !== '' && !l.startsWith('#') && !(l.startsWith('%') && !explicit && c === 37)) content = true;
    }
    if (nl === -1) break;
    pos = nl + 1; line++;
  }
  if (out.length <= max) close(text.length);
  return out;
}

/** Parses the text of one file (or stdin, named `-`). */
export function parseDocuments(text: string, file: string, options: ParseOptions = {}): ParsedInput {
  const maxDocuments = options.maxDocuments ?? MAX_DOCUMENTS_PER_FILE;
  const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...options.decode };
  const state = new Reader(file, maxDocuments);
  const noLines = () => undefined;
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
    state.problems.push({ file, message: `${file}: larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; split it into smaller files` });
    return state.result(noLines, true);
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    let json = true;
    try { value = JSON.parse(text); } catch { json = false; } // not JSON: YAML reports the error with a position
    if (json) {
      const skipped = toolOutputKind(value);
      if (skipped) return { ...state.result(noLines), skipped };
      const docs = Array.isArray(value) ? value : [value];
      if (docs.length > maxDocuments) {
        state.problems.push({ file, message: `${file}: more than ${maxDocuments} documents; not read: split it into smaller files` });
        return state.result(noLines, true);
      }
      for (let i = 0; i < docs.length && !state.full; i++) {
        if (depthOf(docs[i], limits.maxDepth) > limits.maxDepth) state.problem(i, undefined, `is nested more than ${limits.maxDepth} levels deep; not read`);
        else state.accept(docs[i], i, 1);
      }
      let parsed: { doc: Document; lines: LineCounter } | undefined;
      const lineOf = (location: SourceLocation, path?: string): number | undefined => {
        try {
          if (!parsed && nestingBound(text, MAX_NESTING) > MAX_NESTING) return undefined;
          if (!parsed) { const lines = new LineCounter(); parsed = { doc: parseDocument(text, { lineCounter: lines, schema: 'failsafe', uniqueKeys: false }) as Document, lines }; }
          const segments = [...(Array.isArray(value) ? [location.document] : []), ...(location.item !== undefined ? ['items', location.item] : []), ...splitPath(path ?? '')];
          const offset = offsetOfPath(parsed.doc, parsed.doc.contents, segments);
          return offset === undefined ? undefined : parsed.lines.linePos(offset).line;
        } catch {
          return undefined;
        }
      };
      return state.result(lineOf);
    }
  }
  const slices = splitDocuments(text, maxDocuments);
  if (slices.length > maxDocuments) {
    // Refused before any document is parsed: the bound is on work, and the run fails anyway.
    state.problems.push({ file, message: `${file}: more than ${maxDocuments} documents; not read: split it into smaller files` });
    return state.result(noLines, true);
  }
  for (let i = 0; i < slices.length && !state.full; i++) {
    const s = slices[i];
    if (isBlank(text, s)) { state.documents++; continue; } // an empty document (e.g. a trailing ---)
    if (nestingBound(text.slice(s.start, s.end), MAX_NESTING) > MAX_NESTING) {
      state.problem(i, undefined, `is nested more than ${MAX_NESTING} levels deep (counting indentation); not read`);
      continue;
    }
    const parsed = composeSlice(text, s);
    if ('error' in parsed) { state.problem(i, undefined, `is not valid YAML${parsed.line ? ` (line ${parsed.line})` : ''}: ${parsed.error}`); continue; }
    const { doc, lines } = parsed;
    const startLine = lines.linePos(doc.contents?.range?.[0] ?? 0).line + s.line - 1;
    let value: unknown;
    try {
      value = new KubeYamlDecoder(doc, limits).decode();
    } catch (err) {
      const why = err instanceof DecodeError ? err.message : tooDeep(err) ? 'it is nested too deeply to read' : (err as Error).message;
      state.problem(i, undefined, `cannot be read as Kubernetes reads it: ${why}`);
      continue;
    }
    if (value === null || value === undefined) { state.documents++; continue; } // an empty document (e.g. a trailing ---)
    state.accept(value, i, startLine);
  }
  let last: { index: number; parsed: Composed } | undefined; // findings come grouped by document
  const lineOf = (location: SourceLocation, path?: string): number | undefined => {
    const s = slices[location.document];
    if (!s) return undefined;
    if (last?.index !== location.document) last = { index: location.document, parsed: composeSlice(text, s) };
    const parsed = last.parsed;
    if ('error' in parsed) return undefined;
    try {
      const segments = [...(location.item !== undefined ? ['items', location.item] : []), ...splitPath(path ?? '')];
      const offset = offsetOfPath(parsed.doc, parsed.doc.contents, segments);
      return offset === undefined ? undefined : parsed.lines.linePos(offset).line + s.line - 1;
    } catch {
      return undefined;
    }
  };
  return state.result(lineOf);
}

/** Whether a document holds nothing but its `---` marker, blank lines and comments. */
function isBlank(text: string, s: Slice): boolean {
  if (s.end - s.start > 256) return false;
  return text.slice(s.start, s.end).split('\n').every((l, i) => {
    const t = (i === 0 ? l.replace(/^---/, '') : l).trim();
    return t === '' || t.startsWith('#');
  });
}

/**
 * An upper bound on the nesting depth of a YAML document, found by one scan of its text: indentation,
 * compact indicators (`- - -`), and flow brackets outside quoted strings, comments and block scalars.
 * The YAML parser recurses once per level; a document deeper than the bound is refused before it is
 * parsed, since a parser that runs out of stack can take the whole process down (V8 compiling a
 * regular expression at the stack limit aborts the process instead of throwing).
 */
export function nestingBound(text: string, limit: number): number {
  let max = 0, flow = 0, blockScalarIndent = -1;
  let quote = '';
  const lines = text.split('\n');
  for (const line of lines) {
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    const blank = indent === line.length || line.trim() === '';
    if (blockScalarIndent >= 0) {
      if (blank || indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    let i = indent;
    let base = indent;
    if (flow === 0 && quote === '') {
      while (i < line.length && '-?:'.includes(line[i]) && (i + 1 === line.length || line[i + 1] === ' ')) {
        base++;
        i += 2;
        while (line[i] === ' ') i++;
      }
    }
    let prev = i === indent ? '' : '-';
    let lastSignificant = -1;
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote !== '') {
        if (quote === '"' && c === '\\') { i++; continue; }
        if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") { i++; continue; }
          quote = '';
        }
        continue;
      }
      if (c === ' ' || c === '\t') continue;
      const tokenStart = prev === '' || '-:?,[{'.includes(prev);
      if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      if ((c === '"' || c === "'") && (flow > 0 || tokenStart)) { quote = c; prev = c; continue; }
      if ((c === '[' || c === '{') && (flow > 0 || tokenStart)) {
        flow++;
        if (base + flow > max) max = base + flow;
        if (max > limit) return max;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
      prev = c;
      lastSignificant = i;
    }
    if (base > max) max = base;
    if (max > limit) return max;
    if (flow === 0 && quote === '' && lastSignificant >= 0 && /(^|[\s:-])[|>][0-9+-]*$/.test(line.slice(0, lastSignificant + 1))) blockScalarIndent = indent;
  }
  return max;
}

/** The nesting depth of a parsed JSON value, counted without recursion (stops past `limit`). */
function depthOf(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) { max = d + 1; if (max > limit) return max; }
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

/** Deepest nesting (as bounded by nestingBound) of a document the parser is given. */
const MAX_NESTING = 200;

type Composed = { doc: Document; lines: LineCounter } | { error: string; line?: number };

/** Composes one document of the stream; a parser crash (deep nesting) becomes an error of that document. */
function composeSlice(text: string, s: Slice): Composed {
  const lines = new LineCounter();
  try {
    const docs = parseAllDocuments(text.slice(s.start, s.end), { lineCounter: lines, prettyErrors: false, schema: 'failsafe', uniqueKeys: false });
    const list = Array.isArray(docs) ? docs : [];
    const errors = list.flatMap((d) => d.errors);
    if (errors.length > 0) {
      const e = errors[0];
      return { error: /call stack/i.test(e.message) ? 'it is nested too deeply to read' : e.message.split('\n')[0], line: e.linePos?.[0] ? e.linePos[0].line + s.line - 1 : undefined };
    }
    if (list.length === 0) return { doc: parseDocument('', { schema: 'failsafe' }) as Document, lines };
    return { doc: list[0] as Document, lines };
  } catch (err) {
    return { error: tooDeep(err) ? 'it is nested too deeply to read' : (err as Error).message };
  }
}

function tooDeep(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

const KIND_OF = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'list' : isObj(v) ? 'mapping' : typeof v === 'boolean' ? 'boolean' : typeof v);

/** Collects inputs and problems of one file, and enforces its document bound. */
class Reader {
  readonly inputs: CheckInput[] = [];
  readonly problems: InputProblem[] = [];
  documents = 0;
  full = false;
  private bounded = false;

  constructor(private readonly file: string, private readonly max: number) {}

  problem(document: number, item: number | undefined, message: string): void {
    this.documents++;
    const where = `document ${document}${item !== undefined ? `, item ${item}` : ''}`;
    this.problems.push({ file: this.file, document, ...(item !== undefined ? { item } : {}), message: `${this.file}: ${where} ${message}` });
    this.checkBound();
  }

  tooMany(): void {
    if (this.bounded) return;
    this.bounded = true;
    this.full = true;
    this.problems.push({ file: this.file, message: `${this.file}: more than ${this.max} documents (counting List items); the rest of the file was not read: split it into smaller files` });
  }

  private checkBound(): void {
    if (this.documents > this.max) this.tooMany();
  }

  accept(value: unknown, index: number, line: number, item?: number): void {
    if (this.full) return;
    if (!isObj(value)) {
      this.problem(index, item, `is not a Kubernetes object (a ${KIND_OF(value)}); expected a mapping with apiVersion, kind and metadata`);
      return;
    }
    if (item === undefined && looksLikeTerraformJson(value)) {
      this.documents++;
      this.inputs.push({ object: value, location: { file: this.file, document: index, line } });
      this.checkBound();
      return;
    }
    if (item === undefined && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((it: unknown, j: number) => this.accept(it, index, line, j));
      return;
    }
    const wrong = wrongTypes(value);
    if (wrong) {
      this.problem(index, item, `is not a Kubernetes object: ${wrong}`);
      return;
    }
    this.documents++;
    this.inputs.push({ object: value, location: { file: this.file, document: index, line, ...(item !== undefined ? { item } : {}) } });
    this.checkBound();
  }

  result(lineOf: ParsedInput['lineOf'], bounded = false): ParsedInput {
    return { inputs: this.inputs, problems: this.problems, documents: this.documents, lineOf, ...(bounded || this.bounded ? { bounded: true } : {}) };
  }
}

/**
 * What makes the API server refuse an object before any policy applies (its identity fields of the wrong
 * type): such an object is reported, not checked. Returns undefined for a well-formed object.
 */
function wrongTypes(o: Record<string, unknown>): string | undefined {
  const missing = ['apiVersion', 'kind', 'metadata'].filter((k) => o[k] === undefined || o[k] === null);
  if (missing.length) return `it has no ${missing.join(', ')}`;
  for (const k of ['apiVersion', 'kind']) {
    if (typeof o[k] !== 'string' || o[k] === '') return `${k} is a ${KIND_OF(o[k])}, not a non-empty string`;
  }
  const md = o.metadata;
  if (!isObj(md)) return `metadata is a ${KIND_OF(md)}, not a mapping`;
  for (const k of ['name', 'generateName', 'namespace']) {
    if (md[k] !== undefined && md[k] !== null && typeof md[k] !== 'string') return `metadata.${k} is a ${KIND_OF(md[k])}, not a string (the API server refuses it)`;
  }
  for (const k of ['labels', 'annotations']) {
    const m = md[k];
    if (m === undefined || m === null) continue;
    if (!isObj(m)) return `metadata.${k} is a ${KIND_OF(m)}, not a mapping`;
    for (const [key, v] of Object.entries(m)) {
      if (v !== null && typeof v !== 'string') return `metadata.${k}["${key}"] is a ${KIND_OF(v)}, not a string (quote it: Kubernetes reads ${JSON.stringify(v)})`;
    }
  }
  return undefined;
}
