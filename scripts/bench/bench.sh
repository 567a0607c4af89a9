#!/bin/bash
# shellcheck disable=SC2054  # commas inside QEMU arguments are meant
# make bench: vtm-iommu side by side with QEMU's intel-iommu and with no
# IOMMU, in one run of one QEMU binary, plus the host-side
# microbenchmarks.  Performance is reported, never asserted.
#
# Usage: scripts/bench/bench.sh [options]
#   --runs N           boots per configuration (default 5; BENCH_RUNS)
#   --quick            smoke test: 1 run, 1 s workloads without ramp, no
#                      docs/performance.md update (BENCH_QUICK=1)
#   --runtime SEC      guest seconds per workload (default 6; BENCH_RUNTIME)
#   --ramp SEC         fio ramp before each workload (default 1; BENCH_RAMP)
#   --configs LIST     of none,intel,intel-fs,vtm-off,vtm,vtm-legacy
#                      (default all; BENCH_CONFIGS)
#   --modes LIST       guest invalidation: strict,lazy (default both)
#   --accel tcg|kvm    accelerator (default tcg; BENCH_ACCEL)
#   --kernel 6.12|6.1  guest kernel series (default 6.12)
#   --no-guest         only the host-side microbenchmarks
#   --no-host          only the guest workloads
#   --no-build         use build/qemu-build as it is, no scripts/build-qemu.sh
#                      (BENCH_BUILD=0)
#   --doc / --no-doc   write the table into docs/performance.md (default: on
#                      for full runs, off with --quick; BENCH_DOC=0|1)
#   --out DIR          results directory (default build/bench/DATE-TIME)
# Environment: VTM_QEMU (the QEMU binary, else build/qemu-build's),
# BENCH_VTM_OPTS (more options for every vtm configuration).
#
# Configurations (each with the guest booted iommu.strict=1 and lazy):
#   none        no IOMMU
#   intel       -device intel-iommu,intremap=off (QEMU's own, legacy mode)
#   intel-fs    -device intel-iommu,intremap=off,x-scalable-mode=on,x-flts=on
#               (QEMU's own scalable mode, first-stage tables)
#   vtm-off     -device vtm-iommu,intremap=off,timing=off
#   vtm         -device vtm-iommu,intremap=off (its defaults: scalable mode,
#               first-stage tables, timing model on)
#   vtm-legacy  -device vtm-iommu,intremap=off,scalable-mode=off (legacy
#               mode, second-level tables, timing model on)
# vtm / intel-fs compares the two scalable-mode first-stage units,
# vtm-legacy / intel the two legacy ones.
# intremap=off on vtm as on intel-iommu (scripts/guest/run.sh's setting),
# so both translate DMA only.  Runs are interleaved: run 1 of every
# configuration, then run 2 of every configuration, ... so that drift in
# the machine's load hits all of them alike.  Each boot runs every guest
# workload (guest/scenarios/bench-*.sh) once.
#
# Output in the results directory (build/bench/latest links the last):
#   raw.tsv        one line per (run, configuration, mode, workload)
#   summary.md     medians [min..max] and ratios; summary.json; bench.png
#   host-*.txt     output of the host-side microbenchmarks
#   logs/          run.sh's output and the console of every boot
set -euo pipefail
# The braces make bash read the whole script before running it, so that
# editing it during a run cannot derail the run.
{
PROG=bench
. "$(dirname "$0")/../guest/lib.sh"
REPO=$GUEST_REPO
# The command as the user gave it, with the BENCH_ settings of the
# environment (make bench passes BENCH_COMMAND="make bench").
cmdline_used="$( { env | grep -E '^BENCH_(RUNS|QUICK|RUNTIME|RAMP|CONFIGS|MODES|ACCEL|DOC|VTM_OPTS)=' ||
                  true; } | sort | tr '\n' ' ')${BENCH_COMMAND:-scripts/bench/bench.sh}${*:+ $*}"

runs=${BENCH_RUNS:-}
quick=${BENCH_QUICK:-0}
runtime=${BENCH_RUNTIME:-}
ramp=${BENCH_RAMP:-}
configs=${BENCH_CONFIGS:-none,intel,intel-fs,vtm-off,vtm,vtm-legacy}
modes=${BENCH_MODES:-strict,lazy}
accel=${BENCH_ACCEL:-tcg}
series=6.12
do_guest=1
do_host=1
do_build=${BENCH_BUILD:-1}
doc=${BENCH_DOC:-}
out=

usage() { sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=${2:?}; shift 2 ;;
    --quick) quick=1; shift ;;
    --runtime) runtime=${2:?}; shift 2 ;;
    --ramp) ramp=${2:?}; shift 2 ;;
    --configs) configs=${2:?}; shift 2 ;;
    --modes) modes=${2:?}; shift 2 ;;
    --accel) accel=${2:?}; shift 2 ;;
    --kernel) series=${2:?}; shift 2 ;;
    --no-guest) do_guest=0; shift ;;
    --no-host) do_host=0; shift ;;
    --no-build) do_build=0; shift ;;
    --doc) doc=1; shift ;;
    --no-doc) doc=0; shift ;;
    --out) out=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
if [ "$quick" = 1 ]; then
    runs=${runs:-1}; runtime=${runtime:-1}; ramp=${ramp:-0}; doc=${doc:-0}
fi
runs=${runs:-5}; runtime=${runtime:-6}; ramp=${ramp:-1}; doc=${doc:-1}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
[[ $runtime =~ ^[1-9][0-9]*$ ]] || die "--runtime must be whole seconds"
[[ $ramp =~ ^[0-9]+$ ]] || die "--ramp must be whole seconds"
case "$accel" in tcg|kvm) ;; *) die "--accel must be tcg or kvm" ;; esac
for c in ${configs//,/ }; do
    case "$c" in none|intel|intel-fs|vtm-off|vtm|vtm-legacy) ;; *) die "unknown configuration '$c'" ;; esac
done
for m in ${modes//,/ }; do
    case "$m" in strict|lazy) ;; *) die "unknown mode '$m' (strict, lazy)" ;; esac
done

stamp=$(date +%Y%m%d-%H%M%S)
out=${out:-$REPO/build/bench/$stamp}
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
ln -sfn "$out" "$REPO/build/bench/latest" 2>/dev/null || true
echo "bench: results in ${out#"$REPO"/}"

# --- one QEMU binary for the whole run --------------------------------------
# A copy, so that a rebuild by someone else during the run cannot change
# what is measured half-way.
if [ -n "${VTM_QEMU:-}" ]; then
    src_qemu=$VTM_QEMU
else
    if [ "$do_build" = 1 ]; then
        log "building QEMU (scripts/build-qemu.sh; --no-build skips this)"
        "$REPO/scripts/build-qemu.sh" > "$out/logs/build-qemu.log" 2>&1 ||
            die "scripts/build-qemu.sh failed (log: ${out#"$REPO"/}/logs/build-qemu.log)"
    fi
    src_qemu=$(qemu_binary)
fi
[ -x "$src_qemu" ] || die "no QEMU at $src_qemu (scripts/build-qemu.sh builds it)"
qemu="$out/qemu-system-x86_64"
cp "$src_qemu" "$qemu"
export VTM_QEMU=$qemu

have_device() { "$qemu" -device "$1,help" > /dev/null 2>&1; }
vtm_props=$("$qemu" -device vtm-iommu,help 2>&1 || true)

intel_props=$("$qemu" -device intel-iommu,help 2>&1 || true)

declare -A unavailable=()
if ! have_device intel-iommu; then
    unavailable[intel]="this QEMU has no intel-iommu"
    unavailable[intel-fs]="this QEMU has no intel-iommu"
elif ! grep -qE '^ *x-flts=' <<< "$intel_props"; then
    unavailable[intel-fs]="this QEMU's intel-iommu has no first-stage tables (x-flts)"
fi
if ! have_device vtm-iommu; then
    unavailable[vtm]="this QEMU has no vtm-iommu"
    unavailable[vtm-off]="this QEMU has no vtm-iommu"
    unavailable[vtm-legacy]="this QEMU has no vtm-iommu"
else
    grep -qE '^ *timing=' <<< "$vtm_props" ||
        unavailable[vtm-off]="vtm-iommu has no timing property yet (timing=off)"
    grep -qE '^ *scalable-mode=' <<< "$vtm_props" ||
        unavailable[vtm-legacy]="vtm-iommu has no scalable-mode property (scalable-mode=off)"
fi
grep -qE '^ *intremap=' <<< "$vtm_props" && vtm_base=intremap=off || vtm_base=
vtm_extra=${BENCH_VTM_OPTS:-}

config_opts() { # CONFIG: prints run.sh's --iommu value and the device's
    # options: VTM_OPTS for vtm, --iommu-opts for intel (whose intremap=off
    # run.sh sets itself)
    local o=$vtm_base
    case "$1" in
    none) echo "none" ;;
    intel) echo "intel" ;;
    intel-fs) echo "intel x-scalable-mode=on,x-flts=on" ;;
    vtm-off) o+=${o:+,}timing=off; o+=${vtm_extra:+,$vtm_extra}; echo "vtm $o" ;;
    vtm) o+=${vtm_extra:+${o:+,}$vtm_extra}; echo "vtm $o" ;;
    vtm-legacy) o+=${o:+,}scalable-mode=off; o+=${vtm_extra:+,$vtm_extra}; echo "vtm $o" ;;
    esac
}
config_desc() {
    local i o
    read -r i o <<< "$(config_opts "$1")"
    case "$i" in
    none) echo "no IOMMU" ;;
    intel) echo "-device intel-iommu,intremap=off${o:+,$o}" ;;
    *) echo "-device vtm-iommu${o:+,$o}" ;;
    esac
}

# --- the machine --------------------------------------------------------------
{
    echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "command	$cmdline_used"
    echo "nproc	$(nproc)"
    echo "cpu	$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "hypervisor	$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)"
    echo "memory	$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "host_kernel	$(uname -r)"
    echo "os	$(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "accel	$accel"
    echo "qemu	$("$qemu" --version | head -1)"
    echo "qemu_sha256	$(sha256sum "$qemu" | cut -c1-16)"
    echo "vtm_git	$(cd "$REPO" && git describe --always --dirty 2>/dev/null || echo unknown)"
    echo "guest_kernel	$series"
    echo "runs	$runs"
    echo "runtime	$runtime"
    echo "ramp	$ramp"
    echo "quick	$quick"
    echo "configs	$configs"
    echo "modes	$modes"
    echo "loadavg_start	$(cut -d' ' -f1-3 /proc/loadavg)"
    for c in none intel intel-fs vtm-off vtm vtm-legacy; do
        echo "config_$c	$(config_desc "$c")"
        [ -z "${unavailable[$c]:-}" ] || echo "unavailable_$c	${unavailable[$c]}"
    done
} > "$out/machine.tsv"

# --- guest workloads ----------------------------------------------------------
raw="$out/raw.tsv"
printf 'run\tconfig\tmode\tworkload\tiops\tmbps\tlat_us\tbytes\tcpu_s\twall_s\tother_cpus\tsteal_cpus\tloadavg\n' > "$raw"
: > "$out/boots.tsv"

# Guest-side workloads: every guest/scenarios/bench-*.sh, in one boot.
# bench-net (the NIC stream) needs the NIC pair of the network work:
# scripts/guest/run.sh's "vtm-devices: nic-pair" and guest/src/tcpxfer.c.
scen=
net_note=
for f in "$REPO"/guest/scenarios/bench-*.sh; do
    [ -f "$f" ] || continue
    s=$(basename "$f" .sh)
    if [ "$s" = bench-net ]; then
        if ! grep -q 'nic-pair' "$REPO/scripts/guest/run.sh"; then
            net_note="scripts/guest/run.sh cannot give the guest a NIC pair (vtm-devices: nic-pair) yet"
            continue
        elif [ ! -f "$REPO/guest/src/tcpxfer.c" ]; then
            net_note="no guest/src/tcpxfer.c (the NIC scenario's transfer program) yet"
            continue
        fi
    fi
    scen+=${scen:+,}$s
done
[ -f "$REPO/guest/scenarios/bench-net.sh" ] || net_note="no guest/scenarios/bench-net.sh"
if [ "$do_guest" = 1 ] && [ -z "$scen" ]; then
    die "no guest workloads (guest/scenarios/bench-*.sh)"
fi
if [ -n "$net_note" ]; then
    echo "net_stream	missing: $net_note: NIC stream not measured" >> "$out/machine.tsv"
    log "NIC stream not measured: $net_note"
fi

# cpu_watch WORKDIR OUT: while the QEMU of run.sh's WORKDIR runs, writes
# "CPU_TICKS EPOCH_SECONDS BUSY_TICKS STEAL_TICKS LINE" to OUT for each
# VTM-BENCH line of its result channel: QEMU's user+system time (all
# threads), the whole machine's busy time and its hypervisor steal time.
# Builtins only (read -t on a FIFO to wait): it must not load the machine.
cpu_watch() {
    local work=$1 outf=$2 pid= fd tick fifo line partial= st ms i
    fifo=$(mktemp -u)
    mkfifo "$fifo"
    exec {tick}<>"$fifo"
    rm -f "$fifo"
    for ((i = 0; i < 6000; i++)); do
        [ -s "$work/qemu.pid" ] && [ -f "$work/results.txt" ] && break
        read -r -t 0.1 -u "$tick" _ || true
    done
    read -r pid < "$work/qemu.pid" 2>/dev/null || return 0
    exec {fd}< "$work/results.txt" || return 0
    while [ -e "/proc/$pid" ]; do
        if IFS= read -r line <&"$fd"; then
            line=$partial$line
            partial=
            case "$line" in
            VTM-BENCH*)
                read -r -a st < "/proc/$pid/stat" 2>/dev/null || break
                # the machine: user nice system idle iowait irq softirq steal
                read -r -a ms < /proc/stat
                echo "$((st[13] + st[14])) $EPOCHREALTIME $((ms[1] + ms[2] + ms[3] + ms[6] + ms[7])) $((ms[8])) ${line%$'\r'}" >> "$outf"
                ;;
            esac
        else
            partial+=$line
            read -r -t 0.05 -u "$tick" _ || true
        fi
    done
}
clk_tck=$(getconf CLK_TCK)

boot() { # RUN CONFIG MODE
    local run=$1 cfg=$2 mode=$3 name iommu opts strict load rc=0 t0 took
    local vtm_opts= dev_opts=()
    name="bench-r$run-$cfg-$mode"
    read -r iommu opts <<< "$(config_opts "$cfg")"
    case "$iommu" in
    vtm) vtm_opts=$opts ;;
    intel) [ -z "$opts" ] || dev_opts=(--iommu-opts "$opts") ;;
    esac
    [ "$mode" = strict ] && strict=1 || strict=0
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s)
    rm -rf "$GUEST_BUILD/run-$name"
    : > "$out/logs/$name.cpu"
    cpu_watch "$GUEST_BUILD/run-$name" "$out/logs/$name.cpu" &
    local watcher=$!
    VTM_OPTS=$vtm_opts "$REPO/scripts/guest/run.sh" --iommu "$iommu" "${dev_opts[@]}" --accel "$accel" \
        --kernel "$series" --name "$name" --timeout $((180 + 6 * (runtime + ramp + 5))) \
        --append "iommu.strict=$strict vtm.bench_runtime=$runtime vtm.bench_ramp=$ramp" \
        "$scen" > "$out/logs/$name.out" 2>&1 || rc=$?
    wait "$watcher" 2>/dev/null || true
    took=$(( $(date +%s) - t0 ))
    cp "$GUEST_LOGS/$name.log" "$GUEST_LOGS/$name.results" "$out/logs/" 2>/dev/null || true
    local got
    got=$(grep '^VTM-BENCH: ' "$GUEST_LOGS/$name.results" 2>/dev/null || true)
    if [ -n "$got" ]; then
        # From VTM-BENCH-BEGIN to VTM-BENCH, per workload (cpu_watch):
        # QEMU's CPU seconds, wall seconds, the CPUs other processes used
        # on average (load that is not ours), and hypervisor steal.
        awk -v r="$run" -v c="$cfg" -v m="$mode" -v l="$load" -v hz="$clk_tck" '
            FILENAME != "-" { w = $6
                              if ($5 == "VTM-BENCH-BEGIN:") { t0[w] = $1; s0[w] = $2; b0[w] = $3; st0[w] = $4 }
                              else if (w in t0) { cpu[w] = ($1 - t0[w]) / hz; wall[w] = $2 - s0[w]
                                  # other processes, in CPUs on average; steal likewise
                                  other[w] = ($3 - b0[w] - ($1 - t0[w])) / hz / (wall[w] > 0 ? wall[w] : 1)
                                  steal[w] = ($4 - st0[w]) / hz / (wall[w] > 0 ? wall[w] : 1) }
                              next }
            { w = $2; iops = mbps = lat = bytes = "";
              for (i = 3; i <= NF; i++) { split($i, kv, "=");
                  if (kv[1] == "iops") iops = kv[2];
                  else if (kv[1] == "mbps") mbps = kv[2];
                  else if (kv[1] == "lat_us") lat = kv[2];
                  else if (kv[1] == "bytes") bytes = kv[2] }
              printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r, c, m, w, iops,
                     mbps, lat, bytes, (w in cpu) ? sprintf("%.2f", cpu[w]) : "",
                     (w in wall) ? sprintf("%.2f", wall[w]) : "",
                     (w in other) ? sprintf("%.2f", other[w] < 0 ? 0 : other[w]) : "",
                     (w in steal) ? sprintf("%.2f", steal[w]) : "", l }' \
            "$out/logs/$name.cpu" - <<< "$got" >> "$raw"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$cfg" "$mode" "$rc" "$took" "$load" >> "$out/boots.tsv"
    if [ "$rc" = 0 ]; then
        printf 'bench: run %d/%d %-10s %-6s %3d s  %s\n' "$run" "$runs" "$cfg" "$mode" "$took" \
            "$(awk '{printf "%s %s  ", $2, ($2 ~ /^seq/ ? $4 : $3)}' <<< "$got")"
    else
        printf 'bench: run %d/%d %-10s %-6s FAILED (%s)\n' "$run" "$runs" "$cfg" "$mode" \
            "$(grep -m1 '^run: FAIL' "$out/logs/$name.out" || tail -1 "$out/logs/$name.out")"
    fi
}

if [ "$do_guest" = 1 ]; then
    active=()
    for c in ${configs//,/ }; do
        if [ -n "${unavailable[$c]:-}" ]; then
            log "configuration $c unavailable: ${unavailable[$c]}"
        else
            active+=("$c")
        fi
    done
    # Fetch and build what every boot shares once (kernel, fio, initramfs).
    "$REPO/scripts/guest/fetch-kernel.sh" "$series" > "$out/logs/setup.log" 2>&1 &&
    "$REPO/scripts/guest/build-initramfs.sh" --kernel "$series" >> "$out/logs/setup.log" 2>&1 ||
        die "guest setup failed: $(grep -m1 'error:' "$out/logs/setup.log" || tail -1 "$out/logs/setup.log")"
    n_boots=$((runs * ${#active[@]} * $(wc -w <<< "${modes//,/ }")))
    log "$n_boots boots: ${active[*]} x ${modes//,/ } x $runs runs, workloads $scen, ${runtime} s each (+${ramp} s ramp), $accel"
    for ((r = 1; r <= runs; r++)); do
        for c in "${active[@]}"; do
            for m in ${modes//,/ }; do
                boot "$r" "$c" "$m"
            done
        done
    done
fi
echo "loadavg_end	$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.tsv"

# --- host-side microbenchmarks -------------------------------------------------
if [ "$do_host" = 1 ]; then
    "$REPO/scripts/bench/host.sh" "$out" "$runs" || log "host-side microbenchmarks: see $out/host-*.txt"
fi

# --- report --------------------------------------------------------------------
py=/usr/bin/python3
"$py" "$REPO/scripts/bench/report.py" "$out" > /dev/null
if "$py" -c 'import matplotlib' 2> /dev/null || {
        (need_tools /usr/lib/python3/dist-packages/matplotlib:python3-matplotlib) &&
        "$py" -c 'import matplotlib' 2> /dev/null; }; then
    "$py" "$REPO/tools/bench-plot.py" "$out/summary.json" "$out/bench.png" ||
        log "the chart failed (tools/bench-plot.py)"
else
    log "no python3-matplotlib (apt-get install python3-matplotlib): no chart"
fi
if [ "$doc" = 1 ]; then
    "$py" "$REPO/scripts/bench/report.py" --doc "$REPO/docs/performance.md" "$out" > /dev/null
    [ -f "$out/bench.png" ] && cp "$out/bench.png" "$REPO/docs/performance.png"
    log "docs/performance.md updated"
fi
echo
cat "$out/summary.md"
echo
echo "bench: results, chart and logs in ${out#"$REPO"/} (build/bench/latest)"
exit 0
}
