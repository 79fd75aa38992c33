// `npm run synth` replaces dist/ through replaceDir: a failure at any step leaves dist/ as it was and
// no dist.next-<pid> or dist.previous-<pid> behind (issue 18).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirOps, replaceDir } from '../examples/replace-dir';

let root: string;
let source: string;
let target: string;

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'replace-dir-'));
  source = path.join(root, 'staging');
  target = path.join(root, 'dist');
  fs.mkdirSync(path.join(source, 'k8s'), { recursive: true });
  fs.writeFileSync(path.join(source, 'k8s', 'a.yaml'), 'new a');
  fs.writeFileSync(path.join(source, 'b.json'), 'new b');
  fs.mkdirSync(path.join(target, 'k8s'), { recursive: true });
  fs.mkdirSync(path.join(target, 'terraform'), { recursive: true });
  fs.writeFileSync(path.join(target, 'k8s', 'a.yaml'), 'old a');
  fs.writeFileSync(path.join(target, 'terraform', 'c.json'), 'old c');
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** The real fs, with one call failing when `when` says so. */
function failing(op: keyof DirOps, when: (...args: any[]) => boolean): DirOps {
  const real = fs as unknown as DirOps;
  return new Proxy(real, {
    get(t, key: string) {
      const fn = (t as any)[key].bind(t);
      if (key !== op) return fn;
      return (...args: any[]) => {
        if (when(...args)) throw Object.assign(new Error(`EACCES: permission denied, ${key} '${args[0]}'`), { code: 'EACCES' });
        return fn(...args);
      };
    },
  });
}

describe('replaceDir', () => {
  it('replaces the target with the source and leaves no sibling', () => {
    replaceDir(source, target, fs as unknown as DirOps, 4242);
    expect(tree(target)).toEqual(tree(source));
    expect(fs.readdirSync(root).sort()).toEqual(['dist', 'staging']);
  });

  const cases: Array<[string, keyof DirOps, (...a: any[]) => boolean]> = [
    ['a read-only directory of the target (refused before anything moves)', 'accessSync', (p: string) => p.endsWith('terraform')],
    ['a failed copy', 'cpSync', () => true],
    ['a failed rename of the old tree', 'renameSync', (from: string) => from === target],
    ['a failed rename of the new tree', 'renameSync', (from: string) => from.includes('.next-')],
    ['a failed removal of the old tree (read-only dist/ after the swap)', 'rmSync', (p: string) => p.includes('.previous-')],
  ];
  for (const [what, op, when] of cases) {
    it(`leaves the target exactly as it was after ${what}`, () => {
      const before = tree(target);
      expect(() => replaceDir(source, target, failing(op, when), 4242)).toThrow(/EACCES/);
      expect(tree(target)).toEqual(before);
      expect(fs.readdirSync(root).sort()).toEqual(['dist', 'staging']);
    });
  }

  it('leaves everything alone when the target cannot be created (its parent is a file)', () => {
    const file = path.join(root, 'file');
    fs.writeFileSync(file, 'x');
    expect(() => replaceDir(source, path.join(file, 'dist'))).toThrow();
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
    expect(fs.readdirSync(root).sort()).toEqual(['dist', 'file', 'staging']);
  });
});
