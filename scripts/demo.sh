#!/bin/bash
# make demo: sets everything up (QEMU with vtm, the Debian 6.12 guest
# kernel, the initramfs), boots the guest with intel_iommu=on on
# -device vtm-iommu, runs a short DMA workload on an NVMe disk (reads and
# writes, sha256 in the guest and on the host), and prints the kernel's
# DMAR lines, the checksum verdicts, the guest's perf stat of the dmar0
# PMU over the workload, vtm's statistics table and a summary.
#
# Usage: [VTM_OPTS=aw-bits=39,...] scripts/demo.sh [--iommu vtm|intel|none]
#   VTM_OPTS   options for -device vtm-iommu, forwarded as they are
#   --iommu    compare with QEMU's own intel-iommu, or no IOMMU
set -euo pipefail
# The braces make bash read the whole script before running it, so that
# editing it during a run cannot derail the run.
{
# shellcheck disable=SC2034  # read by lib.sh
PROG=demo
. "$(dirname "$0")/guest/lib.sh"

iommu=vtm
while [ $# -gt 0 ]; do
    case "$1" in
    --iommu) iommu=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

t0=$(date +%s)
mkdir -p "$GUEST_LOGS"

echo "== 1/3 QEMU 10.0 with vtm (scripts/build-qemu.sh; about 5 minutes the first time)"
if ! "$GUEST_REPO/scripts/build-qemu.sh" > "$GUEST_LOGS/demo-build.log" 2>&1; then
    tail -30 "$GUEST_LOGS/demo-build.log" | sed 's/^/   | /'
    die "building QEMU failed (log: build/guest-logs/demo-build.log)"
fi
echo "   $(realpath --relative-to="$GUEST_REPO" "$(qemu_binary)")"

echo "== 2/3 guest: Debian's 6.12 kernel, busybox initramfs, static fio"
"$GUEST_REPO/scripts/guest/fetch-kernel.sh" 6.12 2> "$GUEST_LOGS/demo-setup.log" |
    sed 's/^/   /' || die "fetching the kernel failed (build/guest-logs/demo-setup.log)"
initrd=$("$GUEST_REPO/scripts/guest/build-initramfs.sh" --kernel 6.12 2>> "$GUEST_LOGS/demo-setup.log") ||
    die "building the initramfs failed (build/guest-logs/demo-setup.log)"
echo "   initramfs: $(realpath --relative-to="$GUEST_REPO" "$initrd")"

case "$iommu" in
vtm) dev="-device vtm-iommu${VTM_OPTS:+,$VTM_OPTS}" ;;
intel) dev="-device intel-iommu,intremap=off" ;;
none) dev="no IOMMU" ;;
*) die "--iommu must be vtm, intel or none" ;;
esac
echo "== 3/3 boot with intel_iommu=on on $dev, DMA to NVMe"
out="$GUEST_LOGS/demo.out"
set +e
stats="$GUEST_LOGS/demo-stats.txt"
rm -f "$stats"
stats_opt=()
[ "$iommu" != vtm ] || stats_opt=(--stats "$stats")
"$GUEST_REPO/scripts/guest/run.sh" --iommu "$iommu" --name "demo-$iommu" \
    "${stats_opt[@]}" demo > "$out" 2>&1
rc=$?
set -e

res="$GUEST_LOGS/demo-$iommu.results"
[ -f "$res" ] || res=/dev/null

echo
echo "-- the guest kernel's DMAR lines"
grep '^VTM-DMESG: ' "$res" | sed 's/^VTM-DMESG: //' |
    grep -E 'DMAR|iommu' | grep -v 'Command line' | sed 's/^/   /' || echo "   (none)"
echo
echo "-- checksums in the guest (sha256 of what the NVMe DMA read and wrote)"
grep -E '^VTM-CHECK: ' "$res" | sed 's/^VTM-CHECK: /   /' || echo "   (none)"
echo
echo "-- checksums on the host, after the guest shut down"
grep -E '^run: host check: ' "$out" | sed 's/^run: host check: /   /' || echo "   (none)"
if grep -q '^VTM-PERF: ' "$res"; then
    echo
    echo "-- the guest's view: perf stat -a -e dmar0/.../ over the workload"
    echo "   (Linux's dmar0 PMU reading vtm's performance counters)"
    sed -n 's/^VTM-PERF: /   /p' "$res"
fi
if [ -s "$stats" ]; then
    echo
    echo "-- what vtm measured (tools/vtm-stats, read over QMP at power-off;"
    echo "   the whole boot, where perf stat above saw the workload only)"
    sed 's/^/   /' "$stats"
fi
echo
echo "-- summary"
grep -E '^run: accelerator|^run: kernel|^run: console log' "$out" | sed 's/^run: /   /'
grep -E '^VTM-RESULT: ' "$res" | sed 's/^VTM-RESULT: /   guest: /'
grep -E '^run: (PASS|FAIL)|error:' "$out" | sed 's/^run: /   /'
echo "   demo took $(( $(date +%s) - t0 )) s; full output in build/guest-logs/demo.out"
if [ "$rc" != 0 ]; then
    echo "   last console lines:"
    { grep -v '^#' "$GUEST_LOGS/demo-$iommu.log" 2>/dev/null || true; } |
        tail -15 | sed 's/^/   | /'
fi
exit "$rc"
exit
}
