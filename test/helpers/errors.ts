import { expect } from 'vitest';
import { ValidationError } from '../../src/errors';

/** Runs `fn`, asserts it throws a ValidationError (nothing else), and returns the error. */
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
