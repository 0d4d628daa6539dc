export * from './logger';
export * from './observability.module';
export * from './readiness';
export * from './tokens';
export * from './http-service.factory';
