# Scenario "bench-io": the block workloads of `make bench` (scripts/bench/),
# with the static fio on the NVMe test disk (/dev/nvme0n1), read-only:
#   rand4k-qd1    4 KiB random reads, O_DIRECT, io_uring, queue depth 1
#   rand4k-qd32   4 KiB random reads, O_DIRECT, io_uring, queue depth 32
#   seq128k       128 KiB sequential reads, O_DIRECT, io_uring, depth 8
# One line per workload, for the host to collect:
#   VTM-BENCH: NAME iops=N mbps=N lat_us=N
# (mbps: 10^6 bytes per second; lat_us: mean completion latency), after
# "VTM-BENCH-BEGIN: NAME" (the host reads QEMU's CPU time at both).
# VTM_BENCH_RUNTIME and VTM_BENCH_RAMP (seconds of guest time, from
# vtm.bench_runtime= and vtm.bench_ramp=) size each workload; VTM_BENCH_ONLY
# (vtm.bench_only=a+b) picks workloads by name.
# vtm-host-check: none
. /scenarios/lib.sh

RT=${VTM_BENCH_RUNTIME:-5}
RAMP=${VTM_BENCH_RAMP:-1}
ONLY=${VTM_BENCH_ONLY:-}
dev=/dev/nvme0n1

if ! wait_for "$dev" 30; then
    fail "$dev did not appear within 30 s"
    finish
fi
info "bench: $dev $(($(blockdev --getsize64 $dev) / 1048576)) MiB, runtime ${RT} s, ramp ${RAMP} s," \
     "iommu group type $(cat /sys/block/nvme0n1/device/device/iommu_group/type 2>/dev/null || echo none)"

# workload NAME FIO-ARGS...: one fio job, terse output, one VTM-BENCH line.
workload() {
    name=$1; shift
    case "+$ONLY+" in "++"|*"+$name+"*) ;; *) return 0 ;; esac
    drop_caches
    # The host reads QEMU's CPU time at this line and at the VTM-BENCH one.
    echo "VTM-BENCH-BEGIN: $name"
    if ! fio --name="$name" --filename="$dev" --readonly --direct=1 \
         --ioengine=io_uring --time_based --runtime="$RT" --ramp_time="$RAMP" \
         --randrepeat=1 --norandommap --group_reporting \
         --output-format=terse --terse-version=3 "$@" \
         > "/tmp/bench-$name.txt" 2>&1; then
        fail "$name: fio: $(head -3 "/tmp/bench-$name.txt" | tr '\n' ' ')"
        return 0
    fi
    # terse v3: 6 read KiB, 7 read KiB/s, 8 read IOPS, 40 read mean latency (us)
    line=$(grep '^3;' "/tmp/bench-$name.txt" | tail -1)
    if [ -z "$line" ]; then
        fail "$name: no terse line in fio's output"
        return 0
    fi
    echo "$line" | awk -F';' -v n="$name" '{
        printf "VTM-BENCH: %s iops=%d mbps=%.2f lat_us=%.1f\n",
               n, $8, $7 * 1024 / 1e6, $40 }'
    ok "$name: fio ran ($(echo "$line" | cut -d';' -f6) KiB read)"
}

workload rand4k-qd1 --rw=randread --bs=4k --iodepth=1
workload rand4k-qd32 --rw=randread --bs=4k --iodepth=32 \
    --iodepth_batch_submit=8 --iodepth_batch_complete_min=1
workload seq128k --rw=read --bs=128k --iodepth=8

check_no_faults
finish "NVMe fio workloads, ${RT} s each"
