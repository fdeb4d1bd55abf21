#!/usr/bin/env bash
# Runs Schemathesis (property-based API testing from the OpenAPI document) against a real `hardship serve`:
#   1. installs Schemathesis 4 into target/venv-schemathesis once (a marker file records the version spec),
#   2. builds the `hardship` binary (debug; SCHEMATHESIS_PROFILE=release for a release build),
#   3. seeds a throw-away data directory (`hardship debug seed`: an organization with 2 practices of 5
#      clinicians, and an API token of role owner, so that the owner-only routes are reached too), starts
#      `hardship serve` on a free loopback port (CMS's QPP Eligibility API pointed at a closed port),
#   4. runs every operation of /api/v1/openapi.json with that token, checking that no answer is a 5xx and
#      that every answer conforms to the documented response schema (and status code, content type),
#      SCHEMATHESIS_EXAMPLES examples per operation (default 40), one worker; the generator draws the
#      seeded practice, clinician, application and document ids and the rule book's years most of the time,
#   5. always stops the server and removes the data directory (trap),
#   6. exits non-zero when Schemathesis reports a failure (any 5xx among them); the server's log is printed.
# Honours CARGO_TARGET_DIR. The report (JUnit XML) is written to target/schemathesis/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

examples=${SCHEMATHESIS_EXAMPLES:-40}
profile=${SCHEMATHESIS_PROFILE:-debug}
spec='schemathesis>=4.32,<5'

# ---- 1. Schemathesis in its own virtual environment ------------------------------------------------------
venv=$("$root/scripts/python-venv.sh" venv-schemathesis "$spec")
py="$venv/bin/python"
echo "schemathesis.sh: $("$venv/bin/schemathesis" --version)"

# ---- 2. The binary ----------------------------------------------------------------------------------------
build_flags=()
[ "$profile" = release ] && build_flags+=(--release)
# The test drivers (`debug seed`) are not in the shipped binary: build them in.
cargo build --quiet "${build_flags[@]}" -p hardship-cli --bin hardship --features test-drivers
target_dir=$(cargo metadata --format-version 1 --no-deps |
  "$py" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/$profile/hardship"
[ -x "$bin" ] || { echo "schemathesis.sh: $bin not found after the build" >&2; exit 1; }

# ---- 3. Data, credential, server ----------------------------------------------------------------------------
data=$(mktemp -d "${TMPDIR:-/tmp}/hardship-schemathesis.XXXXXX")
log="$data/serve.log"
server=""
cleanup() {
  status=$?
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$log" ]; then
    echo "---- hardship serve log (last 60 lines) ----" >&2
    tail -n 60 "$log" >&2
  fi
  rm -rf "$data"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HARDSHIP_PASSWORD='schemathesis passphrase'
seed=$("$bin" debug seed --practices 2 --clinicians 5 --token-role owner --data-dir "$data")
token=$(printf '%s' "$seed" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["token"])')

port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# "Fetch from CMS" must never reach CMS from a test: its API is a closed loopback port (each NPI fails at
# once, no retries), so the operation answers its summary quickly.
dead=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HARDSHIP_QPP_API_URL="http://127.0.0.1:$dead" HARDSHIP_QPP_RETRIES=0 HARDSHIP_QPP_RATE=100 \
HARDSHIP_LOG=${HARDSHIP_LOG:-warn} "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" \
  --cookie-secure false >"$log" 2>&1 &
server=$!
for _ in $(seq 300); do
  if "$py" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "$base/api/v1/health" >/dev/null 2>&1; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "schemathesis.sh: hardship serve exited" >&2; exit 1; }
  sleep 0.1
done

# Real ids for the generator to use most of the time (it still tries others): the seeded practices, their
# clinicians and applications, and one uploaded document. Written as a Schemathesis config file.
config="$data/schemathesis.toml"
"$py" - "$base" "$token" "$config" <<'PY'
import json, sys, urllib.request, uuid

base, token, out = sys.argv[1:4]

def call(method, path, body=None, content_type=None):
    req = urllib.request.Request(base + path, data=body, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)

# The first seeded practice has an application; clinicians are that practice's, so the routes that
# take both ids find them together.
practices = [p["id"] for p in call("GET", "/api/v1/practices")]
clinicians = [c["id"] for c in call("GET", f"/api/v1/practices/{practices[0]}/clinicians")]
applications = [a["id"] for a in call("GET", "/api/v1/applications")]
boundary = uuid.uuid4().hex
form = (
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\noutage_record\r\n"
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"outage.txt\"\r\n"
    f"Content-Type: text/plain\r\n\r\nThe line was down from 1 to 9 March.\r\n--{boundary}--\r\n"
).encode()
document = call("POST", f"/api/v1/practices/{practices[0]}/documents", form,
                f"multipart/form-data; boundary={boundary}")["id"]

def values(name, items):
    return f"[dictionaries.{name}]\nvalues = {json.dumps(items)}\n"

with open(out, "w") as f:
    f.write(values("practice", practices[:1]))
    f.write(values("clinician", clinicians))
    f.write(values("application", applications or practices))
    f.write(values("document", [document]))
    f.write(values("year", list(range(2017, 2027))))
    f.write(values("year_text", [str(y) for y in range(2017, 2027)]))
    f.write("[parameters]\n")
    for key, name in [("path.practice", "practice"), ("query.practice", "practice"),
                      ("path.clinician", "clinician"), ("path.application", "application"),
                      ("path.document", "document"), ("path.year", "year"), ("query.year", "year_text")]:
        f.write(f'"{key}" = {{ dictionary = "{name}", probability = 0.8 }}\n')
print(f"schemathesis.sh: {len(practices)} practices, {len(clinicians)} clinicians, "
      f"{len(applications)} applications, 1 document")
PY

# ---- 4. Schemathesis ----------------------------------------------------------------------------------------
report="$root/target/schemathesis"
mkdir -p "$report"
echo "schemathesis.sh: $base, $examples examples per operation"
started=$(date +%s)
cd "$report" # Schemathesis keeps its cache (.schemathesis/) in the working directory
# Schemathesis reuses ids it saw in responses, so revoking tokens would sooner or later revoke the run's own
# token and leave the rest of the run at 401: that one operation runs last, on its own.
run() {
  "$venv/bin/schemathesis" --config-file "$config" run "$base/api/v1/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$examples" \
    --workers 1 \
    --seed "${SCHEMATHESIS_SEED:-20261116}" \
    --generation-database none \
    --request-timeout 30 \
    --no-color \
    --report junit --report-dir "$report" "$@"
}
# A run whose token stopped working would pass on 401s alone: check it still works after the main run.
token_works() {
  "$py" -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/v1/me", headers={"Authorization": "Bearer " + sys.argv[2]})
urllib.request.urlopen(req, timeout=10)' "$base" "$token" ||
    { echo "schemathesis.sh: the run's token no longer works; its results prove nothing" >&2; return 1; }
}
set +e
run --exclude-operation-id revoke_token && token_works && run --include-operation-id revoke_token
result=$?
set -e
echo "schemathesis.sh: finished in $(($(date +%s) - started)) s, exit $result"
if ! kill -0 "$server" 2>/dev/null; then
  echo "schemathesis.sh: hardship serve died during the run" >&2
  exit 1
fi
exit "$result"
