#!/bin/bash
# Builds a cpio archive holding Debian's perf tool for a guest kernel and
# the shared libraries it needs, and prints its path.
#
# Usage: scripts/guest/fetch-perf.sh [--kernel 6.12|6.1]
#
# perf must match the guest kernel: the linux-perf package of the same
# version as the kernel package (fetch-kernel.sh) is fetched with
# apt-get download (never installed) and unpacked; libraries apt does not
# have installed on the host and that linux-perf needs beyond bookworm's
# base (libtraceevent1) are fetched the same way.  The host's loader
# (ldd, with the unpacked libraries first on its path) lists every
# library perf needs; each is copied into the archive under
# /lib/x86_64-linux-gnu, the loader under /lib64.  A library ldd cannot
# find stops the script with its name.
#
# The archive (build/guest/perf-<version>.cpio, newc, uncompressed) is
# meant to be appended to the initramfs: the kernel unpacks concatenated
# archives into one tree.  scripts/guest/run.sh appends it for scenarios
# that declare "# vtm-initrd: perf".  Cached by version.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=6.12
while [ $# -gt 0 ]; do
    case "$1" in
    --kernel) series=${2:?--kernel needs 6.12 or 6.1}; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1'" ;;
    esac
done

need_tools cpio:cpio dpkg-deb:dpkg ldd:libc-bin apt-get:apt

kdir=$("$GUEST_REPO/scripts/guest/fetch-kernel.sh" --dir "$series")
read -r _ kver < "$kdir/package"
dir="$GUEST_CACHE/perf/${kver//:/_}"
out="$GUEST_BUILD/perf-${kver//:/_}.cpio"
mkdir -p "$GUEST_BUILD"
cache_lock perf
if [ -f "$out" ] && [ "$out" -nt "$0" ]; then
    echo "$out"
    exit 0
fi

if [ ! -f "$dir/.complete" ]; then
    log "fetching linux-perf $kver (the guest kernel's version)"
    rm -rf "$dir"
    mkdir -p "$dir/debs"
    apt_download "$dir/debs" "linux-perf=$kver" > /dev/null
    # linux-perf 6.12 (bookworm-backports) needs libtraceevent1, which a
    # bookworm host with linux-perf 6.1 does not have installed.
    apt_download "$dir/debs" libtraceevent1 > /dev/null
    for deb in "$dir"/debs/*.deb; do
        dpkg-deb -x "$deb" "$dir/root" || die "dpkg-deb -x $deb failed"
    done
    rm -rf "$dir/debs"
    [ -x "$dir/root/usr/bin/perf" ] || die "linux-perf $kver has no /usr/bin/perf"
    touch "$dir/.complete"
fi

perf="$dir/root/usr/bin/perf"
libs=$(LD_LIBRARY_PATH="$dir/root/usr/lib/x86_64-linux-gnu" ldd "$perf") ||
    die "ldd $perf failed"
missing=$(awk '/not found/ {print $1}' <<< "$libs" | xargs)
[ -z "$missing" ] || die "perf needs libraries this host does not have:" \
    "$missing (apt-get install linux-perf's dependencies)"

stage=$(mktemp -d "$GUEST_BUILD/.perf.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/usr/bin" "$stage/lib/x86_64-linux-gnu" "$stage/lib64"
install -m 755 "$perf" "$stage/usr/bin/perf"
while read -r lib; do
    install -m 644 "$(readlink -f "$lib")" \
        "$stage/lib/x86_64-linux-gnu/$(basename "$lib")"
done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<< "$libs")
loader=$(awk '$1 ~ /^\/lib64\/ld-linux/ {print $1}' <<< "$libs")
[ -n "$loader" ] || die "ldd names no /lib64/ld-linux loader for perf"
install -m 755 "$(readlink -f "$loader")" "$stage$loader"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) > "$out.tmp"
truncate -s %512 "$out.tmp"
mv "$out.tmp" "$out"
log "$(basename "$out"): $(( $(stat -c %s "$out") / 1024 )) KiB," \
    "$(find "$stage/lib" -type f | wc -l) libraries"
echo "$out"
