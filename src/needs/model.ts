/**
 * The needs model: for each component, one row per thing the vendor's software does that needs a
 * privilege, what it needs, what grants it in our output, and the reason written next to the grant.
 * Framework-free data: the constructs derive their grants (and reasons) from the rows where they
 * can, `renderNeedsMarkdown` writes docs/needs/<family>.md, and a test reads the synthesised
 * examples to check that every row is granted and every privilege granted belongs to a row.
 */

/** An RBAC rule, as a row needs it. */
export interface RbacNeed {
  readonly kind: 'rbac';
  /**
   * A ClusterRole, a Role in the component's own namespace, a Role in one named `namespace`, or
   * (`chosen`) a ClusterRole or Roles in whichever namespaces the user lists.
   */
  readonly scope: 'cluster' | 'own-namespace' | 'namespace' | 'chosen';
  /** For scope `namespace`: which. */
  readonly namespace?: string;
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs: readonly string[];
}

/** What a row needs. */
export type NeedGrant =
  | { readonly kind: 'capability'; readonly capability: string }
  | { readonly kind: 'host-path'; readonly hostPath: string; readonly readOnly: boolean }
  | { readonly kind: 'host-namespace'; readonly namespace: 'hostNetwork' | 'hostPID' | 'hostIPC' }
  | RbacNeed
  /** A network peer, described for people (`the API server`, `the message bus`); matched in the output by its reason. */
  | { readonly kind: 'egress' | 'ingress'; readonly peer: string; readonly ports: string }
  /** A credential delivered as a file from a SecretSource. */
  | { readonly kind: 'credential'; readonly credential: string }
  /** Running as UID 0 (with only the listed capabilities, never privileged). */
  | { readonly kind: 'run-as-root' };

/** One need of a component. */
export interface Need {
  /** Stable id within the component, e.g. `read-pods`. */
  readonly id: string;
  /** What the software does, in a few words. */
  readonly does: string;
  /** What it needs for that. */
  readonly grant: NeedGrant;
  /** The reason written next to the grant in the output (at least 10 characters). */
  readonly reason: string;
  /**
   * When the row applies: the typed prop or mode that turns it on. A row without `when` applies to
   * every deployment of the component.
   * @default - always
   */
  readonly when?: string;
  /**
   * Why no object in the output can grant or limit this need (e.g. the egress of a host-network pod,
   * which no NetworkPolicy selects); the test does not look for it, and the docs say why.
   * @default - the output grants it
   */
  readonly notInOutput?: string;
}

/** The needs table of one component. */
export interface ComponentNeeds {
  /** `app.kubernetes.io/part-of`. */
  readonly family: string;
  /** `app.kubernetes.io/component`. */
  readonly component: string;
  /** One or two sentences on what the component is. */
  readonly summary: string;
  readonly needs: readonly Need[];
}

/** The row with this id; throws (a programming error, not a user error) when there is none. */
export function needOf(table: ComponentNeeds, id: string): Need {
  const row = table.needs.find((n) => n.id === id);
  if (!row) throw new Error(`needs table of ${table.family}/${table.component} has no row "${id}"`);
  return row;
}

/** The reason of a row. */
export function reasonOf(table: ComponentNeeds, id: string): string {
  return needOf(table, id).reason;
}

/** A plain RBAC rule with its reason, shaped like the constructs' `PolicyRule`. */
export interface ReasonedRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
  reason: string;
}

/** The RBAC rules of the rows with these ids (in that order), each with its row's reason. */
export function rulesOf(table: ComponentNeeds, ids: readonly string[]): ReasonedRule[] {
  return ids.map((id) => {
    const row = needOf(table, id);
    if (row.grant.kind !== 'rbac') throw new Error(`row "${id}" of ${table.component} is not an RBAC need`);
    const g = row.grant;
    return {
      ...(g.apiGroups ? { apiGroups: [...g.apiGroups] } : g.resources ? { apiGroups: [''] } : {}),
      ...(g.resources ? { resources: [...g.resources] } : {}),
      ...(g.resourceNames ? { resourceNames: [...g.resourceNames] } : {}),
      ...(g.nonResourceURLs ? { nonResourceURLs: [...g.nonResourceURLs] } : {}),
      verbs: [...g.verbs],
      reason: row.reason,
    };
  });
}

/** The rows of a table whose grant is of one kind. */
export function rowsOfKind<K extends NeedGrant['kind']>(table: ComponentNeeds, kind: K): Array<Need & { grant: Extract<NeedGrant, { kind: K }> }> {
  return table.needs.filter((n) => n.grant.kind === kind) as Array<Need & { grant: Extract<NeedGrant, { kind: K }> }>;
}

/** `group/resource verb` triples (and `url verb` pairs) an RBAC need grants, for comparing with output. */
export function rbacTriples(rule: { apiGroups?: readonly string[]; resources?: readonly string[]; resourceNames?: readonly string[]; nonResourceURLs?: readonly string[]; verbs: readonly string[] }): string[] {
  const out: string[] = [];
  const names = rule.resourceNames && rule.resourceNames.length > 0 ? `[${[...rule.resourceNames].sort().join(',')}]` : '';
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push(`url ${url} ${verb}`);
    for (const group of rule.resources ? rule.apiGroups ?? [''] : []) {
      for (const resource of rule.resources ?? []) out.push(`${group === '' ? 'core' : group}/${resource}${names} ${verb}`);
    }
  }
  return out;
}
