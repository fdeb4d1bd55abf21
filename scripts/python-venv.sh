#!/usr/bin/env bash
# Makes (once) a Python virtual environment under target/ with the given packages, and prints its path:
#   venv=$(scripts/python-venv.sh venv-moto "moto[server]")
# Installs Debian's python3-venv first when the interpreter cannot make one. Idempotent: a venv whose
# packages are installed (a marker file records which) is reused as is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: python-venv.sh NAME PACKAGE...}
shift
venv="$root/target/$name"
marker="$venv/.hardship-packages"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$*" ]; then
  echo "$venv"
  exit 0
fi
mkdir -p "$root/target"
if ! python3 -m venv "$venv" >/dev/null 2>&1; then
  echo "python-venv: installing python3-venv from the distribution's packages" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get install -y -q python3-venv >/dev/null 2>&1 || {
    $sudo_cmd apt-get update -q >/dev/null
    $sudo_cmd apt-get install -y -q python3-venv >/dev/null
  }
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
echo "python-venv: installing $* into $venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
echo "$*" >"$marker"
echo "$venv"
