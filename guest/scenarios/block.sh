# Scenario "block": DMA through the IOMMU verified by checksums, on NVMe
# (/dev/nvme0n1) and virtio-blk with iommu_platform=on (/dev/vda).
#
# Each disk is four regions of VTM_MIB MiB of random data made by the host:
#   0  source: read buffered and O_DIRECT (4 KiB and 1 MiB requests) and
#      compared with the sha256 the host passed as vtm.sha_<disk>
#   1  written with an O_DIRECT sequential copy of region 0
#   2  written with a buffered copy of region 0 (64 KiB, fsync)
#   3  random writes of 4..128 KiB by fio with verify=crc32c, O_DIRECT,
#      io_uring at depth 16 and psync side by side
# Regions 1 and 2 are read back O_DIRECT here; after the guest shut down
# the host checks regions 0-2 against its copy and replays fio's verify.
# vtm-host-check: copy:nvme:1 copy:nvme:2 fio:nvme copy:vblk:1 copy:vblk:2 fio:vblk
. /scenarios/lib.sh

disk_test nvme /dev/nvme0n1 "$VTM_SHA_NVME" read copy fio
disk_test vblk /dev/vda "$VTM_SHA_VBLK" read copy fio
sync

check_no_faults
finish "NVMe and virtio-blk: $((4 * ${VTM_MIB:-16})) MiB per disk read/written, sha256 and crc32c verified"
