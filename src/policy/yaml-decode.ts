/**
 * Decodes one YAML document the way the Kubernetes client tooling does (kubectl and Helm read YAML
 * through sigs.k8s.io/yaml, which decodes with its copy of go-yaml v2 and converts the result to JSON):
 *
 * - plain scalars resolve by go-yaml v2's rules: YAML 1.1 booleans (`y Y yes Yes YES on On ON true True
 *   TRUE` and their negatives), integers in every form Go's `strconv.ParseInt(s, 0, 64)` reads after
 *   dropping `_` (`0x1F`, `0o17`, `0b101`, `017`, `+12`, `1_000`), floats such as `1e3` or `.5`;
 *   sexagesimal `1:30` and timestamps stay strings; quoted and block scalars are always strings;
 * - `<<` merge keys are applied as go-yaml v2 applies them: in order, each merged mapping setting its
 *   keys into the mapping being built (so a merge written after an explicit key overrides it), and in a
 *   sequence of merges the earlier mappings win;
 * - duplicate keys: the last one wins; non-string keys become strings as sigs.k8s.io/yaml writes them
 *   (`true`, `12`); `.nan` and `.inf` have no JSON form and make the document unreadable.
 *
 * Work is bounded: nesting depth and the nodes produced through aliases are limited.
 */
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, Node, Pair, Scalar, YAMLMap } from 'yaml';

/** A document that cannot be decoded (the message says why, in terms a user can act on). */
export class DecodeError extends Error {}

export interface DecodeLimits {
  /** Deepest nesting of mappings and sequences accepted. */
  readonly maxDepth: number;
  /** Most nodes one document may produce through aliases (alias bombs). */
  readonly maxAliasNodes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxDepth: 256, maxAliasNodes: 100_000 };

const TAG = 'tag:yaml.org,2002:';
const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOAT = new Set(['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF']);
/** go-yaml v2's float syntax (after `_` is dropped). */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64), falling back to ParseUint: the value, or undefined when Go refuses it. */
function goParseInt(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const [, sign, body] = m;
  let digits = body;
  let radix = 10;
  if (/^0[xX]/.test(body)) { radix = 16; digits = body.slice(2); }
  else if (/^0[oO]/.test(body)) { radix = 8; digits = body.slice(2); }
  else if (/^0[bB]/.test(body)) { radix = 2; digits = body.slice(2); }
  else if (body.length > 1 && body.startsWith('0')) { radix = 8; digits = body.slice(1); }
  let v = 0n;
  for (const ch of digits) v = v * BigInt(radix) + BigInt(parseInt(ch, radix));
  if (sign === '-') v = -v;
  if (v < INT64_MIN || v > UINT64_MAX || (sign !== '' && v > INT64_MAX)) return undefined; // ParseUint takes no sign
  return Number(v);
}

/** The value go-yaml v2 gives a plain (untagged, unquoted) scalar. */
export function resolvePlainScalar(s: string): unknown {
  if (NULL.has(s)) return null;
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  if (SPECIAL_FLOAT.has(s)) throw new DecodeError(`the value ${s} has no JSON form; Kubernetes cannot store it`);
  const c = s[0];
  if (c === '.') {
    // go-yaml v2 hands these to strconv.ParseFloat unchanged.
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
    return s;
  }
  if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    const plain = s.replace(/_/g, '');
    const int = goParseInt(plain);
    if (int !== undefined) return int;
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return f; // Go's ParseFloat fails on overflow: the scalar stays a string
    }
  }
  return s;
}

/** A scalar's value: quoted and block scalars are strings; `!!bool`/`!!int`/`!!float`/`!!null` tags resolve. */
function scalarValue(node: Scalar): unknown {
  const raw = String(node.value ?? '');
  const tag = node.tag;
  if (tag === undefined || tag === '!') {
    return node.type === Scalar.PLAIN && tag === undefined ? resolvePlainScalar(raw) : raw;
  }
  const short = tag.startsWith(TAG) ? tag.slice(TAG.length) : undefined;
  if (short === 'bool' || short === 'int' || short === 'float' || short === 'null') {
    const v = resolvePlainScalar(raw);
    const type = v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) && !/[.eE]/.test(raw) ? 'int' : 'float') : 'str';
    if (type === short || (short === 'float' && type === 'int')) return v;
    throw new DecodeError(`cannot decode !!${type} "${raw.slice(0, 40)}" as a !!${short}`);
  }
  return raw; // !!str, !!binary, !!timestamp and custom tags: the text
}

function keyString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  throw new DecodeError(v === null ? 'a mapping has an empty (null) key, which JSON cannot hold' : 'a mapping key is a mapping or a list, which JSON cannot hold');
}

function defineKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** Whether a pair's key is go-yaml v2's merge key `<<` (plain, or tagged !!merge). */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === '<<' && ((key.type === Scalar.PLAIN && key.tag === undefined) || key.tag === `${TAG}merge`);
}

/** Every anchor definition of a document, in source order, so that an alias resolves to the latest one before it. */
function anchorsOf(doc: Document): Map<string, Array<{ offset: number; node: Node }>> {
  const out = new Map<string, Array<{ offset: number; node: Node }>>();
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const n = stack.pop();
    if (isPair(n)) { stack.push(n.value, n.key); continue; }
    if (!n || typeof n !== 'object' || isAlias(n)) continue;
    const node = n as Node;
    if (node.anchor) {
      const list = out.get(node.anchor) ?? [];
      list.push({ offset: node.range?.[0] ?? 0, node });
      out.set(node.anchor, list);
    }
    if (isMap(node) || isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
  }
  for (const list of out.values()) list.sort((a, b) => a.offset - b.offset);
  return out;
}

/** Converts one composed YAML document into the plain value that Kubernetes client tooling would send. */
export class KubeYamlDecoder {
  private aliasNodes = 0;
  private readonly anchors: Map<string, Array<{ offset: number; node: Node }>>;
  private readonly expanding = new Set<Node>();

  constructor(private readonly doc: Document, private readonly limits: DecodeLimits = DEFAULT_DECODE_LIMITS) {
    this.anchors = anchorsOf(doc);
  }

  decode(): unknown {
    return this.value(this.doc.contents, 0, false);
  }

  /** The node an alias points at (the latest anchor of that name before it). */
  resolveAlias(alias: Alias): Node {
    const list = this.anchors.get(alias.source);
    const at = alias.range?.[0] ?? Infinity;
    let found: Node | undefined;
    for (const d of list ?? []) if (d.offset < at) found = d.node;
    if (!found) throw new DecodeError(`unknown anchor "${alias.source}" referenced`);
    return found;
  }

  private value(node: unknown, depth: number, viaAlias: boolean): unknown {
    if (node === null || node === undefined) return null;
    if (viaAlias && ++this.aliasNodes > this.limits.maxAliasNodes) {
      throw new DecodeError(`aliases expand to more than ${this.limits.maxAliasNodes} nodes (an alias bomb?)`);
    }
    if (isAlias(node)) {
      const target = this.resolveAlias(node);
      if (this.expanding.has(target)) throw new DecodeError(`anchor "${node.source}" contains itself`);
      this.expanding.add(target);
      try { return this.value(target, depth, true); } finally { this.expanding.delete(target); }
    }
    if (isScalar(node)) return scalarValue(node);
    if (depth >= this.limits.maxDepth) throw new DecodeError(`nested deeper than ${this.limits.maxDepth} levels`);
    if (isSeq(node)) {
      const out: unknown[] = new Array(node.items.length);
      for (let i = 0; i < node.items.length; i++) out[i] = this.value(node.items[i], depth + 1, viaAlias);
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      this.mapInto(node, out, depth, viaAlias);
      return out;
    }
    throw new DecodeError('a node of an unknown kind');
  }

  private mapInto(node: YAMLMap, out: Record<string, unknown>, depth: number, viaAlias: boolean): void {
    for (const pair of node.items as Pair[]) {
      if (isMergeKey(pair.key)) { this.merge(pair.value, out, depth, viaAlias); continue; }
      const key = keyString(isScalar(pair.key) || isAlias(pair.key) ? this.value(pair.key, depth, viaAlias) : pair.key === null ? null : {});
      defineKey(out, key, this.value(pair.value, depth + 1, viaAlias));
    }
  }

  private merge(source: unknown, out: Record<string, unknown>, depth: number, viaAlias: boolean): void {
    const asMap = (n: unknown): { map: YAMLMap; alias: boolean } => {
      if (isAlias(n)) {
        const t = this.resolveAlias(n);
        if (isMap(t)) return { map: t, alias: true };
      } else if (isMap(n)) return { map: n, alias: false };
      throw new DecodeError('a << merge key needs a mapping or a list of mappings');
    };
    if (isSeq(source)) {
      // go-yaml v2 applies the list from the last to the first, so that earlier mappings win.
      for (let i = source.items.length - 1; i >= 0; i--) {
        const { map, alias } = asMap(source.items[i]);
        this.mergeOne(map, alias, out, depth, viaAlias);
      }
      return;
    }
    const { map, alias } = asMap(source);
    this.mergeOne(map, alias, out, depth, viaAlias);
  }

  private mergeOne(map: YAMLMap, alias: boolean, out: Record<string, unknown>, depth: number, viaAlias: boolean): void {
    if (alias) {
      if (this.expanding.has(map)) throw new DecodeError('a << merge refers to the mapping that contains it');
      this.expanding.add(map);
      try { this.mapInto(map, out, depth, true); } finally { this.expanding.delete(map); }
    } else {
      this.mapInto(map, out, depth, viaAlias);
    }
  }
}

/** A segment of a finding's field path: a key or a list index. */
export type PathSegment = string | number;

/** Splits a field path such as `spec.containers[0].env[1].name` or `metadata.annotations["a.b/c"]`. */
export function splitPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\['([^']*)'\]|([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2].replace(/\\(.)/g, '$1'));
    else if (m[3] !== undefined) out.push(m[3]);
    else out.push(m[4]);
  }
  return out;
}

/**
 * The source offset of the deepest node of `segments` found in a composed document (the key of the last
 * mapping entry reached, or the list item), following aliases and merge keys as the decoder does.
 */
export function offsetOfPath(doc: Document, root: unknown, segments: readonly PathSegment[]): number | undefined {
  const decoder = new KubeYamlDecoder(doc);
  const deref = (n: unknown): unknown => {
    for (let i = 0; i < 50 && isAlias(n); i++) n = decoder.resolveAlias(n);
    return n;
  };
  const findPair = (map: YAMLMap, key: string, seen: Set<unknown>): Pair | undefined => {
    if (seen.has(map)) return undefined;
    seen.add(map);
    let found: Pair | undefined;
    for (const pair of map.items as Pair[]) {
      if (isMergeKey(pair.key)) {
        const src = deref(pair.value);
        const maps = isSeq(src) ? [...src.items].reverse().map(deref) : [src];
        for (const m of maps) if (isMap(m)) { const p = findPair(m, key, seen); if (p) found = p; }
        continue;
      }
      const k = deref(pair.key);
      if (isScalar(k)) {
        let name: string | undefined;
        try { name = keyString(scalarValue(k)); } catch { name = undefined; }
        if (name === key) found = pair;
      }
    }
    return found;
  };
  let node = deref(root);
  let offset = (node as Node | null)?.range?.[0];
  for (const seg of segments) {
    if (typeof seg === 'number' && isSeq(node) && seg < node.items.length) {
      node = deref(node.items[seg]);
      offset = (node as Node | null)?.range?.[0] ?? offset;
    } else if (typeof seg === 'string' && isMap(node)) {
      const pair = findPair(node, seg, new Set());
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = deref(pair.value);
    } else {
      break;
    }
  }
  return offset;
}
