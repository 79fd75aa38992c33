/**
 * The privilege diff: per workload, the privilege items that head adds or removes against base. Ingress
 * (who may reach the workload) is not a privilege of the workload and is left out.
 */
import { privilegeItems, PrivilegeItem } from './items';
import { PrivilegeReport, WorkloadRef, WorkloadReport } from './types';

export interface WorkloadDiff {
  readonly workload: WorkloadRef;
  /** The source file, given only where the side holds several workloads of this kind, namespace and name. */
  readonly source: string | null;
  /** `added` (only in head), `removed` (only in base) or `changed`. */
  readonly status: 'added' | 'removed' | 'changed';
  readonly added: readonly PrivilegeItem[];
  readonly removed: readonly PrivilegeItem[];
}

export interface PrivilegeDiff {
  readonly schemaVersion: number;
  readonly workloads: readonly WorkloadDiff[];
  readonly summary: { readonly added: number; readonly removed: number; readonly unreasoned: number };
}

const keyOf = (w: WorkloadRef) => `${w.namespace}/${w.kind}/${w.name}`;

/**
 * Workloads by kind, namespace and name; where a side holds several of the same (two charts in one
 * directory), those are told apart by their source file.
 */
function byKey(workloads: readonly WorkloadReport[], duplicated: Set<string>): Map<string, WorkloadReport> {
  return new Map(workloads.map((w) => [duplicated.has(keyOf(w.workload)) ? `${keyOf(w.workload)} in ${w.source ?? ''}` : keyOf(w.workload), w]));
}

function duplicates(...sides: PrivilegeReport[]): Set<string> {
  const out = new Set<string>();
  for (const side of sides) {
    const seen = new Set<string>();
    for (const w of side.workloads) {
      const k = keyOf(w.workload);
      if (seen.has(k)) out.add(k); else seen.add(k);
    }
  }
  return out;
}

export function diffReports(base: PrivilegeReport, head: PrivilegeReport): PrivilegeDiff {
  const dup = duplicates(base, head);
  const baseBy = byKey(base.workloads, dup);
  const headBy = byKey(head.workloads, dup);
  const keys = [...new Set([...baseBy.keys(), ...headBy.keys()])].sort();
  const out: WorkloadDiff[] = [];
  for (const k of keys) {
    const b = baseBy.get(k);
    const h = headBy.get(k);
    const bItems = b ? privilegeItems(b) : [];
    const hItems = h ? privilegeItems(h) : [];
    const bKeys = new Set(bItems.map((i) => i.key));
    const hKeys = new Set(hItems.map((i) => i.key));
    const added = hItems.filter((i) => !bKeys.has(i.key));
    const removed = bItems.filter((i) => !hKeys.has(i.key));
    if (added.length === 0 && removed.length === 0) continue;
    out.push({ workload: (h ?? b)!.workload, source: dup.has(keyOf((h ?? b)!.workload)) ? (h ?? b)!.source : null, status: !b ? 'added' : !h ? 'removed' : 'changed', added, removed });
  }
  const added = out.reduce((n, w) => n + w.added.length, 0);
  const removed = out.reduce((n, w) => n + w.removed.length, 0);
  const unreasoned = out.reduce((n, w) => n + w.added.filter(needsReason).length, 0);
  return { schemaVersion: base.schemaVersion, workloads: out, summary: { added, removed, unreasoned } };
}

/** Whether an added item lacks the reason that the output has a place for. */
export function needsReason(i: PrivilegeItem): boolean {
  return i.expectsReason && !i.reason;
}
