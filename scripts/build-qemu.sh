#!/bin/bash
# Builds QEMU 10.0 with vtm: a copy of Debian's source (from the download
# cache) under build/qemu-src with vtm's patches applied and vtm's own files
# linked in, configured and built in build/qemu-build.  Incremental: the copy
# is remade only when the source or the patch series changes, configure runs
# once, ninja does the rest.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TREE="$REPO/build/qemu-src"
# A variant (scripts/build-qemu-asan.sh) builds the same tree into its own
# folder with extra configure arguments.
BUILD="$REPO/build/${VTM_QEMU_BUILD:-qemu-build}"
read -r -a EXTRA_CONFIGURE <<< "${VTM_QEMU_CONFIGURE:-}"
FIRMWARE=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu

mkdir -p "$REPO/build"
# One build at a time in this tree (helpers and make targets share it).
exec 9>"$REPO/build/.lock"
flock 9

"$REPO/scripts/setup-host.sh"
SRC=$("$REPO/scripts/fetch-qemu.sh")

stamp=$( { echo "$SRC"; cat "$REPO"/patches/*.patch; } | sha256sum | cut -c1-16)
if [ "$(cat "$TREE/.vtm-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "build-qemu: preparing $TREE from $SRC"
    rm -rf "$TREE"
    mkdir -p "$TREE"
    tar -C "$SRC" --exclude=./roms --exclude=./debian -cf - . |
        tar -C "$TREE" -xf -
    for p in "$REPO"/patches/*.patch; do
        echo "build-qemu: applying $(basename "$p")"
        patch -s -p1 -d "$TREE" < "$p"
    done
    echo "$stamp" > "$TREE/.vtm-stamp"
fi

# vtm's own files are linked, not copied, so an edit needs no new tree.
# tests/lib is the test library the qtests compile in (tests/qtest/vtm/
# meson.build names their shared sources).
(cd "$REPO" && find hw include tests/qtest tests/lib -type f) |
while read -r f; do
    mkdir -p "$TREE/$(dirname "$f")"
    ln -sfn "$REPO/$f" "$TREE/$f"
done

# QEMU's configure names the compiler, so meson does not wrap it in ccache
# by itself: ccache's compiler links come first in PATH.  Paths under the
# repository are hashed relative to it, so a fresh clone in another folder
# (CI) hits the same cache.
if [ -d /usr/lib/ccache ]; then
    export PATH="/usr/lib/ccache:$PATH"
fi
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="$REPO"
export CCACHE_NOHASHDIR=1

CONFIGURE_ARGS=(
    --target-list=x86_64-softmmu
    --python=/usr/bin/python3
    --disable-install-blobs
    --disable-relocatable
    --firmwarepath="$FIRMWARE"
    --disable-docs --disable-werror --disable-user
    --disable-guest-agent --disable-debug-info
    --enable-slirp
    "${EXTRA_CONFIGURE[@]}"
)
args_stamp=$(echo "$stamp ${CONFIGURE_ARGS[*]}" | sha256sum | cut -c1-16)
if [ ! -f "$BUILD/build.ninja" ] ||
   [ "$(cat "$BUILD/.vtm-configure" 2>/dev/null)" != "$args_stamp" ]; then
    rm -rf "$BUILD"
    mkdir -p "$BUILD"
    (cd "$BUILD" && "$TREE/configure" "${CONFIGURE_ARGS[@]}")
    echo "$args_stamp" > "$BUILD/.vtm-configure"
fi

# A variant's long build must not hold the source tree's lock: it takes
# its own, so the default build can proceed next to it.
if [ -n "${VTM_QEMU_BUILD:-}" ]; then
    exec 8>"$BUILD.lock"
    flock 8
    exec 9>&-
fi

# A variant may build other targets than the emulator (VTM_QEMU_TARGETS).
read -r -a TARGETS <<< "${VTM_QEMU_TARGETS:-qemu-system-x86_64 qemu-img}"
${VTM_QEMU_NICE:+nice -n "$VTM_QEMU_NICE"} \
    ninja -C "$BUILD" "${TARGETS[@]}" "$@"

# A binary run from the build tree looks for firmware under qemu-bundle/;
# Debian's firmware packages provide it in the system folders.
for d in ${FIRMWARE//:/ }; do
    mkdir -p "$BUILD/qemu-bundle$(dirname "$d")"
    [ -e "$BUILD/qemu-bundle$d" ] || ln -sfn "$d" "$BUILD/qemu-bundle$d"
done
