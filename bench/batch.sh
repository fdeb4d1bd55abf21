#!/usr/bin/env bash
# Benchmark of `hardship batch` on a generated file (default 1,000,000 rows): rows/s and peak RSS over
# several runs, medians printed. Usage: bench/batch.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p hardship-cli --bin hardship --example gen_batch
target/release/examples/gen_batch "$rows" > "$work/in.csv"
echo "input: $rows rows, $(du -h "$work/in.csv" | cut -f1), $(nproc) cores"
secs=(); rss=()
for _ in $(seq "$runs"); do
  # Start each run alike: the previous run's 300 MB of output neither overwritten nor still being flushed.
  rm -f "$work/out.csv"; sync
  # GNU time when present; otherwise bash's clock and the kernel's peak RSS of the child.
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %M' -o "$work/t" target/release/hardship batch "$work/in.csv" -o "$work/out.csv" 2>/dev/null
    read -r s k < "$work/t"
  else
    start=$(date +%s.%N)
    target/release/hardship batch "$work/in.csv" -o "$work/out.csv" 2>/dev/null
    s=$(echo "$(date +%s.%N) - $start" | bc)
    k=$(python3 -c 'import resource;print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)')
  fi
  secs+=("$s"); rss+=("$k")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms=$(median "${secs[@]}"); mk=$(median "${rss[@]}")
echo "runs: $runs; seconds: ${secs[*]}"
echo "median: ${ms}s, $(awk -v r="$rows" -v s="$ms" 'BEGIN{printf "%.0f", r/s}') rows/s, peak RSS $(awk -v k="$mk" 'BEGIN{printf "%.1f", k/1024}') MB"
echo "output: $(du -h "$work/out.csv" | cut -f1); time is the whole command (two passes, parse, decide, score, write)"
test "$(wc -l < "$work/out.csv")" -eq $((rows + 1)) || { echo "output row count mismatch" >&2; exit 1; }
