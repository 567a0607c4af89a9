#!/bin/bash
# Runs a command (QEMU) in a fresh network namespace where two taps,
# vtmtapA and vtmtapB, are joined by a bridge and nothing else: a wire
# between two of the guest's NICs that reaches no other interface, so no
# packet can leave the machine.  The namespace, the taps and the bridge go
# away with the command.
#
# Usage: scripts/guest/netns-wire.sh COMMAND...   (needs root)
set -euo pipefail
if [ "${VTM_NETNS_INNER:-}" != 1 ]; then
    VTM_NETNS_INNER=1 exec unshare --net -- "$0" "$@"
fi
ip link set lo up
ip link add vtmwire type bridge
for tap in vtmtapA vtmtapB; do
    ip tuntap add dev "$tap" mode tap
    ip link set "$tap" master vtmwire
    ip link set "$tap" up
done
ip link set vtmwire up
unset VTM_NETNS_INNER
exec "$@"
