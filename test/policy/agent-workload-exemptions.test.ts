import { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AgentWorkload, AgentWorkloadProps } from '../../src';
import { check } from '../../src/policy';
import { synth } from '../helpers/synth';

const REASON = 'the eBPF probes read kernel state';

function run(extra: Partial<AgentWorkloadProps>, after?: (w: AgentWorkload) => void) {
  const objects = synth((app) => {
    const chart = new Chart(app, 'agents', { namespace: 'agents' });
    const w = new AgentWorkload(chart, 'probe', { component: 'agent', partOf: 'observability', image: 'ghcr.io/example/probe:1.0', ...extra });
    after?.(w);
  });
  return check(objects);
}

/** The exemptions AgentWorkload writes must be exactly those the checker needs: none missing, none stale. */
describe('AgentWorkload exemption annotations agree with the checker', () => {
  const cases: Array<[string, Partial<AgentWorkloadProps>, string[], ((w: AgentWorkload) => void)?]> = [
    ['an added BPF capability', { capabilities: [{ capability: 'BPF', reason: REASON }] }, ['pss-capabilities-baseline', 'pss-capabilities-restricted']],
    ['a baseline capability (CHOWN)', { capabilities: [{ capability: 'CHOWN', reason: REASON }] }, ['pss-capabilities-restricted']],
    ['host namespaces', { hostNetwork: { reason: REASON }, hostPid: { reason: REASON } }, ['pss-hostnamespaces']],
    ['privileged', { privileged: { reason: REASON } }, ['pss-allowprivilegeescalation', 'pss-capabilities-baseline', 'pss-capabilities-restricted', 'pss-privileged']],
    ['root', { runAsRoot: { reason: REASON } }, ['pss-runasnonroot', 'pss-runasuser']],
    ['a host mount', {}, ['pss-hostpathvolumes', 'pss-restrictedvolumes'], (w) => { w.mountHostPath({ hostPath: '/sys/kernel/debug', reason: REASON }); }],
  ];
  for (const [what, props, rules, after] of cases) {
    it(`${what}: exempts exactly ${rules.join(', ')}`, () => {
      const result = run(props, after);
      expect(result.findings.filter((f) => f.severity === 'error' && !f.exempted)).toEqual([]);
      expect(result.findings.filter((f) => f.rule.startsWith('exemption-'))).toEqual([]);
      expect([...new Set(result.findings.filter((f) => f.exempted).map((f) => f.rule))].sort()).toEqual(rules);
      for (const f of result.findings.filter((x) => x.exempted)) expect(f.reason).toContain(REASON);
    });
  }

  it('with no props: no PSS finding and no exemption at all', () => {
    const result = run({});
    expect(result.findings.filter((f) => f.rule.startsWith('pss-') || f.exempted)).toEqual([]);
  });

  it('a bound ServiceAccount mounts its token without secret-automount-token', () => {
    const result = run({}, (w) => { w.grantClusterRole([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'], reason: 'watches nodes to report on them' }]); });
    expect(result.findings.filter((f) => f.rule === 'secret-automount-token')).toEqual([]);
    expect(result.findings.filter((f) => f.rule.startsWith('rbac-'))).toEqual([]);
  });
});
