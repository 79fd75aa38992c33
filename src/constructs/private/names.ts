import { Construct } from 'constructs';
import { PropValidator } from '../validation';

/** A validator for a construct that is not created yet (props are checked before `super()`). */
export function validatorFor(owner: string, scope: Construct, id: string): PropValidator {
  return new PropValidator(owner, scope.node.path ? `${scope.node.path}/${id}` : id);
}

/**
 * Name of a workload's cluster-scoped objects (ClusterRole, ClusterRoleBinding): prefixed with its
 * namespace, so that two installations, or another product's `agent`, do not collide.
 */
export function clusterScopedName(workload: { name: string; namespace?: string }): string {
  return `${workload.namespace ?? 'default'}-${workload.name}`;
}

/**
 * Refuses props that are not an object (undefined, null, a string) with a ValidationError, before a
 * constructor reads any of them: for constructors that must read props before `super()`.
 */
export function requireProps<T>(owner: string, scope: Construct, id: string, props: T, fix: string): T {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    validatorFor(owner, scope, id).fail('missing-props', 'props', props, 'is not an object', fix);
  }
  return props;
}
