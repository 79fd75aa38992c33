import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

describe('README', () => {
  it('gives the two fresh-machine commands, and CI runs the same test command', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('```sh\nnpm test\n```');
    expect(ci).toMatch(/^npm test$/m);
    expect(scripts.synth).toBeTruthy();
    expect(scripts.test).toBeTruthy();
  });
});
