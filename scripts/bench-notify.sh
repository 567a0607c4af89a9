#!/bin/bash
# Benchmark of IOMMU notifications (not a timed test): vtm-iommu against
# QEMU's own intel-iommu, both with caching-mode=on, in the same QEMU
# binary, driven by the /vtm-notify/bench case of
# tests/qtest/vtm-notify-test (run with -m perf).  An x-vtm-notify-recorder
# with store=off registers a MAP+UNMAP notifier on the edu device, as
# VFIO would.  The guest tables map 100000 4K pages.
#
# Usage: scripts/bench-notify.sh [RUNS]   (default 3; the median is shown)
#
# Metrics (host ns, lower is better):
#   dsi_map_ns_per_page    one domain-selective invalidation that finds
#                          100000 new pages: cost per MAP event
#   replay_ns_per_mapping  memory_region_iommu_replay() of 100000 mappings
#   psi_unmap/psi_map      a 2M page-selective invalidation per table
#                          (512 pages each), per page
#   psi_4k_unmap/psi_4k_map  one 4K page-selective invalidation per page
#                          (2048 of them), per page
#   idle_global            a global invalidation when nothing changed,
#                          per mapped page (both send no event)
#   *_no_notifier          the same invalidations with the notifier gone:
#                          the part that is not notification
# Each kick is timed from the qtest side, less the round trip of a queue
# wait alone; replay is timed inside QEMU by the recorder.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }

"$REPO/scripts/build-qemu.sh" tests/qtest/vtm-notify-test > /dev/null
export QTEST_QEMU_BINARY="$REPO/build/qemu-build/qemu-system-x86_64"
test="$REPO/build/qemu-build/tests/qtest/vtm-notify-test"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 1; r <= runs; r++)); do
    echo "bench-notify: run $r of $runs" >&2
    "$test" -m perf -p /x86_64/vtm-notify/bench --tap 2>&1 |
        sed -n 's/^# BENCH //p' >> "$out"
done

awk -v runs="$runs" '
    { key = $2; v[$1, key, ++n[$1, key]] = $3
      if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
    function median(dev, key,    m, i, j, t, a) {
        m = n[dev, key]
        if (!m) return "";
        for (i = 1; i <= m; i++) a[i] = v[dev, key, i] + 0
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
            if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    END {
        printf "%-34s %12s %12s %10s\n", "metric (median of " runs ")",
               "vtm", "intel-iommu", "vtm/intel"
        for (i = 1; i <= k; i++) {
            a = median("vtm", order[i]); b = median("intel", order[i])
            r = (b > 0) ? sprintf("%.2f", a / b) : "-"
            printf "%-34s %12.1f %12.1f %10s\n", order[i], a, b, r
        }
    }' "$out"
