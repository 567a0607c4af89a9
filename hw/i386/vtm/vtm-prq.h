/*
 * vtm: page requests (ECAP.PRS, VT-d 4.1 7.5-7.7), pure core.
 *
 * The page request queue in guest memory (PQA, PQH, PQT), its status
 * (PRS: PPR, PRO) and event interrupt control (PECTL), the page request
 * descriptor the unit writes into the queue and the page group
 * response descriptor software answers with through the invalidation
 * queue.  Everything here is data in, data out: the device glue owns
 * the registers' storage, writes descriptors to memory, sends the event
 * interrupt (PEDATA/PEADDR) and routes responses to the requester.
 *
 * How the glue drives it:
 *  - PQA/PQH writes: vtm_prq_write_pqa(), vtm_prq_write_pqh(); PQT, PRS
 *    and PECTL read back from VTMPrq; PRS writes: vtm_prq_write_prs()
 *    (RW1C); PECTL writes: vtm_prq_write_pectl(), which says whether a
 *    held event is to be sent now.
 *  - a requester's page request (its ATS translation found no usable
 *    mapping, and the context entry has PRE): vtm_prq_post() gives the
 *    descriptor and where to write it, whether to send the event
 *    interrupt, and whether the unit answers the requester itself (an
 *    overflow).
 *  - a type 9 descriptor in the invalidation queue (256-bit, scalable
 *    mode): vtm_pgrp_decode(); false is an invalid descriptor (IQE).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_PRQ_H
#define HW_I386_VTM_PRQ_H

#include "vtm-types.h"

/* One page request (PCIe PRI Page Request Message, 7.5.1). */
typedef struct VTMPageReq {
    uint16_t rid;               /* requester id */
    bool has_pasid;
    uint32_t pasid;             /* 20 bits, with has_pasid */
    bool exec;                  /* execute requested */
    bool priv;                  /* privileged mode requested */
    bool rd, wr;                /* access wanted */
    bool lpig;                  /* last page in group */
    uint16_t prgi;              /* page request group index, 9 bits */
    uint64_t addr;              /* the page, 4 KiB aligned */
    bool pdp;                   /* private data present */
    uint64_t priv_data[2];
} VTMPageReq;

/* A page group response (7.7.1). */
typedef struct VTMPgrpResp {
    uint16_t rid;
    bool has_pasid;
    uint32_t pasid;
    uint8_t rc;                 /* VTM_PGRP_RC_* */
    bool lpig;
    uint16_t prgi;
} VTMPgrpResp;

/* The 32-byte page request descriptor of r (7.5.1). */
void vtm_prq_encode(const VTMPageReq *r, uint64_t qw[4]);
/* The request a page request descriptor holds; false if not type 1. */
bool vtm_prq_decode(const uint64_t qw[4], VTMPageReq *r);

/*
 * A page group response descriptor (type 9, 7.7.1): false when it is
 * not one or has reserved bits set (an invalid descriptor, IQE).
 */
bool vtm_pgrp_decode(const uint64_t qw[4], VTMPgrpResp *r);
/* The descriptor software writes for r (tests, test devices). */
void vtm_pgrp_encode(const VTMPgrpResp *r, uint64_t qw[4]);
/* The response that answers request r with rc. */
void vtm_pgrp_answer(const VTMPageReq *r, uint8_t rc, VTMPgrpResp *resp);

/* The queue's registers and counters. */
typedef struct VTMPrq {
    uint64_t pqa;               /* PQA as written (reserved bits 0) */
    uint64_t pqh;               /* software's: next descriptor to read */
    uint64_t pqt;               /* the unit's: next descriptor to write */
    uint32_t prs;               /* R_PRS_PPR_MASK, R_PRS_PRO_MASK */
    uint32_t pectl;             /* R_PECTL_IM_MASK, R_PECTL_IP_MASK */
    /* counters */
    uint64_t queued;            /* descriptors written */
    uint64_t overflows;         /* requests that found the queue full */
    uint64_t dropped;           /* requests refused while PRO was set */
    uint64_t auto_responses;    /* responses the unit sent itself */
    uint64_t events;            /* event interrupts sent */
    uint64_t responses;         /* page group responses (the glue's) */
} VTMPrq;

/* Device reset: every register 0, IM set (11.4.11), counters kept. */
void vtm_prq_reset(VTMPrq *q);

/* Queue size in bytes: 2^PQS 4 KiB pages, 128 descriptors per page. */
uint64_t vtm_prq_size(const VTMPrq *q);
/* Queue base address (PQA.PQA). */
uint64_t vtm_prq_base(const VTMPrq *q);

void vtm_prq_write_pqa(VTMPrq *q, uint64_t val);
/* PQH: a byte offset of a descriptor, taken modulo the queue size. */
void vtm_prq_write_pqh(VTMPrq *q, uint64_t val);
/* PRS is RW1C: writing 1 clears PPR or PRO. */
void vtm_prq_write_prs(VTMPrq *q, uint32_t val);
/*
 * PECTL: software sets and clears IM; true when clearing IM releases a
 * held event (IP set): the glue sends the interrupt now.
 */
bool vtm_prq_write_pectl(VTMPrq *q, uint32_t val);

/* No descriptor between head and tail. */
bool vtm_prq_empty(const VTMPrq *q);
/* One more descriptor would make the tail reach the head. */
bool vtm_prq_full(const VTMPrq *q);
/* Descriptors written and not yet consumed. */
uint64_t vtm_prq_pending(const VTMPrq *q);

typedef enum VTMPrqPost {
    VTM_PRQ_QUEUED,             /* write act->qw at act->addr */
    VTM_PRQ_OVERFLOW,           /* queue full: PRO set now */
    VTM_PRQ_DROPPED,            /* PRO was already set */
} VTMPrqPost;

typedef struct VTMPrqAction {
    VTMPrqPost post;
    uint64_t addr;              /* QUEUED: guest address of the slot */
    uint64_t qw[4];             /* QUEUED: the descriptor */
    bool interrupt;             /* send the page request event now */
    bool respond;               /* the unit answers the requester: resp */
    VTMPgrpResp resp;
} VTMPrqAction;

/*
 * A page request reaches the unit (7.5): with room in the queue it is
 * written at PQT, PQT moves on (wrapping) and PPR is set; otherwise it
 * is not queued: the first such request sets PRO (overflow), and while
 * PRO stays set every request is refused, until software clears it.  A
 * request that is not queued and ends its group (LPIG) is answered by
 * the unit itself with a successful page group response, so that the
 * requester retries (and asks again) instead of waiting forever.
 * PPR or PRO going from 0 to 1 raises the page request event: sent at
 * once unless PECTL.IM holds it (IP set; vtm_prq_write_pectl()).
 */
void vtm_prq_post(VTMPrq *q, const VTMPageReq *req, VTMPrqAction *act);

#endif
