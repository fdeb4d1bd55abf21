#!/usr/bin/env bash
# Benchmark of `hardship import` of a roster in the NPPES file's layout (default 1,000 clinicians) into a
# fresh practice, end to end (process start, parse, taxonomy mapping, one durable transaction with an audit
# event per clinician). Prints the median of RUNS runs. Usage: bench/import.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000}
runs=${2:-5}
# The test drivers (`debug seed`) are not in the shipped binary: build them in.
cargo build --release -q -p hardship-cli --bin hardship --features test-drivers
bin=${CARGO_TARGET_DIR:-target}/release/hardship
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" debug nppes-sample --rows "$rows" > "$work/nppes.csv"
secs=()
for i in $(seq "$runs"); do
  data="$work/data$i"
  practice=$("$bin" debug seed --practices 1 --clinicians 1 --data-dir "$data" | python3 -c 'import json,sys; print(json.load(sys.stdin)["practices"][0])')
  start=$(date +%s.%N)
  "$bin" import "$work/nppes.csv" --practice "$practice" --data-dir "$data" > /dev/null
  secs+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "NPPES import of $rows clinicians: runs ${secs[*]} s; median $(median "${secs[@]}") s"
