#!/usr/bin/env bash
# Runs a command with a real S3-compatible object store on loopback: the `moto` server from the Python
# package index (installed once into target/venv-moto), a fresh bucket, and
#   HARDSHIP_TEST_S3_URL=s3://hardship-test/evidence?endpoint=http://127.0.0.1:PORT&region=us-east-1&allow_http=true
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (test values moto accepts)
# exported. The server is stopped afterwards. Idempotent.
#   scripts/with-moto.sh cargo test -p hardship-cli --test cli scaleout
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/scripts/python-venv.sh" venv-moto "moto[server]")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp /tmp/hardship-moto.XXXXXX)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
cleanup() { kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf -X PUT "http://127.0.0.1:$port/hardship-test" >/dev/null || {
  echo "with-moto: the moto server did not start; its log:" >&2
  cat "$log" >&2
  exit 1
}
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export HARDSHIP_TEST_S3_URL="s3://hardship-test/evidence?endpoint=http://127.0.0.1:$port&region=us-east-1&allow_http=true"
echo "with-moto: moto S3 on 127.0.0.1:$port" >&2
"$@"
