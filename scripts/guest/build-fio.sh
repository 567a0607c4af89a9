#!/bin/bash
# Builds a static fio from Debian bookworm's fio source package and prints
# the binary's path.  Cached under ${VTM_CACHE:-~/.cache/vtm}/guest/fio/:
# a second run only prints the path.
#
# The binary runs both in the guest (random I/O with verify=crc32c) and on
# the host (--verify_only over the disk images after the guest shut down).
# Built with --disable-native so that it runs on TCG's CPU model, and with
# the optional engines (libaio, rdma, rbd, ...) left out: the guest uses
# psync and io_uring, which need no library.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUITE=bookworm
dir="$GUEST_CACHE/fio"
mkdir -p "$dir"

# The version apt would fetch for fio/bookworm (the .dsc's name says it).
source_version() {
    (cd / && apt-get source --print-uris -qq "fio/$SUITE" 2>/dev/null) |
        awk '$2 ~ /\.dsc$/ {sub(/^fio_/, "", $2); sub(/\.dsc$/, "", $2); print $2; exit}'
}
version=$(apt_memo "fio-$SUITE" source_version || true)
if [ -z "$version" ]; then
    cached=$(ls -d "$dir"/fio_*/fio 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$cached" ]; then
        log "apt knows no fio source of $SUITE; using cached $cached"
        echo "$cached"; exit 0
    fi
    die "apt offers no fio source package for $SUITE (needs a deb-src entry" \
        "for $SUITE: run scripts/setup-host.sh, then apt-get update)"
fi
out="$dir/fio_$version/fio"
if [ -x "$out" ]; then
    echo "$out"; exit 0
fi

need_tools gcc:build-essential make:build-essential dpkg-source:dpkg-dev \
    /usr/lib/x86_64-linux-gnu/libz.a:zlib1g-dev
cache_lock fio
[ -x "$out" ] && { echo "$out"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
chown _apt "$work" 2>/dev/null || true
log "apt-get source fio=$version"
(cd "$work" && apt-get source -q "fio=$version" >&2) ||
    die "apt-get source fio=$version failed"
src=$(find "$work" -maxdepth 1 -type d -name 'fio-*' | head -1)
[ -n "$src" ] || die "apt-get source fio produced no source tree"

log "building static fio $version (about 30 s)"
(
    cd "$src"
    ./configure --build-static --disable-native \
        --disable-numa --disable-rdma --disable-rados --disable-rbd \
        --disable-http --disable-gfapi --disable-libnfs --disable-pmem \
        --disable-xnvme --disable-libzbc --disable-tcmalloc --disable-dfs \
        --disable-lex
    make -j"$(nproc)" fio
) > "$work/build.log" 2>&1 || {
    tail -30 "$work/build.log" >&2
    die "building fio failed (log above)"
}
if readelf -l "$src/fio" 2>/dev/null | grep -q 'INTERP'; then
    die "fio was not linked statically"
fi
mkdir -p "$(dirname "$out")"
strip -o "$out.tmp" "$src/fio"
mv "$out.tmp" "$out"
echo "$out"
