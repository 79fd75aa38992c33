import * as path from 'path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: path.resolve(__dirname, '..') });

async function ruleIds(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(__dirname, '..', file) });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint rules that guard the design', () => {
  it('fails an import of a cloud provider root index, and passes a submodule import', async () => {
    expect(await ruleIds("import { IamRole } from '@cdktf/provider-aws';\nexport { IamRole };\n", 'src/constructs/aws/x.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { provider } from '@cdktf/provider-google';\nexport { provider };\n", 'src/x.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { IamRole } from '@cdktf/provider-aws/lib/iam-role';\nexport { IamRole };\n", 'src/constructs/aws/x.ts')).toEqual([]);
  });

  it('keeps framework imports out of policy/', async () => {
    for (const mod of ['cdk8s', 'cdk8s-plus-28', 'constructs', 'cdktf', '@cdktf/provider-aws/lib/iam-role']) {
      expect(await ruleIds(`import * as m from '${mod}';\nexport { m };\n`, 'src/policy/x.ts'), mod).toContain('no-restricted-imports');
    }
    expect(await ruleIds("import * as m from 'yaml';\nexport { m };\n", 'src/policy/x.ts')).toEqual([]);
  });
});
