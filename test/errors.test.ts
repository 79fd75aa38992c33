import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors';

const error = (value: unknown) => new ValidationError({ code: 'x', owner: 'Owner', path: 'c/p', prop: 'prop', value, problem: 'is wrong', fix: 'use something else' });

describe('ValidationError never echoes URL credentials', () => {
  it.each([
    ['http://user:s3cretpass@proxy:3128', 's3cretpass'],
    ['user:s3cretpass@proxy', 's3cretpass'],
    ['a:b:s3cretpass@proxy', 's3cretpass'],
    ['http://:s3cretpass@proxy', 's3cretpass'],
    [['list', { nested: 'u:s3cretpass@h' }], 's3cretpass'],
  ])('%j hides the password', (value, secret) => {
    const e = error(value);
    expect(e.message).not.toContain(secret);
    expect(e.message).toContain('(a value that may be a secret, not shown)');
  });

  it('shows an image reference pinned by digest, and a plain host:port, as they are', () => {
    const image = 'registry.example/agent:1.2.3@sha256:' + 'a'.repeat(64);
    expect(error(image).message).toContain(image);
    expect(error('proxy.corp.example:3128').message).toContain('proxy.corp.example:3128');
  });

  it('reads a long value without an @ (the regular expression it replaced took seconds on 70,000 characters) and still shows its start', () => {
    const long = '-'.repeat(70_000);
    const e = error([[{ url: long }]]);
    expect(e.message).toContain('[[{"url":"----');
    expect(error(`${':'.repeat(5_000)}x@host`).message).toContain('(a value that may be a secret, not shown)');
  });
});
