export * from './cidr';
export * from './peers';
export * from './workload-network-policy';
