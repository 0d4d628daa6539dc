#!/usr/bin/env bash
# Starts node NODE_ID of the compose file's three-node KRaft cluster, each node broker and
# controller in one process. The apache/kafka image's own start script cannot create SCRAM users
# when it formats the storage, and the brokers authenticate to each other with SCRAM-SHA-512, so
# the users must exist in the metadata before the first broker starts: this script writes the
# configuration, formats once with --add-scram, and then runs Kafka.
#
# Listeners: INTERNAL (SASL_SSL, SCRAM-SHA-512) on 9092 for the brokers, the services and the
# registry inside the compose network; EXTERNAL (SASL_SSL) on 9094, published on the host as
# EXTERNAL_ADDRESS; CONTROLLER (TLS with client certificates) on 9093 between the nodes.
set -euo pipefail

: "${NODE_ID:?}" "${CLUSTER_ID:?}" "${EXTERNAL_ADDRESS:?}"
: "${KEYSTORE_PASSWORD:?set KAFKA_KEYSTORE_PASSWORD in .env}"
: "${BROKER_PASSWORD:?set KAFKA_BROKER_PASSWORD in .env}"
: "${TRACKING_PASSWORD:?set KAFKA_TRACKING_PASSWORD in .env}"
: "${REGISTRY_PASSWORD:?set KAFKA_REGISTRY_PASSWORD in .env}"

kafka="${KAFKA_HOME:-/opt/kafka}"
secrets="${CERTS_DIR:-/etc/kafka/secrets}"
data="${DATA_DIR:-/var/lib/kafka/data}"
work="${WORK_DIR:-/tmp}"
# Empty: every interface (the container's). Set only to run the script outside a container.
listen="${LISTEN_HOST:-}"
host="kafka-${NODE_ID}"
scram_login='org.apache.kafka.common.security.scram.ScramLoginModule required'

umask 077
cat > "$work/server.properties" <<PROPERTIES
node.id=${NODE_ID}
process.roles=broker,controller
controller.quorum.voters=1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093
controller.listener.names=CONTROLLER
listeners=INTERNAL://${listen}:9092,EXTERNAL://${listen}:9094,CONTROLLER://${listen}:9093
advertised.listeners=INTERNAL://${host}:9092,EXTERNAL://${EXTERNAL_ADDRESS}
listener.security.protocol.map=INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=${scram_login} username="broker" password="${BROKER_PASSWORD}";
listener.name.external.scram-sha-512.sasl.jaas.config=${scram_login};
listener.name.controller.ssl.client.auth=required
ssl.keystore.type=PKCS12
ssl.keystore.location=${secrets}/${host}.p12
ssl.keystore.password=${KEYSTORE_PASSWORD}
ssl.key.password=${KEYSTORE_PASSWORD}
ssl.truststore.type=PEM
ssl.truststore.location=${secrets}/ca.pem
log.dirs=${data}
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
auto.create.topics.enable=false
PROPERTIES

# What the healthcheck connects with (and an operator inside the container, with kafka-topics.sh).
cat > "$work/client.properties" <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=${scram_login} username="broker" password="${BROKER_PASSWORD}";
ssl.truststore.type=PEM
ssl.truststore.location=${secrets}/ca.pem
PROPERTIES

if [ ! -f "$data/meta.properties" ]; then
  echo "broker ${NODE_ID}: formatting storage with the SCRAM-SHA-512 users broker, tracking and schema-registry"
  "$kafka/bin/kafka-storage.sh" format --config "$work/server.properties" --cluster-id "$CLUSTER_ID" \
    --add-scram "SCRAM-SHA-512=[name=broker,password=${BROKER_PASSWORD}]" \
    --add-scram "SCRAM-SHA-512=[name=tracking,password=${TRACKING_PASSWORD}]" \
    --add-scram "SCRAM-SHA-512=[name=schema-registry,password=${REGISTRY_PASSWORD}]"
fi

exec "$kafka/bin/kafka-server-start.sh" "$work/server.properties"
