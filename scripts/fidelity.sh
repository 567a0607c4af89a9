#!/bin/bash
# make fidelity: the timing model's presets beside pcie-bench's published
# measurements, without a guest (never a pass/fail test).  For each
# preset, vtm-replay --check replays the points of its dataset
# (tests/data/pcie-bench) and prints the error per point, fitted or
# predicted; tools/fidelity-plot.py draws docs/fidelity-latency.png and
# docs/fidelity-bandwidth.png and writes the tables that
# docs/performance.md embeds between its fidelity markers.
# Usage: scripts/fidelity.sh [--count N] [--no-docs]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
COUNT=200000
DOCS=1
while [ $# -gt 0 ]; do
    case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --no-docs) DOCS=0; shift ;;
    *) echo "usage: $0 [--count N] [--no-docs]" >&2; exit 2 ;;
    esac
done
REPLAY=${VTM_REPLAY:-$REPO/build/core/vtm-replay}
[ -n "${VTM_REPLAY:-}" ] || "$REPO/scripts/build-core.sh"
DATA=$REPO/tests/data/pcie-bench
OUT=$REPO/build/fidelity
mkdir -p "$OUT"

# preset dataset fitted-columns; the device (the NFP-6000) keeps 30 reads
# in flight, fitted on the Broadwell host (vtm-params.c)
run() {
    local name=$1 preset=$2 csv=$3 cols=$4
    echo "== $name: vtm-replay -P $preset -o 30 --check ${csv#$REPO/}" \
         "--fit-columns $cols"
    "$REPLAY" -P "$preset" -o 30 --check "$csv" --fit-columns "$cols" \
        --fit-count "$COUNT" --fit-csv "$OUT/$name.csv" | tee "$OUT/$name.txt"
    echo
}
run bdw bdw "$DATA/bdw-e5-2630v4.csv" latency,bandwidth
# never fitted: the 64-byte sweeps set bdw; these are predictions
run bdw-sizes bdw "$DATA/bdw-e5-2630v4-sizes.csv" latency
run hsw hsw "$DATA/hsw-e5-2620v3.csv" latency
run ib ib "$DATA/ib-e5-2620v2.csv" latency

DOCDIR=$OUT
[ "$DOCS" = 1 ] && DOCDIR=$REPO/docs
/usr/bin/python3 "$REPO/tools/fidelity-plot.py" "$OUT" "$DOCDIR"
if [ "$DOCS" = 1 ]; then
    /usr/bin/python3 - "$REPO/docs/performance.md" "$OUT/fidelity.md" <<'PY'
import sys
doc, table = sys.argv[1], open(sys.argv[2]).read()
s = open(doc).read()
b, e = "<!-- fidelity:begin -->", "<!-- fidelity:end -->"
if b in s and e in s:
    s = s[:s.index(b) + len(b)] + "\n" + table + s[s.index(e):]
    open(doc, "w").write(s)
PY
fi
echo "fidelity: $OUT/*.txt, tables $OUT/fidelity.md, plots in $DOCDIR"
