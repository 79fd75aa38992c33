/**
 * Reads multi-document YAML and JSON into check inputs. A bad document is reported with its file and
 * index, and every other document is still returned.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { isTerraformDocument, CheckInput } from './engine';
import { isObj } from './objects';

/** Files larger than this are refused, with a message (64 MiB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** A document that could not be checked. */
export interface InputProblem {
  readonly file: string;
  /** 0-based document index, when the problem concerns one document. */
  readonly document?: number;
  readonly message: string;
}

export interface ParsedInput {
  readonly inputs: CheckInput[];
  readonly problems: InputProblem[];
}

/** Parses the text of one file (or stdin, named `-`). */
export function parseDocuments(text: string, file: string): ParsedInput {
  const inputs: CheckInput[] = [];
  const problems: InputProblem[] = [];
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
    return { inputs, problems: [{ file, message: `${file}: larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; split it into smaller files` }] };
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value = JSON.parse(text);
      const docs = Array.isArray(value) ? value : [value];
      docs.forEach((d, i) => accept(d, file, i, 1, inputs, problems));
      return { inputs, problems };
    } catch {
      // not JSON: fall through to YAML, which reports the error with a position
    }
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    return { inputs, problems: [{ file, document: 0, message: `${file}: document 0 is not YAML` }] };
  }
  list.forEach((doc, i) => {
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const line = lines.linePos(start).line;
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const at = e.linePos?.[0] ? ` (line ${e.linePos[0].line})` : '';
      problems.push({ file, document: i, message: `${file}: document ${i} is not valid YAML${at}: ${e.message.split('\n')[0]}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      problems.push({ file, document: i, message: `${file}: document ${i} cannot be read: ${(err as Error).message}` });
      return;
    }
    if (value === null || value === undefined) return; // empty document (e.g. a trailing ---)
    accept(value, file, i, line, inputs, problems);
  });
  return { inputs, problems };
}

function accept(value: unknown, file: string, index: number, line: number, inputs: CheckInput[], problems: InputProblem[]): void {
  const location = { file, document: index, line };
  if (!isObj(value)) {
    problems.push({ file, document: index, message: `${file}: document ${index} is not a Kubernetes object (a ${Array.isArray(value) ? 'list' : typeof value}); expected a mapping with apiVersion, kind and metadata` });
    return;
  }
  if (isTerraformDocument(value)) {
    inputs.push({ object: value, location });
    return;
  }
  const missing = ['apiVersion', 'kind', 'metadata'].filter((k) => value[k] === undefined);
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item: unknown, j: number) => {
      const before = problems.length;
      accept(item, file, index, line, inputs, problems);
      if (problems.length > before) {
        const p = problems.pop()!;
        problems.push({ ...p, message: p.message.replace(`document ${index}`, `document ${index}, item ${j}`) });
      }
    });
    return;
  }
  if (missing.length) {
    problems.push({ file, document: index, message: `${file}: document ${index} is not a Kubernetes object: it has no ${missing.join(', ')}` });
    return;
  }
  inputs.push({ object: value, location });
}
