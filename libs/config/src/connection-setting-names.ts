/**
 * The settings that say how to authenticate to Kafka and the registry (not where they are): what
 * a launcher (the bench, the test setup) hands on to the services it starts. Import-free, so that
 * jest's global setup, which runs outside the module mapper, can read it by a relative path.
 */
export const CONNECTION_SETTING_NAMES = [
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'SCHEMA_REGISTRY_CA_FILE',
  'SCHEMA_REGISTRY_USERNAME',
  'SCHEMA_REGISTRY_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD_FILE',
] as const;
