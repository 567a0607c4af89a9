/*
 * vtm: per-requester DMA address spaces and the IOMMU memory region
 * (device glue, above invalidation).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_AS_H
#define HW_I386_VTM_AS_H

#include "hw/i386/vtm.h"
#include "vtm-outbox.h"

/* pci_setup_iommu()'s ops: address spaces and host devices. */
extern const PCIIOMMUOps vtm_as_pci_iommu_ops;

void vtm_as_init(VTMState *s);

/* Every requester's address space follows GSTS.TES (takes s->lock). */
void vtm_as_switch_all(VTMState *s);

/*
 * After s->lock is dropped: what out holds, the interrupt layer's part
 * first (vtm_irq_outbox_flush()), then address-space switches.
 */
void vtm_as_outbox_flush(VTMState *s, VTMOutbox *out);

/*
 * Translates a request that no PCI function's address space carries,
 * for x-vtm-pasid-probe (requests with PASID): translated, faulted and
 * counted like any DMA request of req->sid.
 */
void vtm_as_probe_translate(VTMState *s, const VTMRequest *req,
                            VTMResult *res);

#endif
