#!/usr/bin/env bash
# The `certs` service of docker-compose.yml: a private CA and one certificate per broker, made once
# into the `certs` volume. keytool, not openssl, because it is what the apache/kafka image carries
# (a JRE on Alpine, no openssl), so the compose file needs no extra image for this step.
#
# Writes, in CERTS_DIR (default /etc/kafka/secrets):
#   ca.pem            the CA certificate: every client's KAFKA_SSL_CA_FILE, the brokers' truststore
#   kafka-N.p12       broker N's key and certificate chain (PKCS12, KEYSTORE_PASSWORD), N = 1..BROKERS
#   ca.p12            the CA's key, kept so that a broker can be added later; guard the volume
# Each broker certificate names kafka-N (the compose network) and localhost (the published ports).
# To bring certificates of your own, mount a directory with the same file names instead (README).
set -euo pipefail

dir="${CERTS_DIR:-/etc/kafka/secrets}"
brokers="${BROKERS:-3}"
days="${CERT_VALIDITY_DAYS:-825}"
: "${KEYSTORE_PASSWORD:?KEYSTORE_PASSWORD is required (set KAFKA_KEYSTORE_PASSWORD in .env)}"

complete=yes
for file in ca.pem $(seq -f 'kafka-%g.p12' 1 "$brokers"); do
  [ -s "$dir/$file" ] || complete=no
done
if [ "$complete" = yes ]; then
  echo "certs: $dir already holds the CA and $brokers broker keystores; nothing to do"
  exit 0
fi

cd "$dir"
# A run that stopped half way leaves files that no longer match each other: start again.
rm -f ca.p12 ca.pem kafka-*.p12 kafka-*.csr kafka-*.crt

store() { keytool -storetype PKCS12 -storepass:env KEYSTORE_PASSWORD "$@"; }

store -genkeypair -keystore ca.p12 -alias ca -dname 'CN=tracking-platform compose CA' \
  -keyalg RSA -keysize 3072 -validity "$days" -ext bc:c -ext KeyUsage:critical=keyCertSign,cRLSign
store -exportcert -keystore ca.p12 -alias ca -rfc -file ca.pem

for n in $(seq 1 "$brokers"); do
  name="kafka-$n"
  san="SAN=dns:$name,dns:localhost"
  store -genkeypair -keystore "$name.p12" -alias "$name" -dname "CN=$name" -keyalg RSA -keysize 2048 -validity "$days" -ext "$san"
  store -certreq -keystore "$name.p12" -alias "$name" -file "$name.csr"
  # serverAuth for the listeners, clientAuth because brokers present the same certificate to the
  # controller listener, which requires one (mutual TLS).
  store -gencert -keystore ca.p12 -alias ca -infile "$name.csr" -outfile "$name.crt" -rfc -validity "$days" \
    -ext "$san" -ext KeyUsage:critical=digitalSignature,keyEncipherment -ext ExtendedKeyUsage=serverAuth,clientAuth
  store -importcert -keystore "$name.p12" -alias ca -file ca.pem -noprompt
  store -importcert -keystore "$name.p12" -alias "$name" -file "$name.crt"
  rm -f "$name.csr" "$name.crt"
done

chmod 644 ca.pem
chmod 640 ca.p12 kafka-*.p12
echo "certs: made a CA and $brokers broker certificates in $dir"
