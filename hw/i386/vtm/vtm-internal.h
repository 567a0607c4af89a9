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
    /* Interrupt remapping changed: x86_iommu_iec_notify_all() */
    bool iec_notify;
    bool iec_global;
    uint32_t iec_index;
    uint32_t iec_mask;
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

/* vtm-irq.c: interrupt windows, int_remap, interrupt remapping state */
void vtm_irq_window_init(VTMState *s, MemoryRegion *mr, Object *owner);
void vtm_irq_space_window_init(VTMAddressSpace *vas);
int vtm_int_remap(X86IOMMUState *iommu, MSIMessage *src, MSIMessage *dst,
                  uint16_t sid);
void vtm_irq_outbox_flush(VTMState *s, VTMOutbox *out);
bool vtm_irq_send_event(VTMState *s, uint64_t addr, uint32_t data);
void vtm_irq_gcmd_locked(VTMState *s, uint32_t written, uint64_t mask,
                         uint32_t *sts, VTMOutbox *out);
void vtm_irq_irta_written_locked(VTMState *s);
void vtm_irq_iec_invalidate_locked(VTMState *s, const VTMInvIec *inv,
                                   VTMOutbox *out);
bool vtm_irq_check_properties(VTMState *s, Error **errp);
bool vtm_irq_realize(VTMState *s, Error **errp);
void vtm_irq_init(VTMState *s);
void vtm_irq_post_load_locked(VTMState *s);
extern const VMStateDescription vtm_irq_vmstate;

/* vtm-notify.c: IOMMU notifiers, replay, host devices */
void vtm_notify_inv_locked(VTMState *s, const VTMInvOp *op);
void vtm_notify_translation_locked(VTMState *s);
int vtm_notify_flag_changed(IOMMUMemoryRegion *iommu,
                            IOMMUNotifierFlag old, IOMMUNotifierFlag new,
                            Error **errp);
void vtm_notify_replay(IOMMUMemoryRegion *iommu, IOMMUNotifier *n);
bool vtm_notify_set_iommu_device(PCIBus *bus, void *opaque, int devfn,
                                 HostIOMMUDevice *hiod, Error **errp);
void vtm_notify_unset_iommu_device(PCIBus *bus, void *opaque, int devfn);

#endif
