// GCP entry point (package subpath ./gcp): loads cdktf and @cdktf/provider-google submodules only.
export * from './constructs/gcp/iam-model';
export { GcpClusterTag, GcpCostOptimizerIdentity, GcpCostOptimizerIdentityProps } from './constructs/gcp/cost-optimizer-identity';
export * from './constructs/optimizer/identity';
export * from './stacks/gcp-cost-optimizer';
