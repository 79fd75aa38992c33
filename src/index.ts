// Kubernetes entry point: re-exports only. Cloud constructs live in ./aws and ./gcp.
export * from './errors';
export * from './policy/rule-ids';
export * from './policy/types';
export * from './constructs/labels';
export * from './constructs/validation';
export * from './constructs/agent-workload';
export * from './constructs/policy-check';
export { SecureAgentsValidation, SecureAgentsValidationProps, PluginContext } from './policy/cdk8s-plugin';
export { check, CheckOptions, CheckInput, CheckResult, CheckSummary } from './policy/engine';
export * from './constructs/secure-chart';
export * from './constructs/network';
export * from './constructs/observability';
export * from './stacks/observability';
export * from './constructs/optimizer/identity';
export * from './constructs/optimizer/optimizer-agent';
export * from './stacks/cost-optimizer';
export * from './policy/aws-iam';
export * from './policy/gcp-iam';
