/** Output formats of the checker: text, JSON (DESIGN.md shape) and SARIF 2.1.0. */
import { relative, resolve, sep } from 'node:path';
import { allRules, CheckResult } from './engine';
import { InputProblem } from './parse';
import { Finding, SourceLocation } from './types';

/** `file#document` (and `/items[i]` for an item of a List): stable when unrelated lines move. */
export function locationLabel(l: SourceLocation): string {
  return `${l.file}#${l.document}${l.item !== undefined ? `/items[${l.item}]` : ''}`;
}

function where(f: Finding): string {
  const r = f.resource;
  const obj = `${r.kind}${r.namespace ? ` ${r.namespace}/` : ' '}${r.name}`;
  return `${f.location ? `${locationLabel(f.location)} ` : ''}${obj}`;
}

/** Input problems and the objects the engine could not check, as one list of problems. */
export function allProblems(result: CheckResult, problems: readonly InputProblem[] = []): InputProblem[] {
  const out = [...problems];
  for (const p of result.problems ?? []) {
    const l = p.location;
    const obj = `${p.resource.kind || 'object'} ${p.resource.namespace ? `${p.resource.namespace}/` : ''}${p.resource.name}`.trim();
    out.push({
      file: l?.file ?? '',
      ...(l ? { document: l.document } : {}),
      ...(l?.item !== undefined ? { item: l.item } : {}),
      message: `${l ? `${l.file}: document ${l.document}${l.item !== undefined ? `, item ${l.item}` : ''} ` : ''}(${obj}) ${p.message}`,
    });
  }
  return out;
}

/** One line per finding (location, object, field path), then a summary line. */
export function formatText(result: CheckResult, problems: readonly InputProblem[] = []): string {
  const all = allProblems(result, problems);
  const lines: string[] = [];
  for (const p of all) lines.push(`input: ${p.message}`);
  for (const f of result.findings) {
    const state = f.exempted ? 'exempted' : f.severity;
    lines.push(`${state} ${f.rule} ${where(f)}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
    lines.push(f.exempted ? `    reason: ${f.reason}` : `    fix: ${f.fix}`);
  }
  const s = result.summary;
  lines.push(`${s.objects} objects checked: ${s.errors} errors, ${s.warnings} warnings, ${s.exempted} exempted${all.length ? `, ${all.length} unreadable inputs` : ''}`);
  return lines.join('\n') + '\n';
}

/**
 * `{"findings": [...], "summary": {...}}` (DESIGN.md), plus `problems` when inputs were unreadable.
 * A finding's location is its file, document index (and List item): no line numbers, so that the output
 * does not churn when an unrelated line moves; its `path` names the field.
 */
export function formatJson(result: CheckResult, problems: readonly InputProblem[] = []): string {
  const findings = result.findings.map((f) => {
    if (!f.location) return f;
    const { file, document, item } = f.location;
    return { ...f, location: { file, document, ...(item !== undefined ? { item } : {}) } };
  });
  const all = allProblems(result, problems);
  const out: Record<string, unknown> = { findings, summary: result.summary };
  if (all.length) out.problems = all;
  return JSON.stringify(out, null, 2) + '\n';
}

/** Options of the SARIF output. */
export interface SarifOptions {
  /**
   * Version of the tool written as `tool.driver.version` in the SARIF log.
   * @default "0.1.0"
   */
  readonly toolVersion?: string;
  /** Directory the artifact URIs are relative to. @default process.cwd() */
  readonly baseDir?: string;
  /** The `uriBaseId` of every location. @default "%SRCROOT%" */
  readonly uriBaseId?: string;
  /** The line of a finding's field, when known (falls back to the line the document starts on). */
  readonly lineOf?: (f: Finding) => number | undefined;
  /** Inputs that could not be read: tool execution notifications; the run is then not successful. */
  readonly problems?: readonly InputProblem[];
}

/** A relative, percent-encoded URI for a file as given on the command line. */
export function artifactUri(file: string, baseDir: string): string {
  if (file === '-') return 'stdin';
  const rel = relative(baseDir, resolve(baseDir, file)).split(sep).join('/');
  return rel.split('/').map((seg) => encodeURIComponent(seg)).join('/');
}

/**
 * SARIF 2.1.0 for GitHub code scanning. Exempted findings become suppressed results. Locations are
 * relative URIs with a `uriBaseId` (GitHub refuses absolute paths), and point at the offending field.
 */
export function formatSarif(result: CheckResult, options: SarifOptions | string = {}): string {
  const o: SarifOptions = typeof options === 'string' ? { toolVersion: options } : options;
  const baseDir = o.baseDir ?? process.cwd();
  const uriBaseId = o.uriBaseId ?? '%SRCROOT%';
  const rules = allRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const problems = allProblems(result, o.problems ?? []);
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: {
        driver: {
          name: 'secure-agents',
          informationUri: 'https://github.com/secure-agent-constructs/secure-agent-constructs',
          version: o.toolVersion ?? '0.1.0',
          rules: rules.map((r) => ({
            id: r.id,
            name: r.id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
            shortDescription: { text: r.title },
            fullDescription: { text: r.explanation },
            help: { text: r.fix },
            defaultConfiguration: { level: r.severity === 'error' ? 'error' : 'warning' },
          })),
        },
      },
      invocations: [{
        executionSuccessful: problems.length === 0,
        toolExecutionNotifications: problems.map((p) => ({
          level: 'error',
          message: { text: p.message },
          ...(p.file ? { locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(p.file, baseDir), uriBaseId } } }] } : {}),
        })),
      }],
      results: result.findings.map((f) => {
        const line = (f.location && o.lineOf?.(f)) ?? f.location?.line;
        return {
          ruleId: f.rule,
          ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
          level: f.severity === 'error' ? 'error' : 'warning',
          message: { text: `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}: ${f.message}${f.path ? ` (${f.path})` : ''}. Fix: ${f.fix}` },
          locations: [{
            physicalLocation: {
              artifactLocation: { uri: f.location ? artifactUri(f.location.file, baseDir) : 'stdin', uriBaseId },
              ...(line ? { region: { startLine: line } } : {}),
            },
            ...(f.location ? { logicalLocations: [{ fullyQualifiedName: `${locationLabel(f.location)}${f.path ? `:${f.path}` : ''}`, kind: 'object' }] } : {}),
          }],
          ...(f.exempted ? { suppressions: [{ kind: 'inSource', justification: f.reason }] } : {}),
        };
      }),
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
