/**
 * Judging an AWS IAM Condition block by what it allows, not by its presence: which entries (operator,
 * key, values) confine a statement to named resources, and why the others do not. Semantics from the
 * IAM policy reference (condition operators, IfExists, the ForAllValues / ForAnyValue set operators).
 */
import { isObj } from './terraform';

export interface ConditionEntry {
  /** The operator as written, e.g. `ForAllValues:StringLikeIfExists`. */
  readonly operator: string;
  /** The operator without set prefix and IfExists suffix, e.g. `StringLike`. */
  readonly base: string;
  readonly set?: 'ForAllValues' | 'ForAnyValue';
  readonly ifExists: boolean;
  readonly key: string;
  readonly values: string[];
}

const entriesCache = new WeakMap<object, ConditionEntry[]>();

/** The entries of a statement's Condition block, in order (read once per Condition object). */
export function conditionEntries(condition: unknown): ConditionEntry[] {
  if (!isObj(condition)) return [];
  let cached = entriesCache.get(condition);
  if (!cached) entriesCache.set(condition, (cached = readEntries(condition)));
  return cached;
}

function readEntries(condition: Record<string, unknown>): ConditionEntry[] {
  const out: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObj(block)) continue;
    const m = /^(?:(ForAllValues|ForAnyValue):)?(.*?)(IfExists)?$/.exec(operator)!;
    for (const [key, raw] of Object.entries(block)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v));
      out.push({ operator, base: m[2], set: m[1] as ConditionEntry['set'], ifExists: m[3] !== undefined, key, values });
    }
  }
  return out;
}

const POSITIVE = /^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/;
const LIKE = /Like$/;
/** Keys that name or tag resources (the ones that can confine a statement to this cluster's resources). */
const RESOURCE_KEY = /(^|:)(ResourceTag\/.+|RequestTag\/.+|Vpc|Subnet|SourceArn|ResourceArn|InstanceID|InstanceProfile|LaunchTemplate|ResourceIdentifier|[A-Za-z]*(Name|Arn|ARN|Id|ID))$/i;
/** Keys that look like names but confine only to a place or an account, never to this cluster's resources. */
const NOT_RESOURCE_KEY = /^aws:(RequestedRegion|SourceAccount|ResourceAccount|ResourceOrgID|ResourceOrgPaths|SourceOrgID|SourceOrgPaths|Principal.*|userid|username|SourceVpc|SourceVpce|SourceIp|VpcSourceIp|CalledVia.*|ViaAWSService|TagKeys|SourceIdentity|FederatedProvider|Ec2InstanceSourceVpc|Ec2InstanceSourcePrivateIPv4)$|:(Region|AvailabilityZone|AvailabilityZoneId|Account|ExternalId)$/i;

/** Whether a key identifies or tags resources (what a scoping condition is written on). */
export function isResourceKey(key: string): boolean {
  return RESOURCE_KEY.test(key) && !NOT_RESOURCE_KEY.test(key);
}

export function isResourceTagKey(key: string): boolean {
  return /^[a-z0-9-]+:ResourceTag\/.+/i.test(key);
}

export function isRequestTagKey(key: string): boolean {
  return /^aws:RequestTag\/.+/i.test(key);
}

/** A string-like pattern that every value matches (`*`, `?*`, `arn:*:*:*:*:*`), Terraform references aside. */
export function matchesEverything(value: string, like: boolean): boolean {
  if (!like) return false;
  const v = value.trim();
  if (/^[*?]+$/.test(v)) return v.includes('*');
  const parts = v.split(':');
  return parts[0] === 'arn' && parts.length >= 6 && parts.slice(2).every((p) => /^[*?]*$/.test(p)) && v.includes('*');
}

/** Why an entry does not confine the statement to named resources, or undefined when it does. */
export function whyNotConfining(e: ConditionEntry): string | undefined {
  const at = `${e.operator} ${e.key}`;
  if (!isResourceKey(e.key)) return `${at} is not about which resource`;
  if (e.base === 'Null') return `${at} only asks whether the key is present`;
  if (!POSITIVE.test(e.base)) return `${at} says what the resource is not, so every other resource passes`;
  if (e.ifExists) return `${at} passes every resource that lacks the key`;
  if (e.set === 'ForAllValues') return `${at} passes every request where the key is absent (ForAllValues of nothing is true)`;
  const all = e.values.find((v) => matchesEverything(v, LIKE.test(e.base)));
  if (all !== undefined) return `${at} "${all}" matches every value`;
  if (e.values.length === 0) return `${at} has no value`;
  return undefined;
}

/**
 * Whether the Condition confines the statement to named resources: conditions are ANDed, so one entry
 * that confines is enough. For tagging actions, aws:RequestTag does not count (it says which tags are
 * written, not on which resource).
 */
export function confines(entries: readonly ConditionEntry[], tagging = false): boolean {
  return entries.some((e) => whyNotConfining(e) === undefined && !(tagging && isRequestTagKey(e.key)) && e.key.toLowerCase() !== 'ec2:createaction');
}

/** A one-line account of why none of the entries confines, for a finding's message. */
export function describeNotConfining(entries: readonly ConditionEntry[]): string {
  if (entries.length > 0 && entries.every((e) => /(^aws:RequestedRegion|:Region)$/i.test(e.key))) return 'a condition that confines only the region';
  const reasons = entries.map(whyNotConfining).filter((r): r is string => r !== undefined);
  return `a condition that confines nothing (${reasons.join('; ')})`;
}

/** Whether a `*`/`?` pattern (IAM's StringLike) matches a string. */
export function likeMatches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}
