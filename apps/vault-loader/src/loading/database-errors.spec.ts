import { isDatabaseUnavailable } from './database-errors';

describe(isDatabaseUnavailable.name, () => {
  it.each([
    ['a deadlock between concurrent batches', { code: '40P01', severity: 'ERROR' }],
    ['a serialization failure', { code: '40001', severity: 'ERROR' }],
    ['a server shutting down', { code: '57P01', severity: 'FATAL' }],
    ['a refused connection', { code: 'ECONNREFUSED' }],
  ])('retries the batch after %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a NUL byte in text', { code: '22P05', severity: 'ERROR' }],
    ['a value out of range', { code: '22003', severity: 'ERROR' }],
  ])('hands the record back to be dead-lettered after %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
