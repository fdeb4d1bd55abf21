#!/usr/bin/env bash
# Runs a command with a real SMTP server on loopback: aiosmtpd from the Python package index (installed
# once into target/venv-smtp) running scripts/smtp_sink.py, which writes every message it receives to a
# fresh directory as NNNNNN.eml (and refuses recipients named reject*). Exports
#   HARDSHIP_TEST_SMTP_URL=smtp://127.0.0.1:PORT
#   HARDSHIP_TEST_SMTP_DIR=/tmp/hardship-smtp.XXXXXX
# runs the command, then stops the server and removes the directory. Idempotent.
#   scripts/with-smtp.sh cargo test -p hardship-server --test server mail
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/scripts/python-venv.sh" venv-smtp "aiosmtpd==1.4.6")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
dir=$(mktemp -d /tmp/hardship-smtp.XXXXXX)
log=$(mktemp /tmp/hardship-smtp-log.XXXXXX)
"$venv/bin/python" "$root/scripts/smtp_sink.py" --port "$port" --dir "$dir" >"$log" 2>&1 &
sink=$!
cleanup() { kill "$sink" 2>/dev/null || true; wait "$sink" 2>/dev/null || true; rm -rf "$dir" "$log"; }
trap cleanup EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
  echo "with-smtp: the SMTP sink did not start; its log:" >&2
  cat "$log" >&2
  exit 1
}
export HARDSHIP_TEST_SMTP_URL="smtp://127.0.0.1:$port"
export HARDSHIP_TEST_SMTP_DIR="$dir"
echo "with-smtp: aiosmtpd on 127.0.0.1:$port writing to $dir" >&2
"$@"
