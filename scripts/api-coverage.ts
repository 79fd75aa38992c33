/**
 * Which public properties of the API have no description, read from TypeDoc's JSON model. Pure: the
 * caller runs TypeDoc (scripts/api.ts coverage); the tests feed it a model of a small fixture.
 */

/** The part of a TypeDoc JSON reflection this reads. */
export interface JsonReflection {
  name: string;
  kind: number;
  flags?: { isPrivate?: boolean; isProtected?: boolean };
  inheritedFrom?: unknown;
  comment?: { summary?: Array<{ text: string }> };
  getSignature?: { comment?: { summary?: Array<{ text: string }> } };
  children?: JsonReflection[];
}

/** TypeDoc's ReflectionKind values (stable across 0.2x). */
export const KIND = { Class: 128, Interface: 256, Property: 1024, Accessor: 262144 } as const;

export interface PropCoverage {
  /** Every public property of an exported class or interface, as `Owner.prop`. */
  readonly total: number;
  /** The properties without a description, sorted. */
  readonly missing: string[];
  /** The same counts for interface properties only. */
  readonly interfaces: { readonly total: number; readonly missing: number };
}

/**
 * Public properties (and accessors) of the classes and interfaces in `project` and whether each has a
 * description: a summary of its own, or of its getter. Private, protected and inherited members are
 * left out; an inherited one is counted where it is declared.
 */
export function propCoverage(project: JsonReflection): PropCoverage {
  const all = new Set<string>();
  const missing = new Set<string>();
  const inInterfaces = new Set<string>();
  const text = (c?: { summary?: Array<{ text: string }> }) => (c?.summary ?? []).map((p) => p.text).join('').trim();
  const visit = (r: JsonReflection) => {
    if (r.kind === KIND.Class || r.kind === KIND.Interface) {
      for (const prop of r.children ?? []) {
        if (prop.kind !== KIND.Property && prop.kind !== KIND.Accessor) continue;
        if (prop.flags?.isPrivate || prop.flags?.isProtected || prop.inheritedFrom) continue;
        const name = `${r.name}.${prop.name}`;
        all.add(name);
        if (r.kind === KIND.Interface) inInterfaces.add(name);
        if (!text(prop.comment) && !text(prop.getSignature?.comment)) missing.add(name);
      }
    }
    for (const c of r.children ?? []) visit(c);
  };
  visit(project);
  return {
    total: all.size,
    missing: [...missing].sort(),
    interfaces: { total: inInterfaces.size, missing: [...missing].filter((m) => inInterfaces.has(m)).length },
  };
}

/**
 * The lines `api:coverage` prints and its exit code: the undocumented properties and a count; with
 * `check` (CI), exit 1 and say how to fix it when any property has no description.
 */
export function coverageReport(c: PropCoverage, check: boolean): { lines: string[]; code: number } {
  const lines = c.missing.map((m) => `  ${m}`);
  lines.push(`api: ${c.missing.length} of ${c.total} public properties have no description ` +
    `(${c.interfaces.missing} of ${c.interfaces.total} interface properties, ` +
    `${c.missing.length - c.interfaces.missing} of ${c.total - c.interfaces.total} class properties)`);
  if (check && c.missing.length > 0) {
    lines.push('api: every public property needs a TSDoc description (and `@default` when it is optional and has one); ' +
      'write one above each property listed, then run npm run api');
    return { lines, code: 1 };
  }
  return { lines, code: 0 };
}
