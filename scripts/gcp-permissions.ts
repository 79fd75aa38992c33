/**
 * Writes data/gcp-permissions.txt, the GCP permission list shipped in the package for
 * `secure-agents check --gcp-permissions`, from the project's shared data folder
 * (../shared/data/gcp-iam, or SAC_SHARED_DIR/data/gcp-iam). The list is committed, so a plain clone
 * and the published package have it without the shared folder.
 *
 *   npx tsx scripts/gcp-permissions.ts          regenerate data/gcp-permissions.txt and its licence file
 *   npx tsx scripts/gcp-permissions.ts --check  exit 1 when the committed files differ from a fresh run
 *                                               (exit 0 with a note when the shared folder is absent)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..');
const SHARED = process.env.SAC_SHARED_DIR ? resolve(process.env.SAC_SHARED_DIR) : resolve(REPO, '../shared');
const SOURCE = join(SHARED, 'data/gcp-iam');
const OUT = join(REPO, 'data/gcp-permissions.txt');
const OUT_LICENSE = join(REPO, 'data/gcp-permissions.LICENSE');

function render(): { list: string; license: string } {
  const readme = readFileSync(join(SOURCE, 'README.md'), 'utf8');
  const origin = /Origin:\s*(\S+), commit `([0-9a-f]{40})`/.exec(readme);
  if (!origin) throw new Error(`${join(SOURCE, 'README.md')} does not name the origin and commit`);
  const permissions = [...new Set(readFileSync(join(SOURCE, 'permissions.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean))].sort();
  for (const p of permissions) {
    if (!/^[^\s#]+\.[^\s#]+$/.test(p)) throw new Error(`unexpected line in permissions.txt: ${JSON.stringify(p)}`);
  }
  const header = [
    '# GCP IAM permissions that appear in at least one predefined role, one a line.',
    `# For: secure-agents check --gcp-permissions <this file> (rule gcp-unknown-permission). ${permissions.length} permissions.`,
    `# Data from ${origin[1]} at commit ${origin[2]}, MIT licence: see gcp-permissions.LICENSE.`,
    '# A permission that is new, or that appears in no predefined role, is missing here; for the list that',
    '# your own project can use in custom roles, see docs/gcp-permissions.md in the project repository (gcloud iam list-testable-permissions).',
    '# Regenerated with: npx tsx scripts/gcp-permissions.ts',
  ];
  const license = [
    'data/gcp-permissions.txt is derived from the IAM dataset at',
    `${origin[1]} (commit ${origin[2]}), which is distributed under this licence:`,
    '',
    readFileSync(join(SOURCE, 'LICENSE'), 'utf8').trimEnd(),
    '',
  ].join('\n');
  return { list: [...header, ...permissions, ''].join('\n'), license };
}

function main(): number {
  const checkOnly = process.argv.includes('--check');
  if (!existsSync(join(SOURCE, 'permissions.txt'))) {
    const msg = `${SOURCE}/permissions.txt not found: put the project's shared folder beside the repository as ../shared, or set SAC_SHARED_DIR`;
    if (checkOnly) { console.log(`gcp-permissions: not checked (${msg})`); return 0; }
    console.error(`gcp-permissions: ${msg}`);
    return 1;
  }
  const { list, license } = render();
  if (checkOnly) {
    const stale = [[OUT, list], [OUT_LICENSE, license]].filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text);
    if (stale.length) { console.error(`gcp-permissions: ${stale.map(([f]) => f).join(', ')} stale: run npx tsx scripts/gcp-permissions.ts`); return 1; }
    console.log('gcp-permissions: data/gcp-permissions.txt is fresh');
    return 0;
  }
  writeFileSync(OUT, list);
  writeFileSync(OUT_LICENSE, license);
  console.log(`gcp-permissions: wrote ${OUT} and ${OUT_LICENSE}`);
  return 0;
}

process.exitCode = main();
