#!/bin/bash
# Soak: runs guest scenarios again and again on vtm-iommu and on QEMU's
# intel-iommu, round-robin, and prints failures per scenario and IOMMU.
#
# Usage: scripts/soak.sh [SCENARIO...]   (default: block strict net)
# Environment:
#   SOAK_RUNS=N        runs of each scenario on each IOMMU; unset: rounds
#                      until SOAK_MINUTES (default 60) have passed
#   SOAK_IOMMUS        default "vtm intel-sm" (scripts/guest/test.sh --iommu):
#                      vtm-iommu against intel-iommu in the same mode (Linux
#                      puts vtm in scalable mode with first-stage tables;
#                      intel-sm is intel-iommu there); "intel" adds QEMU's
#                      default legacy-mode intel-iommu
#   VTM_GUEST_LOCK     a lock file each guest run takes (flock), so other
#                      guest users of the machine interleave with the soak
#   VTM_QEMU           a QEMU binary to use instead of building one (e.g.
#                      the ASan build: scripts/asan-env.sh scripts/soak.sh
#                      with VTM_QEMU=build/qemu-asan/qemu-system-x86_64)
# Each run's output is kept in build/soak/IOMMU-SCENARIO-N.out, with the
# console log of a failed run next to it.  A run counts as a failure when
# its first try failed or hung, even if test.sh's second try passed.  Exit status 1 if any run failed.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT="$REPO/build/soak"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(block strict net)
read -r -a iommus <<< "${SOAK_IOMMUS:-vtm intel-sm}"
runs=${SOAK_RUNS:-}
deadline=$(( $(date +%s) + ${SOAK_MINUTES:-60} * 60 ))

if [ -z "${VTM_QEMU:-}" ]; then
    "$REPO/scripts/build-qemu.sh" > "$OUT.build.log" 2>&1 ||
        { tail -20 "$OUT.build.log"; exit 1; }
fi
mkdir -p "$OUT"
declare -A n fails secs
for s in "${scenarios[@]}"; do
    for i in "${iommus[@]}"; do
        n[$s/$i]=0; fails[$s/$i]=0; secs[$s/$i]=0
    done
done

# A marker of what went wrong in the console (panics, DMAR faults).
console_marks() {
    grep -aoE 'Kernel panic[^\r]*|corrupted stack end[^\r]*|BUG: [^\r]*|DMAR: \[DMA [^\r]*' \
        "$1" 2>/dev/null | head -3 | sed 's/^/    console: /'
}

one_run() {
    local s=$1 i=$2 k=$3 out="$OUT/$2-$1-$3.out" start rc t
    local -a lock=()
    [ -z "${VTM_GUEST_LOCK:-}" ] || lock=(flock "$VTM_GUEST_LOCK")
    start=$(date +%s)
    "${lock[@]}" "$REPO/scripts/guest/test.sh" --iommu "$i" "$s" \
        > "$out" 2>&1
    rc=$?
    # the run's own time (test.sh prints it), not the wait for the lock
    t=$(grep -m1 -oE ', [0-9]+ s\)' "$out" | tr -dc 0-9)
    n[$s/$i]=$((n[$s/$i] + 1))
    secs[$s/$i]=$((secs[$s/$i] + ${t:-$(( $(date +%s) - start ))}))
    # test.sh runs a failed test once more; a soak counts the first try
    if [ "$rc" -eq 0 ] && grep -qE '^# (HUNG|FAILED) ONCE' "$out"; then
        rc=1
        cp "$REPO/build/guest-logs/$s-$i-try1.log" \
            "$OUT/$i-$s-$k-hung.console" 2>/dev/null
    fi
    if [ "$rc" -ne 0 ]; then
        fails[$s/$i]=$((fails[$s/$i] + 1))
        cp "$REPO/build/guest-logs/$s-$i.log" "$OUT/$i-$s-$k.console" \
            2>/dev/null
        echo "soak: FAIL $s on $i, run $k ($out)"
        grep '^#' "$out" | head -5 | sed 's/^/    /'
        console_marks "$OUT/$i-$s-$k.console"
    else
        echo "soak: ok   $s on $i, run $k (${t:-?} s)"
    fi
}

round=0
while :; do
    if [ -n "$runs" ]; then
        [ "$round" -lt "$runs" ] || break
    elif [ "$round" -gt 0 ] && [ "$(date +%s)" -ge "$deadline" ]; then
        break
    fi
    round=$((round + 1))
    for s in "${scenarios[@]}"; do
        for i in "${iommus[@]}"; do
            one_run "$s" "$i" "$round"
        done
    done
done

total=0
echo
printf '%-12s %-8s %6s %9s %9s\n' scenario iommu runs failures 'mean s'
for s in "${scenarios[@]}"; do
    for i in "${iommus[@]}"; do
        k=$s/$i
        printf '%-12s %-8s %6d %9d %9d\n' "$s" "$i" "${n[$k]}" \
            "${fails[$k]}" $(( n[$k] ? secs[$k] / n[$k] : 0 ))
        total=$((total + fails[$k]))
    done
done
[ "$total" -eq 0 ]
