import { describe, expect, it } from 'vitest';
import { AgentWorkload, SecureChart, sortManifests, WorkloadKind } from '../../src';
import { synth } from '../helpers/synth';

describe('SecureChart', () => {
  it('emits objects in apply order: identities and RBAC before workloads, then by namespace and name', () => {
    const objects = synth((app) => {
      const chart = new SecureChart(app, 'c', { namespace: 'agents' });
      new AgentWorkload(chart, 'zeta', { component: 'agent', partOf: 'tests', image: 'x/zeta:1.0.0' });
      const alpha = new AgentWorkload(chart, 'alpha', { kind: WorkloadKind.DAEMON_SET, component: 'agent', partOf: 'tests', image: 'x/alpha:1.0.0' });
      alpha.grantClusterRole([{ resources: ['nodes'], verbs: ['get'], reason: 'reads the node it runs on' }]);
    });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'NetworkPolicy/alpha', 'NetworkPolicy/zeta',
      'ServiceAccount/alpha', 'ServiceAccount/zeta', 'ClusterRole/agents-alpha', 'ClusterRoleBinding/agents-alpha',
      'DaemonSet/alpha', 'Deployment/zeta',
    ]);
  });

  it('puts unknown kinds last, ordered by kind', () => {
    const sorted = sortManifests([{ kind: 'Zed' }, { kind: 'Abc' }, { kind: 'Deployment' }, { kind: 'Namespace' }]);
    expect(sorted.map((o) => o.kind)).toEqual(['Namespace', 'Deployment', 'Abc', 'Zed']);
  });
});
