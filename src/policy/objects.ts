/**
 * Helpers over plain Kubernetes objects: pod specs inside workloads, label selectors, names.
 * No framework imports (DESIGN.md).
 */
import { Manifest, ResourceRef } from './types';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Obj = Record<string, any>;

/** A pod spec found in an object, with where it sits. */
export interface PodSpecAt {
  /** The pod spec. */
  readonly spec: Obj;
  /** Path of the pod spec inside the object, e.g. `spec.template.spec`. */
  readonly path: string;
  /** The pod (template) metadata: labels and annotations of the pods. */
  readonly metadata: Obj;
  /** Path of that metadata, e.g. `spec.template.metadata`. */
  readonly metadataPath: string;
}

/** Kinds whose `spec.template` is a pod template. */
export const TEMPLATE_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job']);

/**
 * Where known kinds keep their pod templates (dotted paths to the template, `''` for a Pod itself).
 * Kinds not listed here are searched by shape (see {@link podSpecsOf}).
 */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [''],
  PodTemplate: ['template'],
  ...Object.fromEntries([...TEMPLATE_KINDS].map((k) => [k, ['spec.template']])),
  CronJob: ['spec.jobTemplate.spec.template'],
  Rollout: ['spec.template'], // Argo Rollouts (argoproj.io); a Rollout with workloadRef has none
  DeploymentConfig: ['spec.template'], // OpenShift (apps.openshift.io)
  ScaledJob: ['spec.jobTargetRef.template'], // KEDA (keda.sh): jobTargetRef is a JobSpec
  CloneSet: ['spec.template'], // OpenKruise
};

/** Kinds that never carry a pod template, though their content may look like one (schemas, plain data). */
const NO_POD_KINDS = new Set(['CustomResourceDefinition', 'ConfigMap', 'Secret', 'Namespace', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);

/** Bounds of the shape search: how deep, and how many nodes, in one object. */
const SHAPE_MAX_DEPTH = 12;
const SHAPE_MAX_NODES = 20000;

/**
 * A value as text, never throwing: strings as they are, numbers and booleans as String() writes
 * them, null and undefined as "", anything else as JSON (an object with a `toString` key, which a
 * YAML document can carry, breaks String() and template literals).
 */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return '';
  try {
    const json = JSON.stringify(value);
    return json === undefined ? '' : json.length > 200 ? `${json.slice(0, 200)}...` : json;
  } catch {
    return '[unprintable]';
  }
}

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a value has the shape of a pod template: `{spec: {containers: [{image, ...}]}}`. A
 * container with an image is what a pod runs; containers without any image are patches that an
 * operator merges into pods it builds (a Prometheus CR's `spec.containers`), not a pod.
 */
function looksLikePodTemplate(t: unknown): t is Obj {
  return isObj(t) && isObj(t.spec) && Array.isArray(t.spec.containers)
    && t.spec.containers.some((c: unknown) => isObj(c) && typeof c.image === 'string' && c.image !== '');
}

function templateAt(t: Obj, path: string): PodSpecAt {
  const prefix = path === '' ? '' : `${path}.`;
  return { spec: t.spec, path: `${prefix}spec`, metadata: isObj(t.metadata) ? t.metadata : {}, metadataPath: `${prefix}metadata` };
}

function at(obj: Obj, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path === '' ? [] : path.split('.')) {
    if (!isObj(cur) || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * Every pod spec an object carries: a Pod's own spec, the template of a workload of a known kind at
 * its exact path ({@link POD_TEMPLATE_PATHS}), and for any other kind every value with the shape of
 * a pod template (`{metadata?, spec: {containers: [...]}}`), found by a bounded search (a Kubeflow
 * PyTorchJob's replica templates, a JobSet's job templates, a Knative Service's template...).
 */
export function podSpecsOf(obj: Obj): PodSpecAt[] {
  if (!isObj(obj)) return [];
  const cached = POD_SPECS.get(obj);
  if (cached) return cached;
  const found = findPodSpecs(obj);
  POD_SPECS.set(obj, found);
  return found;
}

const POD_SPECS = new WeakMap<object, PodSpecAt[]>();

function findPodSpecs(obj: Obj): PodSpecAt[] {
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const known = Object.prototype.hasOwnProperty.call(POD_TEMPLATE_PATHS, kind) ? POD_TEMPLATE_PATHS[kind] : undefined;
  if (known) {
    const out: PodSpecAt[] = [];
    for (const path of known) {
      const t = path === '' ? obj : at(obj, path);
      if (isObj(t) && isObj(t.spec)) out.push(templateAt(t, path));
    }
    return out;
  }
  if (NO_POD_KINDS.has(kind)) return [];
  if (looksLikePodTemplate(obj)) return [templateAt(obj, '')];
  const out: PodSpecAt[] = [];
  const stack: Array<[unknown, string, number]> = [];
  const roots = Object.entries(obj).filter(([k, v]) => k !== 'metadata' && k !== 'status' && typeof v === 'object' && v !== null);
  for (let i = roots.length - 1; i >= 0; i--) stack.push([roots[i][1], roots[i][0], 1]);
  let visited = 0;
  while (stack.length > 0 && visited < SHAPE_MAX_NODES) {
    const [node, path, depth] = stack.pop()!;
    visited++;
    if (looksLikePodTemplate(node)) { out.push(templateAt(node, path)); continue; }
    if (depth >= SHAPE_MAX_DEPTH) continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) if (typeof node[i] === 'object' && node[i] !== null) stack.push([node[i], `${path}[${i}]`, depth + 1]);
    } else if (isObj(node)) {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i];
        if (typeof v === 'object' && v !== null) stack.push([v, `${path}.${k}`, depth + 1]);
      }
    }
  }
  return out;
}

/** The first pod spec of an object ({@link podSpecsOf}); undefined when it has none. */
export function podSpecOf(obj: Obj): PodSpecAt | undefined {
  return podSpecsOf(obj)[0];
}

/** A container of a pod spec, with its path. */
export interface ContainerAt {
  /** The container object as written in the manifest. */
  readonly container: Obj;
  /** Field path of the container in the object, e.g. `spec.template.spec.containers[0]`. */
  readonly path: string;
  /** Which list of the pod spec the container is in. */
  readonly field: 'containers' | 'initContainers' | 'ephemeralContainers';
}

/** Every container, initContainer and ephemeralContainer of a pod spec. */
export function containersOf(pod: PodSpecAt): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const field of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const list = pod.spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => { if (isObj(c)) out.push({ container: c, path: `${pod.path}.${field}[${i}]`, field }); });
  }
  return out;
}

/** The reference a finding about this object carries. */
export function refOf(obj: Manifest): ResourceRef {
  const o = obj as Obj;
  const md = isObj(o.metadata) ? o.metadata : {};
  const ref: { apiVersion: string; kind: string; namespace?: string; name: string } = {
    apiVersion: text(o.apiVersion ?? ''),
    kind: text(o.kind ?? ''),
    name: text(md.name ?? md.generateName ?? ''),
  };
  if (typeof md.namespace === 'string') ref.namespace = md.namespace;
  return ref;
}

export function annotationsOf(metadata: unknown): Record<string, string> {
  return isObj(metadata) && isObj(metadata.annotations) ? (metadata.annotations as Record<string, string>) : {};
}

/** Whether a Kubernetes label selector (matchLabels / matchExpressions) selects these labels (own keys only). */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const own = (k: unknown): k is string => typeof k === 'string' && Object.prototype.hasOwnProperty.call(labels, k);
  const ml = isObj(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(ml)) if (!own(k) || labels[k] !== v) return false;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of exprs) {
    if (!isObj(e)) return false;
    const has = own(e.key);
    const value = has ? labels[e.key as string] : undefined;
    const values: unknown[] = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(value)) return false; break;
      case 'NotIn': if (has && values.includes(value)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export function labelsOf(metadata: unknown): Record<string, string> {
  return isObj(metadata) && isObj(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
}

/**
 * Runs one object's share of a cross-object index, and skips the object if reading it throws (a
 * field of a type no rule expects): that object's own check reports it, and the index still serves
 * every other object.
 */
export function eachObject(objects: readonly Obj[], fn: (o: Obj) => void): void {
  for (const o of objects) {
    try { fn(o); } catch { /* the object's own check reports it */ }
  }
}

/**
 * Memoises an index over the checked objects (one per check run), so that cross-object rules stay
 * linear in the number of objects.
 */
export function indexed<T>(cache: WeakMap<object, T>, objects: readonly Manifest[], build: (objects: readonly Obj[]) => T): T {
  let value = cache.get(objects);
  if (value === undefined) {
    value = build(objects as readonly Obj[]);
    cache.set(objects, value);
  }
  return value;
}
