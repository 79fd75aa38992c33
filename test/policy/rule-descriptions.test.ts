import { describe, expect, it } from 'vitest';
import { allRules } from '../../src/policy/engine';

/** Two rules for the same check at two Pod Security levels may share a fix (pss-procmount and pss-procmount-restricted). */
const check = (id: string) => id.replace(/-(baseline|restricted)$/, '');

describe('every rule the checker knows is described', () => {
  const rules = allRules();

  it('has a unique ID, a severity, and a title, explanation and fix of some length', () => {
    expect(rules.length).toBeGreaterThan(40);
    expect(new Set(rules.map((r) => r.id)).size, 'IDs are unique').toBe(rules.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
      expect(['error', 'warning'], r.id).toContain(r.severity);
      for (const field of ['title', 'explanation', 'fix'] as const) expect(r[field].trim().length, `${r.id} ${field}`).toBeGreaterThanOrEqual(10);
    }
  });

  it('gives each rule its own title and explanation, and its own fix unless the rule is another level of the same check', () => {
    for (const field of ['title', 'explanation', 'fix'] as const) {
      const seen = new Map<string, string>();
      for (const r of rules) {
        const other = seen.get(r[field].trim());
        if (other !== undefined && !(field === 'fix' && check(other) === check(r.id))) {
          expect.fail(`${r.id} and ${other} have the same ${field}: "${r[field]}"`);
        }
        seen.set(r[field].trim(), r.id);
      }
    }
  });
});

describe('rule texts users read', () => {
  it('point at nothing that exists only in the development checkout (../shared)', () => {
    for (const r of allRules()) expect(`${r.title} ${r.explanation} ${r.fix}`, r.id).not.toContain('../shared');
  });
});
