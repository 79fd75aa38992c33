/**
 * Property: whatever documents sit between valid ones (random values, objects with prototype-named
 * keys, Kubernetes-shaped objects with wrong types everywhere, broken or deeply nested YAML), the run
 * never throws, every valid document is still checked and counted, and every other document is either
 * checked or reported by its index.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { check } from '../../src/policy';

const KEYS = ['toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty', 'apiVersion', 'kind', 'metadata', 'name', 'namespace',
  'labels', 'annotations', 'spec', 'template', 'containers', 'initContainers', 'securityContext', 'capabilities', 'add', 'drop',
  'privileged', 'hostNetwork', 'hostPID', 'volumes', 'hostPath', 'path', 'env', 'value', 'image', 'rules', 'verbs', 'resources',
  'apiGroups', 'subjects', 'roleRef', 'podSelector', 'matchLabels', 'matchExpressions', 'egress', 'to', 'ipBlock', 'cidr', 'items',
  'selector', 'policyTypes', 'resource', 'aws_iam_policy', 'policy', 'Statement'];
const KINDS = ['Pod', 'Deployment', 'DaemonSet', 'CronJob', 'Job', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding',
  'NetworkPolicy', 'ServiceAccount', 'Secret', 'ConfigMap', 'List', 'PodList', 'Service'];

/** Any JSON-like value whose object keys are the names rules read (and the prototype's). */
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1.5, '', 'x', 'yes', '*', '0.0.0.0/0', 'ALL', 'SYS_ADMIN', '/', 'cluster-admin', 'system:authenticated'),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 })),
})).value;

/** A Kubernetes-shaped object (apiVersion, kind, metadata.name) with hostile values in every other place. */
const shapedObject = fc.record({
  apiVersion: fc.constantFrom('v1', 'apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1'),
  kind: fc.constantFrom(...KINDS),
  metadata: fc.record({ name: fc.constantFrom('a', 'b', 'toString', '__proto__'), namespace: fc.constantFrom('ns', 'constructor'), labels: hostileValue, annotations: hostileValue }, { requiredKeys: ['name'] }),
  spec: hostileValue, rules: hostileValue, subjects: hostileValue, roleRef: hostileValue, items: hostileValue, data: hostileValue,
}, { requiredKeys: ['apiVersion', 'kind', 'metadata'] });

const brokenText = fc.oneof(
  fc.string({ unit: fc.constantFrom('-', ' ', '[', ']', '{', '}', ':', '&', '*', 'a', '\n', '\t', '"', "'", '|', '>', '!', '%', '#', '<<', '\u0000') , maxLength: 80 }),
  fc.integer({ min: 1, max: 30_000 }).map((n) => `${'- '.repeat(n)}x`),
  fc.integer({ min: 1, max: 30_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.constant('a: &a [*a]'),
  fc.constant('<<: 1'),
  fc.constant('? [a]\n: b'),
);

const noise = fc.oneof(
  hostileValue.map((v) => stringify(v)),
  shapedObject.map((v) => stringify(v)),
  brokenText,
);

const validPod = (i: number) => `apiVersion: v1
kind: Pod
metadata: {name: valid-${i}, namespace: shop}
spec:
  containers:
    - name: c
      image: busybox:1.36
      securityContext: {privileged: true}
`;

describe('hostile documents between valid ones', () => {
  it('never throws; valid documents are checked and counted; others checked or reported by index', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), noise), { minLength: 1, maxLength: 8 }), (docs) => {
      const parts: string[] = [];
      const valid: number[] = [];
      docs.forEach(([isValid, text], i) => {
        if (isValid) { valid.push(i); parts.push(validPod(i)); }
        else parts.push(text.split('\n').filter((l) => !/^(---|\.\.\.)(\s|$)/.test(l)).join('\n'));
      });
      let stdout = '';
      const code = main(['check', '--format', 'json', '-'], { stdout: (s) => { stdout += s; }, stderr: () => {}, readStdin: () => parts.map((p) => `---\n${p}\n`).join('') });
      const out = JSON.parse(stdout);
      expect([0, 1, 2]).toContain(code);
      const privileged = new Set(out.findings.filter((f: any) => f.rule === 'pss-privileged' && f.location.file === '-').map((f: any) => f.resource.name));
      for (const i of valid) expect(privileged.has(`valid-${i}`), `valid-${i}`).toBe(true);
      expect(out.summary.objects).toBeGreaterThanOrEqual(valid.length);
      const reported = new Set((out.problems ?? []).map((p: any) => p.document));
      for (const i of valid) expect(reported.has(i), `valid document ${i} reported as a problem`).toBe(false);
      if (valid.length > 0) expect(code).not.toBe(0);
    }), { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) });
    expect(({} as any).polluted).toBeUndefined();
  });

  it('the engine reports an object whose check throws, by its location, and checks the others', () => {
    const location = { file: 'x.yaml', document: 4 };
    const odd = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'odd' }, spec: { containers: [{ name: 'c', image: 'x', env: [{ name: { toString: 1 }, value: { a: 1 } }] }] } };
    const ok = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] } };
    const throwing = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'getter' }, get spec(): unknown { throw new Error('boom'); } };
    const r = check([{ object: odd, location }, ok, { object: throwing, location: { file: 'x.yaml', document: 5 } }]);
    expect(r.findings.some((f) => f.resource.name === 'ok' && f.rule === 'pss-privileged')).toBe(true);
    expect(r.findings.some((f) => f.resource.name === 'getter')).toBe(false);
    expect(r.problems?.map((p) => [p.resource.name, p.location?.document])).toEqual(expect.arrayContaining([['getter', 5]]));
    expect(r.summary.objects).toBe(3 - (r.problems?.length ?? 0));
    for (const p of r.problems ?? []) expect(p.message).toMatch(/^could not be checked/);
  });
});
