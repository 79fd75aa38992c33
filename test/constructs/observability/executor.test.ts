import { App, Chart } from 'cdk8s';
import { expectValidationError } from '../../helpers/errors';
import { describe, expect, it } from 'vitest';
import { ObservabilityExecutor, ObservabilityExecutorProps, RemediationAction } from '../../../src';
import { find, K8sObject, podSpec, synth } from '../../helpers/synth';

const IMAGE = 'ghcr.io/example/executor:3.2.0';
const API = { cidrs: ['10.100.0.1/32'] };

function executorObjects(props: Partial<ObservabilityExecutorProps>): K8sObject[] {
  return synth((app) => {
    const chart = new Chart(app, 'obs', { namespace: 'observability' });
    new ObservabilityExecutor(chart, 'executor', { image: IMAGE, apiServer: API, ...props });
  });
}

function build(props: Partial<ObservabilityExecutorProps>): void {
  const chart = new Chart(new App(), 'obs', { namespace: 'observability' });
  new ObservabilityExecutor(chart, 'executor', { image: IMAGE, apiServer: API, ...props });
}

const rbacKinds = (objects: K8sObject[]) => objects.filter((o) => /Role/.test(o.kind)).map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

describe('ObservabilityExecutor', () => {
  it('has no role and no cluster-admin binding with no permission', () => {
    const objects = executorObjects({});
    expect(rbacKinds(objects)).toEqual([]);
    // No role, no token: the checker flags a token that no binding uses.
    expect(podSpec(find(objects, 'Deployment', 'executor')).automountServiceAccountToken).toBe(false);
  });

  it('grants each named remediation exactly, cluster-wide, one rule per API group', () => {
    const objects = executorObjects({
      permissions: [
        { action: RemediationAction.SCALE },
        { action: RemediationAction.RESTART },
        { action: RemediationAction.DELETE_PODS },
        { action: RemediationAction.CORDON },
      ],
    });
    expect(rbacKinds(objects)).toEqual(['ClusterRole//observability-executor', 'ClusterRoleBinding//observability-executor']);
    // patch on workloads can change their image: the checker's rbac-create-pods fires, and the role says why
    expect(find(objects, 'ClusterRole', 'observability-executor').metadata.annotations?.['exemptions.secure-agents.io/rbac-create-pods']).toMatch(/restart patches the pod template/);
    expect(find(objects, 'ClusterRole', 'observability-executor').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'patch', 'update'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
    ]);
  });

  it('limits a remediation to namespaces with a Role and RoleBinding in each, and a subset of resources', () => {
    const objects = executorObjects({
      permissions: [
        { action: RemediationAction.SCALE, resources: ['deployments'], namespaces: ['shop', 'payments'] },
        { action: RemediationAction.DELETE_PODS, namespaces: ['shop'] },
        { action: RemediationAction.CORDON },
      ],
    });
    expect(rbacKinds(objects)).toEqual([
      'ClusterRole//observability-executor', 'ClusterRoleBinding//observability-executor',
      'Role/payments/observability-executor', 'Role/shop/observability-executor',
      'RoleBinding/payments/observability-executor', 'RoleBinding/shop/observability-executor',
    ]);
    const scale = { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch', 'update'] };
    expect(objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'shop')!.rules).toEqual([
      scale, { apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] },
    ]);
    expect(objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'payments')!.rules).toEqual([scale]);
    expect(find(objects, 'ClusterRole', 'observability-executor').rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] }]);
    // no restart granted: no exemption for rbac-create-pods
    expect(objects.filter((o) => /Role$/.test(o.kind)).map((o) => o.metadata.annotations?.['exemptions.secure-agents.io/rbac-create-pods'])).toEqual([undefined, undefined, undefined]);
    const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'shop')!;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'observability-executor' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'executor', namespace: 'observability' }]);
  });

  it('binds cluster-admin only through the explicit prop, with the exemption for the checker', () => {
    const reason = 'vendor support contract requires unrestricted remediation';
    const objects = executorObjects({ clusterAdmin: { reason } });
    const binding = find(objects, 'ClusterRoleBinding', 'observability-executor-cluster-admin');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'executor', namespace: 'observability' }]);
    expect(binding.metadata.annotations).toEqual({ 'exemptions.secure-agents.io/rbac-bind-cluster-admin': reason });
  });

  it('accepts no ingress and sends only to DNS and the API server until pullFrom() adds the mediator', () => {
    const np = find(executorObjects({}), 'NetworkPolicy', 'executor');
    expect(np.spec.ingress).toEqual([]);
    expect(np.spec.egress.map((r: any) => r.ports)).toEqual([
      [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      [{ protocol: 'TCP', port: 443 }],
    ]);
  });

  describe('validation', () => {
    const cases: Array<[string, Partial<ObservabilityExecutorProps>, string, string, RegExp]> = [
      ['a permission on an unknown resource', { permissions: [{ action: RemediationAction.SCALE, resources: ['replicationcontrollers'] }] }, 'permissions[0].resources[0]', 'unknown-resource', /use deployments, statefulsets/],
      ['delete on secrets', { permissions: [{ action: RemediationAction.DELETE_PODS, resources: ['secrets'] }] }, 'permissions[0].resources[0]', 'unknown-resource', /use pods/],
      ['an unknown action', { permissions: [{ action: 'drain' as RemediationAction }] }, 'permissions[0].action', 'invalid-remediation', /scale, restart, delete-pods, cordon/],
      ['an action named like an Object method', { permissions: [{ action: 'toString' as RemediationAction }] }, 'permissions[0].action', 'invalid-remediation', /use one of/],
      ['cordon limited to a namespace', { permissions: [{ action: RemediationAction.CORDON, namespaces: ['shop'] }] }, 'permissions[0].namespaces', 'cluster-scoped-remediation', /cluster-scoped/],
      ['an empty namespace list', { permissions: [{ action: RemediationAction.SCALE, namespaces: [] }] }, 'permissions[0].namespaces', 'empty-namespaces', /grant nothing/],
      ['a bad namespace', { permissions: [{ action: RemediationAction.SCALE, namespaces: ['Shop'] }] }, 'permissions[0].namespaces[0]', 'invalid-name', /"shop"/],
      ['cluster-admin without a reason', { clusterAdmin: { reason: 'simpler' } }, 'clusterAdmin.reason', 'missing-reason', /at least 10/],
    ];

    it.each(cases)('fails on %s with a ValidationError naming the executor, the prop and the fix', (_t, props, prop, code, fix) => {
      const e = expectValidationError(() => build(props));
      expect([e.path, e.prop, e.code]).toEqual(['obs/executor', prop, code]);
      expect(e.message).toMatch(fix);
    });
  });
});
