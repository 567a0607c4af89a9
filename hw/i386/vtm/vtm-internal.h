/*
 * vtm: declarations shared by the device glue files (not the core).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_INTERNAL_H
#define HW_I386_VTM_INTERNAL_H

#include "hw/i386/vtm.h"

/*
 * Work decided while s->lock is held and carried out after it is dropped:
 * interrupt messages go through the memory API (which may take the BQL)
 * and address-space switches need a memory transaction.
 */
typedef struct VTMOutbox {
    unsigned nmsi;
    struct {
        uint64_t addr;
        uint32_t data;
    } msi[4];
    bool switch_spaces;
} VTMOutbox;

void vtm_outbox_flush(VTMState *s, VTMOutbox *out);

/* vtm-mmio.c */
extern const MemoryRegionOps vtm_mmio_ops;
void vtm_regs_reset(VTMState *s);
uint32_t vtm_get32(VTMState *s, hwaddr off);
uint64_t vtm_get64(VTMState *s, hwaddr off);
void vtm_set32(VTMState *s, hwaddr off, uint32_t val);
void vtm_set64(VTMState *s, hwaddr off, uint64_t val);
uint64_t vtm_cap_value(VTMState *s);
uint64_t vtm_ecap_value(VTMState *s);

/* vtm-inv.c: register-based and queued invalidation */
void vtm_ccmd_write_locked(VTMState *s, VTMOutbox *out);
void vtm_iotlb_reg_write_locked(VTMState *s, VTMOutbox *out);
void vtm_qi_enable_locked(VTMState *s, bool enable);
void vtm_qi_process_locked(VTMState *s, VTMOutbox *out);

/* vtm-fault.c */
void vtm_fault_record_locked(VTMState *s, const VTMFault *f,
                             VTMOutbox *out);
void vtm_fault_status_changed_locked(VTMState *s, VTMOutbox *out);
void vtm_fault_fectl_written_locked(VTMState *s, VTMOutbox *out);
void vtm_fault_raise_status_locked(VTMState *s, uint32_t fsts_bits,
                                   VTMOutbox *out);
void vtm_inv_event_locked(VTMState *s, VTMOutbox *out);
void vtm_inv_iectl_written_locked(VTMState *s, VTMOutbox *out);

/* vtm-as.c */
void vtm_as_init(VTMState *s);
void vtm_as_switch_all(VTMState *s);
extern const PCIIOMMUOps vtm_pci_iommu_ops;

/* vtm-dma.c */
void vtm_dma_init(VTMState *s);

/* vtm-irq.c */
void vtm_irq_window_init(VTMState *s, MemoryRegion *mr, Object *owner);

#endif
