/** Output formats of the checker: text, JSON (DESIGN.md shape) and SARIF 2.1.0. */
import { allRules, CheckResult } from './engine';
import { InputProblem } from './parse';
import { Finding } from './types';

function where(f: Finding): string {
  const r = f.resource;
  const obj = `${r.kind}${r.namespace ? ` ${r.namespace}/` : ' '}${r.name}`;
  const loc = f.location ? `${f.location.file}#${f.location.document}${f.location.line ? `:${f.location.line}` : ''} ` : '';
  return `${loc}${obj}`;
}

/** One line per finding, then a summary line. */
export function formatText(result: CheckResult, problems: readonly InputProblem[] = []): string {
  const lines: string[] = [];
  for (const p of problems) lines.push(`input: ${p.message}`);
  for (const f of result.findings) {
    const state = f.exempted ? 'exempted' : f.severity;
    lines.push(`${state} ${f.rule} ${where(f)}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
    lines.push(f.exempted ? `    reason: ${f.reason}` : `    fix: ${f.fix}`);
  }
  const s = result.summary;
  lines.push(`${s.objects} objects checked: ${s.errors} errors, ${s.warnings} warnings, ${s.exempted} exempted${problems.length ? `, ${problems.length} unreadable inputs` : ''}`);
  return lines.join('\n') + '\n';
}

/** `{"findings": [...], "summary": {...}}` (DESIGN.md), plus `problems` when inputs were unreadable. */
export function formatJson(result: CheckResult, problems: readonly InputProblem[] = []): string {
  const out: Record<string, unknown> = { findings: result.findings, summary: result.summary };
  if (problems.length) out.problems = problems;
  return JSON.stringify(out, null, 2) + '\n';
}

/** SARIF 2.1.0 for GitHub code scanning. Exempted findings become suppressed results. */
export function formatSarif(result: CheckResult, toolVersion = '0.1.0'): string {
  const rules = allRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: {
        driver: {
          name: 'secure-agents',
          informationUri: 'https://github.com/secure-agent-constructs/secure-agent-constructs',
          version: toolVersion,
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
      results: result.findings.map((f) => ({
        ruleId: f.rule,
        ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
        level: f.severity === 'error' ? 'error' : 'warning',
        message: { text: `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}: ${f.message}${f.path ? ` (${f.path})` : ''}. Fix: ${f.fix}` },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: f.location && f.location.file !== '-' ? f.location.file.replace(/\\/g, '/').replace(/^\.\//, '') : 'stdin' },
            ...(f.location?.line ? { region: { startLine: f.location.line } } : {}),
          },
        }],
        ...(f.exempted ? { suppressions: [{ kind: 'inSource', justification: f.reason }] } : {}),
      })),
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
