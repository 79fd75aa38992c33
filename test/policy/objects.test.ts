import { describe, expect, it } from 'vitest';
import { check, Manifest } from '../../src/policy';
import { podSpecsOf } from '../../src/policy/objects';

const bad = { containers: [{ name: 'c', image: 'r/c:1', securityContext: { privileged: true } }] };
const podTemplate = (spec: unknown = bad) => ({ metadata: { labels: { app: 'x' } }, spec });
const rules = (o: Manifest, prefix = 'pss-privileged') => check([o], { rules: [prefix] }).findings.filter((f) => !f.exempted).map((f) => `${f.rule} ${f.path}`);

describe('pod templates of any kind', () => {
  it('known kinds: exact paths', () => {
    const cases: Array<[Manifest, string]> = [
      [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template: podTemplate() } }, 'spec.template.spec'],
      [{ apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'd' }, spec: { template: podTemplate() } }, 'spec.template.spec'],
      [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: { name: 'j' }, spec: { jobTargetRef: { template: podTemplate() } } }, 'spec.jobTargetRef.template.spec'],
      [{ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: podTemplate() } } } }, 'spec.jobTemplate.spec.template.spec'],
      [{ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't' }, template: podTemplate() }, 'template.spec'],
    ];
    for (const [o, path] of cases) {
      expect(rules(o), o.kind as string).toEqual([`pss-privileged ${path}.containers[0].securityContext.privileged`]);
    }
  });

  it('unknown kinds: found by shape, every template of the object', () => {
    const pytorch: Manifest = {
      apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'train', namespace: 'ml' },
      spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: podTemplate() }, Worker: { replicas: 2, template: podTemplate() } } },
    };
    expect(rules(pytorch).sort()).toEqual([
      'pss-privileged spec.pytorchReplicaSpecs.Master.template.spec.containers[0].securityContext.privileged',
      'pss-privileged spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].securityContext.privileged',
    ]);
    const jobset: Manifest = {
      apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'js' },
      spec: { replicatedJobs: [{ name: 'w', template: { spec: { template: podTemplate() } } }] },
    };
    expect(rules(jobset)).toEqual(['pss-privileged spec.replicatedJobs[0].template.spec.template.spec.containers[0].securityContext.privileged']);
  });

  it('a Knative Service and an OpenKruise CloneSet get the other families too', () => {
    const ksvc: Manifest = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'k', namespace: 'ns' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx', env: [{ name: 'DB_PASSWORD', value: 'hunter2hunter2' }] }] } } } };
    const found = check([ksvc]).findings.map((f) => f.rule);
    expect(found).toEqual(expect.arrayContaining(['image-latest-tag', 'secret-literal-env', 'net-no-egress-policy', 'pss-runasnonroot']));
  });

  it('does not take a CRD schema, a ConfigMap or a core Service for a pod', () => {
    const crd: Manifest = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.acme.io' },
      spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { properties: { spec: { properties: { template: { properties: { spec: { properties: { containers: { type: 'array' } } } } } } } } } } }] },
    };
    expect(podSpecsOf(crd)).toEqual([]);
    expect(podSpecsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { spec: 'containers' } })).toEqual([]);
    expect(podSpecsOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } })).toEqual([]);
    expect(check([crd]).findings).toEqual([]);
  });

  it('container patches without an image (an operator CR merging into pods it builds) are not a pod template', () => {
    const prom: Manifest = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec: { replicas: 2, containers: [{ name: 'config-reloader', resources: { limits: { memory: '50Mi' } } }] } };
    expect(podSpecsOf(prom)).toEqual([]);
    const withSidecar: Manifest = { ...prom, spec: { containers: [{ name: 'oauth-proxy', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.6.0' }] } };
    expect(podSpecsOf(withSidecar).map((p) => p.path)).toEqual(['spec']);
  });

  it('exemptions on an unknown kind\'s pod template are honoured', () => {
    const o: Manifest = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template: { metadata: { annotations: { 'exemptions.secure-agents.io/pss-privileged': 'loads kernel modules for tracing' } }, spec: bad } } };
    expect(rules(o)).toEqual([]);
  });

  it('stays bounded on a deep object', () => {
    let deep: Record<string, unknown> = podTemplate();
    for (let i = 0; i < 5000; i++) deep = { x: deep };
    expect(() => podSpecsOf({ apiVersion: 'acme.io/v1', kind: 'Deep', metadata: { name: 'd' }, spec: deep })).not.toThrow();
  });
});
