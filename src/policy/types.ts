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
}

/** A Kubernetes object or a Terraform JSON document, as parsed. */
export type Manifest = Record<string, unknown>;
