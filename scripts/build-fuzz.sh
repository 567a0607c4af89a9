#!/bin/bash
# Builds the libFuzzer harnesses of tests/fuzz/ over vtm's pure core with
# clang in build/fuzz: fuzz-NAME under ASan+UBSan, and with --coverage
# also build/fuzz/cov/fuzz-NAME (source-based coverage, for llvm-cov).
# The core's file list is read from hw/i386/vtm/meson.build, so files the
# core gains are fuzzed too.  Incremental (a generated build.ninja).
#   scripts/build-fuzz.sh [--coverage]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT="$REPO/build/fuzz"
coverage=false
[ "${1:-}" = --coverage ] && coverage=true

"$REPO/scripts/setup-host.sh"
if ! command -v clang >/dev/null; then
    echo "build-fuzz: installing clang (libFuzzer)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >/dev/null
fi
QSRC=$("$REPO/scripts/fetch-qemu.sh")

core=$(sed -n "/^vtm_core_files = files(/,/)/p" \
           "$REPO/hw/i386/vtm/meson.build" | grep -o "'[^']*\.c'" | tr -d "'")
harnesses=$(cd "$REPO/tests/fuzz" && ls fuzz-*.c | sed 's/\.c$//')
CC="clang"
command -v ccache >/dev/null && CC="ccache clang"

mkdir -p "$OUT"
{
    echo "cc = $CC"
    echo "cflags = -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Werror" \
         "-Wno-unused-function -I$REPO/compat -I$REPO/hw/i386/vtm" \
         "-isystem $QSRC/include $(pkg-config --cflags glib-2.0)"
    echo "libs = $(pkg-config --libs glib-2.0)"
    echo "san = -fsanitize=address,undefined -fno-sanitize-recover=undefined"
    echo "cov = -fprofile-instr-generate -fcoverage-mapping"
    cat <<'RULES'
rule cc
  command = $cc -MMD -MF $out.d $cflags $flags -c $in -o $out
  depfile = $out.d
  deps = gcc
rule link
  command = $cc $flags $in -o $out $libs
RULES
    for v in san cov; do
        $coverage || [ $v = san ] || continue
        dir=$([ $v = san ] && echo . || echo cov)
        objs=()
        for f in $core; do
            o="$dir/core/${f%.c}.o"
            echo "build $o: cc $REPO/hw/i386/vtm/$f"
            echo "  flags = \$$v -fsanitize=fuzzer-no-link"
            objs+=("$o")
        done
        for h in $harnesses; do
            echo "build $dir/$h.o: cc $REPO/tests/fuzz/$h.c"
            echo "  flags = \$$v -fsanitize=fuzzer-no-link"
            echo "build $dir/$h: link $dir/$h.o ${objs[*]}"
            echo "  flags = \$$v -fsanitize=fuzzer"
        done
    done
} > "$OUT/build.ninja.new"
if ! cmp -s "$OUT/build.ninja.new" "$OUT/build.ninja"; then
    mv "$OUT/build.ninja.new" "$OUT/build.ninja"
else
    rm "$OUT/build.ninja.new"
fi
if ! ninja -C "$OUT" > "$OUT/ninja.log" 2>&1; then
    grep -v '^\[' "$OUT/ninja.log" | tail -30 >&2
    exit 1
fi
