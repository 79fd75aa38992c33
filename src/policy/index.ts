// The checker's entry point (package subpath ./policy): plain functions over plain objects.
export * from './types';
export * from './rule-ids';
export * from './objects';
export * from './engine';
export * from './registry';
export * from './pss';
export * from './rbac';
export * from './network';
export * from './secrets';
export * from './images';
export * from './parse';
export * from './format';
export * from './cdk8s-plugin';
export * from './rbac-model';
