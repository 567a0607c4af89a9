# Scenario "perfmon": the IOMMU's performance monitoring through Linux's
# dmar0 PMU (drivers/iommu/intel/perfmon.c) and Debian's perf tool.
#
# Checks that the PMU registered with the events the unit advertises (and
# without those it does not), then runs
#   perf stat -a -e dmar0/iommu_requests/,dmar0/iotlb_lookup/,...
# around fio's checksummed random writes on NVMe region 3 (the job of
# block.sh, verify=crc32c, replayed by the host afterwards), with one more
# counter of the NVMe controller's requests only (requester-id filter).  The counts
# must be non-zero; they go to the result channel as VTM-PERF-COUNT lines,
# and the host (scripts/guest/perf-marks.py) compares them with its own
# statistics read at the VTM-PERF-MARK lines, between which the guest
# does nothing else.
# vtm-initrd: perf
# vtm-host-check: fio:nvme perfmon
. /scenarios/lib.sh

pmu=/sys/bus/event_source/devices/dmar0
EVENTS="iommu_requests iotlb_lookup iotlb_hit pw_occupancy iommu_clocks"

if [ -d "$pmu" ]; then
    ok "dmar0 PMU registered (type $(cat $pmu/type))"
else
    fail "no dmar0 PMU: $(dmesg | grep -m1 -iE 'PMU|perf' || echo 'nothing in dmesg')"
    finish "no PMU"
fi
for e in iommu_clocks iommu_requests pw_occupancy iommu_mrds \
         iommu_mem_blocked ctxt_cache_lookup ctxt_cache_hit \
         pasid_cache_lookup pasid_cache_hit ss_nonleaf_lookup \
         ss_nonleaf_hit iotlb_lookup iotlb_hit int_cache_lookup \
         int_cache_hit_nonposted int_cache_hit_posted; do
    [ -f "$pmu/events/$e" ] || fail "event $e not advertised"
done
# What the model cannot count is not advertised.
for e in ats_blocked pg_req_posted fs_nonleaf_lookup hpt_nonleaf_lookup \
         hpt_leaf_lookup; do
    [ ! -f "$pmu/events/$e" ] || fail "event $e advertised"
done
ok "events: $(ls $pmu/events | wc -l) advertised ($(ls $pmu/events | xargs))"
check "requester-id filter advertised" [ -f "$pmu/format/filter_requester_id" ]
check "perf $(perf --version 2>&1 | cut -d' ' -f3) runs" perf --version

dev=/dev/nvme0n1
wait_for $dev 30 || fail "$dev did not appear"
sync
sev=
for e in $EVENTS; do sev="$sev${sev:+,}dmar0/$e/"; done
# The NVMe controller's own requests: the requester-id filter (bus << 8 |
# device << 3 | function of its PCI address).
bdf=$(basename "$(readlink /sys/block/nvme0n1/device/device)")
IFS=':.' read -r _ bus slot fn <<EOF2
$bdf
EOF2
rid=$(( (0x$bus << 8) | (0x$slot << 3) | 0x$fn ))
fev=$(printf 'dmar0/iommu_requests,filter_requester_id_en=1,filter_requester_id=0x%x/' $rid)
sev="$sev,$fev"
echo "VTM-PERF-BDF: ${bdf#0000:}"
half=$((R * 1048576 / 2))

echo "VTM-PERF-MARK: begin"
sleep 3
if VTM_FIO_FILE=$dev VTM_FIO_ENGINE=io_uring VTM_FIO_DIRECT=1 \
   VTM_FIO_SIZE=$half VTM_FIO_OFF_A=$((3 * R * 1048576)) \
   VTM_FIO_OFF_B=$((3 * R * 1048576 + half)) \
   perf stat -a -e "$sev" -o /tmp/perf.txt -- \
   fio --output=/tmp/fio.txt /scenarios/random.fio > /dev/null 2>&1; then
    ok "fio random writes under perf stat, verify=crc32c ($(grep -c 'err= 0' /tmp/fio.txt) jobs)"
else
    fail "fio or perf failed: $(grep -m1 -E 'verify|err=|fio:' /tmp/fio.txt) $(tail -3 /tmp/perf.txt)"
fi
sleep 2
echo "VTM-PERF-MARK: end"
sleep 3

sed 's/^/VTM-PERF: /' /tmp/perf.txt
for e in $EVENTS; do
    # "     12,345      dmar0/iotlb_lookup/" (perf groups digits)
    n=$(awk -v e="dmar0/$e/" '$2 == e { gsub(/[,.]/, "", $1); print $1 }' /tmp/perf.txt)
    echo "VTM-PERF-COUNT: $e ${n:-none}"
    case "$n" in
    ''|*[!0-9]*) fail "perf stat printed no count for dmar0/$e/" ;;
    0) fail "dmar0/$e/ counted 0" ;;
    *) ok "dmar0/$e/: $n" ;;
    esac
done

# perf names it as written, or with its terms in its own order
n=$(awk '$2 ~ /^dmar0\/iommu_requests,.*filter_requester_id_en=1/ {
             gsub(/[,.]/, "", $1); print $1 }' /tmp/perf.txt)
echo "VTM-PERF-COUNT: nvme_requests ${n:-none}"
case "$n" in
''|*[!0-9]*|0) fail "requester-id filter ($fev): no count" ;;
*) ok "dmar0/iommu_requests/ of requester ${bdf#0000:} only: $n" ;;
esac

check_no_faults
finish "dmar0 PMU: perf stat around fio on NVMe: $(grep -m1 'iotlb_lookup' /tmp/perf.txt | awk '{print $1}') IOTLB lookups"
