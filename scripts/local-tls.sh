#!/bin/sh
# Serve the platform over HTTPS on this machine, for demos of the PACT endpoints (which refuse
# plain HTTP): a self-signed certificate under .tls/ and gunicorn terminating TLS itself.
# Production terminates TLS at the proxy in docker/compose.yaml instead (docs/pact.md).
#
#   scripts/local-tls.sh                 # https://127.0.0.1:8443/
#   HOST=0.0.0.0 PORT=9443 scripts/local-tls.sh
#
# Clients must trust .tls/cert.pem (curl --cacert .tls/cert.pem) or skip verification.
set -eu
cd "$(dirname "$0")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8443}"
TLS_DIR=.tls
CERT="$TLS_DIR/cert.pem"
KEY="$TLS_DIR/key.pem"

mkdir -p "$TLS_DIR"
chmod 700 "$TLS_DIR"
# A new certificate when there is none or it expires within a day.
if [ ! -s "$CERT" ] || [ ! -s "$KEY" ] || ! openssl x509 -checkend 86400 -noout -in "$CERT" >/dev/null 2>&1; then
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 30 \
        -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        -keyout "$KEY" -out "$CERT" 2>/dev/null
    chmod 600 "$KEY"
    echo "Made a self-signed certificate for localhost: $CERT"
fi

.venv/bin/python manage.py migrate --noinput
echo "Serving https://$HOST:$PORT/ (PACT under ${PACT_BASE_PATH:-/pact}/)"
exec .venv/bin/gunicorn config.wsgi:application \
    --bind "$HOST:$PORT" --certfile "$CERT" --keyfile "$KEY" \
    --workers 2 --access-logfile -
