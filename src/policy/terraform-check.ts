/**
 * Running the Terraform rule families over one document and applying the exemptions written in the
 * Terraform JSON itself. Any resource or data block may carry a `//` property, which Terraform ignores:
 *
 *   "//": { "secure-agents": { "exemptions": { "<rule-id>": "<reason>" }, "reasons": { "<id>": "<reason>" } } }
 *
 * An exemption covers the findings located on that block, with the same rules as the Kubernetes
 * annotation: a reason of at least MIN_REASON_LENGTH visible characters, or the exemption is itself an error;
 * an exemption for a rule that does not fire on the block, or that does not exist, is a warning.
 */
import { MIN_REASON_LENGTH, visibleLength } from './rule-ids';
import { blocksOf, isObj, modulesOf } from './terraform';
import { Finding, Manifest, RuleMeta, TerraformRuleFamily } from './types';

/** The key under `//` that holds this library's data. */
export const TERRAFORM_COMMENT_KEY = 'secure-agents';

export interface TerraformExemption {
  readonly rule: string;
  readonly reason: string;
  /** Path of the exemption inside its block, for findings about the exemption itself. */
  readonly where: string;
}

/** The exemptions a resource or data block declares in its `//` property. */
export function terraformExemptionsOf(body: Record<string, unknown>): TerraformExemption[] {
  const comment = body['//'];
  const ours = isObj(comment) ? comment[TERRAFORM_COMMENT_KEY] : undefined;
  const exemptions = isObj(ours) ? ours.exemptions : undefined;
  if (!isObj(exemptions)) return [];
  return Object.keys(exemptions).sort().map((rule) => {
    const v = exemptions[rule];
    return { rule, reason: typeof v === 'string' ? v.trim() : '', where: `//.${TERRAFORM_COMMENT_KEY}.exemptions[${JSON.stringify(rule)}]` };
  });
}

export interface TerraformCheckOptions {
  readonly families: readonly TerraformRuleFamily[];
  /** Every Terraform document of the run (references across files resolve within it). */
  readonly documents: readonly Manifest[];
  readonly selected: (id: string) => boolean;
  readonly metaById: ReadonlyMap<string, RuleMeta>;
  /** The engine's rules about exemptions: [missing reason, unused]. */
  readonly exemptionRules: readonly [RuleMeta, RuleMeta];
}

/** The findings of the selected Terraform rules on one document, with its `//` exemptions applied. */
export function checkTerraformDocument(doc: Manifest, options: TerraformCheckOptions): Finding[] {
  const { families, selected, metaById } = options;
  const [missingReason, unused] = options.exemptionRules;
  const terraformRules = new Set(families.flatMap((f) => f.rules.map((r) => r.id)));
  const inactive = new Set(families.flatMap((f) => (f as { inactive?: readonly string[] }).inactive ?? []));
  const ran = new Set(families.flatMap((f) => f.rules.map((r) => r.id)).filter((id) => selected(id) && !inactive.has(id)));
  const raw: Finding[] = [];
  for (const family of families) {
    for (const f of family.check(doc, { documents: options.documents })) if (selected(f.rule)) raw.push(f);
  }
  const blocks: Array<{ kind: string; name: string; body: Record<string, unknown> }> = [...blocksOf(doc, 'resource'), ...blocksOf(doc, 'data'), ...modulesOf(doc)];
  const exemptions = new Map<string, TerraformExemption[]>();
  for (const b of blocks) {
    const list = terraformExemptionsOf(b.body);
    if (list.length > 0) exemptions.set(`${b.kind}\u0000${b.name}`, [...(exemptions.get(`${b.kind}\u0000${b.name}`) ?? []), ...list]);
  }
  const fired = new Set<string>();
  const out = raw.map((f) => {
    const key = `${f.resource.kind}\u0000${f.resource.name}`;
    fired.add(`${key}\u0000${f.rule}`);
    const ex = exemptions.get(key)?.find((e) => e.rule === f.rule);
    return ex && visibleLength(ex.reason) >= MIN_REASON_LENGTH ? { ...f, exempted: true, reason: ex.reason } : f;
  });
  for (const b of blocks) {
    const key = `${b.kind}\u0000${b.name}`;
    for (const ex of exemptionsOf(exemptions, key)) {
      if (!selected(ex.rule) && !selected('exemption-')) continue;
      const resource = { apiVersion: 'terraform', kind: b.kind, name: b.name };
      const make = (meta: RuleMeta, message: string): Finding => ({ rule: meta.id, severity: meta.severity, resource, path: ex.where, message, fix: meta.fix, exempted: false });
      const visible = visibleLength(ex.reason);
      if (visible < MIN_REASON_LENGTH) {
        out.push(make(missingReason, `exemption for ${ex.rule} has ${visible > 0 ? `a reason of only ${visible} visible characters (${JSON.stringify(ex.reason)})` : 'no reason'}`));
      } else if (!metaById.has(ex.rule)) {
        out.push(make(unused, `exemption for ${ex.rule} names no rule of the checker (a typo?); it exempts nothing`));
      } else if (!terraformRules.has(ex.rule) && !ex.rule.startsWith('exemption-')) {
        out.push(make(unused, `exemption for ${ex.rule} exempts nothing here: that rule checks Kubernetes objects, not Terraform`));
      } else if (ran.has(ex.rule) && !fired.has(`${key}\u0000${ex.rule}`)) {
        out.push(make(unused, `exemption for ${ex.rule} is not needed: the rule does not fire on this block`));
      }
    }
    exemptions.delete(key); // a block given twice (array form) is reported once
  }
  return out;
}

function exemptionsOf(map: Map<string, TerraformExemption[]>, key: string): TerraformExemption[] {
  return map.get(key) ?? [];
}
