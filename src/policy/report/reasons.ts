/**
 * Reading reasons from the output (docs/reasons-in-output.md): `reasons.secure-agents.io/*` annotations,
 * `exemptions.secure-agents.io/<rule-id>` annotations, and Terraform's `"//"` blocks.
 */
import { EXEMPTION_PREFIX, MIN_REASON_LENGTH } from '../rule-ids';
import { annotationsOf, isObj, Obj } from '../objects';

export const REASON_PREFIX = 'reasons.secure-agents.io/';

/** A reason counts when it has at least MIN_REASON_LENGTH visible characters (DESIGN.md). */
export function validReason(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.replace(/\s/g, '').length >= MIN_REASON_LENGTH ? t : null;
}

/** `reasons.secure-agents.io/<key>` of an object, as a string. */
export function reasonAnnotation(o: Obj, key: string): string | null {
  return validReason(annotationsOf(o.metadata)[REASON_PREFIX + key]);
}

/** A JSON array annotation (index-aligned reasons); malformed values give no reasons. */
export function jsonArrayAnnotation(o: Obj, key: string): Array<string | null> {
  const raw = annotationsOf(o.metadata)[REASON_PREFIX + key];
  if (typeof raw !== 'string') return [];
  try {
    const v = JSON.parse(raw);
    return Array.isArray(v) ? v.map(validReason) : [];
  } catch {
    return [];
  }
}

/** A JSON object annotation (name → reason); malformed values give no reasons. */
export function jsonObjectAnnotation(o: Obj, key: string): Record<string, string> {
  const raw = annotationsOf(o.metadata)[REASON_PREFIX + key];
  if (typeof raw !== 'string') return {};
  try {
    const v = JSON.parse(raw);
    if (!isObj(v)) return {};
    const out: Record<string, string> = {};
    for (const [k, r] of Object.entries(v)) {
      const valid = validReason(r);
      if (valid) out[k] = valid;
    }
    return out;
  } catch {
    return {};
  }
}

export function exemptionReason(o: Obj, ruleId: string): string | null {
  return validReason(annotationsOf(o.metadata)[EXEMPTION_PREFIX + ruleId]);
}

/**
 * The part of an exemption reason about one item, when the reason lists items as
 * `ITEM: why; ITEM (detail): why` (as the library's constructs write them). A list that does not name
 * the item gives no reason for it; a reason that is not such a list applies whole.
 */
export function reasonPart(reason: string | null, item: string): string | null {
  if (!reason) return null;
  const parts = reason.split(/;\s+/);
  const mine = parts.filter((p) => p.startsWith(`${item}:`) || p.startsWith(`${item} (`));
  if (mine.length > 0) return mine.join('; ');
  const itemised = parts.length > 1 && parts.every((p) => /^[^\s:]+( \([^)]*\))?:\s/.test(p));
  return itemised ? null : reason;
}

/** Reasons written in a Terraform block's `"//": {"secure-agents": {"reasons": {...}}}`. */
export function terraformReasons(body: Record<string, unknown>): Record<string, string> {
  const c = body['//'];
  const sa = isObj(c) ? c['secure-agents'] : undefined;
  const reasons = isObj(sa) ? sa.reasons : undefined;
  const out: Record<string, string> = {};
  if (!isObj(reasons)) return out;
  for (const [k, v] of Object.entries(reasons)) {
    const valid = validReason(v);
    if (valid) out[k] = valid;
  }
  return out;
}
