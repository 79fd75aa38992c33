// Kubernetes entry point: re-exports only. Cloud constructs live in ./aws and ./gcp.
export * from './errors';
export * from './policy/rule-ids';
export * from './policy/types';
export * from './constructs/labels';
export * from './constructs/validation';
export * from './constructs/agent-workload';
export * from './constructs/secure-chart';
export * from './constructs/network';
export * from './constructs/aiops';
export * from './stacks/aiops';
