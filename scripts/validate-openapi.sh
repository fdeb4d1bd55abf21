#!/usr/bin/env bash
# Validates the OpenAPI document the server tests wrote (target/openapi.json) with the
# openapi-spec-validator from the Python package index, installed once into target/venv-tools.
set -euo pipefail
cd "$(dirname "$0")/.."
doc=${1:-target/openapi.json}
[ -f "$doc" ] || { echo "validate-openapi: $doc not found (run the server tests first)" >&2; exit 1; }
venv=$(scripts/python-venv.sh venv-tools openapi-spec-validator)
"$venv/bin/openapi-spec-validator" "$doc"
