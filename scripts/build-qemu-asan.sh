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
BUILD="$REPO/build/$VTM_QEMU_BUILD"
TREE="$REPO/build/qemu-src"

# When the shared source tree is current and this build configured, the
# default build's lock (held for its whole build) is not needed: link
# vtm's files and run ninja under this build's own lock.  Should another
# build remake the tree meanwhile (a patch changed), ninja fails on a
# missing file: wait for the tree and try again.
tree_ok() {
    SRC=$("$REPO/scripts/fetch-qemu.sh" 2>/dev/null) || return 1
    stamp=$( { echo "$SRC"; cat "$REPO"/patches/*.patch; } | sha256sum |
             cut -c1-16)
    [ -f "$BUILD/build.ninja" ] &&
        [ "$(cat "$TREE/.vtm-stamp" 2>/dev/null)" = "$stamp" ]
}

if tree_ok; then
    exec 8>"$BUILD.lock"
    flock 8
    if [ -d /usr/lib/ccache ]; then
        export PATH="/usr/lib/ccache:$PATH"
    fi
    export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
    export CCACHE_BASEDIR="$REPO" CCACHE_NOHASHDIR=1
    for try in 1 2 3; do
        (cd "$REPO" && find hw include tests/qtest tests/lib -type f) |
        while read -r f; do
            mkdir -p "$TREE/$(dirname "$f")"
            ln -sfn "$REPO/$f" "$TREE/$f"
        done
        if nice -n "$VTM_QEMU_NICE" \
                ninja -C "$BUILD" qemu-system-x86_64 qemu-img "$@"; then
            break
        fi
        [ "$try" -lt 3 ] || exit 1
        echo "build-qemu-asan: build failed; waiting for the source tree"
        flock -s "$REPO/build/.lock" true || true
        tree_ok || exec "$REPO/scripts/build-qemu.sh" "$@"
    done
    # firmware for binaries run from the build tree, as build-qemu.sh does
    for d in /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu; do
        mkdir -p "$BUILD/qemu-bundle$(dirname "$d")"
        [ -e "$BUILD/qemu-bundle$d" ] || ln -sfn "$d" "$BUILD/qemu-bundle$d"
    done
    exit 0
fi
exec "$REPO/scripts/build-qemu.sh" "$@"
