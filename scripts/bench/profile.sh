#!/bin/bash
# Profiles QEMU (perf) while the guest runs one make bench workload: where
# the host's time goes with vtm-iommu, intel-iommu or no IOMMU.
#
# Usage: scripts/bench/profile.sh [options]
#   --config none|intel|vtm-off|vtm   (default vtm; as in scripts/bench/bench.sh)
#   --mode strict|lazy                guest invalidation (default strict)
#   --workload NAME                   rand4k-qd1 (default), rand4k-qd32,
#                                     seq128k or net-stream
#   --runtime SEC                     workload length (default 10)
#   --out DIR                         default build/bench/profile-CONFIG-MODE-WORKLOAD
#   --callgraph                       perf record --call-graph dwarf (callers
#                                     of malloc and the like; large perf.data,
#                                     use a short --runtime)
# Environment: VTM_QEMU, BENCH_VTM_OPTS as for bench.sh.
#
# perf attaches to QEMU once the guest starts the workload (it runs alone:
# vtm.bench_only) and records for RUNTIME - 2 seconds.  Output in DIR:
# perf.data, report.txt (symbols by self time), groups.txt (self time by
# component: vtm, intel-iommu, TCG-generated code, memory API, ...), the
# workload's VTM-BENCH line and the console log.
set -euo pipefail
{
PROG=profile
. "$(dirname "$0")/../guest/lib.sh"
REPO=$GUEST_REPO

config=vtm
mode=strict
workload=rand4k-qd1
runtime=10
out=
cg=()
usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
    --config) config=${2:?}; shift 2 ;;
    --mode) mode=${2:?}; shift 2 ;;
    --workload) workload=${2:?}; shift 2 ;;
    --runtime) runtime=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --callgraph) cg=(--call-graph dwarf,8192); shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ $runtime =~ ^[0-9]+$ ]] && [ "$runtime" -ge 4 ] || die "--runtime: at least 4 seconds"
need_tools perf:linux-perf
case "$config" in
none) iommu=none opts= ;;
intel) iommu=intel opts= ;;
vtm-off) iommu=vtm opts=intremap=off,timing=off ;;
vtm) iommu=vtm opts=intremap=off ;;
*) die "--config: none, intel, vtm-off or vtm" ;;
esac
opts+=${BENCH_VTM_OPTS:+,$BENCH_VTM_OPTS}
case "$mode" in strict) strict=1 ;; lazy) strict=0 ;; *) die "--mode: strict or lazy" ;; esac
case "$workload" in net-*) scen=bench-net ;; *) scen=bench-io ;; esac

name="profile-$config-$mode-$workload"
out=${out:-$REPO/build/bench/$name}
mkdir -p "$out"
work="$GUEST_BUILD/run-$name"

VTM_OPTS=$opts "$REPO/scripts/guest/run.sh" --iommu "$iommu" --name "$name" \
    --timeout $((240 + runtime)) \
    --append "iommu.strict=$strict vtm.bench_runtime=$runtime vtm.bench_ramp=1 vtm.bench_only=$workload" \
    "$scen" > "$out/run.out" 2>&1 &
runpid=$!

# Wait for the workload to start (its VTM-START line on the result channel).
for _ in $(seq 600); do
    grep -q "^VTM-START: $scen" "$work/results.txt" 2>/dev/null && break
    kill -0 "$runpid" 2>/dev/null || break
    sleep 0.5
done
qpid=$(cat "$work/qemu.pid" 2>/dev/null) || { wait "$runpid" || true; die "QEMU did not start (see $out/run.out)"; }
sleep 3     # module probing done, fio started and past its ramp
log "perf record -p $qpid for $((runtime - 2)) s ($config, $mode, $workload)"
perf record "${cg[@]}" -F 1999 -p "$qpid" -o "$out/perf.data" -- sleep $((runtime - 2)) \
    > "$out/perf-record.log" 2>&1 || log "perf record: $(tail -1 "$out/perf-record.log")"
wait "$runpid" || log "run.sh failed: $(grep -m1 '^run: FAIL' "$out/run.out" || tail -1 "$out/run.out")"
cp "$GUEST_LOGS/$name.log" "$out/console.log" 2>/dev/null || true
grep '^VTM-BENCH' "$out/run.out" || true

perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null |
    grep -v '^$' > "$out/report.txt" || true
# Self time by component, from sample counts (exact, unlike the rounded
# percentages of thousands of JIT entries) and the symbol names.
perf report -i "$out/perf.data" -n --no-children --sort dso,sym --stdio 2>/dev/null | awk '
    /^ +[0-9.]+% +[0-9]+ / {
        n = $2; dso = $3; sym = $5; total += n
        if (dso == "[JIT]" || dso == "[unknown]") g = "TCG-generated code"
        else if (dso ~ /kernel/) g = "host kernel"
        else if (dso ~ /^lib/ || dso ~ /^ld-/ || dso == "[vdso]") g = "libc, GLib, other libraries"
        else if (sym ~ /^vtm_/) g = "vtm-iommu (vtm_*)"
        else if (sym ~ /^vtd_/) g = "intel-iommu (vtd_*)"
        else if (sym ~ /^(address_space|flatview|memory_region|subpage|dma_|pci_dma|qemu_ram|ram_block|get_ptr_rcu)/) g = "memory API, DMA"
        else if (sym ~ /^(tb_|tcg_|cpu_|helper_|mttcg|probe_access|do_ld|do_st|mmu_|get_page_addr|gen_|disas_|translator_|x86_|decode_|qht_|victim_tlb|tlb_|curr_cflags|page_)/) g = "TCG runtime"
        else if (sym ~ /^(nvme_|e1000|igb|net_|virtio|blk_|bdrv_|raw_|aio_|qemu_coroutine|coroutine|thread_pool|luring)/) g = "devices, block and net layers"
        else g = "other QEMU"
        t[g] += n
    }
    END { for (g in t) printf "%6.2f%%  %8d  %s\n", 100 * t[g] / total, t[g], g
          printf "%6.2f%%  %8d  %s\n", 100, total, "(all samples)" }' | sort -rn > "$out/groups.txt"
echo "== $config, guest $mode, $workload: self time by component"
cat "$out/groups.txt"
echo "== top symbols"
grep -E '^ +[0-9.]+%' "$out/report.txt" | head -25
echo "profile: $out (perf report -i $out/perf.data)"
exit 0
}
