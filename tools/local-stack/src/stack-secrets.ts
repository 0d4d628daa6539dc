import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListenerSecurity } from './kafka-broker';

/** Passwords of a secured stack, made once and kept in `<stackDir>/credentials.json` (mode 0600). */
export interface StackCredentials {
  /** SCRAM-SHA-512 user the brokers speak to each other as, and the stack's own admin clients use. */
  kafkaAdmin: { username: string; password: string };
  /** SCRAM-SHA-512 user of the services, the CLI and a user's own tools (stack.env). */
  kafkaClient: { username: string; password: string };
  /** Basic auth of the registry. */
  registry: { username: string; password: string };
}

export function stackCredentials(stackDir: string): StackCredentials {
  const file = join(stackDir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackCredentials;
  // URL-safe characters only: SCRAM, JAAS and shell quoting then need no escaping.
  const password = (): string => randomBytes(24).toString('base64url');
  const credentials: StackCredentials = {
    kafkaAdmin: { username: 'admin', password: password() },
    kafkaClient: { username: 'tracking', password: password() },
    registry: { username: 'tracking', password: password() },
  };
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return credentials;
}

/** The stack's CA and the brokers' certificate, PEM files. */
export interface StackTls {
  /** What clients trust (KAFKA_SSL_CA_FILE). */
  caFile: string;
  /** Private key (PKCS#8, unencrypted, mode 0600) and certificate chain in one file: the brokers' PEM keystore. */
  keystoreFile: string;
}

/**
 * A CA of the stack's own and one broker certificate for 127.0.0.1 and localhost (every broker of
 * the stack listens on this machine, so one certificate serves them all), made with openssl on the
 * first secured start and reused afterwards. The CA key stays in the directory, mode 0600.
 */
export function ensureStackTls(stackDir: string): StackTls {
  const dir = join(stackDir, 'tls');
  const tls: StackTls = { caFile: join(dir, 'ca.pem'), keystoreFile: join(dir, 'broker-keystore.pem') };
  if (existsSync(tls.caFile) && existsSync(tls.keystoreFile)) return tls;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(dir, name);
  // Synchronous: it runs once per stack directory, and the stack's constructor-time wiring stays simple.
  const openssl = (...args: string[]): void => {
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new Error(`openssl ${args[0]} failed (the secured stack needs openssl): ${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message)}`, { cause: error });
    }
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '3650', '-subj', '/CN=tracking-platform local stack CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('broker.key'), '-out', file('broker.csr'), '-subj', '/CN=localhost');
  writeFileSync(file('broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  openssl('x509', '-req', '-in', file('broker.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('broker.pem'), '-days', '3650', '-extfile', file('broker.ext'));
  // Kafka's PEM keystore wants the key as PKCS#8; `req -nodes` of OpenSSL 3 writes that already, convert anyway for older ones.
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', file('broker.key'), '-out', file('broker.p8.key'));
  const keystore = `${readFileSync(file('broker.p8.key'), 'utf8')}${readFileSync(file('broker.pem'), 'utf8')}${readFileSync(file('ca.pem'), 'utf8')}`;
  writeFileSync(tls.keystoreFile, keystore, { mode: 0o600 });
  for (const name of ['ca.key', 'broker.key', 'broker.p8.key']) chmodSync(file(name), 0o600);
  for (const name of ['broker.csr', 'broker.ext', 'ca.srl']) rmSync(file(name), { force: true });
  return tls;
}

/**
 * SASL_SSL on the brokers' one listener, for clients and for the brokers among themselves: the
 * inter-broker traffic goes through the same TLS and SCRAM path as a production cluster's rather
 * than a plaintext side door, at no extra port. The controller listener stays PLAINTEXT on
 * 127.0.0.1 (unreachable from other machines; KRaft controllers take no SCRAM, SCRAM needs the
 * metadata they serve).
 */
export function saslSslListener(tls: StackTls, credentials: StackCredentials): ListenerSecurity {
  const scram = (user: { username: string; password: string }): string => `SCRAM-SHA-512=[name=${user.username},password=${user.password}]`;
  const admin = credentials.kafkaAdmin;
  return {
    protocol: 'SASL_SSL',
    properties: [
      '# SASL_SSL: TLS with the stack CA-signed certificate (tls/), SCRAM-SHA-512 users made when the storage was formatted.',
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${tls.keystoreFile}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${tls.caFile}`,
      'ssl.endpoint.identification.algorithm=https',
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.username}" password="${admin.password}";`,
    ],
    scramUsers: [scram(admin), scram(credentials.kafkaClient)],
    client: {
      tls: { ca: readFileSync(tls.caFile, 'utf8') },
      sasl: { mechanism: 'scram-sha-512', username: admin.username, password: admin.password },
    },
  };
}
