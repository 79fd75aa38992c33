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
export const TEMPLATE_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job', 'PodTemplate']);

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The pod spec of a Pod, a workload or a CronJob; undefined for other kinds. */
export function podSpecOf(obj: Obj): PodSpecAt | undefined {
  const kind = obj.kind;
  if (kind === 'Pod') {
    return isObj(obj.spec) ? { spec: obj.spec, path: 'spec', metadata: isObj(obj.metadata) ? obj.metadata : {}, metadataPath: 'metadata' } : undefined;
  }
  if (kind === 'PodTemplate') {
    const t = obj.template;
    return isObj(t) && isObj(t.spec) ? { spec: t.spec, path: 'template.spec', metadata: isObj(t.metadata) ? t.metadata : {}, metadataPath: 'template.metadata' } : undefined;
  }
  if (TEMPLATE_KINDS.has(kind)) {
    const t = obj.spec?.template;
    return isObj(t) && isObj(t.spec) ? { spec: t.spec, path: 'spec.template.spec', metadata: isObj(t.metadata) ? t.metadata : {}, metadataPath: 'spec.template.metadata' } : undefined;
  }
  if (kind === 'CronJob') {
    const t = obj.spec?.jobTemplate?.spec?.template;
    return isObj(t) && isObj(t.spec)
      ? { spec: t.spec, path: 'spec.jobTemplate.spec.template.spec', metadata: isObj(t.metadata) ? t.metadata : {}, metadataPath: 'spec.jobTemplate.spec.template.metadata' }
      : undefined;
  }
  return undefined;
}

/** A container of a pod spec, with its path. */
export interface ContainerAt {
  readonly container: Obj;
  readonly path: string;
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
    apiVersion: String(o.apiVersion ?? ''),
    kind: String(o.kind ?? ''),
    name: String(md.name ?? md.generateName ?? ''),
  };
  if (typeof md.namespace === 'string') ref.namespace = md.namespace;
  return ref;
}

export function annotationsOf(metadata: unknown): Record<string, string> {
  return isObj(metadata) && isObj(metadata.annotations) ? (metadata.annotations as Record<string, string>) : {};
}

/** Whether a Kubernetes label selector (matchLabels / matchExpressions) selects these labels. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const ml = isObj(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of exprs) {
    if (!isObj(e)) return false;
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
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
