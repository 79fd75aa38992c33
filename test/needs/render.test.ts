import { describe, expect, it } from 'vitest';
import { ComponentNeeds, rbacTriples, renderNeedsMarkdown, rulesOf } from '../../src';

const table: ComponentNeeds = {
  family: 'demo',
  component: 'widget',
  summary: 'A widget.',
  needs: [
    { id: 'read', does: 'reads pods', grant: { kind: 'rbac', scope: 'cluster', resources: ['pods'], verbs: ['get', 'list'] }, reason: 'reads pods | to map them' },
    { id: 'egress', does: 'talks out', grant: { kind: 'egress', peer: 'the bus', ports: '9092/TCP' }, reason: 'produces events to the bus', when: 'bus', notInOutput: 'host network' },
  ],
};

describe('renderNeedsMarkdown', () => {
  it('writes one row per need, escaping pipes, with the condition and why a need is not in the output', () => {
    const md = renderNeedsMarkdown('demo', [table]);
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| does'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('reads pods \\| to map them');
    expect(rows[0]).toMatch(/\| always \|$/);
    expect(rows[1]).toContain('not in the output: host network');
    expect(rows[1]).toMatch(/\| bus \|$/);
  });
});

describe('rulesOf and rbacTriples', () => {
  it('gives the core group when a row names none, keeps the reason, and expands verbs by resources', () => {
    const [rule] = rulesOf(table, ['read']);
    expect(rule).toEqual({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'], reason: 'reads pods | to map them' });
    expect(rbacTriples(rule).sort()).toEqual(['core/pods get', 'core/pods list']);
    expect(rbacTriples({ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['b', 'a'], verbs: ['approve'] })).toEqual(['certificates.k8s.io/signers[a,b] approve']);
    expect(() => rulesOf(table, ['egress'])).toThrow(/not an RBAC need/);
  });
});
