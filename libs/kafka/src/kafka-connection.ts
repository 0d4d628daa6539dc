import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSettings } from '@tracking/config';

/**
 * What every kafkajs client of the platform (services, CLI, provisioning, bench, tests) needs to
 * reach the cluster: brokers, client id, TLS and SASL, from one KafkaSettings.
 */
export function kafkaConnection(settings: KafkaSettings): Pick<KafkaConfig, 'brokers' | 'clientId' | 'ssl' | 'sasl'> {
  const connection: Pick<KafkaConfig, 'brokers' | 'clientId' | 'ssl' | 'sasl'> = { brokers: settings.brokers, clientId: settings.clientId };
  if (settings.tls) {
    const tls: ConnectionOptions = {};
    if (settings.tls.ca !== undefined) tls.ca = settings.tls.ca;
    if (settings.tls.cert !== undefined) tls.cert = settings.tls.cert;
    if (settings.tls.key !== undefined) tls.key = settings.tls.key;
    connection.ssl = Object.keys(tls).length > 0 ? tls : true;
  }
  if (settings.sasl) {
    const { mechanism, username, password } = settings.sasl;
    connection.sasl = { mechanism, username, password } as SASLOptions;
  }
  return connection;
}
