/*
 * vtm: page requests in the device (ECAP.PRS, VT-d 4.1 7.5-7.7).
 *
 * The queue model (vtm-prq.c) owns the registers' values: every write
 * of PQH, PQT, PQA, PRS or PECTL goes through it and the register file
 * is refreshed from it, so what software reads is what the model holds.
 * Descriptors are written to guest memory through the unit's VTMMemOps,
 * the event interrupt uses PEDATA/PEADDR/PEUADDR and goes out with the
 * other messages once the lock is dropped (vtm-outbox.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-log.h"
#include "qemu/bswap.h"
#include "vtm-pri.h"
#include "vtm-fault.h"
#include "vtm-irq.h"
#include "vtm-stats.h"

void vtm_pri_set_sink(VTMState *s, VTMPriSink *sink)
{
    vtm_lock(s);
    s->pri_sink = sink;
    vtm_unlock(s);
}

/* The registers as the model holds them. */
static void vtm_pri_sync_regs_locked(VTMState *s)
{
    if (!s->cfg.prs) {
        return;
    }
    vtm_set64(s, A_PQH, s->prq.pqh);
    vtm_set64(s, A_PQT, s->prq.pqt);
    vtm_set64(s, A_PQA, s->prq.pqa);
    vtm_set32(s, A_PRS, s->prq.prs);
    vtm_set32(s, A_PECTL, s->prq.pectl);
}

void vtm_pri_reset_locked(VTMState *s)
{
    vtm_prq_reset(&s->prq);
    vtm_pri_sync_regs_locked(s);
}

void vtm_pri_post_load_locked(VTMState *s)
{
    if (!s->cfg.prs) {
        return;
    }
    s->prq.pqa = vtm_get64(s, A_PQA) & (R_PQA_PQA_MASK | R_PQA_PQS_MASK);
    s->prq.pqh = vtm_get64(s, A_PQH) & (vtm_prq_size(&s->prq) - 1);
    s->prq.pqt = vtm_get64(s, A_PQT) & (vtm_prq_size(&s->prq) - 1);
    s->prq.prs = vtm_get32(s, A_PRS) & (R_PRS_PPR_MASK | R_PRS_PRO_MASK);
    s->prq.pectl = vtm_get32(s, A_PECTL) &
                   (R_PECTL_IM_MASK | R_PECTL_IP_MASK);
    vtm_pri_sync_regs_locked(s);
}

static void vtm_pri_event(VTMState *s, VTMOutbox *out)
{
    vtm_outbox_msi(out, (uint64_t)vtm_get32(s, A_PEUADDR) << 32 |
                        vtm_get32(s, A_PEADDR), vtm_get32(s, A_PEDATA));
}

void vtm_pri_reg_written_locked(VTMState *s, VTMRegId id, uint64_t written,
                                VTMOutbox *out)
{
    VTMPrq *q = &s->prq;

    switch (id) {
    case VTM_REG_PQH:
        vtm_prq_write_pqh(q, vtm_get64(s, A_PQH));
        break;
    case VTM_REG_PQT:
        /* software sets the tail when it sets the queue up (11.4.11.2) */
        q->pqt = vtm_get64(s, A_PQT) & R_PQT_PQT_MASK &
                 (vtm_prq_size(q) - 1);
        break;
    case VTM_REG_PQA:
        vtm_prq_write_pqa(q, vtm_get64(s, A_PQA));
        break;
    case VTM_REG_PRS:
        vtm_prq_write_prs(q, written);
        break;
    case VTM_REG_PECTL:
        if (vtm_prq_write_pectl(q, vtm_get32(s, A_PECTL))) {
            vtm_pri_event(s, out);
        }
        break;
    default:
        return;
    }
    vtm_pri_sync_regs_locked(s);
}

static void vtm_pri_deliver_locked(VTMState *s, const VTMPgrpResp *resp)
{
    if (s->pri_sink) {
        s->pri_sink->respond(s->pri_sink, resp);
    }
}

/* 7.5: a request the unit refuses is a fault, recorded unless FPD. */
static void vtm_pri_fault_locked(VTMState *s, const VTMPageReq *req,
                                 VTMFaultReason fr, bool fpd,
                                 VTMOutbox *out)
{
    VTMFault f = {
        .reason = fr, .sid = req->rid, .addr = req->addr,
        .is_write = req->wr, .fpd = fpd, .has_pasid = req->has_pasid,
        .pasid = req->pasid, .priv = req->priv, .exec = req->exec,
    };
    VTMPgrpResp resp;

    vtm_fault_record_locked(s, &f, out);
    if (req->lpig) {
        vtm_pgrp_answer(req, VTM_PGRP_RC_INVALID, &resp);
        vtm_pri_deliver_locked(s, &resp);
    }
}

/* Writes the descriptor the queue model placed at act->addr (7.5.1). */
static void vtm_pri_write_desc_locked(VTMState *s, const VTMPrqAction *act)
{
    uint64_t buf[4];
    unsigned i;

    for (i = 0; i < 4; i++) {
        buf[i] = cpu_to_le64(act->qw[i]);
    }
    if (!s->mem.write(s->mem.opaque, act->addr, buf, sizeof(buf))) {
        vtm_guest_error("vtm: page request descriptor write to 0x%" PRIx64
                        " failed\n", act->addr);
    }
}

static VTMPriOutcome vtm_pri_post_locked(VTMState *s, const VTMPageReq *req,
                                         VTMOutbox *out)
{
    VTMPrqAction act;

    vtm_prq_post(&s->prq, req, &act);
    if (act.post == VTM_PRQ_QUEUED) {
        vtm_pri_write_desc_locked(s, &act);
    }
    vtm_pri_sync_regs_locked(s);
    if (act.interrupt) {
        vtm_pri_event(s, out);
    }
    if (act.respond) {
        vtm_pri_deliver_locked(s, &act.resp);
    }
    switch (act.post) {
    case VTM_PRQ_QUEUED:
        return VTM_PRI_QUEUED;
    case VTM_PRQ_OVERFLOW:
        vtm_guest_error("vtm: page request queue full (PRS.PRO set)\n");
        return VTM_PRI_OVERFLOW;
    default:
        return VTM_PRI_DROPPED;
    }
}

VTMPriOutcome vtm_pri_request(VTMState *s, const VTMPageReq *req,
                              VTMFaultReason *fr)
{
    VTMOutbox out = { 0 };
    VTMPriOutcome res = VTM_PRI_UNSUPPORTED;
    bool fpd = false;

    *fr = VTM_FR_NONE;
    vtm_lock(s);
    if (s->cfg.prs && s->translation_enabled) {
        *fr = vtm_core_page_request_check(&s->core, req, &fpd);
        if (*fr != VTM_FR_NONE) {
            vtm_pri_fault_locked(s, req, *fr, fpd, &out);
            res = VTM_PRI_FAULT;
        } else {
            res = vtm_pri_post_locked(s, req, &out);
        }
    }
    vtm_unlock(s);
    vtm_irq_outbox_flush(s, &out);
    return res;
}

bool vtm_pri_is_response(VTMState *s, const uint64_t *qw,
                         unsigned width_bits)
{
    return s->cfg.prs && width_bits == 256 &&
           FIELD_EX64(qw[0], QI_LO, TYPE_LO) == VTM_QI_PGRP_RESP &&
           !FIELD_EX64(qw[0], QI_LO, TYPE_HI);
}

bool vtm_pri_response_locked(VTMState *s, const uint64_t qw[4])
{
    VTMPgrpResp resp;

    /* 7.7.1: reserved fields set make an invalid descriptor (IQE) */
    if (!vtm_pgrp_decode(qw, &resp)) {
        return false;
    }
    s->prq.responses++;
    vtm_pri_deliver_locked(s, &resp);
    return true;
}
