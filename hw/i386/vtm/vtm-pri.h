/*
 * vtm: page requests in the device (ECAP.PRS, VT-d 4.1 7.5-7.7): the
 * page request queue's registers, page requests from requesters and
 * page group responses from the invalidation queue.  The queue itself
 * is vtm-prq.c's pure model; this layer sits with fault recording,
 * below invalidation and MMIO dispatch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_PRI_H
#define HW_I386_VTM_PRI_H

#include "hw/i386/vtm.h"
#include "vtm-outbox.h"
#include "vtm-regs.h"

/*
 * A requester that makes page requests (the x-vtm-pasid-probe test
 * device: QEMU 10.0 has no PCI PRI).  respond() is called under the
 * unit's lock, like a message latched by the device: it records the
 * response and must not call back into the unit.
 */
typedef struct VTMPriSink {
    void (*respond)(struct VTMPriSink *sink, const VTMPgrpResp *resp);
} VTMPriSink;

/* Where page group responses go; NULL: nobody (they are dropped). */
void vtm_pri_set_sink(VTMState *s, VTMPriSink *sink);

/* Device reset: the queue's registers to their reset values. */
void vtm_pri_reset_locked(VTMState *s);
/* After migration: the queue model from the migrated registers. */
void vtm_pri_post_load_locked(VTMState *s);

/*
 * Software wrote PQH, PQT, PQA, PRS or PECTL (written: the bits of the
 * access); the model follows and a released event goes to out.
 */
void vtm_pri_reg_written_locked(VTMState *s, VTMRegId id, uint64_t written,
                                VTMOutbox *out);

/* What became of a page request (vtm_pri_request). */
typedef enum VTMPriOutcome {
    VTM_PRI_QUEUED,             /* written into the page request queue */
    VTM_PRI_OVERFLOW,           /* queue full: PRS.PRO set now */
    VTM_PRI_DROPPED,            /* PRS.PRO was set */
    VTM_PRI_FAULT,              /* refused with a recorded fault (*fr) */
    VTM_PRI_UNSUPPORTED,        /* no ECAP.PRS, or translation off */
} VTMPriOutcome;

/*
 * A page request from a requester (7.5): checked against its context
 * and PASID entries, queued with the event interrupt, or refused.  A
 * refused request that ends its group is answered by the unit itself
 * (through the sink).  Takes the lock; sends the interrupt after.
 */
VTMPriOutcome vtm_pri_request(VTMState *s, const VTMPageReq *req,
                              VTMFaultReason *fr);

/*
 * A page group response descriptor (type 9, 7.7.1) met in the
 * invalidation queue: false when it is not a valid one (IQE);
 * otherwise it is delivered to the requester.
 */
bool vtm_pri_response_locked(VTMState *s, const uint64_t qw[4]);

/* Whether qw is a type 9 descriptor this unit takes (PRS, 256-bit). */
bool vtm_pri_is_response(VTMState *s, const uint64_t *qw,
                         unsigned width_bits);

#endif
