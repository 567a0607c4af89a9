#!/bin/bash
# Benchmarks of vtm's timing model (never a pass/fail test):
#   - fidelity: pcie-bench's IOMMU experiment replayed with
#     timing-preset=bdw (64-byte DMA reads at random addresses within
#     windows of 4 KiB to 64 MiB, 4 KiB pages), median and mean modelled
#     DMA latency per window beside the published Broadwell figures;
#   - cost: host ns per translation (IOTLB hit, 4-level miss walk; timing
#     off and on) and per page-selective invalidation with 64 and 65536
#     cached entries.
# Usage: scripts/bench-fidelity.sh [--fidelity-only] [vtm-replay args...]
#   Extra arguments go to the fidelity run, e.g. --count 2097152 (the
#   sample count of pcie-bench) or iotlb-entries=128 to try another shape.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
"$REPO/scripts/build-core.sh"
REPLAY="$REPO/build/core/vtm-replay"

cost=1
if [ "${1:-}" = --fidelity-only ]; then
    cost=0
    shift
fi
"$REPLAY" --fidelity "$@"
if [ "$cost" = 1 ]; then
    echo
    "$REPLAY" --bench
fi
