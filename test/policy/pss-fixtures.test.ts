import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { check } from '../../src/policy';
import { pssRuleId } from '../../src/policy/rule-ids';

const ROOT = join(__dirname, '../../../shared/fixtures/pod-security-admission');
const FIXTURES = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as Array<{
  file: string; evaluatedAtLevel: 'baseline' | 'restricted'; expected: 'allowed' | 'denied'; check: string | null;
}>;

describe('Pod Security Admission fixtures (kubernetes/pod-security-admission v1.37)', () => {
  it('has every recorded file', () => {
    expect(FIXTURES).toHaveLength(148);
  });

  let agreeing = 0;
  for (const fx of FIXTURES) {
    it(`${fx.file}: ${fx.expected} at ${fx.evaluatedAtLevel}`, () => {
      const pod = parse(readFileSync(join(ROOT, fx.file), 'utf8'));
      const pss = check([pod], { pss: fx.evaluatedAtLevel, rules: ['pss-'] }).findings.filter((f) => !f.exempted);
      if (fx.expected === 'allowed') {
        expect(pss.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
      } else {
        expect(fx.check, 'a fail file names its check').toBeTruthy();
        expect(pss.map((f) => f.rule)).toContain(pssRuleId(fx.check!));
      }
      agreeing++;
    });
  }

  it('prints the agreement figure', () => {
    console.log(`PSA fixtures: ${agreeing}/${FIXTURES.length} files get their recorded verdict`);
    expect(agreeing).toBe(FIXTURES.length);
  });
});
