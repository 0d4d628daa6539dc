export * from './analytics-views';
export * from './bookkeeping-tables';
export * from './partitions';
export * from './relation';
export * from './rollup-tables';
export * from './tenant-isolation';
export * from './vault-schemas';
export * from './vault-tables';
