export const EXPORT_TARGETS = Symbol('EXPORT_TARGETS');
