# Scenario "net-virtio": guest/scenarios/net.sh with a virtio-net-pci
# (iommu_platform=on,disable-legacy=on) as the second NIC instead of the
# igb: e1000e <-> virtio-net over a QEMU stream netdev on 127.0.0.1, a
# stream of random data each way, sha256 at both ends, NIC counters.
# vtm-host-check: none
# vtm-devices: nic-pair-virtio
# shellcheck disable=SC2034  # read by net.sh
NET_B_DRIVER=virtio_net
. /scenarios/net.sh
