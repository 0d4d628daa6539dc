#!/usr/bin/env bash
# Starts the Confluent Schema Registry of docker-compose.yml behind HTTP basic auth. The image takes
# every other setting from SCHEMA_REGISTRY_* variables, but basic auth needs a JAAS file and a
# password file, which this script writes from REGISTRY_USER and REGISTRY_PASSWORD (given from
# .env) before handing over to the image's own start script.
set -euo pipefail

: "${REGISTRY_USER:?}" "${REGISTRY_PASSWORD:?set SCHEMA_REGISTRY_PASSWORD in .env}"
work="${WORK_DIR:-/tmp/registry-auth}"
mkdir -p "$work"
umask 077

# Jetty's property-file login: "user: password,role". The role must be one of
# SCHEMA_REGISTRY_AUTHENTICATION_ROLES.
printf '%s: %s,admin\n' "$REGISTRY_USER" "$REGISTRY_PASSWORD" > "$work/users.properties"
# Confluent Platform 8 runs Jetty 12, whose login module lives in org.eclipse.jetty.security.jaas
# (Jetty 9's org.eclipse.jetty.jaas is gone: with it every request would get 401).
cat > "$work/jaas.conf" <<JAAS
SchemaRegistry-Props {
  org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule required
  file="$work/users.properties"
  debug="false";
};
JAAS
# The healthcheck's credentials, so that no password is on a command line.
printf 'machine localhost login %s password %s\n' "$REGISTRY_USER" "$REGISTRY_PASSWORD" > "$work/netrc"

export SCHEMA_REGISTRY_OPTS="${SCHEMA_REGISTRY_OPTS:-} -Djava.security.auth.login.config=$work/jaas.conf"
exec /etc/confluent/docker/run
