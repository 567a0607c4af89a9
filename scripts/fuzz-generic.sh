#!/bin/bash
# QEMU's generic-fuzz on vtm: the fuzzer writes vtm-iommu's registers and
# an edu device's (whose DMA engine then reads and writes through vtm),
# and supplies the bytes of every DMA read from guest RAM, vtm's reads of
# root, context, page tables, queue descriptors and IRTEs included.  So
# registers, tables and DMA are fuzzed together, in the full device.
#
#   scripts/fuzz-generic.sh [RUNS]     RUNS inputs (default 1000000), from
#                                      tests/fuzz/corpus/generic.tar; new
#                                      inputs merged back into it, a crash
#                                      kept as tests/fuzz/crashes/generic-*
#   scripts/fuzz-generic.sh replay     replay the corpus and the kept
#                                      crash inputs only
#   scripts/fuzz-generic.sh coverage   functions and edges of each vtm
#                                      file the corpus reaches
#   FUZZ_SECONDS=N                     stop after N seconds at the latest
#
# Builds build/qemu-fuzz first (scripts/build-qemu-fuzz.sh: clang, ASan;
# long the first time).  Not part of `make check`: CI has no time for a
# second full QEMU build.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
FUZZ="$REPO/tests/fuzz"
CORPUS="$REPO/build/fuzz/corpus/generic"
BIN="$REPO/build/qemu-fuzz/qemu-fuzz-x86_64"
arg=${1:-1000000}

"$REPO/scripts/build-qemu-fuzz.sh" > "$REPO/build/qemu-fuzz.build.log" 2>&1 ||
    { tail -30 "$REPO/build/qemu-fuzz.build.log" >&2; exit 1; }

export QEMU_FUZZ_ARGS="-machine q35 -nodefaults -m 64M \
    -device vtm-iommu,intremap=on,x-perfmon-width=48 -device edu"
# vtm's register window, its perfmon page, and edu's registers
# QOM type names: "edu" makes generic-fuzz map edu's BAR and enable its
# bus mastering (a memory-region name such as "edu-mmio" matched nothing,
# so edu never ran and no DMA was ever translated; see tests/fuzz/README)
export QEMU_FUZZ_OBJECTS="vtm-iommu edu"
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1"

if [ "$arg" = coverage ] || [ "$arg" = replay ]; then
    # a copy of their own: a run may be filling build/fuzz/corpus/generic
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    CORPUS="$tmp/corpus"
fi
rm -rf "$CORPUS"
mkdir -p "$CORPUS"
[ -f "$FUZZ/corpus/generic.tar" ] && tar -C "$CORPUS" -xf "$FUZZ/corpus/generic.tar"
# inputs that turn translation on and have edu DMA through it (random
# bytes seldom do); the merge keeps those that add coverage
python3 "$FUZZ/generic-seeds.py" "$CORPUS"

# coverage: merges the corpus into an empty folder, whose control file
# names the edges each input reached; sancov-report.py counts them per
# vtm file against the binary's table of instrumented edges.
if [ "$arg" = coverage ]; then
    mkdir "$tmp/empty"
    "$BIN" --fuzz-target=generic-fuzz -merge=1 \
        -merge_control_file="$tmp/control" "$tmp/empty" "$CORPUS" \
        > "$tmp/merge.log" 2>&1 || { tail -20 "$tmp/merge.log" >&2; exit 1; }
    python3 "$REPO/scripts/sancov-report.py" "$BIN" "$tmp/control" \
        "$REPO"/hw/i386/vtm/*.c
    exit
fi
if [ "$arg" = replay ]; then
    shopt -s nullglob
    "$BIN" --fuzz-target=generic-fuzz -runs=0 "$CORPUS" \
        "$FUZZ"/crashes/generic-*
    exit
fi
[[ $arg =~ ^[0-9]+$ ]] || { echo "usage: $0 [RUNS|replay|coverage]" >&2; exit 2; }

log="$REPO/build/fuzz/generic.log"
"$BIN" --fuzz-target=generic-fuzz -runs="$arg" -max_len=4096 \
    ${FUZZ_SECONDS:+-max_total_time="$FUZZ_SECONDS"} \
    -artifact_prefix="$FUZZ/crashes/generic-" "$CORPUS" 2>&1 | tee "$log" |
    grep -E '^#[0-9]+.*(INITED|DONE|pulse)|^Done|ERROR|SUMMARY'
rc=${PIPESTATUS[0]}
# keep what was found, smallest first (libFuzzer's merge)
merged="$REPO/build/fuzz/corpus/generic.merged"
rm -rf "$merged"
mkdir -p "$merged"
"$BIN" --fuzz-target=generic-fuzz -merge=1 "$merged" "$CORPUS" \
    > /dev/null 2>&1 &&
    (cd "$merged" && find . -type f | LC_ALL=C sort |
        tar --owner=0 --group=0 --numeric-owner --mtime=@0 \
            -cf "$FUZZ/corpus/generic.tar" -T -)
echo "fuzz-generic: $(grep -o '^Done [0-9]* runs' "$log" || echo 'no summary'); exit $rc"
exit "$rc"
