export * from './aiops-api';
export * from './audit-log';
export * from './audit-sql';
export * from './stores';
export * from './needs';
