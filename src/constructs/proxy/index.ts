export * from './outbound-proxy';
