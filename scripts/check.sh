#!/bin/bash
# Runs every test of the project and closes with "N passed, N failed".
# Each test program speaks TAP; its results are counted per test case.  A
# case reported "ok ... # SKIP reason" counts as skipped, not passed, and
# its reason is listed before the closing line.  A program whose TAP plan
# (1..N) does not match the results it printed, one that exits non-zero,
# and a test binary that is missing each count as a failure.
#
# Usage: scripts/check.sh [LAYER]...   (default: all of them)
#   unit    unit tests of the pure core (meson suite "unit", build/core)
#   tools   vtm-replay runs (meson suite "tools"), one case each
#   qtest   QEMU qtests of vtm-iommu (build/qemu-build)
#   guest   Linux guests on vtm-iommu (scripts/guest/test.sh), slow
#   lint    QEMU's checkpatch.pl on every vtm C file, one case each
#   asan    unit tests, qtests and the block guest under ASan+UBSan
#   fuzz    libFuzzer harnesses: corpus replay and a smoke run each
# A new layer is a function layer_NAME below plus its name in the list.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
# VTM_CHECK_LOGDIR: another folder for the logs (two runs at once)
LOGDIR="${VTM_CHECK_LOGDIR:-$REPO/build/test-logs}"
DEFAULT_LAYERS=(unit tools qtest guest lint asan fuzz)
layers=("$@")
[ ${#layers[@]} -eq 0 ] && layers=("${DEFAULT_LAYERS[@]}")

passed=0
failed=0
skipped=()
retried=()      # guest tests that passed on a 2nd try (hang or failure)
broken=()

# fail WHAT: one failure that is not a test case's (build, missing file).
fail() {
    broken+=("$1")
    failed=$((failed + 1))
}

# count_tap NAME LOG RC: counts the TAP results in LOG of a program that
# exited with RC, and checks them against its plan.
count_tap() {
    local name=$1 log=$2 rc=$3
    local ok nok skip plan line
    ok=$(grep -cE '^ok ' "$log")
    nok=$(grep -cE '^not ok ' "$log")
    skip=$(grep -cE '^ok .*# SKIP' "$log")
    plan=$(grep -m1 -oE '^1\.\.[0-9]+' "$log" | cut -c4-)
    grep -E '^(not )?ok ' "$log" | sed 's/^/   /'
    while IFS= read -r line; do
        skipped+=("$name: ${line#ok }")
    done < <(grep -E '^ok .*# SKIP' "$log")
    while IFS= read -r line; do
        retried+=("$name: ${line#\# }")
    done < <(grep -E '^# (HUNG|FAILED) ONCE: ' "$log")
    passed=$((passed + ok - skip))
    failed=$((failed + nok))
    if [ -z "$plan" ] || [ "$plan" -ne $((ok + nok)) ]; then
        fail "$name (TAP plan ${plan:-missing}, $((ok + nok)) results, log $log)"
        tail -20 "$log" | sed 's/^/   | /'
    elif [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
        fail "$name (exit $rc, log $log)"
        tail -20 "$log" | sed 's/^/   | /'
    elif [ "$rc" -ne 0 ]; then
        broken+=("$name (exit $rc, log $log)")
    fi
}

# run_tap NAME CMD...: runs one TAP program (CMD includes --tap if the
# program needs it) and counts its results.
run_tap() {
    local name=$1; shift
    local log="$LOGDIR/${name//\//-}.log"
    echo "== $name"
    if [ ! -x "$1" ]; then
        fail "$name (missing: $1)"
        return
    fi
    "$@" > "$log" 2>&1
    count_tap "$name" "$log" $?
}

# meson_tests SUITE: the tests of build/core in SUITE, one per line:
# NAME<TAB>PROTOCOL<TAB>COMMAND (shell-quoted).
meson_tests() {
    meson introspect --tests "$REPO/build/core" | python3 -c '
import json, shlex, sys
for t in json.load(sys.stdin):
    # meson names suites PROJECT:SUITE
    if any(s.split(":")[-1] == sys.argv[1] for s in t["suite"]):
        print(t["name"], t["protocol"], shlex.join(t["cmd"]), sep="\t")
' "$1"
}

layer_unit() {
    local name proto cmd exe n=0
    if ! "$REPO/scripts/build-core.sh"; then
        fail "unit build"; return
    fi
    while IFS=$'\t' read -r name proto cmd; do
        n=$((n + 1))
        exe=${cmd%% *}
        eval "run_tap unit/$(basename "$exe") $cmd"
    done < <(meson_tests unit)
    [ "$n" -gt 0 ] || fail "unit: no tests in build/core"
}

# Each meson test of the suite "tools" is one case, passed by exit 0.
layer_tools() {
    local name proto cmd t n=0 log="$LOGDIR/tools.log"
    local -a tests
    if ! "$REPO/scripts/build-core.sh"; then
        fail "tools build"; return
    fi
    echo "== tools"
    mapfile -t tests < <(meson_tests tools)
    {
        echo "1..${#tests[@]}"
        for t in "${tests[@]}"; do
            IFS=$'\t' read -r name proto cmd <<< "$t"
            n=$((n + 1))
            if (cd "$REPO/build/core" && eval "$cmd") \
                    > "$LOGDIR/tools-$name.log" 2>&1; then
                echo "ok $n $name"
            else
                echo "not ok $n $name (log $LOGDIR/tools-$name.log)"
            fi
        done
    } > "$log"
    count_tap tools "$log" 0
    [ "${#tests[@]}" -gt 0 ] || fail "tools: no tests in build/core"
}

QTESTS=(vtm-test vtm-ir-test vtm-notify-test vtm-sm-test vtm-migrate-test
        vtm-perfmon-test vtm-dma-bench-test vtm-nested-test vtm-bounds-test
        vtm-units-test)

layer_qtest() {
    local t targets=()
    for t in "${QTESTS[@]}"; do
        targets+=("tests/qtest/$t")
    done
    if ! "$REPO/scripts/build-qemu.sh" "${targets[@]}" \
            > "$LOGDIR/build-qemu.log" 2>&1; then
        tail -30 "$LOGDIR/build-qemu.log"
        fail "qemu build"; return
    fi
    for t in "${QTESTS[@]}"; do
        QTEST_QEMU_BINARY="$REPO/build/qemu-build/qemu-system-x86_64" \
        QTEST_QEMU_IMG="$REPO/build/qemu-build/qemu-img" \
            run_tap "qtest/$t" "$REPO/build/qemu-build/tests/qtest/$t" --tap
    done
}

layer_guest() {
    # Linux guests on vtm-iommu (scripts/guest/test.sh): a few minutes
    # under TCG.
    if ! "$REPO/scripts/build-qemu.sh" > "$LOGDIR/build-qemu.log" 2>&1; then
        tail -30 "$LOGDIR/build-qemu.log"
        fail "qemu build"; return
    fi
    run_tap guest/test "$REPO/scripts/guest/test.sh" --tap
}

# The vtm C files checkpatch must pass (the conventions of QEMU's tree).
lint_files() {
    (cd "$REPO" && ls hw/i386/vtm/*.[ch] include/hw/i386/vtm.h \
        tests/qtest/vtm*.[ch] tests/lib/*.[ch] tests/unit/*.c tools/*.c \
        2>/dev/null)
}

layer_lint() {
    local tree="$REPO/build/qemu-src" f n=0 log="$LOGDIR/lint.log" out
    local -a files
    # the patched tree (scripts/build-qemu.sh) or the fetched source: the
    # patches do not touch checkpatch.pl
    [ -f "$tree/scripts/checkpatch.pl" ] || tree=$("$REPO/scripts/fetch-qemu.sh")
    if [ ! -f "$tree/scripts/checkpatch.pl" ]; then
        fail "lint: no scripts/checkpatch.pl in $tree"; return
    fi
    echo "== lint"
    mapfile -t files < <(lint_files)
    {
        echo "1..${#files[@]}"
        for f in "${files[@]}"; do
            n=$((n + 1))
            out=$(cd "$REPO" && perl "$tree/scripts/checkpatch.pl" \
                  --no-tree -f "$f" 2>&1)
            if grep -q '^ERROR' <<< "$out"; then
                echo "not ok $n $f"
                grep -A3 '^ERROR' <<< "$out" | sed 's/^/# /'
            else
                echo "ok $n $f"
            fi
        done
    } > "$log"
    count_tap lint "$log" 0
    grep '^# ' "$log" | head -40
}

# asan (owned with scripts/build-*-asan.sh): unit tests, qtests and the
# block guest scenario on builds under ASan+UBSan with leak detection on
# (scripts/asan-env.sh); a sanitizer report in a log fails its program
# even when the program exited 0.
SAN_REPORT='ERROR: (Address|Leak)Sanitizer|runtime error:'

san_check() {
    local name=$1; shift
    if grep -qsE "$SAN_REPORT" "$@"; then
        fail "$name: sanitizer report ($*)"
        grep -hm3 -E "$SAN_REPORT" "$@" | sed 's/^/   | /'
    fi
}

layer_asan() {
    local t q bin="$REPO/build/qemu-asan" env="$REPO/scripts/asan-env.sh"
    if ! "$REPO/scripts/build-core-asan.sh"; then
        fail "asan: core build"; return
    fi
    for t in "$REPO"/build/core-asan/test-vtm-*; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        run_tap "asan/unit/${t##*/}" "$env" "$t" --tap
        san_check "asan/unit/${t##*/}" "$LOGDIR/asan-unit-${t##*/}.log"
    done
    if ! "$REPO/scripts/build-qemu-asan.sh" "${QTESTS[@]/#/tests/qtest/}" \
            > "$LOGDIR/build-qemu-asan.log" 2>&1; then
        tail -30 "$LOGDIR/build-qemu-asan.log"
        fail "asan: qemu build"; return
    fi
    for q in "${QTESTS[@]}"; do
        QTEST_QEMU_BINARY="$bin/qemu-system-x86_64" \
        QTEST_QEMU_IMG="$bin/qemu-img" \
            run_tap "asan/qtest/$q" "$env" "$bin/tests/qtest/$q" --tap
        san_check "asan/qtest/$q" "$LOGDIR/asan-qtest-$q.log"
    done
    # One guest scenario: NVMe and virtio-blk DMA through vtm (TCG under
    # ASan is about twice as slow: a longer boot timeout).
    VTM_QEMU="$bin/qemu-system-x86_64" \
    VTM_GUEST_TIMEOUT=${VTM_GUEST_TIMEOUT:-900} \
        run_tap asan/guest/block "$env" "$REPO/scripts/guest/test.sh" \
        --tap block
    san_check asan/guest/block "$LOGDIR/asan-guest-block.log" \
        "$REPO/build/guest-logs/block-vtm.log"
}

# fuzz (owned with scripts/fuzz.sh): each libFuzzer harness replays its
# corpus and its past crash inputs, then a short smoke run.
layer_fuzz() {
    run_tap fuzz "$REPO/scripts/fuzz.sh" check --tap
}

mkdir -p "$LOGDIR"
for layer in "${layers[@]}"; do
    if ! declare -F "layer_$layer" > /dev/null; then
        echo "check: unknown layer '$layer' (${DEFAULT_LAYERS[*]})" >&2
        exit 2
    fi
    "layer_$layer"
done

for s in "${skipped[@]}"; do
    echo "SKIPPED: $s"
done
[ ${#skipped[@]} -eq 0 ] || echo "${#skipped[@]} skipped"
for h in "${retried[@]}"; do
    echo "RETRIED (passed on a 2nd try): $h"
done
for b in "${broken[@]}"; do
    echo "FAILED: $b"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
