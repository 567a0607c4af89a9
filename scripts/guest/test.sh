#!/bin/bash
# Runs the guest scenarios as tests and prints TAP (for scripts/check.sh).
#
# Usage: scripts/guest/test.sh [--tap] [--iommu vtm|intel|intel-sm|none] [TEST...]
#   TEST (default: all, in this order).  On vtm the default device is a
#   scalable-mode unit: the tests below check from inside the guest that
#   the kernel put it in scalable mode (vtm.mode=scalable: RTADDR.TTM and
#   IQA.DW read back) and, from vtm's statistics, which tables translated
#   the guest's DMA (run.sh --expect-stage); the legacy-* tests run the
#   same scenarios on a legacy-only unit (scalable-mode=off).
#   A test that failed runs once more: Linux 6.12 now and then corrupts
#   its own virtio-blk I/O under an IOMMU, on QEMU's intel-iommu as on
#   vtm, in legacy and scalable mode (guest/README.md, "A known failure that
#   is not vtm's").  The line of a test that passed on its 2nd try says
#   so, with the first try's failure and console log, and "# HUNG ONCE" /
#   "# FAILED ONCE" lines list them at the end; scripts/soak.sh counts
#   them as failures.  A failure on both tries fails the test.
#     boot        boot with intel_iommu=on: DMAR unit, translation and QI
#                 enabled, no fault, every PCI device in an IOMMU group,
#                 the unit in scalable mode
#     block       NVMe and virtio-blk DMA verified by sha256 and fio crc32c,
#                 guest writes checked on the host; through first-stage
#                 tables
#     strict      boot+block with iommu.strict=1 (first stage)
#     lazy        boot+block with iommu.strict=0 (first stage)
#     pt          boot+block with iommu=pt (pass-through PASID entries)
#     boot-6.1    boot on Debian bookworm's 6.1 kernel, intel_iommu=sm_on
#     block-6.1   block on the 6.1 kernel, sm_on (first stage)
#     caps        boot+block with nested=on,prs=on,ssads=on,ers=on,srs=on
#                 (ECAP.NEST, PRS, SSADS, ERS, SRS): Linux sets up its page
#                 request queue (its dmar*-prq interrupt), DMA as in block
#     la57        boot+block with -cpu max (5-level CPU paging) and
#                 aw-bits=57 (CAP.FL5LP): first-stage tables of the depth
#                 the guest picks (the stats say which)
#     net         e1000e <-> igb joined by a stream netdev on 127.0.0.1,
#                 the igb in its own network namespace: 16 MiB each way
#                 over TCP, sha256 at both ends, NIC counters (first stage)
#     net-vhost   net with a virtio-net served by vhost-net (iommu_platform
#                 and ats on, the IOMMU's device-iotlb=on) as the second
#                 NIC, both NICs on taps joined in a private network
#                 namespace; reported as skipped, with the reason, where
#                 the host has no usable /dev/vhost-net (or no root)
#     vfio        NVMe on vfio-pci in the guest: VFIO type1 mapping,
#                 Identify Controller through BAR0, serial checked (Linux
#                 maps VFIO's domain with second-stage tables, DMA
#                 domains with first-stage ones)
#     vfio-fault  DMA to unmapped and never-mapped IOVAs through VFIO:
#                 blocked, DMAR faults logged, canaries intact (guest and
#                 host side)
#     vfio-cm     vfio and vfio-fault with the IOMMU's caching-mode=on
#                 (first-stage=auto is off then: second-stage tables)
#     ir-x2apic   interrupt remapping in x2APIC mode (-cpu max): NVMe and
#                 virtio MSI-X through remapped IRTEs
#     migrate     virtio-blk I/O with sha256 checks (iommu.strict=1) while
#                 the guest is live-migrated twice: to a file, then over a
#                 unix socket (scripts/guest/migrate.sh); no DMAR fault
#     migrate-late  the same with the IOMMU after the disk on the command
#                 line (its state must still load first)
#     migrate-x2apic  the same with intremap=on,eim=on and -cpu max:
#                 interrupt remapping in x2APIC mode across the migrations
#     perfmon     the dmar0 PMU and Debian's perf in the guest: perf stat
#                 of IOMMU events around fio on NVMe; its counts equal
#                 vtm's statistics over the same interval (vtm only)
#     units       three vtm-iommu units (pcie.0 and two pxb-pcie buses):
#                 dmar0..dmar2 with translation on, the NVMe behind the
#                 second, the virtio-blk behind the third, their DMA
#                 checksummed (block), each disk's translations in its own
#                 unit's statistics and no other's (run.sh --units 3)
#     units-x2apic  units with interrupt remapping in x2APIC mode (-cpu
#                 max): each disk's MSI-X remapped by its own unit
#     units-sriov  units with an igb behind the first expander bus: two
#                 VFs (sriov_numvfs), each in its own IOMMU group behind
#                 the PF's unit; the first, on igbvf, carries net's
#                 checksummed TCP; then (sriov-vfio) the NVMe's VF, put
#                 online by the Virtualization Management command, runs
#                 vfio on vfio-pci; the host finds both VFs'
#                 translations on that unit only
#     units-bypass  the NVMe behind a pxb-pcie with bypass_iommu=on: no
#                 IOMMU, no group, untranslated (in no unit's statistics)
#                 while the virtio-blk is remapped; block on both.  With
#                 intremap=off: with remapping on, Linux 6.12 gives the
#                 bypassing NVMe no MSI, and INTx behind a pxb-pcie never
#                 arrives (docs/vtm.rst "Several units")
#     legacy, legacy-strict, legacy-pt, legacy-6.1, legacy-io (net, vfio
#     and vfio-fault in one boot), legacy-vfio-cm, legacy-ir-x2apic
#                 the same on -device vtm-iommu,scalable-mode=off
#   Not run by default (name it):
#     net-virtio  net with virtio-net (iommu_platform=on) as the second NIC
#                 (flaky on QEMU's intel-iommu too: the virtio-net
#                 device DMAs to unmapped IOVAs under load, then
#                 "output.0:id 0 is not a head!" or a stuck TX queue)
#     stress-blk  block's O_DIRECT read phases, 20 rounds in one boot
#                 (for scripts/soak.sh: guest/README.md, "A known failure")
#   --iommu       the IOMMU under test (default vtm: -device vtm-iommu;
#                 intel, intel-sm: scripts/guest/run.sh --iommu)
#   --tap         accepted for scripts/check.sh (TAP is the only output)
# Environment: VTM_OPTS (device options), VTM_GUEST_TIMEOUT (seconds per
# boot), as for scripts/guest/run.sh.  Each test's full output is in
# build/guest-logs/test-<iommu>-<TEST>.out, the console in <TEST>-<iommu>.log.
set -euo pipefail
# The braces make bash read the whole script before running it, so that
# editing it during a run cannot derail the run.
{
. "$(dirname "$0")/lib.sh"

# Scalable mode as the kernel must use it (checked in the guest by
# boot.sh), and a legacy-only unit whose DMA must all be legacy.
SM="--append vtm.mode=scalable"
LEG="--iommu-opts scalable-mode=off --append vtm.mode=legacy --expect-stage legacy"
SM61="--kernel 6.1 --append intel_iommu=on,sm_on $SM"
declare -A TESTS=(
    [boot]="$SM boot"
    [block]="$SM --expect-stage first block"
    [strict]="--append iommu.strict=1 $SM --expect-stage first boot,block"
    [lazy]="--append iommu.strict=0 $SM --expect-stage first boot,block"
    [pt]="--append iommu=pt $SM --expect-stage pass-through boot,block"
    [boot-6.1]="$SM61 boot"
    [block-6.1]="$SM61 --expect-stage first block"
    [caps]="--iommu-opts nested=on,prs=on,ssads=on,ers=on,srs=on --append vtm.prq=1 $SM --expect-stage first boot,block"
    [la57]="--iommu-opts aw-bits=57 $SM --expect-stage first boot,block -- -cpu max"
    [net]="$SM --expect-stage first net"
    [vfio]="$SM --expect-stage first+second vfio"
    [vfio-fault]="$SM --expect-stage first+second vfio-fault"
    [vfio-cm]="--iommu-opts caching-mode=on $SM --expect-stage second vfio,vfio-fault"
    [net-virtio]="net-virtio"
    [perfmon]="perfmon"
    [stress-blk]="$SM --append vtm.rounds=20 --expect-stage first stress-blk"
    [migrate]="--append iommu.strict=1 $SM"
    [migrate-late]="--iommu-last --append iommu.strict=1 $SM"
    [migrate-x2apic]="--iommu-opts intremap=on,eim=on --append iommu.strict=1 --append vtm.x2apic=1 $SM -- -cpu max"
    [net-vhost]="--iommu-opts device-iotlb=on $SM net-vhost"
    [ir-x2apic]="$SM ir-x2apic -- -cpu max"
    [units]="--units 3 $SM units,block"
    [units-x2apic]="--units 3 $SM units,ir-x2apic -- -cpu max"
    [units-sriov]="--units 3 $SM units,sriov,sriov-vfio"
    [units-bypass]="--units bypass --iommu-opts intremap=off $SM units,block"
    [legacy]="$LEG boot,block"
    [legacy-strict]="$LEG --append iommu.strict=1 boot,block"
    [legacy-pt]="$LEG --append iommu=pt boot,block"
    [legacy-6.1]="--kernel 6.1 $LEG boot,block"
    [legacy-io]="$LEG net,vfio,vfio-fault"
    [legacy-vfio-cm]="$LEG --iommu-opts caching-mode=on vfio,vfio-fault"
    [legacy-ir-x2apic]="$LEG ir-x2apic -- -cpu max"
)
ORDER=(boot block strict lazy pt boot-6.1 block-6.1 la57 caps net net-vhost
       vfio vfio-fault vfio-cm ir-x2apic units units-x2apic units-sriov units-bypass legacy
       legacy-strict legacy-pt legacy-6.1 legacy-io legacy-vfio-cm
       legacy-ir-x2apic)

# The arguments of test $1 for the IOMMU under test: what checks vtm's
# modes and statistics means nothing to another IOMMU.
test_args() {
    local a=${TESTS[$1]}
    if [ "$iommu" != vtm ]; then
        a=$(sed -E 's/--append vtm\.mode=[a-z]+//g; s/--expect-stage [a-z+-]+//g' <<< "$a")
    fi
    echo "$a"
}

ORDER+=(perfmon migrate migrate-late migrate-x2apic)

# Why a test cannot run on this host (nothing: it can).
cannot_run() {
    case "$1" in
    net-vhost) vhost_unusable ;;
    perfmon) [ "$iommu" = vtm ] || echo "vtm-iommu's performance monitoring" ;;
    caps) [ "$iommu" = vtm ] || echo "vtm-iommu properties (nested, prs, ssads)" ;;
    units*) [ "$iommu" = vtm ] || echo "several vtm-iommu units" ;;
    legacy*) [ "$iommu" = vtm ] || echo "a vtm-iommu property (scalable-mode=off)" ;;
    esac
}

iommu=${VTM_IOMMU:-vtm}
tests=()
while [ $# -gt 0 ]; do
    case "$1" in
    --tap) shift ;;
    --iommu) iommu=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1'" ;;
    *) [ -n "${TESTS[$1]:-}" ] || die "unknown test '$1' (${ORDER[*]})"
       tests+=("$1"); shift ;;
    esac
done
[ ${#tests[@]} -gt 0 ] || tests=("${ORDER[@]}")

echo "1..${#tests[@]}"
mkdir -p "$GUEST_LOGS"

# Fetch and build what the tests share once, so that a failure to set up
# is reported as such and not as ${#tests[@]} failed boots.
setup_log="$GUEST_LOGS/test-setup.out"
need=()
for t in "${tests[@]}"; do
    case "${TESTS[$t]} " in *"--kernel 6.1 "*) need+=(6.1) ;; *) need+=(6.12) ;; esac
done
if ! {
    for k in $(printf '%s\n' "${need[@]}" | sort -u); do
        "$GUEST_REPO/scripts/guest/fetch-kernel.sh" "$k" &&
        "$GUEST_REPO/scripts/guest/build-initramfs.sh" --kernel "$k" || exit 1
    done
} > "$setup_log" 2>&1; then
    n=0
    for t in "${tests[@]}"; do
        n=$((n + 1))
        echo "not ok $n - $t # setup failed: $(grep -m1 'error:' "$setup_log" || tail -1 "$setup_log")"
    done
    sed 's/^/# /' "$setup_log" | tail -20
    exit 1
fi

# run_one TEST OUT: one boot of TEST, its output in OUT (the migrate
# tests: three QEMUs in a row, scripts/guest/migrate.sh).
run_one() {
    local runner=run.sh
    [[ $1 != migrate* ]] || runner=migrate.sh
    # shellcheck disable=SC2086  # the table holds whole argument lists
    "$GUEST_REPO/scripts/guest/$runner" --iommu "$iommu" --name "$1-$iommu" \
        $(test_args "$1") > "$2" 2>&1
}

# only_hung OUT: the run's one failure is a guest that never finished.
only_hung() {
    grep -qE 'did not finish within|did not power off within' "$1" &&
        ! grep -qE 'VTM-RESULT: .* FAIL|host check: FAIL|VTM-CHECK: FAIL' "$1"
}

# first_failure OUT: the first line saying what went wrong.
first_failure() {
    { grep -m1 -E '^VTM-CHECK: FAIL|^(run|migrate): FAIL|Kernel panic' \
        "$1" || echo "failed"; } | cut -c1-160
}

n=0
failed=0
retries=()      # "HUNG ONCE: ..." / "FAILED ONCE: ..."
for t in "${tests[@]}"; do
    n=$((n + 1))
    out="$GUEST_LOGS/test-$iommu-$t.out"
    why=$(cannot_run "$t")
    if [ -n "$why" ]; then
        echo "ok $n - $t # SKIP $why"
        continue
    fi
    start=$(date +%s)
    first= log1=
    retried=
    ok=1
    run_one "$t" "$out" || ok=
    if [ -z "$ok" ]; then
        # Once more, keeping the first try's logs (see the header).
        first=$(first_failure "$out")
        mv "$out" "${out%.out}-try1.out"
        mv "$GUEST_LOGS/$t-$iommu.log" "$GUEST_LOGS/$t-$iommu-try1.log" \
            2> /dev/null
        log1="build/guest-logs/$t-$iommu-try1.log"
        if only_hung "${out%.out}-try1.out"; then
            retried=", passed on a 2nd try after a hang: $log1"
            once="HUNG ONCE: $t: console log $log1"
        else
            retried=", passed on a 2nd try after a failure ($first): $log1"
            once="FAILED ONCE: $t: $first; console log $log1"
        fi
        ok=1
        run_one "$t" "$out" || ok=
        [ -z "$ok" ] || retries+=("$once")
    fi
    if [ -n "$ok" ]; then
        echo "ok $n - $t ($iommu, $(( $(date +%s) - start )) s$retried)"
    else
        failed=$((failed + 1))
        echo "not ok $n - $t ($iommu, $(( $(date +%s) - start )) s)"
        grep -E '^(run|migrate): FAIL|^VTM-CHECK: FAIL|^VTM-WARN|error:' "$out" | head -15 | sed 's/^/#   /'
        echo "#   console log: build/guest-logs/$t-$iommu.log"
        echo "#   first try: ${first:-} ($log1)"
    fi
done
for h in "${retries[@]}"; do
    echo "# $h"
done
[ "$failed" -eq 0 ]
exit
}
