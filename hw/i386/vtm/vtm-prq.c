/*
 * vtm: page requests (ECAP.PRS, VT-d 4.1 7.5-7.7), pure core: the page
 * request queue, its status and event, and the descriptors.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-prq.h"

void vtm_prq_encode(const VTMPageReq *r, uint64_t qw[4])
{
    uint64_t q0 = FIELD_DP64(0, PRQ_Q0, TYPE, VTM_PRQ_DESC_TYPE);
    uint64_t q1 = 0;

    q0 = FIELD_DP64(q0, PRQ_Q0, PASID_P, r->has_pasid);
    q0 = FIELD_DP64(q0, PRQ_Q0, PDP, r->pdp);
    q0 = FIELD_DP64(q0, PRQ_Q0, RID, r->rid);
    /* 7.5.1: PASID, execute and privilege only with a PASID */
    if (r->has_pasid) {
        q0 = FIELD_DP64(q0, PRQ_Q0, PASID, r->pasid);
        q0 = FIELD_DP64(q0, PRQ_Q0, EXE, r->exec);
        q0 = FIELD_DP64(q0, PRQ_Q0, PRIV, r->priv);
    }
    q1 = FIELD_DP64(q1, PRQ_Q1, RD, r->rd);
    q1 = FIELD_DP64(q1, PRQ_Q1, WR, r->wr);
    q1 = FIELD_DP64(q1, PRQ_Q1, LPIG, r->lpig);
    q1 = FIELD_DP64(q1, PRQ_Q1, PRGI, r->prgi);
    q1 = FIELD_DP64(q1, PRQ_Q1, ADDR, r->addr >> VTM_PAGE_SHIFT);
    qw[0] = q0;
    qw[1] = q1;
    qw[2] = r->pdp ? r->priv_data[0] : 0;
    qw[3] = r->pdp ? r->priv_data[1] : 0;
}

bool vtm_prq_decode(const uint64_t qw[4], VTMPageReq *r)
{
    memset(r, 0, sizeof(*r));
    if (FIELD_EX64(qw[0], PRQ_Q0, TYPE) != VTM_PRQ_DESC_TYPE) {
        return false;
    }
    r->has_pasid = FIELD_EX64(qw[0], PRQ_Q0, PASID_P);
    r->pdp = FIELD_EX64(qw[0], PRQ_Q0, PDP);
    r->rid = FIELD_EX64(qw[0], PRQ_Q0, RID);
    r->pasid = FIELD_EX64(qw[0], PRQ_Q0, PASID);
    r->exec = FIELD_EX64(qw[0], PRQ_Q0, EXE);
    r->priv = FIELD_EX64(qw[0], PRQ_Q0, PRIV);
    r->rd = FIELD_EX64(qw[1], PRQ_Q1, RD);
    r->wr = FIELD_EX64(qw[1], PRQ_Q1, WR);
    r->lpig = FIELD_EX64(qw[1], PRQ_Q1, LPIG);
    r->prgi = FIELD_EX64(qw[1], PRQ_Q1, PRGI);
    r->addr = FIELD_EX64(qw[1], PRQ_Q1, ADDR) << VTM_PAGE_SHIFT;
    if (r->pdp) {
        r->priv_data[0] = qw[2];
        r->priv_data[1] = qw[3];
    }
    return true;
}

bool vtm_pgrp_decode(const uint64_t qw[4], VTMPgrpResp *r)
{
    memset(r, 0, sizeof(*r));
    if (FIELD_EX64(qw[0], QI_LO, TYPE_LO) != VTM_QI_PGRP_RESP ||
        FIELD_EX64(qw[0], QI_LO, TYPE_HI)) {
        return false;
    }
    /* 7.7.1: reserved fields, and no private data (PDP not supported) */
    if ((qw[0] & VTM_QI_PGRP_LO_RSVD) || (qw[1] & VTM_QI_PGRP_HI_RSVD) ||
        qw[2] || qw[3]) {
        return false;
    }
    r->has_pasid = FIELD_EX64(qw[0], QI_PGRP_LO, PASID_P);
    r->rc = FIELD_EX64(qw[0], QI_PGRP_LO, RC);
    r->rid = FIELD_EX64(qw[0], QI_PGRP_LO, RID);
    r->pasid = FIELD_EX64(qw[0], QI_PGRP_LO, PASID);
    r->lpig = FIELD_EX64(qw[1], QI_PGRP_HI, LPIG);
    r->prgi = FIELD_EX64(qw[1], QI_PGRP_HI, PRGI);
    return true;
}

void vtm_pgrp_encode(const VTMPgrpResp *r, uint64_t qw[4])
{
    uint64_t q0 = FIELD_DP64(0, QI_LO, TYPE_LO, VTM_QI_PGRP_RESP);
    uint64_t q1 = 0;

    q0 = FIELD_DP64(q0, QI_PGRP_LO, PASID_P, r->has_pasid);
    q0 = FIELD_DP64(q0, QI_PGRP_LO, RC, r->rc);
    q0 = FIELD_DP64(q0, QI_PGRP_LO, RID, r->rid);
    q0 = FIELD_DP64(q0, QI_PGRP_LO, PASID, r->has_pasid ? r->pasid : 0);
    q1 = FIELD_DP64(q1, QI_PGRP_HI, LPIG, r->lpig);
    q1 = FIELD_DP64(q1, QI_PGRP_HI, PRGI, r->prgi);
    qw[0] = q0;
    qw[1] = q1;
    qw[2] = 0;
    qw[3] = 0;
}

void vtm_pgrp_answer(const VTMPageReq *r, uint8_t rc, VTMPgrpResp *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->rid = r->rid;
    resp->has_pasid = r->has_pasid;
    resp->pasid = r->has_pasid ? r->pasid : 0;
    resp->rc = rc;
    resp->lpig = r->lpig;
    resp->prgi = r->prgi;
}

void vtm_prq_reset(VTMPrq *q)
{
    q->pqa = 0;
    q->pqh = 0;
    q->pqt = 0;
    q->prs = 0;
    q->pectl = R_PECTL_IM_MASK;
}

uint64_t vtm_prq_size(const VTMPrq *q)
{
    return (uint64_t)VTM_PAGE_SIZE << FIELD_EX64(q->pqa, PQA, PQS);
}

uint64_t vtm_prq_base(const VTMPrq *q)
{
    return FIELD_EX64(q->pqa, PQA, PQA) << VTM_PAGE_SHIFT;
}

void vtm_prq_write_pqa(VTMPrq *q, uint64_t val)
{
    q->pqa = val & (R_PQA_PQA_MASK | R_PQA_PQS_MASK);
    /* offsets beyond a smaller queue wrap into it */
    q->pqh &= vtm_prq_size(q) - 1;
    q->pqt &= vtm_prq_size(q) - 1;
}

void vtm_prq_write_pqh(VTMPrq *q, uint64_t val)
{
    q->pqh = val & R_PQH_PQH_MASK & (vtm_prq_size(q) - 1);
}

void vtm_prq_write_prs(VTMPrq *q, uint32_t val)
{
    q->prs &= ~(val & (R_PRS_PPR_MASK | R_PRS_PRO_MASK));
}

bool vtm_prq_write_pectl(VTMPrq *q, uint32_t val)
{
    bool release;

    q->pectl = (q->pectl & ~R_PECTL_IM_MASK) | (val & R_PECTL_IM_MASK);
    release = !(q->pectl & R_PECTL_IM_MASK) && (q->pectl & R_PECTL_IP_MASK);
    if (release) {
        q->pectl &= ~R_PECTL_IP_MASK;
        q->events++;
    }
    return release;
}

bool vtm_prq_empty(const VTMPrq *q)
{
    return q->pqh == q->pqt;
}

static uint64_t vtm_prq_next(const VTMPrq *q, uint64_t off)
{
    return (off + VTM_PRQ_DESC_SIZE) & (vtm_prq_size(q) - 1);
}

bool vtm_prq_full(const VTMPrq *q)
{
    return vtm_prq_next(q, q->pqt) == q->pqh;
}

uint64_t vtm_prq_pending(const VTMPrq *q)
{
    return ((q->pqt - q->pqh) & (vtm_prq_size(q) - 1)) / VTM_PRQ_DESC_SIZE;
}

/*
 * The page request event (like the fault event, 7.6): a condition
 * newly set makes it pending (IP); it goes out unless IM holds it.
 */
static bool vtm_prq_event(VTMPrq *q)
{
    if (q->pectl & R_PECTL_IP_MASK) {
        return false;           /* one is held already */
    }
    if (q->pectl & R_PECTL_IM_MASK) {
        q->pectl |= R_PECTL_IP_MASK;
        return false;
    }
    q->events++;
    return true;
}

void vtm_prq_post(VTMPrq *q, const VTMPageReq *req, VTMPrqAction *act)
{
    memset(act, 0, sizeof(*act));
    if ((q->prs & R_PRS_PRO_MASK) || vtm_prq_full(q)) {
        if (q->prs & R_PRS_PRO_MASK) {
            act->post = VTM_PRQ_DROPPED;
            q->dropped++;
        } else {
            act->post = VTM_PRQ_OVERFLOW;
            q->overflows++;
            q->prs |= R_PRS_PRO_MASK;
            act->interrupt = vtm_prq_event(q);
        }
        /* 7.5: the group's last request gets the unit's own answer */
        if (req->lpig) {
            act->respond = true;
            vtm_pgrp_answer(req, VTM_PGRP_RC_SUCCESS, &act->resp);
            q->auto_responses++;
        }
        return;
    }
    act->post = VTM_PRQ_QUEUED;
    act->addr = vtm_prq_base(q) + q->pqt;
    vtm_prq_encode(req, act->qw);
    q->pqt = vtm_prq_next(q, q->pqt);
    q->queued++;
    if (!(q->prs & R_PRS_PPR_MASK)) {
        q->prs |= R_PRS_PPR_MASK;
        act->interrupt = vtm_prq_event(q);
    }
}
