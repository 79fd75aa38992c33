import { ApiObject, Chart } from 'cdk8s';
import { PropValidator } from './validation';
import { Construct } from 'constructs';
import { check, CheckOptions, CheckResult } from '../policy/engine';
import { Finding, Manifest } from '../policy/types';
import { hookSynthesis, oncePerSynthesis, render } from './private/synthesis';

/** Props of a PolicyCheck. */
export interface PolicyCheckProps {
  /**
   * Pod Security Standards level enforced on the chart's pods.
   * @default "restricted"
   */
  readonly pss?: 'restricted' | 'baseline';
  /**
   * Run only rules whose ID starts with one of these prefixes.
   * @default - every rule
   */
  readonly rules?: readonly string[];
}

/**
 * Runs the policy checker over its chart at synthesis: synthesis fails, listing every unexempted
 * finding of severity error with the construct path of the object it concerns.
 *
 * ```ts
 * const chart = new Chart(app, 'agents');
 * new AgentWorkload(chart, 'node-reporter', { ... });
 * new PolicyCheck(chart, 'policy');
 * ```
 */
export class PolicyCheck extends Construct {
  /** The options the checker runs with (defaults resolved). */
  public readonly options: CheckOptions;
  private readonly chart: Chart;
  /** Chart.toJson() validates the whole app, this construct included: skip the nested call. */
  private running = false;

  constructor(scope: Construct, id: string, props: PolicyCheckProps = {}) {
    super(scope, id);
    const v = new PropValidator('PolicyCheck', this.node.path);
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give {} or { pss, rules }');
    const pss = props.pss ?? 'restricted';
    if (pss !== 'restricted' && pss !== 'baseline') v.fail('invalid-pss', 'pss', pss, 'is not a Pod Security Standards level', 'use "restricted" or "baseline"');
    const rules = props.rules !== undefined ? v.stringList('rules', props.rules as string[]) : undefined;
    rules?.forEach((r, i) => {
      if (r.length > 64) v.fail('invalid-rule-prefix', `rules[${i}]`, r, 'is longer than any rule ID', 'use a rule ID or its prefix, e.g. "pss-" or "rbac"');
    });
    this.chart = Chart.of(scope);
    this.options = { pss, ...(rules ? { rules } : {}) };
    this.node.addValidation({ validate: () => (this.running ? [] : this.errors().map((e) => e.text)) });
    hookSynthesis(this);
  }

  /** Checks the chart's objects now (once per synthesis: the tree does not change during one). */
  public check(): CheckResult {
    return oncePerSynthesis(this, () => {
      this.running = true;
      try {
        // Render each object directly: Chart.toJson() would validate the whole app again, running every
        // other chart's PolicyCheck from inside this one. Within a synthesis, each object renders once.
        const objects = this.chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map(render);
        return check(objects as Manifest[], this.options);
      } finally {
        this.running = false;
      }
    });
  }

  /** Every unexempted error, with the construct path of its object. */
  public errors(): Array<{ finding: Finding; constructPath: string; text: string }> {
    const errors = this.check().findings.filter((f) => f.severity === 'error' && !f.exempted);
    if (errors.length === 0) return [];
    const paths = new Map<string, string>();
    for (const c of this.chart.node.findAll()) {
      if (!(c instanceof ApiObject)) continue;
      paths.set(key(c.kind, c.metadata.namespace, c.name), c.node.path);
    }
    return errors
      .map((finding) => {
        const r = finding.resource;
        const constructPath = paths.get(key(r.kind, r.namespace, r.name)) ?? `${this.chart.node.path}/${r.kind}/${r.name}`;
        const text = `${finding.rule} at ${constructPath} (${r.kind} ${r.name}${finding.path ? `, ${finding.path}` : ''}): ${finding.message}; ${finding.fix}`;
        return { finding, constructPath, text };
      });
  }
}

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
