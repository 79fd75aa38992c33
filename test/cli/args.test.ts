import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args';

describe('parseArgs', () => {
  it('reads --flag value and --flag=value, and keeps positional arguments in order', () => {
    const seen: string[] = [];
    const parsed = parseArgs(['a', '--x', '1', '-', '--x=2=3', 'b'], { values: { '--x': (v) => seen.push(v) } });
    expect(seen).toEqual(['1', '2=3']);
    expect(parsed).toEqual({ positional: ['a', '-', 'b'], stopped: false });
  });

  it('hands positional arguments to the table when it asks for them, interleaved with flags', () => {
    const order: string[] = [];
    parseArgs(['--g', 'r:p', 'dir'], { values: { '--g': (v) => order.push(`g:${v}`) }, positional: (a) => order.push(`p:${a}`) });
    expect(order).toEqual(['g:r:p', 'p:dir']);
  });

  it('throws UsageError for a missing value, an unknown option and a switch given a value', () => {
    const table = { values: { '--x': () => undefined }, switches: { '--s': () => undefined } };
    expect(() => parseArgs(['--x'], table)).toThrow(new UsageError('--x needs a value'));
    expect(() => parseArgs(['--y'], table)).toThrow(new UsageError('unknown option --y'));
    expect(() => parseArgs(['--s=1'], table)).toThrow(new UsageError('unknown option --s'));
    expect(() => parseArgs(['-q'], table)).toThrow(UsageError);
  });

  it('stops at a switch that says so, leaving the rest unread', () => {
    let later = false;
    const parsed = parseArgs(['p', '--help', '--unknown', '--x', 'v'], { values: { '--x': () => { later = true; } }, switches: { '--help': () => 'stop' } });
    expect(parsed).toEqual({ positional: ['p'], stopped: true });
    expect(later).toBe(false);
  });

  it('does not treat inherited object keys as flags', () => {
    expect(() => parseArgs(['--constructor'], { values: {} })).toThrow(new UsageError('unknown option --constructor'));
  });
});
