/**
 * Every ```ts block of README.md compiles against the current code, and every complete example (one
 * that makes its own `App`) synthesises. A block without its own `App` is a fragment: it is
 * type-checked after a prelude that declares the names it uses from earlier examples (`chart`,
 * `agent`, ...) and imports the library's exports it names.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as root from '../src';

const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, '.tmp', 'readme-snippets');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({
  line: readme.slice(0, m.index).split('\n').length + 1,
  code: m[1],
}));
const complete = (code: string) => /new (Tf)?App\(/.test(code);

/** Names the fragments use from earlier examples, with their types. */
const PRELUDE_DECLS = `
declare const chart: import('cdk8s').Chart;
declare const agent: AgentWorkload;
declare const mediator: AgentWorkload;
declare const digger: AgentWorkload;
declare const crawler: AgentWorkload;
declare const policy: WorkloadNetworkPolicy;
`;

/** The library's import specifiers, pointed at the sources. */
function localise(code: string): string {
  return code.replace(/from 'secure-agent-constructs(\/[a-z/]+)?'/g, (_m, sub: string | undefined) => `from '../../src${sub ?? ''}'`);
}

function fragment(code: string): string {
  const body = code.replace(/^import .*from 'secure-agent-constructs';\n/gm, '');
  const names = Object.keys(root).filter((n) => new RegExp(`\\b${n}\\b`).test(body) || ['AgentWorkload', 'WorkloadNetworkPolicy'].includes(n));
  return `import * as fs from 'fs';\nimport { ${names.join(', ')} } from '../../src';\nvoid fs;\n${PRELUDE_DECLS}\n${localise(body)}\nexport {};\n`;
}

const files = blocks.map((b, i) => ({ ...b, file: path.join(DIR, `snippet-${i}.ts`), complete: complete(b.code) }));

beforeAll(() => {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  for (const f of files) fs.writeFileSync(f.file, f.complete ? `${localise(f.code)}\nexport {};\n` : fragment(f.code));
});

describe('README code', () => {
  it('has complete examples and fragments', () => {
    expect(files.filter((f) => f.complete).length).toBeGreaterThanOrEqual(3);
    expect(files.filter((f) => !f.complete).length).toBeGreaterThanOrEqual(3);
  });

  it('every ts block type-checks against the current code', () => {
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile).config;
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT);
    const program = ts.createProgram(files.map((f) => f.file), { ...options, noEmit: true, noUnusedLocals: false });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.some((f) => f.file === d.file!.fileName));
    const messages = diagnostics.map((d) => {
      const f = files.find((x) => x.file === d.file!.fileName)!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `README block at line ${f.line} (${path.basename(f.file)}:${line + 1}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(messages).toEqual([]);
  }, 120_000);

  it.each(files.filter((f) => f.complete).map((f) => [f.line, f] as const))('the example at line %i synthesises without a warning', (_line, f) => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-snippet-'));
    try {
      const r = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [f.file], { cwd, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      // The only warning an example may print is one it announces in its own comments.
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      for (const l of lines) expect(l, 'stderr').toMatch(/^\[secure-agent-constructs\] warning: /);
      if (lines.some((l) => l.includes('file capabilities'))) expect(f.code, 'the example says it relies on file capabilities').toMatch(/file\s+(\/\/\s*)?capabilities[\s\S]*warning/);
      expect(lines.filter((l) => !l.includes('file capabilities')), 'unannounced warnings').toEqual([]);
      const written = (fs.readdirSync(cwd, { recursive: true }) as string[]).filter((p) => /\.(k8s\.yaml|tf\.json)$/.test(p));
      expect(written.length, 'files synthesised').toBeGreaterThan(0);
      // A chart and an AWS stack in one example must name the same identity mechanism: the IRSA
      // annotation on the ServiceAccount exactly when the stack makes no Pod Identity association.
      const read = (re: RegExp) => written.filter((p) => re.test(p)).map((p) => fs.readFileSync(path.join(cwd, p), 'utf8')).join('\n');
      const [k8s, tf] = [read(/\.k8s\.yaml$/), read(/\.tf\.json$/)];
      if (k8s && tf.includes('"aws_iam_role"')) {
        expect(k8s.includes('eks.amazonaws.com/role-arn'), 'IRSA on the chart').toBe(!tf.includes('"aws_eks_pod_identity_association"'));
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
