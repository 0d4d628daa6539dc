export * from './config-error';
export * from './env-reader';
export * from './shared-settings';
export * from './admin-token';
export * from './replay-bounds';
export * from './redacted-url';
export * from './connection-setting-names';
