# Scenario "vfio": VFIO inside the guest.  The NVMe controller is taken
# from the nvme driver and bound to vfio-pci (driver_override); the static
# program vfio-nvme-identify (guest/src/vfio-nvme-identify.c) maps a buffer
# with VFIO_IOMMU_MAP_DMA, which makes the guest's intel-iommu driver
# program the IOMMU for the device's domain, resets and enables the
# controller through BAR0 with its admin queues in that buffer, issues
# Admin Identify Controller with the data pointer at the buffer's IOVA, and
# checks the serial number against the one QEMU was given (run.sh passes
# it as vtm.nvme_serial).  No DMAR fault may be logged.
#
# guest/scenarios/vfio-fault.sh runs this script with VFIO_FAULT=1: see
# there; guest/scenarios/sriov-vfio.sh with VFIO_BDF set to an NVMe VF.
# vtm-host-check: none
. /scenarios/lib.sh

# The NVMe function (class 0x010802), or the one the including scenario
# names (VFIO_BDF: scenario sriov-vfio's VF).
bdf=${VFIO_BDF:-}
[ -n "$bdf" ] || for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/class")" = 0x010802 ] && { bdf=$(basename "$d"); break; }
done
if [ -z "$bdf" ]; then
    fail "vfio: no NVMe controller (PCI class 0x010802)"
    finish ""
fi
dev=/sys/bus/pci/devices/$bdf
group=$(basename "$(readlink "$dev/iommu_group")")
members=$(ls "$dev/iommu_group/devices" | tr '\n' ' ')
info "vfio: NVMe $bdf, IOMMU group $group: $members"

drv=$(basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null)
was=${drv:-none}
if [ "$drv" != vfio-pci ]; then
    # Let the nvme driver finish probing before taking the device away.
    [ "$drv" = nvme ] && wait_for /dev/nvme0n1 30
    echo vfio-pci > "$dev/driver_override"
    [ -z "$drv" ] || echo "$bdf" > "$dev/driver/unbind"
    echo "$bdf" > /sys/bus/pci/drivers_probe
    drv=$(basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null)
fi
if [ "$drv" = vfio-pci ] && wait_for "/dev/vfio/$group" 10; then
    ok "vfio: $bdf bound to vfio-pci (was $was), /dev/vfio/$group present"
else
    fail "vfio: $bdf driver '${drv:-none}' after binding to vfio-pci; /dev/vfio: $(ls /dev/vfio 2>&1 | tr '\n' ' ')"
    dmesg | grep -E 'vfio|VFIO' | tail -5 | sed 's/^/VTM-INFO: /'
    finish ""
fi
if [ -z "$VTM_NVME_SERIAL" ]; then
    fail "vfio: no vtm.nvme_serial on the command line (run.sh passes the serial QEMU was given)"
fi

# VFIO type1 refuses a group without interrupt remapping (QEMU's
# intel-iommu runs with intremap=off here).  The program polls and never
# asks for an interrupt, so allowing it changes nothing it tests.
if ! dmesg | grep -q 'DMAR-IR: Enabled IRQ remapping'; then
    echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts &&
        info "vfio: no interrupt remapping: vfio_iommu_type1 allow_unsafe_interrupts=1 (completions are polled)"
fi

dmesg > /tmp/dmesg-before.txt
args="--serial $VTM_NVME_SERIAL"
[ -n "$VFIO_FAULT" ] && args="$args --fault --hold"
t0=$(cut -d' ' -f1 /proc/uptime)
# shellcheck disable=SC2086
vfio-nvme-identify $args "$bdf" > /tmp/vfio.out 2>&1
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
cat /tmp/vfio.out
nfail=$(grep -c '^VTM-CHECK: FAIL' /tmp/vfio.out)
if [ "$rc" != 0 ] || [ "$nfail" -gt 0 ]; then
    FAILS=$((FAILS + (nfail > 0 ? nfail : 1)))
    FIRST_FAIL=$(grep -m1 '^VTM-CHECK: FAIL' /tmp/vfio.out | sed 's/^VTM-CHECK: FAIL //')
    FIRST_FAIL=${FIRST_FAIL:-vfio-nvme-identify exited with status $rc}
fi
secs=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
info "vfio: vfio-nvme-identify took $secs s"

if [ -z "$VFIO_FAULT" ]; then
    check_no_faults
    finish "NVMe $bdf on vfio-pci: Identify Controller through a VFIO type1 mapping, serial $VTM_NVME_SERIAL verified ($secs s)"
fi
