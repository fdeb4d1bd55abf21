#!/usr/bin/env bash
# Benchmark of `hardship batch` on generated mixes (default 1,000,000 rows each, 5 runs), against a DuckDB
# peer that runs the same core logic in SQL (bench/batch_peer.py says what the SQL covers and what it
# does not) on the same file with 2 threads, the two taking turns run by run. Prints, per mix, the medians
# of wall and CPU time and the peak RSS of both, and the median of the runs' ratios of the peer's time to
# ours.
#
# Usage: bench/batch.sh [ROWS] [RUNS] [MIX...]      (mixes: `gen_batch --list`; default all of them)
# Environment:
#   BASE_BIN=path/to/hardship   an older build: its output on each mix is compared byte for byte with ours
#   PEER=0                      skip the DuckDB peer
#   CARGO_TARGET_DIR            where to build (default target)
#
# Times are whole commands for us (two passes: parse, decide, score, write). For the peer, the time is
# DuckDB's own work inside its process (connect, load the CSV, decide, score, write in input order);
# Python's start and `import duckdb` (about 0.2 s) are left out, which favours the peer; the peer's
# whole-command wall time is printed too. The peer writes empty `warnings` and `sources` columns (it has no
# citation bookkeeping), so its output is about a quarter the size of ours. Before each run the previous
# run's output is removed: this machine hands freed memory back to its host after about 2 s, and writing
# 300 MB into never-used page-cache pages costs ~0.5 s of kernel time that depends only on that timing.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-5}
shift $(($# < 2 ? $# : 2))
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p hardship-cli --bin hardship --example gen_batch --example batch_peer_tables
bin=$target/release
mixes=("$@")
[ ${#mixes[@]} -gt 0 ] || mapfile -t mixes < <("$bin/examples/gen_batch" --list)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peer=${PEER:-1}
if [ "$peer" = 1 ]; then
  venv=$(scripts/python-venv.sh venv-duckdb duckdb==2.0.1)
  "$bin/examples/batch_peer_tables" "$work/tables"
fi

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Runs a command under GNU time; appends wall seconds, CPU seconds and peak RSS (KB) to the named arrays.
timed() {
  local -n w=$1 c=$2 m=$3
  shift 3
  /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" > "$work/stdout" 2>/dev/null
  read -r e u s k < "$work/t"
  w+=("$e"); c+=("$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')"); m+=("$k")
}

echo "$(nproc) cores; $rows rows per mix; median of $runs runs; DuckDB threads=2"
summary=()
for mix in "${mixes[@]}"; do
  "$bin/examples/gen_batch" "$rows" "$mix" > "$work/in.csv"
  echo "== $mix: $(du -h "$work/in.csv" | cut -f1)"
  ow=(); oc=(); om=(); pw=(); pc=(); pm=(); ps=(); ratios=()
  # Ours and the peer take turns, run by run, so that both meet the same moments of this VM (whose speed
  # drifts by tens of percent within minutes); the ratio quoted is the median of the runs' ratios.
  for _ in $(seq "$runs"); do
    rm -f "$work/out.csv" "$work/peer.csv"; sync
    timed ow oc om "$bin/hardship" batch "$work/in.csv" -o "$work/out.csv"
    if [ "$peer" = 1 ]; then
      rm -f "$work/peer.csv"; sync
      timed pw pc pm "$venv/bin/python" bench/batch_peer.py "$work/in.csv" "$work/peer.csv" "$work/tables" --threads 2
      ps+=("$(sed -n 's/^seconds=//p' "$work/stdout")")
      ratios+=("$(awk -v a="${ps[-1]}" -v b="${ow[-1]}" 'BEGIN{print a/b}')")
    fi
  done
  test "$(wc -l < "$work/out.csv")" -eq $((rows + 1)) || { echo "output row count mismatch" >&2; exit 1; }
  same="-"
  if [ -n "${BASE_BIN:-}" ]; then
    rm -f "$work/base.csv"; sync
    "$BASE_BIN" batch "$work/in.csv" -o "$work/base.csv" 2>/dev/null
    if cmp -s "$work/base.csv" "$work/out.csv"; then same="identical"; else same="DIFFERENT"; fi
    rm -f "$work/base.csv"
  fi
  ours_w=$(median "${ow[@]}"); ours_c=$(median "${oc[@]}"); ours_m=$(median "${om[@]}")
  echo "ours:  wall ${ow[*]} s; cpu ${oc[*]} s; median ${ours_w} s wall, ${ours_c} s cpu, $(awk -v k="$ours_m" 'BEGIN{printf "%.0f", k/1024}') MB peak RSS; output vs BASE_BIN: $same"
  line="$(printf '%-10s %7.2f s %6.2f M/s %6.2f cpu-s %4.0f MB' "$mix" "$ours_w" "$(awk -v r="$rows" -v s="$ours_w" 'BEGIN{print r/s/1e6}')" "$ours_c" "$(awk -v k="$ours_m" 'BEGIN{print k/1024}')")"
  if [ "$peer" = 1 ]; then
    peer_s=$(median "${ps[@]}"); peer_w=$(median "${pw[@]}"); peer_c=$(median "${pc[@]}"); peer_m=$(median "${pm[@]}")
    ratio=$(median "${ratios[@]}")
    echo "peer:  in-process ${ps[*]} s; command wall ${pw[*]} s; median ${peer_s} s (command ${peer_w} s, ${peer_c} cpu-s), $(awk -v k="$peer_m" 'BEGIN{printf "%.0f", k/1024}') MB peak RSS"
    echo "ratio per run (peer in-process / ours): ${ratios[*]}; median ${ratio}"
    # Agreement on the columns the SQL computes (not timed): ours against the peer's.
    rm -f "$work/peer.csv"
    "$bin/hardship" batch "$work/in.csv" -o "$work/out.csv" 2>/dev/null
    "$venv/bin/python" bench/batch_peer.py "$work/in.csv" "$work/peer.csv" "$work/tables" --compare "$work/out.csv" | sed -n 's/^agree=/peer agrees with ours: /p'
    line="$line | peer $(printf '%5.2f s (command %5.2f s) %5.2f cpu-s %5.0f MB | ratio %4.2fx (of medians %4.2fx, command %4.2fx)' "$peer_s" "$peer_w" "$peer_c" "$(awk -v k="$peer_m" 'BEGIN{print k/1024}')" "$ratio" "$(awk -v a="$peer_s" -v b="$ours_w" 'BEGIN{print a/b}')" "$(awk -v a="$peer_w" -v b="$ours_w" 'BEGIN{print a/b}')")"
  fi
  rm -f "$work/out.csv" "$work/peer.csv" "$work/in.csv"
  summary+=("$line")
done
echo
echo "mix          ours: wall   rows/s    cpu      RSS  | DuckDB peer: in-process (command)  cpu   RSS | peer/ours: median of the runs' ratios"
printf '%s\n' "${summary[@]}"
