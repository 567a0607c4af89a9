/*
 * vtm: several units on one machine: which root bus each serves, where
 * its registers sit, and which unit owns a requester's interrupts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "hw/pci/pci_bus.h"
#include "hw/i386/pc.h"
#include "system/system.h"
#include "vtm-units.h"
#include "vtm-pmu.h"

static GSList *vtm_units;       /* realize order */
static Notifier vtm_units_done_notifier;

static PCIBus *vtm_units_pcie0(void)
{
    return PC_MACHINE(qdev_get_machine())->pcibus;
}

GSList *vtm_units_list(void)
{
    return vtm_units;
}

VTMState *vtm_units_catch_all(void)
{
    GSList *l;

    for (l = vtm_units; l; l = l->next) {
        VTMState *u = l->data;

        if (u->catch_all) {
            return u;
        }
    }
    return NULL;
}

/* pcie.0, or the root bus of a pxb-pcie expander, by its name (its id) */
static PCIBus *vtm_units_find_root_bus(const char *name)
{
    PCIBus *pcie0 = vtm_units_pcie0();
    PCIBus *b;

    if (!strcmp(BUS(pcie0)->name, name)) {
        return pcie0;
    }
    QLIST_FOREACH(b, &pcie0->child, sibling) {
        if (pci_bus_is_root(b) && !strcmp(BUS(b)->name, name)) {
            return b;
        }
    }
    return NULL;
}

bool vtm_units_any_bypass(void)
{
    PCIBus *pcie0 = vtm_units_pcie0();
    PCIBus *b;

    if (pci_bus_bypass_iommu(pcie0)) {
        return true;
    }
    QLIST_FOREACH(b, &pcie0->child, sibling) {
        if (pci_bus_is_root(b) && pci_bus_bypass_iommu(b)) {
            return true;
        }
    }
    return false;
}

static bool vtm_units_resolve_bus(VTMState *s, Error **errp)
{
    GSList *l;

    s->catch_all = !s->root_bus_name;
    s->root_bus = s->catch_all ? vtm_units_pcie0()
                               : vtm_units_find_root_bus(s->root_bus_name);
    if (!s->root_bus) {
        error_setg(errp, "vtm-iommu: property 'root-bus': no root bus "
                   "'%s' (pcie.0 or the id of a pxb-pcie given before "
                   "this unit)", s->root_bus_name);
        return false;
    }
    if (s->root_bus == vtm_units_pcie0()) {
        s->catch_all = true;    /* unclaimed expander buses reach pcie.0 */
    } else if (pci_bus_bypass_iommu(s->root_bus)) {
        error_setg(errp, "vtm-iommu: property 'root-bus': bus '%s' bypasses "
                   "the IOMMU (bypass_iommu=on)", s->root_bus_name);
        return false;
    }
    for (l = vtm_units; l; l = l->next) {
        VTMState *u = l->data;

        if (u->root_bus == s->root_bus) {
            error_setg(errp, "vtm-iommu: property 'root-bus': bus '%s' "
                       "already has a unit%s", BUS(s->root_bus)->name,
                       s->catch_all ? " (the one without 'root-bus', which "
                       "serves pcie.0 and unclaimed buses)" : "");
            return false;
        }
    }
    return true;
}

static bool vtm_units_overlap(uint64_t base, uint64_t size, VTMState *u)
{
    uint64_t ubase = u->reg_base, usize = vtm_pmu_window_size(u);

    return base < ubase + usize && ubase < base + size;
}

/*
 * The catch-all unit sits where a single unit always did; the others
 * follow it, in realize order, VTM_UNIT_STRIDE apart.
 */
static uint64_t vtm_units_auto_base(VTMState *s)
{
    unsigned k = 1;
    GSList *l;

    if (s->catch_all) {
        return VTM_DEFAULT_BASE;
    }
    for (l = vtm_units; l; l = l->next) {
        k += !((VTMState *)l->data)->catch_all;
    }
    return VTM_DEFAULT_BASE + (uint64_t)k * VTM_UNIT_STRIDE;
}

static bool vtm_units_place(VTMState *s, Error **errp)
{
    uint64_t size = vtm_pmu_window_size(s);
    GSList *l;

    if (!s->reg_base) {
        s->reg_base = vtm_units_auto_base(s);
    } else if (s->reg_base & (size - 1) ||
               s->reg_base > UINT32_MAX - size + 1) {
        error_setg(errp, "vtm-iommu: property 'reg-base' must be a multiple "
                   "of 0x%" PRIx64 " below 4 GiB (got 0x%" PRIx64 ")", size,
                   s->reg_base);
        return false;
    }
    for (l = vtm_units; l; l = l->next) {
        if (vtm_units_overlap(s->reg_base, size, l->data)) {
            error_setg(errp, "vtm-iommu: property 'reg-base': registers at "
                       "0x%" PRIx64 " overlap another unit's at 0x%" PRIx64
                       "; set 'reg-base' apart", s->reg_base,
                       ((VTMState *)l->data)->reg_base);
            return false;
        }
    }
    return true;
}

/* One DMAR table describes every unit: the flags it has once must agree. */
static bool vtm_units_agree(VTMState *s, Error **errp)
{
    VTMState *u = vtm_units ? vtm_units->data : NULL;

    if (u && x86_iommu_ir_supported(X86_IOMMU_DEVICE(u)) !=
        x86_iommu_ir_supported(X86_IOMMU_DEVICE(s))) {
        error_setg(errp, "vtm-iommu: property 'intremap' must be the same "
                   "on every unit (the DMAR table's INTR_REMAP is global)");
        return false;
    }
    if (u && u->aw_bits != s->aw_bits) {
        error_setg(errp, "vtm-iommu: property 'aw-bits' must be the same "
                   "on every unit (the DMAR table's host address width)");
        return false;
    }
    return true;
}

/* Without a unit on pcie.0 the I/O APIC would have none. */
static void vtm_units_machine_done(Notifier *n, void *data)
{
    if (vtm_units && !vtm_units_catch_all()) {
        error_report("vtm-iommu: no unit serves pcie.0: leave 'root-bus' "
                     "off one unit (it also owns the I/O APIC)");
        exit(1);
    }
}

bool vtm_units_check(VTMState *s, Error **errp)
{
    return vtm_units_resolve_bus(s, errp) && vtm_units_place(s, errp) &&
           vtm_units_agree(s, errp);
}

void vtm_units_add(VTMState *s)
{
    if (!vtm_units) {
        vtm_units_done_notifier.notify = vtm_units_machine_done;
        qemu_add_machine_init_done_notifier(&vtm_units_done_notifier);
    }
    vtm_units = g_slist_append(vtm_units, s);
}

/* The root bus a bus hangs from (itself for pcie.0 and expander buses) */
static PCIBus *vtm_units_root_of(PCIBus *bus)
{
    return pci_bus_is_root(bus) ? bus : pci_device_root_bus(bus->parent_dev);
}

typedef struct VTMBusLookup {
    int num;
    PCIBus *found;
} VTMBusLookup;

static void *vtm_units_match_bus(PCIBus *bus, void *opaque)
{
    VTMBusLookup *l = opaque;

    if (!l->found && pci_bus_num(bus) == l->num) {
        l->found = bus;
    }
    return opaque;
}

/*
 * Expander buses are children of pcie.0: one walk sees every bus, parents
 * first (a bridge the guest has not numbered yet says bus 0).
 */
static PCIBus *vtm_units_find_bus_nr(int num)
{
    VTMBusLookup l = { .num = num };

    pci_for_each_bus_depth_first(vtm_units_pcie0(), vtm_units_match_bus,
                                 NULL, &l);
    return l.found;
}

VTMState *vtm_units_owner(uint16_t sid)
{
    VTMState *catch_all = vtm_units_catch_all();
    PCIBus *bus, *root;
    GSList *l;

    if (sid == X86_IOMMU_SID_INVALID) {
        return catch_all;
    }
    /* Bus numbers are the guest's: one it has not given goes nowhere. */
    bus = vtm_units_find_bus_nr(PCI_BUS_NUM(sid));
    if (!bus) {
        return catch_all;
    }
    if (pci_bus_bypass_iommu(bus)) {
        return NULL;
    }
    root = vtm_units_root_of(bus);
    for (l = vtm_units; l; l = l->next) {
        VTMState *u = l->data;

        if (u->root_bus == root) {
            return u;
        }
    }
    return catch_all;
}
