#!/usr/bin/env bash
# Benchmark of onboarding a consultancy's client list: `hardship import FILE` (no --practice) of one CSV as
# Excel saves it (BOM, CRLF) naming PRACTICES practices of CLINICIANS clinicians each, into an installation
# with none of them (process start, parse, one durable transaction with an audit event per practice and
# clinician), then the same file again (nothing changes). Prints the medians of RUNS runs.
# Usage: bench/onboard.sh [PRACTICES] [CLINICIANS] [RUNS]   (defaults 500 50 5; the goal is under 10 s)
set -euo pipefail
cd "$(dirname "$0")/.."
practices=${1:-500}
clinicians=${2:-50}
runs=${3:-5}
# The test drivers (`debug seed`) are not in the shipped binary: build them in.
cargo build --release -q -p hardship-cli --bin hardship --features test-drivers
bin=${CARGO_TARGET_DIR:-target}/release/hardship
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$practices" "$clinicians" > "$work/clients.csv" <<'PY'
import sys
practices, clinicians = int(sys.argv[1]), int(sys.argv[2])
def npi(n):
    base = f"{100_000_000 + n:09d}"
    digits = [int(c) for c in "80840" + base]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base + str((10 - total % 10) % 10)
types = ["MD", "DO", "NP", "PA-C", "CRNA", "PT", "LCSW", "CNS"]
out = ["\ufeffTIN,Practice Name,ZIP,Reporting Level,NPI,Name,Type"]
n = 0
for p in range(practices):
    t = f"{200_000_000 + p:09d}"
    for c in range(clinicians):
        n += 1
        out.append(f"{t[:2]}-{t[2:]},Clínica Nguyễn {p:04d},{(1000 + p) % 100000:05d},{'Group' if p % 3 else ''},{npi(n)},Łukasz Wróbel {n},{types[n % len(types)]}")
sys.stdout.write("\r\n".join(out) + "\r\n")
PY
rows=$((practices * clinicians))
first=(); again=()
for i in $(seq "$runs"); do
  data="$work/data$i"
  "$bin" debug seed --practices 1 --clinicians 1 --data-dir "$data" > /dev/null
  start=$(date +%s.%N)
  "$bin" import "$work/clients.csv" --data-dir "$data" > "$work/out$i.txt"
  first+=("$(echo "$(date +%s.%N) - $start" | bc)")
  grep -q "$practices practices created" "$work/out$i.txt" || { cat "$work/out$i.txt" >&2; exit 1; }
  start=$(date +%s.%N)
  "$bin" import "$work/clients.csv" --data-dir "$data" > "$work/again$i.txt"
  again+=("$(echo "$(date +%s.%N) - $start" | bc)")
  grep -q "0 practices created, 0 updated, $practices unchanged" "$work/again$i.txt" || { cat "$work/again$i.txt" >&2; exit 1; }
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "client list of $practices practices x $clinicians clinicians ($rows rows, $(du -k "$work/clients.csv" | cut -f1) KiB): onboarding runs ${first[*]} s, median $(median "${first[@]}") s; re-run (nothing changes) median $(median "${again[@]}") s"
