#!/bin/bash
# The host-side part of make bench: microbenchmarks that need no guest.
#
# Usage: scripts/bench/host.sh OUTDIR [RUNS]
#
#   host-vtm-replay.txt   tools/vtm-replay --bench (the timing work's core
#                         microbenchmark), RUNS times (default 5): host ns
#                         per IOTLB-hit translation and per 4-level miss
#                         walk, timing off and on, and per page-selective
#                         invalidation with 64 and 65,536 cached entries.
#                         Built here, in build/bench/core (a standalone
#                         build of the core, GLib only, -O2).
#   host-bench-fidelity.txt  scripts/bench-fidelity.sh --fidelity-only (the
#                         timing work's pcie-bench replay), once
#   host-bench-notify.txt scripts/bench-notify.sh RUNS (the notifier work's
#                         invalidation and replay benchmark, vtm beside
#                         intel-iommu, through a qtest)
#   host-bench-dma.txt    scripts/bench-dma.sh RUNS (host ns per DMA of the
#                         x-vtm-dma-bench device: vtm, intel-iommu, none)
#   host-<name>.txt       any other scripts/bench-*.sh, run without arguments
# A benchmark that does not exist yet is written down as missing
# (host-missing.txt), not an error.  QEMU's intel-iommu has no standalone
# microbenchmark, so these have no intel-iommu column.
set -uo pipefail
# The braces make bash read the whole script before running it.
{
REPO=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: scripts/bench/host.sh OUTDIR [RUNS]}
runs=${2:-5}
mkdir -p "$out"
missing="$out/host-missing.txt"
: > "$missing"
rc=0

# --- vtm-replay --bench -------------------------------------------------------
if [ ! -f "$REPO/tools/vtm-replay.c" ]; then
    echo "vtm-replay	tools/vtm-replay.c does not exist yet (timing work)" >> "$missing"
elif ! grep -q '"bench"' "$REPO/tools/vtm-replay.c"; then
    echo "vtm-replay	tools/vtm-replay has no --bench yet (timing work)" >> "$missing"
else
    bdir="$REPO/build/bench/core"
    log="$out/host-vtm-replay.build.log"
    qsrc=$("$REPO/scripts/fetch-qemu.sh" 2> "$log") || qsrc=
    ok=0
    if [ -n "$qsrc" ]; then
        # Optimised as QEMU itself is (-O2), without the tests.
        if [ ! -f "$bdir/build.ninja" ]; then
            meson setup "$bdir" "$REPO" -Dqemu_src="$qsrc" \
                --buildtype=debugoptimized >> "$log" 2>&1
        fi
        meson compile -C "$bdir" vtm-replay >> "$log" 2>&1 && ok=1
    fi
    if [ "$ok" = 1 ] && [ -x "$bdir/vtm-replay" ]; then
        echo "bench: host: vtm-replay --bench, $runs runs" >&2
        : > "$out/host-vtm-replay.txt"
        for ((i = 1; i <= runs; i++)); do
            {
                echo "# run $i: vtm-replay --bench ($(date -u '+%Y-%m-%d %H:%M UTC'), loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
                "$bdir/vtm-replay" --bench
            } >> "$out/host-vtm-replay.txt" 2>&1 || {
                echo "vtm-replay	vtm-replay --bench failed: $(tail -1 "$out/host-vtm-replay.txt")" >> "$missing"
                rc=1
                break
            }
        done
    else
        echo "vtm-replay	could not build tools/vtm-replay (log: host-vtm-replay.build.log): $(grep -m1 -E 'error' "$log")" >> "$missing"
        rc=1
    fi
fi

# --- scripts/bench-*.sh (other work's benchmarks) ----------------------------
found=0
for s in "$REPO"/scripts/bench-*.sh; do
    [ -f "$s" ] || continue
    n=$(basename "$s" .sh)
    args=()
    # The timing work's script: its cost part is vtm-replay --bench above.
    case "$n" in
    bench-fidelity) args=(--fidelity-only) ;;
    bench-notify) args=("$runs"); found=1 ;;     # its RUNS, median shown
    bench-dma) args=("$runs") ;;                 # its ROUNDS, interleaved
    *) found=1 ;;
    esac
    echo "bench: host: scripts/$n.sh ${args[*]}" >&2
    {
        echo "# scripts/$n.sh ${args[*]} ($(date -u '+%Y-%m-%d %H:%M UTC'), loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
        timeout 1800 "$s" "${args[@]}"
    } > "$out/host-$n.txt" 2>&1 || {
        echo "$n	scripts/$n.sh failed (exit status $?): $(tail -1 "$out/host-$n.txt")" >> "$missing"
        rc=1
    }
done
[ "$found" = 1 ] ||
    echo "replay-invalidation	no replay/invalidation benchmark yet (the notifier work's scripts/bench-*.sh): replay of 10^5 mappings not measured" >> "$missing"

sed 's/\t/: /; s/^/bench: host: missing: /' "$missing" >&2
exit $rc
}
