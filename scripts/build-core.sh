#!/bin/bash
# Builds vtm's pure core standalone (GLib only) in build/core: the unit
# tests and tools that need no QEMU build.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
"$REPO/scripts/setup-host.sh"
QSRC=$("$REPO/scripts/fetch-qemu.sh")
if [ ! -f "$REPO/build/core/build.ninja" ]; then
    meson setup "$REPO/build/core" "$REPO" -Dqemu_src="$QSRC" >/dev/null
fi
ninja -C "$REPO/build/core" >/dev/null
