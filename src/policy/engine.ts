/**
 * The checker: runs every rule family over plain objects, applies exemption annotations, and
 * dispatches Terraform JSON documents to the Terraform rule families.
 */
import { annotationsOf, isObj, Obj, podSpecsOf, refOf, text } from './objects';
import { EXEMPTION_PREFIX, MIN_REASON_LENGTH, visibleLength } from './rule-ids';
import { gcpIamFamily } from './gcp-iam';
import { KUBERNETES_FAMILIES, TERRAFORM_FAMILIES } from './registry';
import { isTerraformDocument } from './terraform';
import { checkTerraformDocument } from './terraform-check';
import { CheckContext, Finding, Manifest, PssLevel, ResourceRef, RuleMeta, SourceLocation } from './types';

/** Options of a check run. */
export interface CheckOptions {
  /**
   * Pod Security Standards level: `baseline` runs only the baseline `pss-*` checks.
   * @default "restricted"
   */
  readonly pss?: PssLevel;
  /**
   * Run only rules whose ID starts with one of these prefixes (e.g. `pss-`, `rbac`).
   * @default - every rule
   */
  readonly rules?: readonly string[];
  /**
   * GCP permissions that exist (e.g. the lines of a permissions list); enables gcp-unknown-permission.
   * @default - that rule does not run
   */
  readonly gcpPermissions?: ReadonlySet<string>;
}

/** An object to check, with where it came from. */
export interface CheckInput {
  readonly object: Manifest;
  readonly location?: SourceLocation;
}

export interface CheckSummary {
  /** Unexempted findings of severity error. */
  readonly errors: number;
  /** Unexempted findings of severity warning. */
  readonly warnings: number;
  /** Findings covered by an exemption with a valid reason. */
  readonly exempted: number;
  /** Objects (Kubernetes objects and Terraform documents) checked. */
  readonly objects: number;
}

export interface CheckResult {
  readonly findings: Finding[];
  readonly summary: CheckSummary;
  /** Objects whose check threw (malformed beyond what the rules expect): not checked, not counted. */
  readonly problems?: CheckProblem[];
}

/** An object the checker could not check; the run goes on with the others. */
export interface CheckProblem {
  readonly resource: ResourceRef;
  readonly location?: SourceLocation;
  readonly message: string;
}

/** Rules about exemption annotations themselves. */
export const EXEMPTION_RULES: readonly RuleMeta[] = [
  {
    id: 'exemption-missing-reason',
    title: 'An exemption must give its reason',
    severity: 'error',
    explanation: `An exemption annotation without a reason of at least ${text(MIN_REASON_LENGTH)} visible characters hides an exception from review; whitespace and zero-width or other invisible characters do not count.`,
    fix: `Write why the exception is needed in the annotation value (at least ${text(MIN_REASON_LENGTH)} visible characters).`,
  },
  {
    id: 'exemption-unused',
    title: 'An exemption for a rule that does not fire, or that does not exist',
    severity: 'warning',
    explanation: 'A stale exemption would silently cover a future violation of the rule.',
    fix: 'Remove the exemption annotation.',
  },
];

/** Every rule the checker knows: Kubernetes families, Terraform families and the exemption rules. */
export function allRules(): RuleMeta[] {
  return [
    ...KUBERNETES_FAMILIES.flatMap((f) => f.rules),
    ...TERRAFORM_FAMILIES.flatMap((f) => f.rules),
    ...EXEMPTION_RULES,
  ];
}

/** Whether a document is Terraform JSON (any top-level Terraform block: resource, data, provider, module...). */
export { isTerraformDocument };

/** Expands List kinds (`v1/List`, `PodList`...) into their items. */
export function expandLists(inputs: readonly CheckInput[]): CheckInput[] {
  const out: CheckInput[] = [];
  for (const input of inputs) {
    const o = input.object as Obj;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) if (isObj(item)) out.push({ object: item, location: input.location });
    } else {
      out.push(input);
    }
  }
  return out;
}

/** Checks objects (plain manifests or inputs with locations) and returns findings and a summary. */
export function check(objects: ReadonlyArray<Manifest | CheckInput>, options: CheckOptions = {}): CheckResult {
  const inputs = expandLists(objects.map((o) => (isCheckInput(o) ? o : { object: o })));
  const prefixes = options.rules?.map((r) => r.trim()).filter((r) => r !== '') ?? [];
  const selected = (id: string) => prefixes.length === 0 || prefixes.some((p) => id.startsWith(p));
  const pss = options.pss ?? 'restricted';
  const problems: CheckProblem[] = [];
  // An object that cannot even be read (a throwing getter, from an API caller) is its own problem and
  // stays out of the cross-object indexes, which would otherwise fail for every other object.
  const unreadable = new Set<CheckInput>();
  for (const input of inputs) {
    const err = readFailure(input.object);
    if (err !== undefined) { unreadable.add(input); problems.push(problemOf(input, err)); }
  }
  const k8s = inputs.filter((i) => !unreadable.has(i) && !isTerraformDocument(i.object));
  const ctx: CheckContext = { objects: k8s.map((i) => i.object), pss };
  const metaById = new Map<string, RuleMeta>(allRules().map((r) => [r.id, r]));
  const findings: Finding[] = [];
  const gcpPermissions = options.gcpPermissions;
  const terraformFamilies = gcpPermissions
    ? TERRAFORM_FAMILIES.map((f) => (f.name === 'gcp' ? gcpIamFamily({ knownPermissions: gcpPermissions }) : f))
    : TERRAFORM_FAMILIES;

  const documents = inputs.filter((i) => !unreadable.has(i) && isTerraformDocument(i.object)).map((i) => i.object);
  const exemptionRules = [EXEMPTION_RULES[0], EXEMPTION_RULES[1]] as const;
  for (const input of inputs) {
    if (unreadable.has(input)) continue;
    // One object's exception is that object's problem: the others are still checked.
    try {
      if (isTerraformDocument(input.object)) {
        const own = checkTerraformDocument(input.object, { families: terraformFamilies, documents, selected, metaById, exemptionRules });
        findings.push(...own.map((f) => (input.location ? { ...f, location: input.location } : f)));
        continue;
      }
      findings.push(...checkObject(input, ctx, metaById, selected));
    } catch (err) {
      problems.push(problemOf(input, err));
    }
  }
  return { findings, summary: summarise(findings, inputs.length - problems.length), ...(problems.length ? { problems } : {}) };
}

function problemOf(input: CheckInput, err: unknown): CheckProblem {
  let resource: ResourceRef;
  try { resource = refOf(input.object); } catch { resource = { apiVersion: '', kind: '', name: '' }; }
  return { resource, ...(input.location ? { location: input.location } : {}), message: `could not be checked (a field of a type the rules do not expect?): ${err instanceof Error ? `${err.name}: ${err.message}` : 'an exception'}` };
}

/** Reads every property of an object once, without recursion; returns what a read threw, if anything. */
function readFailure(root: unknown): unknown {
  const stack: unknown[] = [root];
  const seen = new Set<object>();
  try {
    while (stack.length > 0) {
      const v = stack.pop();
      if (v === null || typeof v !== 'object' || seen.has(v)) continue;
      seen.add(v);
      for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
    }
    return undefined;
  } catch (err) {
    return err ?? new Error('an exception');
  }
}

function isCheckInput(o: Manifest | CheckInput): o is CheckInput {
  return isObj((o as Obj).object) && Object.keys(o).every((k) => k === 'object' || k === 'location');
}

/** Exemption annotations of an object and of its pod template, by rule ID. */
export function exemptionsOf(obj: Manifest): Map<string, { reason: string; where: string }> {
  const out = new Map<string, { reason: string; where: string }>();
  const sources: Array<[Record<string, string>, string]> = [[annotationsOf((obj as Obj).metadata), 'metadata.annotations']];
  for (const pod of podSpecsOf(obj as Obj)) {
    if (pod.metadataPath !== 'metadata') sources.push([annotationsOf(pod.metadata), `${pod.metadataPath}.annotations`]);
  }
  for (const [annotations, where] of sources) {
    for (const [key, value] of Object.entries(annotations)) {
      if (!key.startsWith(EXEMPTION_PREFIX)) continue;
      const rule = key.slice(EXEMPTION_PREFIX.length);
      if (!out.has(rule)) out.set(rule, { reason: typeof value === 'string' ? value.trim() : '', where: `${where}["${key}"]` });
    }
  }
  return out;
}

function checkObject(input: CheckInput, ctx: CheckContext, metaById: Map<string, RuleMeta>, selected: (id: string) => boolean): Finding[] {
  const obj = input.object;
  const resource = refOf(obj);
  const exemptions = exemptionsOf(obj);
  const out: Finding[] = [];
  const fired = new Set<string>();
  const ran = new Set<string>();
  const withLocation = (f: Finding): Finding => (input.location ? { ...f, location: input.location } : f);

  for (const family of KUBERNETES_FAMILIES) {
    const active = family.rules.filter((r) => selected(r.id) && !(ctx.pss === 'baseline' && r.level === 'restricted'));
    if (active.length === 0) continue;
    active.forEach((r) => ran.add(r.id));
    for (const hit of family.check(obj, ctx)) {
      if (!ran.has(hit.rule)) continue;
      const meta = metaById.get(hit.rule)!;
      fired.add(hit.rule);
      const ex = exemptions.get(hit.rule);
      const valid = ex !== undefined && visibleLength(ex.reason) >= MIN_REASON_LENGTH;
      out.push(withLocation({
        rule: hit.rule,
        severity: meta.severity,
        resource,
        ...(hit.path !== undefined ? { path: hit.path } : {}),
        message: hit.message,
        fix: meta.fix,
        exempted: valid,
        ...(valid ? { reason: ex.reason } : {}),
      }));
    }
  }

  for (const [rule, ex] of [...exemptions.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!selected(rule) && !selected('exemption-')) continue;
    const visible = visibleLength(ex.reason);
    if (visible < MIN_REASON_LENGTH) {
      const meta = EXEMPTION_RULES[0];
      out.push(withLocation({
        rule: meta.id, severity: meta.severity, resource, path: ex.where,
        message: `exemption for ${rule} has ${visible > 0 ? `a reason of only ${visible} visible characters (${JSON.stringify(ex.reason)})` : 'no reason'}`,
        fix: meta.fix, exempted: false,
      }));
    } else if (!metaById.has(rule)) {
      const meta = EXEMPTION_RULES[1];
      out.push(withLocation({
        rule: meta.id, severity: meta.severity, resource, path: ex.where,
        message: `exemption for ${rule} names no rule of the checker (a typo?); it exempts nothing`,
        fix: meta.fix, exempted: false,
      }));
    } else if (ran.has(rule) && !fired.has(rule)) {
      const meta = EXEMPTION_RULES[1];
      out.push(withLocation({
        rule: meta.id, severity: meta.severity, resource, path: ex.where,
        message: `exemption for ${rule} is not needed: the rule does not fire on this object`,
        fix: meta.fix, exempted: false,
      }));
    }
  }
  return out;
}

function summarise(findings: readonly Finding[], objects: number): CheckSummary {
  let errors = 0, warnings = 0, exempted = 0;
  for (const f of findings) {
    if (f.exempted) exempted++;
    else if (f.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings, exempted, objects };
}

/** Unexempted findings of severity error. */
export function unexemptedErrors(result: CheckResult): Finding[] {
  return result.findings.filter((f) => f.severity === 'error' && !f.exempted);
}
