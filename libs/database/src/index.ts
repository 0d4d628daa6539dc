export * from './database-pool';
export * from './database-pool-closer';
export * from './migration-runner';
export * from './transaction';
export * from './singleton-job';
