/**
 * Every Terraform JSON document of one check run, indexed so that a policy in one file can use a data
 * source or a local value written in another (Terraform reads all `.tf.json` files of a module as one).
 * References are resolved only within this input; what is not here stays unresolved and is reported by
 * the rule family as a policy it could not evaluate.
 */
import { ExprContext, evaluateJsonValue, Resolved } from './terraform-expr';
import { blocksOf, isObj, Obj, TerraformBlock } from './terraform';
import { Manifest, TerraformContext } from './types';

/** How deep references may chain (a local naming a local naming a data source...). */
export const MAX_REFERENCE_DEPTH = 32;

/** Turns a data block's attribute (`json`, `policy_data`) into a value; `undefined` when the attribute is not one it makes. */
export type DataGenerator = (block: TerraformBlock, attribute: string, input: TerraformInput) => Resolved;

export class TerraformInput {
  private readonly data = new Map<string, TerraformBlock>();
  private readonly locals = new Map<string, unknown>();
  private readonly resolving = new Set<string>();
  /** Per-family caches (a family's generated documents), keyed by the family. */
  readonly caches = new Map<string, Map<string, unknown>>();

  constructor(readonly documents: readonly Manifest[]) {
    for (const doc of documents) {
      for (const b of blocksOf(doc, 'data')) if (!this.data.has(b.address)) this.data.set(b.address, b);
      for (const l of [doc.locals].flat()) {
        if (!isObj(l)) continue;
        for (const [k, v] of Object.entries(l)) if (k !== '//' && !this.locals.has(k)) this.locals.set(k, v);
      }
    }
  }

  /** The data block at `data.<type>.<name>`, from any document of the input. */
  dataBlock(type: string, name: string): TerraformBlock | undefined {
    return this.data.get(`data.${type}.${name}`);
  }

  cache(family: string): Map<string, unknown> {
    let c = this.caches.get(family);
    if (!c) this.caches.set(family, (c = new Map()));
    return c;
  }

  /** An expression context resolving `local.<name>` and `data.<type>.<name>.<attribute>` through the generators. */
  context(generators: Readonly<Record<string, DataGenerator>>): ExprContext {
    const resolve = (ref: string): Resolved => {
      const local = /^local\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(ref);
      if (local) {
        if (!this.locals.has(local[1])) return undefined;
        return this.guard(ref, () => ({ value: evaluateJsonValue(this.locals.get(local[1]), ctx) }));
      }
      const data = /^data\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)$/.exec(ref);
      if (!data) return undefined;
      const generate = generators[data[1]];
      if (!generate) return undefined;
      const block = this.dataBlock(data[1], data[2]);
      if (!block) return { error: `it refers to data.${data[1]}.${data[2]}, which is not in the input (check the file that defines it together with this one)` };
      return this.guard(ref, () => generate(block, data[3], this));
    };
    const ctx: ExprContext = { resolve };
    return ctx;
  }

  /** Runs `f` unless `ref` is already being resolved (a cycle), which Terraform rejects too. */
  private guard(ref: string, f: () => Resolved): Resolved {
    if (this.resolving.has(ref)) return { error: `${ref} refers to itself` };
    if (this.resolving.size >= MAX_REFERENCE_DEPTH) return { error: `references nest more than ${MAX_REFERENCE_DEPTH} deep (at ${ref})` };
    this.resolving.add(ref);
    try {
      return f();
    } finally {
      this.resolving.delete(ref);
    }
  }
}

const inputs = new WeakMap<readonly Manifest[], TerraformInput>();

/** The input a family works on: the run's documents when the engine gives them, else the one document. */
export function terraformInput(doc: Manifest, ctx?: TerraformContext): TerraformInput {
  const documents = ctx?.documents?.includes(doc) ? ctx.documents : [doc];
  let input = inputs.get(documents);
  if (!input) inputs.set(documents, (input = new TerraformInput(documents)));
  return input;
}

export type { Obj };
