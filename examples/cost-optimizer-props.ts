/**
 * The one props object both sides of the cost-optimiser examples are generated from, so the
 * ServiceAccount's annotation and the cloud trust name the same cluster, namespace and KSA.
 */
export const costOptimizerIdentity = {
  clusterName: 'prod-eu-1',
  namespace: 'cost-optimizer',
  serviceAccountName: 'optimizer-agent',
} as const;

export const awsExample = {
  accountId: '111122223333',
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f67890',
  nodeRoleName: 'prod-eu-1-node',
  oidcIssuer: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
} as const;

export const gcpExample = {
  projectId: 'acme-prod',
  projectNumber: '123456789012',
  location: 'europe-west1',
  subnetwork: 'europe-west1/nodes',
  nodeServiceAccountEmail: 'gke-nodes@acme-prod.iam.gserviceaccount.com',
} as const;
