/**
 * The public API, as reviewers and users see it. Run after `npm run build` (the npm scripts do).
 *
 *   tsx scripts/api.ts update     rewrite the API reports (etc/*.api.md, api-extractor) and docs/api/ (TypeDoc, Markdown)
 *   tsx scripts/api.ts check      exit 1 when either differs from what the code gives now (CI)
 *   tsx scripts/api.ts coverage   list the public properties without a description
 *
 * One report per package entry point (".", "./aws", "./gcp", "./policy"), read from package.json
 * "exports", so a new entry point is picked up without editing this file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel, IConfigFile } from '@microsoft/api-extractor';

const ROOT = resolve(__dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const DOCS = join(ROOT, 'docs/api');
const REPORTS = join(ROOT, 'etc');

/** Entry points from package.json "exports": the subpath, its declaration file in lib/ and its source in src/. */
function entryPoints(): Array<{ subpath: string; dts: string; source: string; reportName: string }> {
  return Object.entries(PKG.exports as Record<string, string | { types?: string }>)
    .filter(([, target]) => typeof target === 'object' && target.types)
    .map(([subpath, target]) => {
      const dts = (target as { types: string }).types.replace(/^\.\//, '');
      const suffix = subpath === '.' ? '' : `-${subpath.replace(/^\.\//, '').replace(/\//g, '-')}`;
      return { subpath, dts, source: dts.replace(/^lib\//, 'src/').replace(/\.d\.ts$/, '.ts'), reportName: `${PKG.name}${suffix}` };
    });
}

/** api-extractor over each entry's declarations; `local` rewrites etc/, otherwise a difference fails. */
function apiReports(local: boolean): string[] {
  const problems: string[] = [];
  for (const entry of entryPoints()) {
    const configObject: IConfigFile = {
      projectFolder: ROOT,
      mainEntryPointFilePath: `<projectFolder>/${entry.dts}`,
      compiler: { tsconfigFilePath: '<projectFolder>/tsconfig.build.json' },
      apiReport: {
        enabled: true,
        reportFileName: entry.reportName,
        reportFolder: '<projectFolder>/etc/',
        reportTempFolder: '<projectFolder>/.tmp/api-report/',
        includeForgottenExports: true,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
          // The package has no release stages (@public/@beta): every export is public.
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          // A type reachable from the API but not exported: listed in the report, for review.
          'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None, addToApiReportFile: false } },
      },
    };
    const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: undefined, packageJsonFullPath: join(ROOT, 'package.json') });
    const result = Extractor.invoke(config, {
      localBuild: local,
      showVerboseMessages: false,
      messageCallback: (m) => {
        // The bundled compiler is newer than the project's; that notice is not a problem.
        if (m.messageId === 'console-compiler-version-notice') m.handled = true;
      },
    });
    if (!local && result.apiReportChanged) {
      problems.push(`etc/${entry.reportName}.api.md is stale: the public API of "${entry.subpath}" changed; run npm run api, review the diff and commit it`);
    } else if (!result.succeeded) {
      problems.push(`api-extractor failed for "${entry.subpath}" (${result.errorCount} errors, ${result.warningCount} warnings)`);
    }
  }
  return problems;
}

/**
 * Runs the TypeDoc CLI (in its own process: TypeDoc and its Markdown plugin are ES modules that must
 * share one instance) over the entry points' sources, with the options that make the output stable.
 */
function typedoc(args: string[]): void {
  const options = [
    ...entryPoints().flatMap((e) => ['--entryPoints', join(ROOT, e.source)]),
    '--tsconfig', join(ROOT, 'tsconfig.build.json'),
    '--plugin', 'typedoc-plugin-markdown',
    '--readme', 'none',
    '--disableSources', // no line numbers or commit links: the docs change only when the API or its TSDoc does
    '--excludePrivate', '--excludeProtected', '--excludeInternal', '--excludeExternals',
    '--hideGenerator',
    '--logLevel', 'Warn',
    '--treatWarningsAsErrors', 'false',
    // typedoc-plugin-markdown
    '--outputFileStrategy', 'modules',
    '--useCodeBlocks',
    '--parametersFormat', 'table',
    '--interfacePropertiesFormat', 'table',
    '--classPropertiesFormat', 'table',
    ...args,
  ];
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), ...options], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`typedoc exited ${r.status}:\n${r.stdout}${r.stderr}`);
  const noise = `${r.stdout}${r.stderr}`.trim();
  if (noise) console.error(noise);
}

function listFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  try { walk(dir); } catch { /* absent */ }
  return files;
}

/** Writes the Markdown reference to `out` (replacing it). */
function writeDocs(out: string): void {
  rmSync(out, { recursive: true, force: true });
  typedoc(['--out', out]);
}

function checkDocs(): string[] {
  const tmp = mkdtempSync(join(tmpdir(), 'sac-api-docs-'));
  try {
    writeDocs(tmp);
    const [fresh, committed] = [listFiles(tmp), listFiles(DOCS)];
    const differing = [...new Set([...fresh.keys(), ...committed.keys()])].filter((f) => fresh.get(f) !== committed.get(f)).sort();
    return differing.length
      ? [`docs/api/ is stale (${differing.length} files differ, e.g. ${differing.slice(0, 3).join(', ')}): run npm run api and commit docs/api/`]
      : [];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface JsonReflection {
  name: string;
  kind: number;
  flags?: { isPrivate?: boolean; isProtected?: boolean };
  inheritedFrom?: unknown;
  comment?: { summary?: Array<{ text: string }> };
  getSignature?: { comment?: { summary?: Array<{ text: string }> } };
  children?: JsonReflection[];
}

// TypeDoc's ReflectionKind values (stable across 0.2x).
const KIND = { Class: 128, Interface: 256, Property: 1024, Accessor: 262144 };

/** Public properties (of exported interfaces and classes) that carry no description, from TypeDoc's JSON model. */
function undocumentedProps(): { total: number; missing: string[]; interfaces: { total: number; missing: number } } {
  const tmp = mkdtempSync(join(tmpdir(), 'sac-api-json-'));
  try {
    typedoc(['--json', join(tmp, 'api.json')]);
    const project = JSON.parse(readFileSync(join(tmp, 'api.json'), 'utf8')) as JsonReflection;
    const all = new Set<string>();
    const missing = new Set<string>();
    const inInterfaces = new Set<string>();
    const text = (c?: { summary?: Array<{ text: string }> }) => (c?.summary ?? []).map((p) => p.text).join('').trim();
    const visit = (r: JsonReflection) => {
      if (r.kind === KIND.Class || r.kind === KIND.Interface) {
        for (const prop of r.children ?? []) {
          if (prop.kind !== KIND.Property && prop.kind !== KIND.Accessor) continue;
          if (prop.flags?.isPrivate || prop.flags?.isProtected || prop.inheritedFrom) continue;
          const name = `${r.name}.${prop.name}`;
          all.add(name);
          if (r.kind === KIND.Interface) inInterfaces.add(name);
          if (!text(prop.comment) && !text(prop.getSignature?.comment)) missing.add(name);
        }
      }
      for (const c of r.children ?? []) visit(c);
    };
    visit(project);
    const interfaces = { total: inInterfaces.size, missing: [...missing].filter((m) => inInterfaces.has(m)).length };
    return { total: all.size, missing: [...missing].sort(), interfaces };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const command = process.argv[2];
  if (command === 'update') {
    mkdirSync(REPORTS, { recursive: true });
    const problems = apiReports(true);
    writeDocs(DOCS);
    for (const p of problems) console.error(p);
    console.log(`api: wrote ${entryPoints().map((e) => `etc/${e.reportName}.api.md`).join(', ')} and docs/api/`);
    return problems.length ? 1 : 0;
  }
  if (command === 'check') {
    const problems = [...apiReports(false), ...checkDocs()];
    for (const p of problems) console.error(p);
    if (!problems.length) console.log('api: the API reports in etc/ and docs/api/ are fresh');
    return problems.length ? 1 : 0;
  }
  if (command === 'coverage') {
    const { total, missing, interfaces } = undocumentedProps();
    for (const m of missing) console.log(`  ${m}`);
    console.log(`api: ${missing.length} of ${total} public properties have no description ` +
      `(${interfaces.missing} of ${interfaces.total} interface properties, ${missing.length - interfaces.missing} of ${total - interfaces.total} class properties)`);
    return 0;
  }
  console.error('usage: tsx scripts/api.ts update|check|coverage');
  return 2;
}

main().then((code) => { process.exitCode = code; }, (err) => { console.error(err); process.exitCode = 1; });
