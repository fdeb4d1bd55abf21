#!/usr/bin/env bash
# Load benchmark of `hardship serve` on loopback with wrk (Debian's package, installed when missing):
#   - the eligibility API of one practice of 50 clinicians (API token), goal >= 20,000 requests/s, p99 <= 10 ms;
#   - the dashboard page of a consultancy of 500 practices (session cookie), goal p99 <= 50 ms;
#   - the score-impact API and the eligibility page, for comparison.
# Every run is bounded (DURATION seconds each, default 10) and stops by itself; the server is killed at exit.
# Each scenario runs RUNS times (default 3); the medians are printed.
# Usage: bench/load.sh [--postgres] [--soak SECONDS] [DURATION] [PRACTICES] [CLINICIANS] [RUNS]
#   default        SQLite in a temporary data directory
#   --postgres     the same against a throw-away PostgreSQL server (scripts/with-postgres.sh), fresh database
#   --soak S       then S seconds (e.g. 300) of a mixed load (API, pages, and an application stepped through
#                  its states twice a second, so the caches keep being invalidated), sampling the server's
#                  RSS every 10 s; exits non-zero on any error or if RSS grows by more than 10% + 8 MB
#                  between the end of the first minute and the end.
#        HARDSHIP_DATABASE_URL=postgres://… bench/load.sh   (an existing, empty PostgreSQL database)
set -euo pipefail
cd "$(dirname "$0")/.."
soak=0
if [ "${1:-}" = "--postgres" ]; then
  shift
  if [ -z "${HARDSHIP_TEST_POSTGRES_URL:-}" ]; then exec scripts/with-postgres.sh "$0" --postgres "$@"; fi
  db="load_$$"
  psql "$HARDSHIP_TEST_POSTGRES_URL" -qc "CREATE DATABASE $db"
  export HARDSHIP_DATABASE_URL="${HARDSHIP_TEST_POSTGRES_URL%/*}/$db"
fi
if [ "${1:-}" = "--soak" ]; then soak=${2:?--soak needs seconds}; shift 2; fi
duration=${1:-10}
practices=${2:-500}
clinicians=${3:-50}
runs=${4:-3}
backend=SQLite; [ -n "${HARDSHIP_DATABASE_URL:-}" ] && backend=PostgreSQL

if ! command -v wrk >/dev/null; then
  echo "load: installing wrk from the distribution's packages" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get install -y -q wrk >/dev/null 2>&1 || { $sudo_cmd apt-get update -q >/dev/null; $sudo_cmd apt-get install -y -q wrk >/dev/null; }
fi

# The test drivers (`debug seed`) are not in the shipped binary: build them in.
cargo build --release -q -p hardship-cli --bin hardship --features test-drivers
bin=${CARGO_TARGET_DIR:-target}/release/hardship
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export HARDSHIP_DATA_DIR="$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"

echo "$backend: seeding $practices practices x $clinicians clinicians ($(nproc) cores)…"
start=$(date +%s.%N)
HARDSHIP_PASSWORD="benchmark passphrase" "$bin" debug seed --practices "$practices" --clinicians "$clinicians" > "$work/seed.json"
echo "seeded in $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f') s"
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/seed.json")
email=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["email"])' "$work/seed.json")
practice=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["practices"][1])' "$work/seed.json")

HARDSHIP_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --cookie-secure false 2> "$work/server.log" &
server=$!
for _ in $(seq 100); do curl -sf "$base/api/v1/health" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }

# A browser session for the dashboard: the sign-in form, its double-submit cookie, then the session cookie.
curl -s -c "$work/jar" "$base/login" > "$work/login.html"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$work/login.html" | head -1 | sed 's/.*value="//;s/"$//')
curl -s -b "$work/jar" -c "$work/jar" -o /dev/null "$base/login" --data-urlencode "csrf=$csrf" \
  --data-urlencode "email=$email" --data-urlencode "password=benchmark passphrase"
session=$(awk '$6 == "hardship_session" {print $7}' "$work/jar")
application=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/applications" |
  python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[0]["id"] if a else "")')
[ -n "$session" ] || { echo "load: could not sign in" >&2; exit 1; }

start=$(date +%s.%N)
curl -sf -b "hardship_session=$session" "$base/dashboard?year=2026" -o "$work/dash.html"
echo "dashboard first render (cold caches): $(echo "($(date +%s.%N) - $start)*1000" | bc | xargs printf '%.0f') ms, $(grep -c '<tr id="row-' "$work/dash.html") queue rows on its first page"

# Each URL once, so the numbers below are the steady state (first requests fill the per-revision caches).
for u in "/api/v1/practices/$practice/years/2026/eligibility" "/api/v1/dashboard?year=2026"; do
  curl -sf -H "Authorization: Bearer $token" "$base$u" -o /dev/null
done
to_ms() { # wrk prints 850.00us, 1.20ms or 1.01s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run() { # name, connections, wrk args…
  local name=$1 conns=$2; shift 2
  local rps=() p50=() p99=() errs=""
  for _ in $(seq "$runs"); do
    wrk -t 1 -c "$conns" -d "${duration}s" --latency "$@" > "$work/wrk.txt" 2>&1
    rps+=("$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")")
    p50+=("$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")")")
    p99+=("$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")")")
    errs+=$(awk '/Non-2xx/ {print " non-2xx: " $5} /Socket errors/ {print " " $0}' "$work/wrk.txt")
  done
  printf '%-44s median %9.0f req/s   p50 %6.2f ms   p99 %6.2f ms   (%s runs)%s\n' "$name" \
    "$(median "${rps[@]}")" "$(median "${p50[@]}")" "$(median "${p99[@]}")" "$runs" "${errs:- no errors}"
}
echo "wrk: 1 thread, ${duration}s per run, $runs runs per scenario; server RSS before: $(( $(rss) / 1024 )) MB"
run "eligibility API, 50 clinicians (token)" 32 -H "Authorization: Bearer $token" "$base/api/v1/practices/$practice/years/2026/eligibility"
run "score-impact API (token)" 32 -H "Authorization: Bearer $token" "$base/api/v1/practices/$practice/years/2026/score-impact?pi=40"
run "dashboard page, $practices practices (session)" 8 -H "Cookie: hardship_session=$session" "$base/dashboard?year=2026"
run "eligibility page, 50 clinicians (session)" 8 -H "Cookie: hardship_session=$session" "$base/practices/$practice/years/2026"
if [ "$backend" = PostgreSQL ]; then
  size=$(psql "$HARDSHIP_DATABASE_URL" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")
else
  size=$(du -sh "$work/data" | cut -f1)
fi
echo "server RSS after: $(( $(rss) / 1024 )) MB; database $size"

[ "$soak" -gt 0 ] || exit 0

# The soak: four URLs in turn over 8 connections, and an application stepped back and forth beside it.
cat > "$work/mix.lua" <<LUA
local paths = {
  "/api/v1/practices/$practice/years/2026/eligibility",
  "/api/v1/practices/$practice/years/2026/score-impact?pi=40",
  "/dashboard?year=2026",
  "/practices/$practice/years/2026",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {
    ["Authorization"] = "Bearer $token", ["Cookie"] = "hardship_session=$session" })
end
LUA
cat > "$work/writer.py" <<'PY'
import json, sys, time, urllib.request
base, token, app, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
done = failed = 0
end = time.time() + seconds
while time.time() < end:
    try:
        a = call("GET", "/api/v1/applications/" + app)
        action = "mark_ready" if a["state"]["name"] == "draft" else "back_to_draft"
        call("POST", "/api/v1/applications/%s/transitions" % app, {"version": a["version"], "action": action})
        done += 1
    except Exception as e:
        failed += 1
        print("writer: %s" % e, file=sys.stderr)
    time.sleep(0.5)
print("%d %d" % (done, failed))
PY
[ -n "$application" ] || { echo "load: the seed made no application to step" >&2; exit 1; }
echo "soak: ${soak}s mixed load (4 URLs, 8 connections) + an application stepped twice a second; RSS every 10 s"
python3 "$work/writer.py" "$base" "$token" "$application" "$soak" > "$work/writer.txt" 2> "$work/writer.err" &
writer=$!
wrk -t 1 -c 8 -d "${soak}s" --latency -s "$work/mix.lua" "$base" > "$work/soak.txt" 2>&1 &
loader=$!
samples=()
elapsed=0
while kill -0 "$loader" 2>/dev/null; do
  sleep 10; elapsed=$((elapsed + 10))
  kill -0 "$loader" 2>/dev/null || break
  samples+=("$(rss)")
  printf '  %4ds  RSS %6.1f MB\n' "$elapsed" "$(echo "$(rss) / 1024" | bc -l)"
done
wait "$loader"
wait "$writer"
read -r steps failed < "$work/writer.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$work/soak.txt")
p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/soak.txt")")
p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/soak.txt")")
errors=$(awk '/Non-2xx/ {n += $5} /Socket errors/ {n += 1} END {print n + 0}' "$work/soak.txt")
# From the end of the first minute (caches and allocator warmed) to the end.
first=${samples[5]:-${samples[0]}}
last=${samples[-1]}
growth=$(( (last - first) / 1024 ))
printf 'soak: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %s request errors; %s state changes, %s failed;\n' \
  "$rps" "$p50" "$p99" "$errors" "$steps" "$failed"
printf 'soak: RSS %d MB after the first minute, %d MB at the end (%+d MB)\n' $((first / 1024)) $((last / 1024)) "$growth"
status=0
[ "$errors" -eq 0 ] || { echo "soak: FAILED, request errors" >&2; cat "$work/soak.txt" >&2; status=1; }
[ "$failed" -eq 0 ] || { echo "soak: FAILED, state changes failed" >&2; head "$work/writer.err" >&2; status=1; }
[ $(( last - first )) -le $(( first / 10 + 8192 )) ] || { echo "soak: FAILED, memory grew" >&2; status=1; }
[ "$status" -eq 0 ] && echo "soak: passed (no errors, no memory growth)"
exit "$status"
