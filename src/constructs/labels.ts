import { ApiObject } from 'cdk8s';

/** The value of `app.kubernetes.io/managed-by` on every object the library makes. */
export const MANAGED_BY = 'secure-agent-constructs';

/** The four label values that, with `managed-by`, every object carries (DESIGN.md, Labels). */
export interface StandardLabelProps {
  /** `app.kubernetes.io/name` */
  readonly name: string;
  /** `app.kubernetes.io/instance` */
  readonly instance: string;
  /** `app.kubernetes.io/component`, e.g. `agent`, `mediator` */
  readonly component: string;
  /** `app.kubernetes.io/part-of`: the family, e.g. `observability` */
  readonly partOf: string;
}

export function standardLabels(p: StandardLabelProps): Record<string, string> {
  return {
    'app.kubernetes.io/name': p.name,
    'app.kubernetes.io/instance': p.instance,
    'app.kubernetes.io/component': p.component,
    'app.kubernetes.io/part-of': p.partOf,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** The labels that select one workload's pods: stable across label additions, unlike the full set. */
export function selectorLabels(p: StandardLabelProps): Record<string, string> {
  return {
    'app.kubernetes.io/name': p.name,
    'app.kubernetes.io/instance': p.instance,
    'app.kubernetes.io/component': p.component,
  };
}

/**
 * A cluster-scoped object (ClusterRole, ClusterRoleBinding, admission policies). cdk8s copies the
 * chart's namespace onto every object; a cluster-scoped one must not carry it.
 */
export class ClusterScopedObject extends ApiObject {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of ApiObject.toJson
  public override toJson(): any {
    const json = super.toJson();
    if (json.metadata) delete json.metadata.namespace;
    return json;
  }
}
