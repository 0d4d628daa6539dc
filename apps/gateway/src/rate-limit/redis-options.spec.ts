import Redis from 'ioredis';
import { redisOptions } from './redis-rate-limit.store';

/** What a client built as the store builds it would use, read back from ioredis without connecting. */
function optionsOf(url: string, tlsCa?: string): Redis['options'] {
  const redis = new Redis(url, { ...redisOptions(tlsCa), lazyConnect: true });
  const options = redis.options;
  redis.disconnect();
  return options;
}

describe(redisOptions.name, () => {
  it('connects over TLS for rediss://, trusting the given CA', () => {
    const options = optionsOf('rediss://:secret@cache.example:6380/0', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
    expect(options.tls).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect({ host: options.host, port: options.port, password: options.password }).toEqual({ host: 'cache.example', port: 6380, password: 'secret' });
  });

  it('connects over TLS for rediss:// with the system CAs when no CA is given', () => {
    expect(optionsOf('rediss://cache.example:6380').tls).toBeTruthy();
  });

  it('stays in plaintext for redis://', () => {
    expect(optionsOf('redis://127.0.0.1:6379').tls).toBeUndefined();
  });
});
