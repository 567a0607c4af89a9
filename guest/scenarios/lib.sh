# Helpers for the scenario scripts (busybox sh), sourced by each of them.
#
# A scenario reports each check with ok/fail, and ends with finish: its exit
# status and /tmp/vtm-detail become init's "VTM-RESULT: NAME PASS|FAIL
# detail" line.

FAILS=0
FIRST_FAIL=

ok() { echo "VTM-CHECK: ok   $*"; }
fail() {
    echo "VTM-CHECK: FAIL $*"
    FAILS=$((FAILS + 1))
    [ -n "$FIRST_FAIL" ] || FIRST_FAIL="$*"
}
# check DESCRIPTION CMD...: runs CMD; ok or fail with DESCRIPTION.
check() {
    desc=$1; shift
    if "$@"; then ok "$desc"; else fail "$desc"; fi
}
info() { echo "VTM-INFO: $*"; }

# finish SUMMARY: ends the scenario (exit 0 if no check failed).
finish() {
    if [ "$FAILS" -gt 0 ]; then
        if [ "$FAILS" -gt 1 ]; then
            echo "$FIRST_FAIL (and $((FAILS - 1)) more failed checks)" > /tmp/vtm-detail
        else
            echo "$FIRST_FAIL" > /tmp/vtm-detail
        fi
        exit 1
    fi
    echo "$*" > /tmp/vtm-detail
    exit 0
}

# wait_for PATH SECONDS: waits until PATH exists (drivers probe async).
wait_for() {
    i=0
    while [ ! -e "$1" ]; do
        [ "$i" -ge $(($2 * 10)) ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
}

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# sha DEV REGION MIB BS [DDFLAG...]: sha256 of region REGION (in units of
# MIB mebibytes) of DEV, read with dd bs=BS and the given flags.
sha() {
    dev=$1 region=$2 mib=$3 bs=$4; shift 4
    case "$bs" in
    4k) n=$((mib * 256)); skip=$((region * mib * 256)) ;;
    64k) n=$((mib * 16)); skip=$((region * mib * 16)) ;;
    1M) n=$mib; skip=$((region * mib)) ;;
    esac
    dd if="$dev" bs="$bs" count="$n" skip="$skip" "$@" 2>/tmp/dd.err |
        sha256sum | cut -d' ' -f1
}

# copy DEV FROM TO MIB BS [DDFLAG...]: copies region FROM to region TO.
copy() {
    dev=$1 from=$2 to=$3 mib=$4 bs=$5; shift 5
    case "$bs" in
    64k) n=$((mib * 16)); skip=$((from * mib * 16)); seek=$((to * mib * 16)) ;;
    1M) n=$mib; skip=$((from * mib)); seek=$((to * mib)) ;;
    esac
    dd if="$dev" of="$dev" bs="$bs" count="$n" skip="$skip" seek="$seek" \
        conv=notrunc "$@" 2>/tmp/dd.err
}

# The test disks made by scripts/guest/run.sh, used by block.sh and demo.sh.
R=${VTM_MIB:-16}

# ddfail MESSAGE: fail, with dd's own complaint if it had one.
ddfail() {
    why=$(grep -v 'records\|copied' /tmp/dd.err 2>/dev/null | head -1)
    fail "$1${why:+ (dd: $why)}"
}

# region_ok TAG DEV REGION BS FLAGS WANT DESC
region_ok() {
    got=$(sha "$2" "$3" "$R" "$4" $5)
    if [ "$got" = "$6" ]; then
        ok "$1: $7 (sha256 ${got%${got#????????????}})"
    else
        ddfail "$1: $7: sha256 $got, want $6"
    fi
}

# disk_test TAG DEV WANT STEP...: the checks of one test disk (see
# block.sh for its layout); STEPs: read, copy, fio.
disk_test() {
    tag=$1 dev=$2 want=$3; shift 3
    steps=" $* "
    if [ -z "$want" ]; then
        fail "$tag: no vtm.sha_$tag on the command line"; return
    fi
    if ! wait_for "$dev" 30; then
        fail "$tag: $dev did not appear within 30 s"; return
    fi
    size=$(blockdev --getsize64 "$dev")
    if [ "$size" -lt $((4 * R * 1048576)) ]; then
        fail "$tag: $dev has $size bytes, need $((4 * R)) MiB"; return
    fi
    ok "$tag: $dev present, $((size / 1048576)) MiB"

    case "$steps" in *" read "*)
    drop_caches
    region_ok "$tag" "$dev" 0 1M "" "$want" "buffered sequential read, region 0"
    drop_caches
    region_ok "$tag" "$dev" 0 1M iflag=direct "$want" "O_DIRECT read 1 MiB requests, region 0"
    region_ok "$tag" "$dev" 0 4k iflag=direct "$want" "O_DIRECT read 4 KiB requests, region 0"
    esac

    case "$steps" in *" copy "*)
    if copy "$dev" 0 1 "$R" 1M iflag=direct oflag=direct; then
        region_ok "$tag" "$dev" 1 1M iflag=direct "$want" "O_DIRECT write of region 1, read back"
    else
        ddfail "$tag: O_DIRECT copy to region 1 failed"
    fi
    if copy "$dev" 0 2 "$R" 64k conv=fsync; then
        drop_caches
        region_ok "$tag" "$dev" 2 1M iflag=direct "$want" "buffered write of region 2, read back"
    else
        ddfail "$tag: buffered copy to region 2 failed"
    fi
    esac

    case "$steps" in *" fio "*)
    half=$((R * 1048576 / 2))
    if VTM_FIO_FILE=$dev VTM_FIO_ENGINE=io_uring VTM_FIO_DIRECT=1 VTM_FIO_SIZE=$half \
       VTM_FIO_OFF_A=$((3 * R * 1048576)) VTM_FIO_OFF_B=$((3 * R * 1048576 + half)) \
       fio --output=/tmp/fio-$tag.txt /scenarios/random.fio > /dev/null 2>&1; then
        ok "$tag: fio random writes, verify=crc32c, region 3 ($(grep -c 'err= 0' /tmp/fio-$tag.txt) jobs)"
    else
        fail "$tag: fio random write/verify: $(grep -m1 -E 'verify|err=|fio:' /tmp/fio-$tag.txt)"
        sed 's/^/VTM-INFO: fio /' /tmp/fio-$tag.txt | head -40
    fi
    esac
}

# check_no_faults: no DMAR fault was logged since boot.
check_no_faults() {
    faults=$(dmesg | grep -E 'DMAR: \[(DMA |INTR-REMAP)|DMAR: DRHD: handling fault')
    if [ -z "$faults" ]; then
        ok "no DMAR fault in dmesg"
    else
        fail "DMAR fault: $(echo "$faults" | head -1)"
    fi
}

# --- The NIC pair of run.sh's "# vtm-devices: nic-pair*" -------------------

# nic_by_driver DRIVER: the interface whose device DRIVER drives.
nic_by_driver() {
    for n in /sys/class/net/*; do
        d=$(readlink "$n/device/driver" 2>/dev/null) || continue
        if [ "$(basename "$d")" = "$1" ]; then
            basename "$n"
            return 0
        fi
    done
    return 1
}

# in_b CMD...: CMD in the second NIC's namespace (NSPID, nic_pair_up).
in_b() { nsenter -t "$NSPID" -n "$@"; }

# nic_pair_up TAG A B: moves interface B into a network namespace of its
# own (NSPID: a process that sleeps there), so that traffic between A_IP
# on A and B_IP on B must cross the NICs, and waits for both links.  On
# failure the scenario ends, with TAG in its message.
nic_pair_up() {
    unshare -n sleep 100000 > /dev/null 2>&1 &
    NSPID=$!
    i=0
    while [ "$(readlink /proc/$NSPID/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do
        i=$((i + 1))
        [ "$i" -gt 100 ] && { fail "$1: unshare -n did not make a namespace"; kill "$NSPID"; finish ""; }
        sleep 0.1
    done
    ip link set lo up
    ip link set "$3" netns "$NSPID" ||
        { fail "$1: ip link set $3 netns $NSPID"; kill "$NSPID"; finish ""; }
    ip addr add "$A_IP/24" dev "$2"
    ip link set "$2" up
    in_b ip link set lo up
    in_b ip addr add "$B_IP/24" dev "$3"
    in_b ip link set "$3" up
    i=0
    while ! { ip link show "$2" | grep -q LOWER_UP && in_b ip link show "$3" | grep -q LOWER_UP; }; do
        i=$((i + 1))
        if [ "$i" -gt 200 ]; then
            fail "$1: links not up within 20 s ($(ip link show "$2" | head -1); $(in_b ip link show "$3" | head -1))"
            kill "$NSPID"
            finish ""
        fi
        sleep 0.1
    done
}
