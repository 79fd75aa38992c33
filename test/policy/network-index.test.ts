import { describe, expect, it } from 'vitest';
import { check } from '../../src/policy/engine';
import { Manifest } from '../../src/policy/types';

/**
 * `n` Deployments and their `n` egress NetworkPolicies in one namespace, every selector sharing the
 * pairs of one product (component, part-of) and differing only by name, as the library emits them.
 * Pod template labels count how often a rule reads them.
 */
function sameProduct(n: number): { objects: Manifest[]; reads: () => number } {
  let reads = 0;
  const common = { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/part-of': 'product' };
  const objects: Manifest[] = [];
  for (let i = 0; i < n; i++) {
    const selector = { ...common, 'app.kubernetes.io/name': `agent-${i}` };
    const labels = new Proxy({ ...selector }, { get: (t, k) => { reads++; return Reflect.get(t, k); } });
    objects.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `agent-${i}`, namespace: 'agents' },
      spec: { selector: { matchLabels: selector }, template: { metadata: { labels }, spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'r/c:1' }] } } },
    });
    objects.push({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `agent-${i}`, namespace: 'agents' },
      spec: { podSelector: { matchLabels: selector }, policyTypes: ['Egress'], egress: [] },
    });
  }
  return { objects, reads: () => reads };
}

describe('matching egress policies to pods', () => {
  it('tries each pod against the policies keyed by its rarest label pair, not every policy of its product', () => {
    const small = sameProduct(50);
    const large = sameProduct(400);
    const smallFindings = check(small.objects).findings.filter((f) => f.rule === 'net-no-egress-policy');
    const before = small.reads();
    check(large.objects);
    expect(smallFindings).toEqual([]);
    // Reads per workload stay flat as the namespace grows (trying every policy would read 8 times as many).
    expect(large.reads() / 400).toBeLessThan(2 * (before / 50));
  });

  it('still finds the one workload its policy does not select among many of the same product', () => {
    const { objects } = sameProduct(200);
    const policy = objects[2 * 123 + 1] as unknown as { spec: { podSelector: { matchLabels: Record<string, string> } } };
    policy.spec.podSelector.matchLabels = { ...policy.spec.podSelector.matchLabels, 'app.kubernetes.io/name': 'someone-else' };
    const found = check(objects).findings.filter((f) => f.rule === 'net-no-egress-policy').map((f) => f.resource.name);
    expect(found).toEqual(['agent-123']);
  });
});
