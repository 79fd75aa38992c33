import { PropValidator } from '../validation';

/**
 * The one props object both sides of the cost optimiser are generated from: the Kubernetes
 * ServiceAccount (cdk8s) and the cloud identity that trusts it (cdktf). Plain data, no framework.
 */
export interface CostOptimizerIdentityProps {
  /** The cluster's name, as EKS or GKE knows it. */
  readonly clusterName: string;
  /**
   * Namespace of the optimizer agent.
   * @default "cost-optimizer"
   */
  readonly namespace?: string;
  /**
   * Name of the agent's Kubernetes ServiceAccount.
   * @default "optimizer-agent"
   */
  readonly serviceAccountName?: string;
  /**
   * AWS only: the prefix of every AWS name derived for this cluster (the role `<prefix>-cost-optimizer`,
   * the queue `<prefix>-interruptions`, the rules `<prefix>-<event>`). At most 42 characters, so that
   * every derived name stays within its service's limit (EventBridge rule names: 64).
   * @default - the cluster name, which must then be at most 42 characters
   */
  readonly awsNamePrefix?: string;
  /**
   * GCP only: the id of the optimiser's Google service account (6 to 30 characters).
   * @default - `cost-opt-<cluster>`, which needs a cluster name of at most 21 characters
   */
  readonly gcpServiceAccountId?: string;
}

/** The resolved names, shared verbatim by the chart and the stacks. */
export interface CostOptimizerNames {
  /** The cluster's name, as EKS or GKE knows it. */
  readonly clusterName: string;
  /** Namespace of the optimizer agent (`cost-optimizer` unless given). */
  readonly namespace: string;
  /** Name of the agent's Kubernetes ServiceAccount (`optimizer-agent` unless given). */
  readonly serviceAccountName: string;
  /** Prefix of the AWS names: `awsNamePrefix`, or the cluster name. */
  readonly awsNamePrefix: string;
  /** IAM role name on AWS: `<awsNamePrefix>-cost-optimizer` (never cut: unique per prefix). */
  readonly awsRoleName: string;
  /** Google service account id: `gcpServiceAccountId`, or `cost-opt-<cluster>` (never cut: unique per cluster name). */
  readonly gcpServiceAccountId: string;
}

const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
const GKE_NAME = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;

export function validateEksClusterName(v: PropValidator, value: string): string {
  if (typeof value !== 'string' || !EKS_NAME.test(value)) {
    v.fail('invalid-cluster-name', 'clusterName', value,
      'is not a valid EKS cluster name (1 to 100 letters, digits, "-" or "_", starting with a letter or digit)', 'use e.g. "prod-eu-1"');
  }
  return value;
}

export function validateGkeClusterName(v: PropValidator, value: string): string {
  if (typeof value !== 'string' || !GKE_NAME.test(value)) {
    v.fail('invalid-cluster-name', 'clusterName', value,
      'is not a valid GKE cluster name (1 to 40 lowercase letters, digits or "-", starting with a letter, not ending with "-")', 'use e.g. "prod-eu-1"');
  }
  return value;
}

/** Resolves and validates the shared names. `cloud` picks the cluster-name rule. */
export function resolveCostOptimizerNames(v: PropValidator, props: CostOptimizerIdentityProps, cloud: 'aws' | 'gcp' | 'any'): CostOptimizerNames {
  if (cloud === 'aws') validateEksClusterName(v, props.clusterName);
  else if (cloud === 'gcp') validateGkeClusterName(v, props.clusterName);
  else if (typeof props.clusterName !== 'string' || !(EKS_NAME.test(props.clusterName) || GKE_NAME.test(props.clusterName))) {
    validateEksClusterName(v, props.clusterName);
  }
  const namespace = v.dnsLabel('namespace', props.namespace ?? 'cost-optimizer');
  const serviceAccountName = v.dnsSubdomain('serviceAccountName', props.serviceAccountName ?? 'optimizer-agent');
  const clusterName = props.clusterName;
  const awsNamePrefix = resolveAwsNamePrefix(v, props, cloud === 'aws');
  const awsRoleName = `${awsNamePrefix}-cost-optimizer`;
  const gcpServiceAccountId = resolveGcpServiceAccountId(v, props, cloud === 'gcp');
  return { clusterName, namespace, serviceAccountName, awsNamePrefix, awsRoleName, gcpServiceAccountId };
}

/** Longest AWS name prefix: `<prefix>-instance-state-change` must fit EventBridge's 64 characters. */
export const AWS_NAME_PREFIX_MAX = 42;
const AWS_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * The AWS names are derived, never cut: a cut name would make two clusters share a rule or a queue.
 * A prefix that is too long (or a cluster name, when no prefix is given) is refused when `strict`.
 */
function resolveAwsNamePrefix(v: PropValidator, props: CostOptimizerIdentityProps, strict: boolean): string {
  if (props.awsNamePrefix !== undefined) {
    const p = props.awsNamePrefix;
    if (typeof p !== 'string' || p.length > AWS_NAME_PREFIX_MAX || !AWS_PREFIX.test(p)) {
      v.fail('invalid-name-prefix', 'awsNamePrefix', p,
        `is not 1 to ${AWS_NAME_PREFIX_MAX} letters, digits, "-" or "_" starting with a letter or digit`, 'use a short name unique in the account and region, e.g. "prod-eu-1"');
    }
    return p;
  }
  const name = String(props.clusterName);
  if (strict && name.length > AWS_NAME_PREFIX_MAX) {
    v.fail('name-too-long', 'clusterName', name,
      `is longer than ${AWS_NAME_PREFIX_MAX} characters, so the derived rule name "${name}-instance-state-change" would exceed EventBridge's 64`,
      'set awsNamePrefix to a shorter name unique in the account and region');
  }
  return name;
}

const GCP_SA_ID = /^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/;

function resolveGcpServiceAccountId(v: PropValidator, props: CostOptimizerIdentityProps, strict: boolean): string {
  if (props.gcpServiceAccountId !== undefined) {
    if (typeof props.gcpServiceAccountId !== 'string' || !GCP_SA_ID.test(props.gcpServiceAccountId)) {
      v.fail('invalid-service-account-id', 'gcpServiceAccountId', props.gcpServiceAccountId,
        'is not a service account id (6 to 30 lowercase letters, digits or "-", starting with a letter)', 'use e.g. "cost-opt-prod-eu-1"');
    }
    return props.gcpServiceAccountId;
  }
  const id = `cost-opt-${String(props.clusterName).toLowerCase().replace(/_/g, '-')}`;
  if (strict && id.length > 30) {
    v.fail('name-too-long', 'clusterName', props.clusterName,
      `gives the service account id "${id}", longer than Google's 30 characters`, 'set gcpServiceAccountId to an id unique in the project, e.g. "cost-opt-prod-eu-canary"');
  }
  return id;
}
