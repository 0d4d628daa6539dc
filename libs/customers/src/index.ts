export * from './customer-config';
export * from './customer-config.parser';
export * from './customer-directory';
export * from './yaml-reader';
export * from './customer-texts';
export * from './automations-file';
export * from './path-glob';
export * from './workflow';
