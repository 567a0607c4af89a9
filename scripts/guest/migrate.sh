#!/bin/bash
# shellcheck disable=SC2054  # commas inside QEMU arguments are meant
# Live-migrates a Debian guest twice while it reads and writes a
# virtio-blk disk through the IOMMU (guest/scenarios/migrate.sh), and
# checks every checksum and that no DMAR fault appeared (issue 17).
#
# Usage: scripts/guest/migrate.sh [options] [-- QEMU-ARGS...]
#   --iommu vtm|intel  -device vtm-iommu (default) or QEMU's intel-iommu
#   --iommu-last       put the IOMMU after the disk on the command line
#                      (its state must still load before the disk's)
#   --iommu-opts OPTS  more options of the IOMMU device (after VTM_OPTS)
#   --append ARGS      more kernel command line (e.g. iommu.strict=1)
#   --kernel 6.12|6.1  guest kernel series (default 6.12)
#   --mib N            size of each of the 4 regions of the disk (default 8)
#   --timeout SEC      longest wait for any one step (default 300)
#   --name NAME        name of the logs (build/guest-logs/NAME.log)
#   --keep             keep the disk image and migration streams
#
# Three QEMUs run one after the other, all with the same devices:
#   A  boots the guest; once its first round of I/O passed, it migrates
#      live to a file (migrate "file:..."), then quits;
#   B  starts with -incoming file:..., resumes the guest; after two more
#      rounds it migrates live over a unix socket to
#   C  started with -incoming unix:...; after two more rounds the host
#      writes "done" to C's control port (the third serial port, a unix
#      socket), the guest runs one last round, checks dmesg for DMAR
#      faults and powers off.
# The console (ttyS0) and the result channel (ttyS1) are files the three
# QEMUs append to.  After C exited, the host checks the image: region 0
# unchanged, regions 1 and 2 hold the guest's copies of it, region 3
# unchanged.  QEMU's NVMe cannot migrate, so the disk is virtio-blk only
# (iommu_platform=on,disable-legacy=on).
# Exit status: 0 when the guest passed, both migrations completed with
# the guest still running I/O after each, and every host check held.
set -euo pipefail
# Read the whole script before running it (editing it cannot derail a run).
{
. "$(dirname "$0")/lib.sh"

iommu=${VTM_IOMMU:-vtm}
series=6.12
append=
iommu_opts=
iommu_last=0
timeout_s=${VTM_GUEST_TIMEOUT:-300}
mib=8
name=
keep=0
qemu_extra=()

usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; /shellcheck/d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
    --iommu) iommu=${2:?}; shift 2 ;;
    --iommu-last) iommu_last=1; shift ;;
    --iommu-opts) iommu_opts="$iommu_opts,${2:?}"; shift 2 ;;
    --append) append="$append ${2?}"; shift 2 ;;
    --kernel) series=${2:?}; shift 2 ;;
    --mib) mib=${2:?}; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --name) name=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; qemu_extra=("$@"); break ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ $mib =~ ^[1-9][0-9]*$ ]] || die "--mib must be a number"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a number of seconds"

qemu=$(qemu_binary)
hold_qemu_build "$qemu"

case "$iommu" in
vtm)   iommu_dev=(-device "vtm-iommu${VTM_OPTS:+,$VTM_OPTS}$iommu_opts") ;;
intel) iommu_dev=(-device "intel-iommu${iommu_opts}") ;;
*) die "--iommu must be vtm or intel" ;;
esac

kdir=$("$GUEST_REPO/scripts/guest/fetch-kernel.sh" --dir "$series")
initrd=$("$GUEST_REPO/scripts/guest/build-initramfs.sh" --kernel "$series")
kernel=$(readlink -f "$kdir/kernel")
rel=$(cat "$kdir/release")

name=${name:-migrate-$iommu-$series}
[[ $name =~ ^[A-Za-z0-9._+-]+$ ]] || die "--name: letters, digits and ._+- only"
mkdir -p "$GUEST_LOGS"
logfile="$GUEST_LOGS/$name.log"
results="$GUEST_LOGS/$name.results"
work="$GUEST_BUILD/run-$name"
rm -rf "$work"
mkdir -p "$work"
: > "$logfile"
: > "$results"

head -c $((4 * mib))M /dev/urandom > "$work/vblk.img"
declare -A sha
for r in 0 1 2 3; do
    sha[$r]=$(dd if="$work/vblk.img" bs=1M skip=$((r * mib)) count="$mib" \
              status=none | sha256sum | cut -d' ' -f1)
done

cmdline="console=ttyS0 intel_iommu=on iomem=relaxed panic=-1 no_timer_check"
cmdline+=" vtm.test=migrate vtm.iommu=$iommu vtm.mib=$mib vtm.sha_vblk=${sha[0]}"
cmdline+="$append"
disk=(-drive "file=${work//,/,,}/vblk.img,if=none,id=vb0,format=raw"
      -device virtio-blk-pci,drive=vb0,iommu_platform=on,disable-legacy=on)
if [ "$iommu_last" = 1 ]; then
    devices=("${disk[@]}" "${iommu_dev[@]}")
else
    devices=("${iommu_dev[@]}" "${disk[@]}")
fi
base=("$qemu" -accel tcg -M q35 -m 512M -smp 2 -display none -nodefaults
      -no-reboot
      -chardev "file,id=con,path=${logfile//,/,,},append=on" -serial chardev:con
      -chardev "file,id=res,path=${results//,/,,},append=on" -serial chardev:res
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
      "${devices[@]}" "${qemu_extra[@]}")

echo "migrate: $name: IOMMU ${iommu_dev[*]}$([ "$iommu_last" = 1 ] && echo ' (after the disk)')"
echo "migrate: kernel $rel; console log ${logfile#"$GUEST_REPO"/}"
echo "# $(printf '%q ' "${base[@]}")" > "$work/cmdline"

# A small QMP client: qmp SOCKET COMMAND [JSON-ARGUMENTS] prints the
# return value as JSON; "migrate-wait" polls query-migrate until the
# migration completed (exit 0) or failed (exit 1).
cat > "$work/qmp.py" <<'EOF'
import json, socket, sys, time

def connect(path, timeout):
    end = time.time() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            break
        except OSError:
            if time.time() > end:
                sys.exit("no QMP at %s" % path)
            time.sleep(0.2)
    f = s.makefile("rw")
    json.loads(f.readline())
    return f

def call(f, cmd, args=None):
    msg = {"execute": cmd}
    if args:
        msg["arguments"] = args
    f.write(json.dumps(msg) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r:
            return r["return"]
        if "error" in r:
            sys.exit("%s: %s" % (cmd, r["error"]["desc"]))

path, cmd = sys.argv[1], sys.argv[2]
f = connect(path, float(sys.argv[4]) if cmd == "migrate-wait" else 30)
call(f, "qmp_capabilities")
if cmd == "migrate-wait":
    end = time.time() + float(sys.argv[4])
    while time.time() < end:
        st = call(f, "query-migrate")
        if st.get("status") == "completed":
            print("completed in %s ms, %s bytes" % (st.get("total-time"),
                  st.get("ram", {}).get("transferred")))
            sys.exit(0)
        if st.get("status") in ("failed", "cancelled"):
            sys.exit("migration %s: %s" % (st["status"],
                                           st.get("error-desc", "")))
        time.sleep(0.2)
    sys.exit("migration still %s after %s s" % (st.get("status"), sys.argv[4]))
elif cmd == "status":
    print(call(f, "query-status")["status"])
else:
    print(json.dumps(call(f, cmd, json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)))
EOF
qmp() { python3 "$work/qmp.py" "$@"; }

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT

# start_qemu TAG [INCOMING]: one QEMU in the background; QEMU_PID.
start_qemu() {
    local tag=$1 incoming=${2:-}
    "${base[@]}" \
        -chardev "socket,id=ctl,path=${work//,/,,}/ctl-$tag.sock,server=on,wait=off" \
        -serial chardev:ctl \
        -qmp "unix:${work//,/,,}/qmp-$tag.sock,server=on,wait=off" \
        ${incoming:+-incoming "$incoming"} \
        < /dev/null > "$work/qemu-$tag.out" 2>&1 &
    QEMU_PID=$!
    pids+=("$QEMU_PID")
}

# wait_round N: until the guest reported round N (or failed, or QEMU died).
wait_round() {
    local end=$((SECONDS + timeout_s))
    while ! grep -q "^VTM-MIG-ROUND $1 ok" "$results"; do
        if grep -qE '^VTM-RESULT: migrate|^VTM-CHECK: FAIL' "$results"; then
            return 1
        fi
        kill -0 "$QEMU_PID" 2>/dev/null || return 1
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.5
    done
}

last_round() {
    sed -n 's/^VTM-MIG-ROUND \([0-9]*\) ok.*/\1/p' "$results" | tail -1
}

# migrate_to TAG URI: migrates the running QEMU TAG live to URI and quits it.
migrate_to() {
    local tag=$1 uri=$2 pid=$QEMU_PID r
    r=$(last_round)
    qmp "$work/qmp-$tag.sock" migrate "{\"uri\": \"$uri\"}" > /dev/null
    if ! out=$(qmp "$work/qmp-$tag.sock" migrate-wait x "$timeout_s" 2>&1); then
        echo "migrate: FAIL: $tag -> $uri: $out"
        return 1
    fi
    echo "migrate: $tag -> ${uri%%:*} ${uri#*:} during round $((r + 1)): $out"
    qmp "$work/qmp-$tag.sock" quit > /dev/null 2>&1 || true
    wait "$pid" 2>/dev/null || true
}

fail_run() {
    echo "migrate: FAIL: $*"
    echo "migrate: last console lines:"
    tail -15 "$logfile" | sed 's/^/  | /'
    for f in "$work"/qemu-*.out; do
        [ -s "$f" ] && sed "s/^/  $(basename "$f" .out): /" "$f" | tail -5
    done
    echo "migrate: FAIL $name; logs ${logfile#"$GUEST_REPO"/}, ${results#"$GUEST_REPO"/}"
    exit 1
}

start=$SECONDS
start_qemu A
wait_round 1 || fail_run "the guest did not finish its first round of I/O"
migrate_to A "file:$work/mig-1.bin" || fail_run "migration to a file failed"
start_qemu B "file:$work/mig-1.bin"
r=$(last_round)
wait_round $((r + 2)) || fail_run "after the migration from a file, the guest did not run two more rounds"
start_qemu C "unix:$work/mig-2.sock"
qmp "$work/qmp-C.sock" status > /dev/null
qmp "$work/qmp-B.sock" status > /dev/null
# B, its migration and its exit must complete while C waits
QEMU_PID=${pids[1]}
migrate_to B "unix:$work/mig-2.sock" || fail_run "migration over a unix socket failed"
QEMU_PID=${pids[2]}
r=$(last_round)
wait_round $((r + 2)) || fail_run "after the migration over a socket, the guest did not run two more rounds"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"done\n")
s.close()
' "$work/ctl-C.sock"
end=$((SECONDS + timeout_s))
while kill -0 "$QEMU_PID" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
    sleep 0.5
done
kill -0 "$QEMU_PID" 2>/dev/null && fail_run "the guest did not power off within $timeout_s s"
wait "$QEMU_PID" 2>/dev/null || true
took=$((SECONDS - start))

failures=()
line=$(grep -m1 '^VTM-RESULT: migrate ' "$results" || true)
case "$line" in
"VTM-RESULT: migrate PASS"*) echo "migrate: guest: ${line#VTM-RESULT: }" ;;
"") failures+=("guest: no result") ;;
*) failures+=("guest: ${line#VTM-RESULT: }") ;;
esac
grep -q '^VTM-DONE' "$results" || failures+=("guest: init did not reach VTM-DONE")
panic=$(grep -m1 -E 'Kernel panic|BUG: kernel|general protection fault|inconsistent with Host index' "$logfile" || true)
[ -z "$panic" ] || failures+=("guest kernel: $panic")
grep -E '^VTM-CHECK: FAIL' "$results" | head -5 | sed 's/^/migrate: /' || true

region_sha() {
    dd if="$work/vblk.img" bs=1M skip=$(($1 * mib)) count="$mib" status=none |
        sha256sum | cut -d' ' -f1
}
for r in 0 1 2 3; do
    want=${sha[$r]}
    what="region $r unchanged"
    if [ "$r" = 1 ] || [ "$r" = 2 ]; then
        want=${sha[0]}
        what="region $r holds the guest's copy of region 0"
    fi
    if [ "$(region_sha $r)" = "$want" ]; then
        echo "migrate: host check: ok   $what"
    else
        echo "migrate: host check: FAIL $what"
        failures+=("host: $what")
    fi
done

if [ ${#failures[@]} -eq 0 ]; then
    echo "migrate: PASS $name ($(last_round) rounds, $took s)"
    [ "$keep" = 1 ] || rm -rf "$work"
    exit 0
fi
for f in "${failures[@]}"; do
    echo "migrate: FAIL: $f"
done
echo "migrate: FAIL $name ($took s); console log ${logfile#"$GUEST_REPO"/}, files in ${work#"$GUEST_REPO"/}"
exit 1
exit
}
