import { expect } from 'vitest';
import { ValidationError } from '../../src/errors';

/** What an expected ValidationError must carry; each field given is compared, the others are not. */
export interface ExpectedValidationError {
  /** The stable code, e.g. `invalid-cidr`. */
  readonly code?: string;
  /** The construct path (or input location) named by the error. */
  readonly path?: string;
  /** The prop that holds the bad value, e.g. `egress.cidrs[0]`. */
  readonly prop?: string;
  /** The bad value as given. */
  readonly value?: unknown;
  /** Text or a pattern the message must contain. */
  readonly message?: string | RegExp;
  /** Text the fix must contain. */
  readonly fix?: string;
  /** Values (secrets) that must appear nowhere in the message. */
  readonly notEchoed?: readonly string[];
}

/**
 * The one way tests expect bad input to fail: runs `fn`, asserts it throws a ValidationError (nothing
 * else) with the documented message shape (`<Owner> "<path>": <prop> <value> <problem>; <fix>`, the fix
 * not empty) and every field given in `expected`, and returns the error for further assertions.
 */
export function expectValidationError(fn: () => unknown, expected: ExpectedValidationError = {}): ValidationError {
  let error: unknown;
  let threw = false;
  try {
    fn();
  } catch (err) {
    threw = true;
    error = err;
  }
  expect(threw, 'expected a ValidationError, but nothing was thrown').toBe(true);
  if (!(error instanceof ValidationError)) {
    throw new Error(`expected a ValidationError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  const e = error;
  expect(e.fix.trim(), 'a ValidationError says what to do instead').not.toBe('');
  expect(e.message, 'message shape: <Owner> "<path>": <prop> ...; <fix>').toContain(`"${e.path}": ${e.prop} `);
  expect(e.message.endsWith(`; ${e.fix}`), `the message ends with the fix: ${e.message}`).toBe(true);
  if (expected.code !== undefined) expect(e.code, 'code').toBe(expected.code);
  if (expected.path !== undefined) expect(e.path, 'path').toBe(expected.path);
  if (expected.prop !== undefined) expect(e.prop, 'prop').toBe(expected.prop);
  if ('value' in expected) expect(e.value, 'value').toEqual(expected.value);
  if (typeof expected.message === 'string') expect(e.message).toContain(expected.message);
  else if (expected.message) expect(e.message).toMatch(expected.message);
  if (expected.fix !== undefined) expect(e.fix, 'fix').toContain(expected.fix);
  for (const secret of expected.notEchoed ?? []) expect(e.message, 'a secret is echoed').not.toContain(secret);
  return e;
}

/**
 * Runs `fn`, asserts it throws a ValidationError (nothing else), and returns the error.
 * Kept for existing tests; new tests use `expectValidationError`, which also checks the message shape.
 */
export function catchValidationError(fn: () => unknown): ValidationError {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

/**
 * For property tests (fast-check): true when `fn` throws a ValidationError, false when it throws
 * anything else or nothing.
 */
export function failsWithValidationError(fn: () => unknown): boolean {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError;
  }
  return false;
}
