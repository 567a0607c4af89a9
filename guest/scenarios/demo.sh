# Scenario "demo" (make demo): a short DMA workload on the NVMe disk.
# Reads region 0 buffered and O_DIRECT, copies it to region 1 (O_DIRECT)
# and region 2 (buffered), each verified by sha256 here and on the host.
# When the IOMMU has performance monitoring (Linux's dmar0 PMU), perf stat
# counts its events over the workload; the counts go out as VTM-PERF lines
# for make demo to show beside the host's statistics.
# vtm-host-check: copy:nvme:1 copy:nvme:2
# vtm-initrd: perf
. /scenarios/lib.sh

dmesg | grep -E 'DMAR|iommu:' | sed 's/^/VTM-DMESG: /'
perf_pid=
if [ -d /sys/bus/event_source/devices/dmar0 ] && command -v perf > /dev/null; then
    ev=
    for e in iommu_requests iotlb_lookup iotlb_hit pw_occupancy ctxt_cache_lookup \
             ctxt_cache_hit iommu_mrds iommu_clocks; do
        ev="$ev${ev:+,}dmar0/$e/"
    done
    # no command: counts until SIGINT, then prints the counts
    perf stat -a -e "$ev" -o /tmp/perf.txt &
    perf_pid=$!
    sleep 1
fi
disk_test nvme /dev/nvme0n1 "$VTM_SHA_NVME" read copy
if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" 2>/dev/null
    grep -v '^#' /tmp/perf.txt | grep -v '^$' | sed 's/^/VTM-PERF: /'
fi
check_no_faults
finish "NVMe: ${VTM_MIB:-16} MiB read 3 ways and copied twice (O_DIRECT, buffered), sha256 verified"
