#!/bin/bash
# Installs what vtm's build and tests need on a Debian 12 (bookworm) host:
# apt sources (deb-src for trixie's qemu, bookworm-backports for meson),
# build packages and firmware.  Idempotent: a second run does nothing.
set -euo pipefail

STAMP_DIR="${VTM_CACHE:-$HOME/.cache/vtm}"
STAMP="$STAMP_DIR/host-setup.v3"

PKGS=(build-essential ninja-build pkg-config ccache git dpkg-dev xz-utils
      python3 python3-venv flex bison
      libglib2.0-dev libpixman-1-dev zlib1g-dev libslirp-dev libfdt-dev
      seabios ipxe-qemu qemu-system-data kmod cpio
      python3-matplotlib)       # tools/vtm-stats --png
BACKPORT_PKGS=(meson python3-pycotap)

if [ -f "$STAMP" ] && command -v meson >/dev/null && command -v ccache >/dev/null; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "setup-host: must run as root to install packages" >&2
    exit 1
fi

if ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
    echo "setup-host: warning: written for Debian 12 (bookworm)" >&2
fi

cat > /etc/apt/sources.list.d/vtm.sources <<'SRC'
# Added by vtm's scripts/setup-host.sh
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${PKGS[@]}"
apt-get install -y -q --no-install-recommends -t bookworm-backports \
    "${BACKPORT_PKGS[@]}"

mkdir -p "$STAMP_DIR"
touch "$STAMP"
