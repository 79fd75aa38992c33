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
    super(`${opts.owner} "${opts.path}": ${opts.prop} ${show(opts.value)} ${opts.problem}; ${opts.fix}`);
    this.name = 'ValidationError';
    this.code = opts.code;
    this.path = opts.path;
    this.prop = opts.prop;
    this.value = opts.value;
    this.fix = opts.fix;
    this.owner = opts.owner;
    this.problem = opts.problem;
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
