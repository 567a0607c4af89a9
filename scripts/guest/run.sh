#!/bin/bash
# shellcheck disable=SC2054  # commas inside QEMU arguments are meant
# Boots a Debian guest kernel under QEMU with an IOMMU, runs scenarios in
# the guest, and checks on the host what the guest wrote.
#
# Usage: scripts/guest/run.sh [options] SCENARIO[,SCENARIO...] [-- QEMU-ARGS...]
#   SCENARIO           a script of guest/scenarios/ (boot, block, ...)
#   --iommu vtm|intel|intel-sm|none
#                      -device vtm-iommu (default), QEMU's own
#                      -device intel-iommu,intremap=off (intel-sm: with
#                      x-scalable-mode=on,x-flts=on, the scalable mode and
#                      first-stage tables Linux uses on vtm-iommu), or no
#                      IOMMU
#   --kernel 6.12|6.1  guest kernel series (default 6.12)
#   --accel tcg|kvm    accelerator (default tcg; kvm uses
#                      kernel-irqchip=split and -cpu host, for machines
#                      whose /dev/kvm can run guests)
#   --append ARGS      more kernel command line (e.g. iommu.strict=1)
#   --iommu-opts OPTS  more options of the IOMMU device, vtm or intel
#                      (e.g. caching-mode=on); added after VTM_OPTS
#   --timeout SEC      a guest still running after SEC is a hang (default 300)
#   --mib N            size of each of the 4 regions of a test disk (default 16)
#   --name NAME        name of the console log (build/guest-logs/NAME.log)
#   --bzimage          boot the compressed bzImage instead of vmlinux (PVH)
#   --keep             keep the disk images even when everything passed
#   -v, --verbose      stream the whole console, not only the VTM- lines
#   --stats FILE       at guest power-off, write vtm's statistics table
#                      (tools/vtm-stats over QMP) to FILE
#   --expect-stage S   host check, from vtm's statistics at power-off: the
#                      guest's DMA was translated in mode and stage S:
#                      first, second or pass-through, or several joined
#                      by + (scalable mode: each of them translated, no
#                      other stage did; pass-through DMA may also have
#                      taken the untranslated view, which counts
#                      nothing), or legacy (legacy mode)
#   --units 3|bypass   vtm only.  3: three units, vtm0 on pcie.0, vtm1
#                      and vtm2 on pxb-pcie expander buses 0x20 and 0x40,
#                      the NVMe behind a root port of the first, the
#                      virtio-blk of the second (other devices on pcie.0);
#                      bypass: one unit, the NVMe behind a pxb-pcie with
#                      bypass_iommu=on.  The guest is told where each disk
#                      should be (vtm.units, vtm.unit_nvme, vtm.unit_vblk:
#                      scenario "units"); host check, from every unit's
#                      statistics at power-off: each disk's DMA was
#                      translated by its unit and by no other (bypass: by
#                      none) and, unless intremap=off, every unit remapped
#                      interrupts (its disk's MSI-X; vtm0 the I/O APIC's);
#                      with "nic-pair-sriov" (an igb behind a second root
#                      port of the first expander bus), the VF 22:10.0
#                      translated by vtm1 only; with "nvme-sriov", the
#                      NVMe's VF 21:00.1 translated by vtm1 only
# Environment:
#   VTM_OPTS           appended to -device vtm-iommu (e.g. aw-bits=39)
#   VTM_QEMU           QEMU binary (default build/qemu-build/qemu-system-x86_64)
#
# Each run attaches two test disks made of random data: NVMe
# (-device nvme,serial=vtmNNNNNNNN, a fresh serial per run, passed to the
# guest as vtm.nvme_serial) and virtio-blk (iommu_platform=on,
# disable-legacy=on).  A scenario may ask for more devices with a line
# "# vtm-devices: nic-pair" (an e1000e and an igb joined by a stream
# netdev on 127.0.0.1) or "nic-pair-virtio" (the igb replaced by a
# virtio-net-pci with iommu_platform=on,disable-legacy=on) or
# "nic-pair-sriov" (the pair, the igb to get SR-IOV VFs; with --units 3
# it sits behind a second root port of the first expander bus) or
# "nvme-sriov" (the NVMe in an nvme-subsys, with SR-IOV: one VF, two
# flexible queues and one flexible interrupt for it) or
# "nic-pair-vhost" (an e1000e and a virtio-net-pci served by vhost-net,
# iommu_platform=on,ats=on, on two taps joined by a bridge in a network
# namespace of their own: scripts/guest/netns-wire.sh; needs root,
# /dev/vhost-net and /dev/net/tun).  The guest
# prints "VTM-RESULT: NAME PASS|FAIL detail" per scenario.  After QEMU exited, the host checks every region of both
# images: the source region must be unchanged, and the regions a scenario
# declares in its script ("# vtm-host-check: copy:DISK:REGION fio:DISK")
# must hold what the guest wrote there (a copy of region 0; for fio, a
# --verify_only replay of its random writes); other regions must be
# unchanged.  "ram-canary": guest RAM is backed by a file, and the
# guest-physical pages the guest lists as "VTM-CANARY: 0xGPA" on its result
# channel must hold the canary pattern of guest/src/vfio-nvme-identify.c
# after the guest powered off.  "perfmon": scripts/guest/perf-marks.py
# reads vtm's statistics over QMP at the guest's VTM-PERF-MARK lines and
# compares them with the guest's VTM-PERF-COUNT lines (perf stat's counts
# of the dmar0 PMU).  A scenario that declares "# vtm-initrd: perf" gets
# Debian's perf for the guest kernel and its libraries appended to the
# initramfs (scripts/guest/fetch-perf.sh).
# Exit status: 0 when every scenario passed and every host check held.
set -euo pipefail
# The braces make bash read the whole script before running it, so that
# editing it during a run cannot derail the run.
{
. "$(dirname "$0")/lib.sh"

iommu=${VTM_IOMMU:-vtm}
series=6.12
accel=tcg
append=
iommu_opts=
timeout_s=${VTM_GUEST_TIMEOUT:-300}
mib=16
name=
bzimage=0
keep=0
verbose=0
scenarios=
qemu_extra=()
stats_out=
expect_stage=
units=

usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; /shellcheck/d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
    --iommu) iommu=${2:?}; shift 2 ;;
    --kernel) series=${2:?}; shift 2 ;;
    --accel) accel=${2:?}; shift 2 ;;
    --append) append="$append ${2?}"; shift 2 ;;
    --iommu-opts) iommu_opts="$iommu_opts,${2:?}"; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --mib) mib=${2:?}; shift 2 ;;
    --name) name=${2:?}; shift 2 ;;
    --bzimage) bzimage=1; shift ;;
    --keep) keep=1; shift ;;
    --stats) stats_out=${2:?}; shift 2 ;;
    --expect-stage) expect_stage=${2:?}; shift 2 ;;
    --units) units=${2:?}; shift 2 ;;
    -v|--verbose) verbose=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; qemu_extra=("$@"); break ;;
    -*) usage >&2; die "unknown option '$1'" ;;
    *) [ -z "$scenarios" ] || die "one scenario list please (a,b,c), got '$scenarios' and '$1'"
       scenarios=$1; shift ;;
    esac
done
[ -n "$scenarios" ] || { usage >&2; die "no scenario given"; }
[[ $mib =~ ^[1-9][0-9]*$ ]] && [ $((mib % 2)) = 0 ] || die "--mib must be an even number"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a number of seconds"
[[ $expect_stage =~ ^((first|second|pass-through)(\+(first|second|pass-through))*|legacy)?$ ]] ||
    die "--expect-stage must be first, second, pass-through (or several joined by +) or legacy"
[ -z "$expect_stage" ] || [ -z "$stats_out" ] ||
    die "--expect-stage and --stats both read the statistics: use one"
[ -z "$expect_stage" ] || [ "$iommu" = vtm ] || die "--expect-stage needs --iommu vtm"
[[ $units =~ ^(3|bypass)?$ ]] || die "--units must be 3 or bypass"
[ -z "$units" ] || [ "$iommu" = vtm ] || die "--units needs --iommu vtm"
[ -z "$units" ] || [ -z "$stats_out" ] || die "--units and --stats both read the statistics: use one"

host_checks=" "
devices=" "
initrds=" "
for s in ${scenarios//,/ }; do
    f="$GUEST_REPO/guest/scenarios/$s.sh"
    [ -f "$f" ] || die "no scenario '$s' (guest/scenarios/$s.sh); there are:" \
        "$(cd "$GUEST_REPO/guest/scenarios" && ls ./*.sh | sed 's|./||; s|\.sh||' | grep -vx lib | xargs)"
    host_checks+="$(sed -n 's/^# vtm-host-check: *//p' "$f" | head -1) "
    devices+="$(sed -n 's/^# vtm-devices: *//p' "$f" | head -1) "
    initrds+="$(sed -n 's/^# vtm-initrd: *//p' "$f" | head -1) "
done

qemu=$(qemu_binary)
hold_qemu_build "$qemu"

vtm_opts=${VTM_OPTS:+,$VTM_OPTS}$iommu_opts
case "$iommu" in
vtm)   iommu_dev=(-device "vtm-iommu,id=vtm0$vtm_opts") ;;
intel) iommu_dev=(-device "intel-iommu,intremap=off$iommu_opts") ;;
# intel-iommu in the mode Linux 6.12 puts vtm-iommu in: scalable mode,
# first-stage tables (soak comparisons of like with like)
intel-sm) iommu_dev=(-device "intel-iommu,intremap=off,x-scalable-mode=on,x-flts=on$iommu_opts") ;;
none)  iommu_dev=() ;;
*) die "--iommu must be vtm, intel, intel-sm or none" ;;
esac
case "$accel" in
tcg) accel_args=(-accel tcg -M q35) ;;
kvm)
    [ -e /dev/kvm ] || die "--accel kvm: there is no /dev/kvm on this machine"
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || die "--accel kvm: /dev/kvm is not accessible"
    accel_args=(-accel kvm -M q35,kernel-irqchip=split -cpu host) ;;
*) die "--accel must be tcg or kvm" ;;
esac

kdir=$("$GUEST_REPO/scripts/guest/fetch-kernel.sh" --dir "$series")
initrd=$("$GUEST_REPO/scripts/guest/build-initramfs.sh" --kernel "$series")
fio=$("$GUEST_REPO/scripts/guest/build-fio.sh")
rel=$(cat "$kdir/release")
if [ "$bzimage" = 1 ]; then
    kernel="$kdir/root/boot/vmlinuz-$rel"; boot_mode=bzimage
else
    kernel=$(readlink -f "$kdir/kernel"); boot_mode=$(cat "$kdir/boot-mode")
fi

name=${name:-${scenarios//,/+}-$iommu-$series}
[[ $name =~ ^[A-Za-z0-9._+-]+$ ]] || die "--name: letters, digits and ._+- only"
mkdir -p "$GUEST_LOGS"
logfile="$GUEST_LOGS/$name.log"
work="$GUEST_BUILD/run-$name"
rm -rf "$work"
mkdir -p "$work"
# More of the guest's tools ("# vtm-initrd:"): archives appended to the
# initramfs, which the kernel unpacks into the same tree.
if [[ $initrds == *" perf "* ]]; then
    perf_cpio=$("$GUEST_REPO/scripts/guest/fetch-perf.sh" --kernel "$series")
    cat "$initrd" "$perf_cpio" > "$work/initrd.cpio"
    initrd="$work/initrd.cpio"
fi

# Test disks: four regions of random data each; the host keeps each
# region's sha256 to check it after the guest shut down.
disks=(nvme vblk)
declare -A sha
for d in "${disks[@]}"; do
    head -c $((4 * mib))M /dev/urandom > "$work/$d.img"
    for r in 0 1 2 3; do
        sha[$d.$r]=$(dd if="$work/$d.img" bs=1M skip=$((r * mib)) count="$mib" \
                     status=none | sha256sum | cut -d' ' -f1)
    done
done

nvme_serial=vtm$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')

# Several units (--units): expander buses, each with a root port, and
# where the disks go.  Devices without a bus then name pcie.0 (QEMU would
# pick the last bus made).
nvme_bus=
vblk_bus=
bus0=
topo=()
pxb() { # N BUS_NR [OPTS]: pxb-pcie pxbN with root port rpN
    topo+=(-device "pxb-pcie,id=pxb$1,bus_nr=$2,bus=pcie.0${3:-}"
           -device "pcie-root-port,id=rp$1,bus=pxb$1,chassis=$1")
}
case "$units" in
3)
    pxb 1 32; pxb 2 64
    # a second root port on the first expander bus (an SR-IOV igb's)
    topo+=(-device pcie-root-port,id=rp3,bus=pxb1,chassis=3,addr=01.0)
    iommu_dev+=(-device "vtm-iommu,id=vtm1,root-bus=pxb1$vtm_opts"
                -device "vtm-iommu,id=vtm2,root-bus=pxb2$vtm_opts")
    nvme_bus=,bus=rp1; vblk_bus=,bus=rp2; bus0=,bus=pcie.0
    append+=" vtm.units=3 vtm.unit_nvme=0xfed94000 vtm.unit_vblk=0xfed98000" ;;
bypass)
    pxb 1 32 ,bypass_iommu=on
    nvme_bus=,bus=rp1; vblk_bus=,bus=pcie.0; bus0=,bus=pcie.0
    append+=" vtm.units=1 vtm.unit_nvme=none vtm.unit_vblk=0xfed90000" ;;
esac

# Devices scenarios ask for ("# vtm-devices:").
dev_args=()
nvme_dev=(-device "nvme,drive=nv0,serial=$nvme_serial$nvme_bus")
if [[ $devices == *" nvme-sriov "* ]]; then
    # SR-IOV needs a subsystem, which takes its namespaces as nvme-ns
    nvme_dev=(-device nvme-subsys,id=nvss0,nqn=vtm-sriov
              -device "nvme,id=nvme0,serial=$nvme_serial$nvme_bus,subsys=nvss0,sriov_max_vfs=1,sriov_vq_flexible=2,sriov_vi_flexible=1"
              -device nvme-ns,drive=nv0,bus=nvme0,nsid=1)
fi
wrap=()
nic_b=
[[ $devices != *" nic-pair "* ]] || nic_b=igb,netdev=nicB
# SR-IOV: the igb of the pair behind the first expander bus (--units 3)
[[ $devices != *" nic-pair-sriov "* ]] ||
    nic_b=${nic_b:+both}igb,netdev=nicB${nvme_bus:+,bus=rp3}
[[ $devices != *" nic-pair-virtio "* ]] ||
    nic_b=${nic_b:+both}virtio-net-pci,netdev=nicB,iommu_platform=on,disable-legacy=on
[[ $devices != *" nic-pair-vhost "* ]] ||
    nic_b=${nic_b:+both}virtio-net-pci,netdev=nicB,iommu_platform=on,ats=on,disable-legacy=on
[[ $nic_b != both* ]] || die "nic-pair, nic-pair-virtio and nic-pair-vhost scenarios need separate boots"
if [[ $devices == *" nic-pair-vhost "* ]]; then
    why=$(vhost_unusable)
    [ -z "$why" ] || die "nic-pair-vhost: $why"
    tap=script=no,downscript=no
    dev_args+=(-netdev "tap,id=nicA,ifname=vtmtapA,$tap"
               -device "e1000e,netdev=nicA,mac=52:54:00:76:74:01$bus0"
               -netdev "tap,id=nicB,ifname=vtmtapB,$tap,vhost=on,vhostforce=on"
               -device "$nic_b,mac=52:54:00:76:74:02$bus0")
    wrap=("$GUEST_REPO/scripts/guest/netns-wire.sh")
elif [ -n "$nic_b" ]; then
    b_bus=$bus0
    [[ $nic_b != *bus=* ]] || b_bus=
    # A free TCP port on 127.0.0.1 (not listed in /proc/net/tcp).
    used=" $(awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp \
             /proc/net/tcp6 2>/dev/null | xargs) "
    port=
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 40000))
        [[ $used == *" $(printf %04X "$p") "* ]] || { port=$p; break; }
    done
    [ -n "$port" ] || die "no free TCP port for the NIC pair"
    nd="addr.type=inet,addr.host=127.0.0.1,addr.port=$port"
    dev_args+=(-netdev "stream,id=nicA,server=on,$nd"
               -device "e1000e,netdev=nicA,mac=52:54:00:76:74:01$bus0"
               -netdev "stream,id=nicB,server=off,reconnect-ms=500,$nd"
               -device "$nic_b,mac=52:54:00:76:74:02$b_bus")
fi
if [[ $host_checks == *" ram-canary "* ]]; then
    dev_args+=(-object "memory-backend-file,id=ram0,size=1G,share=on,mem-path=${work//,/,,}/ram"
               -machine memory-backend=ram0)
fi

cmdline="console=ttyS0 intel_iommu=on iomem=relaxed panic=-1"
# With interrupt remapping (vtm-iommu's default, as intel-iommu's), Linux
# panics if its boot-time check of the timer through the I/O APIC sees too
# few ticks, which TCG on a loaded host can cause (intel-iommu alike).
cmdline+=" no_timer_check"
cmdline+=" vtm.test=$scenarios vtm.iommu=$iommu vtm.mib=$mib vtm.nvme_serial=$nvme_serial"
cmdline+=" vtm.sha_nvme=${sha[nvme.0]} vtm.sha_vblk=${sha[vblk.0]}"
cmdline+="$append"

cmd=("$qemu" "${accel_args[@]}" -m 1G -smp 2
     -nographic -nodefaults -no-reboot
     -serial stdio -serial "file:${work//,/,,}/results.txt"
     "${topo[@]}" "${iommu_dev[@]}"
     -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
     -drive "file=${work//,/,,}/nvme.img,if=none,id=nv0,format=raw"
     "${nvme_dev[@]}"
     -drive "file=${work//,/,,}/vblk.img,if=none,id=vb0,format=raw"
     -device "virtio-blk-pci,drive=vb0,iommu_platform=on,disable-legacy=on$vblk_bus"
     -pidfile "$work/qemu.pid"
     "${dev_args[@]}"
     "${qemu_extra[@]}")

echo "run: $name: scenarios $scenarios"
echo "run: accelerator: $accel; IOMMU: ${iommu_dev[*]:-none}"
echo "run: kernel $rel ($boot_mode boot), $(basename "$initrd")"
echo "run: console log: ${logfile#"$GUEST_REPO"/} (VTM- lines also in $name.results)"
{
    echo "# $(printf '%q ' "${cmd[@]}")"
} > "$logfile"

# Stream the console into the log; show the VTM- lines (or everything).
filter() {
    if [ "$verbose" = 1 ]; then
        cat
    else
        awk '/^VTM-DMESG-BEGIN/ {skip = 1} !skip && /^VTM-/ {print; fflush()}
             /^VTM-DMESG-END/ {skip = 0}'
    fi
}
# A guest that KVM cannot run leaves QEMU alive but stopped ("KVM internal
# error"): stop it at once instead of waiting for the timeout.
watch_console() {
    local pid
    while sleep 1; do
        pid=$(cat "$work/qemu.pid" 2>/dev/null) || continue
        kill -0 "$pid" 2>/dev/null || return 0
        if grep -q 'KVM internal error' "$logfile"; then
            touch "$work/kvm-error"
            kill "$pid"
            return 0
        fi
    done
}
watch_console &
watcher=$!
if [ -n "$stats_out" ] || [ -n "$expect_stage" ] || [ -n "$units" ]; then
    cmd+=(-qmp "unix:${work//,/,,}/qmp.sock,server=on,wait=off"
          -action shutdown=pause)
    if [ -n "$units" ]; then
        "$GUEST_REPO/tools/vtm-stats" "$work/qmp.sock" --at-shutdown "$timeout_s" \
            --json --all > "$work/units.json" 2>&1 &
    elif [ -n "$expect_stage" ]; then
        "$GUEST_REPO/tools/vtm-stats" "$work/qmp.sock" --at-shutdown "$timeout_s" \
            --json > "$work/stats.json" 2>&1 &
    else
        "$GUEST_REPO/tools/vtm-stats" "$work/qmp.sock" --at-shutdown "$timeout_s" \
            > "$stats_out" 2>&1 &
    fi
    stats_pid=$!
fi
if [[ $host_checks == *" perfmon "* ]]; then
    cmd+=(-qmp "unix:${work//,/,,}/pm.sock,server=on,wait=off")
    "$GUEST_REPO/scripts/guest/perf-marks.py" "$work/pm.sock" \
        "$work/results.txt" --timeout "$timeout_s" \
        --json "$work/perf-marks.json" > "$work/perf-marks.txt" 2>&1 &
    marks_pid=$!
fi
start=$(date +%s.%N)
set +e
timeout -k 10 "$timeout_s" "${wrap[@]}" "${cmd[@]}" < /dev/null 2>&1 |
    sed -u 's/\r//g' | tee -a "$logfile" | filter
qrc=${PIPESTATUS[0]}
set -e
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
[ -z "$stats_out$expect_stage$units" ] || wait "$stats_pid" 2>/dev/null || true
marks_rc=0
[ -z "${marks_pid:-}" ] || wait "$marks_pid" || marks_rc=$?
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')

failures=()
if [ -f "$work/kvm-error" ]; then
    failures+=("KVM could not run the guest ($(grep -o -m1 'KVM internal error.*' "$logfile")$(
        grep -m1 -E '^[a-z ]*failure' "$logfile" | sed 's/^/, /')): this machine's" \
        "/dev/kvm cannot run it; use --accel tcg")
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    failures+=("guest did not finish within ${timeout_s} s (hang?): QEMU killed")
elif [ "$qrc" != 0 ]; then
    failures+=("QEMU exited with status $qrc: $(grep -v '^#' "$logfile" | grep -m1 -E 'qemu-system|error|Error' || tail -1 "$logfile")")
fi
panic=$(grep -m1 -E 'Kernel panic|BUG: kernel|general protection fault' "$logfile" || true)
[ -z "$panic" ] || failures+=("guest kernel: $panic")

# Guest verdicts, from the result channel (ttyS1, which no kernel message
# can interleave with): every scenario must have said PASS.
results="$GUEST_LOGS/$name.results"
sed 's/\r//g' "$work/results.txt" > "$results" 2>/dev/null || : > "$results"
for s in ${scenarios//,/ }; do
    line=$(grep -m1 "^VTM-RESULT: $s " "$results" || true)
    case "$line" in
    "VTM-RESULT: $s PASS"*) ;;
    "VTM-RESULT: $s FAIL"*) failures+=("guest: ${line#VTM-RESULT: }") ;;
    *) failures+=("guest: no result for scenario $s (init never ran it to the end)") ;;
    esac
done
if ! grep -q '^VTM-DONE' "$results"; then
    failures+=("guest: init did not reach VTM-DONE")
    echo "run: last console lines:"
    grep -v '^#' "$logfile" | tail -15 | sed 's/^/  | /'
fi

# Host checks of the images, after QEMU let go of them.
hostcheck() { # DESC CMD...: runs CMD, records ok or FAIL
    local desc=$1; shift
    if "$@"; then
        echo "run: host check: ok   $desc"
    else
        echo "run: host check: FAIL $desc"
        failures+=("host: $desc")
    fi
}
region_sha() {
    dd if="$work/$1.img" bs=1M skip=$(($2 * mib)) count="$mib" status=none |
        sha256sum | cut -d' ' -f1
}
if [ "$qrc" != 124 ] && [ "$qrc" != 137 ]; then
    for d in "${disks[@]}"; do
        hostcheck "$d region 0 (source) unchanged" \
            [ "$(region_sha "$d" 0)" = "${sha[$d.0]}" ]
        for r in 1 2; do
            got=$(region_sha "$d" $r)
            if [[ $host_checks == *" copy:$d:$r "* ]]; then
                hostcheck "$d region $r holds the guest's copy of region 0" \
                    [ "$got" = "${sha[$d.0]}" ]
            else
                hostcheck "$d region $r unchanged" [ "$got" = "${sha[$d.$r]}" ]
            fi
        done
        if [[ $host_checks == *" fio:$d "* ]]; then
            half=$((mib * 1048576 / 2))
            hostcheck "$d region 3: fio --verify_only (crc32c) of the guest's random writes" \
                env VTM_FIO_FILE="$work/$d.img" VTM_FIO_ENGINE=psync VTM_FIO_DIRECT=0 \
                VTM_FIO_SIZE=$half VTM_FIO_OFF_A=$((3 * mib * 1048576)) \
                VTM_FIO_OFF_B=$((3 * mib * 1048576 + half)) \
                "$fio" --verify_only --output="$work/fio-verify-$d.txt" \
                "$GUEST_REPO/guest/scenarios/random.fio"
        else
            hostcheck "$d region 3 unchanged" [ "$(region_sha "$d" 3)" = "${sha[$d.3]}" ]
        fi
    done
fi

# The guest's perf counts against vtm's statistics (perf-marks.py).
if [[ $host_checks == *" perfmon "* ]] && [ "$qrc" != 124 ] && [ "$qrc" != 137 ]; then
    sed 's/^/run: /' "$work/perf-marks.txt"
    cp "$work/perf-marks.json" "$GUEST_LOGS/$name.perf-marks.json" 2>/dev/null || true
    hostcheck "perfmon: the guest's perf stat counts equal vtm's statistics over the same interval" \
        [ "$marks_rc" = 0 ]
fi

# Canary pages the guest listed: still the pattern in guest RAM
# (64-bit little-endian words, word at address A = 0x76746d63616e6172 ^ A).
if [[ $host_checks == *" ram-canary "* ]] && [ "$qrc" != 124 ] && [ "$qrc" != 137 ]; then
    mapfile -t gpas < <(sed -n 's/^VTM-CANARY: \(0x[0-9a-f]*\)$/\1/p' "$results")
    if [ ${#gpas[@]} -eq 0 ]; then
        failures+=("host: the guest listed no canary page (VTM-CANARY:)")
    else
        hostcheck "guest RAM: canary pages ${gpas[*]} unchanged after power-off" \
            python3 -c '
import struct, sys
with open(sys.argv[1], "rb") as f:
    for a in sys.argv[2:]:
        gpa = int(a, 16)
        f.seek(gpa)
        words = struct.unpack("<512Q", f.read(4096))
        bad = [i for i, w in enumerate(words) if w != 0x76746d63616e6172 ^ (gpa + 8 * i)]
        if bad:
            sys.exit("page %s: %d words differ, first at +0x%x" % (a, len(bad), 8 * bad[0]))
' "$work/ram" "${gpas[@]}"
    fi
fi
rm -f "$work/ram"

# The mode and stage the unit translated the guest's DMA in, from its
# statistics at power-off (docs/vtm.rst "Statistics": unit/mode and
# unit/stage count translations by the tables used).
if [ -n "$expect_stage" ] && [ "$qrc" != 124 ] && [ "$qrc" != 137 ]; then
    cp "$work/stats.json" "$GUEST_LOGS/$name.stats.json" 2>/dev/null || true
    hostcheck "DMA translated in $expect_stage (vtm stats: $(python3 -c '
import json, sys
u = json.load(open(sys.argv[1]))["unit"]
print("mode %s, stages %s, first-stage levels %s" % (u.get("mode"),
      json.dumps(u.get("stage")), json.dumps(u.get("first-stage-levels"))))
' "$work/stats.json" 2>/dev/null || echo unreadable))" python3 -c '
import json, sys
u = json.load(open(sys.argv[1]))["unit"]
want, st = sys.argv[2], u.get("stage", {})
if want == "legacy":
    ok = u["mode"] == "legacy" and u["translations"] > 0
else:
    # pass-through requesters may take the untranslated view (no count)
    dma, want = ("first", "second", "pass-through"), want.split("+")
    ok = (u["mode"] == "scalable" and
          all(st.get(s, 0) > 0 for s in want if s != "pass-through") and
          all(st.get(s, 0) == 0 for s in dma if s not in want))
sys.exit(0 if ok else 1)
' "$work/stats.json" "$expect_stage"
fi

# Several units: each disk's translations on its own unit's statistics
# (requesters by bus:dev.fn), none on another's; a bypassing bus's on none.
if [ -n "$units" ] && [ "$qrc" != 124 ] && [ "$qrc" != 137 ]; then
    cp "$work/units.json" "$GUEST_LOGS/$name.units.json" 2>/dev/null || true
    hostcheck "each disk's DMA translated by its own unit only ($units; $(python3 -c '
import json, sys
for p, st in sorted(json.load(open(sys.argv[1])).items()):
    print("%s: %s, interrupts %d" % (p.rsplit("/", 1)[-1],
          " ".join("%s=%d" % (r["bdf"], r["translations"])
                   for r in st["requesters"]),
          st["unit"]["interrupts"]["requests"]), end="; ")
' "$work/units.json" 2>/dev/null || echo unreadable))" python3 -c '
import json, sys
all_st, mode = json.load(open(sys.argv[1])), sys.argv[2]
def bus_of(st):
    return {int(r["bdf"].split(":")[0], 16): r["translations"]
            for r in st["requesters"]}
buses = {p.rsplit("/", 1)[-1]: bus_of(st) for p, st in all_st.items()}
if mode == "3":
    # nvme behind rp1 (bus 0x21, vtm1), virtio-blk behind rp2 (0x41, vtm2)
    want = {"vtm1": 0x21, "vtm2": 0x41}
    ok = sorted(buses) == ["vtm0", "vtm1", "vtm2"] and all(
        buses[u].get(b, 0) > 0 and
        all(b not in buses[o] for o in buses if o != u)
        for u, b in want.items())
    # SR-IOV: the igb behind rp3 (bus 0x22), its first VF at 10.0; the
    # NVMe behind rp1 (0x21), its VF at 00.1
    for vf_bdf in sys.argv[4].split(",")[1:]:
        vf = [r["translations"] for r in all_st["/machine/peripheral/vtm1"]
              ["requesters"] if r["bdf"] == vf_bdf]
        ok = ok and vf and vf[0] > 0 and all(
            r["bdf"] != vf_bdf for p, st in all_st.items()
            if not p.endswith("vtm1") for r in st["requesters"])
    # with interrupt remapping, every unit remapped interrupts
    ok = ok and (sys.argv[3] != "ir" or all(
        all_st[p]["unit"]["interrupts"]["requests"] > 0 for p in all_st))
else:
    # the nvme behind the bypassing pxb (0x21) is in no unit
    ok = list(buses) == ["vtm0"] and 0x21 not in buses["vtm0"] and \
        sum(buses["vtm0"].values()) > 0
sys.exit(0 if ok else 1)
' "$work/units.json" "$units" "$([[ ,$vtm_opts, == *,intremap=off,* ]] && echo noir || echo ir)" \
    "-$([[ $devices == *" nic-pair-sriov "* ]] && echo ,22:10.0)$([[ $devices == *" nvme-sriov "* ]] && echo ,21:00.1)"
fi

if [ ${#failures[@]} -eq 0 ]; then
    echo "run: PASS $name ($accel, $took s)"
    [ "$keep" = 1 ] || rm -rf "$work"
    exit 0
fi
for f in "${failures[@]}"; do
    echo "run: FAIL: $f"
done
echo "run: FAIL $name ($accel, $took s); console log ${logfile#"$GUEST_REPO"/}, disks in ${work#"$GUEST_REPO"/}"
exit 1
exit
}
