# Scenario "ir-x2apic": interrupt remapping in x2APIC mode.  The kernel
# enabled IRQ remapping in x2apic mode on vtm-iommu (intremap=on, eim=on),
# the I/O APIC and the MSI-X vectors of NVMe and virtio-blk sit in IR
# domains, and those vectors keep firing while both disks are read and
# checked (every completion is an interrupt remapped by vtm).
#
# Needs a CPU with x2APIC, e.g.:
#   VTM_OPTS=intremap=on,eim=on scripts/guest/run.sh ir-x2apic -- -cpu max
# (intremap and eim are on by default under TCG; run.sh passes
# no_timer_check, see there.)
# vtm-host-check: none
. /scenarios/lib.sh

dmesg > /tmp/dmesg.txt
grep -E 'DMAR-IR|x2apic|IRQ remapping|INTR-REMAP' /tmp/dmesg.txt |
    sed 's/^/VTM-DMESG: /'
has() { grep -qE "$1" /tmp/dmesg.txt; }
check 'dmesg: "DMAR-IR: Enabled IRQ remapping in x2apic mode"' \
    has 'DMAR-IR: Enabled IRQ remapping in x2apic mode'
check 'dmesg: "x2apic enabled"' has 'x2apic enabled'
check 'cpu flag x2apic' grep -qw x2apic /proc/cpuinfo

# Interrupts of a device, summed over CPUs, on its IR MSI-X lines.
irq_sum() {
    awk -v dev="$1" '
        $0 ~ dev && $0 ~ /IR-PCI-MSI/ {
            for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
        }
        END { print n + 0 }' /proc/interrupts
}
ir_lines() { grep -E "$1" /proc/interrupts | grep -c 'IR-PCI-MSI'; }

check 'I/O APIC interrupts through IR-IO-APIC' grep -q 'IR-IO-APIC' \
    /proc/interrupts
wait_for /dev/nvme0n1 30 && wait_for /dev/vda 30
nvme_lines=$(ir_lines nvme)
vblk_lines=$(ir_lines virtio)
check "NVMe MSI-X vectors in an IR domain ($nvme_lines)" [ "$nvme_lines" -gt 0 ]
check "virtio-blk MSI-X vectors in an IR domain ($vblk_lines)" \
    [ "$vblk_lines" -gt 0 ]
grep -E 'IR-|CPU0' /proc/interrupts | head -20 | sed 's/^/VTM-INFO: /'

nvme0=$(irq_sum nvme)
vblk0=$(irq_sum virtio)
disk_test nvme /dev/nvme0n1 "$VTM_SHA_NVME" read
disk_test vblk /dev/vda "$VTM_SHA_VBLK" read
nvme1=$(irq_sum nvme)
vblk1=$(irq_sum virtio)
info "interrupts: nvme $nvme0 -> $nvme1, virtio $vblk0 -> $vblk1"
check "NVMe completions arrived as remapped interrupts ($((nvme1 - nvme0)))" \
    [ "$nvme1" -gt "$nvme0" ]
check "virtio-blk completions arrived as remapped interrupts ($((vblk1 - vblk0)))" \
    [ "$vblk1" -gt "$vblk0" ]

check_no_faults
finish "IR in x2apic mode; NVMe +$((nvme1 - nvme0)) and virtio +$((vblk1 - vblk0)) remapped MSI-X interrupts, data verified"
