/**
 * The checker's shared types (DESIGN.md, Findings). Plain data: the same rules run at synth time,
 * in the cdk8s validation plugin and in the CLI over any YAML or Terraform JSON.
 */
export type Severity = 'error' | 'warning';

/** The object a finding concerns. For Terraform JSON: apiVersion "terraform", kind the resource type. */
export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly resource: ResourceRef;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path?: string;
  readonly message: string;
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
  readonly rule: string;
  readonly path?: string;
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
  readonly rules: readonly RuleMeta[];
  /** The hits of this family's rules on one object. */
  check(obj: Manifest, ctx: CheckContext): RuleHit[];
}

/**
 * A family of rules over one Terraform JSON document (`{"resource": {...}}`, as in cdktf's cdk.tf.json).
 * Findings use resource = {apiVersion: "terraform", kind: <resource type>, name: <resource name>}.
 */
export interface TerraformRuleFamily {
  readonly name: string;
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
