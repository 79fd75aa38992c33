/**
 * A small, safe evaluator for the literal subset of Terraform expressions that policies are written in:
 * string templates whose interpolations are references, `jsonencode(...)` of literal HCL objects and
 * tuples, references that the caller can resolve (a data source of the same input, a local value), and
 * nothing else. It never runs anything: an operator, a conditional, a `for` expression, a heredoc, a
 * template directive or any other function is reported as "cannot evaluate", with what it met, so the
 * caller can say so as a finding instead of skipping the policy.
 *
 * References that are not resolved (`aws_sqs_queue.q.arn`, `data.aws_partition.current.partition`) stay
 * in the result as the text `${...}`, the way they appear inside policy strings in cdktf output.
 */

/** The result of evaluating a string attribute. */
export type Evaluated = { ok: true; value: string } | { ok: false; reason: string };

/** What a reference resolves to; `undefined` when the caller does not know it. */
export type Resolved = { value: unknown } | { error: string } | undefined;

export interface ExprContext {
  /** Resolves a whole reference such as `data.aws_iam_policy_document.x.json` or `local.policy`. */
  readonly resolve?: (reference: string) => Resolved;
}

/** A reference left unresolved; it serialises as `${<text>}`. */
class Ref {
  constructor(readonly text: string) {}
}

class ExprError extends Error {}

const MAX_DEPTH = 64;
const MAX_NESTING = 256;
const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

/**
 * Evaluates a Terraform JSON string (a template) that must produce a string, e.g. a policy attribute.
 * A string that is one interpolation (`${jsonencode({...})}`, `${data.x.y.json}`) takes that expression's
 * value; otherwise interpolations of references are kept as text.
 */
export function evaluateTemplate(text: string, ctx: ExprContext): Evaluated {
  try {
    const v = new Parser(text, ctx, 0).outerTemplate();
    if (v instanceof Ref) return { ok: false, reason: `it is \${${v.text}}, which the checker cannot evaluate within this input` };
    if (typeof v === 'string') return { ok: true, value: v };
    return { ok: false, reason: `it evaluates to a ${Array.isArray(v) ? 'tuple' : typeof v}, not a string` };
  } catch (err) {
    if (err instanceof ExprError) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Turns a JSON value of a Terraform JSON body (strings are templates) into a plain value. */
export function evaluateJsonValue(v: unknown, ctx: ExprContext, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new ExprError('the expression nests too deeply');
  if (typeof v === 'string') return new Parser(v, ctx, depth + 1).outerTemplate();
  if (Array.isArray(v)) return v.map((x) => evaluateJsonValue(x, ctx, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== '//') out[k] = evaluateJsonValue(x, ctx, depth + 1);
    return out;
  }
  return v;
}

/** evaluateJsonValue, with "cannot evaluate" as a result rather than an exception. */
export function tryEvaluateJsonValue(v: unknown, ctx: ExprContext): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: evaluateJsonValue(v, ctx) };
  } catch (err) {
    if (err instanceof ExprError) return { ok: false, reason: err.message };
    throw err;
  }
}

/** JSON text of a value, with unresolved references written as `${...}` strings (as jsonencode would leave them unknown). */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof Ref ? `\${${x.text}}` : x));
}

/** Whether the value holds an unresolved reference anywhere. */
export function isReference(v: unknown): boolean {
  return v instanceof Ref;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string, private readonly ctx: ExprContext, depth: number) {
    if (depth > MAX_DEPTH) throw new ExprError('the expression nests too deeply');
  }

  /** The top level of a Terraform JSON string: a template with no backslash escapes. */
  outerTemplate(): unknown {
    const s = this.s;
    // One interpolation spanning the whole string: the expression's own value (not converted to a string).
    if (s.startsWith('${')) {
      this.i = 2;
      const { value, end } = this.interpolationAt();
      if (end === s.length) return value;
      this.i = 0;
    }
    return this.templateUntil(null, false);
  }

  /** Parses `expr }` after a `${`; returns the value and the index after the closing brace. */
  private interpolationAt(): { value: unknown; end: number } {
    if (this.s[this.i] === '~') this.i++;
    const value = this.expression();
    this.ws();
    if (this.s[this.i] === '~') this.i++;
    if (this.s[this.i] !== '}') throw this.fail('an interpolation that does not end where expected');
    this.i++;
    return { value, end: this.i };
  }

  /** Reads template text up to `quote` (or the end), resolving `${...}`; `escapes` for HCL quoted strings. */
  private templateUntil(quote: string | null, escapes: boolean): string {
    const s = this.s;
    let out = '';
    for (;;) {
      // Copy the run of plain characters up to the next one that means something, in one slice.
      let j = this.i;
      while (j < s.length && s[j] !== '$' && s[j] !== '%' && s[j] !== quote && !(escapes && (s[j] === '\\' || s[j] === '\n'))) j++;
      if (j > this.i) { out += s.slice(this.i, j); this.i = j; }
      if (this.i >= s.length) {
        if (quote !== null) throw this.fail('an unterminated string');
        return out;
      }
      const c = s[this.i];
      if (quote !== null && c === quote) { this.i++; return out; }
      if (c === '$' && s[this.i + 1] === '$' && s[this.i + 2] === '{') { out += '${'; this.i += 3; continue; }
      if (c === '%' && s[this.i + 1] === '%' && s[this.i + 2] === '{') { out += '%{'; this.i += 3; continue; }
      if (c === '%' && s[this.i + 1] === '{') throw this.fail('a template directive (%{...})');
      if (c === '$' && s[this.i + 1] === '{') {
        this.i += 2;
        const { value } = this.interpolationAt();
        if (value instanceof Ref) out += `\${${value.text}}`;
        else if (typeof value === 'string') out += value;
        else if (typeof value === 'number' || typeof value === 'boolean') out += String(value);
        else throw this.fail('an interpolation of a collection into a string');
        continue;
      }
      if (escapes && c === '\\') {
        const n = s[this.i + 1];
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (n in simple) { out += simple[n]; this.i += 2; continue; }
        if (n === 'u' || n === 'U') {
          const len = n === 'u' ? 4 : 8;
          const hex = s.slice(this.i + 2, this.i + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw this.fail('a bad \\u escape');
          out += String.fromCodePoint(parseInt(hex, 16));
          this.i += 2 + len;
          continue;
        }
        throw this.fail(`an unknown escape \\${n ?? ''}`);
      }
      if (escapes && c === '\n') throw this.fail('a newline in a quoted string');
      out += c;
      this.i++;
    }
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { this.i++; continue; }
      if (c === '#' || (c === '/' && s[this.i + 1] === '/')) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === '/' && s[this.i + 1] === '*') {
        const end = s.indexOf('*/', this.i + 2);
        if (end < 0) throw this.fail('an unterminated comment');
        this.i = end + 2;
        continue;
      }
      return;
    }
  }

  private fail(what: string): ExprError {
    return new ExprError(`it contains ${what}, which the checker does not evaluate (at character ${this.i + 1} of "${this.excerpt()}")`);
  }

  private excerpt(): string {
    return this.s.length > 60 ? `${this.s.slice(0, 57)}...` : this.s;
  }

  private ident(): string | undefined {
    IDENT.lastIndex = this.i;
    const m = IDENT.exec(this.s);
    if (!m) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  /** An expression: one operand, with no operator or conditional after it (those are not evaluated). */
  private expression(): unknown {
    const v = this.operand();
    this.ws();
    const c = this.s[this.i];
    if (c !== undefined && '?+-*/%<>=!&|'.includes(c) && !(c === '=' && this.s[this.i + 1] !== '=')) {
      throw this.fail(c === '?' ? 'a conditional expression' : `an operator ("${c}")`);
    }
    return v;
  }

  private nesting = 0;

  private operand(): unknown {
    if (++this.nesting > MAX_NESTING) throw this.fail(`more than ${MAX_NESTING} nested levels`);
    try {
      return this.operandInner();
    } finally {
      this.nesting--;
    }
  }

  private operandInner(): unknown {
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === undefined) throw this.fail('an expression that ends early');
    if (c === '{') return this.object();
    if (c === '[') return this.tuple();
    if (c === '"') { this.i++; return this.templateUntil('"', true); }
    if (c === '<' && s[this.i + 1] === '<') throw this.fail('a heredoc');
    if (c === '(') { this.i++; const v = this.expression(); this.ws(); this.expect(')'); return v; }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(s[this.i + 1] ?? ''))) return this.number();
    if (c === '-' || c === '!') throw this.fail(`an operator ("${c}")`);
    const start = this.i;
    const name = this.ident();
    if (name === undefined) throw this.fail(`an unexpected "${c}"`);
    if (name === 'true' || name === 'false' || name === 'null') return name === 'null' ? null : name === 'true';
    this.ws();
    if (s[this.i] === '(') return this.call(name);
    this.i = start + name.length;
    return this.traversal(name);
  }

  private expect(ch: string): void {
    this.ws();
    if (this.s[this.i] !== ch) throw this.fail(`"${this.s[this.i] ?? 'the end'}" where "${ch}" was expected`);
    this.i++;
  }

  private number(): number {
    const m = /-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s)!;
    this.i += r[0].length;
    return Number(r[0]);
  }

  private object(): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') { this.i++; return out; }
      let key: string;
      if (this.s[this.i] === '"') {
        this.i++;
        key = this.templateUntil('"', true);
      } else {
        const k = this.ident();
        if (k === undefined) throw this.fail(this.s[this.i] === '(' ? 'a computed object key' : `an unexpected "${this.s[this.i]}" in an object`);
        key = k;
      }
      this.ws();
      const sep = this.s[this.i];
      if (sep !== '=' && sep !== ':') throw this.fail(`"${sep ?? 'the end'}" after the object key "${key}"`);
      this.i++;
      const value = this.expression();
      if (Object.prototype.hasOwnProperty.call(out, key)) throw this.fail(`the object key "${key}" twice`);
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.ws();
      if (this.s[this.i] === ',') this.i++;
    }
  }

  private tuple(): unknown[] {
    this.i++; // [
    this.ws();
    if (/^for\s/.test(this.s.slice(this.i, this.i + 4))) throw this.fail('a for expression');
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']') { this.i++; return out; }
      out.push(this.expression());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== ']') throw this.fail(`"${this.s[this.i] ?? 'the end'}" in a tuple`);
    }
  }

  private call(name: string): unknown {
    this.i++; // (
    if (name !== 'jsonencode') throw this.fail(`a call of ${name}()`);
    const arg = this.expression();
    this.ws();
    if (this.s[this.i] === '.' && this.s.slice(this.i, this.i + 3) === '...') throw this.fail('an argument expansion (...)');
    this.expect(')');
    return toJson(arg);
  }

  /** `a.b.c`, `a.b[0]`, `a["k"]`: resolved by the caller when it can, otherwise kept as a reference. */
  private traversal(root: string): unknown {
    let text = root;
    for (;;) {
      const c = this.s[this.i];
      if (c === '.') {
        this.i++;
        if (this.s[this.i] === '*') throw this.fail('a splat expression');
        const part = this.ident() ?? (/[0-9]/.test(this.s[this.i] ?? '') ? String(this.number()) : undefined);
        if (part === undefined) throw this.fail('a "." with no attribute name');
        text += `.${part}`;
      } else if (c === '[') {
        this.i++;
        this.ws();
        if (this.s[this.i] === '*') throw this.fail('a splat expression');
        const idx = this.expression();
        this.ws();
        this.expect(']');
        if (typeof idx !== 'number' && typeof idx !== 'string') throw this.fail('an index that is not a literal');
        text += typeof idx === 'number' ? `[${idx}]` : `[${JSON.stringify(idx)}]`;
      } else {
        break;
      }
    }
    if (!text.includes('.')) throw this.fail(`the bare name "${text}"`);
    const r = this.ctx.resolve?.(text);
    if (r === undefined) return new Ref(text);
    if ('error' in r) throw new ExprError(r.error);
    return r.value;
  }
}
