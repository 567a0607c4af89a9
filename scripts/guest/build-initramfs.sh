#!/bin/bash
# Builds the guest initramfs for one kernel and prints its path.
#
# Usage: scripts/guest/build-initramfs.sh [--kernel 6.12|6.1]
#
# Contents (an uncompressed newc cpio, build/guest/initramfs-<release>.cpio):
#   /init                guest/init
#   /scenarios/          guest/scenarios/*
#   /bin/busybox + links Debian's busybox-static (apt-get download, unpacked)
#   /bin/fio             static fio from bookworm's source (build-fio.sh)
#   /bin/<prog>          guest/src/<prog>.c, built with gcc -static
#   /lib/modules/...     the modules below and their dependencies, resolved
#                        from modules.dep, decompressed on the host, with
#                        /lib/modules/load.list giving the insmod order
#   /dev/console         so that init has a console before devtmpfs
# Modules are decompressed on the host: busybox's insmod hands the file to
# init_module(2), so the kernel's own decompression (CONFIG_MODULE_DECOMPRESS,
# which needs finit_module with MODULE_INIT_COMPRESSED_FILE) does not apply,
# and xz in the guest would cost seconds of TCG time.
#
# Rebuilt only when an input changes (a hash of all inputs is kept next to
# the archive).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODULES=(nvme virtio_blk virtio_pci virtio_net e1000e igb igbvf vfio-pci
         vfio_iommu_type1)

series=6.12
while [ $# -gt 0 ]; do
    case "$1" in
    --kernel) series=${2:?--kernel needs 6.12 or 6.1}; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1'" ;;
    esac
done

need_tools cpio:cpio gcc:build-essential xz:xz-utils zstd:zstd

kdir=$("$GUEST_REPO/scripts/guest/fetch-kernel.sh" --dir "$series")
rel=$(cat "$kdir/release")
moddir="$kdir/modules"
fio=$("$GUEST_REPO/scripts/guest/build-fio.sh")

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }

# busybox-static: the candidate version, cached by version.
busybox_path() {
    local ver dir deb
    ver=$(apt_memo busybox-static candidate busybox-static || true)
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        dir=$(ls -d "$GUEST_CACHE"/busybox/*/ 2>/dev/null | sort -V | tail -1)
        [ -n "$dir" ] && [ -x "$dir/bin/busybox" ] ||
            die "apt offers no busybox-static package (apt-get update?)"
        log "apt knows no busybox-static; using cached $dir"
        echo "${dir%/}/bin/busybox"; return
    fi
    dir="$GUEST_CACHE/busybox/${ver//:/_}"
    if [ ! -x "$dir/bin/busybox" ]; then
        cache_lock busybox
        rm -rf "$dir"; mkdir -p "$dir"
        deb=$(apt_download "$dir" "busybox-static=$ver")
        dpkg-deb -x "$deb" "$dir/root" || die "dpkg-deb -x $deb failed"
        rm -f "$deb"
        mkdir -p "$dir/bin"
        mv "$dir/root/bin/busybox" "$dir/bin/busybox"
        rm -rf "$dir/root"
    fi
    echo "$dir/bin/busybox"
}
busybox=$(busybox_path)

# resolve_modules: prints the module files (relative to $moddir) to insmod,
# dependencies first, each once.  Built-in modules need nothing.
resolve_modules() {
    local m norm line path deps d seen=" "
    for m in "${MODULES[@]}"; do
        norm=${m//-/_}
        line=$(awk -F: -v want="$norm" '{
                   n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n);
                   gsub(/-/, "_", n); if (n == want) { print; exit } }' \
               "$moddir/modules.dep")
        if [ -z "$line" ]; then
            if awk -v want="$norm" '{ n = $0; sub(/.*\//, "", n); gsub(/-/, "_", n) }
                   n == want ".ko" { found = 1; exit } END { exit !found }' \
                   "$moddir/modules.builtin"; then
                continue        # built into the kernel
            fi
            die "module $m is neither in modules.dep nor built into $rel"
        fi
        path=${line%%:*}
        read -r -a deps <<< "${line#*:}"
        # modules.dep lists dependencies so that the last loads first.
        for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
            d=${deps[i]}
            [[ $seen == *" $d "* ]] || { echo "$d"; seen+="$d "; }
        done
        [[ $seen == *" $path "* ]] || { echo "$path"; seen+="$path "; }
    done
}
modlist=$(resolve_modules) || exit 1
mapfile -t modules <<< "$modlist"
[ -n "$modlist" ] || die "no modules resolved for $rel"

# The hash of every input; the archive is rebuilt when it changes.
mkdir -p "$GUEST_BUILD"
out="$GUEST_BUILD/initramfs-$rel.cpio"
stamp=$( {
    cat "$kdir/package"
    printf '%s\n' "${modules[@]}"
    sha256sum "$busybox" "$fio" "$0" "$GUEST_REPO/scripts/guest/lib.sh" | cut -d' ' -f1
    gcc -dumpfullversion
    (cd "$GUEST_REPO" && find guest -type f | LC_ALL=C sort | xargs sha256sum)
} | sha256sum | cut -c1-32)
exec 6>"$out.lock"
flock 6
if [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$out"
    exit 0
fi

log "building $(basename "$out")"
stage=$(mktemp -d "$GUEST_BUILD/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,run,etc,scenarios,lib/modules,usr/bin}

install -m 755 "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
install -m 755 "$fio" "$stage/bin/fio"
for src in "$GUEST_REPO"/guest/src/*.c; do
    [ -e "$src" ] || continue
    prog=$(basename "$src" .c)
    gcc -static -O2 -Wall -Wextra -o "$stage/bin/$prog" "$src" ||
        die "gcc -static $src failed"
    strip "$stage/bin/$prog"
done
install -m 755 "$GUEST_REPO/guest/init" "$stage/init"
cp "$GUEST_REPO"/guest/scenarios/* "$stage/scenarios/"

for m in "${modules[@]}"; do
    plain=${m%.xz}; plain=${plain%.zst}; plain=${plain%.gz}
    mkdir -p "$stage/lib/modules/$(dirname "$plain")"
    case "$m" in
    *.ko.xz)  xz -dc "$moddir/$m" > "$stage/lib/modules/$plain" ;;
    *.ko.zst) zstd -dcq "$moddir/$m" > "$stage/lib/modules/$plain" ;;
    *.ko.gz)  gzip -dc "$moddir/$m" > "$stage/lib/modules/$plain" ;;
    *.ko)     cp "$moddir/$m" "$stage/lib/modules/$plain" ;;
    *) die "unexpected module file $m" ;;
    esac
    echo "$plain" >> "$stage/lib/modules/load.list"
done
echo "$rel" > "$stage/etc/kernel-release"

# newc entry of /dev/console (character device 5:1), written by hand so
# that building needs no mknod (and no root); the kernel unpacks
# concatenated archives into one tree.
newc() { # NAME MODE NLINK RDEVMAJOR RDEVMINOR
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
        0 "$2" 0 0 "$3" 0 0 0 0 "$4" "$5" $((${#1} + 1)) 0 "$1"
    # header (110 bytes) + name + NUL, padded to a multiple of 4
    head -c $(( (4 - (110 + ${#1} + 1) % 4) % 4 )) /dev/zero
}
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) > "$out.tmp"
{
    newc dev/console $((0020600)) 1 5 1
    newc 'TRAILER!!!' 0 1 0 0
} >> "$out.tmp"
truncate -s %512 "$out.tmp"
mv "$out.tmp" "$out"
echo "$stamp" > "$out.stamp"
log "$(basename "$out"): $(( $(stat -c %s "$out") / 1024 )) KiB, ${#modules[@]} modules"
echo "$out"
