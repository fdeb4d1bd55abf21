#!/usr/bin/env bash
# Runs a command with poppler's command-line tools for the PDF tests:
#   scripts/with-poppler.sh cargo test -p hardship-server --lib pdf
# Installs Debian's poppler-utils package (pdftotext, pdftoppm, pdfinfo) when pdftotext is missing,
# exports
#   HARDSHIP_REQUIRE_POPPLER=1
# so that the tests in crates/hardship-server/src/pdf.rs fail instead of skipping when the tools are
# absent, and runs the command. Idempotent.
set -euo pipefail

if ! command -v pdftotext >/dev/null 2>&1; then
  echo "with-poppler: installing poppler-utils from the distribution's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q poppler-utils >/dev/null 2>&1 || {
    $sudo_cmd apt-get update -q >/dev/null
    $sudo_cmd apt-get install -y -q poppler-utils >/dev/null
  }
fi
export HARDSHIP_REQUIRE_POPPLER=1
echo "with-poppler: $(pdftotext -v 2>&1 | head -n 1)" >&2
"$@"
