import { App, Chart, Testing } from 'cdk8s';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MANAGED_BY } from '../../src/constructs/labels';
import { check } from '../../src/policy/engine';

/** A Kubernetes object as synthesised. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};

/** Kinds outside the Kubernetes 1.33 schemas that the library emits, with the fields each must have. */
const CUSTOM_KINDS: Record<string, string[]> = {
  'cilium.io/v2/CiliumNetworkPolicy': ['spec'],
  'external-secrets.io/v1/ExternalSecret': ['spec'],
  'policy.sigstore.dev/v1beta1/ClusterImagePolicy': ['spec'],
  'policy.sigstore.dev/v1alpha1/ClusterImagePolicy': ['spec'],
  'policies.kyverno.io/v1/ImageValidatingPolicy': ['spec'],
};

const CLUSTER_SCOPED = new Set([
  'ClusterRole', 'ClusterRoleBinding', 'Namespace', 'CustomResourceDefinition', 'ClusterImagePolicy',
  'ImageValidatingPolicy', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'PersistentVolume',
  'StorageClass', 'PriorityClass', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
]);

export interface SynthOptions {
  /** Skip the standard-label contract (for charts that include objects the library did not make). */
  readonly skipLabelContract?: boolean;
  /**
   * Skip the policy check (for tests that deliberately synthesise violations).
   * @default false - every synthesised chart must pass the checker with no unexempted error
   */
  readonly allowPolicyErrors?: boolean;
}

/**
 * Synthesises what `build` adds to a fresh app, twice, and returns the objects after checking:
 * - determinism: both syntheses give the same bytes;
 * - every object validates against the Kubernetes 1.33 schemas (kubernetes-models 4.5.1), or is a
 *   known custom kind with its required fields;
 * - the label and naming contracts of DESIGN.md;
 * - the library's own policy checker: no unexempted finding of severity error (DESIGN.md, Tests).
 */
export function synth(build: (app: App) => void, options: SynthOptions = {}): K8sObject[] {
  const first = synthYaml(build);
  const second = synthYaml(build);
  expect(second, 'two syntheses of the same input must give the same bytes').toBe(first);
  const objects = parseAllDocuments(first).map((d) => d.toJS()).filter((o) => o != null) as K8sObject[];
  for (const obj of objects) {
    validateSchema(obj);
    assertContracts(obj, options);
  }
  if (!options.allowPolicyErrors) assertPolicyClean(objects);
  return objects;
}

/** Synthesises one chart built by `build` (a convenience over `synth`). */
export function synthChart(build: (app: App) => Chart, options: SynthOptions = {}): K8sObject[] {
  return synth((app) => { build(app); }, options);
}

export function synthYaml(build: (app: App) => void): string {
  const app = Testing.app();
  build(app);
  return app.synthYaml();
}

export function validateSchema(obj: K8sObject): void {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  const custom = CUSTOM_KINDS[`${obj.apiVersion}/${obj.kind}`];
  if (custom) {
    for (const field of ['metadata', ...custom]) expect(obj[field], `${where} needs ${field}`).toBeTypeOf('object');
    return;
  }
  let model: any;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    model = require(`kubernetes-models/${obj.apiVersion}/${obj.kind}`)[obj.kind];
  } catch {
    throw new Error(`${where}: ${obj.apiVersion} ${obj.kind} is neither in the Kubernetes 1.33 schemas nor a known custom kind`);
  }
  try {
    new model(obj).validate();
  } catch (err) {
    throw new Error(`${where} fails the Kubernetes 1.33 schema: ${(err as Error).message}`);
  }
}

function assertContracts(obj: K8sObject, options: SynthOptions): void {
  const where = `${obj.kind}/${obj.metadata.name}`;
  if (CLUSTER_SCOPED.has(obj.kind)) expect(obj.metadata.namespace, `${where} is cluster-scoped`).toBeUndefined();
  // Stable readable names: no cdk8s hash suffix, no cdk8s address label.
  expect(obj.metadata.name, `${where} has a hashed name`).not.toMatch(/-c8[0-9a-f]{6}$/);
  expect(JSON.stringify(obj), `${where} carries a cdk8s address label`).not.toContain('cdk8s.io/metadata.addr');
  if (options.skipLabelContract) return;
  const labels = obj.metadata.labels ?? {};
  for (const key of ['name', 'instance', 'component', 'part-of']) {
    expect(labels[`app.kubernetes.io/${key}`], `${where} lacks app.kubernetes.io/${key}`).toBeTruthy();
  }
  expect(labels['app.kubernetes.io/managed-by'], `${where} managed-by`).toBe(MANAGED_BY);
}

/** Fails with every unexempted policy error of the objects, one per line. */
export function assertPolicyClean(objects: readonly K8sObject[]): void {
  const errors = check(objects).findings
    .filter((f) => f.severity === 'error' && !f.exempted)
    .map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
  expect(errors, 'synthesised objects must pass the policy checker with no unexempted error').toEqual([]);
}

/** Finds exactly one object of a kind and name. */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(hits.map((o) => `${o.kind}/${o.metadata.name}`), `exactly one ${kind}/${name}`).toHaveLength(1);
  return hits[0];
}

/** The pod spec of any pod-bearing object. */
export function podSpec(obj: K8sObject): any {
  if (obj.kind === 'Pod') return obj.spec;
  if (obj.kind === 'CronJob') return obj.spec.jobTemplate.spec.template.spec;
  return obj.spec.template.spec;
}

/** The pod template metadata of any pod-bearing object. */
export function podMetadata(obj: K8sObject): any {
  if (obj.kind === 'Pod') return obj.metadata;
  if (obj.kind === 'CronJob') return obj.spec.jobTemplate.spec.template.metadata;
  return obj.spec.template.metadata;
}
