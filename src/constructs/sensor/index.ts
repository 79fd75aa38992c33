export * from './common';
export * from './sensor-workload';
export * from './interceptor';
export * from './digger';
export * from './detection-tool';
export * from './prometheus-agent';
export * from './data-sources';
export * from './crawler';
