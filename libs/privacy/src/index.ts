export * from './erasure-book';
export * from './erasure-list';
export * from './erasure-publishers';
export * from './erasure-reports';
export * from './request-listeners';
export * from './subject-hash';
export * from './privacy.providers';
