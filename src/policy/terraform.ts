/** Helpers shared by the Terraform JSON rule families: walking resources, making findings. */
import { Finding, Manifest, RuleMeta } from './types';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every `resource.<type>.<name>` block of a Terraform JSON document. */
export function resourcesOf(doc: Manifest): Array<{ type: string; name: string; body: Obj }> {
  const out: Array<{ type: string; name: string; body: Obj }> = [];
  const resource = doc.resource;
  if (!isObj(resource)) return out;
  for (const type of Object.keys(resource).sort()) {
    const byName = resource[type];
    if (!isObj(byName)) continue;
    for (const name of Object.keys(byName).sort()) {
      const body = byName[name];
      if (isObj(body)) out.push({ type, name, body });
    }
  }
  return out;
}

export function finding(meta: RuleMeta, type: string, name: string, path: string, message: string): Finding {
  return {
    rule: meta.id, severity: meta.severity, resource: { apiVersion: 'terraform', kind: type, name },
    path, message, fix: meta.fix, exempted: false,
  };
}

export function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
