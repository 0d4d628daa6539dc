export * from './api-error';
export * from './error-envelope';
export * from './api-exception.filter';
export * from './admin-token.guard';
export * from './transport-errors';
export * from './api-service.factory';
export * from './openapi';
export * from './request-body';
