# Scenario "demo" (make demo): a short DMA workload on the NVMe disk.
# Reads region 0 buffered and O_DIRECT, copies it to region 1 (O_DIRECT)
# and region 2 (buffered), each verified by sha256 here and on the host.
# vtm-host-check: copy:nvme:1 copy:nvme:2
. /scenarios/lib.sh

dmesg | grep -E 'DMAR|iommu:' | sed 's/^/VTM-DMESG: /'
disk_test nvme /dev/nvme0n1 "$VTM_SHA_NVME" read copy
check_no_faults
finish "NVMe: ${VTM_MIB:-16} MiB read 3 ways and copied twice (O_DIRECT, buffered), sha256 verified"
