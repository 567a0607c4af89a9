/*
 * vtm: work decided while the unit's lock is held, done after it is
 * dropped (device glue).
 *
 * Interrupt messages go through the memory API (which may take the
 * BQL), KVM's routes are recomputed through int_remap (which takes the
 * lock) and address-space switches need a memory transaction: none of
 * them may run under s->lock.  The layer that decides one queues it here
 * as data, and the entry point that took the lock flushes the outbox
 * after dropping it with the flush of the layer that owns the work:
 * vtm_irq_outbox_flush() (messages, IEC notifications) or
 * vtm_as_outbox_flush() (those, then address-space switches).  So no
 * layer calls up into one above it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_OUTBOX_H
#define HW_I386_VTM_OUTBOX_H

typedef struct VTMOutbox {
    /* The unit's event interrupts (fault, invalidation completion) */
    unsigned nmsi;
    struct {
        uint64_t addr;
        uint32_t data;
    } msi[4];
    /* Interrupt remapping changed: x86_iommu_iec_notify_all() */
    bool iec_notify;
    bool iec_global;
    uint32_t iec_index;
    uint32_t iec_mask;
    /* GSTS.TES changed: each requester's address space follows it */
    bool switch_spaces;
} VTMOutbox;

/*
 * An empty outbox without zeroing all of it: the fields the flushes read
 * before anything was queued.  For the translation hot path, whose
 * outbox is VTM_NOINIT (vtm-types.h); a new "anything queued" field
 * must be cleared here too.
 */
static inline void vtm_outbox_init(VTMOutbox *out)
{
    out->nmsi = 0;
    out->iec_notify = false;
    out->switch_spaces = false;
}

static inline void vtm_outbox_msi(VTMOutbox *out, uint64_t addr,
                                  uint32_t data)
{
    if (out->nmsi < ARRAY_SIZE(out->msi)) {
        out->msi[out->nmsi].addr = addr;
        out->msi[out->nmsi].data = data;
        out->nmsi++;
    }
}

#endif
