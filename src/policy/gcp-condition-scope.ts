/**
 * Whether a GCP IAM Condition confines a binding to named resources, judged on the structure of its CEL
 * (parsed with @bufbuild/cel, never evaluated). A condition confines when every way it can be true names
 * resources below the project: `resource.name` compared with, or starting with, a name that goes past
 * the project (and past a zone or region) to a resource or a name prefix;
 * `resource.name.extract("...{name}")` compared with, or starting with, a non-empty literal;
 * `resource.matchTag(...)`. `true`, a time window, `resource.type`, `resource.service` or a name that
 * stops at the project confine nothing. Negations are not trusted (they allow everything else).
 */
import type * as Cel from '@bufbuild/cel';

type Expr = ReturnType<typeof Cel.parse>['expr'];

let celParse: typeof Cel.parse | undefined;

/**
 * @bufbuild/cel (with its protobuf runtime, about 130 modules) is loaded on the first GCP condition
 * judged, not by every user of the root entry: a Kubernetes-only app never loads it.
 */
function parse(expression: string): ReturnType<typeof Cel.parse> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  celParse ??= (require('@bufbuild/cel') as typeof Cel).parse;
  return celParse(expression);
}

export interface ConditionVerdict {
  readonly confines: boolean;
  /** Why not, when it does not. */
  readonly why?: string;
}

const LOCATION_COLLECTIONS = new Set(['zones', 'regions', 'locations']);

/** Whether a resource name (or a prefix of one) goes past the project and its location to a resource or a name prefix. */
export function namesBelowProject(name: string): boolean {
  let rest = name.replace(/^\/\/[a-z0-9.-]+\.googleapis\.com\//, '');
  const m = /^(projects|folders|organizations)\/[^/]*\/?/.exec(rest);
  if (m) rest = rest.slice(m[0].length);
  const segs = rest.split('/');
  for (let i = 0; i < segs.length;) {
    if (segs[i] === 'global') { i += 1; continue; }
    if (i + 1 < segs.length && !LOCATION_COLLECTIONS.has(segs[i]) && segs[i] !== '' && segs[i + 1] !== '') return true;
    i += 2;
  }
  return false;
}

function str(e: Expr | undefined): string | undefined {
  if (e?.exprKind.case === 'constExpr' && e.exprKind.value.constantKind.case === 'stringValue') return e.exprKind.value.constantKind.value;
  return undefined;
}

function isResourceName(e: Expr | undefined): boolean {
  return e?.exprKind.case === 'selectExpr' && e.exprKind.value.field === 'name'
    && e.exprKind.value.operand?.exprKind.case === 'identExpr' && e.exprKind.value.operand.exprKind.value.name === 'resource';
}

function isExtractOfName(e: Expr | undefined): boolean {
  return e?.exprKind.case === 'callExpr' && e.exprKind.value.function === 'extract' && isResourceName(e.exprKind.value.target);
}

function isResource(e: Expr | undefined): boolean {
  return e?.exprKind.case === 'identExpr' && e.exprKind.value.name === 'resource';
}

function confinesExpr(e: Expr): boolean {
  const k = e.exprKind;
  if (k.case === 'constExpr') return k.value.constantKind.case === 'boolValue' && k.value.constantKind.value === false; // false grants nothing
  if (k.case !== 'callExpr') return false;
  const { function: fn, args, target } = k.value;
  switch (fn) {
    case '_||_': return args.every(confinesExpr);
    case '_&&_': return args.some(confinesExpr);
    case '_==_': {
      const [a, b] = args;
      const lit = str(a) ?? str(b);
      const other = str(a) !== undefined ? b : a;
      if (lit === undefined) return false;
      if (isResourceName(other)) return namesBelowProject(lit);
      if (isExtractOfName(other)) return lit !== '';
      return false;
    }
    case '@in': {
      const [a, list] = args;
      if (list?.exprKind.case !== 'listExpr') return false;
      const items = list.exprKind.value.elements.map(str);
      if (items.length === 0 || items.some((x) => x === undefined)) return false;
      if (isResourceName(a)) return items.every((x) => namesBelowProject(x!));
      if (isExtractOfName(a)) return items.every((x) => x !== '');
      return false;
    }
    case 'startsWith': {
      const lit = str(args[0]);
      if (lit === undefined) return false;
      if (isResourceName(target)) return namesBelowProject(lit);
      if (isExtractOfName(target)) return lit !== '';
      return false;
    }
    case 'matchTag': case 'matchTagId': return isResource(target);
    default: return false;
  }
}

const verdicts = new Map<string, ConditionVerdict>();

/** The verdict on a condition's CEL expression (the same expression is parsed once). */
export function judgeGcpCondition(expression: string): ConditionVerdict {
  let v = verdicts.get(expression);
  if (!v) {
    v = judge(expression);
    if (verdicts.size < 10_000) verdicts.set(expression, v);
  }
  return v;
}

function judge(expression: string): ConditionVerdict {
  let expr: Expr;
  try {
    expr = parse(expression).expr;
  } catch (err) {
    return { confines: false, why: `it does not parse as CEL (${(err as Error).message.split('\n')[0]})` };
  }
  return confinesExpr(expr) ? { confines: true } : { confines: false, why: 'it does not name resources below the project in every case it allows' };
}
