import { CelInput, run } from '@bufbuild/cel';
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { CLUSTER_CONTROLLER_NEEDS, ClusterController, ClusterControllerProps, rulesOf } from '../../../src';
import { check } from '../../../src/policy/engine';
import { catchValidationError } from '../../helpers/errors';
import { find, K8sObject, podSpec, synth } from '../../helpers/synth';

const API = { cidrs: ['10.0.0.1/32'], port: 443 };
const base: ClusterControllerProps = { image: 'ghcr.io/vendor/cluster-controller:1.2.3', namespace: 'cost', apiServer: API };

function make(props: Partial<ClusterControllerProps> = {}): K8sObject[] {
  return synth((app) => { new ClusterController(new Chart(app, 'test'), 'controller', { ...base, ...props }); });
}

/** Evaluates a validation of the admission policy as the API server would, for one request. */
function allows(policy: K8sObject, request: { operation: string; object: unknown; oldObject: unknown }): boolean {
  return policy.spec.validations.every((val: { expression: string }) =>
    run(val.expression, { request: { operation: request.operation }, object: request.object as CelInput, oldObject: request.oldObject as CelInput }) === true);
}

const node = (labels?: Record<string, string>) => ({ metadata: { name: 'n1', ...(labels ? { labels } : {}) } });

describe('ClusterController', () => {
  it('grants exactly the named rules, each with its reason, and exempts the two rules that fire with theirs', () => {
    const objects = make();
    const role = find(objects, 'ClusterRole', 'cost-cluster-controller');
    const expected = rulesOf(CLUSTER_CONTROLLER_NEEDS, ['cordon', 'drain-read', 'drain-evict', 'delete-nodes', 'csr-read', 'csr-approve', 'csr-signers']);
    expect(role.rules).toEqual(expected.map(({ reason: _r, ...rule }) => rule));
    expect(JSON.parse(role.metadata.annotations!['reasons.secure-agents.io/rules'])).toEqual(expected.map((r) => r.reason));
    expect(role.rules).toContainEqual({ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'], verbs: ['approve'] });
    const findings = check(objects).findings.filter((f) => f.resource.name === 'cost-cluster-controller');
    expect(findings.map((f) => `${f.rule}:${f.exempted}`).sort()).toEqual(['rbac-approve-csr:true', 'rbac-approve-csr:true', 'rbac-delete-broad:true']);
    expect(podSpec(find(objects, 'Deployment', 'cluster-controller')).automountServiceAccountToken).toBe(true);
  });

  it('emits an admission policy that lets it delete only labelled nodes and never relabel one', () => {
    const objects = make();
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'cost-cluster-controller-delete-own-nodes');
    expect(policy.spec.matchConditions[0].expression).toBe("request.userInfo.username == 'system:serviceaccount:cost:cluster-controller'");
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', 'cost-cluster-controller-delete-own-nodes').spec).toEqual({ policyName: 'cost-cluster-controller-delete-own-nodes', validationActions: ['Deny'] });
    const own = node({ 'cost-optimizer.secure-agents.io/managed': 'true' });
    expect(allows(policy, { operation: 'DELETE', object: null, oldObject: own })).toBe(true);
    expect(allows(policy, { operation: 'DELETE', object: null, oldObject: node({ 'kubernetes.io/os': 'linux' }) })).toBe(false);
    expect(allows(policy, { operation: 'DELETE', object: null, oldObject: node() })).toBe(false);
    expect(allows(policy, { operation: 'DELETE', object: null, oldObject: node({ 'cost-optimizer.secure-agents.io/managed': 'false' }) })).toBe(false);
    // Cordon (no label change) passes; labelling a foreign node to adopt it, or unlabelling one, does not.
    expect(allows(policy, { operation: 'UPDATE', object: { ...own, spec: { unschedulable: true } }, oldObject: own })).toBe(true);
    expect(allows(policy, { operation: 'UPDATE', object: own, oldObject: node() })).toBe(false);
    expect(allows(policy, { operation: 'UPDATE', object: node(), oldObject: own })).toBe(false);
  });

  it('leaves out what a grant turned off gives, and the admission policy with delete', () => {
    const objects = make({ grants: { deleteNodes: false, approveKubeletCsrs: false } });
    const role = find(objects, 'ClusterRole', 'cost-cluster-controller');
    const verbs = role.rules.flatMap((r: any) => r.verbs);
    expect(verbs).not.toContain('delete');
    expect(verbs).not.toContain('approve');
    expect(objects.some((o) => o.kind === 'ValidatingAdmissionPolicy')).toBe(false);
    expect(role.metadata.annotations!['exemptions.secure-agents.io/rbac-delete-broad']).toBeUndefined();
  });

  it('allows only DNS and the API server out', () => {
    const np = find(make(), 'NetworkPolicy', 'cluster-controller');
    expect(np.spec.egress).toHaveLength(2);
    expect(np.spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] });
    expect(JSON.parse(np.metadata.annotations!['reasons.secure-agents.io/egress'])).toHaveLength(2);
  });

  it('fails on drain without cordon, on no grant at all, and on a bad label', () => {
    const c = new Chart(new App(), 'test');
    expect(catchValidationError(() => new ClusterController(c, 'a', { ...base, grants: { cordon: false } })).code).toBe('drain-without-cordon');
    expect(catchValidationError(() => new ClusterController(c, 'b', { ...base, grants: { cordon: false, drain: false, deleteNodes: false, approveKubeletCsrs: false } })).code).toBe('no-grant');
    expect(catchValidationError(() => new ClusterController(c, 'c', { ...base, nodeLabel: { key: 'bad key', value: 'x' } })).prop).toBe('nodeLabel.key');
  });
});
