# Scenario "migrate": virtio-blk DMA verified by checksums while the host
# live-migrates the guest (scripts/guest/migrate.sh: to a file, then over a
# unix socket).  Needs the control port the host gives as the third serial
# port (ttyS2): the host writes "done" there once both migrations are over.
#
# Rounds of I/O on /dev/vda (regions as in block.sh) run back to back
# until then, each one:
#   - an O_DIRECT copy of region 0 to region 1 (1 MiB requests), read back
#   - a buffered copy of region 0 to region 2 (64 KiB, fsync), read back
#   - region 0 read O_DIRECT in 4 KiB requests
# every read compared with the sha256 the host passed as vtm.sha_vblk.
# "VTM-MIG-ROUND N ok" after each round tells the host where the guest
# is; after "done", one more whole round, then the DMAR fault check.
# With vtm.x2apic=1 it also checks that interrupt remapping runs in x2APIC
# mode and that the disk's interrupts are remapped.
# vtm-host-check: copy:vblk:1 copy:vblk:2
. /scenarios/lib.sh

MAX_ROUNDS=${VTM_MIG_ROUNDS:-400}
DISK=/dev/vda
want=$VTM_SHA_VBLK

# round N: one round; false (and the checks failed) on a wrong checksum.
round() {
    before=$FAILS
    copy "$DISK" 0 1 "$R" 1M iflag=direct oflag=direct ||
        ddfail "round $1: O_DIRECT copy to region 1"
    got=$(sha "$DISK" 1 "$R" 1M iflag=direct)
    [ "$got" = "$want" ] || fail "round $1: region 1 after O_DIRECT copy: sha256 $got, want $want"
    copy "$DISK" 0 2 "$R" 64k conv=fsync || ddfail "round $1: buffered copy to region 2"
    drop_caches
    got=$(sha "$DISK" 2 "$R" 1M iflag=direct)
    [ "$got" = "$want" ] || fail "round $1: region 2 after buffered copy: sha256 $got, want $want"
    got=$(sha "$DISK" 0 "$R" 4k iflag=direct)
    [ "$got" = "$want" ] || fail "round $1: region 0, 4 KiB O_DIRECT reads: sha256 $got, want $want"
    [ "$FAILS" = "$before" ]
}

if [ -z "$want" ]; then
    fail "no vtm.sha_vblk on the command line"; finish ""
fi
if ! [ -c /dev/ttyS2 ] || ! stty -F /dev/ttyS2 raw -echo; then
    fail "no control port /dev/ttyS2 (run by scripts/guest/migrate.sh)"; finish ""
fi
cat /dev/ttyS2 > /tmp/ctl &
ctl=$!
check "$DISK present" wait_for "$DISK" 30
# The disk translates through the IOMMU, in strict mode when asked for.
pci=$(readlink -f /sys/block/vda/device/..)
group=$(readlink -f "$pci/iommu_group" 2>/dev/null)
if [ -n "$group" ] && [ -e "$group/type" ]; then
    type=$(cat "$group/type")
    ok "virtio-blk ($(basename "$pci")) in IOMMU group $(basename "$group"), domain $type"
    case " $(cat /proc/cmdline) " in *" iommu.strict=1 "*)
        check "strict invalidation (domain type DMA, not DMA-FQ)" [ "$type" = DMA ] ;;
    esac
else
    fail "virtio-blk ($pci) is in no IOMMU group"
fi
# vtm.x2apic=1 (the migrate-x2apic test): interrupts remapped in x2APIC
# mode, the disk's completions on remapped MSI-X vectors.
if [ "${VTM_X2APIC:-0}" = 1 ]; then
    check 'dmesg: "DMAR-IR: Enabled IRQ remapping in x2apic mode"' \
        sh -c 'dmesg | grep -q "DMAR-IR: Enabled IRQ remapping in x2apic mode"'
    check "virtio-blk interrupts on IR-PCI-MSI vectors" \
        sh -c 'grep -E "IR-PCI-MSI.*virtio" /proc/interrupts | grep -q .'
fi

# (lib.sh's helpers set n, dev, mib ...: the loop's own names differ)
rounds=0
last=
while [ "$rounds" -lt "$MAX_ROUNDS" ]; do
    rounds=$((rounds + 1))
    round "$rounds" || break
    echo "VTM-MIG-ROUND $rounds ok"
    [ -z "$last" ] || break
    grep -q done /tmp/ctl && last=$((rounds + 1))
done
kill "$ctl" 2>/dev/null
# The unit's registers after the migrations: still the mode the kernel
# set (vtm.mode=scalable|legacy, as boot.sh checks it after boot).
if [ -n "${VTM_MODE:-}" ] && /bin/dmar-regs > /tmp/regs.txt 2>/dev/null; then
    check "after the migrations: unit in $VTM_MODE mode (RTADDR.TTM read back)" \
        grep -q " mode $VTM_MODE (TTM" /tmp/regs.txt
fi
if [ "$FAILS" = 0 ]; then
    if [ -n "$last" ] && [ "$rounds" = "$last" ]; then
        ok "$rounds rounds of $((3 * R)) MiB checked, the last after the host's done"
    else
        fail "the host did not say done within $MAX_ROUNDS rounds"
    fi
fi
check_no_faults
finish "virtio-blk through live migrations: $rounds rounds of $((3 * R)) MiB, sha256 verified"
