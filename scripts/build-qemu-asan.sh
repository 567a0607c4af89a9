#!/bin/bash
# Builds QEMU with vtm under AddressSanitizer and UndefinedBehaviorSanitizer
# in build/qemu-asan: the same source tree and logic as scripts/build-qemu.sh
# (which it runs), its own build folder and lock, ccache shared (the flags
# differ, so the objects do not collide).  Arguments are extra ninja targets.
# Run its binaries with scripts/asan-env.sh for the project's sanitizer
# options (leak detection on, any report fatal).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
export VTM_QEMU_BUILD=qemu-asan
export VTM_QEMU_CONFIGURE="--enable-asan --enable-ubsan"
# Second build on a shared machine: yield to the default one.
export VTM_QEMU_NICE=${VTM_QEMU_NICE:-5}
exec "$REPO/scripts/build-qemu.sh" "$@"
