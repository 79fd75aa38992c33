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
}

/** The resolved names, shared verbatim by the chart and the stacks. */
export interface CostOptimizerNames {
  readonly clusterName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** IAM role name on AWS: `<cluster>-cost-optimizer` (64 characters at most). */
  readonly awsRoleName: string;
  /** Google service account id: `cost-opt-<cluster>`, cut to 30 characters. */
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
  const awsRoleName = `${clusterName}-cost-optimizer`.slice(0, 64);
  const gcpServiceAccountId = `cost-opt-${clusterName.toLowerCase().replace(/_/g, '-')}`.slice(0, 30).replace(/-+$/, '');
  return { clusterName, namespace, serviceAccountName, awsRoleName, gcpServiceAccountId };
}
