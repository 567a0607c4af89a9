# Scenario "net-vhost": guest/scenarios/net.sh with a virtio-net-pci whose
# queues the host kernel serves (vhost-net) as the second NIC:
# iommu_platform=on and ats=on, so that vhost translates through the
# IOMMU's device-IOTLB interface (run it with device-iotlb=on: see
# scripts/guest/test.sh).  The two NICs' taps are joined by a bridge in a
# network namespace of their own (scripts/guest/netns-wire.sh): nothing
# leaves the machine.
# vtm-host-check: none
# vtm-devices: nic-pair-vhost
# shellcheck disable=SC2034  # read by net.sh
NET_B_DRIVER=virtio_net
. /scenarios/net.sh
