#!/usr/bin/env bash
# Runs every check the project has: formatting, lints, and all tests of the workspace, with a real
# PostgreSQL server (scripts/with-postgres.sh installs Debian's package if missing, starts a throw-away
# cluster, and stops it afterwards) and a real headless Chromium (scripts/with-chromium.sh installs
# Debian's chromium and chromium-driver if missing). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
mkdir -p target
log=target/test.log
set +e
# The browser test (crates/hardship-server/tests/server/browser.rs) must run here, not skip.
export HARDSHIP_REQUIRE_BROWSER=1
scripts/with-postgres.sh scripts/with-chromium.sh scripts/with-poppler.sh cargo test --workspace >"$log" 2>&1
status=$?
set -e
grep -E '^(test result|     Running|error)|panicked' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "tests failed (full log: $log)" >&2
  tail -n 80 "$log" >&2
  exit "$status"
fi
echo "== OpenAPI document (openapi-spec-validator)"
scripts/validate-openapi.sh
# One summary line over every test binary: N passed, N failed.
awk '/^test result:/ {p += $4; f += $6} END {printf "%d passed, %d failed\n", p, f}' "$log"
