# Scenario "boot": the kernel found the DMAR unit, enabled translation and
# queued invalidation, reported no DMAR fault, and put every PCI device in
# an IOMMU group of the type the command line asked for.
# vtm-host-check: none
. /scenarios/lib.sh

dmesg > /tmp/dmesg.txt
# The kernel's own words, for the log and the demo.
grep -E 'DMAR|IOMMU|iommu' /tmp/dmesg.txt | sed 's/^/VTM-DMESG: /'

has() { grep -qE "$1" /tmp/dmesg.txt; }
check 'dmesg: "DMAR: IOMMU enabled"' has 'DMAR: IOMMU enabled'
check 'dmesg: "DMAR: Host address width"' has 'DMAR: Host address width [0-9]+'
check 'dmesg: "DMAR: dmarN: Using Queued invalidation"' \
    has 'DMAR: dmar[0-9]+: Using Queued invalidation'
check 'dmesg: "Intel(R) Virtualization Technology for Directed I/O"' \
    has 'Intel\(R\) Virtualization Technology for Directed I/O'

faults=$(grep -E 'DMAR: \[(DMA |INTR-REMAP)|DMAR: DRHD: handling fault|DMAR:.*[Ff]ault' /tmp/dmesg.txt)
if [ -z "$faults" ]; then
    ok "no DMAR fault in dmesg"
else
    fail "DMAR fault: $(echo "$faults" | head -1)"
fi
bad=$(grep -E 'WARNING: CPU|BUG: |Oops|Call Trace|DMAR:.*( failed|[Ee]rror|[Bb]roken|[Ii]nvalid )' /tmp/dmesg.txt)
if [ -z "$bad" ]; then
    ok "no kernel warning, oops or DMAR error"
else
    fail "kernel: $(echo "$bad" | head -1)"
fi

# The unit as sysfs shows it, and its global status register read back.
unit=$(ls -d /sys/class/iommu/dmar* 2>/dev/null | head -1)
if [ -n "$unit" ]; then
    ok "IOMMU unit $(basename "$unit") registered"
    for f in version address cap ecap; do
        info "$(basename "$unit") $f $(cat "$unit/intel-iommu/$f" 2>/dev/null)"
    done
    base=$(cat "$unit/intel-iommu/address")
    gsts=$(devmem "$(printf '0x%x' $((0x$base + 0x1c)))" 32 2>/dev/null)
    if [ -n "$gsts" ]; then
        info "GSTS $gsts"
        check "GSTS.TES (translation enabled)" [ $((gsts >> 31 & 1)) = 1 ]
        check "GSTS.QIES (queued invalidation enabled)" [ $((gsts >> 26 & 1)) = 1 ]
    else
        info "GSTS not readable through /dev/mem (kernel refused); checked dmesg only"
    fi
else
    fail "no /sys/class/iommu/dmar* unit"
fi

# The translation mode the kernel put the unit in, from its registers
# (RTADDR.TTM, IQA.DW: /bin/dmar-regs); vtm.mode=scalable|legacy on the
# command line says which one the test expects.
if /bin/dmar-regs > /tmp/regs.txt; then
    cat /tmp/regs.txt
    mode=$(sed -n 's/.* mode \([a-z-]*\) (TTM.*/\1/p' /tmp/regs.txt | head -1)
    info "translation mode: $mode"
    for arg in $(cat /proc/cmdline); do
        case "$arg" in
        vtm.mode=*)
            want_mode=${arg#vtm.mode=}
            check "unit in $want_mode mode (RTADDR.TTM read back)" [ "$mode" = "$want_mode" ]
            if [ "$want_mode" = scalable ]; then
                check "256-bit invalidation descriptors (IQA.DW=1)" \
                    grep -q ' mode scalable (TTM 1) DW 1 ' /tmp/regs.txt
            fi
            ;;
        vtm.prq=1)
            # ECAP.PRS: Linux sets up its page request queue (PQA) and
            # its interrupt (PEDATA/PEADDR) on a unit with PASIDs
            check "page request queue enabled (dmar*-prq interrupt)" \
                grep -q 'dmar[0-9]*-prq' /proc/interrupts
            ;;
        esac
    done
else
    info "registers not readable through /dev/mem: mode not read"
fi

# The ACPI table the unit was described by.
if /bin/dmar-dump > /tmp/dmar.txt; then
    ok "ACPI DMAR table valid ($(tail -1 /tmp/dmar.txt))"
else
    fail "ACPI DMAR table: $(grep -m1 DMAR-ERROR /tmp/dmar.txt)"
fi
sed 's/^/VTM-INFO: acpi /' /tmp/dmar.txt

ngroups=$(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)
check "/sys/kernel/iommu_groups has $ngroups groups" [ "$ngroups" -gt 0 ]

# The group type the command line asks for: iommu=pt -> identity,
# iommu.strict=1 -> DMA, lazy (Debian's default) -> DMA-FQ.
want=DMA-FQ
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    iommu=pt) want=identity ;;
    iommu.strict=1) want=DMA ;;
    iommu.strict=0) want=DMA-FQ ;;
    iommu.passthrough=1) want=identity ;;
    esac
done
n=0 nogroup='' wrongtype=''
for d in /sys/bus/pci/devices/*; do
    n=$((n + 1))
    id="$(basename "$d") [$(cat "$d/vendor"):$(cat "$d/device")]"
    if [ ! -e "$d/iommu_group" ]; then
        nogroup="$nogroup $id"
        continue
    fi
    g=$(basename "$(readlink "$d/iommu_group")")
    t=$(cat "$d/iommu_group/type" 2>/dev/null)
    drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
    info "pci $id group $g type $t driver ${drv:-none}"
    [ "$t" = "$want" ] || wrongtype="$wrongtype $id:$t"
done
check "every PCI device ($n) in an IOMMU group" [ -z "$nogroup" ]
[ -z "$nogroup" ] || info "without group:$nogroup"
check "every group of type $want" [ -z "$wrongtype" ]
[ -z "$wrongtype" ] || info "other types:$wrongtype"

finish "DMAR unit on, QI on, $n PCI devices in $ngroups groups ($want), no faults"
