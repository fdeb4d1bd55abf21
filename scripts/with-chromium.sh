#!/usr/bin/env bash
# Runs a command with a headless browser for the browser tests:
#   scripts/with-chromium.sh cargo test -p hardship-server --test server browser
# Installs Debian's chromium and chromium-driver packages when /usr/bin/chromedriver is missing (the two
# are built from one source, so their versions match), exports
#   HARDSHIP_TEST_CHROMEDRIVER=/usr/bin/chromedriver
#   HARDSHIP_TEST_CHROMIUM=/usr/bin/chromium
# and runs the command. The test starts chromedriver itself, on a free loopback port, and stops it.
# Idempotent.
set -euo pipefail

chromedriver=/usr/bin/chromedriver
chromium=/usr/bin/chromium

if [ ! -x "$chromedriver" ] || [ ! -x "$chromium" ]; then
  echo "with-chromium: installing Chromium and its WebDriver from the distribution's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || {
    $sudo_cmd apt-get update -q >/dev/null
    $sudo_cmd apt-get install -y -q chromium chromium-driver >/dev/null
  }
fi
export HARDSHIP_TEST_CHROMEDRIVER=$chromedriver
export HARDSHIP_TEST_CHROMIUM=$chromium
echo "with-chromium: $("$chromium" --version 2>/dev/null || echo chromium), $("$chromedriver" --version 2>/dev/null | awk '{print $1, $2}')" >&2
"$@"
