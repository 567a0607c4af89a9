# Scenario "sriov-vfio": an SR-IOV virtual function on vfio-pci in the
# guest.  run.sh's "nvme-sriov" gives the NVMe (behind the first expander
# bus's unit with --units 3) one VF whose secondary controller starts
# offline: the primary gives up its flexible resources (nvme-virt-mgmt,
# guest/src/nvme-virt-mgmt.c, through the nvme driver's admin ioctl) and
# releases them at a function level reset; sriov_numvfs then creates the
# VF (not probed by any driver), which gets two queues and an interrupt
# and goes online.  The VF, a requester of its own in an IOMMU group of
# its own behind the PF's unit, then runs scenario "vfio": Identify
# Controller through a VFIO type1 mapping (QEMU's VF reports its PF's
# serial).  The host checks (run.sh --units) that the VF's translations
# are on the PF's unit only.
# vtm-host-check: none
# vtm-devices: nvme-sriov
. /scenarios/lib.sh

wait_for /dev/nvme0n1 30 || { fail "sriov-vfio: no /dev/nvme0n1"; finish ""; }
pfdev=$(readlink -f /sys/class/nvme/nvme0/device)
info "sriov-vfio: PF $(basename "$pfdev"), up to $(cat "$pfdev/sriov_totalvfs") VFs"
nvme-virt-mgmt /dev/nvme0 free-primary ||
    { fail "sriov-vfio: primary's flexible resources not released"; finish ""; }
# The function level reset that makes the release take effect (the nvme
# driver stays bound: it re-initializes the controller).
echo 1 > "$pfdev/reset" ||
    { fail "sriov-vfio: echo 1 > reset (FLR of the PF)"; finish ""; }
echo 0 > "$pfdev/sriov_drivers_autoprobe"
echo 1 > "$pfdev/sriov_numvfs" ||
    { fail "sriov-vfio: echo 1 > sriov_numvfs"; finish ""; }
vf=$(readlink -f "$pfdev/virtfn0")
check "sriov-vfio: VF $(basename "$vf") created" [ -e "$vf/config" ]
nvme-virt-mgmt /dev/nvme0 online 1 2 1 ||
    { fail "sriov-vfio: VF's secondary controller not online"; finish ""; }

group() { basename "$(readlink "$1/iommu_group" 2>/dev/null)"; }
unit() { cat "$1/iommu/intel-iommu/address" 2>/dev/null; }
info "sriov-vfio: VF $(basename "$vf"): IOMMU group $(group "$vf"), unit $(unit "$vf"); PF: group $(group "$pfdev"), unit $(unit "$pfdev")"
check "sriov-vfio: VF in an IOMMU group of its own" \
    [ -n "$(group "$vf")" ] && [ "$(group "$vf")" != "$(group "$pfdev")" ]
check "sriov-vfio: VF behind the PF's unit ($(unit "$pfdev"))" \
    [ -n "$(unit "$vf")" ] && [ "$(unit "$vf")" = "$(unit "$pfdev")" ]
[ "$FAILS" = 0 ] || finish ""

# shellcheck disable=SC2034  # read by vfio.sh
VFIO_BDF=$(basename "$vf")
. /scenarios/vfio.sh
