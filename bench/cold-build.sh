#!/usr/bin/env bash
# Times the README's first command from nothing: `cargo build --release --bin hardship` into an empty
# target directory, as a newcomer's first `cargo run --release` does. Downloading the crates is not timed
# (`cargo fetch` runs first); everything else is. Prints the wall time, the CPU time, and the ten units
# that took longest (cargo's --timings report, kept in the target directory).
#
# Usage: bench/cold-build.sh [TARGET_DIR]   (default: a fresh temporary directory, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
  dir=$1
  rm -rf "$dir"
  keep=1
else
  dir=$(mktemp -d)
  keep=0
fi
cleanup() { [ "$keep" = 1 ] || rm -rf "$dir"; }
trap cleanup EXIT
cargo fetch -q
/usr/bin/time -f '%e %U %S' -o "$dir.time" env CARGO_TARGET_DIR="$dir" \
  cargo build --release --bin hardship --timings -q
read -r wall user sys < "$dir.time"
rm -f "$dir.time"
printf 'cold release build of `hardship` (%s cores, %s): %s s wall (%d min %02d s), %.0f CPU-s\n' \
  "$(nproc)" "$(rustc --version | cut -d' ' -f2)" "$wall" "$(( ${wall%.*} / 60 ))" "$(( ${wall%.*} % 60 ))" \
  "$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')"
python3 - "$dir/cargo-timings/cargo-timing.html" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", text, re.S).group(1))
print(f"{len(units)} units, {sum(u['duration'] for u in units):.0f} s of compile time in all; the longest:")
for u in sorted(units, key=lambda u: -u["duration"])[:10]:
    what = (u["name"] + " " + u["version"] + " " + u.get("target", "")).strip()
    print(f"  {u['duration']:6.1f} s  {what}")
PY
