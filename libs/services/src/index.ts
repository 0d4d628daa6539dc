export * from './free-port';
export * from './repository-root';
export * from './service-catalogue';
