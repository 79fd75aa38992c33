/**
 * The checker as a cdk8s validation plugin, for `validations:` in cdk8s.yaml:
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/secure-agent-constructs   # a path starting with ./ (docs/validation-plugin.md)
 *     version: 0.1.0
 *     class: SecureAgentsValidation
 *     properties: { pss: restricted }
 * ```
 *
 * `cdk8s synth` then exits with code 2 when any unexempted finding of severity error remains, and its
 * report lists each rule with the construct path, manifest and location of every violation. The
 * interfaces below mirror cdk8s-cli's plugin contract (cdk8s-cli/lib/plugins/validation.d.ts),
 * restated here so that the package does not depend on cdk8s-cli.
 */
import { check, CheckOptions } from './engine';
import { allRules } from './engine';
import { Finding, Manifest } from './types';

/** What cdk8s-cli gives a validation plugin (the part of its ValidationContext this plugin uses). */
export interface PluginContext {
  readonly manifests: readonly string[];
  parseManifest(manifestPath: string): unknown[];
  readonly report: {
    addViolation(violation: {
      ruleName: string;
      recommendation: string;
      fix: string;
      violatingResources: Array<{ resourceName: string; locations: string[]; manifestPath: string }>;
    }): void;
    submit(status: 'success' | 'failure', metadata?: Record<string, string>): void;
  };
  readonly logger: { log(message: string): void };
}

/** Properties given under `properties:` in cdk8s.yaml. */
export interface SecureAgentsValidationProps {
  /**
   * Pod Security Standards level.
   * @default "restricted"
   */
  readonly pss?: 'restricted' | 'baseline';
  /**
   * Run only rules whose ID starts with one of these prefixes.
   * @default - every rule
   */
  readonly rules?: readonly string[];
}

/** The cdk8s validation plugin: fails synthesis on any unexempted error, one violation per rule. */
export class SecureAgentsValidation {
  /** The options the checker runs with. */
  public readonly options: CheckOptions;

  constructor(props: SecureAgentsValidationProps = {}) {
    this.options = { pss: props.pss ?? 'restricted', ...(props.rules ? { rules: props.rules } : {}) };
  }

  public async validate(context: PluginContext): Promise<void> {
    const byRule = new Map<string, Array<{ finding: Finding; manifestPath: string }>>();
    let errors = 0, warnings = 0, exempted = 0, objects = 0;
    for (const manifestPath of context.manifests) {
      const docs = context.parseManifest(manifestPath).filter((d) => d !== null && typeof d === 'object') as Manifest[];
      const result = check(docs, this.options);
      objects += result.summary.objects;
      exempted += result.summary.exempted;
      for (const f of result.findings) {
        if (f.exempted) continue;
        if (f.severity === 'warning') { warnings++; context.logger.log(`warning ${f.rule} ${f.resource.kind}/${f.resource.name}: ${f.message}`); continue; }
        errors++;
        const list = byRule.get(f.rule) ?? [];
        list.push({ finding: f, manifestPath });
        byRule.set(f.rule, list);
      }
    }
    const meta = new Map(allRules().map((r) => [r.id, r]));
    for (const [rule, hits] of [...byRule.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const m = meta.get(rule);
      context.report.addViolation({
        ruleName: m ? `${rule}: ${m.title}` : rule,
        recommendation: m?.explanation ?? hits[0].finding.message,
        fix: hits[0].finding.fix,
        violatingResources: hits.map(({ finding, manifestPath }) => ({
          resourceName: finding.resource.name,
          locations: [`${finding.path ?? finding.resource.kind}: ${finding.message}`],
          manifestPath,
        })),
      });
    }
    context.report.submit(errors > 0 ? 'failure' : 'success', {
      objects: String(objects), errors: String(errors), warnings: String(warnings), exempted: String(exempted),
    });
  }
}
