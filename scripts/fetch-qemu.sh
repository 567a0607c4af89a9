#!/bin/bash
# Fetches Debian trixie's qemu 10.0.x source package (with Debian's patches
# applied by dpkg-source) into the download cache and prints its directory.
# A second run reuses the cached tree.
set -euo pipefail

CACHE="${VTM_CACHE:-$HOME/.cache/vtm}/qemu-src"
mkdir -p "$CACHE"

existing=$(find "$CACHE" -maxdepth 1 -type d -name 'qemu-10.0.*' | sort | tail -1)
if [ -n "$existing" ] && [ -f "$existing/.vtm-complete" ]; then
    echo "$existing"
    exit 0
fi

version=$(apt-cache showsrc qemu | awk '/^Version:/ {print $2}' |
          grep -E '^1:10\.0\.' | sort -V | tail -1 || true)
if [ -z "$version" ]; then
    found=$(apt-cache showsrc qemu | awk '/^Version:/ {print $2}' | xargs)
    echo "fetch-qemu: need Debian's qemu 10.0.x source package; apt offers:" \
         "${found:-nothing} (is the trixie deb-src entry there?" \
         "run scripts/setup-host.sh)" >&2
    exit 1
fi

cd "$CACHE"
rm -rf qemu-10.0.* qemu_*.dsc
echo "fetch-qemu: apt-get source qemu=$version" >&2
apt-get source -q "qemu=$version" >&2
dir=$(find "$CACHE" -maxdepth 1 -type d -name 'qemu-10.0.*' | sort | tail -1)
upstream=$(cat "$dir/VERSION")
case "$upstream" in
    10.0.*) ;;
    *) echo "fetch-qemu: QEMU $upstream found, vtm needs 10.0.x" >&2; exit 1 ;;
esac
touch "$dir/.vtm-complete"
echo "$dir"
