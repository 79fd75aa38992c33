import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentWorkload, PolicyRule, WorkloadOptions } from '../agent-workload';
import { ApiServerEndpoint } from '../endpoints';
import { IEgressPeer, Ports } from '../network/peers';
import { WorkloadNetworkPolicy } from '../network/workload-network-policy';
import { SecretSource } from '../secrets';
import { PropValidator } from '../validation';
import { CostOptimizerIdentityProps, CostOptimizerNames, resolveCostOptimizerNames } from './identity';
import { reasonOf, rulesOf } from '../../needs/model';
import { OPTIMIZER_AGENT_NEEDS } from './needs';

/** The read-only view every deployment of the agent needs, each rule with its reason (the cluster-wide RBAC rows of `OPTIMIZER_AGENT_NEEDS`). No secrets, no write verb. */
export const OPTIMIZER_READ_RULES: readonly PolicyRule[] = rulesOf(OPTIMIZER_AGENT_NEEDS, ['read-core', 'read-apps', 'read-batch', 'read-storage', 'read-hpa', 'read-pdb', 'read-events', 'version']);

/** What the agent may do in its own namespace: its leader-election lease and its metadata store. */
export const OPTIMIZER_OWN_NAMESPACE_RULES: readonly PolicyRule[] = rulesOf(OPTIMIZER_AGENT_NEEDS, ['leases', 'state']);

/** What the agent reads in kube-system: the provider's published configuration. */
export const OPTIMIZER_KUBE_SYSTEM_RULES: readonly PolicyRule[] = rulesOf(OPTIMIZER_AGENT_NEEDS, ['kube-system-config']);

/**
 * Reads used only to estimate savings, each a typed toggle, off by default: turn one on when the
 * cluster runs what it reads (a CRD that is not installed makes the agent's watch fail noisily).
 */
export interface SavingsEstimationReads {
  /** limitranges and resourcequotas. @default false */
  readonly quotas?: boolean;
  /** metrics.k8s.io pods and nodes (needs metrics-server). @default false */
  readonly podMetrics?: boolean;
  /** autoscaling.k8s.io verticalpodautoscalers. @default false */
  readonly verticalPodAutoscaler?: boolean;
  /** keda.sh scaledobjects and scaledjobs. @default false */
  readonly keda?: boolean;
  /** karpenter.sh nodepools and nodeclaims. @default false */
  readonly karpenter?: boolean;
  /** argoproj.io rollouts. @default false */
  readonly argoRollouts?: boolean;
  /** resource.k8s.io claims, claim templates, device classes and slices (Kubernetes 1.32 and later). @default false */
  readonly dynamicResourceAllocation?: boolean;
}

const SAVINGS_ROWS: Record<keyof SavingsEstimationReads, string> = {
  quotas: 'read-quotas',
  podMetrics: 'read-pod-metrics',
  verticalPodAutoscaler: 'read-vpa',
  keda: 'read-keda',
  karpenter: 'read-karpenter',
  argoRollouts: 'read-rollouts',
  dynamicResourceAllocation: 'read-dra',
};

/** Env-var name patterns (case-insensitive substrings) whose values the agent redacts before upload. */
export const DEFAULT_REDACT_PATTERNS: readonly string[] = ['password', 'passwd', 'pwd', 'secret', 'token', 'key', 'credential'];

/** How the agent's ServiceAccount gets its cloud identity. */
export enum CloudBindingKind {
  /** EKS Pod Identity: an association made by the AWS stack; no annotation. */
  EKS_POD_IDENTITY = 'eks-pod-identity',
  /** IAM roles for service accounts: the role ARN as an annotation. */
  EKS_IRSA = 'eks-irsa',
  /** GKE Workload Identity: the Google service account as an annotation. */
  GKE = 'gke',
}

/** Where the agent's ServiceAccount gets its cloud identity from. */
export interface CloudBinding {
  /** How the ServiceAccount gets its cloud identity: EKS Pod Identity, IRSA or GKE Workload Identity. */
  readonly kind: CloudBindingKind;
  /** AWS account id (eks-irsa). */
  readonly accountId?: string;
  /**
   * AWS partition (eks-irsa).
   * @default "aws"
   */
  readonly partition?: string;
  /** GCP project id (gke). */
  readonly projectId?: string;
}

export interface OptimizerAgentProps extends CostOptimizerIdentityProps, Omit<WorkloadOptions, 'name' | 'namespace'> {
  /**
   * Extra env-var name patterns to redact, added to DEFAULT_REDACT_PATTERNS.
   * @default - the defaults only
   */
  readonly redactPatterns?: string[];
  /**
   * The cloud binding of the ServiceAccount.
   * @default - EKS Pod Identity (no annotation)
   */
  readonly binding?: CloudBinding;
  /** The Kubernetes API server the agent reads from (egress on its port only). */
  readonly apiServer: ApiServerEndpoint;
  /**
   * Where the agent reaches the cloud APIs and the vendor's upload endpoint (TCP 443) when there is no
   * outbound proxy: e.g. `NetworkPeer.fqdns(...)` on Cilium. With a proxy, the proxy is the only way out.
   * @default NetworkPeer.internet() (public addresses only, private and link-local ranges excepted)
   */
  readonly cloudEgress?: IEgressPeer;
  /**
   * The vendor credential (the upload key), mounted as a file; VENDOR_CREDENTIAL_FILE holds its path.
   * @default - none
   */
  readonly vendorCredential?: SecretSource;
  /**
   * Reads used only to estimate savings, each off by default.
   * @default - none
   */
  readonly savingsReads?: SavingsEstimationReads;
}

/**
 * The cost optimiser's in-cluster agent: a read-only Deployment whose ServiceAccount carries the
 * cloud binding. Its default-deny policy opens DNS, the API server, and the cloud and vendor
 * endpoints (through the proxy when there is one, else `cloudEgress` on 443).
 */
export class OptimizerAgent extends AgentWorkload {
  /** The resolved cluster, namespace and ServiceAccount names the agent and its cloud binding use. */
  public readonly names: CostOptimizerNames;
  /** The resolved redaction patterns, applied to containers and init containers alike. */
  public readonly redactPatterns: readonly string[];
  /** The annotations on the ServiceAccount, as synthesised. */
  public readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  declare public readonly networkPolicy: WorkloadNetworkPolicy;
  /** The savings-estimation reads turned on. */
  public readonly savingsReads: ReadonlyArray<keyof SavingsEstimationReads>;

  constructor(scope: Construct, id: string, props: OptimizerAgentProps) {
    const v = new PropValidator('OptimizerAgent', scope.node.path ? `${scope.node.path}/${id}` : id);
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give { clusterName, image, apiServer }');
    const names = resolveCostOptimizerNames(v, props, props.binding?.kind === CloudBindingKind.GKE ? 'gcp' : props.binding ? 'aws' : 'any');
    const extra = v.list<string>('redactPatterns', props.redactPatterns, '["apikey"]').map((p, i) => {
      if (typeof p !== 'string' || !/^[A-Za-z0-9_]{2,64}$/.test(p)) {
        v.fail('invalid-redact-pattern', `redactPatterns[${i}]`, p, 'is not an env-var name fragment (2 to 64 letters, digits or "_")', 'use e.g. "apikey"');
      }
      return p.toLowerCase();
    });
    const redactPatterns = [...new Set([...DEFAULT_REDACT_PATTERNS, ...extra])];
    super(scope, id, {
      ...props,
      component: 'optimizer-agent', partOf: 'cost-optimizer', name: names.serviceAccountName, namespace: names.namespace,
      // Two replicas elect a leader (the lease in OPTIMIZER_OWN_NAMESPACE_RULES).
      replicas: props.replicas ?? 2,
      env: {
        ...(props.env ?? {}),
        REDACT_ENV_PATTERNS: redactPatterns.join(','),
        REDACT_APPLIES_TO: 'containers,initContainers',
        CLUSTER_NAME: names.clusterName,
      },
    });
    this.names = names;
    this.redactPatterns = redactPatterns;
    this.serviceAccountAnnotations = annotationsFor(v, this.names, props.binding);
    const savings = props.savingsReads ?? {};
    const toggled = (Object.keys(SAVINGS_ROWS) as Array<keyof SavingsEstimationReads>).filter((k) => {
      if (savings[k] !== undefined && typeof savings[k] !== 'boolean') v.fail('invalid-toggle', `savingsReads.${k}`, savings[k], 'is not a boolean', 'use true or false');
      return savings[k] === true;
    });
    for (const k of Object.keys(savings)) {
      if (!(k in SAVINGS_ROWS)) v.fail('unknown-toggle', `savingsReads.${k}`, k, 'is not a savings-estimation read', `use one of ${Object.keys(SAVINGS_ROWS).join(', ')}`);
    }
    this.savingsReads = toggled;
    this.grantClusterRole([...OPTIMIZER_READ_RULES, ...rulesOf(OPTIMIZER_AGENT_NEEDS, toggled.map((k) => SAVINGS_ROWS[k]))], { name: `${this.names.serviceAccountName}-read` });
    this.grantRole(this.names.namespace, [...OPTIMIZER_OWN_NAMESPACE_RULES], { name: this.names.serviceAccountName });
    this.grantRole('kube-system', [...OPTIMIZER_KUBE_SYSTEM_RULES], { name: `${this.names.namespace}-${this.names.serviceAccountName}` });
    this.allowDns().allowApiServer(props.apiServer, reasonOf(OPTIMIZER_AGENT_NEEDS, 'api-server'));
    this.reachOutside(props.cloudEgress, [Ports.tcp(443)], reasonOf(OPTIMIZER_AGENT_NEEDS, 'vendor'));
    if (props.vendorCredential !== undefined) this.mountVendorCredential('vendorCredential', props.vendorCredential);
    const sa = ApiObject.of(this.serviceAccount);
    for (const [k, val] of Object.entries(this.serviceAccountAnnotations)) sa.metadata.addAnnotation(k, val);
  }
}
function annotationsFor(v: PropValidator, n: CostOptimizerNames, b: CloudBinding | undefined): Record<string, string> {
  if (!b || b.kind === CloudBindingKind.EKS_POD_IDENTITY) return {};
  if (b.kind === CloudBindingKind.EKS_IRSA) {
    if (typeof b.accountId !== 'string' || !/^\d{12}$/.test(b.accountId)) {
      v.fail('invalid-account-id', 'binding.accountId', b.accountId, 'is not a 12-digit AWS account id', 'use e.g. "123456789012"');
    }
    const partition = b.partition ?? 'aws';
    if (!['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b'].includes(partition)) {
      v.fail('invalid-partition', 'binding.partition', partition, 'is not an AWS partition', 'use "aws", "aws-cn" or "aws-us-gov"');
    }
    return { 'eks.amazonaws.com/role-arn': `arn:${partition}:iam::${b.accountId}:role/${n.awsRoleName}` };
  }
  if (b.kind === CloudBindingKind.GKE) {
    if (typeof b.projectId !== 'string' || !/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(b.projectId)) {
      v.fail('invalid-project-id', 'binding.projectId', b.projectId, 'is not a GCP project id', 'use e.g. "acme-prod"');
    }
    return { 'iam.gke.io/gcp-service-account': `${n.gcpServiceAccountId}@${b.projectId}.iam.gserviceaccount.com` };
  }
  return v.fail('invalid-binding', 'binding.kind', (b as CloudBinding).kind, 'is not a known binding', 'use "eks-pod-identity", "eks-irsa" or "gke"');
}
