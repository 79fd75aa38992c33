import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { expectValidationError, failsWithValidationError } from './errors';

const bad = () => {
  throw new ValidationError({ code: 'invalid-x', owner: 'Thing', path: 'app/thing', prop: 'x', value: 'v', problem: 'is wrong', fix: 'use y' });
};

describe('the ValidationError helpers', () => {
  it('return the error when every given field matches', () => {
    const e = expectValidationError(bad, { code: 'invalid-x', path: 'app/thing', prop: 'x', value: 'v', message: 'is wrong', fix: 'use y', notEchoed: ['secret'] });
    expect(e.message).toBe('Thing "app/thing": x "v" is wrong; use y');
  });

  it('fail on another exception, on no exception, and on a field that differs', () => {
    expect(() => expectValidationError(() => { throw new TypeError('boom'); })).toThrow(/expected a ValidationError, got TypeError: boom/);
    expect(() => expectValidationError(() => undefined)).toThrow(/nothing was thrown/);
    expect(() => expectValidationError(bad, { prop: 'y' })).toThrow();
    expect(() => expectValidationError(bad, { notEchoed: ['"v"'] })).toThrow();
  });

  it('failsWithValidationError is true only for a ValidationError', () => {
    expect(failsWithValidationError(bad)).toBe(true);
    expect(failsWithValidationError(() => { throw new Error('x'); })).toBe(false);
    expect(failsWithValidationError(() => 1)).toBe(false);
  });
});
