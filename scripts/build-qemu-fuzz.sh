#!/bin/bash
# Builds QEMU's libFuzzer binary with vtm, qemu-fuzz-x86_64, in
# build/qemu-fuzz: clang, --enable-fuzzing and AddressSanitizer, from the
# same source tree as scripts/build-qemu.sh (which it runs with its own
# build folder, lock and lower priority).  QEMU's generic-fuzz target then
# drives vtm's registers and a DMA device's together (scripts/fuzz.sh
# generic).  Arguments are extra ninja targets.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
export VTM_QEMU_BUILD=qemu-fuzz
export VTM_QEMU_CONFIGURE="--cc=clang --cxx=clang++ --enable-fuzzing --enable-asan"
export VTM_QEMU_TARGETS=qemu-fuzz-x86_64
export VTM_QEMU_NICE=${VTM_QEMU_NICE:-10}
exec "$REPO/scripts/build-qemu.sh" "$@"
