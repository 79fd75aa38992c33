export * from './common';
export * from './agent';
export * from './mediator';
export * from './executor';
export * from './victoria-metrics';
export * from './needs';
