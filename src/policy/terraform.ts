/**
 * Reading Terraform JSON as Terraform does (HCL's JSON syntax): top-level blocks, labelled blocks in the
 * object form and in every array form, nested blocks given as an object or an array of objects, and the
 * `//` comment property that Terraform ignores (where our exemptions live). Helpers shared by the aws-*
 * and gcp-* rule families.
 */
import { Finding, Manifest, RuleMeta } from './types';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The top-level block types of the Terraform language (a `.tf.json` file's root properties). */
export const TERRAFORM_BLOCK_TYPES: readonly string[] = [
  'resource', 'data', 'provider', 'module', 'terraform', 'variable', 'output', 'locals',
  'moved', 'import', 'check', 'removed', 'ephemeral',
];

/**
 * Whether a document is Terraform JSON: a top-level object whose properties are Terraform block types
 * (any of them: a file with only data sources, providers or modules is Terraform too) or `//` comments,
 * and nothing that a Kubernetes object has.
 */
export function isTerraformDocument(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  const keys = Object.keys(doc);
  return keys.some((k) => TERRAFORM_BLOCK_TYPES.includes(k))
    && keys.every((k) => k === '//' || TERRAFORM_BLOCK_TYPES.includes(k));
}

/** A JSON value that stands for one or more blocks or label maps: an object, or an array of objects. */
function objects(v: unknown): Obj[] {
  if (isObj(v)) return [v];
  if (Array.isArray(v)) return v.filter(isObj);
  return [];
}

/** A `resource` or `data` block: `<mode>.<type>.<name>`, with its body. */
export interface TerraformBlock {
  readonly mode: 'resource' | 'data';
  readonly type: string;
  readonly name: string;
  readonly body: Obj;
  /** How Terraform addresses it: `aws_iam_policy.x` or `data.aws_iam_policy_document.x`. */
  readonly address: string;
  /** The finding's `resource.kind`: the type, prefixed with `data.` for data sources. */
  readonly kind: string;
}

/**
 * Every `resource` (or `data`) block of a Terraform JSON document, in the object form
 * (`{"resource": {"t": {"n": {...}}}}`) or any array form at any level (`{"resource": [{"t": [{"n": [{...}]}]}]}`).
 * Sorted by type and name; a label pair given twice (Terraform rejects it) is read once per body.
 */
export function blocksOf(doc: Manifest, mode: 'resource' | 'data'): TerraformBlock[] {
  const out: TerraformBlock[] = [];
  for (const byType of objects(doc[mode])) {
    for (const type of Object.keys(byType)) {
      if (type === '//') continue;
      for (const byName of objects(byType[type])) {
        for (const name of Object.keys(byName)) {
          if (name === '//') continue;
          for (const body of objects(byName[name])) {
            const address = mode === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
            out.push({ mode, type, name, body, address, kind: mode === 'data' ? `data.${type}` : type });
          }
        }
      }
    }
  }
  return out.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)));
}

/** Every `module "<name>"` block (object or array forms); its kind in findings is `module`. */
export function modulesOf(doc: Manifest): Array<{ name: string; body: Obj; kind: 'module'; address: string }> {
  const out: Array<{ name: string; body: Obj; kind: 'module'; address: string }> = [];
  for (const byName of objects(doc.module)) {
    for (const name of Object.keys(byName)) {
      if (name === '//') continue;
      for (const body of objects(byName[name])) out.push({ name, body, kind: 'module', address: `module.${name}` });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every string inside a value, with its path (`a.b[0]`), to a bounded depth. */
export function stringsWithin(v: unknown, path = '', depth = 0): Array<{ path: string; value: string }> {
  if (typeof v === 'string') return [{ path, value: v }];
  if (depth > 32) return [];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringsWithin(x, `${path}[${i}]`, depth + 1));
  if (isObj(v)) return Object.entries(v).filter(([k]) => k !== '//').flatMap(([k, x]) => stringsWithin(x, path ? `${path}.${k}` : k, depth + 1));
  return [];
}

/** Every `resource.<type>.<name>` block of a Terraform JSON document (all forms). */
export function resourcesOf(doc: Manifest): Array<{ type: string; name: string; body: Obj }> {
  return blocksOf(doc, 'resource');
}

/** A nested block of a body (`inline_policy`, `statement`, `condition`...): an object or an array of objects. */
export function nestedBlocks(body: Obj, key: string): Obj[] {
  return objects(body[key]);
}

/** The block types a body generates with `dynamic "<type>" {...}` (which the checker does not expand). */
export function dynamicBlockTypes(body: Obj): string[] {
  return objects(body.dynamic).flatMap((d) => Object.keys(d).filter((k) => k !== '//'));
}

/** A sentence for a finding about dynamic blocks. */
export function dynamicBlocksReason(types: readonly string[]): string {
  return `it generates ${types.map((t) => `"${t}"`).join(', ')} blocks with dynamic, which the checker does not expand`;
}

/** The `locals` of a document, merged (a file may have several `locals` blocks). */
export function localsOf(doc: Manifest): Obj {
  const out: Obj = {};
  for (const l of objects(doc.locals)) for (const [k, v] of Object.entries(l)) if (k !== '//') out[k] = v;
  return out;
}

export function finding(meta: RuleMeta, type: string, name: string, path: string, message: string): Finding {
  return {
    rule: meta.id, severity: meta.severity, resource: { apiVersion: 'terraform', kind: type, name },
    path, message, fix: meta.fix, exempted: false,
  };
}

export function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Strings of a value that may be a string or a list of strings (other entries dropped). */
export function strings(v: unknown): string[] {
  return asList(v as string | string[] | undefined).filter((s): s is string => typeof s === 'string');
}
