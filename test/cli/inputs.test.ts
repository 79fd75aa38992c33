import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFs, readInputs } from '../../src/cli/inputs';

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec: {containers: [{name: c, image: x}]}\n`;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(join(tmpdir(), 'sa-inputs-'));
  for (const d of ['a', 'b-unreadable', 'b-unreadable/inner', 'c']) fs.mkdirSync(join(tmp, d));
  fs.writeFileSync(join(tmp, 'a', 'one.yaml'), pod('one'));
  fs.writeFileSync(join(tmp, 'b-unreadable', 'inner', 'hidden.yaml'), pod('hidden'));
  fs.writeFileSync(join(tmp, 'c', 'three.yml'), pod('three'));
});
afterAll(() => {
  fs.chmodSync(join(tmp, 'b-unreadable'), 0o755);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The real file system, except that one directory refuses to be listed (as chmod 000 does for a non-root user). */
function fsWithUnreadable(dir: string): InputFs {
  return {
    ...fs,
    readdirSync: ((p: fs.PathLike, o: any) => {
      if (String(p) === dir) throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' });
      return fs.readdirSync(p, o);
    }) as InputFs['readdirSync'],
  };
}

describe('readInputs', () => {
  it('reports an unreadable subdirectory by its own name and walks on', () => {
    const bad = join(tmp, 'b-unreadable');
    const r = readInputs([tmp], { fs: fsWithUnreadable(bad) });
    expect(r.problems.map((p) => p.file)).toEqual([bad]);
    expect(r.problems[0].message).toMatch(/b-unreadable: directory cannot be read \(EACCES\)/);
    expect(r.inputs.map((i) => (i.object as any).metadata.name).sort()).toEqual(['one', 'three']);
  });

  it.skipIf(process.getuid?.() === 0)('the same with a real chmod 000 directory (as a non-root user)', () => {
    const bad = join(tmp, 'b-unreadable');
    fs.chmodSync(bad, 0o000);
    try {
      const r = readInputs([tmp]);
      expect(r.problems.map((p) => p.file)).toEqual([bad]);
      expect(r.inputs).toHaveLength(2);
    } finally {
      fs.chmodSync(bad, 0o755);
    }
  });

  it('bounds the documents of one run, and says which files were not read', () => {
    const r = readInputs([tmp], { limits: { maxDocuments: 2 } });
    expect(r.bounded).toBe(true);
    expect(r.inputs).toHaveLength(2);
    expect(r.problems.at(-1)!.message).toMatch(/2 documents in total, the bound of one run; 1 file\(s\) from .*three\.yml on were not checked/);
  });

  it('bounds the documents of one file (List items count) and the bytes of the run', () => {
    const list = join(tmp, 'list.json');
    fs.writeFileSync(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: 5 }, (_, i) => JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` } }))) }));
    try {
      const one = readInputs([list], { limits: { maxDocumentsPerFile: 3 } });
      expect(one.bounded).toBe(true);
      expect(one.problems[0].message).toMatch(/list\.json: more than 3 documents/);
      const bytes = readInputs([join(tmp, 'a'), join(tmp, 'c'), list], { limits: { maxTotalBytes: 10 } });
      expect(bytes.bounded).toBe(true);
      expect(bytes.problems.at(-1)!.message).toMatch(/more than 10 bytes in total/);
      expect(bytes.inputs).toHaveLength(1);
    } finally {
      fs.rmSync(list);
    }
  });

  it('reads standard input only up to the bound', () => {
    let asked = -1;
    const r = readInputs(['-'], { readStdin: (max) => { asked = max; return Buffer.alloc(max + 1, 0x61); }, limits: { maxFileBytes: 1000 } });
    expect(asked).toBe(1000);
    expect(r.problems[0].message).toBe('standard input: larger than 1000 bytes; split it into smaller files');
  });

  it('a dangling symbolic link named *.yaml is a problem, not silently skipped', () => {
    const dir = join(tmp, 'dangling');
    fs.mkdirSync(dir);
    fs.symlinkSync(join(tmp, 'nowhere.yaml'), join(dir, 'gone.yaml'));
    const r = readInputs([dir]);
    expect(r.problems[0].message).toMatch(/gone\.yaml: symbolic link that cannot be followed \(ENOENT\)/);
  });
});
