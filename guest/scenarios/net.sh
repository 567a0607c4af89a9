# Scenario "net": DMA of two NICs through the IOMMU, verified end to end.
#
# scripts/guest/run.sh gives the guest two NICs joined by a QEMU stream
# netdev on 127.0.0.1 (the "# vtm-devices: nic-pair" line below): an
# e1000e and an igb (guest/scenarios/net-virtio.sh: a virtio-net-pci with
# iommu_platform=on,disable-legacy=on instead of the igb).  The second NIC
# moves into a network namespace of its own, so that traffic between
# 10.77.0.1 (e1000e, first namespace) and 10.77.0.2 (second NIC, second
# namespace) has to cross the wire: the kernel cannot short-cut it through
# the loopback.  A file of random data goes each way
# at the same time over TCP (tcpxfer, guest/src/tcpxfer.c); its sha256 is
# taken before sending and after receiving, and the NICs' byte counters
# must have carried it.  Nothing leaves the machine.
#
# VTM_NET_MIB (vtm.net_mib=N on the command line): MiB each way (default 16).
# vtm-host-check: none
# vtm-devices: nic-pair
. /scenarios/lib.sh

MIB=${VTM_NET_MIB:-16}
B_DRIVER=${NET_B_DRIVER:-igb}
A_IP=10.77.0.1 B_IP=10.77.0.2
PORT_AB=5001 PORT_BA=5002

# The PCI function under an interface (virtio-net sits on a virtio device).
nic_pci() {
    p=$(readlink -f "/sys/class/net/$1/device")
    case "$(basename "$p")" in virtio*) p=$(dirname "$p") ;; esac
    echo "$p"
}
# counter NS_PID IFACE rx|tx: byte counter from /proc/net/dev (NS_PID "-"
# for the first namespace).
counter() {
    if [ "$1" = - ]; then cat /proc/net/dev; else nsenter -t "$1" -n cat /proc/net/dev; fi |
        awk -v i="$2" -v f="$3" '{ sub(/:/, " ") } $1 == i { print (f == "rx" ? $2 : $10) }'
}

i=0
while :; do
    A=$(nic_by_driver e1000e) && B=$(nic_by_driver "$B_DRIVER") && break
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then
        fail "NICs: e1000e '${A}' $B_DRIVER '${B}' (need both; run.sh adds them for nic-pair)"
        ls /sys/class/net | sed 's/^/VTM-INFO: net: interface /'
        finish ""
    fi
    sleep 0.1
done
for n in "$A" "$B"; do
    p=$(nic_pci "$n")
    g=$(basename "$(readlink "$p/iommu_group")")
    t=$(cat "$p/iommu_group/type" 2>/dev/null)
    info "net: $n: $(basename "$p") [$(cat "$p/vendor"):$(cat "$p/device")] driver $(basename "$(readlink "/sys/class/net/$n/device/driver")"), IOMMU group ${g:-none} type ${t:-none}"
    [ "$VTM_IOMMU" = none ] ||
        check "net: $n ($(basename "$p")) in an IOMMU group with a DMA domain ($t)" \
            [ "${t#DMA}" != "$t" ]
done

nic_pair_up net "$A" "$B"
ok "net: $A ($A_IP) and $B ($B_IP, own namespace) up"
if ! ip addr show | grep -q "$B_IP"; then
    ok "net: $B_IP is not an address of the first namespace (no loopback short cut)"
else
    fail "net: $B_IP is local to the first namespace"
fi
if ping -c 2 -W 5 "$B_IP" > /tmp/ping.txt 2>&1; then
    ok "net: ping $A -> $B: $(grep -o '[0-9]* packets received' /tmp/ping.txt)"
else
    fail "net: ping $B_IP: $(tail -2 /tmp/ping.txt | tr '\n' ' ')"
fi

# Known data each way, sha256 at both ends.
dd if=/dev/urandom of=/tmp/a.dat bs=1M count="$MIB" 2>/dev/null
dd if=/dev/urandom of=/tmp/b.dat bs=1M count="$MIB" 2>/dev/null
sha_a=$(sha256sum < /tmp/a.dat | cut -d' ' -f1)
sha_b=$(sha256sum < /tmp/b.dat | cut -d' ' -f1)
a_tx0=$(counter - "$A" tx) a_rx0=$(counter - "$A" rx) lo0=$(counter - lo rx)
b_tx0=$(counter "$NSPID" "$B" tx) b_rx0=$(counter "$NSPID" "$B" rx)

t0=$(cut -d' ' -f1 /proc/uptime)
# (nsenter, not in_b: $! must be the transfer itself, and no background
# job may keep init's output pipe open.)
nsenter -t "$NSPID" -n tcpxfer recv $PORT_AB /tmp/b.recv > /dev/null 2> /tmp/b.recv.log &
r1=$!
tcpxfer recv $PORT_BA /tmp/a.recv > /dev/null 2> /tmp/a.recv.log &
r2=$!
tcpxfer send "$B_IP" $PORT_AB /tmp/a.dat > /dev/null 2> /tmp/a.send.log &
s1=$!
nsenter -t "$NSPID" -n tcpxfer send "$A_IP" $PORT_BA /tmp/b.dat > /dev/null 2> /tmp/b.send.log &
s2=$!
# A NIC that stopped moving data must not hold the guest until run.sh's
# timeout: give up after 120 s.  (No descriptor of init's pipe stays with
# the watchdog: init waits for the pipe to close.)
sh -c "sleep 120; kill $s1 $s2 $r1 $r2" > /dev/null 2>&1 &
wd=$!
rc=0
for p in $s1 $s2 $r1 $r2; do wait "$p" || rc=$?; done
kill "$wd" 2>/dev/null
t1=$(cut -d' ' -f1 /proc/uptime)
for f in a.send b.recv b.send a.recv; do sed "s/^/VTM-INFO: net: $f: /" /tmp/$f.log; done
secs=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
if [ "$rc" = 0 ]; then
    ok "net: $MIB MiB each way at once over TCP in $secs s"
else
    fail "net: transfer failed: $(cat /tmp/*.send.log /tmp/*.recv.log | grep -v bytes | head -1)"
fi

got_b=$(in_b sha256sum < /tmp/b.recv | cut -d' ' -f1)
got_a=$(sha256sum < /tmp/a.recv | cut -d' ' -f1)
check "net: $A -> $B: sha256 ${sha_a%${sha_a#????????????}} sent, received ${got_b%${got_b#????????????}}" \
    [ "$got_b" = "$sha_a" ]
check "net: $B -> $A: sha256 ${sha_b%${sha_b#????????????}} sent, received ${got_a%${got_a#????????????}}" \
    [ "$got_a" = "$sha_b" ]

# The NICs carried it: each counter moved by at least the payload.
b_name=$B_DRIVER; [ "$b_name" = virtio_net ] && b_name=virtio-net
bytes=$((MIB * 1048576))
a_tx=$(($(counter - "$A" tx) - a_tx0)) a_rx=$(($(counter - "$A" rx) - a_rx0))
b_tx=$(($(counter "$NSPID" "$B" tx) - b_tx0)) b_rx=$(($(counter "$NSPID" "$B" rx) - b_rx0))
lo=$(($(counter - lo rx) - lo0))
info "net: counters: $A tx $a_tx rx $a_rx; $B tx $b_tx rx $b_rx; lo rx $lo (payload $bytes each way)"
check "net: $A (e1000e) tx and $B ($b_name) rx counters moved by >= $bytes bytes" \
    [ "$a_tx" -ge "$bytes" -a "$b_rx" -ge "$bytes" ]
check "net: $B ($b_name) tx and $A (e1000e) rx counters moved by >= $bytes bytes" \
    [ "$b_tx" -ge "$bytes" -a "$a_rx" -ge "$bytes" ]
check "net: the loopback carried none of it ($lo bytes)" [ "$lo" -lt "$bytes" ]
kill "$NSPID" $r1 $r2 $s1 $s2 2>/dev/null
rm -f /tmp/a.dat /tmp/b.dat /tmp/a.recv /tmp/b.recv

check_no_faults
if dmesg | grep -q 'DMAR: DRHD: handling fault'; then
    dmar-frcd
    dmesg | grep -E 'DMAR: \[|DMAR: DRHD|virtio_net|NETDEV WATCHDOG|e1000e.*Hang|igb.*Hang' |
        head -20 | sed 's/^/VTM-DMESG: /'
fi
finish "e1000e <-> $b_name over a 127.0.0.1 stream netdev: $MIB MiB each way in $secs s, sha256 verified, NIC counters match"
