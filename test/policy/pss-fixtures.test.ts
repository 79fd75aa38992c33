import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { check } from '../../src/policy';
import { pssRuleId } from '../../src/policy/rule-ids';
import { describeWithShared, sharedFolder } from '../helpers/shared';

interface Fixture { file: string; evaluatedAtLevel: 'baseline' | 'restricted'; expected: 'allowed' | 'denied'; check: string | null }

const FOLDER = sharedFolder('fixtures/pod-security-admission', 'Kubernetes Pod Security Admission fixtures', 'expected.json');

describeWithShared('Pod Security Admission fixtures (kubernetes/pod-security-admission v1.37)', FOLDER, (ROOT) => {
  const FIXTURES = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as Fixture[];

  it('records every fixture file on disk once, with the verdict its folder encodes', () => {
    // <level>/v1.37/<pass|fail>/<file>.yaml: the folder is the level evaluated and the verdict.
    const onDisk = ['baseline', 'restricted'].flatMap((level) => ['pass', 'fail'].flatMap((verdict) => {
      const dir = join(level, 'v1.37', verdict);
      return readdirSync(join(ROOT, 'test/testdata', dir)).filter((f) => f.endsWith('.yaml')).map((f) => join('test/testdata', dir, f));
    })).sort();
    expect(FIXTURES.map((fx) => fx.file).sort()).toEqual(onDisk);
    for (const fx of FIXTURES) {
      const [, , level, , verdict] = fx.file.split('/');
      expect({ level: fx.evaluatedAtLevel, expected: fx.expected }, fx.file).toEqual({ level, expected: verdict === 'pass' ? 'allowed' : 'denied' });
    }
  });

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
    });
  }
});
