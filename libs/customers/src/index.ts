export * from './customer-config';
export * from './customer-config.parser';
export * from './customer-directory';
export * from './yaml-reader';
export * from './customer-texts';
