#!/bin/bash
# Host cost per DMA (not a timed test): the x-vtm-dma-bench device's DMA
# loop (pci_dma_read/pci_dma_write through its own bus-master address
# space, hw/i386/vtm/vtm-dma-bench.c) behind vtm-iommu (timing off,
# timing=account with and without its fast path, and scalable mode with
# first-stage tables), QEMU's intel-iommu (legacy, and
# x-scalable-mode=on,x-flts=on) and no IOMMU, all in one QEMU binary,
# driven by the /vtm-dma-bench/bench case of
# tests/qtest/vtm-dma-bench-test (run with -m perf).  The seven QEMUs run
# side by side and every case is interleaved across them, round after
# round; each sample is the median of REPS timed repetitions in QEMU.
#
# Usage: scripts/bench-dma.sh [ROUNDS [REPS]]   (default 5 and 5)
#
# Cases: hit = a 64 KiB range (16 pages, always in every IOTLB), miss =
# a 64 MiB range (16384 pages, far larger than either IOTLB); seq or
# rand(om) offsets; 64 B or 4 KiB per DMA; t1 = the QMP thread alone,
# t2 = it and a worker thread at once (ns is then the wall time per DMA
# of both together: aggregate throughput).  Prints host CPU ns per DMA
# (the DMA threads' CPU time: robust when other work loads the machine)
# and wall-clock ns per DMA, median [min..max] over the rounds, then the
# ratios of issue 18 from the CPU medians.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
reps=${2:-5}
[[ $rounds =~ ^[1-9][0-9]*$ && $reps =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: $0 [ROUNDS [REPS]]" >&2; exit 2; }

"$REPO/scripts/build-qemu.sh" qemu-system-x86_64 \
    tests/qtest/vtm-dma-bench-test > /dev/null
export QTEST_QEMU_BINARY="$REPO/build/qemu-build/qemu-system-x86_64"
test="$REPO/build/qemu-build/tests/qtest/vtm-dma-bench-test"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "# scripts/bench-dma.sh $rounds $reps ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, loadavg at start $(cut -d' ' -f1-3 /proc/loadavg))"
BENCH_ROUNDS=$rounds BENCH_REPS=$reps \
    "$test" -m perf -p /x86_64/vtm-dma-bench/bench --tap 2>&1 |
    sed -n 's/^# BENCH //p' > "$out"
echo "# loadavg at end $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$out" ] || { echo "bench-dma: no samples (the qtest failed?)" >&2; exit 1; }

python3 - "$out" <<'EOF'
import statistics, sys
from collections import defaultdict

cfgs = ["none", "intel", "intel-fs", "vtm-off", "vtm", "vtm-lock", "vtm-fs"]
s = defaultdict(list)
cases = []
for line in open(sys.argv[1]):
    cfg, case, metric, v = line.split()
    s[cfg, case, metric].append(float(v))
    if case not in cases:
        cases.append(case)

M = "cpu-ns"

def med(cfg, case, metric=None):
    v = s.get((cfg, case, metric or M))
    return statistics.median(v) if v else None

def cell(cfg, case, metric):
    v = s.get((cfg, case, metric))
    if not v:
        return "n/a"
    return "%.1f [%.1f..%.1f]" % (statistics.median(v), min(v), max(v))

n = max(len(v) for v in s.values())
for metric, what in (("cpu-ns", "host CPU ns per DMA (the DMA threads' CPU "
                      "time; t2: both threads' over all their DMAs)"),
                     ("ns", "host wall-clock ns per DMA (t2: wall time over "
                      "both threads' DMAs, i.e. 1 / throughput)")):
    print("%s, median [min..max] of %d rounds" % (what, n))
    print()
    print("| case | " + " | ".join(cfgs) + " |")
    print("| --- |" + " ---: |" * len(cfgs))
    for c in cases:
        print("| %s | %s |" % (c, " | ".join(cell(g, c, metric)
                                            for g in cfgs)))
    print()

def ratio(a, b):
    return "%.2fx" % (a / b) if a is not None and b else "n/a"

def xlat(cfg, case):
    a, b = med(cfg, case), med("none", case)
    return a - b if a is not None and b is not None else None

print("translation part of a DMA (configuration - none, CPU ns):")
print()
print("| case | " + " | ".join(cfgs[1:]) + " |")
print("| --- |" + " ---: |" * (len(cfgs) - 1))
for c in cases:
    print("| %s | %s |" % (c, " | ".join(
        "%.1f" % xlat(g, c) if xlat(g, c) is not None else "n/a"
        for g in cfgs[1:])))
print()
print("targets of issue 18 (reported, not asserted; CPU ns medians):")
for cfg in ("vtm", "vtm-lock", "vtm-off", "vtm-fs"):
    base = "intel-fs" if cfg == "vtm-fs" else "intel"
    for c in ("hit-seq-4k-t1", "hit-rand-4k-t1"):
        print("- %s %s / none = %s (target <= 1.15x)"
              % (cfg, c, ratio(med(cfg, c), med("none", c))))
    for c in ("hit-seq-64-t1", "hit-seq-4k-t1", "hit-rand-64-t1"):
        print("- %s %s translation part / %s's = %s (target <= 0.50x)"
              % (cfg, c, base, ratio(xlat(cfg, c), xlat(base, c))))
    for c in ("miss-seq-4k-t1", "miss-rand-4k-t1", "miss-rand-64-t1"):
        print("- %s %s / %s = %s (target <= 1.00x)"
              % (cfg, c, base, ratio(med(cfg, c), med(base, c))))
    for c in ("hit-rand-64", "hit-rand-4k", "miss-rand-4k"):
        for metric, what in (("ns", "2-thread throughput speed-up (wall)"),
                             ("cpu-ns", "2-thread CPU efficiency (CPU per "
                              "DMA t1 / t2, 1.00 = no contention cost)")):
            a = [med(g, c + "-t1", metric) / med(g, c + "-t2", metric)
                 if med(g, c + "-t1", metric) and med(g, c + "-t2", metric)
                 else None for g in (cfg, base, "none")]
            f = ["%.2fx" % x if x else "n/a" for x in a]
            print("- %s %s %s %s, %s %s, none %s (target: >= %s's)"
                  % (cfg, c, what, f[0], base, f[1], f[2], base))
EOF
