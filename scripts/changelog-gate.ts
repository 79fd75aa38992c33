/**
 * The changelog gate: fails when dist/ (the synthesised output users deploy and review) differs from
 * the base branch and CHANGELOG.md gained no line under "## Unreleased" / "### Output changes".
 *
 *   tsx scripts/changelog-gate.ts [--base <ref>]
 *
 * Runs in the current directory's git repository. The base is --base, else $CHANGELOG_BASE, else
 * origin/$GITHUB_BASE_REF (GitHub pull requests), else origin/main, else main; the comparison starts at
 * the merge base of that ref and HEAD and includes uncommitted and untracked files. Exit 0: no output
 * change, or one that is recorded; 1: an unrecorded output change; 2: no base to compare with (in CI:
 * a failure; elsewhere a note and exit 0).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const SECTION = '### Output changes';

function git(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim() };
}

/** The entries (lines starting with "- ") under "## Unreleased" / "### Output changes". */
export function outputChangeEntries(changelog: string): string[] {
  const lines = changelog.split('\n');
  const unreleased = lines.findIndex((l) => /^## Unreleased\s*$/.test(l));
  if (unreleased < 0) return [];
  const entries: string[] = [];
  let inSection = false;
  for (const line of lines.slice(unreleased + 1)) {
    if (/^## /.test(line)) break;
    if (/^### /.test(line)) { inSection = line.trim() === SECTION; continue; }
    if (inSection && /^- \S/.test(line)) entries.push(line.trim());
  }
  return entries;
}

function baseRef(argv: string[]): string | undefined {
  const i = argv.indexOf('--base');
  const candidates = [
    i >= 0 ? argv[i + 1] : undefined,
    process.env.CHANGELOG_BASE,
    process.env.GITHUB_BASE_REF ? `origin/${process.env.GITHUB_BASE_REF}` : undefined,
    'origin/main',
    'main',
  ].filter((c): c is string => !!c);
  return candidates.find((c) => git(['rev-parse', '--verify', '--quiet', `${c}^{commit}`]).ok);
}

function main(argv: string[]): number {
  const ref = baseRef(argv);
  const mergeBase = ref ? git(['merge-base', ref, 'HEAD']) : { ok: false, out: '' };
  if (!ref || !mergeBase.ok) {
    const msg = `changelog gate: no base to compare with (tried --base, $CHANGELOG_BASE, origin/$GITHUB_BASE_REF, origin/main, main${ref ? `; no merge base with ${ref}` : ''})`;
    if (/^(1|true)$/i.test(process.env.CI ?? '')) { console.error(msg); return 2; }
    console.log(`${msg}: not checked`);
    return 0;
  }
  const changed = [
    ...git(['diff', '--name-only', mergeBase.out, '--', 'dist/']).out.split('\n'),
    ...git(['ls-files', '--others', '--exclude-standard', '--', 'dist/']).out.split('\n'),
  ].filter(Boolean);
  if (!changed.length) {
    console.log(`changelog gate: dist/ is unchanged since ${ref}`);
    return 0;
  }
  const before = git(['show', `${mergeBase.out}:CHANGELOG.md`]);
  const old = new Set(before.ok ? outputChangeEntries(before.out) : []);
  let now: string[] = [];
  try { now = outputChangeEntries(readFileSync('CHANGELOG.md', 'utf8')); } catch { /* no CHANGELOG.md: nothing recorded */ }
  const added = now.filter((e) => !old.has(e));
  const files = `${changed.length} file${changed.length === 1 ? '' : 's'}: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', ...' : ''}`;
  if (!added.length) {
    console.error(`changelog gate: dist/ changed since ${ref} (${files}) but CHANGELOG.md has no new line under "## Unreleased" / "${SECTION}". ` +
      'Add one line per change saying what users will see in their output; output changes are breaking (see CHANGELOG.md).');
    return 1;
  }
  console.log(`changelog gate: dist/ changed since ${ref} (${files}); recorded in CHANGELOG.md: ${added.join(' | ')}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
