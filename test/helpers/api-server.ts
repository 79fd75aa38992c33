import { expect } from 'vitest';
import { K8sObject, podSpec, validateSchema } from './synth';

const POD_KINDS = new Set(['Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'ReplicaSet']);

/** Each value of `list` (by `key`) that occurs more than once. */
function duplicates<T>(list: readonly T[], key: (item: T) => string | undefined): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const item of list) {
    const k = key(item);
    if (k === undefined) continue;
    if (seen.has(k)) twice.add(k);
    seen.add(k);
  }
  return [...twice];
}

/**
 * What the API server checks beyond the OpenAPI schema, for the fields the library writes:
 * - object names unique per apiVersion group, kind and namespace;
 * - annotation and label values are strings;
 * - per pod: container names unique across containers and init containers, volume names unique, every
 *   mounted volume exists; per container: mount paths unique, port numbers unique per protocol, port
 *   names unique, env values strings;
 * - RBAC rules: every list a list of strings;
 * - Secret, ConfigMap and projected keys/paths: not ".", "..", nor containing "/" or a ".." segment.
 * Env names may repeat (the API server accepts it and the last wins); not checked.
 */
export function assertApiServerAccepts(objects: readonly K8sObject[]): void {
  for (const obj of objects) validateSchema(obj);
  const ids = objects.map((o) => `${String(o.apiVersion).split('/').slice(0, -1).join('/')}|${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name}`);
  expect(duplicates(ids, (i) => i), 'object names are unique per kind and namespace').toEqual([]);
  for (const obj of objects) {
    const where = `${obj.kind}/${obj.metadata.name}`;
    for (const field of ['labels', 'annotations'] as const) {
      for (const [k, v] of Object.entries(obj.metadata[field] ?? {})) expect(typeof v, `${where} metadata.${field}["${k}"]`).toBe('string');
    }
    if (obj.kind === 'ClusterRole' || obj.kind === 'Role') {
      for (const [i, rule] of (obj.rules ?? []).entries()) {
        for (const list of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs', 'verbs']) {
          if (rule[list] === undefined) continue;
          expect(Array.isArray(rule[list]) && rule[list].every((s: unknown) => typeof s === 'string'), `${where} rules[${i}].${list} is a list of strings`).toBe(true);
        }
      }
    }
    if (!POD_KINDS.has(obj.kind)) continue;
    const spec = podSpec(obj);
    const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    expect(duplicates(containers, (c: any) => c.name), `${where} container names`).toEqual([]);
    const volumes: any[] = spec.volumes ?? [];
    expect(duplicates(volumes, (v) => v.name), `${where} volume names`).toEqual([]);
    for (const v of volumes) {
      for (const item of [...(v.secret?.items ?? []), ...(v.configMap?.items ?? []), ...(v.projected?.sources ?? []).flatMap((s: any) => s.secret?.items ?? s.configMap?.items ?? [])]) {
        expect(item.path === '.' || item.path === '..' || String(item.path).split('/').includes('..') || String(item.path).startsWith('/'), `${where} volume ${v.name} item path ${item.path}`).toBe(false);
        expect(['.', '..'].includes(item.key), `${where} volume ${v.name} key ${item.key}`).toBe(false);
      }
    }
    // A StatefulSet's pods also mount the volumes of its claim templates.
    const names = new Set([...volumes.map((v) => v.name), ...(obj.kind === 'StatefulSet' ? (obj.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata?.name) : [])]);
    for (const c of containers) {
      const mounts: any[] = c.volumeMounts ?? [];
      expect(duplicates(mounts, (m) => m.mountPath), `${where} ${c.name} mount paths`).toEqual([]);
      for (const m of mounts) expect(names.has(m.name), `${where} ${c.name} mounts volume ${m.name}, which exists`).toBe(true);
      const ports: any[] = c.ports ?? [];
      expect(duplicates(ports, (p) => `${p.protocol ?? 'TCP'}/${p.containerPort}`), `${where} ${c.name} ports`).toEqual([]);
      expect(duplicates(ports, (p) => p.name), `${where} ${c.name} port names`).toEqual([]);
      for (const e of c.env ?? []) if ('value' in e) expect(typeof e.value, `${where} ${c.name} env ${e.name}`).toBe('string');
    }
  }
}
