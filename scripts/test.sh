#!/usr/bin/env bash
# Runs every check the project has: formatting, lints, and all tests of the workspace, with a real
# PostgreSQL server (scripts/with-postgres.sh installs Debian's package if missing, starts a throw-away
# cluster, and stops it afterwards), a real headless Chromium (scripts/with-chromium.sh installs
# Debian's chromium and chromium-driver if missing), poppler for the PDF checks, and an S3-compatible
# object store (scripts/with-moto.sh runs moto's server from a venv it makes) for the scale-out tests,
# and an SMTP server that keeps what it receives (scripts/with-smtp.sh: aiosmtpd from a venv it makes)
# for the e-mail tests (invitations, password resets, reminders).
# The fault tests (SIGKILL, a full disk, PostgreSQL restarted under load) run too; the disk-full one
# mounts a small tmpfs, so this script is run as root (as CI does). Then the OpenAPI document is validated
# and Schemathesis (scripts/schemathesis.sh) fuzzes every API operation of a real `hardship serve`. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# A full check gains nothing from incremental compilation, whose caches are most of a debug target's
# size: a CI run on a nearly full disk failed with "No space left on device" while compiling.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
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
# Nor may the scale-out tests (object storage) or the fault tests.
export HARDSHIP_REQUIRE_S3=1 HARDSHIP_REQUIRE_FAULTS=1
# Nor the e-mail tests (a missing SMTP server fails them instead of skipping).
export HARDSHIP_REQUIRE_SMTP=1
scripts/with-postgres.sh scripts/with-chromium.sh scripts/with-poppler.sh scripts/with-moto.sh \
  scripts/with-smtp.sh cargo test --workspace >"$log" 2>&1
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
echo "== Schemathesis against a real hardship serve (no 5xx, answers as documented)"
scripts/schemathesis.sh >target/schemathesis.log 2>&1 || {
  tail -n 80 target/schemathesis.log >&2
  echo "schemathesis failed (full log: target/schemathesis.log)" >&2
  exit 1
}
grep -E '^(  [0-9]+ generated|schemathesis.sh: finished)' target/schemathesis.log || true
# One summary line over every test binary: N passed, N failed.
awk '/^test result:/ {p += $4; f += $6} END {printf "%d passed, %d failed\n", p, f}' "$log"
