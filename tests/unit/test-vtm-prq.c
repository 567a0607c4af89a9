/*
 * Unit tests of vtm's page request core (vtm-prq.[ch], VT-d 4.1
 * 7.5-7.7): the descriptors' layout against hand-encoded qwords, the
 * queue's wrap and full conditions with PRO, the event interrupt under
 * PECTL.IM, the page group response decode with its reserved bits,
 * and the unit's checks of a page request against its context.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-prq.h"
#include "vtm-core.h"
#include "vtm-enc-sm.h"

#define PQ_BASE     0x7000000ULL

static VTMPageReq req_n(unsigned n, bool lpig)
{
    VTMPageReq r = {
        .rid = 0x0308, .has_pasid = true, .pasid = 0x100 + n,
        .rd = true, .wr = n & 1, .lpig = lpig, .prgi = n & 0x1ff,
        .addr = 0x40000000ULL + ((uint64_t)n << 12),
    };

    return r;
}

static void assert_req_eq(const VTMPageReq *a, const VTMPageReq *b)
{
    g_assert_cmphex(a->rid, ==, b->rid);
    g_assert_cmpint(a->has_pasid, ==, b->has_pasid);
    g_assert_cmphex(a->pasid, ==, b->pasid);
    g_assert_cmpint(a->exec, ==, b->exec);
    g_assert_cmpint(a->priv, ==, b->priv);
    g_assert_cmpint(a->rd, ==, b->rd);
    g_assert_cmpint(a->wr, ==, b->wr);
    g_assert_cmpint(a->lpig, ==, b->lpig);
    g_assert_cmphex(a->prgi, ==, b->prgi);
    g_assert_cmphex(a->addr, ==, b->addr);
    g_assert_cmpint(a->pdp, ==, b->pdp);
    g_assert_cmphex(a->priv_data[0], ==, b->priv_data[0]);
    g_assert_cmphex(a->priv_data[1], ==, b->priv_data[1]);
}

/* 7.5.1 layout, bit by bit. */
static void test_desc_layout(void)
{
    VTMPageReq r = {
        .rid = 0x1234, .has_pasid = true, .pasid = 0xabcde, .exec = true,
        .priv = true, .rd = true, .wr = true, .lpig = true, .prgi = 0x1a5,
        .addr = 0x123456789000ULL, .pdp = true,
        .priv_data = { 0x1111, 0x2222 },
    }, back;
    uint64_t qw[4];

    vtm_prq_encode(&r, qw);
    g_assert_cmphex(qw[0], ==, 0x1ULL | 1ULL << 8 | 1ULL << 9 |
                    0x1234ULL << 16 | 0xabcdeULL << 32 | 1ULL << 52 |
                    1ULL << 53);
    g_assert_cmphex(qw[1], ==, 1ULL | 2ULL | 4ULL | 0x1a5ULL << 3 |
                    0x123456789000ULL);
    g_assert_cmphex(qw[2], ==, 0x1111);
    g_assert_cmphex(qw[3], ==, 0x2222);
    g_assert(vtm_prq_decode(qw, &back));
    assert_req_eq(&back, &r);

    /* without PASID, none of the PASID fields */
    r.has_pasid = false;
    r.pdp = false;
    vtm_prq_encode(&r, qw);
    g_assert_cmphex(qw[0], ==, 0x1ULL | 0x1234ULL << 16);
    g_assert_cmphex(qw[2] | qw[3], ==, 0);
    qw[0] = FIELD_DP64(qw[0], PRQ_Q0, TYPE, 2);
    g_assert_false(vtm_prq_decode(qw, &back));
}

/* 7.7.1 layout and its reserved bits. */
static void test_pgrp(void)
{
    VTMPageReq req = req_n(5, true);
    VTMPgrpResp resp, back;
    uint64_t qw[4], bad[4];
    unsigned bit;

    vtm_pgrp_answer(&req, VTM_PGRP_RC_INVALID, &resp);
    vtm_pgrp_encode(&resp, qw);
    g_assert_cmphex(qw[0], ==, 0x9ULL | 1ULL << 4 | 0x1ULL << 12 |
                    0x0308ULL << 16 | 0x105ULL << 32);
    g_assert_cmphex(qw[1], ==, 1ULL << 2 | 5ULL << 3);
    g_assert(vtm_pgrp_decode(qw, &back));
    g_assert_cmphex(back.rid, ==, resp.rid);
    g_assert_cmpint(back.has_pasid, ==, resp.has_pasid);
    g_assert_cmphex(back.pasid, ==, resp.pasid);
    g_assert_cmpuint(back.rc, ==, resp.rc);
    g_assert_cmpint(back.lpig, ==, resp.lpig);
    g_assert_cmphex(back.prgi, ==, resp.prgi);

    /* every reserved bit makes it invalid; the defined ones do not */
    for (bit = 0; bit < 256; bit++) {
        uint64_t lo_rsvd = VTM_QI_PGRP_LO_RSVD | R_QI_LO_TYPE_HI_MASK;
        bool rsvd = bit < 64 ? (lo_rsvd >> bit) & 1 :
                    bit < 128 ? (VTM_QI_PGRP_HI_RSVD >> (bit - 64)) & 1 :
                    true;

        if (bit < 4) {
            continue;           /* the type */
        }
        memcpy(bad, qw, sizeof(bad));
        bad[bit / 64] ^= 1ULL << (bit % 64);
        g_assert_cmpint(vtm_pgrp_decode(bad, &back), ==, !rsvd);
    }
    bad[0] = FIELD_DP64(qw[0], QI_LO, TYPE_LO, VTM_QI_PDEVTLB);
    g_assert_false(vtm_pgrp_decode(bad, &back));
}

static void prq_init(VTMPrq *q, unsigned pqs)
{
    memset(q, 0, sizeof(*q));
    vtm_prq_reset(q);
    vtm_prq_write_pqa(q, PQ_BASE | pqs);
    g_assert_cmphex(vtm_prq_base(q), ==, PQ_BASE);
    g_assert_cmpuint(vtm_prq_size(q), ==, 4096ULL << pqs);
}

/*
 * Fill the 128-descriptor queue: 127 fit (one slot stays empty so that
 * full and empty differ), the 128th overflows (PRO, auto response for
 * LPIG), later ones are dropped while PRO is set.  Software consumes,
 * clears PRO, and the tail wraps past the end.
 */
static void test_full_and_wrap(void)
{
    VTMPrq q;
    VTMPrqAction act;
    VTMPageReq r;
    unsigned n, i;

    prq_init(&q, 0);
    g_assert(vtm_prq_empty(&q));
    for (n = 0; n < 127; n++) {
        r = req_n(n, false);
        vtm_prq_post(&q, &r, &act);
        g_assert_cmpint(act.post, ==, VTM_PRQ_QUEUED);
        g_assert_cmphex(act.addr, ==, PQ_BASE + n * 32);
        g_assert_false(act.respond);
        g_assert_cmpuint(vtm_prq_pending(&q), ==, n + 1);
    }
    g_assert(vtm_prq_full(&q));
    g_assert_cmphex(q.pqt, ==, 127 * 32);
    g_assert(q.prs & R_PRS_PPR_MASK);
    g_assert_false(q.prs & R_PRS_PRO_MASK);

    /* full: overflow, PRO set, the group's last request answered */
    r = req_n(200, true);
    vtm_prq_post(&q, &r, &act);
    g_assert_cmpint(act.post, ==, VTM_PRQ_OVERFLOW);
    g_assert(q.prs & R_PRS_PRO_MASK);
    g_assert(act.respond);
    g_assert_cmpuint(act.resp.rc, ==, VTM_PGRP_RC_SUCCESS);
    g_assert_cmpuint(act.resp.prgi, ==, 200);
    g_assert_cmpuint(act.resp.pasid, ==, r.pasid);
    g_assert_cmphex(q.pqt, ==, 127 * 32);

    /* software reads 10: room again, but PRO still refuses */
    vtm_prq_write_pqh(&q, 10 * 32);
    g_assert_false(vtm_prq_full(&q));
    r = req_n(201, false);
    vtm_prq_post(&q, &r, &act);
    g_assert_cmpint(act.post, ==, VTM_PRQ_DROPPED);
    g_assert_false(act.respond);            /* not the group's last */
    g_assert_cmpuint(q.dropped, ==, 1);

    /* PRO cleared (RW1C; writing 0 leaves it): queued, wrapping */
    vtm_prq_write_prs(&q, 0);
    g_assert(q.prs & R_PRS_PRO_MASK);
    vtm_prq_write_prs(&q, R_PRS_PRO_MASK);
    g_assert_false(q.prs & R_PRS_PRO_MASK);
    for (i = 0; i < 10; i++) {
        r = req_n(300 + i, i == 9);
        vtm_prq_post(&q, &r, &act);
        g_assert_cmpint(act.post, ==, VTM_PRQ_QUEUED);
        /* slot 127, then 0..8 */
        g_assert_cmphex(act.addr, ==, PQ_BASE + ((127 + i) % 128) * 32);
    }
    g_assert(vtm_prq_full(&q));
    g_assert_cmphex(q.pqt, ==, 9 * 32);
    g_assert_cmpuint(vtm_prq_pending(&q), ==, 127);
    g_assert_cmpuint(q.queued, ==, 137);
    g_assert_cmpuint(q.overflows, ==, 1);
    g_assert_cmpuint(q.auto_responses, ==, 1);

    /* software catches up: empty; PQH beyond the queue wraps into it */
    vtm_prq_write_pqh(&q, q.pqt);
    g_assert(vtm_prq_empty(&q));
    vtm_prq_write_pqh(&q, 4096 + 64);
    g_assert_cmphex(q.pqh, ==, 64);
}

/* A bigger queue (PQS 2: 512 descriptors) wraps at 16 KiB. */
static void test_wrap_big(void)
{
    VTMPrq q;
    VTMPrqAction act;
    VTMPageReq r = req_n(1, true);
    unsigned n;

    prq_init(&q, 2);
    for (n = 0; n < 2000; n++) {
        vtm_prq_post(&q, &r, &act);
        g_assert_cmpint(act.post, ==, VTM_PRQ_QUEUED);
        g_assert_cmphex(act.addr, ==, PQ_BASE + (n % 512) * 32);
        vtm_prq_write_pqh(&q, q.pqt);           /* consumed at once */
    }
    g_assert_cmphex(q.pqt, ==, (2000 % 512) * 32);
}

/*
 * The page request event: PPR (or PRO) newly set raises it; IM holds it
 * as IP until software unmasks; while PPR stays set no new event.
 */
static void test_event(void)
{
    VTMPrq q;
    VTMPrqAction act;
    VTMPageReq r = req_n(0, true);

    prq_init(&q, 0);
    g_assert(q.pectl & R_PECTL_IM_MASK);    /* reset value */
    vtm_prq_post(&q, &r, &act);
    g_assert_false(act.interrupt);
    g_assert(q.pectl & R_PECTL_IP_MASK);
    g_assert(vtm_prq_write_pectl(&q, 0));   /* unmask: sent now */
    g_assert_false(q.pectl & R_PECTL_IP_MASK);
    g_assert_false(vtm_prq_write_pectl(&q, 0));

    vtm_prq_post(&q, &r, &act);             /* PPR still set */
    g_assert_false(act.interrupt);
    vtm_prq_write_prs(&q, R_PRS_PPR_MASK);
    vtm_prq_post(&q, &r, &act);
    g_assert(act.interrupt);
    g_assert_cmpuint(q.events, ==, 2);
}

/*
 * 7.5: a page request is checked against the requester's context:
 * SRTA.3 in legacy mode, SRT.2 or SCT.2 without a root or context
 * entry, SCT.8 with PRE
 * clear, SCT.6 for a PASID without PASIDE; with PRE it may be queued.
 */
static void test_check(void)
{
    static const struct {
        uint16_t rid;
        bool scalable, has_pasid;
        VTMFaultReason want;
    } cases[] = {
        { 0x0100, false, false, VTM_FR_SM_TTM0_PGREQ },
        { 0x0200, true, false, VTM_FR_SM_ROOT_NOT_PRESENT },
        { 0x0103, true, false, VTM_FR_SM_CTX_NOT_PRESENT },
        { 0x0101, true, false, VTM_FR_SM_CTX_PRE },
        { 0x0100, true, false, VTM_FR_NONE },
        { 0x0100, true, true, VTM_FR_SM_CTX_PASIDE },
        { 0x0102, true, true, VTM_FR_NONE },
    };
    VtmtFake fake;
    VTMCoreConfig cfg;
    VTMMemOps ops = {
        .read = vtmt_fake_read, .write = vtmt_fake_write, .opaque = &fake,
    };
    VTMCore core;
    uint64_t q[4], root;
    unsigned i;

    vtmt_fake_init(&fake, 0x100000);
    root = vtmt_alloc(&fake.mem);
    for (i = 0; i < 3; i++) {
        VtmtSmCtx ctx = {
            .pasid_dir = vtmt_alloc(&fake.mem), .pre = i != 1,
            .paside = i == 2,
        };

        vtmt_sm_ctx(q, &ctx);
        g_assert(vtmt_sm_set_ctx(&fake.mem, root, 0x0100 + i, q));
    }
    vtm_core_default_config(&cfg);
    cfg.sm_supported = cfg.prs = true;
    vtm_core_init(&core, &cfg, &ops);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        VTMPageReq r = req_n(i, true);
        bool fpd;
        uint64_t ttm = cases[i].scalable ? VTM_TTM_SCALABLE
                                         : VTM_TTM_LEGACY;

        r.rid = cases[i].rid;
        r.has_pasid = cases[i].has_pasid;
        vtm_core_set_root(&core, root | FIELD_DP64(0, RTADDR, TTM, ttm));
        g_assert_cmphex(vtm_core_page_request_check(&core, &r, &fpd), ==,
                        cases[i].want);
        g_assert_false(fpd);
    }
    vtm_core_destroy(&core);
    vtmt_fake_destroy(&fake);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/prq/desc-layout", test_desc_layout);
    g_test_add_func("/vtm/prq/pgrp", test_pgrp);
    g_test_add_func("/vtm/prq/full-and-wrap", test_full_and_wrap);
    g_test_add_func("/vtm/prq/wrap-big", test_wrap_big);
    g_test_add_func("/vtm/prq/event", test_event);
    g_test_add_func("/vtm/prq/check", test_check);
    return g_test_run();
}
