/*
 * vtm: interrupts in the machine (device glue, above fault recording):
 * interrupt windows, KVM's int_remap hook, the interrupt remapping
 * register side effects, and sending what the outbox queued.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_IRQ_H
#define HW_I386_VTM_IRQ_H

#include "hw/i386/vtm.h"
#include "vtm-outbox.h"

/*
 * After s->lock is dropped: the event interrupts out holds, then the
 * IEC notifications.  (Address-space switches: vtm_as_outbox_flush().)
 */
void vtm_irq_outbox_flush(VTMState *s, VTMOutbox *out);

/* The shared untranslated view's interrupt window. */
void vtm_irq_window_init(VTMState *s, MemoryRegion *mr, Object *owner);
/* vas->intr_window: a requester's own window in its translated view. */
void vtm_irq_space_window_init(VTMAddressSpace *vas);

/* X86IOMMUClass.int_remap: KVM's MSI routes. */
int vtm_irq_int_remap(X86IOMMUState *iommu, MSIMessage *src,
                      MSIMessage *dst, uint16_t sid);

/* GCMD.SIRTP, IRE and CFI (11.4.4.1); *sts is the GSTS being built. */
void vtm_irq_gcmd_locked(VTMState *s, uint32_t written, uint64_t mask,
                         uint32_t *sts, VTMOutbox *out);
void vtm_irq_irta_written_locked(VTMState *s);
/* An IEC invalidation descriptor (6.5.2.7). */
void vtm_irq_iec_invalidate_locked(VTMState *s, const VTMInvIec *inv,
                                   VTMOutbox *out);

bool vtm_irq_check_properties(VTMState *s, Error **errp);
bool vtm_irq_realize(VTMState *s, Error **errp);
void vtm_irq_init(VTMState *s);
void vtm_irq_post_load_locked(VTMState *s);
extern const VMStateDescription vtm_irq_vmstate;

#endif
