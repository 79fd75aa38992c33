/**
 * The one error a caller of this library sees for bad input.
 *
 * The message always has the same shape, so that a reviewer can act on it without reading code:
 * `<Construct> "<path>": <prop> <bad value> <what is wrong>; <fix>`.
 */
export class ValidationError extends Error {
  /** Stable machine-readable code, e.g. `invalid-cidr`. */
  public readonly code: string;
  /** The construct path (`obs/mediator`), or the input's location for non-construct callers. */
  public readonly path: string;
  /** The prop that holds the bad value, e.g. `egress.cidrs[0]`. */
  public readonly prop: string;
  /** The bad value as given. */
  public readonly value: unknown;
  /** What to do instead. */
  public readonly fix: string;
  /** What rejected the value, e.g. `SensorChart`. */
  public readonly owner: string;
  /** What is wrong with the value. */
  public readonly problem: string;

  constructor(opts: {
    code: string;
    /** Human name of what rejected the value, e.g. `Mediator` or `AgentWorkload`. */
    owner: string;
    path: string;
    prop: string;
    value: unknown;
    problem: string;
    fix: string;
  }) {
    // A value that may be a secret (URL credentials, a PEM block, a long token) is never echoed: not as
    // the value, and not inside the problem or the fix, which may quote it in part.
    const secrets = secretParts(opts.value);
    const value = secrets.length > 0 ? '(a value that may be a secret, not shown)' : opts.value;
    const problem = scrub(opts.problem, secrets);
    const fix = scrub(opts.fix, secrets);
    const path = scrub(opts.path, secrets);
    const prop = scrub(opts.prop, secrets);
    super(`${opts.owner} "${path}": ${prop} ${show(value)} ${problem}; ${fix}`);
    this.name = 'ValidationError';
    this.code = opts.code;
    this.path = path;
    this.prop = prop;
    this.value = value;
    this.fix = fix;
    this.owner = opts.owner;
    this.problem = problem;
  }
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}

// user:password@ in anything URL-like; PEM blocks and unarmoured bodies; long tokens that mix letters
// and digits (API keys, base64). Lowercase hex (an image digest) is not a secret and stays visible.
const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;
const TOKEN = /[A-Za-z0-9+/=_-]{24,}/g;

/**
 * The `user:password@` pairs in a text (not `...@sha256:`, an image digest): in each run of characters
 * other than white space, `/`, `?`, `#` and `@` that ends at an `@`, the part after its last `:` is the
 * password and the part before it the user. One pass: the regular expression this replaces backtracked
 * quadratically on a long run without `@` (seconds for 70,000 characters).
 */
function urlCredentials(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let start = 0;
  let colon = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text[i] : '';
    if (c === '' || c === '/' || c === '?' || c === '#' || c === '@' || /\s/.test(c)) {
      if (c === '@' && colon >= 0 && !text.startsWith('sha256:', i + 1)) out.push([text.slice(start, colon), text.slice(colon + 1, i)]);
      start = i + 1;
      colon = -1;
    } else if (c === ':') {
      colon = i;
    }
  }
  return out;
}

function looksLikeToken(run: string): boolean {
  return /[0-9]/.test(run) && /[a-z]/.test(run) && /[A-Z]/.test(run);
}

/** The parts of a value (strings, nested in lists and objects) that may be secrets. */
function secretParts(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') {
    const parts: string[] = [];
    for (const [user, password] of urlCredentials(value)) {
      if (password !== '') parts.push(password);
      if (user.length >= 3) parts.push(user);
    }
    for (const m of value.matchAll(PEM)) parts.push(m[0]);
    for (const m of value.matchAll(TOKEN)) if (looksLikeToken(m[0])) parts.push(m[0]);
    return parts;
  }
  if (depth > 4 || value === null || typeof value !== 'object') return [];
  try {
    return Object.values(value as object).flatMap((v) => secretParts(v, depth + 1));
  } catch {
    return [];
  }
}

/**
 * Removes each secret, and each run of four or more letters and digits in it, whatever the case; a text
 * that still quotes a piece of a secret (a fix that shows the value lowercased and cut short) is
 * replaced as a whole.
 */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const runs = [secret, ...(secret.match(/[A-Za-z0-9]{4,}/g) ?? [])].sort((a, b) => b.length - a.length);
    for (const run of runs) out = out.split(new RegExp(run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi')).join('***');
  }
  const lower = out.toLowerCase();
  const quotes = secrets.some((secret) => (secret.match(/[A-Za-z0-9]{8,}/g) ?? []).some((run) => {
    const r = run.toLowerCase();
    for (let i = 0; i + 8 <= r.length; i++) if (lower.includes(r.slice(i, i + 8))) return true;
    return false;
  }));
  return quotes ? '(not shown: it would quote a value that may be a secret)' : out;
}
