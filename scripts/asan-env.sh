#!/bin/bash
# Runs a command with the project's sanitizer options: leak detection on,
# the first AddressSanitizer or UndefinedBehaviorSanitizer report fatal
# (exit code 66 for ASan, a non-zero exit for UBSan), with a stack trace.
# Known reports in QEMU itself (not vtm) are listed in
# scripts/lsan-suppressions.txt and scripts/ubsan-suppressions.txt.
#   scripts/asan-env.sh CMD [ARGS...]
REPO=$(cd "$(dirname "$0")/.." && pwd)
export ASAN_OPTIONS="detect_leaks=1:exitcode=66:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$REPO/scripts/ubsan-suppressions.txt${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$REPO/scripts/lsan-suppressions.txt:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
exec "$@"
