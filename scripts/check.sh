#!/bin/bash
# Runs every test of the project and closes with "N passed, N failed".
# Each test program speaks TAP; its results are counted per test case.  A
# case reported "ok ... # SKIP reason" counts as skipped, not passed, and
# its reason is listed before the closing line.
# Usage: scripts/check.sh [unit|qtest|guest|asan]...   (default: all)
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
LOGDIR="$REPO/build/test-logs"
layers=("$@")
[ ${#layers[@]} -eq 0 ] && layers=(unit qtest guest asan)

passed=0
failed=0
skipped=()
broken=()

# run_tap NAME CMD...: runs one TAP program, counts its results.
run_tap() {
    local name=$1; shift
    local log="$LOGDIR/${name//\//-}.log"
    echo "== $name"
    "$@" --tap > "$log" 2>&1
    local rc=$?
    local ok nok skip line
    ok=$(grep -cE '^ok ' "$log")
    nok=$(grep -cE '^not ok ' "$log")
    grep -E '^(not )?ok ' "$log" | sed 's/^/   /'
    while IFS= read -r line; do
        skipped+=("$name: ${line#ok }")
    done < <(grep -E '^ok .*# SKIP' "$log")
    skip=$(grep -cE '^ok .*# SKIP' "$log")
    passed=$((passed + ok - skip))
    failed=$((failed + nok))
    if [ "$rc" -ne 0 ] || [ $((ok + nok)) -eq 0 ]; then
        if [ "$nok" -eq 0 ]; then
            failed=$((failed + 1))
        fi
        broken+=("$name (exit $rc, log $log)")
        tail -20 "$log" | sed 's/^/   | /'
    fi
}

# The asan layer (scripts/build-qemu-asan.sh, scripts/build-core-asan.sh):
# unit tests, qtests and the block guest scenario on builds under ASan and
# UBSan, with leak detection on (scripts/asan-env.sh).  A sanitizer report
# in a log fails its program even when the program exited 0.
asan_tap() {
    local name=$1; shift
    local log="$LOGDIR/${name//\//-}.log"
    run_tap "$name" "$REPO/scripts/asan-env.sh" "$@"
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
        failed=$((failed + 1))
        broken+=("$name: sanitizer report (log $log)")
        grep -m3 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" |
            sed 's/^/   | /'
    fi
}

asan_layer() {
    local t q bin="$REPO/build/qemu-asan"
    if ! "$REPO/scripts/build-core-asan.sh"; then
        broken+=("asan: core build"); failed=$((failed + 1)); return
    fi
    for t in "$REPO"/build/core-asan/test-vtm-*; do
        [ -f "$t" ] && [ -x "$t" ] && asan_tap "asan/unit/${t##*/}" "$t"
    done
    if ! "$REPO/scripts/build-qemu-asan.sh" tests/qtest/vtm-test \
            tests/qtest/vtm-ir-test tests/qtest/vtm-notify-test \
            > "$LOGDIR/build-qemu-asan.log" 2>&1; then
        tail -30 "$LOGDIR/build-qemu-asan.log"
        broken+=("asan: qemu build"); failed=$((failed + 1)); return
    fi
    for q in "$bin"/tests/qtest/vtm-*-test "$bin"/tests/qtest/vtm-test; do
        [ -f "$q" ] && [ -x "$q" ] || continue
        QTEST_QEMU_BINARY="$bin/qemu-system-x86_64" \
        QTEST_QEMU_IMG="$bin/qemu-img" \
            asan_tap "asan/qtest/${q##*/}" "$q"
    done
    # One guest scenario: NVMe and virtio-blk DMA through vtm.
    VTM_QEMU="$bin/qemu-system-x86_64" \
        asan_tap asan/guest/block "$REPO/scripts/guest/test.sh" block
    # QEMU's own output of the guest run is in the guest logs.
    if grep -qsE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
            "$REPO"/build/guest-logs/block-vtm.log; then
        failed=$((failed + 1))
        broken+=("asan/guest/block: sanitizer report (build/guest-logs)")
    fi
}

mkdir -p "$LOGDIR"
for layer in "${layers[@]}"; do
    case "$layer" in
    unit)
        if ! "$REPO/scripts/build-core.sh"; then
            broken+=("unit build"); failed=$((failed + 1)); continue
        fi
        for t in "$REPO"/build/core/test-vtm-*; do
            [ -f "$t" ] && [ -x "$t" ] && run_tap "unit/$(basename "$t")" "$t"
        done
        ;;
    qtest)
        if ! "$REPO/scripts/build-qemu.sh" tests/qtest/vtm-test \
                tests/qtest/vtm-ir-test tests/qtest/vtm-notify-test \
                > "$LOGDIR/build-qemu.log" 2>&1; then
            tail -30 "$LOGDIR/build-qemu.log"
            broken+=("qemu build"); failed=$((failed + 1)); continue
        fi
        QTEST_QEMU_BINARY="$REPO/build/qemu-build/qemu-system-x86_64" \
        QTEST_QEMU_IMG="$REPO/build/qemu-build/qemu-img" \
            run_tap qtest/vtm-test "$REPO/build/qemu-build/tests/qtest/vtm-test"
        QTEST_QEMU_BINARY="$REPO/build/qemu-build/qemu-system-x86_64" \
            run_tap qtest/vtm-ir-test \
            "$REPO/build/qemu-build/tests/qtest/vtm-ir-test"
        QTEST_QEMU_BINARY="$REPO/build/qemu-build/qemu-system-x86_64" \
            run_tap qtest/vtm-notify-test \
            "$REPO/build/qemu-build/tests/qtest/vtm-notify-test"
        ;;
    guest)
        # Linux guests on vtm-iommu (scripts/guest/test.sh): a few
        # minutes under TCG.
        if ! "$REPO/scripts/build-qemu.sh" > "$LOGDIR/build-qemu.log" 2>&1; then
            tail -30 "$LOGDIR/build-qemu.log"
            broken+=("qemu build"); failed=$((failed + 1)); continue
        fi
        run_tap guest/test "$REPO/scripts/guest/test.sh"
        ;;
    asan)
        asan_layer
        ;;
    *)
        echo "check: unknown layer '$layer' (unit, qtest, guest, asan)" >&2
        exit 2
        ;;
    esac
done

for s in "${skipped[@]}"; do
    echo "SKIPPED: $s"
done
[ ${#skipped[@]} -eq 0 ] || echo "${#skipped[@]} skipped"
for b in "${broken[@]}"; do
    echo "FAILED: $b"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
