export * from './event-builder';
export * from './ingestion-limits';
export * from './ip-anonymiser';
export * from './json-guard';
export * from './track-request';
export * from './track-request.validator';
