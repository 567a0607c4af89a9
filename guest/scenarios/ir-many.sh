# Scenario "ir-many": more than 255 vCPUs, which x86 can address only
# with x2APIC and, without KVM's extended destination ID, interrupt
# remapping with 32-bit destinations (EIM).  vtm-iommu runs IR-only
# (dma-translation=off: SAGAW=0, no DMA translation advertised).  Checks
# that IR is on in x2apic mode, the kernel skipped DMA translation, every
# CPU came online, and an NVMe read issued on the last CPU (APIC ID above
# 255) completes through its remapped MSI-X vector on a CPU above 255.
#
# The slow target runs it (make check-slow):
#   VTM_OPTS=intremap=on,eim=on,dma-translation=off \
#   scripts/guest/run.sh ir-many \
#       --append "vtm.cpus=288 lpj=4000000 tsc=reliable" \
#       -- -smp 288 -cpu qemu64,+x2apic
# vtm-host-check: none
. /scenarios/lib.sh

want=${VTM_CPUS:-0}
dmesg > /tmp/dmesg.txt
grep -E 'DMAR|x2apic|Not attempting|smpboot: (Total|Allowing)|Brought up' \
    /tmp/dmesg.txt | grep -v 'Command line' | sed 's/^/VTM-DMESG: /'
has() { grep -qE "$1" /tmp/dmesg.txt; }
check 'dmesg: "DMAR-IR: Enabled IRQ remapping in x2apic mode"' \
    has 'DMAR-IR: Enabled IRQ remapping in x2apic mode'
check 'dmesg: DMA translation not attempted (IR-only unit)' \
    has 'Not attempting DMA translation'

online=$(cat /sys/devices/system/cpu/online)
ncpu=$(grep -c ^processor /proc/cpuinfo)
maxapic=$(awk '/^apicid/ { if ($3 > m) m = $3 } END { print m + 0 }' \
    /proc/cpuinfo)
info "cpus online $online ($ncpu), highest APIC ID $maxapic"
check "all $want CPUs online ($online)" [ "$online" = "0-$((want - 1))" ]
check "$ncpu CPUs in /proc/cpuinfo" [ "$ncpu" = "$want" ]
check "APIC IDs above 255 (highest $maxapic)" [ "$maxapic" -gt 255 ]

# Interrupts of NVMe's IR MSI-X lines on CPUs 256 and up.
high_irqs() {
    awk '/IR-PCI-MSI/ && /nvme/ {
            for (i = 2 + 256; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
         }
         END { print n + 0 }' /proc/interrupts
}
last=$((want - 1))
if wait_for /dev/nvme0n1 60; then
    before=$(high_irqs)
    if taskset -c "$last" dd if=/dev/nvme0n1 of=/dev/null bs=4k count=256 \
           iflag=direct 2>/tmp/dd.err; then
        ok "O_DIRECT read issued on CPU $last"
    else
        ddfail "read on CPU $last"
    fi
    after=$(high_irqs)
    info "NVMe interrupts on CPUs 256+: $before -> $after"
    check "NVMe completions on CPUs above 255 (+$((after - before)))" \
        [ "$after" -gt "$before" ]
else
    fail "/dev/nvme0n1 did not appear within 60 s"
fi

check_no_faults
finish "$ncpu CPUs online (APIC IDs up to $maxapic), IR-only unit in x2apic mode"
