/*
 * qtest for vtm-iommu's nested translation, PASID-tagged DMA, page
 * requests and second-stage dirty tracking (VT-d 4.1 3.8, 3.9, 7.5-7.7,
 * 11.4.11): the nested, ssads, prs, ers and srs properties and the ECAP
 * bits they report; the page request registers; a page request for an
 * unmapped address, answered by a page group response, then the retried
 * DMA; queue overflow; edu DMA through a nested PASID entry with a
 * stale entry kept until the invalidation; two PASIDs of one requester
 * mapped differently; second-stage A/D bits after edu DMA, also under
 * nested translation.
 *
 * Requests with a PASID and page requests come from x-vtm-pasid-probe
 * (hw/i386/vtm/vtm-pasid-probe.c): QEMU 10.0's PCI layer has neither.
 *
 * Guest memory (-m 2G):
 *   MISC_BASE    fault and page request event messages, wait status
 *   QUEUE_BASE   the invalidation queue (vtm-sm-fixture.h)
 *   PRQ_BASE     the page request queue (4 KiB: 128 descriptors)
 *   TABLE_BASE   root, context, PASID and host page tables (fixture)
 *   DATA_BASE    DMA data pages
 *   GPA_HOST     host pages of the nested test's guest-physical memory
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-sm-fixture.h"

#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */
#define PROBE               "/machine/peripheral/probe"
#define UNIT                "/machine/peripheral/iommu"

#define MISC_BASE           0x00800000ULL
#define FE_MSG_ADDR         (MISC_BASE + 0x00)
#define PE_MSG_ADDR         (MISC_BASE + 0x40)
#define PRQ_BASE            0x00a00000ULL
#define DATA_BASE           0x03000000ULL
#define GPA_OFF             0x04000000ULL       /* host = gpa + GPA_OFF */
#define GPA_TABLES          0x00100000ULL       /* guest-physical tables */
#define GPA_DATA            0x01000000ULL       /* guest-physical data */

#define DID                 3
#define RID_PASID           5
#define PASID_A             0x11
#define PASID_B             0x22
#define IOVA                0x40000000ULL
#define DMA_LEN             0x100
#define FE_DATA             0x4055
#define PE_DATA             0x4077
#define PRQ_DESC            32

typedef VtmSmFix NT;             /* vtm-sm-fixture.h */

/*
 * Scalable-mode tables for edu (PASIDs allowed, page requests if pre),
 * SRTP, the 256-bit invalidation queue, TE; fault events programmed.
 */
static void nt_enable(NT *t, bool pre)
{
    vtm_sm_enable(t, RID_PASID, pre);
    /* FRI keeps naming the last record read: no error for a sync */
    t->iq.fsts_ignore = R_FSTS_FRI_MASK;
    vtm_reg_wl(t->qts, A_FEDATA, FE_DATA);
    vtm_reg_wl(t->qts, A_FEADDR, FE_MSG_ADDR);
    vtm_reg_wl(t->qts, A_FECTL, 0);
}

static uint64_t fsts(NT *t)
{
    return vtm_reg_rl(t->qts, A_FSTS);
}

/* The pending fault record's reason, cleared; -1 if none. */
static int take_fault(NT *t)
{
    uint64_t f = fsts(t);
    uint64_t off = VTM_FRO_OFFSET + FIELD_EX64(f, FSTS, FRI) * VTM_FRCD_SIZE;
    uint64_t hi;

    if (!(f & R_FSTS_PPF_MASK)) {
        return -1;
    }
    hi = vtm_reg_rq(t->qts, off + 8);
    vtm_reg_wq(t->qts, off + 8, R_FRCD_HI_F_MASK);
    return FIELD_EX64(hi, FRCD_HI, FR);
}

static VtmtPasidEntry fs_entry(uint64_t top)
{
    return (VtmtPasidEntry) {
        .pgtt = VTM_PGTT_FS, .did = DID, .aw = 2, .fsptptr = top,
        .fspm = VTM_FSPM_4LEVEL,
    };
}

static void nt_sync(NT *t, VtmtDesc d)
{
    vtm_qt_qi_put(&t->iq, d);
    vtm_qt_qi_sync(&t->iq);
}

/* ---- The probe ------------------------------------------------------- */

static char *probe_do(NT *t, const char *prop, const char *value)
{
    QDict *resp;
    char *out;

    if (value) {
        qtest_qmp_assert_success(t->qts, "{'execute': 'qom-set', "
                                 "'arguments': {'path': %s, 'property': %s,"
                                 " 'value': %s}}", PROBE, prop, value);
    }
    resp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': %s, 'property': %s}}", PROBE, prop);
    out = g_strdup(qdict_get_str(resp, "return"));
    qobject_unref(resp);
    return out;
}

/* 8 bytes of DMA with pasid; the fault reason, *val read or written. */
static unsigned probe_dma(NT *t, uint32_t pasid, uint64_t addr,
                          const char *flags, uint64_t *val)
{
    g_autofree char *req = g_strdup_printf("%x %x %" PRIx64 " %s %" PRIx64,
                                           EDU_SID, pasid, addr, flags,
                                           *val);
    g_autofree char *out = probe_do(t, "dma", req);
    unsigned fr;

    g_assert_cmpint(sscanf(out, "%x %" SCNx64, &fr, val), ==, 2);
    return fr;
}

/* A translation request; its fault reason and *stage. */
static unsigned probe_xlate(NT *t, const char *pasid, uint64_t addr,
                            const char *flags, unsigned *stage)
{
    g_autofree char *req = g_strdup_printf("%x %s %" PRIx64 " %s", EDU_SID,
                                           pasid, addr, flags);
    g_autofree char *out = probe_do(t, "request", req);
    unsigned fr, perm;
    uint64_t a;

    g_assert_cmpint(sscanf(out, "%x %" SCNx64 " %u %u", &fr, &a, &perm,
                           stage), ==, 4);
    return fr;
}

static char *page_request(NT *t, uint32_t pasid, uint64_t addr,
                          const char *flags, unsigned prgi)
{
    g_autofree char *req = g_strdup_printf("%x %x %" PRIx64 " %s %x",
                                           EDU_SID, pasid, addr, flags,
                                           prgi);

    return probe_do(t, "page-request", req);
}

static char *page_response(NT *t)
{
    return probe_do(t, "page-response", NULL);
}

/* ---- Capabilities and properties --------------------------------------- */

static void test_caps(void)
{
    static const struct {
        const char *opts;
        bool nest, ssads, prs, ers, srs;
    } cases[] = {
        { "", false, false, false, false, false },
        { ",nested=on", true, false, false, false, false },
        { ",ssads=on", false, true, false, false, false },
        { ",prs=on", false, false, true, false, false },
        { ",ers=on,srs=on", false, false, false, true, true },
        { ",nested=on,ssads=on,prs=on,ers=on,srs=on", true, true, true,
          true, true },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t ecap, pectl, pqa;
        NT t;

        vtm_sm_start(&t, cases[i].opts, "");
        ecap = vtm_reg_rq(t.qts, A_ECAP);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, NEST), ==, cases[i].nest);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SLADS), ==, cases[i].ssads);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, PRS), ==, cases[i].prs);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, ERS), ==, cases[i].ers);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SRS), ==, cases[i].srs);
        /* 11.4.11: the page request registers exist with PRS only */
        pectl = pqa = 0;
        if (cases[i].prs) {
            pectl = R_PECTL_IM_MASK;
            pqa = PRQ_BASE;
        }
        g_assert_cmphex(vtm_reg_rl(t.qts, A_PECTL), ==, pectl);
        vtm_reg_wq(t.qts, A_PQA, PRQ_BASE);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_PQA), ==, pqa);
        vtm_sm_stop(&t);
    }
}

static void test_refused(void)
{
    vtm_qt_expect_refused("vtm-iommu,nested=on,first-stage=off",
                   (const char *const[]) { "'nested=on'", "first-stage",
                                           NULL });
    vtm_qt_expect_refused("vtm-iommu,nested=on,second-stage=off",
                   (const char *const[]) { "'nested=on'", NULL });
    vtm_qt_expect_refused("vtm-iommu,nested=on,caching-mode=on",
                   (const char *const[]) { "'nested=on'", NULL });
    vtm_qt_expect_refused("vtm-iommu,ssads=on,second-stage=off",
                   (const char *const[]) { "'ssads=on'", "second-stage",
                                           NULL });
    vtm_qt_expect_refused("vtm-iommu,prs=on,pasid-bits=0",
                   (const char *const[]) { "'prs=on'", "pasid-bits",
                                           NULL });
    vtm_qt_expect_refused("vtm-iommu,ers=on,scalable-mode=off",
                   (const char *const[]) { "'ers=on'", "scalable-mode",
                                           NULL });
    vtm_qt_expect_refused("vtm-iommu,srs=on,pasid-bits=0",
                   (const char *const[]) { "'srs=on'", NULL });
}

static void test_help(void)
{
    static const char *const props[] = {
        "nested=<bool>", "ssads=<bool>", "prs=<bool>", "ers=<bool>",
        "srs=<bool>",
    };
    const char *bin = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = g_strdup_printf("%s -device vtm-iommu,help", bin);
    g_autofree char *out = NULL;
    size_t i;

    g_assert(g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL));
    for (i = 0; i < ARRAY_SIZE(props); i++) {
        const char *p = strstr(out, props[i]);
        const char *eol;

        g_assert(p);
        eol = strchr(p, '\n');
        g_assert(eol);
        g_assert(g_strstr_len(p, eol - p, "(default: off)"));
    }
}

/* ---- Page requests ----------------------------------------------------- */

/* The page request queue at PRQ_BASE (4 KiB) and its event message. */
static void prq_setup(NT *t)
{
    vtm_reg_wq(t->qts, A_PQH, 0);
    vtm_reg_wq(t->qts, A_PQT, 0);
    vtm_reg_wq(t->qts, A_PQA, PRQ_BASE);
    vtm_reg_wl(t->qts, A_PEDATA, PE_DATA);
    vtm_reg_wl(t->qts, A_PEADDR, PE_MSG_ADDR);
    vtm_reg_wl(t->qts, A_PEUADDR, 0);
    vtm_reg_wl(t->qts, A_PECTL, 0);
    qtest_writel(t->qts, PE_MSG_ADDR, 0);
}

/* 11.4.11: masks, wrap of the offsets, RW1C status, IM/IP. */
static void test_prq_registers(void)
{
    NT t;

    vtm_sm_start(&t, ",prs=on", "");
    vtm_reg_wq(t.qts, A_PQA, PRQ_BASE | 0xff9);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQA), ==, PRQ_BASE | 1);
    /* 8 KiB: offsets 32-byte aligned, below 8 KiB */
    vtm_reg_wq(t.qts, A_PQH, 0x1fff);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQH), ==, 0x1fe0);
    vtm_reg_wq(t.qts, A_PQT, 0x3fe0);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQT), ==, 0x1fe0);
    /* a smaller queue: the offsets wrap into it */
    vtm_reg_wq(t.qts, A_PQA, PRQ_BASE);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQH), ==, 0xfe0);
    /* PRS is RW1C and nothing is pending */
    vtm_reg_wl(t.qts, A_PRS, 3);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PRS), ==, 0);
    /* PECTL: IM writable, IP not */
    vtm_reg_wl(t.qts, A_PECTL, R_PECTL_IP_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PECTL), ==, 0);
    vtm_reg_wl(t.qts, A_PEADDR, 0xfee00003);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PEADDR), ==, 0xfee00000);
    /* 64-bit registers as two halves */
    vtm_reg_wq_halves(t.qts, A_PQA, 0x123456789000ULL);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQA), ==, 0x123456789000ULL);
    vtm_sm_stop(&t);
}

typedef struct PrqDesc {
    uint64_t q0, q1;
} PrqDesc;

static PrqDesc prq_read(NT *t, uint64_t off)
{
    PrqDesc d = {
        qtest_readq(t->qts, PRQ_BASE + off),
        qtest_readq(t->qts, PRQ_BASE + off + 8),
    };

    return d;
}

/* What Linux's iopf handler answers with: type 9, 7.7.1 */
static VtmtDesc pgrp(uint32_t pasid, unsigned rc, unsigned prgi)
{
    VtmtDesc d = vtmt_desc(VTM_QI_PGRP_RESP);

    d.qw[0] = FIELD_DP64(d.qw[0], QI_PGRP_LO, PASID_P, 1);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PGRP_LO, RC, rc);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PGRP_LO, RID, EDU_SID);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PGRP_LO, PASID, pasid);
    d.qw[1] = FIELD_DP64(0, QI_PGRP_HI, LPIG, 1);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_PGRP_HI, PRGI, prgi);
    return d;
}

/*
 * An unmapped address: the DMA faults, the page request is queued with
 * its event, software maps the page, consumes the queue and answers;
 * the requester gets the response and its retry succeeds.
 */
static void test_prq_request_response(void)
{
    VtmtPt pt;
    VtmtPasidEntry e;
    PrqDesc d;
    uint64_t val = 0x1122334455667788ULL;
    g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
    QDict *st;
    NT t;

    vtm_sm_start(&t, ",prs=on", "");
    prq_setup(&t);
    nt_enable(&t, true);
    pt = (VtmtPt) { .mem = &t.mem.mem, .levels = 4 };
    pt.top = vtm_qt_alloc(&t.mem);
    g_assert(vtmt_fs_map(&pt, IOVA, DATA_BASE, 1, VTMT_FS_TABLE,
                         VTMT_FS_TABLE));
    e = fs_entry(pt.top);
    vtm_sm_set_pasid(&t, PASID_A, &e);

    g_assert_cmphex(probe_dma(&t, PASID_A, IOVA + 0x1008, "w", &val), ==,
                    VTM_FR_SM_FS_NOT_PRESENT);
    g_assert_cmpint(take_fault(&t), ==, VTM_FR_SM_FS_NOT_PRESENT);

    r1 = page_request(&t, PASID_A, IOVA + 0x1008, "w", 0x15);
    g_assert_cmpstr(r1, ==, "queued");
    r2 = page_response(&t);
    g_assert_cmpstr(r2, ==, "0");
    /* 7.5.1: the descriptor at the old tail; PQT moved, PPR, event */
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQT), ==, PRQ_DESC);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PRS), ==, R_PRS_PPR_MASK);
    g_assert_cmphex(qtest_readl(t.qts, PE_MSG_ADDR), ==, PE_DATA);
    d = prq_read(&t, 0);
    g_assert_cmpuint(FIELD_EX64(d.q0, PRQ_Q0, TYPE), ==, 1);
    g_assert_cmpuint(FIELD_EX64(d.q0, PRQ_Q0, PASID_P), ==, 1);
    g_assert_cmphex(FIELD_EX64(d.q0, PRQ_Q0, RID), ==, EDU_SID);
    g_assert_cmphex(FIELD_EX64(d.q0, PRQ_Q0, PASID), ==, PASID_A);
    g_assert_cmpuint(FIELD_EX64(d.q1, PRQ_Q1, WR), ==, 1);
    g_assert_cmpuint(FIELD_EX64(d.q1, PRQ_Q1, RD), ==, 0);
    g_assert_cmpuint(FIELD_EX64(d.q1, PRQ_Q1, LPIG), ==, 1);
    g_assert_cmphex(FIELD_EX64(d.q1, PRQ_Q1, PRGI), ==, 0x15);
    g_assert_cmphex(FIELD_EX64(d.q1, PRQ_Q1, ADDR) << VTM_PAGE_SHIFT, ==,
                    IOVA + 0x1000);

    /* Linux: clear PPR, read head and tail, handle, move the head */
    vtm_reg_wl(t.qts, A_PRS, R_PRS_PPR_MASK);
    g_assert(vtmt_fs_map(&pt, IOVA + 0x1000, DATA_BASE + 0x1000, 1,
                         VTMT_FS_TABLE, VTMT_FS_TABLE));
    vtm_reg_wq(t.qts, A_PQH, vtm_reg_rq(t.qts, A_PQT));
    nt_sync(&t, pgrp(PASID_A, VTM_PGRP_RC_SUCCESS, 0x15));
    r3 = page_response(&t);
    g_assert_cmpstr(r3, ==, "1 0 15 20 11");

    /* the retry */
    g_assert_cmphex(probe_dma(&t, PASID_A, IOVA + 0x1008, "w", &val), ==,
                    0);
    g_assert_cmphex(qtest_readq(t.qts, DATA_BASE + 0x1008), ==,
                    0x1122334455667788ULL);
    g_assert_cmpint(take_fault(&t), ==, -1);

    /* a response with a reserved bit is an invalid descriptor */
    {
        VtmtDesc bad = pgrp(PASID_A, 0, 1);

        bad.qw[1] |= 1;
        vtm_qt_qi_put(&t.iq, bad);
        vtm_qt_qi_kick(&t.iq);
        g_assert_cmphex(fsts(&t) & R_FSTS_IQE_MASK, ==, R_FSTS_IQE_MASK);
        r4 = page_response(&t);
        g_assert_cmpstr(r4, ==, "1 0 15 20 11");
    }
    st = vtm_qtest_stats(t.qts, UNIT);
    g_assert_cmpint(stats_int(st, "unit/page-requests/queued"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/page-requests/responses"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/page-requests/events"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/page-requests/pending"), ==, 0);
    qobject_unref(st);
    vtm_sm_stop(&t);
}

/* PECTL.IM holds the event (IP) until software clears it. */
static void test_prq_masked_event(void)
{
    g_autofree char *r = NULL;
    NT t;

    vtm_sm_start(&t, ",prs=on", "");
    prq_setup(&t);
    vtm_reg_wl(t.qts, A_PECTL, R_PECTL_IM_MASK);
    nt_enable(&t, true);
    r = page_request(&t, PASID_A, IOVA, "r", 1);
    g_assert_cmpstr(r, ==, "queued");
    g_assert_cmphex(qtest_readl(t.qts, PE_MSG_ADDR), ==, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PECTL), ==,
                    R_PECTL_IM_MASK | R_PECTL_IP_MASK);
    vtm_reg_wl(t.qts, A_PECTL, 0);
    g_assert_cmphex(qtest_readl(t.qts, PE_MSG_ADDR), ==, PE_DATA);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PECTL), ==, 0);
    vtm_sm_stop(&t);
}

/*
 * 7.5: a full queue sets PRO and the unit answers the group itself;
 * while PRO stays set requests are refused; once software clears it
 * requests are queued again, the tail wrapping.
 */
static void test_prq_overflow(void)
{
    unsigned i, slots = 4096 / PRQ_DESC;
    NT t;

    vtm_sm_start(&t, ",prs=on", "");
    prq_setup(&t);
    nt_enable(&t, true);
    for (i = 0; i < slots - 1; i++) {
        g_autofree char *r = page_request(&t, PASID_A, IOVA + i * 0x1000,
                                          "r", i);

        g_assert_cmpstr(r, ==, "queued");
    }
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQT), ==, (slots - 1) * PRQ_DESC);
    {
        g_autofree char *r = page_request(&t, PASID_A, IOVA, "r", 0x100);
        g_autofree char *resp = page_response(&t);

        g_assert_cmpstr(r, ==, "overflow");
        g_assert_cmphex(vtm_reg_rl(t.qts, A_PRS), ==,
                        R_PRS_PPR_MASK | R_PRS_PRO_MASK);
        g_assert_cmpstr(resp, ==, "1 0 100 20 11");
    }
    {
        g_autofree char *r = page_request(&t, PASID_A, IOVA, "r", 0x101);
        g_autofree char *resp = page_response(&t);

        g_assert_cmpstr(r, ==, "dropped");
        g_assert_cmpstr(resp, ==, "2 0 101 20 11");
    }
    {
        QDict *st = vtm_qtest_stats(t.qts, UNIT);

        g_assert_cmpint(stats_int(st, "unit/page-requests/queued"), ==,
                        slots - 1);
        g_assert_cmpint(stats_int(st, "unit/page-requests/overflows"), ==,
                        1);
        g_assert_cmpint(stats_int(st, "unit/page-requests/dropped"), ==, 1);
        g_assert_cmpint(stats_int(st, "unit/page-requests/auto-responses"),
                        ==, 2);
        g_assert_cmpint(stats_int(st, "unit/page-requests/pending"), ==,
                        slots - 1);
        qobject_unref(st);
    }
    /* software drains the queue and clears PRO */
    vtm_reg_wq(t.qts, A_PQH, vtm_reg_rq(t.qts, A_PQT));
    vtm_reg_wl(t.qts, A_PRS, R_PRS_PPR_MASK | R_PRS_PRO_MASK);
    {
        g_autofree char *r = page_request(&t, PASID_A, IOVA, "w", 0x102);

        g_assert_cmpstr(r, ==, "queued");
        g_assert_cmphex(vtm_reg_rq(t.qts, A_PQT), ==, 0);
        g_assert_cmphex(FIELD_EX64(prq_read(&t, (slots - 1) * PRQ_DESC).q1,
                                   PRQ_Q1, PRGI), ==, 0x102);
    }
    vtm_sm_stop(&t);
}

/*
 * The queue's state migrates: a request pending with its event held by
 * IM; on the destination the event goes out when software unmasks it
 * and the next request lands at the tail the source had reached.
 */
static void test_prq_migrate(void)
{
    static const uint32_t regs[] = {
        A_PQH, A_PQT, A_PQA, A_PRS, A_PECTL, A_PEDATA, A_PEADDR,
    };
    g_autofree char *file = g_strdup_printf("%s/vtm-prq-migrate-%d.bin",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;
    uint32_t before[ARRAY_SIZE(regs)];
    QTestState *dst;
    unsigned i;
    NT t;

    vtm_sm_start(&t, ",prs=on", "");
    prq_setup(&t);
    nt_enable(&t, true);
    vtm_reg_wl(t.qts, A_PECTL, R_PECTL_IM_MASK);
    r1 = page_request(&t, PASID_A, IOVA, "r", 1);
    g_assert_cmpstr(r1, ==, "queued");
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PECTL), ==,
                    R_PECTL_IM_MASK | R_PECTL_IP_MASK);
    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        before[i] = vtm_reg_rl(t.qts, regs[i]);
    }
    qtest_qmp_assert_success(t.qts, "{'execute': 'stop'}");
    qtest_qmp_assert_success(t.qts, "{'execute': 'migrate',"
                             " 'arguments': { 'uri': %s } }", uri);
    vtm_qt_wait_migration(t.qts, "completed");
    vtm_sm_stop(&t);

    dst = qtest_initf("-M q35 -m 2G -nodefaults "
                      "-device vtm-iommu,id=iommu,prs=on "
                      "-device edu,addr=04.0,dma_mask=0xffffffffffffffff "
                      "-device x-vtm-pasid-probe,id=probe -incoming defer");
    qtest_qmp_assert_success(dst, "{'execute': 'migrate-incoming',"
                             " 'arguments': { 'uri': %s } }", uri);
    vtm_qt_wait_migration(dst, "completed");
    qtest_qmp_assert_success(dst, "{'execute': 'cont'}");
    unlink(file);
    memset(&t, 0, sizeof(t));
    t.qts = dst;
    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        g_assert_cmphex(vtm_reg_rl(dst, regs[i]), ==, before[i]);
    }
    vtm_reg_wl(dst, A_PECTL, 0);
    g_assert_cmphex(qtest_readl(dst, PE_MSG_ADDR), ==, PE_DATA);
    r2 = page_request(&t, PASID_A, IOVA + 0x1000, "w", 2);
    g_assert_cmpstr(r2, ==, "queued");
    g_assert_cmphex(vtm_reg_rq(dst, A_PQT), ==, 2 * PRQ_DESC);
    g_assert_cmphex(FIELD_EX64(prq_read(&t, PRQ_DESC).q1, PRQ_Q1, PRGI),
                    ==, 2);
    r3 = page_response(&t);
    g_assert_cmpstr(r3, ==, "0");
    qtest_quit(dst);
}

/* SCT.8: page requests from a context without PRE are refused. */
static void test_prq_refused(void)
{
    g_autofree char *r = NULL, *resp = NULL;
    NT t;

    vtm_sm_start(&t, ",prs=on", "");
    prq_setup(&t);
    nt_enable(&t, false);
    r = page_request(&t, PASID_A, IOVA, "r", 7);
    g_assert_cmpstr(r, ==, "fault 47");
    g_assert_cmpint(take_fault(&t), ==, VTM_FR_SM_CTX_PRE);
    resp = page_response(&t);
    g_assert_cmpstr(resp, ==, "1 1 7 20 11");
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PQT), ==, 0);
    vtm_sm_stop(&t);
}

/* ---- Nested translation ------------------------------------------------- */

/*
 * edu's RID_PASID entry nested: first-stage tables in guest-physical
 * memory (host page = gpa + GPA_OFF), mapping IOVA to GPA_DATA; the
 * second stage maps each guest page.  Returns the second stage.
 */
static VtmtPt nested_setup_ad(NT *t, VtmtGpa *g, bool ssade)
{
    VtmtPt ss = { .mem = &t->mem.mem, .levels = 4 };
    VtmtPt fs;
    VtmtPasidEntry e;

    ss.top = vtm_qt_alloc(&t->mem);
    vtmt_gpa_init(g, &t->mem.mem, &ss, GPA_OFF, GPA_TABLES, GPA_DATA);
    fs = (VtmtPt) { .mem = &g->mem, .levels = 4 };
    fs.top = vtmt_alloc(&g->mem);
    g_assert(fs.top);
    g_assert(vtmt_fs_map(&fs, IOVA, GPA_DATA, 1, VTMT_FS_TABLE,
                         VTMT_FS_TABLE));
    g_assert(vtmt_gpa_map(g, GPA_DATA, 1, VTMT_RW));
    e = (VtmtPasidEntry) {
        .pgtt = VTM_PGTT_NESTED, .did = DID, .aw = 2, .ssptptr = ss.top,
        .fspm = VTM_FSPM_4LEVEL, .fsptptr = fs.top, .ssade = ssade,
    };
    vtm_sm_set_pasid(t, RID_PASID, &e);
    return ss;
}

static VtmtPt nested_setup(NT *t, VtmtGpa *g)
{
    return nested_setup_ad(t, g, false);
}

/*
 * Nested: edu's writes land at the second stage's output; a second-stage
 * remap without invalidation keeps the cached combined translation, the
 * IOTLB invalidation of the domain makes the new one seen.
 */
static void test_nested_dma(void)
{
    uint64_t old_host = GPA_DATA + GPA_OFF, new_host = DATA_BASE + 0x2000;
    unsigned stage;
    QDict *st;
    VtmtGpa g;
    VtmtPt ss;
    NT t;

    vtm_sm_start(&t, ",nested=on", "");
    nt_enable(&t, false);
    ss = nested_setup(&t, &g);

    /* edu's buffer is filled by a read through the unit first */
    qtest_writeq(t.qts, old_host, 0xaaaa5555aaaa5555ULL);
    vtm_edu_dma(t.qts, t.edu, t.bar, IOVA, EDU_DMA_BUF, 8, false);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA + 0x10, 8, true);
    g_assert_cmphex(qtest_readq(t.qts, old_host + 0x10), ==,
                    0xaaaa5555aaaa5555ULL);
    g_assert_cmpint(take_fault(&t), ==, -1);
    g_assert_cmphex(probe_xlate(&t, "none", IOVA, "r", &stage), ==, 0);
    g_assert_cmpuint(stage, ==, 3);                 /* VTM_STAGE_NESTED */

    /* the second stage moves the guest page: stale until invalidated */
    g_assert(vtmt_pt_map(&ss, GPA_DATA, new_host, 1, VTMT_RW));
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA + 0x20, 8, true);
    g_assert_cmphex(qtest_readq(t.qts, old_host + 0x20), ==,
                    0xaaaa5555aaaa5555ULL);
    g_assert_cmphex(qtest_readq(t.qts, new_host + 0x20), ==, 0);
    nt_sync(&t, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false));
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA + 0x20, 8, true);
    g_assert_cmphex(qtest_readq(t.qts, new_host + 0x20), ==,
                    0xaaaa5555aaaa5555ULL);

    st = vtm_qtest_stats(t.qts, UNIT);
    g_assert_cmpint(stats_int(st, "unit/stage/nested"), >, 0);
    qobject_unref(st);

    /* SGN.5-7 family: the second stage without W for the output */
    g_assert(vtmt_pt_map(&ss, GPA_DATA, new_host, 1, R_SLPTE_R_MASK));
    nt_sync(&t, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false));
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA + 0x30, 8, true);
    g_assert_cmpint(take_fault(&t), >, 0);
    g_assert_cmphex(qtest_readq(t.qts, new_host + 0x30), ==, 0);
    vtm_sm_stop(&t);
}

/* Without ECAP.NEST a nested PASID entry is invalid (SPT.4). */
static void test_nested_off(void)
{
    VtmtGpa g;
    NT t;

    vtm_sm_start(&t, "", "");
    nt_enable(&t, false);
    nested_setup(&t, &g);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA, 8, true);
    g_assert_cmpint(take_fault(&t), ==, VTM_FR_SM_PTE_INVALID);
    vtm_sm_stop(&t);
}

/* ---- PASID-tagged DMA --------------------------------------------------- */

/*
 * Two PASIDs of one requester map the same IOVA to different pages;
 * each translation is its own (cached per PASID), and a PASID-selective
 * invalidation of one leaves the other's cached line alone.
 */
static void test_two_pasids(void)
{
    VtmtPt a = { .levels = 4 }, b = { .levels = 4 };
    VtmtPasidEntry e;
    uint64_t v;
    NT t;

    vtm_sm_start(&t, "", "");
    nt_enable(&t, false);
    a.mem = b.mem = &t.mem.mem;
    a.top = vtm_qt_alloc(&t.mem);
    b.top = vtm_qt_alloc(&t.mem);
    g_assert(vtmt_fs_map(&a, IOVA, DATA_BASE, 1, VTMT_FS_TABLE,
                         VTMT_FS_TABLE));
    g_assert(vtmt_fs_map(&b, IOVA, DATA_BASE + 0x1000, 1, VTMT_FS_TABLE,
                         VTMT_FS_TABLE));
    e = fs_entry(a.top);
    vtm_sm_set_pasid(&t, PASID_A, &e);
    e = fs_entry(b.top);
    vtm_sm_set_pasid(&t, PASID_B, &e);

    v = 0xa;
    g_assert_cmphex(probe_dma(&t, PASID_A, IOVA + 8, "w", &v), ==, 0);
    v = 0xb;
    g_assert_cmphex(probe_dma(&t, PASID_B, IOVA + 8, "w", &v), ==, 0);
    g_assert_cmphex(qtest_readq(t.qts, DATA_BASE + 8), ==, 0xa);
    g_assert_cmphex(qtest_readq(t.qts, DATA_BASE + 0x1008), ==, 0xb);

    /* both cached: unmap both leaves, invalidate PASID_A only */
    g_assert(vtmt_w64(&t.mem.mem, vtmt_fs_entry(&a, IOVA, 1), 0));
    g_assert(vtmt_w64(&t.mem.mem, vtmt_fs_entry(&b, IOVA, 1), 0));
    nt_sync(&t, vtmt_qi_piotlb(VTM_QI_PIOTLB_PASID, DID, PASID_A, 0, 0,
                               false));
    v = 0;
    g_assert_cmphex(probe_dma(&t, PASID_A, IOVA + 8, "r", &v), ==,
                    VTM_FR_SM_FS_NOT_PRESENT);
    g_assert_cmpint(take_fault(&t), ==, VTM_FR_SM_FS_NOT_PRESENT);
    g_assert_cmphex(probe_dma(&t, PASID_B, IOVA + 8, "r", &v), ==, 0);
    g_assert_cmphex(v, ==, 0xb);
    vtm_sm_stop(&t);
}

/* ERS and SRS: execute and supervisor requests honoured where reported. */
static void test_ers_srs(void)
{
    static const char *const opts[] = { "", ",ers=on,srs=on" };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(opts); i++) {
        bool on = i == 1;
        VtmtPt pt = { .levels = 4 };
        VtmtPasidEntry e;
        unsigned stage;
        NT t;

        vtm_sm_start(&t, opts[i], "");
        nt_enable(&t, false);
        pt.mem = &t.mem.mem;
        pt.top = vtm_qt_alloc(&t.mem);
        g_assert(vtmt_fs_map(&pt, IOVA, DATA_BASE, 1, VTMT_FS_TABLE,
                             VTMT_FS_TABLE));
        e = fs_entry(pt.top);
        e.sre = e.ere = true;
        vtm_sm_set_pasid(&t, PASID_A, &e);
        /* 9.6: SRE and ERE are reserved without SRS and ERS (SPT.3) */
        g_assert_cmphex(probe_xlate(&t, "11", IOVA, "rpx", &stage), ==,
                        on ? 0 : VTM_FR_SM_PTE_RSVD);
        take_fault(&t);
        e.sre = e.ere = false;
        vtm_sm_set_pasid(&t, PASID_A, &e);
        nt_sync(&t, vtmt_qi_pc(VTM_QI_PC_PASID, DID, PASID_A));
        g_assert_cmphex(probe_xlate(&t, "11", IOVA, "rp", &stage), ==,
                        VTM_FR_SM_PTE_SRE);
        g_assert_cmphex(probe_xlate(&t, "11", IOVA, "rx", &stage), ==,
                        VTM_FR_SM_PTE_ERE);
        /* an ATS translation request needs the context's DTE (SCT.5) */
        g_assert_cmphex(probe_xlate(&t, "11", IOVA, "rt", &stage), ==,
                        VTM_FR_SM_CTX_DTE);
        vtm_sm_stop(&t);
    }
}

/* ---- Second-stage dirty tracking ---------------------------------------- */

static uint64_t ss_leaf(VtmtPt *ss, uint64_t iova)
{
    return vtmt_r64(ss->mem, vtmt_pt_entry(ss, iova, 1, false));
}

/*
 * SSADE: A on every page edu read or wrote, D exactly on those it
 * wrote; clearing D and invalidating the page restarts tracking.
 */
static void test_dirty(void)
{
    VtmtPt ss = { .levels = 4 };
    VtmtPasidEntry e;
    unsigned i;
    NT t;

    vtm_sm_start(&t, ",ssads=on", "");
    nt_enable(&t, false);
    ss.mem = &t.mem.mem;
    ss.top = vtm_qt_alloc(&t.mem);
    for (i = 0; i < 4; i++) {
        g_assert(vtmt_pt_map(&ss, IOVA + i * 0x1000, DATA_BASE + i * 0x1000,
                             1, VTMT_RW));
    }
    e = (VtmtPasidEntry) {
        .pgtt = VTM_PGTT_SS, .did = DID, .aw = 2, .ssptptr = ss.top,
        .ssade = true,
    };
    vtm_sm_set_pasid(&t, RID_PASID, &e);

    vtm_edu_dma(t.qts, t.edu, t.bar, IOVA + 0x1000, EDU_DMA_BUF, 8, false);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA, DMA_LEN, true);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA + 0x3000, 8, true);
    g_assert_cmpint(take_fault(&t), ==, -1);
    for (i = 0; i < 4; i++) {
        uint64_t leaf = ss_leaf(&ss, IOVA + i * 0x1000);

        g_test_message("page %u: leaf 0x%" PRIx64, i, leaf);
        g_assert_cmpuint(FIELD_EX64(leaf, SLPTE, A), ==, i != 2);
        g_assert_cmpuint(FIELD_EX64(leaf, SLPTE, D), ==, i == 0 || i == 3);
    }

    /* clear D of page 0: a write hits the cached line, not yet tracked */
    vtmt_pt_update(&ss, IOVA, 1, R_SLPTE_D_MASK, 0);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA, 8, true);
    g_assert_cmpuint(FIELD_EX64(ss_leaf(&ss, IOVA), SLPTE, D), ==, 0);
    /* the page-selective invalidation restarts tracking */
    nt_sync(&t, vtmt_qi_iotlb(VTM_INV_PAGE, DID, IOVA, 0, false));
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA, 8, true);
    g_assert_cmpuint(FIELD_EX64(ss_leaf(&ss, IOVA), SLPTE, D), ==, 1);
    /* a read of a clean page leaves it clean; a write of page 1 dirties */
    vtm_edu_dma(t.qts, t.edu, t.bar, IOVA + 0x1000, EDU_DMA_BUF, 8, false);
    g_assert_cmpuint(FIELD_EX64(ss_leaf(&ss, IOVA + 0x1000), SLPTE, D), ==,
                     0);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA + 0x1000, 8, true);
    g_assert_cmpuint(FIELD_EX64(ss_leaf(&ss, IOVA + 0x1000), SLPTE, D), ==,
                     1);
    g_assert_cmpuint(FIELD_EX64(ss_leaf(&ss, IOVA + 0x2000), SLPTE, D), ==,
                     0);
    vtm_sm_stop(&t);
}

/*
 * SSADE under nested: the second stage's leaf of the output page gets
 * A on a read and D on the first write, as dirty tracking of a nested
 * guest's DMA needs; the first-stage leaf gets A and D as well.
 */
static void test_dirty_nested(void)
{
    uint64_t leaf;
    VtmtGpa g;
    VtmtPt ss;
    NT t;

    vtm_sm_start(&t, ",nested=on,ssads=on", "");
    nt_enable(&t, false);
    ss = nested_setup_ad(&t, &g, true);
    vtm_edu_dma(t.qts, t.edu, t.bar, IOVA, EDU_DMA_BUF, 8, false);
    leaf = ss_leaf(&ss, GPA_DATA);
    g_assert_cmpuint(FIELD_EX64(leaf, SLPTE, A), ==, 1);
    g_assert_cmpuint(FIELD_EX64(leaf, SLPTE, D), ==, 0);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA, 8, true);
    g_assert_cmpint(take_fault(&t), ==, -1);
    leaf = ss_leaf(&ss, GPA_DATA);
    g_assert_cmpuint(FIELD_EX64(leaf, SLPTE, D), ==, 1);
    /* clear D, invalidate the domain: the next write sets it again */
    vtmt_pt_update(&ss, GPA_DATA, 1, R_SLPTE_D_MASK, 0);
    nt_sync(&t, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false));
    vtm_edu_dma(t.qts, t.edu, t.bar, IOVA, EDU_DMA_BUF, 8, false);
    g_assert_cmpuint(FIELD_EX64(ss_leaf(&ss, GPA_DATA), SLPTE, D), ==, 0);
    vtm_edu_dma(t.qts, t.edu, t.bar, EDU_DMA_BUF, IOVA, 8, true);
    g_assert_cmpuint(FIELD_EX64(ss_leaf(&ss, GPA_DATA), SLPTE, D), ==, 1);
    vtm_sm_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm-nested/caps", test_caps);
    qtest_add_func("/vtm-nested/properties/refused", test_refused);
    qtest_add_func("/vtm-nested/properties/help", test_help);
    qtest_add_func("/vtm-nested/prq/registers", test_prq_registers);
    qtest_add_func("/vtm-nested/prq/request-response",
                   test_prq_request_response);
    qtest_add_func("/vtm-nested/prq/masked-event", test_prq_masked_event);
    qtest_add_func("/vtm-nested/prq/overflow", test_prq_overflow);
    qtest_add_func("/vtm-nested/prq/refused", test_prq_refused);
    qtest_add_func("/vtm-nested/prq/migrate", test_prq_migrate);
    qtest_add_func("/vtm-nested/dma/nested", test_nested_dma);
    qtest_add_func("/vtm-nested/dma/nested-off", test_nested_off);
    qtest_add_func("/vtm-nested/dma/two-pasids", test_two_pasids);
    qtest_add_func("/vtm-nested/dma/ers-srs", test_ers_srs);
    qtest_add_func("/vtm-nested/dirty", test_dirty);
    qtest_add_func("/vtm-nested/dirty/nested", test_dirty_nested);
    return g_test_run();
}
