# Scenario "stress-blk": the read phases of "block" again and again, to
# shake out rare DMA-translation races (scripts/soak.sh, issue 17).
#
# Each round reads region 0 of both disks O_DIRECT, in 1 MiB and then in
# 4 KiB requests, checking each sha256, and stops at the first wrong
# checksum or DMAR message in dmesg.
# Rounds: vtm.rounds=N on the kernel command line (default 20).
. /scenarios/lib.sh

rounds=${VTM_ROUNDS:-20}
for dev in /dev/nvme0n1 /dev/vda; do
    wait_for "$dev" 30 || fail "$dev did not appear within 30 s"
done
i=1
while [ "$i" -le "$rounds" ] && [ "$FAILS" -eq 0 ]; do
    for bs in 1M 4k; do
        for d in "nvme /dev/nvme0n1 $VTM_SHA_NVME" "vblk /dev/vda $VTM_SHA_VBLK"; do
            set -- $d
            got=$(sha "$2" 0 "$R" "$bs" iflag=direct)
            [ "$got" = "$3" ] ||
                ddfail "$1: round $i, O_DIRECT $bs reads: sha256 $got"
        done
    done
    if dmesg | grep -qE 'DMAR: (\[|ERROR|DRHD: handling)'; then
        fail "round $i: $(dmesg | grep -E 'DMAR: (\[|ERROR|DRHD: handling)' | head -1)"
    fi
    i=$((i + 1))
done
[ "$FAILS" -gt 0 ] || ok "$rounds rounds of O_DIRECT 1 MiB and 4 KiB reads on both disks"
finish "$rounds rounds of O_DIRECT reads, sha256 verified, no DMAR message"
