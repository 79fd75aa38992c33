/**
 * An evaluator of Google Cloud IAM Conditions for the resource attributes, with Google's semantics
 * for the functions IAM adds to CEL. Framework-free; built on @bufbuild/cel, which supplies the
 * standard CEL (operators, `startsWith`, `endsWith`, `in`, `matches`, ...).
 *
 * What IAM adds and how it is modelled here:
 * - `resource.name`, `resource.type`, `resource.service`: strings. A resource type for which IAM
 *   does not expose an attribute sees the empty string, so a test on it is false.
 * - `<string>.extract(template)`: the template is `<before>{var}<after>`. The value is the text that
 *   follows the first occurrence of `<before>`, up to the first occurrence of `<after>` after it (to
 *   the end when `<after>` is empty); the empty string when `<before>`, or a non-empty `<after>`, is
 *   not found.
 * - `resource.matchTag(keyName, valueShortName)`: the resource carries (directly or by inheritance)
 *   a tag whose key's namespaced name (`<parent id or project id>/<key short name>`) and whose value's
 *   short name are the two arguments.
 * - `resource.matchTagId(keyId, valueId)`: the same by permanent ids (`tagKeys/123`, `tagValues/456`).
 * - `resource.hasTagKey(keyName)`, `resource.hasTagKeyId(keyId)`: the resource carries some value of the key.
 * A condition that does not evaluate to a boolean (an error, a missing attribute) does not grant.
 */
import { celMethod, CelScalar, isCelError, mapType, run } from '@bufbuild/cel';

/** One tag on a resource, attached directly or inherited from a project, folder or organisation. */
export interface GcpTag {
  /** `tagKeys/<id>` */
  readonly keyId: string;
  /** `<parent>/<key short name>`, e.g. `acme-prod/cost-optimizer-prod` */
  readonly keyName: string;
  /** `tagValues/<id>` */
  readonly valueId: string;
  /** The value's short name, e.g. `europe-west1` */
  readonly valueName: string;
}

/** The request as IAM Conditions see it. */
export interface GcpConditionRequest {
  readonly resource: {
    /** Full resource name; absent for types that do not expose it (then the empty string). */
    readonly name?: string;
    readonly type?: string;
    readonly service?: string;
    readonly tags?: readonly GcpTag[];
  };
}

export type GcpConditionResult = { readonly granted: boolean; readonly error?: string };

/** GCP's `extract()` on a path template with one `{variable}`. */
export function gcpExtract(text: string, template: string): string {
  const open = template.indexOf('{');
  const close = template.indexOf('}', open);
  if (open < 0 || close < 0) throw new Error(`extract template "${template}" has no {variable}`);
  const before = template.slice(0, open);
  const after = template.slice(close + 1);
  const at = text.indexOf(before);
  if (at < 0) return '';
  const rest = text.slice(at + before.length);
  if (after === '') return rest;
  const end = rest.indexOf(after);
  return end < 0 ? '' : rest.slice(0, end);
}

const RESOURCE_TYPE = mapType(CelScalar.STRING, CelScalar.STRING);

/** Evaluates one condition expression against one request. */
export function evaluateGcpCondition(expression: string, request: GcpConditionRequest): GcpConditionResult {
  const tags = request.resource.tags ?? [];
  const funcs = [
    celMethod('extract', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (template) { return gcpExtract(this, template); }),
    celMethod('matchTag', RESOURCE_TYPE, [CelScalar.STRING, CelScalar.STRING], CelScalar.BOOL,
      (key, value) => tags.some((t) => t.keyName === key && t.valueName === value)),
    celMethod('matchTagId', RESOURCE_TYPE, [CelScalar.STRING, CelScalar.STRING], CelScalar.BOOL,
      (key, value) => tags.some((t) => t.keyId === key && t.valueId === value)),
    celMethod('hasTagKey', RESOURCE_TYPE, [CelScalar.STRING], CelScalar.BOOL, (key) => tags.some((t) => t.keyName === key)),
    celMethod('hasTagKeyId', RESOURCE_TYPE, [CelScalar.STRING], CelScalar.BOOL, (key) => tags.some((t) => t.keyId === key)),
  ];
  const resource = new Map<string, string>([
    ['name', request.resource.name ?? ''],
    ['type', request.resource.type ?? ''],
    ['service', request.resource.service ?? ''],
  ]);
  let result: unknown;
  try {
    result = run(expression, { resource }, { funcs });
  } catch (e) {
    return { granted: false, error: (e as Error).message };
  }
  if (isCelError(result)) return { granted: false, error: result.message };
  if (typeof result !== 'boolean') return { granted: false, error: `the condition gave ${typeof result}, not a boolean` };
  return { granted: result };
}

/** One role binding: the permissions it grants and its optional condition, on a resource and what lies below it. */
export interface GcpBinding {
  /** A label for reports: a custom role id or a role. */
  readonly id: string;
  /** Where the binding is attached: a project (`projects/<id>`) or one resource's full name. */
  readonly attachedTo: string;
  readonly permissions: readonly string[];
  readonly condition?: string;
}

export interface GcpPermissionRequest extends GcpConditionRequest {
  readonly permission: string;
  /** The project the resource lives in (`projects/<id>`). */
  readonly project: string;
}

/**
 * Whether any binding grants the permission on the resource: the binding holds the permission, is
 * attached to the resource's project or to the resource itself, and its condition (if any) is true.
 */
export function gcpAllows(bindings: readonly GcpBinding[], req: GcpPermissionRequest): { allowed: boolean; by?: string } {
  for (const b of bindings) {
    if (!b.permissions.includes(req.permission)) continue;
    const onProject = b.attachedTo === req.project;
    const onResource = req.resource.name !== undefined && b.attachedTo === req.resource.name;
    if (!onProject && !onResource) continue;
    if (b.condition === undefined || evaluateGcpCondition(b.condition, req).granted) return { allowed: true, by: b.id };
  }
  return { allowed: false };
}
