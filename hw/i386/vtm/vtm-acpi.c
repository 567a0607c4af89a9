/*
 * vtm: the ACPI DMA Remapping Reporting table (VT-d chapter 8).
 *
 * One DRHD per unit (vtm-units.c).  A unit naming a root bus lists the
 * devices and bridges on it in its device scope; the catch-all unit comes
 * last (8.3: Linux takes an INCLUDE_PCI_ALL unit as the one for whatever
 * the others do not list) with the I/O APIC in its scope.  It claims
 * INCLUDE_PCI_ALL only when no root bus bypasses the IOMMUs; otherwise it
 * too lists what it serves, so that a bypassing bus is in no scope.  An
 * ATSR reports the root ports of units with device-iotlb.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci-host/q35.h"
#include "hw/i386/acpi-common.h"
#include "hw/i386/vtm.h"
#include "vtm-units.h"

#define DMAR_FLAG_INTR_REMAP        0x1
#define DRHD_FLAG_INCLUDE_PCI_ALL   0x1
#define ATSR_FLAG_ALL_PORTS         0x1
#define SCOPE_TYPE_ENDPOINT         0x1
#define SCOPE_TYPE_BRIDGE           0x2
#define SCOPE_TYPE_IOAPIC           0x3
#define SCOPE_LEN                   8       /* header + one path entry */

/* 8.3.1 Device Scope Structure with a one-entry path */
static void vtm_dmar_scope(GArray *t, uint8_t type, uint8_t enum_id,
                           uint8_t bus, uint8_t devfn)
{
    build_append_int_noprefix(t, type, 1);
    build_append_int_noprefix(t, SCOPE_LEN, 1);
    build_append_int_noprefix(t, 0, 2);                     /* reserved */
    build_append_int_noprefix(t, enum_id, 1);
    build_append_int_noprefix(t, bus, 1);                   /* start bus */
    build_append_int_noprefix(t, PCI_SLOT(devfn), 1);
    build_append_int_noprefix(t, PCI_FUNC(devfn), 1);
}

/* A bridge's scope covers everything below it (8.3.1, PCI sub-hierarchy) */
static void vtm_dmar_device_scope(PCIBus *bus, PCIDevice *dev, void *opaque)
{
    uint8_t type = object_dynamic_cast(OBJECT(dev), TYPE_PCI_BRIDGE) ?
                   SCOPE_TYPE_BRIDGE : SCOPE_TYPE_ENDPOINT;

    vtm_dmar_scope(opaque, type, 0, pci_bus_num(bus), dev->devfn);
}

static void vtm_dmar_bus_devices(PCIBus *root, pci_bus_dev_fn fn,
                                 void *opaque)
{
    if (!pci_bus_bypass_iommu(root)) {
        pci_for_each_device_under_bus(root, fn, opaque);
    }
}

static bool vtm_dmar_bus_claimed(PCIBus *root)
{
    GSList *l;

    for (l = vtm_units_list(); l; l = l->next) {
        if (((VTMState *)l->data)->root_bus == root) {
            return true;
        }
    }
    return false;
}

/*
 * fn on each device on the root buses unit u translates: its own, and
 * for the catch-all every unclaimed expander bus too; none that bypasses.
 */
static void vtm_dmar_served_devices(VTMState *u, pci_bus_dev_fn fn,
                                    void *opaque)
{
    PCIBus *b;

    vtm_dmar_bus_devices(u->root_bus, fn, opaque);
    if (!u->catch_all) {
        return;
    }
    QLIST_FOREACH(b, &u->root_bus->child, sibling) {
        if (pci_bus_is_root(b) && !vtm_dmar_bus_claimed(b)) {
            vtm_dmar_bus_devices(b, fn, opaque);
        }
    }
}

/* 8.3 DMA Remapping Hardware Unit Definition */
static void vtm_dmar_drhd(VTMState *s, GArray *t)
{
    g_autoptr(GArray) scopes = g_array_new(false, true, 1);
    bool all = s->catch_all && !vtm_units_any_bypass();

    if (s->catch_all) {
        vtm_dmar_scope(scopes, SCOPE_TYPE_IOAPIC, ACPI_BUILD_IOAPIC_ID,
                       Q35_PSEUDO_BUS_PLATFORM, Q35_PSEUDO_DEVFN_IOAPIC);
    }
    if (!all) {
        vtm_dmar_served_devices(s, vtm_dmar_device_scope, scopes);
    }
    build_append_int_noprefix(t, 0, 2);                     /* type */
    build_append_int_noprefix(t, 16 + scopes->len, 2);      /* length */
    build_append_int_noprefix(t, all ? DRHD_FLAG_INCLUDE_PCI_ALL : 0, 1);
    /*
     * Size: the register window is 4 KiB << size.  Linux maps only that
     * much, so the performance monitoring registers (up to 16 KiB) need it.
     */
    build_append_int_noprefix(t, s->perfmon ? VTM_PM_DRHD_SIZE : 0, 1);
    build_append_int_noprefix(t, 0, 2);                     /* segment */
    build_append_int_noprefix(t, s->reg_base, 8);
    g_array_append_vals(t, scopes->data, scopes->len);
}

static void vtm_dmar_root_port(PCIBus *bus, PCIDevice *dev, void *opaque)
{
    if (pci_is_express(dev) &&
        pcie_cap_get_type(dev) == PCI_EXP_TYPE_ROOT_PORT) {
        vtm_dmar_scope(opaque, SCOPE_TYPE_BRIDGE, 0, pci_bus_num(bus),
                       dev->devfn);
    }
}

/*
 * 8.5 Root Port ATS Capability Reporting: every port when every unit
 * takes device-TLB invalidations and no bus bypasses; else the root
 * ports on the buses of the units that do.
 */
static void vtm_dmar_atsr(GArray *t)
{
    g_autoptr(GArray) scopes = g_array_new(false, true, 1);
    bool all = !vtm_units_any_bypass(), any = false;
    GSList *l;

    for (l = vtm_units_list(); l; l = l->next) {
        VTMState *u = l->data;

        if (X86_IOMMU_DEVICE(u)->dt_supported) {
            any = true;
            vtm_dmar_served_devices(u, vtm_dmar_root_port, scopes);
        } else {
            all = false;
        }
    }
    if (!any || (!all && !scopes->len)) {
        return;
    }
    build_append_int_noprefix(t, 2, 2);                     /* type */
    build_append_int_noprefix(t, 8 + (all ? 0 : scopes->len), 2);
    build_append_int_noprefix(t, all ? ATSR_FLAG_ALL_PORTS : 0, 1);
    build_append_int_noprefix(t, 0, 1);                     /* reserved */
    build_append_int_noprefix(t, 0, 2);                     /* segment */
    if (!all) {
        g_array_append_vals(t, scopes->data, scopes->len);
    }
}

void vtm_build_dmar(VTMState *s, GArray *table_data, BIOSLinker *linker,
                    const char *oem_id, const char *oem_table_id)
{
    X86IOMMUState *x86 = X86_IOMMU_DEVICE(s);
    AcpiTable table = { .sig = "DMAR", .rev = 1, .oem_id = oem_id,
                        .oem_table_id = oem_table_id };
    /*
     * 8.1: INTR_REMAP when remapping is on (the same on every unit).
     * X2APIC_OPT_OUT (bit 1) is never set: guests may use x2APIC, with
     * EIM when eim=on.
     */
    uint8_t flags = x86_iommu_ir_supported(x86) ? DMAR_FLAG_INTR_REMAP : 0;
    VTMState *catch_all = vtm_units_catch_all();
    GSList *l;

    acpi_table_begin(&table, table_data);
    build_append_int_noprefix(table_data, s->aw_bits - 1, 1); /* HAW */
    build_append_int_noprefix(table_data, flags, 1);
    build_append_int_noprefix(table_data, 0, 10);             /* reserved */
    for (l = vtm_units_list(); l; l = l->next) {
        if (l->data != catch_all) {
            vtm_dmar_drhd(l->data, table_data);
        }
    }
    if (catch_all) {
        vtm_dmar_drhd(catch_all, table_data);
    }
    vtm_dmar_atsr(table_data);
    acpi_table_end(linker, &table);
}
