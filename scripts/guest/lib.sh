# shellcheck shell=bash disable=SC2034
# Shared helpers of the guest harness (sourced by scripts/guest/*.sh and
# scripts/demo.sh; not run on its own).
#
# Paths: the repository is found from this file; downloads and builds that
# outlive a clone go under ${VTM_CACHE:-$HOME/.cache/vtm}/guest, per-run
# files (disk images, console logs) under build/.

GUEST_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VTM_CACHE=${VTM_CACHE:-$HOME/.cache/vtm}
GUEST_CACHE="$VTM_CACHE/guest"
GUEST_BUILD="$GUEST_REPO/build/guest"
GUEST_LOGS="$GUEST_REPO/build/guest-logs"
PROG=${PROG:-$(basename "$0" .sh)}
# set -e also inside $(...), so that die in a helper stops the script.
shopt -s inherit_errexit

log() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

# need_tools TOOL:PACKAGE...: makes sure each host tool exists, installing
# its Debian package when running as root (these are host tools of the
# harness; guest kernels and busybox are never installed on the host).
need_tools() {
    local missing=() spec tool pkg
    for spec in "$@"; do
        tool=${spec%%:*}
        pkg=${spec#*:}
        if [[ $tool == /* ]]; then
            [ -e "$tool" ] || missing+=("$pkg")
        else
            command -v "$tool" >/dev/null 2>&1 ||
                [ -x "/usr/sbin/$tool" ] || [ -x "/sbin/$tool" ] ||
                missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        die "missing host packages: ${missing[*]} (apt-get install them as root)"
    fi
    log "installing host tools: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${missing[@]}" >&2 ||
        die "could not install ${missing[*]} with apt-get"
}

# apt_download DESTDIR PACKAGE[=VERSION]: fetches one .deb (never installs
# it) into DESTDIR and prints the file's path.
apt_download() {
    local dest=$1 spec=$2 tmp deb
    # apt drops root privileges for downloads: give its user a directory
    # it can reach (the cache may sit under a private home directory).
    tmp=$(mktemp -d)
    chmod 755 "$tmp"
    chown _apt "$tmp" 2>/dev/null || true
    if ! (cd "$tmp" && apt-get download -q "$spec" >&2); then
        rm -rf "$tmp"
        die "apt-get download $spec failed (is the package in apt's lists?" \
            "run apt-get update, and scripts/setup-host.sh for bookworm-backports)"
    fi
    deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -1)
    [ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download $spec produced no .deb"; }
    mv "$deb" "$dest/"
    rm -rf "$tmp"
    echo "$dest/$(basename "$deb")"
}

# cache_lock NAME: serialises writers of one cache entry between processes
# (a demo and a test run may start together).  Holds fd 8 until exit.
cache_lock() {
    mkdir -p "$GUEST_CACHE"
    exec 8>"$GUEST_CACHE/.$1.lock"
    flock 8
}

# qemu_binary: the project's QEMU build (with vtm and intel-iommu).
qemu_binary() {
    echo "${VTM_QEMU:-$GUEST_REPO/build/qemu-build/qemu-system-x86_64}"
}

# hold_qemu_build: scripts/build-qemu.sh holds build/.lock while it builds:
# waits for a build in progress and keeps the next one from relinking QEMU
# under this run (fd 7, shared, until the caller exits).  Then checks that
# the binary exists.
hold_qemu_build() {
    local qemu=$1
    if [ -z "${VTM_QEMU:-}" ]; then
        mkdir -p "$GUEST_REPO/build"
        exec 7>>"$GUEST_REPO/build/.lock"
        if ! flock -s -n 7; then
            log "waiting for the QEMU build in progress (build/.lock)"
            flock -s -w 1800 7 ||
                die "QEMU build still running after 30 minutes"
        fi
    fi
    [ -x "$qemu" ] || die "no QEMU at $qemu: build it with scripts/build-qemu.sh"
}

# apt_memo KEY CMD...: prints CMD's output, remembered for as long as apt's
# package lists and sources stay the same (each apt-cache call costs about
# half a second, and every guest run asks several).  An empty answer is
# not remembered, and returns 1.
apt_memo() {
    local key=$1 fp memo out; shift
    fp=$( { stat -c '%n %Y %s' /var/lib/apt/lists/*_Packages* \
                /var/lib/apt/lists/*_Sources* /etc/apt/sources.list* \
                /etc/apt/sources.list.d/* /etc/apt/preferences* 2>/dev/null ||
            true; } | sha256sum | cut -c1-32)
    memo="$GUEST_CACHE/apt-memo/$key"
    if [ -f "$memo" ] && [ "$(head -1 "$memo")" = "$fp" ]; then
        tail -n +2 "$memo"
        return 0
    fi
    out=$("$@") || true
    [ -n "$out" ] || return 1
    mkdir -p "$(dirname "$memo")"
    printf '%s\n%s\n' "$fp" "$out" > "$memo.$$" && mv "$memo.$$" "$memo"
    printf '%s\n' "$out"
}

# Why this host cannot give a guest a vhost-net NIC on a private wire
# (scripts/guest/netns-wire.sh), or nothing when it can.
vhost_unusable() {
    local dev
    for dev in /dev/vhost-net /dev/net/tun; do
        if [ ! -c "$dev" ]; then
            echo "$dev is absent on this host"; return
        fi
        if ! (exec 9<>"$dev") 2>/dev/null; then
            echo "$dev cannot be opened for reading and writing"; return
        fi
    done
    command -v ip > /dev/null || { echo "no ip command (iproute2)"; return; }
    command -v unshare > /dev/null || { echo "no unshare command"; return; }
    if ! unshare --net true 2> /dev/null; then
        echo "cannot create a network namespace (unshare --net needs root)"
    fi
}
