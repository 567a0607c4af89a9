#!/bin/bash
# Fetches a Debian guest kernel and prepares it for booting under QEMU.
#
# Usage: scripts/guest/fetch-kernel.sh [--dir] [SERIES...]
#   SERIES  6.12 (linux-image-amd64 from bookworm-backports, the default)
#           6.1  (bookworm's linux-image-amd64)
#   --dir   print only the prepared directory of each kernel, one per line
#
# For each series: resolves linux-image-amd64's dependency package
# (linux-image-<abi>-amd64), apt-get downloads it (never installs it),
# unpacks it with dpkg-deb -x under ${VTM_CACHE:-~/.cache/vtm}/guest/,
# runs depmod -b (Debian ships no modules.dep), checks CONFIG_INTEL_IOMMU,
# and extracts the uncompressed vmlinux from vmlinuz for a PVH boot when
# that is verifiable (falls back to the bzImage otherwise).
#
# The prepared directory holds:
#   root/          the unpacked package
#   modules        -> root/lib/modules/<release>
#   config         the kernel's .config
#   kernel         the image to pass to -kernel (vmlinux or vmlinuz)
#   boot-mode      "pvh" or "bzimage"
#   release        uname -r of the kernel
#   package        package name and version
# Cached: a second run only asks apt which version is current.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

only_dir=0
series=()
for a in "$@"; do
    case "$a" in
    --dir) only_dir=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    6.12|6.1) series+=("$a") ;;
    *) die "unknown kernel series '$a' (6.12 or 6.1)" ;;
    esac
done
[ ${#series[@]} -eq 0 ] && series=(6.12)

# resolve SERIES: prints "<package> <version>" of the newest
# linux-image-<abi>-amd64 that a linux-image-amd64 of that series depends on.
resolve() {
    local s=$1 ver dep
    ver=$(apt-cache show linux-image-amd64 2>/dev/null |
          awk '/^Version:/ {print $2}' | grep -E "^${s//./\\.}\." |
          sort -V | tail -1 || true)
    [ -n "$ver" ] || return 1
    dep=$(apt-cache show "linux-image-amd64=$ver" 2>/dev/null |
          awk -F': ' '/^Depends:/ {print $2; exit}' |
          grep -oE 'linux-image-[0-9][^ ,]*-amd64 \(= [^)]*\)' | head -1)
    [ -n "$dep" ] || return 1
    echo "${dep%% *} $(echo "$dep" | sed -E 's/.*\(= ([^)]*)\)/\1/')"
}

# extract_vmlinux BZIMAGE OUT: writes the uncompressed ELF kernel to OUT.
# Reads the payload's offset and length from the boot protocol header
# (setup_sects at 0x1f1, payload_offset/payload_length at 0x248/0x24c,
# protocol >= 2.08), decompresses it by its magic, and accepts the result
# only if it is an ELF whose size equals the size the kernel's build
# appended to the payload, and which carries the PVH entry note
# (XEN_ELFNOTE_PHYS32_ENTRY, type 0x12).  Returns non-zero otherwise.
extract_vmlinux() {
    local img=$1 out=$2 sects off len magic want got notes tmp="$2.tmp"
    [ "$(dd if="$img" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] ||
        { log "no boot protocol header in $img"; return 1; }
    sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
    [ "$sects" -eq 0 ] && sects=4
    read -r off len < <(od -An -tu4 -j $((0x248)) -N8 "$img")
    [ "${len:-0}" -gt 0 ] || { log "no payload length in $img"; return 1; }
    dd if="$img" of="$tmp.z" bs=1M iflag=skip_bytes,count_bytes status=none \
        skip=$(( (sects + 1) * 512 + off )) count="$len"
    want=$(tail -c 4 "$tmp.z" | od -An -tu4 | tr -d ' ')
    magic=$(od -An -tx1 -N6 "$tmp.z" | tr -d ' ')
    case "$magic" in
    28b52ffd*)   zstd -dcq < "$tmp.z" > "$tmp" 2>/dev/null || true ;;
    fd377a585a00) xz -dcq < "$tmp.z" > "$tmp" 2>/dev/null || true ;;
    1f8b*)       gzip -dcq < "$tmp.z" > "$tmp" 2>/dev/null || true ;;
    02214c18*)   lz4 -dcq < "$tmp.z" > "$tmp" 2>/dev/null || true ;;
    5d0000*)     xz --format=lzma -dcq < "$tmp.z" > "$tmp" 2>/dev/null || true ;;
    *) rm -f "$tmp.z"; log "unknown payload compression (magic $magic)"; return 1 ;;
    esac
    rm -f "$tmp.z"
    got=$(stat -c %s "$tmp" 2>/dev/null || echo 0)
    if [ "$got" != "$want" ]; then
        log "decompressed payload is $got bytes, header says $want"
        rm -f "$tmp"; return 1
    fi
    if ! readelf -h "$tmp" >/dev/null 2>&1; then
        log "decompressed payload is not an ELF file"
        rm -f "$tmp"; return 1
    fi
    notes=$(readelf -n "$tmp" 2>/dev/null || true)
    if ! grep -qE '^ *Xen .*\(0x0*12\)' <<< "$notes"; then
        log "vmlinux has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"
        rm -f "$tmp"; return 1
    fi
    mv "$tmp" "$out"
}

# prepare SERIES: prints the prepared directory.
prepare() {
    local s=$1 pkg ver name dir deb rel link="$GUEST_CACHE/kernel-$1"
    if ! read -r pkg ver < <(apt_memo "kernel-$s" resolve "$s"); then
        if [ -f "$link/.complete" ]; then
            log "apt knows no linux-image-amd64 $s.x; using cached $(cat "$link/package")"
            echo "$(cd "$link" && pwd -P)"
            return 0
        fi
        case "$s" in
        6.12) die "apt offers no linux-image-amd64 6.12.x: bookworm-backports is" \
                  "missing from apt's sources (run scripts/setup-host.sh, then apt-get update)" ;;
        *)    die "apt offers no linux-image-amd64 $s.x (apt-get update?)" ;;
        esac
    fi
    name="${pkg#linux-image-}_$ver"
    dir="$GUEST_CACHE/kernels/$name"
    if [ ! -f "$dir/.complete" ]; then
        log "fetching $pkg $ver"
        rm -rf "$dir"
        mkdir -p "$dir"
        deb=$(apt_download "$dir" "$pkg=$ver")
        log "unpacking $(basename "$deb")"
        dpkg-deb -x "$deb" "$dir/root" || die "dpkg-deb -x $deb failed"
        rm -f "$deb"
        rel=$(ls "$dir/root/lib/modules" 2>/dev/null | head -1)
        [ -n "$rel" ] && [ -f "$dir/root/boot/vmlinuz-$rel" ] ||
            die "$pkg has no /boot/vmlinuz or /lib/modules tree"
        echo "$rel" > "$dir/release"
        echo "$pkg $ver" > "$dir/package"
        ln -sfn "root/lib/modules/$rel" "$dir/modules"
        ln -sfn "root/boot/config-$rel" "$dir/config"
        grep -qE '^CONFIG_INTEL_IOMMU=y' "$dir/config" ||
            die "$pkg is built without CONFIG_INTEL_IOMMU=y"
        log "depmod -b for $rel"
        depmod -b "$dir/root" "$rel" || die "depmod -b $dir/root $rel failed"
        if extract_vmlinux "$dir/root/boot/vmlinuz-$rel" "$dir/vmlinux"; then
            ln -sfn vmlinux "$dir/kernel"
            echo pvh > "$dir/boot-mode"
        else
            log "booting the compressed bzImage instead of vmlinux"
            ln -sfn "root/boot/vmlinuz-$rel" "$dir/kernel"
            echo bzimage > "$dir/boot-mode"
        fi
        touch "$dir/.complete"
    fi
    ln -sfn "kernels/$name" "$link"
    # Older builds of the same series are not needed any more.
    find "$GUEST_CACHE/kernels" -mindepth 1 -maxdepth 1 -type d \
        -name "${s}.*" ! -name "$name" -exec rm -rf {} + 2>/dev/null || true
    echo "$dir"
}

need_tools dpkg-deb:dpkg depmod:kmod zstd:zstd xz:xz-utils lz4:lz4 \
    readelf:binutils apt-get:apt
cache_lock kernel
for s in "${series[@]}"; do
    dir=$(prepare "$s")
    if [ "$only_dir" = 1 ]; then
        echo "$dir"
    else
        echo "kernel $s: $(cat "$dir/package") (uname -r $(cat "$dir/release"))"
        echo "  image:   $(readlink -f "$dir/kernel") ($(cat "$dir/boot-mode") boot)"
        echo "  modules: $(readlink -f "$dir/modules")"
        echo "  config:  $(readlink -f "$dir/config")"
    fi
done
