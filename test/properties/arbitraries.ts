// Shared generators for the property tests of issue 18: arbitrary JSON-like props (null, wrong types,
// duplicates, very long strings, secret-like values) grafted onto a valid props object, and the one
// outcome every construct and stack must have: success with output the API server accepts, or a
// ValidationError that echoes no secret.
import fc from 'fast-check';
import { expect } from 'vitest';
import { ValidationError } from '../../src/errors';
import { assertApiServerAccepts } from '../helpers/api-server';
import type { K8sObject } from '../helpers/synth';

/** A value that may be a secret, and the part of it that must never appear in a message. */
export interface SecretLike {
  readonly value: string;
  readonly secret: string;
}

const alnum = (n: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${n}}$`));
/** Mixed case and a digit, so that it reads as a secret and not as a word. */
const secretWord = alnum(10).map((s) => `Zq7${s}`);

/** Passwords in URLs (with and without scheme, one slash, bad ports), PEM and unarmoured keys, tokens. */
export const secretLike: fc.Arbitrary<SecretLike> = fc.oneof(
  fc.tuple(fc.constantFrom('', 'http://', 'https://', 'http:/', '//', 'ftp://', 'HTTP://'), fc.constantFrom('user', 'u', 'svc-account'), secretWord,
    fc.constantFrom('proxy.corp.example', '10.0.0.1', 'h'), fc.constantFrom('', ':3128', ':99999', ':x', '/path?q=1'))
    .map(([scheme, user, pw, host, tail]) => ({ value: `${scheme}${user}:${pw}@${host}${tail}`, secret: pw })),
  alnum(60).map((body) => `MIIE${body}Zq7`).chain((body) => fc.constantFrom(
    { value: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`, secret: body.slice(0, 16) },
    { value: `-----BEGIN EC PRIVATE KEY-----\n${body}\n-----END EC PRIVATE KEY-----`, secret: body.slice(0, 16) },
    { value: body, secret: body.slice(0, 16) },
    { value: `${body}\n${body}`, secret: body.slice(0, 16) },
  )),
  alnum(32).map((s) => ({ value: `ghp_Zq7${s}`, secret: `Zq7${s}`.slice(0, 16) })),
);

const longString = fc.constantFrom(5000, 70000).chain((n) => fc.constantFrom('a', '-', 'A', '/').map((c) => c.repeat(n)));
const nameLike = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -1, 1, 65536, 2 ** 31, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '', ' ', '.', '..', '/', '/tmp', '*', 'ALL', 'SYS_ADMIN', 'latest', '0 3 * * *', 'http://x', '10.0.0.0/8'),
  fc.string({ maxLength: 12 }),
  nameLike,
  longString,
  fc.integer({ min: -70000, max: 70000 }),
);

/** Any JSON-like value, lists possibly holding each element twice. */
export const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }).chain((a) => fc.constantFrom(a, [...a, ...a])),
    fc.dictionary(fc.oneof(nameLike, fc.constantFrom('name', 'port', 'reason', 'image', 'url', 'cidrs', 'hostPath', 'mountPath', 'key')), tie('tree'), { maxKeys: 3 }),
  ),
})).tree;

/** Every path (as keys) of `value`'s objects and lists, to `depth` levels. */
function paths(value: unknown, depth: number, prefix: string[] = []): string[][] {
  if (depth === 0 || value === null || typeof value !== 'object') return [];
  if (Object.getPrototypeOf(value) !== Object.prototype && !Array.isArray(value)) return []; // class instances stay whole
  return Object.keys(value).flatMap((k) => [[...prefix, k], ...paths((value as any)[k], depth - 1, [...prefix, k])]);
}

function cloneShallowPath(value: any, path: string[]): any {
  const root = Array.isArray(value) ? [...value] : { ...value };
  let cur = root;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    cur[k] = Array.isArray(next) ? [...next] : next !== null && typeof next === 'object' ? { ...next } : {};
    cur = cur[k];
  }
  return { root, parent: cur, key: path[path.length - 1] };
}

/** One change to props: a value replaced (by anything, a secret, or a list twice over), removed, or a new key. */
type Edit = { path: string[]; op: 'set'; value: unknown } | { path: string[]; op: 'delete' } | { path: string[]; op: 'double' };

/**
 * Props built from a valid `base` with one to three edits anywhere in its first `depth` levels. The
 * secrets put in are returned, so a test can check that no message echoes them.
 */
export function mutatedProps<T extends object>(base: T, depth = 3): fc.Arbitrary<{ props: T; secrets: string[]; edits: string[] }> {
  const all = paths(base, depth);
  const edit: fc.Arbitrary<Edit | { secret: SecretLike; path: string[] }> = fc.oneof(
    fc.record({ path: fc.constantFrom(...all), op: fc.constant('set' as const), value: jsonish }),
    fc.record({ path: fc.constantFrom(...all), op: fc.constant('delete' as const) }),
    fc.record({ path: fc.constantFrom(...all), op: fc.constant('double' as const) }),
    fc.record({ path: fc.constantFrom(...all), secret: secretLike }),
    fc.record({ path: fc.tuple(fc.constantFrom(...all), nameLike).map(([p, k]) => [...p.slice(0, -1), k]), op: fc.constant('set' as const), value: jsonish }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let props: any = base;
    const secrets: string[] = [];
    const described: string[] = [];
    for (const e of edits) {
      described.push(`${e.path.join('.')} ${'secret' in e ? 'secret' : e.op === 'set' ? `= ${String(JSON.stringify(e.value)).slice(0, 80)}` : e.op}`);
      const { root, parent, key } = cloneShallowPath(props, e.path);
      if ('secret' in e) {
        parent[key] = e.secret.value;
        secrets.push(e.secret.secret);
      } else if (e.op === 'delete') {
        // JSON has no holes: an element is removed from a list, a key from an object.
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
      } else if (e.op === 'double') {
        if (Array.isArray(parent[key])) parent[key] = [...parent[key], ...parent[key]];
        else parent[key] = [parent[key], parent[key]];
      } else {
        parent[key] = e.value;
      }
      props = root;
    }
    return { props, secrets, edits: described };
  });
}

/**
 * Runs `build`: either it returns the objects it synthesised, which must pass the schema check and the
 * API server's uniqueness rules, or it throws a ValidationError whose message holds none of `secrets`.
 */
export function expectValidOrValidationError(build: () => K8sObject[] | void, secrets: readonly string[]): void {
  let objects: K8sObject[] | void;
  try {
    objects = build();
  } catch (err) {
    if (!(err instanceof ValidationError)) {
      throw new Error(`expected a ValidationError, got ${(err as Error)?.name}: ${(err as Error)?.message?.slice(0, 400)}`);
    }
    const text = `${err.message}\n${JSON.stringify(err.value ?? null)}`.toLowerCase();
    for (const secret of secrets) expect(text, 'a ValidationError never echoes a secret').not.toContain(secret.toLowerCase());
    return;
  }
  if (objects) assertApiServerAccepts(JSON.parse(JSON.stringify(objects)));
}

/**
 * Property runs per test: 20 by default, so that the whole suite stays within a minute on two cores
 * (each run synthesises and schema-checks a chart); `PROPERTY_RUNS=500 npx vitest run test/properties`
 * searches deeper, with the same assertions.
 */
export const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 20) };
