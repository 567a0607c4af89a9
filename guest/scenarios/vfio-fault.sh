# Scenario "vfio-fault": a DMA to an address the guest never mapped is
# blocked.  Runs guest/scenarios/vfio.sh with VFIO_FAULT=1: after a good
# Identify through VFIO, vfio-nvme-identify --fault asks the NVMe
# controller to write Identify data
#   - to an IOVA that was mapped, used and unmapped (VFIO_IOMMU_UNMAP_DMA:
#     the kernel unmapped it and invalidated the IOTLB), and
#   - to an IOVA never mapped, equal to the guest-physical address of a
#     canary page of the program (where a DMA that escaped translation
#     would land).
# The commands should fail (QEMU's NVMe model completes them with success
# all the same: it ignores the result of its DMA); every canary page
# (those two, the pages either side of the mapped buffer, the mapped data
# page) must be unchanged; the kernel must log a DMAR fault naming the
# NVMe function, the faulting address and a reason, for each.  The program leaves a
# process holding the canary pages, and prints their guest-physical
# addresses (VTM-CANARY:); after power-off the host checks them in guest
# RAM (run.sh backs guest RAM with a file for "ram-canary").
# vtm-host-check: ram-canary
. /scenarios/lib.sh

# shellcheck disable=SC2034,SC2154  # VFIO_FAULT is read, bdf and secs set, by vfio.sh
VFIO_FAULT=1
. /scenarios/vfio.sh

# The kernel's fault messages, e.g. (6.12)
#   DMAR: [DMA Write NO_PASID] Request device [00:01.0] fault addr 0x80100000
#   [fault reason 0x05] PTE Write access is not set
sbdf=$(echo "${bdf#0000:}" | sed 's/\./\\./g')
iovas=$(sed -n 's/^VTM-FAULT-IOVA: \(0x[0-9a-f]*\) .*/\1/p' /tmp/vfio.out)
[ -n "$iovas" ] || fail "vfio-fault: the program reported no faulting IOVA"
# The fault interrupt may come a little after the command: wait up to 5 s
# for all of them.
fault_re() {
    echo "DMAR: \[DMA Write[^]]*\] Request device \[$sbdf\] fault addr 0x0*${1#0x} \[fault reason 0x[0-9a-f]+\]"
}
i=0
while [ "$i" -lt 25 ]; do
    dmesg > /tmp/dmesg-after.txt
    missing=0
    for iova in $iovas; do
        grep -qE "$(fault_re "$iova")" /tmp/dmesg-after.txt || missing=1
    done
    [ "$missing" = 0 ] && break
    sleep 0.2
    i=$((i + 1))
done
for iova in $iovas; do
    line=$(grep -E "$(fault_re "$iova")" /tmp/dmesg-after.txt | head -1 | sed 's/^\[[ 0-9.]*\] //')
    if [ -n "$line" ]; then
        ok "vfio-fault: kernel logged: $line"
    else
        fail "vfio-fault: no DMAR fault logged for device $bdf at IOVA $iova"
    fi
done
dmesg | grep -E 'DMAR' | grep -vxF -f /tmp/dmesg-before.txt | sed 's/^/VTM-DMESG: /'

# For a missing fault message: the unit's fault status and fault records
# as software sees them (FSTS.FRI should index the first pending record).
[ "$FAILS" = 0 ] || dmar-frcd -a
other=$(dmesg | grep -E 'DMAR: \[(DMA |INTR-REMAP)' | grep -vE "Request device \[$sbdf\]")
check "vfio-fault: no DMAR fault for any other device" [ -z "$other" ]
[ -z "$other" ] || echo "$other" | head -3 | sed 's/^/VTM-INFO: other fault: /'
bad=$(dmesg | grep -E 'WARNING: CPU|BUG: |Oops|Call Trace')
check "vfio-fault: no kernel warning or oops" [ -z "$bad" ]

finish "NVMe $bdf on vfio-pci: DMA to unmapped and never-mapped IOVAs blocked, DMAR faults logged, canaries intact ($secs s)"
