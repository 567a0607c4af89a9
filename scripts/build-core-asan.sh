#!/bin/bash
# Builds vtm's pure core, its unit tests and tools standalone under
# AddressSanitizer and UndefinedBehaviorSanitizer in build/core-asan (the
# same meson project as scripts/build-core.sh, its own folder).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
"$REPO/scripts/setup-host.sh"
QSRC=$("$REPO/scripts/fetch-qemu.sh")
if [ ! -f "$REPO/build/core-asan/build.ninja" ]; then
    meson setup "$REPO/build/core-asan" "$REPO" -Dqemu_src="$QSRC" \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$REPO/build/core-asan" >/dev/null
