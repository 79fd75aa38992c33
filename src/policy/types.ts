/**
 * The checker's shared types (DESIGN.md, Findings). Plain data: the same rules run at synth time,
 * in the cdk8s validation plugin and in the CLI over any YAML or Terraform JSON.
 */
export type Severity = 'error' | 'warning';

/** The object a finding concerns. For Terraform JSON: apiVersion "terraform", kind the resource type. */
export interface ResourceRef {
  /** `apiVersion` of the object, e.g. `apps/v1`; `terraform` for a Terraform resource. */
  readonly apiVersion: string;
  /** Kind of the object, e.g. `Deployment`; the resource type (e.g. `aws_iam_role`) for Terraform. */
  readonly kind: string;
  /** Namespace of the object, when it has one. */
  readonly namespace?: string;
  /** Name of the object, or of the Terraform resource. */
  readonly name: string;
}

export interface Finding {
  /** ID of the rule that found it, e.g. `pss-privileged` (`RuleMeta.id`). */
  readonly rule: string;
  /** `error` or `warning`, from the rule. */
  readonly severity: Severity;
  /** The object the finding concerns. */
  readonly resource: ResourceRef;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path?: string;
  /** What is wrong, for this object. */
  readonly message: string;
  /** What to do instead, from the rule. */
  readonly fix: string;
  /** True when the object carries an exemption annotation with a valid reason for this rule. */
  readonly exempted: boolean;
  /** The exemption's reason, when exempted. */
  readonly reason?: string;
  /** The file and document the object came from, when it came from a file. */
  readonly location?: SourceLocation;
}

/** What every rule declares about itself. */
export interface RuleMeta {
  /** Stable, lowercase, grouped by family: `pss-*`, `rbac-*`, `net-*`, `secret-*`, `image-*`, `aws-*`, `gcp-*`. */
  readonly id: string;
  /** One line. */
  readonly title: string;
  /** `error` (an unexempted one fails the CLI and the cdk8s plugin) or `warning` (reported only). */
  readonly severity: Severity;
  /** Why it matters. */
  readonly explanation: string;
  /** What to do instead. */
  readonly fix: string;
  /** For `pss-*` rules: the Pod Security Standards level that owns the check. */
  readonly level?: PssLevel;
}

/** A Pod Security Standards level. */
export type PssLevel = 'baseline' | 'restricted';

/** Where a checked document came from (CLI and plugin input); used for text, JSON and SARIF locations. */
export interface SourceLocation {
  /** The file as given on the command line, or `-` for stdin. */
  readonly file: string;
  /** 0-based index of the document in a multi-document file (or of the item in a List). */
  readonly document: number;
  /** 0-based index of the item, when the object is an item of a List document. */
  readonly item?: number;
  /** 1-based line where the document starts, where known. */
  readonly line?: number;
}

/** One violation as a rule family reports it; the engine adds severity, fix, resource and exemption. */
export interface RuleHit {
  /** ID of the rule that was violated. */
  readonly rule: string;
  /** Field path inside the object, e.g. `spec.template.spec.hostNetwork`. */
  readonly path?: string;
  /** What is wrong, for this object. */
  readonly message: string;
}

/** What a Kubernetes rule family sees besides the object itself. */
export interface CheckContext {
  /** Every Kubernetes object being checked (for cross-object rules: bindings, network policies). */
  readonly objects: readonly Manifest[];
  /** The Pod Security Standards level being enforced. */
  readonly pss: PssLevel;
}

/** A family of rules over Kubernetes objects: pure functions, one family a file. */
export interface RuleFamily {
  /** The family's ID prefix, e.g. `pss`, `rbac`. */
  readonly name: string;
  /** The rules of the family, with their metadata. */
  readonly rules: readonly RuleMeta[];
  /** The hits of this family's rules on one object. */
  check(obj: Manifest, ctx: CheckContext): RuleHit[];
}

/**
 * A family of rules over one Terraform JSON document (`{"resource": {...}}`, as in cdktf's cdk.tf.json).
 * Findings use resource = {apiVersion: "terraform", kind: <resource type>, name: <resource name>}.
 */
export interface TerraformRuleFamily {
  /** The family's ID prefix, e.g. `aws`, `gcp`. */
  readonly name: string;
  /** The rules of the family, with their metadata. */
  readonly rules: readonly RuleMeta[];
  check(doc: Manifest, ctx?: TerraformContext): Finding[];
}

/** What a Terraform rule family sees besides its document. */
export interface TerraformContext {
  /**
   * Every Terraform JSON document of the run (the document itself included), so that a reference to a
   * data source or local value written in another file of the input resolves.
   */
  readonly documents: readonly Manifest[];
}

/** A Kubernetes object or a Terraform JSON document, as parsed. */
export type Manifest = Record<string, unknown>;
