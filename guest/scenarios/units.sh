# Scenario "units": several vtm-iommu units (scripts/guest/run.sh
# --units): the kernel registered one dmarN per unit (vtm.units=N), each
# with translation enabled, and attached each test disk to the unit at the
# register address run.sh says (vtm.unit_nvme, vtm.unit_vblk: a hex
# address, or "none" for a disk whose bus bypasses the IOMMUs: no unit,
# no IOMMU group).  Run it before "block", which then moves checksummed
# data through each of those units.
# vtm-host-check: none
. /scenarios/lib.sh

n=$(ls -d /sys/class/iommu/dmar* 2>/dev/null | wc -l)
check "$VTM_UNITS DMAR units registered (found $n)" [ "$n" = "$VTM_UNITS" ]
for u in /sys/class/iommu/dmar*; do
    [ -e "$u" ] || continue
    base=$(cat "$u/intel-iommu/address")
    gsts=$(devmem "$(printf '0x%x' $((0x$base + 0x1c)))" 32 2>/dev/null)
    info "$(basename "$u") at 0x$base: GSTS ${gsts:-unreadable}, devices: $(ls "$u/devices" | xargs)"
    if [ -n "$gsts" ]; then
        check "$(basename "$u"): GSTS.TES (translation enabled)" \
            [ $((gsts >> 31 & 1)) = 1 ]
    fi
done

# unit_of DEVPATH: the register address of the unit a PCI device is
# attached to, or none.
unit_of() {
    if [ -e "$1/iommu" ]; then
        echo "0x$(cat "$1/iommu/intel-iommu/address")"
    else
        echo none
    fi
}

# expect DISK DEVPATH WANT: the disk's PCI function sits behind unit WANT.
expect() {
    got=$(unit_of "$2")
    info "$1: PCI $(basename "$2"), unit $got, group $(basename "$(readlink "$2/iommu_group" 2>/dev/null)" 2>/dev/null)"
    if [ "$3" = none ]; then
        check "$1: on a bypassing bus, no IOMMU" [ "$got" = none ]
        check "$1: in no IOMMU group" [ ! -e "$2/iommu_group" ]
    else
        check "$1: behind the unit at $3" [ $((got)) = $(($3)) ]
    fi
}

wait_for /sys/class/nvme/nvme0 10
expect nvme "$(readlink -f /sys/class/nvme/nvme0/device)" "$VTM_UNIT_NVME"
wait_for /sys/block/vda 10
expect vblk "$(readlink -f /sys/block/vda/device/..)" "$VTM_UNIT_VBLK"
check_no_faults
finish "$n DMAR units; nvme behind $VTM_UNIT_NVME, virtio-blk behind $VTM_UNIT_VBLK"
