import { ApiObject, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AgentWorkload, PolicyCheck } from '../../src';
import { synth } from '../helpers/synth';

const IMAGE = 'ghcr.io/example/agent:1.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('PolicyCheck', () => {
  it('a chart of hardened workloads synthesises', () => {
    const objects = synth((app) => {
      const chart = new Chart(app, 'agents', { namespace: 'agents' });
      new AgentWorkload(chart, 'reporter', { component: 'agent', partOf: 'examples', image: IMAGE, hostPid: { reason: 'reads the node process table' } });
      new PolicyCheck(chart, 'policy');
    });
    expect(objects.map((o) => o.kind)).toContain('Deployment');
  });

  it('fails synthesis listing every unexempted error with its construct path', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'agents', { namespace: 'agents' });
    new AgentWorkload(chart, 'reporter', { component: 'agent', partOf: 'examples', image: IMAGE });
    new ApiObject(chart, 'debug-pod', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' },
      spec: { hostNetwork: true, containers: [{ name: 'sh', image: 'busybox:latest', securityContext: { privileged: true } }] },
    });
    new ApiObject(chart, 'admin-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'bob' }],
    });
    const check = new PolicyCheck(chart, 'policy');
    expect(check.options).toEqual({ pss: 'restricted' });
    let message = '';
    try { app.synth(); } catch (err) { message = (err as Error).message; }
    for (const rule of ['pss-privileged', 'pss-hostnamespaces', 'pss-runasnonroot', 'image-latest-tag', 'secret-automount-token']) {
      expect(message).toMatch(new RegExp(`${rule} at agents/debug-pod \\(Pod debug`));
    }
    expect(message).toContain('rbac-bind-cluster-admin at agents/admin-binding (ClusterRoleBinding admin');
    expect(message).not.toContain('agents/reporter');
    expect(check.errors().length).toBeGreaterThanOrEqual(7);
  });

  it('an exemption on the object lets synthesis pass; pss baseline skips restricted checks', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'agents', { namespace: 'agents' });
    new ApiObject(chart, 'pod', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', annotations: { 'exemptions.secure-agents.io/secret-automount-token': 'talks to the API server' } },
      spec: { containers: [{ name: 'c', image: IMAGE }] },
    });
    new PolicyCheck(chart, 'policy', { pss: 'baseline' });
    expect(() => app.synth()).not.toThrow();
  });
});
