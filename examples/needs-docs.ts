// Writes docs/needs/<family>.md from the needs tables in src/ (run by `npm run synth`).
import * as fs from 'fs';
import * as path from 'path';
import { renderNeedsMarkdown } from '../src/needs/render';
import { NEEDS_TABLES } from '../src/needs/tables';

/** The needs pages, by file name relative to the repository root. */
export function needsDocs(): Record<string, string> {
  return Object.fromEntries(Object.entries(NEEDS_TABLES).map(([family, tables]) => [`docs/needs/${family}.md`, renderNeedsMarkdown(family, tables)]));
}

/** Writes the needs pages under `root`; returns the files written. */
export function writeNeedsDocs(root: string): string[] {
  const docs = needsDocs();
  for (const [file, text] of Object.entries(docs)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return Object.keys(docs);
}
