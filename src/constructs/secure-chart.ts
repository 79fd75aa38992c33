import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { appValidatedInSynthesis, hookSynthesis, ownApiObjects, render, validateSubtree, withinSynthesis } from './private/synthesis';

/**
 * Apply order by kind: what others refer to comes first (namespaces, identities, config, RBAC), then
 * services and workloads. The same order Helm installs in; kinds not listed go last.
 */
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'CiliumNetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodDisruptionBudget',
  'ServiceAccount', 'Secret', 'ExternalSecret', 'ConfigMap', 'StorageClass', 'PersistentVolume',
  'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Role',
  'RoleBinding', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

interface Sortable {
  kind?: string;
  metadata?: { namespace?: string; name?: string };
}

/**
 * Sorts manifests by apply order of kind, then namespace, then name: a stable order for review diffs.
 * Kinds outside the list, namespaces and names compare by UTF-16 code unit, never by locale.
 */
export function sortManifests<T extends Sortable>(objects: T[]): T[] {
  const rank = (kind: string | undefined) => {
    const i = KIND_ORDER.indexOf(kind ?? '');
    return i < 0 ? KIND_ORDER.length : i;
  };
  const key = (o: T) => [o.metadata?.namespace ?? '', o.metadata?.name ?? ''].join('\u0000');
  return [...objects].sort((a, b) =>
    rank(a.kind) - rank(b.kind)
    || byCodeUnit(a.kind ?? '', b.kind ?? '')
    || byCodeUnit(key(a), key(b)));
}

/** Plain UTF-16 code-unit order: the same on every machine, unlike localeCompare (locale and ICU data). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A cdk8s Chart whose output is sorted (DESIGN.md principle 4): adding or moving a construct changes
 * only the lines of what changed, not the order of everything after it.
 *
 * Its synthesis costs what its own objects cost, however many charts the app has: `toJson()`
 * validates this chart's subtree (cdk8s's `Chart.toJson()` validates the whole app, so rendering
 * every chart of an app cost charts x app), and within `app.synth()` or `app.synthYaml()`, which
 * validate the whole app first, each object is rendered and each PolicyCheck runs once.
 */
export class SecureChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    hookSynthesis(this);
  }

  /**
   * The chart's objects (those whose closest chart it is), sorted. Validates the chart's subtree
   * first, unless the app was validated at the start of the synthesis this call is part of.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of Chart.toJson
  public override toJson(): any[] {
    return withinSynthesis(false, () => {
      if (!appValidatedInSynthesis()) validateSubtree(this);
      return sortManifests(ownApiObjects(this).map(render));
    });
  }
}
