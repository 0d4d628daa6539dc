export * from './database-pool';
export * from './migration-runner';
export * from './transaction';
