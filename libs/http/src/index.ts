export * from './api-error';
export * from './error-envelope';
export * from './api-exception.filter';
export * from './admin-token.guard';
