/*
 * qtest for vtm-iommu's performance monitoring (docs/vtm.rst,
 * "Performance monitoring"): the capability registers Linux's perfmon.c
 * reads, every enhanced command and its response, counting edu DMA with
 * exact expected counts (the same as the host's statistics), the
 * requester-id filter, overflow with its interrupt written to memory,
 * freeze and unfreeze, and perfmon=off.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "hw/i386/vtm/vtm-perfmon.h"
#include "vtm-qtest-util.h"

#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */
#define OTHER_SID           QPCI_DEVFN(5, 0)

#define PM_MSG_ADDR         0x00800000ULL       /* where the MSI lands */
#define PM_DATA             0x00004055
#define TABLE_BASE          0x01000000ULL
#define TABLE_LIMIT         0x02000000ULL
#define IOVA                0x04000000ULL
#define PHYS                0x05000000ULL
#define DOMAIN_ID           1
#define LEVELS              4
#define SLPTE_RW            (R_SLPTE_R_MASK | R_SLPTE_W_MASK)
#define STATS_PATH          "/machine/peripheral/iommu0"

typedef struct PmTest {
    QTestState *qts;
    QPCIBus *pcibus;
    QPCIDevice *edu;
    QPCIBar bar;
    VtmQtMem mem;
    uint64_t root, ctx, slpt;
} PmTest;

static void pm_start(PmTest *t, const char *opts)
{
    memset(t, 0, sizeof(*t));
    t->qts = qtest_initf("-M q35 -m 2G -nodefaults "
                         "-device vtm-iommu,id=iommu0%s "
                         "-device edu,addr=04.0,dma_mask=0xffffffffffffffff",
                         opts);
    t->pcibus = qpci_new_pc(t->qts, NULL);
    t->edu = qpci_device_find(t->pcibus, EDU_DEVFN);
    g_assert(t->edu);
    qpci_device_enable(t->edu);
    t->bar = qpci_iomap(t->edu, 0, NULL);
    vtm_qt_mem_init(&t->mem, t->qts, TABLE_BASE, TABLE_LIMIT);
}

static void pm_stop(PmTest *t)
{
    g_free(t->edu);
    qpci_free_pc(t->pcibus);
    qtest_quit(t->qts);
}

/* Legacy-mode tables: edu in DOMAIN_ID, pages IOVA..IOVA+8K mapped. */
static void pm_translate(PmTest *t)
{
    VtmtPt pt;
    unsigned i;

    t->root = vtm_qt_alloc(&t->mem);
    t->ctx = vtm_qt_alloc(&t->mem);
    t->slpt = vtm_qt_alloc(&t->mem);
    vtmt_w64(&t->mem.mem, t->root, vtmt_root_lo(t->ctx));
    vtmt_w128(&t->mem.mem, t->ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(t->slpt, VTM_TT_UNTRANSLATED, false),
              vtmt_ctx_hi(vtmt_aw_of_levels(LEVELS), DOMAIN_ID));
    pt = (VtmtPt) { .mem = &t->mem.mem, .top = t->slpt, .levels = LEVELS };
    for (i = 0; i < 3; i++) {
        g_assert_cmphex(vtmt_pt_map(&pt, IOVA + i * VTM_PAGE_SIZE,
                                    PHYS + i * VTM_PAGE_SIZE, 1, SLPTE_RW),
                        !=, 0);
    }
    vtm_reg_wq(t->qts, A_RTADDR,
               FIELD_DP64(0, RTADDR, RTA, t->root >> VTM_PAGE_SHIFT));
    vtm_gcmd_update(t->qts, R_GCMD_SRTP_MASK, 0);
    vtm_gcmd_update(t->qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
}

/*
 * The DMAs of vtm-test's test_stats, whose counts follow from the tables:
 * 6 translations (one a fault), 6 context-cache lookups and 5 hits, 6
 * IOTLB lookups and 2 hits, 4 paging-structure-cache lookups and 3 hits,
 * 2 + 4 + 1 + 1 + 1 memory reads.
 */
static void pm_dmas(PmTest *t)
{
    vtm_edu_dma(t->qts, t->edu, t->bar, IOVA + 0x100, EDU_DMA_BUF, 0x800,
                false);
    vtm_edu_dma(t->qts, t->edu, t->bar, EDU_DMA_BUF, IOVA + 0x900, 0x100,
                true);
    vtm_edu_dma(t->qts, t->edu, t->bar, IOVA + 0x1000, EDU_DMA_BUF, 0x100,
                false);
    vtm_edu_dma(t->qts, t->edu, t->bar, IOVA + 0x1f00, EDU_DMA_BUF, 0x200,
                false);
    vtm_edu_dma(t->qts, t->edu, t->bar, EDU_DMA_BUF, 0x40000000, 4, true);
}

/* ---- The perfmon registers, as Linux's perfmon.c uses them ----------- */

/* Event group and select of each event (Linux's perfmon.c encodings). */
typedef struct PmEvent {
    const char *name;
    uint8_t group;
    uint32_t select;
} PmEvent;

static const PmEvent pm_events[VTM_PM__MAX] = {
    [VTM_PM_CLOCKS] = { "iommu_clocks", 0, 0x001 },
    [VTM_PM_REQUESTS] = { "iommu_requests", 0, 0x002 },
    [VTM_PM_PW_OCCUPANCY] = { "pw_occupancy", 0, 0x004 },
    [VTM_PM_MRDS] = { "iommu_mrds", 1, 0x001 },
    [VTM_PM_MEM_BLOCKED] = { "iommu_mem_blocked", 1, 0x020 },
    [VTM_PM_CTX_LOOKUP] = { "ctxt_cache_lookup", 2, 0x001 },
    [VTM_PM_CTX_HIT] = { "ctxt_cache_hit", 2, 0x002 },
    [VTM_PM_SS_NONLEAF_LOOKUP] = { "ss_nonleaf_lookup", 2, 0x010 },
    [VTM_PM_SS_NONLEAF_HIT] = { "ss_nonleaf_hit", 2, 0x020 },
    [VTM_PM_IOTLB_LOOKUP] = { "iotlb_lookup", 3, 0x001 },
    [VTM_PM_IOTLB_HIT] = { "iotlb_hit", 3, 0x002 },
};

static uint64_t pm_cfg(PmTest *t, unsigned i)
{
    return vtm_reg_rl(t->qts, A_PERFCFGOFF) + i * VTM_PM_CFG_STRIDE;
}

static uint64_t pm_cntr(PmTest *t, unsigned i)
{
    uint64_t cap = vtm_reg_rq(t->qts, A_PERFCAP);

    return vtm_reg_rq(t->qts, vtm_reg_rl(t->qts, A_PERFCNTROFF) +
                      i * (1ULL << (FIELD_EX64(cap, PERFCAP, CS) + 10)));
}

/* Enhanced command as ecmd_submit_sync: returns ECRSP.SC. */
static unsigned pm_ecmd(PmTest *t, uint8_t cmd, uint64_t oa)
{
    uint64_t rsp;

    g_assert_false(vtm_reg_rq(t->qts, A_ECRSP) & R_ECRSP_IP_MASK);
    vtm_reg_wq(t->qts, A_ECEO, 0);
    vtm_reg_wq(t->qts, A_ECMD, cmd | (oa << R_ECMD_OA_SHIFT));
    rsp = vtm_reg_rq(t->qts, A_ECRSP);
    g_assert_false(rsp & R_ECRSP_IP_MASK);
    return FIELD_EX64(rsp, ECRSP, SC);
}

/* iommu_pmu_assign_event: the event, then the filter; then enable. */
static void pm_count(PmTest *t, unsigned i, VTMPmEvent ev, int rid,
                     bool intr)
{
    const PmEvent *e = &pm_events[ev];

    vtm_reg_wq(t->qts, pm_cfg(t, i),
               ((uint64_t)e->select << R_PMCFG_ES_SHIFT) |
               ((uint64_t)e->group << R_PMCFG_EGI_SHIFT) |
               (intr ? R_PMCFG_INT_MASK : 0));
    vtm_reg_wl(t->qts, pm_cfg(t, i) + A_PMFILTER,
               rid >= 0 ? (rid | R_PMFILTER_EN_MASK) : 0);
    g_assert_cmpuint(pm_ecmd(t, VTM_ECMD_ENABLE, i), ==, VTM_ECRSP_SC_OK);
}

/* ---- Tests ------------------------------------------------------------ */

static void test_caps(void)
{
    uint64_t cap, ecap, perfcap;
    PmTest t;
    unsigned g;

    pm_start(&t, "");
    cap = vtm_reg_rq(t.qts, A_CAP);
    ecap = vtm_reg_rq(t.qts, A_ECAP);
    g_assert_cmpuint(FIELD_EX64(cap, CAP, ECMDS), ==, 1);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, PMS), ==, 1);
    perfcap = vtm_reg_rq(t.qts, A_PERFCAP);
    g_assert_cmpuint(FIELD_EX64(perfcap, PERFCAP, NC), ==, VTM_PM_NCNTR);
    g_assert_cmpuint(FIELD_EX64(perfcap, PERFCAP, CW), ==, 48);
    g_assert_cmpuint(FIELD_EX64(perfcap, PERFCAP, NEG), ==, 5);
    g_assert_cmpuint(FIELD_EX64(perfcap, PERFCAP, IOS), ==, 1);
    g_assert_cmpuint(FIELD_EX64(perfcap, PERFCAP, FILTERS), ==,
                     VTM_PM_FILTER_RID);
    /* ECCAP's fourth word: enable, disable, freeze, unfreeze */
    g_assert_cmphex(vtm_reg_rq(t.qts, A_ECCAP + 24), ==,
                    VTM_ECCAP3_ECNTS | VTM_ECCAP3_DCNTS |
                    VTM_ECCAP3_FCNTS | VTM_ECCAP3_UFCNTS);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PERFEVNTCAP), ==, 0x7);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PERFEVNTCAP + 8), ==, 0x21);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PERFEVNTCAP + 16), ==, 0x3f);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PERFEVNTCAP + 24), ==, 0x3);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PERFEVNTCAP + 32), ==, 0x7);
    /* the registers the offsets point to are inside the 16 KiB window */
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFCFGOFF), ==, VTM_PM_CFG_BASE);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFCNTROFF), ==, VTM_PM_CNTR_BASE);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFOVFOFF), ==, VTM_PM_OVF_BASE);
    for (g = 0; g < VTM_PM_NCNTR; g++) {
        g_assert_cmphex(pm_cntr(&t, g), ==, 0);
        g_assert_cmphex(vtm_reg_rl(t.qts, pm_cfg(&t, g) + A_PMCNTRCAP), ==,
                        0);
    }
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFINTRCTL), ==,
                    R_PERFINTRCTL_IM_MASK);
    /* any size at any offset: PERFCAP bytewise, a counter in halves */
    for (g = 0; g < 8; g++) {
        g_assert_cmphex(qtest_readb(t.qts, VTM_DEFAULT_BASE + A_PERFCAP + g),
                        ==, (perfcap >> (g * 8)) & 0xff);
    }
    g_assert_cmphex(vtm_reg_rl(t.qts, VTM_PM_CNTR_BASE + 4), ==, 0);
    pm_stop(&t);

    /* perfmon=off: no capability, nothing behind the offsets */
    pm_start(&t, ",perfmon=off");
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t.qts, A_CAP), CAP, ECMDS), ==, 0);
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t.qts, A_ECAP), ECAP, PMS), ==, 0);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_PERFCAP), ==, 0);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_ECCAP + 24), ==, 0);
    pm_stop(&t);
}

static void test_commands(void)
{
    PmTest t;

    pm_start(&t, "");
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_ENABLE, 0), ==, VTM_ECRSP_SC_OK);
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_DISABLE, 0), ==, VTM_ECRSP_SC_OK);
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_FREEZE, 0), ==, VTM_ECRSP_SC_OK);
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_UNFREEZE, 0), ==,
                     VTM_ECRSP_SC_OK);
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_ENABLE, VTM_PM_NCNTR), ==,
                     VTM_ECRSP_SC_BAD_OPERAND);
    g_assert_cmpuint(pm_ecmd(&t, 0x01, 0), ==, VTM_ECRSP_SC_UNSUPPORTED);
    g_assert_cmpuint(pm_ecmd(&t, 0xf2, 0), ==, VTM_ECRSP_SC_UNSUPPORTED);
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_DISABLE, 7), ==, VTM_ECRSP_SC_OK);
    /* a command written as two 32-bit halves, low half last */
    vtm_reg_wl(t.qts, A_ECMD + 4, 0);
    vtm_reg_wl(t.qts, A_ECMD, 0x33);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_ECRSP), ==,
                    FIELD_DP64(0, ECRSP, SC, VTM_ECRSP_SC_UNSUPPORTED));
    pm_stop(&t);
}

/* How much the statistic at path grew from a to b. */
static uint64_t stats_delta(QDict *a, QDict *b, const char *path)
{
    return stats_int(b, path) - stats_int(a, path);
}

/* Eight counters over the DMAs of pm_dmas: the counts, and the host's. */
static void test_counting(void)
{
    static const struct {
        VTMPmEvent ev;
        uint64_t n;
        const char *stat;
    } c[VTM_PM_NCNTR] = {
        { VTM_PM_REQUESTS, 6, "unit/translations" },
        { VTM_PM_MEM_BLOCKED, 1, "unit/faults" },
        { VTM_PM_MRDS, 9, "unit/mem-reads" },
        { VTM_PM_CTX_LOOKUP, 6, "unit/context-cache/lookups" },
        { VTM_PM_CTX_HIT, 5, "unit/context-cache/hits" },
        { VTM_PM_IOTLB_LOOKUP, 6, "unit/iotlb/lookups" },
        { VTM_PM_IOTLB_HIT, 2, "unit/iotlb/hits" },
        { VTM_PM_SS_NONLEAF_LOOKUP, 4, "unit/psc/lookups" },
    };
    QDict *st, *st2;
    PmTest t;
    unsigned i;

    pm_start(&t, "");
    pm_translate(&t);
    for (i = 0; i < VTM_PM_NCNTR; i++) {
        pm_count(&t, i, c[i].ev, -1, false);
    }
    pm_dmas(&t);
    st = vtm_qtest_stats(t.qts, STATS_PATH);
    for (i = 0; i < VTM_PM_NCNTR; i++) {
        g_test_message("%s: %" PRIu64, pm_events[c[i].ev].name,
                       pm_cntr(&t, i));
        g_assert_cmpuint(pm_cntr(&t, i), ==, c[i].n);
        g_assert_cmpint(stats_int(st, c[i].stat), ==, c[i].n);
    }
    qobject_unref(st);

    /*
     * Disabled: counter 0 holds its count.  Reprogrammed and enabled
     * again: counters go on from their count with the new event, which
     * counts what the host's statistics count.
     */
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_DISABLE, 0), ==, 0);
    pm_count(&t, 1, VTM_PM_SS_NONLEAF_HIT, -1, false);
    pm_count(&t, 2, VTM_PM_PW_OCCUPANCY, -1, false);
    pm_count(&t, 3, VTM_PM_CLOCKS, -1, false);
    st = vtm_qtest_stats(t.qts, STATS_PATH);
    pm_dmas(&t);
    st2 = vtm_qtest_stats(t.qts, STATS_PATH);
    g_assert_cmpuint(pm_cntr(&t, 0), ==, 6);
    g_assert_cmpuint(pm_cntr(&t, 1), ==,
                     1 + stats_delta(st, st2, "unit/psc/hits"));
    g_assert_cmpuint(pm_cntr(&t, 2), ==,
                     9 + stats_delta(st, st2, "unit/walk-cycles"));
    g_assert_cmpuint(stats_delta(st, st2, "unit/walk-cycles"), >, 0);
    g_assert_cmpuint(pm_cntr(&t, 5), ==,
                     6 + stats_delta(st, st2, "unit/iotlb/lookups"));
    g_assert_cmpuint(stats_delta(st, st2, "unit/iotlb/lookups"), ==, 6);
    /* the modelled clock (1000 MHz): at least the DMAs' virtual time */
    g_assert_cmpuint(pm_cntr(&t, 3), >=, 5 * EDU_DMA_DELAY_NS);
    qobject_unref(st);
    qobject_unref(st2);
    pm_stop(&t);
}

static void test_filter(void)
{
    PmTest t;

    pm_start(&t, "");
    pm_translate(&t);
    pm_count(&t, 0, VTM_PM_REQUESTS, EDU_SID, false);
    pm_count(&t, 1, VTM_PM_REQUESTS, OTHER_SID, false);
    pm_count(&t, 2, VTM_PM_REQUESTS, -1, false);
    pm_count(&t, 3, VTM_PM_IOTLB_HIT, EDU_SID, false);
    pm_dmas(&t);
    g_assert_cmpuint(pm_cntr(&t, 0), ==, 6);
    g_assert_cmpuint(pm_cntr(&t, 1), ==, 0);
    g_assert_cmpuint(pm_cntr(&t, 2), ==, 6);
    g_assert_cmpuint(pm_cntr(&t, 3), ==, 2);
    /* filters PERFCAP does not report cannot be set */
    vtm_reg_wl(t.qts, pm_cfg(&t, 0) + A_PMFILTER + 4,
               DOMAIN_ID | R_PMFILTER_EN_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, pm_cfg(&t, 0) + A_PMFILTER + 4), ==,
                    0);
    pm_stop(&t);
}

static void test_freeze(void)
{
    PmTest t;

    pm_start(&t, "");
    pm_translate(&t);
    pm_count(&t, 0, VTM_PM_REQUESTS, -1, false);
    pm_count(&t, 1, VTM_PM_IOTLB_LOOKUP, -1, false);
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_FREEZE, 0), ==, 0);
    pm_dmas(&t);
    g_assert_cmpuint(pm_cntr(&t, 0), ==, 0);
    g_assert_cmpuint(pm_cntr(&t, 1), ==, 0);
    g_assert_cmpuint(pm_ecmd(&t, VTM_ECMD_UNFREEZE, 0), ==, 0);
    pm_dmas(&t);
    g_assert_cmpuint(pm_cntr(&t, 0), ==, 6);
    g_assert_cmpuint(pm_cntr(&t, 1), ==, 6);
    pm_stop(&t);
}

/*
 * 8-bit counters: page-walk occupancy (280 cycles per table read) wraps
 * on the first cold walk.  Counter 0 asks for the interrupt, counter 1
 * does not: both overflow bits, one message at PERFINTRADDR.
 */
static void test_overflow(void)
{
    PmTest t;
    uint64_t ovf;

    pm_start(&t, ",x-perfmon-width=8");
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t.qts, A_PERFCAP), PERFCAP, CW),
                     ==, 8);
    pm_translate(&t);
    vtm_reg_wl(t.qts, A_PERFINTRDATA, PM_DATA);
    vtm_reg_wl(t.qts, A_PERFINTRADDR, PM_MSG_ADDR);
    vtm_reg_wl(t.qts, A_PERFINTRUADDR, 0);
    qtest_writel(t.qts, PM_MSG_ADDR, 0);
    vtm_reg_wl(t.qts, A_PERFINTRCTL, 0);
    pm_count(&t, 0, VTM_PM_PW_OCCUPANCY, -1, true);
    pm_count(&t, 1, VTM_PM_PW_OCCUPANCY, -1, false);
    pm_count(&t, 2, VTM_PM_REQUESTS, -1, true);
    vtm_edu_dma(t.qts, t.edu, t.bar, IOVA + 0x100, EDU_DMA_BUF, 0x100,
                false);
    ovf = vtm_reg_rq(t.qts, vtm_reg_rl(t.qts, A_PERFOVFOFF));
    g_assert_cmphex(ovf, ==, 0x3);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFINTRSTS), ==,
                    R_PERFINTRSTS_PIS_MASK);
    g_assert_cmphex(qtest_readl(t.qts, PM_MSG_ADDR), ==, PM_DATA);
    g_assert_cmpuint(pm_cntr(&t, 0), <, 256);
    g_assert_cmpuint(pm_cntr(&t, 2), ==, 1);

    /* the handler: overflow status, then PIS (both write-1-to-clear) */
    vtm_reg_wq(t.qts, vtm_reg_rl(t.qts, A_PERFOVFOFF), ovf);
    vtm_reg_wl(t.qts, A_PERFINTRSTS, R_PERFINTRSTS_PIS_MASK);
    g_assert_cmphex(vtm_reg_rq(t.qts, VTM_PM_OVF_BASE), ==, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFINTRSTS), ==, 0);

    /* masked: held pending (IP) and sent when unmasked */
    qtest_writel(t.qts, PM_MSG_ADDR, 0);
    vtm_reg_wl(t.qts, A_PERFINTRCTL, R_PERFINTRCTL_IM_MASK);
    vtm_edu_dma(t.qts, t.edu, t.bar, IOVA + 0x1000, EDU_DMA_BUF, 0x100,
                false);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFINTRCTL), ==,
                    R_PERFINTRCTL_IM_MASK | R_PERFINTRCTL_IP_MASK);
    g_assert_cmphex(qtest_readl(t.qts, PM_MSG_ADDR), ==, 0);
    vtm_reg_wl(t.qts, A_PERFINTRCTL, 0);
    g_assert_cmphex(qtest_readl(t.qts, PM_MSG_ADDR), ==, PM_DATA);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFINTRCTL), ==, 0);
    pm_stop(&t);
}

/* Reset stops and clears every counter. */
static void test_reset(void)
{
    PmTest t;

    pm_start(&t, "");
    pm_translate(&t);
    pm_count(&t, 0, VTM_PM_REQUESTS, -1, true);
    pm_dmas(&t);
    g_assert_cmpuint(pm_cntr(&t, 0), ==, 6);
    qtest_system_reset(t.qts);
    g_assert_cmpuint(pm_cntr(&t, 0), ==, 0);
    g_assert_cmphex(vtm_reg_rq(t.qts, pm_cfg(&t, 0)), ==, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_PERFINTRCTL), ==,
                    R_PERFINTRCTL_IM_MASK);
    pm_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm/perfmon/caps", test_caps);
    qtest_add_func("/vtm/perfmon/commands", test_commands);
    qtest_add_func("/vtm/perfmon/counting", test_counting);
    qtest_add_func("/vtm/perfmon/filter", test_filter);
    qtest_add_func("/vtm/perfmon/freeze", test_freeze);
    qtest_add_func("/vtm/perfmon/overflow", test_overflow);
    qtest_add_func("/vtm/perfmon/reset", test_reset);
    return g_test_run();
}
