import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { describe, it } from 'vitest';

/** The repository root (this file is test/helpers/shared.ts). */
export const REPO_ROOT = resolve(__dirname, '../..');

/**
 * The project's shared folder of third-party fixtures and data: `../shared` beside the repository,
 * or the folder named by `SAC_SHARED_DIR`. A plain clone of the repository does not have it.
 */
export const SHARED_ROOT = process.env.SAC_SHARED_DIR ? resolve(process.env.SAC_SHARED_DIR) : resolve(REPO_ROOT, '../shared');

/** Where a shared folder is, whether it is there, and, when it is not, one line saying what is missing and how to get it. */
export interface SharedFolder {
  readonly root: string;
  readonly present: boolean;
  readonly missing: string;
}

/**
 * Resolves a folder of the shared root (`fixtures/pod-security-admission`, ...). `marker` is a file the
 * folder must hold (so that an empty or half-copied folder counts as absent).
 */
export function sharedFolder(sub: string, what: string, marker: string): SharedFolder {
  const root = resolve(SHARED_ROOT, sub);
  const present = existsSync(resolve(root, marker));
  const rel = relative(REPO_ROOT, root);
  const shown = rel.startsWith(`..${sep}..`) ? root : rel;
  const missing = `${what} not found (${shown}/${marker} is missing): put the project's shared folder beside the repository as ../shared, ` +
    `or set SAC_SHARED_DIR to a copy of it; ${sub}/README.md there names the upstream commit`;
  return { root, present, missing };
}

/** True when the tests run in CI (`CI=true`), where an absent prerequisite is a failure, not a skip. */
export function inCi(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CI ?? '');
}

/**
 * `describe` for a suite that needs a shared folder. Present: the suite runs with the folder's root.
 * Absent outside CI: the suite is skipped, and its title is the one line saying what is missing.
 * Absent in CI: one failing test says the same.
 */
export function describeWithShared(title: string, folder: SharedFolder, body: (root: string) => void): void {
  if (folder.present) {
    describe(title, () => body(folder.root));
  } else if (inCi()) {
    describe(title, () => {
      it('has its shared fixtures (required when CI=true)', () => { throw new Error(folder.missing); });
    });
  } else {
    console.warn(`skipped "${title}": ${folder.missing}`);
    describe.skip(`${title} (skipped: ${folder.missing})`, () => { it('needs the shared fixtures', () => undefined); });
  }
}

/** The GCP permission list the package ships (generated from the shared data by scripts/gcp-permissions.ts). */
export const GCP_PERMISSIONS_FILE = resolve(REPO_ROOT, 'data/gcp-permissions.txt');

/** The shipped GCP permission list, read as the CLI reads it (blank lines and `#` comments ignored). */
export function gcpPermissions(): Set<string> {
  return new Set(readFileSync(GCP_PERMISSIONS_FILE, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
}
