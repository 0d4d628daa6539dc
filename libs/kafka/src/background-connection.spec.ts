import { KafkaJSSASLAuthenticationError } from 'kafkajs';
import pino from 'pino';
import { BackgroundConnection } from './background-connection';

const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

function setup(attempts: Array<Error | undefined>) {
  const connect = jest.fn(async () => {
    const outcome = attempts.shift();
    if (outcome) throw outcome;
  });
  const sut = new BackgroundConnection('kafka', connect, pino({ level: 'silent' }), { initialDelayMs: 5, maxDelayMs: 20 });
  return { sut, connect };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe(BackgroundConnection.name, () => {
  it('is connected when the first attempt succeeds', async () => {
    const { sut } = setup([undefined]);
    await sut.start();
    await expect(sut.check()).resolves.toBeUndefined();
  });

  describe('when the cluster refuses the credentials at start', () => {
    it('starts anyway, reports the reason to readiness, and connects once the cluster accepts it', async () => {
      const refused = new SaslError('SASL SCRAM SHA512 authentication failed');
      const { sut, connect } = setup([refused, refused, undefined]);
      await sut.start();
      await expect(sut.check()).rejects.toThrow('authentication failed (SASL): SASL SCRAM SHA512 authentication failed');
      await waitUntil(() => sut.isConnected);
      expect(sut.isConnected).toBe(true);
      expect(connect).toHaveBeenCalledTimes(3);
      await expect(sut.check()).resolves.toBeUndefined();
      sut.stop();
    });
  });

  it('tells an untrusted certificate as the reason', async () => {
    const untrusted = Object.assign(new Error('Connection error: self-signed certificate in certificate chain'), { name: 'KafkaJSConnectionError', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const { sut } = setup([untrusted, untrusted, untrusted, untrusted]);
    await sut.start();
    await expect(sut.check()).rejects.toThrow(/^TLS: certificate not accepted \(SELF_SIGNED_CERT_IN_CHAIN\)/);
    sut.stop();
  });

  it('still stops the start for any other failure (a schema not registered)', async () => {
    const { sut } = setup([new Error('subject tracking.events.v1-value has no such schema')]);
    await expect(sut.start()).rejects.toThrow('no such schema');
  });

  it('stops trying once stopped', async () => {
    const refused = new SaslError('refused');
    const { sut, connect } = setup(Array.from({ length: 50 }, () => refused));
    await sut.start();
    sut.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connect).toHaveBeenCalledTimes(1);
  });
});
