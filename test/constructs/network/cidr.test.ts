import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { canonicalCidr, checkCidr, cidrContains, PRIVATE_RANGES } from '../../../src/constructs/network';
import { PropValidator } from '../../../src/constructs/validation';
import { expectValidationError } from '../../helpers/errors';

describe('cidr helpers', () => {
  it('clears host bits and compresses IPv6 in the canonical form', () => {
    expect(canonicalCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(canonicalCidr('192.168.1.77/24')).toBe('192.168.1.0/24');
    expect(canonicalCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(canonicalCidr('2001:db8:0:0:1::/64')).toBe('2001:db8::/64');
    expect(canonicalCidr('fd12:3456::1/48')).toBe('fd12:3456::/48');
    expect(canonicalCidr('::ffff:10.1.2.3/128')).toBe('::ffff:a01:203/128');
  });

  it('knows which block lies inside which, per address family', () => {
    expect(cidrContains('0.0.0.0/0', '10.0.0.0/8', true)).toBe(true);
    expect(cidrContains('10.0.0.0/8', '10.0.0.0/8')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '10.0.0.0/8', true)).toBe(false);
    expect(cidrContains('128.0.0.0/1', '10.0.0.0/8')).toBe(false);
    expect(cidrContains('128.0.0.0/1', '172.16.0.0/12')).toBe(true);
    expect(cidrContains('172.16.0.0/12', '172.32.0.0/16')).toBe(false);
    expect(cidrContains('::/0', 'fc00::/7', true)).toBe(true);
    expect(cidrContains('::/0', '10.0.0.0/8')).toBe(false);
    expect(cidrContains('2000::/3', 'fc00::/7')).toBe(false);
  });

  it('lists the private and link-local ranges that "except private" removes', () => {
    expect(PRIVATE_RANGES).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', 'fc00::/7', 'fe80::/10']);
  });

  it('fails on an invalid CIDR or one with host bits set, with the fix', () => {
    const v = new PropValidator('Test', new Chart(new App(), 'c').node.path);
    expect(checkCidr(v, 'cidr', '10.0.0.0/16')).toBe('10.0.0.0/16');
    expect(checkCidr(v, 'cidr', 'fd00::/8')).toBe('fd00::/8');
    expectValidationError(() => checkCidr(v, 'cidr', '10.0.0.0/33'),
      { path: 'c', prop: 'cidr', value: '10.0.0.0/33', message: 'cidr "10.0.0.0/33" is not a valid IPv4 CIDR; use e.g. "10.0.0.0/16"' });
    expectValidationError(() => checkCidr(v, 'cidr', 'fd00::/129'), { prop: 'cidr', message: 'is not a valid IPv6 CIDR' });
    expectValidationError(() => checkCidr(v, 'cidr', '10.0.0.1/8'), { prop: 'cidr', message: /host bits set .*; write "10.0.0.0\/8"/ });
  });
});
