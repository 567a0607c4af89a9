/*
 * vtm: several units on one machine (device glue, beside the QOM device).
 *
 * Each unit serves one PCI root bus: the one its 'root-bus' property names
 * (pcie.0 or a pxb-pcie expander's bus), or, without the property, pcie.0
 * and every root bus no other unit claims (the catch-all unit: QEMU's
 * pci_device_iommu_address_space() walks from an expander bus without
 * IOMMU ops up to pcie.0).  The catch-all unit also owns the I/O APIC.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_UNITS_H
#define HW_I386_VTM_UNITS_H

#include "hw/i386/vtm.h"

/* Apart between automatically placed register windows */
#define VTM_UNIT_STRIDE         0x4000

/*
 * Realize, before anything is set up: resolves s->root_bus and
 * s->reg_base, or fails naming the property.  vtm_units_add() then
 * enters the realized unit in the machine's list.
 */
bool vtm_units_check(VTMState *s, Error **errp);
void vtm_units_add(VTMState *s);

/* The unit serving pcie.0 and unclaimed buses; NULL before it realizes. */
VTMState *vtm_units_catch_all(void);
/* The units in realize order; the list is the module's. */
GSList *vtm_units_list(void);
/* Root buses whose devices DMA untranslated (bypass_iommu=on). */
bool vtm_units_any_bypass(void);

/*
 * The unit that remaps requester sid's interrupts, or NULL when sid sits
 * on a bus that bypasses the IOMMUs (its MSIs are not remapped).  An
 * invalid sid (the split irqchip's I/O APIC) belongs to the catch-all.
 */
VTMState *vtm_units_owner(uint16_t sid);

#endif
