# Scenario "sriov": SR-IOV virtual functions through the IOMMU.  The igb
# of run.sh's "nic-pair-sriov" (behind the first expander bus's unit with
# --units 3) gets two VFs through sriov_numvfs: each VF is a requester of
# its own (its own context entry) in an IOMMU group of its own, behind
# the PF's unit.  The first VF, driven by igbvf, then replaces the igb as
# the second NIC of scenario "net": a file of random data each way over
# TCP across the 127.0.0.1 wire, sha256 at both ends.  The host checks
# (run.sh --units) that the VF's translations are on the PF's unit.
# vtm-host-check: none
# vtm-devices: nic-pair-sriov
. /scenarios/lib.sh

i=0
until pf=$(nic_by_driver igb); do
    i=$((i + 1))
    [ "$i" -gt 300 ] && { fail "sriov: no igb interface"; finish ""; }
    sleep 0.1
done
pfdev=$(readlink -f "/sys/class/net/$pf/device")
info "sriov: PF $pf at $(basename "$pfdev"), up to $(cat "$pfdev/sriov_totalvfs") VFs"
echo 2 > "$pfdev/sriov_numvfs" ||
    { fail "sriov: echo 2 > sriov_numvfs"; finish ""; }
ip link set "$pf" up
check "sriov: 2 VFs enabled" [ "$(cat "$pfdev/sriov_numvfs")" = 2 ]

group() { basename "$(readlink "$1/iommu_group" 2>/dev/null)"; }
unit() { cat "$1/iommu/intel-iommu/address" 2>/dev/null; }
pfg=$(group "$pfdev")
seen=" $pfg "
for v in "$pfdev"/virtfn*; do
    vf=$(readlink -f "$v")
    g=$(group "$vf")
    info "sriov: $(basename "$v") at $(basename "$vf"), IOMMU group ${g:-none}, unit $(unit "$vf"), driver $(basename "$(readlink "$vf/driver" 2>/dev/null)")"
    check "sriov: $(basename "$vf") in an IOMMU group of its own" \
        [ -n "$g" ] && [ "${seen#* $g }" = "$seen" ]
    check "sriov: $(basename "$vf") behind the PF's unit ($(unit "$pfdev"))" \
        [ -n "$(unit "$vf")" ] && [ "$(unit "$vf")" = "$(unit "$pfdev")" ]
    seen="$seen$g "
done
[ "$FAILS" = 0 ] || finish ""

# The first VF's interface (igbvf), then scenario net with it as NIC B
i=0
until vfn=$(nic_by_driver igbvf); do
    i=$((i + 1))
    [ "$i" -gt 300 ] && { fail "sriov: no igbvf interface"; finish ""; }
    sleep 0.1
done
ok "sriov: igbvf interface $vfn ($(basename "$(readlink -f "/sys/class/net/$vfn/device")"))"
NET_B_DRIVER=igbvf
. /scenarios/net.sh
