/*
 * vtm: the ACPI DMA Remapping Reporting table (VT-d chapter 8).
 *
 * One DRHD covering every PCI device of segment 0 (INCLUDE_PCI_ALL), with
 * the I/O APIC in its device scope, and an ATSR when device-iotlb is on.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"
#include "hw/pci-host/q35.h"
#include "hw/i386/acpi-common.h"
#include "hw/i386/vtm.h"

#define DMAR_FLAG_INTR_REMAP        0x1
#define DRHD_FLAG_INCLUDE_PCI_ALL   0x1
#define ATSR_FLAG_ALL_PORTS         0x1
#define SCOPE_TYPE_IOAPIC           0x3
#define SCOPE_IOAPIC_LEN            8       /* header + one path entry */

/* 8.3.1 Device Scope Structure for the root-complex I/O APIC */
static void vtm_dmar_ioapic_scope(GArray *t)
{
    build_append_int_noprefix(t, SCOPE_TYPE_IOAPIC, 1);
    build_append_int_noprefix(t, SCOPE_IOAPIC_LEN, 1);
    build_append_int_noprefix(t, 0, 2);                     /* reserved */
    build_append_int_noprefix(t, ACPI_BUILD_IOAPIC_ID, 1);  /* enum. id */
    build_append_int_noprefix(t, Q35_PSEUDO_BUS_PLATFORM, 1);
    build_append_int_noprefix(t, PCI_SLOT(Q35_PSEUDO_DEVFN_IOAPIC), 1);
    build_append_int_noprefix(t, PCI_FUNC(Q35_PSEUDO_DEVFN_IOAPIC), 1);
}

/* 8.3 DMA Remapping Hardware Unit Definition */
static void vtm_dmar_drhd(VTMState *s, GArray *t)
{
    build_append_int_noprefix(t, 0, 2);                     /* type */
    build_append_int_noprefix(t, 16 + SCOPE_IOAPIC_LEN, 2); /* length */
    build_append_int_noprefix(t, DRHD_FLAG_INCLUDE_PCI_ALL, 1);
    /*
     * Size: the register window is 4 KiB << size.  Linux maps only that
     * much, so the performance monitoring registers (up to 16 KiB) need it.
     */
    build_append_int_noprefix(t, s->perfmon ? VTM_PM_DRHD_SIZE : 0, 1);
    build_append_int_noprefix(t, 0, 2);                     /* segment */
    build_append_int_noprefix(t, VTM_DEFAULT_BASE, 8);
    vtm_dmar_ioapic_scope(t);
}

/* 8.5 Root Port ATS Capability Reporting */
static void vtm_dmar_atsr(GArray *t)
{
    build_append_int_noprefix(t, 2, 2);                     /* type */
    build_append_int_noprefix(t, 8, 2);                     /* length */
    build_append_int_noprefix(t, ATSR_FLAG_ALL_PORTS, 1);
    build_append_int_noprefix(t, 0, 1);                     /* reserved */
    build_append_int_noprefix(t, 0, 2);                     /* segment */
}

void vtm_build_dmar(VTMState *s, GArray *table_data, BIOSLinker *linker,
                    const char *oem_id, const char *oem_table_id)
{
    X86IOMMUState *x86 = X86_IOMMU_DEVICE(s);
    AcpiTable table = { .sig = "DMAR", .rev = 1, .oem_id = oem_id,
                        .oem_table_id = oem_table_id };
    /*
     * 8.1: INTR_REMAP when remapping is on.  X2APIC_OPT_OUT (bit 1) is
     * never set: guests may use x2APIC, with EIM when eim=on.
     */
    uint8_t flags = x86_iommu_ir_supported(x86) ? DMAR_FLAG_INTR_REMAP : 0;

    acpi_table_begin(&table, table_data);
    build_append_int_noprefix(table_data, s->aw_bits - 1, 1); /* HAW */
    build_append_int_noprefix(table_data, flags, 1);
    build_append_int_noprefix(table_data, 0, 10);             /* reserved */
    vtm_dmar_drhd(s, table_data);
    if (x86->dt_supported) {
        vtm_dmar_atsr(table_data);
    }
    acpi_table_end(linker, &table);
}
