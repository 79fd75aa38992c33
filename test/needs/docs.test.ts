import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { needsDocs } from '../../examples/needs-docs';
import { NEEDS_TABLES } from '../../src/needs/tables';
import { MIN_REASON_LENGTH } from '../../src';

const ROOT = path.resolve(__dirname, '../..');

describe('needs tables', () => {
  it.each(Object.entries(needsDocs()))('%s equals what the tables render (run npm run synth)', (file, text) => {
    expect(fs.readFileSync(path.join(ROOT, file), 'utf8')).toBe(text);
  });

  it('has no page for a family without tables, and no stray page', () => {
    const pages = fs.readdirSync(path.join(ROOT, 'docs/needs')).filter((f) => f.endsWith('.md')).sort();
    expect(pages).toEqual(Object.keys(NEEDS_TABLES).map((f) => `${f}.md`).sort());
  });

  it('gives every row a unique id and a reason the checker accepts', () => {
    for (const tables of Object.values(NEEDS_TABLES)) {
      for (const t of tables) {
        const ids = t.needs.map((n) => n.id);
        expect(new Set(ids).size, `${t.component} ids`).toBe(ids.length);
        for (const n of t.needs) expect(n.reason.trim().length, `${t.component}/${n.id}`).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
      }
    }
  });
});
