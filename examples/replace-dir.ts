// Replaces a directory with a freshly built one so that a failure at any step leaves the target
// exactly as it was and no sibling (`<target>.next-<pid>`, `<target>.previous-<pid>`) behind.
import * as nodeFs from 'fs';
import * as path from 'path';

/** The file-system calls `replaceDir` makes; injectable so that tests can make any of them fail. */
export interface DirOps {
  existsSync(p: string): boolean;
  cpSync(from: string, to: string, options: { recursive: true }): void;
  renameSync(from: string, to: string): void;
  rmSync(p: string, options: { recursive: true; force: true }): void;
  accessSync(p: string, mode: number): void;
  readdirSync(p: string, options: { withFileTypes: true }): nodeFs.Dirent[];
}

/**
 * Replaces `target` with a copy of `source`:
 * 1. refuses first, touching nothing, when a directory of `target` cannot be written (its entries could
 *    not be removed, so the old tree could not be cleared after the swap);
 * 2. copies `source` next to `target` (`<target>.next-<pid>`), so that a failed copy leaves `target` alone;
 * 3. swaps the two with renames, and puts the old tree back if the second rename fails;
 * 4. removes the old tree; should that fail, swaps back and removes the new one.
 * Whatever fails, `target` holds what it held and the siblings are removed before the error is thrown.
 */
export function replaceDir(source: string, target: string, fs: DirOps = nodeFs, pid = process.pid): void {
  const next = `${target}.next-${pid}`;
  const previous = `${target}.previous-${pid}`;
  const had = fs.existsSync(target);
  if (had) assertWritableTree(target, fs);
  const cleanUp = (p: string) => {
    try {
      fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort: the original error is what the caller needs
    }
  };
  try {
    fs.cpSync(source, next, { recursive: true });
  } catch (err) {
    cleanUp(next);
    throw err;
  }
  if (had) {
    try {
      fs.renameSync(target, previous);
    } catch (err) {
      cleanUp(next);
      throw err;
    }
  }
  try {
    fs.renameSync(next, target);
  } catch (err) {
    if (had) fs.renameSync(previous, target);
    cleanUp(next);
    throw err;
  }
  if (!had) return;
  try {
    fs.rmSync(previous, { recursive: true, force: true });
  } catch (err) {
    // The old tree may be partly removed only if a directory turned read-only after step 1; swap back
    // what is left rather than leave two trees.
    fs.renameSync(target, next);
    fs.renameSync(previous, target);
    cleanUp(next);
    throw err;
  }
}

function assertWritableTree(dir: string, fs: DirOps): void {
  fs.accessSync(dir, nodeFs.constants.W_OK);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) assertWritableTree(path.join(dir, entry.name), fs);
  }
}
