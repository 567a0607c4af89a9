#!/bin/bash
# vtm's libFuzzer harnesses (tests/fuzz/fuzz-*.c, built by
# scripts/build-fuzz.sh into build/fuzz).
#
#   scripts/fuzz.sh run [NAME...]     fuzz each harness FUZZ_SECONDS
#                                     (default 300), or until FUZZ_RUNS
#                                     executions if sooner, from its corpus; new
#                                     inputs are merged (minimized) into
#                                     tests/fuzz/corpus/NAME.tar, crashes
#                                     kept in tests/fuzz/crashes/
#   scripts/fuzz.sh check [--tap]     TAP, one test per harness: replay its
#                                     corpus and tests/fuzz/crashes/NAME-*,
#                                     then a FUZZ_SMOKE_SECONDS (default 15)
#                                     smoke run
#   scripts/fuzz.sh coverage          line coverage of vtm's core files by
#                                     the corpus (llvm-cov report)
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
FUZZ="$REPO/tests/fuzz"
OUT="$REPO/build/fuzz"
# Each corpus is kept as one tar in the repository (thousands of small
# files otherwise) and unpacked here to run.
CORPUS="$OUT/corpus"
MAX_LEN=4096
# A 16 MiB quarantine still catches a use after free within an input (each
# frees far less), and the default 256 MiB made every allocation a fresh,
# faulting page: fuzz-track ran at half speed.
export ASAN_OPTIONS="detect_leaks=1:quarantine_size_mb=16${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

cmd=${1:-check}
shift || true
[ "${1:-}" = --tap ] && shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in "$FUZZ"/fuzz-*.c; do
        n=${f##*/fuzz-}
        names+=("${n%.c}")
    done
fi

# unpack NAME: a fresh copy of the corpus in $CORPUS/NAME.
unpack() {
    rm -rf "${CORPUS:?}/$1"
    mkdir -p "$CORPUS/$1"
    if [ -f "$FUZZ/corpus/$1.tar" ]; then
        tar -C "$CORPUS/$1" -xf "$FUZZ/corpus/$1.tar"
    fi
}

# pack NAME: $CORPUS/NAME back into the repository, reproducibly.
pack() {
    (cd "$CORPUS/$1" && find . -type f | LC_ALL=C sort |
        tar --owner=0 --group=0 --numeric-owner --mtime=@0 \
            -cf "$FUZZ/corpus/$1.tar" -T -)
}

build() {
    local log="$OUT.build.log"
    mkdir -p "$(dirname "$OUT")"
    if ! "$REPO/scripts/build-fuzz.sh" "$@" > "$log" 2>&1; then
        cat "$log" >&2
        return 1
    fi
}

# Executions reported by a libFuzzer log ("Done N runs" or the last stat).
execs() {
    local n
    n=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$1" | tail -1)
    [ -n "$n" ] || n=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$1" | tail -1)
    echo "${n:-0}"
}

run() {
    local secs=${FUZZ_SECONDS:-300} n work log total=0
    build || exit 1
    mkdir -p "$FUZZ/crashes"
    for n in "${names[@]}"; do
        work="$OUT/work/$n"
        log="$OUT/run-$n.log"
        mkdir -p "$work"
        unpack "$n"
        echo "fuzz: $n for ${secs}s"
        "$OUT/fuzz-$n" -max_total_time="$secs" -max_len=$MAX_LEN \
            ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} \
            -print_final_stats=1 -report_slow_units=30 \
            -artifact_prefix="$FUZZ/crashes/$n-" \
            "$work" "$CORPUS/$n" > "$log" 2>&1
        local rc=$?
        # Keep the corpus small: only inputs that add coverage.
        mkdir -p "$OUT/merged/$n"
        rm -f "$OUT/merged/$n"/*
        "$OUT/fuzz-$n" -merge=1 -max_len=$MAX_LEN "$OUT/merged/$n" \
            "$CORPUS/$n" "$work" > "$OUT/merge-$n.log" 2>&1 &&
            rm -f "$CORPUS/$n"/* &&
            cp "$OUT/merged/$n"/* "$CORPUS/$n"/ 2>/dev/null &&
            pack "$n"
        printf 'fuzz: %-5s %12s executions, corpus %4s inputs, exit %s\n' \
            "$n" "$(execs "$log")" "$(ls "$CORPUS/$n" | wc -l)" "$rc"
        [ "$rc" -eq 0 ] || grep -m5 -E 'invariant|ERROR|runtime error' "$log"
    done
    ls "$FUZZ/crashes" | grep -v '^README' | sed 's/^/fuzz: crash input: /'
}

check() {
    local n i=0 log inputs tmp
    echo "1..${#names[@]}"
    if ! build; then
        for n in "${names[@]}"; do
            i=$((i + 1)); echo "not ok $i - fuzz-$n: build failed"
        done
        return 1
    fi
    for n in "${names[@]}"; do
        i=$((i + 1))
        log="$OUT/check-$n.log"
        unpack "$n"
        inputs=("$CORPUS/$n"/*)
        [ -e "${inputs[0]}" ] || inputs=()
        for c in "$FUZZ/crashes/$n"-*; do
            [ -e "$c" ] && inputs+=("$c")
        done
        tmp=$(mktemp -d)
        if [ ${#inputs[@]} -gt 0 ] &&
           ! "$OUT/fuzz-$n" -max_len=$MAX_LEN "${inputs[@]}" > "$log" 2>&1; then
            echo "not ok $i - fuzz-$n: replay of ${#inputs[@]} inputs ($log)"
        elif ! "$OUT/fuzz-$n" -max_total_time="${FUZZ_SMOKE_SECONDS:-15}" \
                -max_len=$MAX_LEN -artifact_prefix="$tmp/" \
                "$tmp" "$CORPUS/$n" >> "$log" 2>&1; then
            echo "not ok $i - fuzz-$n: smoke run found $(ls "$tmp" |
                grep -c -e crash -e leak -e timeout) crash(es) ($log)"
            cp "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$OUT/" \
                2>/dev/null
        else
            echo "ok $i - fuzz-$n: ${#inputs[@]} inputs replayed," \
                 "$(execs "$log") smoke executions"
        fi
        rm -rf "$tmp"
    done
}

coverage() {
    local n files=() f prof="$OUT/cov/prof"
    build --coverage || exit 1
    rm -rf "$prof"; mkdir -p "$prof"
    for n in "${names[@]}"; do
        unpack "$n"
        LLVM_PROFILE_FILE="$prof/$n.profraw" "$OUT/cov/fuzz-$n" -runs=0 \
            -max_len=$MAX_LEN "$CORPUS/$n" > "$OUT/cov-$n.log" 2>&1
    done
    llvm-profdata merge -sparse "$prof"/*.profraw -o "$prof/all.profdata"
    for f in $(sed -n "/^vtm_core_files = files(/,/)/p" \
               "$REPO/hw/i386/vtm/meson.build" | grep -o "'[^']*\.c'" |
               tr -d "'"); do
        files+=("$REPO/hw/i386/vtm/$f")
    done
    local objs=()
    for n in "${names[@]}"; do
        objs+=(-object "$OUT/cov/fuzz-$n")
    done
    llvm-cov report "${objs[@]:1}" -instr-profile="$prof/all.profdata" \
        "${files[@]}" | sed "s|$REPO/||"
}

case "$cmd" in
run) run ;;
check) check ;;
coverage) coverage ;;
*) echo "usage: scripts/fuzz.sh run|check|coverage [NAME...]" >&2; exit 2 ;;
esac
