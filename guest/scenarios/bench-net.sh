# Scenario "bench-net": the NIC workload of `make bench` (scripts/bench/):
# one TCP stream from the e1000e (10.77.0.1) to the second NIC of
# scripts/guest/run.sh's NIC pair (igb, or virtio-net-pci; 10.77.0.2 in a
# network namespace of its own, so that the bytes cross the 127.0.0.1
# stream netdev between the two NICs): the set-up of guest/scenarios/net.sh,
# which checks the data; this one only times it.
#   VTM-BENCH-BEGIN: net-stream      (the host reads QEMU's CPU time here
#   VTM-BENCH: net-stream mbps=N bytes=N secs=N      and here)
# mbps: 10^6 bytes per second as the sender saw it (tcpxfer, until the
# receiver closed).  A first short transfer warms up and measures the rate,
# so that the timed one lasts about VTM_BENCH_RUNTIME seconds (16..512 MiB).
# vtm-host-check: none
# vtm-devices: nic-pair
. /scenarios/lib.sh

RT=${VTM_BENCH_RUNTIME:-5}
ONLY=${VTM_BENCH_ONLY:-}
case "+$ONLY+" in "++"|*"+net-stream+"*) ;; *) finish "net-stream not selected" ;; esac
A_IP=10.77.0.1 B_IP=10.77.0.2
PORT=5003

i=0
while :; do
    A=$(nic_by_driver e1000e) &&
        { B=$(nic_by_driver igb) || B=$(nic_by_driver virtio_net); } && break
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then
        fail "NICs: e1000e '${A}', igb or virtio_net '${B}' (need both: # vtm-devices: nic-pair)"
        finish ""
    fi
    sleep 0.1
done
drv_b=$(basename "$(readlink "/sys/class/net/$B/device/driver")")

nic_pair_up bench-net "$A" "$B"
# The pair must carry a ping before the stream (within 10 s); if it does
# not, say so with the NICs' counters instead of waiting on TCP timeouts.
i=0
while ! ping -c 1 -W 1 "$B_IP" > /dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 10 ]; then
        fail "net-stream: no ping reply from $B_IP ($drv_b) within 10 s: the NIC pair carries nothing"
        ip -s link show "$A" | sed 's/^/VTM-INFO: bench-net: A /'
        in_b ip -s link show "$B" | sed 's/^/VTM-INFO: bench-net: B /'
        grep -E 'eth|igb|e1000' /proc/interrupts | sed 's/^/VTM-INFO: bench-net: irq /'
        kill "$NSPID"
        finish ""
    fi
done
[ "$i" = 0 ] || info "bench-net: first ping reply after $i lost"

# stream MIB: sends MIB MiB of zeros A -> B; prints "BYTES SECONDS MB/s".
stream() {
    # Bounded: a stalled pair fails the workload instead of hanging the boot.
    in_b timeout $((60 + 4 * RT)) tcpxfer recv $PORT /dev/null 2> /tmp/net-recv.log & r=$!
    # /proc/self/fd/0: devtmpfs has no /dev/stdin.
    dd if=/dev/zero bs=1M count="$1" 2>/dev/null |
        timeout $((60 + 4 * RT)) tcpxfer send "$B_IP" $PORT /proc/self/fd/0 2> /tmp/net-send.log
    src=$?
    [ "$src" = 0 ] || kill "$r" 2>/dev/null
    wait "$r"; rrc=$?
    [ "$src" = 0 ] && [ "$rrc" = 0 ] || return 1
    sed -n 's/^tcpxfer: sent \([0-9]*\) bytes in \([0-9.]*\) s (\([0-9.]*\) MB\/s).*/\1 \2 \3/p' \
        /tmp/net-send.log
}

warm=$(stream 16) || { fail "net-stream: warm-up transfer: $(cat /tmp/net-send.log /tmp/net-recv.log | head -2 | tr '\n' ' ')"; kill "$NSPID"; finish ""; }
rate=$(echo "$warm" | awk '{ printf "%d", $3 }')
mib=$(awk -v r="$rate" -v t="$RT" 'BEGIN { m = int(r * t * 1e6 / 1048576);
      if (m < 16) m = 16; if (m > 512) m = 512; print m }')
info "bench-net: $A (e1000e) -> $B ($drv_b), warm-up 16 MiB at $rate MB/s; timed: $mib MiB"
echo "VTM-BENCH-BEGIN: net-stream"
if got=$(stream "$mib") && [ -n "$got" ]; then
    echo "$got" | awk '{ printf "VTM-BENCH: net-stream mbps=%.2f bytes=%d secs=%.2f\n", $3, $1, $2 }'
    ok "net-stream: $mib MiB from $A to $B"
else
    fail "net-stream: transfer: $(cat /tmp/net-send.log /tmp/net-recv.log | head -2 | tr '\n' ' ')"
fi
kill "$NSPID" 2>/dev/null

check_no_faults
finish "NIC stream e1000e -> $drv_b, ${RT} s"
