import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageReport, JsonReflection, propCoverage } from '../scripts/api-coverage';

const ROOT = join(__dirname, '..');

// A small API with each case the gate must tell apart, run through the real TypeDoc so that a change in
// its JSON model (kinds, where comments sit) fails here rather than silently passing CI.
const FIXTURE = `
/** A props interface. */
export interface WidgetProps {
  /** Described. */
  readonly described: string;
  /** @default 3 */
  readonly onlyDefault?: number;
  readonly bare: boolean;
}

/** Extends WidgetProps: its inherited members are counted where they are declared. */
export interface MoreProps extends WidgetProps {
  /** Described as well. */
  readonly extra?: string;
}

/** A class. */
export class Widget {
  /** Described field. */
  public readonly size: number = 1;
  public readonly colour: string = 'red';
  private readonly secret = 1;
  protected readonly internal = 2;
  constructor(public readonly id: string) {}
  /** Described getter. */
  get label(): string { return this.id + this.secret + this.internal; }
}
`;

describe('the API description gate (scripts/api-coverage.ts, npm run api:coverage -- --check)', () => {
  let dir: string;
  let project: JsonReflection;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sac-api-coverage-'));
    writeFileSync(join(dir, 'index.ts'), FIXTURE);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, skipLibCheck: true, types: [] },
      include: ['index.ts'],
    }));
    const r = spawnSync(process.execPath, [
      join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--entryPoints', join(dir, 'index.ts'), '--tsconfig', join(dir, 'tsconfig.json'),
      '--json', join(dir, 'api.json'), '--logLevel', 'Error', '--excludePrivate', '--excludeProtected',
    ], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`typedoc exited ${r.status}: ${r.stdout}${r.stderr}`);
    project = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as JsonReflection;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists exactly the public properties without a summary, a lone @default counting as none', () => {
    const c = propCoverage(project);
    expect(c.missing).toEqual(['Widget.colour', 'Widget.id', 'WidgetProps.bare', 'WidgetProps.onlyDefault']);
    // described, onlyDefault, bare, extra (not MoreProps' inherited three); size, colour, id, label.
    expect(c.total).toBe(8);
    expect(c.interfaces).toEqual({ total: 4, missing: 2 });
  });

  it('fails with --check while any property is undocumented, and says what to do', () => {
    const { lines, code } = coverageReport(propCoverage(project), true);
    expect(code).toBe(1);
    expect(lines).toContain('  WidgetProps.bare');
    expect(lines.join('\n')).toMatch(/4 of 8 public properties have no description/);
    expect(lines[lines.length - 1]).toMatch(/needs a TSDoc description.*npm run api/);
  });

  it('only lists them without --check (the local command)', () => {
    expect(coverageReport(propCoverage(project), false).code).toBe(0);
  });

  it('passes --check once every property is described', () => {
    const { lines, code } = coverageReport({ total: 8, missing: [], interfaces: { total: 4, missing: 0 } }, true);
    expect(code).toBe(0);
    expect(lines).toEqual(['api: 0 of 8 public properties have no description (0 of 4 interface properties, 0 of 4 class properties)']);
  });
});
