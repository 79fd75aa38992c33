// AWS entry point (package subpath ./aws): loads cdktf and @cdktf/provider-aws submodules only.
export * from './constructs/aws/iam-model';
export { AwsCostOptimizerIdentity, AwsCostOptimizerIdentityProps, writeReasons } from './constructs/aws/cost-optimizer-identity';
export * from './constructs/optimizer/identity';
export * from './stacks/aws-cost-optimizer';
