/**
 * The checker reads YAML as kubectl stores it. The reference is kubectl itself: test/cli/fixtures/
 * yaml-spellings.kubectl.json is what `kubectl create --dry-run=client -o json` printed for
 * yaml-spellings.yaml (recorded with kubectl 1.32.4); when kubectl is installed, the same comparison
 * also runs live against it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocuments } from '../../src/policy';
import { resolvePlainScalar } from '../../src/policy/yaml-decode';

const FIXTURES = join(__dirname, 'fixtures');
const SOURCE = readFileSync(join(FIXTURES, 'yaml-spellings.yaml'), 'utf8');
const RECORDED = JSON.parse(readFileSync(join(FIXTURES, 'yaml-spellings.kubectl.json'), 'utf8')).stored;

function decodedSpec(text: string): any {
  const parsed = parseDocuments(text, 'spellings.yaml');
  expect(parsed.problems).toEqual([]);
  return (parsed.inputs[0].object as any).spec;
}

/** The scalar spellings listed in the fixture (one `    - <spelling>` line each under args). */
const SPELLINGS = SOURCE.split('\n').filter((l) => /^ {4}- /.test(l) && !l.includes('{')).map((l) => l.slice(6));

describe('YAML decoding, spelling by spelling, against what kubectl stores', () => {
  it('covers YAML 1.1 booleans in every case form, numbers in every base, sexagesimal, timestamps, nulls', () => {
    for (const s of ['yes', 'Yes', 'YES', 'on', 'ON', 'y', 'N', 'off', '0x1F', '0o17', '0b101', '017', '1:30', '1e3', '2001-12-14', '~']) {
      expect(SPELLINGS, s).toContain(s);
    }
  });

  it.each(SPELLINGS.map((s, i) => [s, i] as const))('%s', (_spelling, i) => {
    const mine = decodedSpec(SOURCE).containers[0].args[i];
    const kubectl = RECORDED.spec.containers[0].args[i];
    if (typeof kubectl === 'number') expect(mine).toBeCloseTo(kubectl, 0);
    else expect(mine).toEqual(kubectl);
  });

  it('non-string keys become the strings kubectl writes, and the last duplicate wins', () => {
    expect(decodedSpec(SOURCE).containers[0].env[0]).toEqual(RECORDED.spec.containers[0].env[0]);
  });

  it('<< merge keys are applied in order, as go-yaml v2 does (a later merge overrides an earlier explicit key)', () => {
    const env = decodedSpec(SOURCE).containers[0].env;
    expect(env.slice(1)).toEqual(RECORDED.spec.containers[0].env.slice(1));
    expect(env[3]).toEqual({ name: 'A', value: '1' }); // {name: explicit, <<: *base}
    expect(env[4]).toEqual({ name: 'explicit', value: '1' }); // {<<: *base, name: explicit}
  });

  it('quoted and block scalars are strings; .nan/.inf make the document unreadable (no JSON form)', () => {
    expect(resolvePlainScalar('yes')).toBe(true);
    const quoted = decodedSpec('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  a: "yes"\n  b: \'on\'\n  c: |\n    true\n');
    expect(quoted).toEqual({ a: 'yes', b: 'on', c: 'true\n' });
    const nan = parseDocuments('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {x: .nan}\n', 'f');
    expect(nan.inputs).toEqual([]);
    expect(nan.problems[0].message).toMatch(/document 0 cannot be read as Kubernetes reads it: .*\.nan/);
  });

  it('an alias bomb is refused as that document, and the next one is read', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    const parsed = parseDocuments(`${bomb}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: after}\n`, 'f');
    expect(parsed.problems.map((p) => p.document)).toEqual([0]);
    expect(parsed.problems[0].message).toMatch(/alias/);
    expect(parsed.inputs.map((i) => (i.object as any).metadata.name)).toEqual(['after']);
  });

  it('a key named __proto__ is an ordinary key, not a prototype', () => {
    const parsed = parseDocuments('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {__proto__: {polluted: "yes"}}\n', 'f');
    const data = (parsed.inputs[0].object as any).data;
    expect(Object.keys(data)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.polluted).toBeUndefined();
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) console.log('kubectl is not installed: the live comparison with kubectl is skipped (the recorded one runs)');

describe.skipIf(!kubectl)('YAML decoding against a live kubectl', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // kubectl needs discovery to map a kind to a resource, even for a client-side dry run: a stub serves it.
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      res.setHeader('Content-Type', 'application/json');
      const body: Record<string, unknown> = {
        '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
        '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
        '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'get'] }] },
      };
      if (body[path]) res.end(JSON.stringify(body[path]));
      else { res.statusCode = 404; res.end('{}'); }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((done) => server.close(done)));

  it('decodes the spellings fixture exactly as kubectl does', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('kubectl', ['--server', url, 'create', '--dry-run=client', '-o', 'json', '--validate=false', '-f', join(FIXTURES, 'yaml-spellings.yaml')]);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    await new Promise((done) => child.on('close', done));
    const live = JSON.parse(out);
    const mine = decodedSpec(SOURCE).containers[0];
    const theirs = live.spec.containers[0];
    expect(mine.env).toEqual(theirs.env);
    mine.args.forEach((v: unknown, i: number) => {
      if (typeof theirs.args[i] === 'number') expect(v, SPELLINGS[i]).toBeCloseTo(theirs.args[i], 0);
      else expect(v, SPELLINGS[i]).toEqual(theirs.args[i]);
    });
  });
});
