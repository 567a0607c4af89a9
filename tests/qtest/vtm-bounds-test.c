/*
 * qtest for the bounds vtm-iommu keeps against a hostile guest (issue 17,
 * "no floods, bounded work"): every guest action costs bounded host work
 * and ends in an architectural fault or error status, never a hang.
 *
 *   /vtm-bounds/qi-tail         IQT far beyond the queue: IQE, IQEI 6;
 *                               the largest legal kick (a full queue)
 *   /vtm-bounds/inv-huge        a 2^57-byte page-selective invalidation
 *                               (AM 45 > MAMV): IQE / IAIG 0; the largest
 *                               legal ranges (AM = MAMV, a device-TLB
 *                               invalidation of all 2^64 bytes)
 *   /vtm-bounds/replay-huge     MAP notifiers and replay over 512 GiB of
 *                               1 GiB pages and over a full 4-level table
 *                               (2^36 pages): within notify-max-mappings
 *   /vtm-bounds/cyclic-tables   a table entry pointing at its own table,
 *                               two tables pointing at each other: the
 *                               walk ends at its level bound or faults
 *   /vtm-bounds/tables-no-ram   root, context, page tables and the queue
 *                               outside RAM or in MMIO (the unit's own
 *                               registers): access faults, IQEI 2
 *   /vtm-bounds/irta-no-ram     an interrupt remapping table beyond RAM,
 *                               across its end, above HAW, in MMIO
 *   /vtm-bounds/log-flood       a guest error repeated 5000 times: logged
 *                               at most 10 times a second (vtm-log.h)
 *
 * Each case measures what it cost (host time, and the unit's own counts
 * of table reads, walks, IRTE reads or notifier events) and reports it
 * with g_test_message ("COST ..." lines, shown with --verbose); the
 * assertions are on faults, error status and counts, never on time.
 *
 * Guest memory (-m 2G, all of it below 4 GiB):
 *   MISC_BASE    fault event message, wait status dwords
 *   QUEUE_BASE   invalidation queue (up to 512 KiB)
 *   IRT_BASE     interrupt remapping table
 *   TABLE_BASE.. root, context and second-stage tables
 *   DATA_BASE    edu DMA source and destination
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-qtest-util.h"

#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */
#define EDU_REG_RAISE       0x60
#define EDU_REG_LOWER       0x64

#define MISC_BASE           0x00800000ULL
#define FE_MSG_ADDR         (MISC_BASE + 0x00)
#define WAIT_ADDR           (MISC_BASE + 0x80)
#define QUEUE_BASE          0x00900000ULL
#define IRT_BASE            0x00a00000ULL
#define TABLE_BASE          0x01000000ULL
#define TABLE_LIMIT         0x03000000ULL
#define DATA_BASE           0x03000000ULL
#define RAM_END             0x80000000ULL       /* -m 2G */
#define NO_RAM              0x1000000000ULL     /* 64 GiB: nothing there */
#define HPET_BASE           0xfed00000ULL       /* MMIO, not memory */

#define FE_DATA             0x00004021
#define DID                 1
#define RW                  (R_SLPTE_R_MASK | R_SLPTE_W_MASK)
#define SZ_1G               0x40000000ULL
#define UNIT                "/machine/peripheral/iommu"
#define REC                 "/machine/peripheral/rec"
#define REC2                "/machine/peripheral/rec2"
#define REC3                "/machine/peripheral/rec3"

typedef struct BT {
    QTestState *qts;
    QPCIBus *pcibus;
    QPCIDevice *edu;
    QPCIBar bar;
    VtmQtMem mem;               /* guest memory; tables from TABLE_BASE */
    VtmQtQueue iq;              /* the invalidation queue at QUEUE_BASE */
    uint64_t root, ctx, slpt;
    unsigned levels;
    int64_t t0;                 /* host time a measured action began */
} BT;

/* ---- Machine ----------------------------------------------------------- */

static void bt_start(BT *t, const char *iommu_opts, unsigned levels,
                     const char *extra)
{
    memset(t, 0, sizeof(*t));
    t->qts = qtest_initf("-M q35 -m 2G -nodefaults "
                         "-device vtm-iommu,id=iommu%s "
                         "-device edu,addr=04.0,dma_mask=0xffffffffffffffff "
                         "%s", iommu_opts, extra);
    t->pcibus = qpci_new_pc(t->qts, NULL);
    t->edu = qpci_device_find(t->pcibus, EDU_DEVFN);
    g_assert(t->edu);
    qpci_device_enable(t->edu);
    t->bar = qpci_iomap(t->edu, 0, NULL);
    vtm_qt_mem_init(&t->mem, t->qts, TABLE_BASE, TABLE_LIMIT);
    vtm_qt_qi_init(&t->iq, t->qts, &t->mem.mem, QUEUE_BASE, 0, WAIT_ADDR);
    t->iq.fsts_ignore = R_FSTS_FRI_MASK;
    t->levels = levels;
    /* the fault event goes to memory, where the test reads it */
    vtm_reg_wl(t->qts, A_FEDATA, FE_DATA);
    vtm_reg_wl(t->qts, A_FEADDR, FE_MSG_ADDR);
    vtm_reg_wl(t->qts, A_FEUADDR, 0);
    vtm_reg_wl(t->qts, A_FECTL, 0);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
}

static void bt_stop(BT *t)
{
    g_free(t->edu);
    qpci_free_pc(t->pcibus);
    qtest_quit(t->qts);
}

/* ---- Cost: host time and the unit's counters --------------------------- */

static void cost_begin(BT *t)
{
    vtm_qtest_stats_reset(t->qts, UNIT);
    t->t0 = g_get_monotonic_time();
}

/* Host microseconds since cost_begin. */
static int64_t cost_us(BT *t)
{
    return g_get_monotonic_time() - t->t0;
}

static int64_t unit_stat(BT *t, const char *path)
{
    g_autoptr(QDict) d = vtm_qtest_stats(t->qts, UNIT);
    g_autofree char *full = g_strdup_printf("unit/%s", path);

    return stats_int(d, full);
}

static uint64_t qom_u64(BT *t, const char *path, const char *prop)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': %s}}", path, prop);
    uint64_t v;

    g_assert(qdict_haskey(rsp, "return"));
    v = qdict_get_int(rsp, "return");
    qobject_unref(rsp);
    return v;
}

static char *qom_str(BT *t, const char *path, const char *prop)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': %s}}", path, prop);
    char *s;

    g_assert(qdict_haskey(rsp, "return"));
    s = g_strdup(qdict_get_str(rsp, "return"));
    qobject_unref(rsp);
    return s;
}

/* ---- Faults ------------------------------------------------------------ */

static uint64_t frcd_off(unsigned i)
{
    return VTM_FRO_OFFSET + i * VTM_FRCD_SIZE;
}

/*
 * The pending fault record FSTS.FRI names: its FR, SID and FI are
 * checked (fi: the page of a DMA fault, or the interrupt index in FI's
 * top 16 bits), then it is cleared, and so are PPF and the event.
 */
static void take_fault(BT *t, uint8_t fr, uint64_t lo_want)
{
    uint32_t fsts = vtm_reg_rl(t->qts, A_FSTS);
    unsigned i = FIELD_EX32(fsts, FSTS, FRI);
    uint64_t lo, hi;

    g_assert_cmphex(fsts & R_FSTS_PPF_MASK, ==, R_FSTS_PPF_MASK);
    lo = vtm_reg_rq(t->qts, frcd_off(i));
    hi = vtm_reg_rq(t->qts, frcd_off(i) + 8);
    g_test_message("FRCD[%u] %016" PRIx64 " %016" PRIx64, i, hi, lo);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, F), ==, 1);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, FR), ==, fr);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, SID), ==, EDU_SID);
    g_assert_cmphex(lo, ==, lo_want);
    vtm_reg_wl(t->qts, frcd_off(i) + 12, R_FRCD_HI_F_MASK >> 32);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS) & R_FSTS_PPF_MASK, ==, 0);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
}

/* No status bit set (FRI, valid only with PPF, may be anything). */
static void assert_no_fault(BT *t)
{
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS) & ~R_FSTS_FRI_MASK, ==, 0);
}

/* IQE set, IQH at head, IQERCD.IQEI iqei, the fault event sent. */
static void assert_iqe(BT *t, uint64_t head, uint8_t iqei)
{
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS) & R_FSTS_IQE_MASK, ==,
                    R_FSTS_IQE_MASK);
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IQH), ==, head);
    g_assert_cmphex(FIELD_EX64(vtm_reg_rq(t->qts, A_IQERCD), IQERCD, IQEI),
                    ==, iqei);
    g_assert_cmphex(qtest_readl(t->qts, FE_MSG_ADDR), ==, FE_DATA);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
}

static void clear_iqe(BT *t)
{
    vtm_reg_wl(t->qts, A_FSTS, R_FSTS_IQE_MASK);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS) & R_FSTS_IQE_MASK, ==, 0);
}

/* ---- Tables and translation -------------------------------------------- */

static uint64_t alloc_table(BT *t)
{
    return vtm_qt_alloc(&t->mem);
}

static void write_context(BT *t, uint64_t top)
{
    vtmt_w128(&t->mem.mem, t->ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(top, VTM_TT_UNTRANSLATED, false),
              vtmt_ctx_hi(vtmt_aw_of_levels(t->levels), DID));
}

static void set_root(BT *t, uint64_t root)
{
    vtm_reg_wq(t->qts, A_RTADDR, FIELD_DP64(0, RTADDR, RTA,
                                            root >> VTM_PAGE_SHIFT));
    vtm_gcmd_update(t->qts, R_GCMD_SRTP_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_RTPS_MASK, ==,
                    R_GSTS_RTPS_MASK);
}

/* Root, context (edu in DID) and an empty top table; translation on. */
static void setup_translation(BT *t)
{
    t->root = alloc_table(t);
    t->ctx = alloc_table(t);
    t->slpt = alloc_table(t);
    vtmt_w64(&t->mem.mem, t->root, vtmt_root_lo(t->ctx));
    write_context(t, t->slpt);
    set_root(t, t->root);
    vtm_gcmd_update(t->qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
}

/* Global context-cache and IOTLB invalidation through the registers. */
static void reg_flush(BT *t)
{
    vtm_reg_wq(t->qts, A_CCMD, vtmt_reg_ccmd(VTM_INV_GLOBAL, 0, 0, 0));
    g_assert_cmphex(vtm_reg_rq(t->qts, A_CCMD) & R_CCMD_ICC_MASK, ==, 0);
    vtm_reg_wq(t->qts, A_IOTLB, vtmt_reg_iotlb(VTM_INV_GLOBAL, 0, false,
                                               false));
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IOTLB) & R_IOTLB_IVT_MASK, ==, 0);
}

static uint64_t map(BT *t, uint64_t iova, uint64_t pa, unsigned shift)
{
    VtmtPt pt = { .mem = &t->mem.mem, .top = t->slpt, .levels = t->levels };
    uint64_t a = vtmt_pt_map(&pt, iova, pa, vtmt_shift_level(shift), RW);

    g_assert_cmphex(a, !=, 0);
    return a;
}

/* edu: len bytes from iova into its buffer, then out to iova2. */
static void edu_read(BT *t, uint64_t iova, uint32_t len)
{
    vtm_edu_dma(t->qts, t->edu, t->bar, iova, EDU_DMA_BUF, len, false);
}

static void edu_write(BT *t, uint64_t iova, uint32_t len)
{
    vtm_edu_dma(t->qts, t->edu, t->bar, EDU_DMA_BUF, iova, len, true);
}

/* ---- Queued invalidation ----------------------------------------------- */

static void qi_enable(BT *t, unsigned qs)
{
    vtm_qt_qi_init(&t->iq, t->qts, &t->mem.mem, QUEUE_BASE, qs, WAIT_ADDR);
    t->iq.fsts_ignore = R_FSTS_FRI_MASK;
    vtm_qt_qi_enable(&t->iq);
}

static void qi_put(BT *t, VtmtDesc d)
{
    vtm_qt_qi_put(&t->iq, d);
}

/* ---- /vtm-bounds/qi-tail ----------------------------------------------- */

/*
 * 11.4.9.2, 6.5.2.10: a tail the queue cannot hold is an error (IQEI 6),
 * not a wrap: the unit fetches nothing.  The most a legal tail can ask
 * for is a full queue of 2^15 descriptors (IQA.QS=7).
 */
static void test_qi_tail(void)
{
    uint64_t tails[] = { VTM_PAGE_SIZE, 0x7fff0 };
    unsigned i, n;
    int64_t us;
    BT t;

    bt_start(&t, "", 4, "");
    qi_enable(&t, 0);                   /* 256 descriptors */
    qtest_memset(t.qts, WAIT_ADDR, 0, 16);
    qi_put(&t, vtmt_qi_wait(true, false, false, 0x11, WAIT_ADDR));
    for (i = 0; i < ARRAY_SIZE(tails); i++) {
        cost_begin(&t);
        vtm_reg_wl(t.qts, A_IQT, tails[i]);
        us = cost_us(&t);
        assert_iqe(&t, 0, VTM_IQEI_TAIL_RANGE);
        g_assert_cmphex(qtest_readl(t.qts, WAIT_ADDR), ==, 0);
        g_test_message("COST qi-tail IQT=0x%" PRIx64 " (queue 4 KiB): "
                       "%" PRId64 " us, %" PRId64 " descriptors applied",
                       tails[i], us, unit_stat(&t, "invalidations/wait"));
        g_assert_cmpint(unit_stat(&t, "invalidations/wait"), ==, 0);
        /* a new tail while IQE is set is not fetched either */
        vtm_qt_qi_kick(&t.iq);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, 0);
        g_assert_cmphex(qtest_readl(t.qts, WAIT_ADDR), ==, 0);
        clear_iqe(&t);
        g_assert_cmphex(qtest_readl(t.qts, WAIT_ADDR), ==, 0x11);
        qtest_writel(t.qts, WAIT_ADDR, 0);
        vtm_gcmd_update(t.qts, 0, R_GCMD_QIE_MASK);
        qi_enable(&t, 0);
        qi_put(&t, vtmt_qi_wait(true, false, false, 0x11, WAIT_ADDR));
    }

    /* the largest kick: 2^15 - 1 slots of 1 GiB invalidations and a wait */
    vtm_gcmd_update(t.qts, 0, R_GCMD_QIE_MASK);
    qi_enable(&t, 7);
    n = t.iq.q.size / t.iq.q.desc_size - 1;
    {
        g_autofree VtmtDesc *d = g_new0(VtmtDesc, n);

        for (i = 0; i < n - 1; i++) {
            d[i] = vtmt_qi_iotlb(VTM_INV_PAGE, DID, (uint64_t)i * SZ_1G, 18,
                                 false);
        }
        d[n - 1] = vtmt_qi_wait(true, false, false, 0x22, WAIT_ADDR);
        vtmt_queue_put_many(&t.iq.q, d, n);
    }
    cost_begin(&t);
    vtm_qt_qi_kick(&t.iq);
    us = cost_us(&t);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_ADDR), ==, 0x22);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, vtmt_queue_iqt(&t.iq.q));
    assert_no_fault(&t);
    g_test_message("COST qi-tail full 512 KiB queue: %u descriptors, "
                   "%" PRId64 " us", n, us);
    bt_stop(&t);
}

/* ---- /vtm-bounds/inv-huge ---------------------------------------------- */

#define AM_2_57             (57 - VTM_PAGE_SHIFT)   /* 2^57 bytes */

static unsigned cap_mamv(BT *t)
{
    return FIELD_EX64(vtm_reg_rq(t->qts, A_CAP), CAP, MAMV);
}

/* The register interface: IAIG 0 (not done) for AM above MAMV. */
static void inv_huge_register(BT *t)
{
    uint64_t cmd = vtmt_reg_iotlb(VTM_INV_PAGE, DID, false, false);
    unsigned am[] = { AM_2_57, cap_mamv(t) };
    uint64_t want;
    unsigned i;
    int64_t us;

    for (i = 0; i < ARRAY_SIZE(am); i++) {
        cost_begin(t);
        vtm_reg_wq(t->qts, A_IVA, vtmt_reg_iva(0, am[i], false));
        vtm_reg_wq(t->qts, A_IOTLB, cmd);
        us = cost_us(t);
        want = FIELD_DP64(cmd, IOTLB, IVT, 0);
        want = FIELD_DP64(want, IOTLB, IAIG, i ? VTM_INV_PAGE : 0);
        g_assert_cmphex(vtm_reg_rq(t->qts, A_IOTLB), ==, want);
        g_test_message("COST inv-huge register AM=%u: %" PRId64 " us",
                       am[i], us);
    }
}

static void test_inv_huge(void)
{
    const char *recs =
        "-device x-vtm-notify-recorder,id=rec,devfn=0x20 "
        "-device x-vtm-notify-recorder,id=rec2,devfn=0x20,flags=unmap "
        "-device x-vtm-notify-recorder,id=rec3,devfn=0x20,flags=devtlb";
    uint64_t top = MAKE_64BIT_MASK(0, 48) & ~(SZ_1G - 1);
    g_autofree char *ev = NULL;
    uint64_t c0;
    unsigned mamv;
    int64_t us;
    BT t;

    bt_start(&t, ",caching-mode=on,device-iotlb=on", 4, recs);
    mamv = cap_mamv(&t);
    g_assert_cmpuint(mamv, <, AM_2_57);
    setup_translation(&t);
    map(&t, 0x1000, DATA_BASE, 12);
    map(&t, top, 0x40000000, 30);
    inv_huge_register(&t);
    g_free(qom_str(&t, REC, "events"));
    g_free(qom_str(&t, REC2, "events"));
    c0 = qom_u64(&t, REC2, "count");

    /* a 2^57-byte page-selective invalidation: reserved (AM > MAMV) */
    qi_enable(&t, 0);
    qi_put(&t, vtmt_qi_iotlb(VTM_INV_PAGE, DID, 0, AM_2_57, false));
    qi_put(&t, vtmt_qi_wait(true, false, false, 0x33, WAIT_ADDR));
    cost_begin(&t);
    vtm_qt_qi_kick(&t.iq);
    us = cost_us(&t);
    assert_iqe(&t, 0, VTM_IQEI_RSVD);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_ADDR), !=, 0x33);
    g_assert_cmpuint(qom_u64(&t, REC2, "count"), ==, c0);
    g_test_message("COST inv-huge QI AM=%u: %" PRId64 " us", AM_2_57, us);
    /* software fixes the descriptor: AM = MAMV, the last GiB of 2^48 */
    vtmt_w128(&t.mem.mem, QUEUE_BASE,
              vtmt_qi_iotlb(VTM_INV_PAGE, DID, top, mamv, false).qw[0],
              vtmt_qi_iotlb(VTM_INV_PAGE, DID, top, mamv, false).qw[1]);
    cost_begin(&t);
    clear_iqe(&t);
    us = cost_us(&t);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_ADDR), ==, 0x33);
    ev = qom_str(&t, REC2, "events");
    g_assert_cmpstr(ev, ==, "unmap 0xffffc0000000 0x3fffffff\n");
    g_free(ev);
    /* caching mode: the 1 GiB page mapped without invalidation appears */
    ev = qom_str(&t, REC, "events");
    g_assert_cmpstr(ev, ==, "map 0xffffc0000000 0x3fffffff 0x40000000 rw\n");
    g_test_message("COST inv-huge QI AM=%u (1 GiB): %" PRId64 " us, "
                   "iotlb lines invalidated %" PRId64, mamv, us,
                   unit_stat(&t, "caches/iotlb/invalidated"));
    g_free(ev);

    /* a device-TLB invalidation of all 2^64 bytes (6.5.2.5: S, ADDR) */
    qi_put(&t, vtmt_qi_devtlb(EDU_SID, 0, 0, ~0ULL << VTM_PAGE_SHIFT &
                              ~BIT_ULL(63), true));
    cost_begin(&t);
    vtm_qt_qi_sync(&t.iq);
    us = cost_us(&t);
    ev = qom_str(&t, REC3, "events");
    g_assert_cmpstr(ev, ==, "devtlb 0x0 0x7fffffffffffffff\n"
                    "devtlb 0x8000000000000000 0x7fffffffffffffff\n");
    g_test_message("COST inv-huge device-TLB 2^64 bytes: %" PRId64 " us, "
                   "2 events", us);
    assert_no_fault(&t);
    bt_stop(&t);
}

/* ---- /vtm-bounds/replay-huge ------------------------------------------- */

static void replay(BT *t, const char *path)
{
    qtest_qmp_assert_success(t->qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'replay', "
                             "'value': true}}", path);
}

/* One domain-selective invalidation and its wait; host us it took. */
static int64_t dsi(BT *t)
{
    qi_put(t, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false));
    cost_begin(t);
    vtm_qt_qi_sync(&t->iq);
    return cost_us(t);
}

/* Replays rec and rec2 (no tracker: walks now); events of each. */
static void replay_both(BT *t, const char *what, uint64_t *n1, uint64_t *n2)
{
    uint64_t c1 = qom_u64(t, REC, "count"), c2 = qom_u64(t, REC2, "count");

    replay(t, REC);
    replay(t, REC2);
    *n1 = qom_u64(t, REC, "count") - c1;
    *n2 = qom_u64(t, REC2, "count") - c2;
    g_test_message("COST replay %s: tracked %" PRIu64 " events in %" PRIu64
                   " us; walked %" PRIu64 " events in %" PRIu64 " us", what,
                   *n1, qom_u64(t, REC, "replay-ns") / 1000, *n2,
                   qom_u64(t, REC2, "replay-ns") / 1000);
}

static void test_replay_huge(void)
{
    const char *recs =
        "-device x-vtm-notify-recorder,id=rec,devfn=0x20,store=off "
        "-device x-vtm-notify-recorder,id=rec2,devfn=0x20,store=off,"
        "flags=unmap";
    uint64_t max = 1 << 18;             /* notify-max-mappings' default */
    VtmtPt pt;
    uint64_t n1, n2, c0;
    int64_t us;
    BT t;

    bt_start(&t, ",caching-mode=on", 4, recs);
    setup_translation(&t);
    qi_enable(&t, 0);
    pt = (VtmtPt) { .mem = &t.mem.mem, .top = t.slpt, .levels = 4 };

    /* 512 GiB of 1 GiB pages: one table of 512 leaves */
    g_assert_true(vtmt_pt_map_range(&pt, 0, 0, 512 * SZ_1G, 30, RW));
    c0 = qom_u64(&t, REC, "count");
    us = dsi(&t);
    g_test_message("COST replay 512 GiB of 1 GiB pages: invalidation "
                   "%" PRId64 " us, %" PRIu64 " events", us,
                   qom_u64(&t, REC, "count") - c0);
    g_assert_cmpuint(qom_u64(&t, REC, "count") - c0, ==, 512);
    replay_both(&t, "512x1G", &n1, &n2);
    g_assert_cmpuint(n1, ==, 512);
    g_assert_cmpuint(n2, ==, 512);

    /* every entry of every level a table, down to 512 leaves: 2^36 pages */
    g_assert_true(vtmt_pt_alias(&pt, vtmt_leaf(DATA_BASE, 1, RW)));
    c0 = qom_u64(&t, REC, "count");
    us = dsi(&t);
    g_test_message("COST replay full 4-level table (2^36 pages): "
                   "invalidation %" PRId64 " us, %" PRIu64 " events", us,
                   qom_u64(&t, REC, "count") - c0);
    /*
     * The 1G blocks the walk reaches go, pages come while the tracker
     * has room (it holds at most notify-max-mappings): nothing more
     */
    g_assert_cmpuint(qom_u64(&t, REC, "count") - c0, <=, 512 + max);
    g_assert_cmpuint(qom_u64(&t, REC, "count") - c0, >=, max - 512);
    replay_both(&t, "2^36x4K", &n1, &n2);
    g_assert_cmpuint(n1, ==, max);
    g_assert_cmpuint(n2, ==, max);

    /* tables all the way down and no leaf: bounded by the table budget */
    g_assert_true(vtmt_pt_alias(&pt, 0));
    c0 = qom_u64(&t, REC, "count");
    us = dsi(&t);
    g_test_message("COST replay full table without leaves: invalidation "
                   "%" PRId64 " us, %" PRIu64 " events", us,
                   qom_u64(&t, REC, "count") - c0);
    g_assert_cmpuint(qom_u64(&t, REC, "count") - c0, ==, max);
    replay_both(&t, "no leaves", &n1, &n2);
    g_assert_cmpuint(n1, ==, 0);
    g_assert_cmpuint(n2, ==, 0);
    assert_no_fault(&t);
    bt_stop(&t);
}

/* ---- /vtm-bounds/cyclic-tables ----------------------------------------- */

#define SCRATCH_IOVA        (1ULL << 48)        /* the top table's entry 1 */
#define SCRATCH             (DATA_BASE + 0x1000)

/* Caching mode: what changed is invalidated, the MAP notifiers synced. */
static void cm_flush(BT *t)
{
    qi_put(t, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false));
    vtm_qt_qi_sync(&t->iq);
}

/*
 * A walk takes one step per level whatever the entries point at (9.8):
 * a table that points at itself is read again at the next level, and
 * its entry at the last level is a leaf that maps the table.  A DMA read
 * at iova gets the qword want (the scratch page brings it back), with
 * at most one table read per level.
 */
static void cyclic_read(BT *t, uint64_t iova, uint64_t want, const char *what)
{
    int64_t reads, us;

    qtest_writeq(t->qts, SCRATCH, 0);
    cost_begin(t);
    edu_read(t, iova, 8);
    us = cost_us(t);
    reads = unit_stat(t, "mem-reads");
    edu_write(t, SCRATCH_IOVA, 8);
    g_assert_cmphex(qtest_readq(t->qts, SCRATCH), ==, want);
    assert_no_fault(t);
    /* root, context, and one read per level at most */
    g_assert_cmpint(reads, <=, 2 + t->levels);
    g_test_message("COST cyclic %s (%u levels): %" PRId64 " table reads, "
                   "%" PRId64 " us", what, t->levels, reads, us);
}

/* The PS bit on an entry that points at its own table at level 2. */
static void cyclic_large(BT *t)
{
    uint64_t iova = (3ULL << 48) | 0x200000;
    uint64_t t4 = alloc_table(t), t3 = alloc_table(t);
    int64_t us;

    /* top[3] -> t4, t4[0] -> t3, t3[0] -> t3 (level 2), t3[1]: 2M leaf */
    g_assert_cmphex(t3 & (0x200000 - 1), !=, 0);
    vtmt_w64(&t->mem.mem, t->slpt + 8 * 3, vtmt_table_entry(t4));
    vtmt_w64(&t->mem.mem, t4, vtmt_table_entry(t3));
    vtmt_w64(&t->mem.mem, t3, vtmt_table_entry(t3));
    vtmt_w64(&t->mem.mem, t3 + 8, vtmt_slpte(t3, RW, true));
    cm_flush(t);
    cost_begin(t);
    edu_read(t, iova, 8);
    us = cost_us(t);
    /* its address bits 20:12 are reserved in a 2 MiB leaf (9.8) */
    take_fault(t, VTM_FR_PTE_RSVD, iova);
    g_test_message("COST cyclic PS self-pointer: %" PRId64 " table reads, "
                   "%" PRId64 " us, fault 0x0c", unit_stat(t, "mem-reads"),
                   us);
}

/* Every entry of the top table points at it: 2^45 pages, one table. */
static void cyclic_all(BT *t)
{
    g_autofree uint64_t *self = g_new(uint64_t, 512);
    uint64_t c0 = qom_u64(t, REC, "count"), n;
    int64_t reads, us;
    unsigned i;

    for (i = 0; i < 512; i++) {
        self[i] = cpu_to_le64(vtmt_table_entry(t->slpt));
    }
    qtest_memwrite(t->qts, t->slpt, self, VTM_PAGE_SIZE);
    qi_put(t, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false));
    cost_begin(t);
    vtm_qt_qi_sync(&t->iq);
    us = cost_us(t);
    n = qom_u64(t, REC, "count") - c0;
    g_test_message("COST cyclic fully self-pointing top table: "
                   "invalidation %" PRId64 " us, %" PRIu64 " events", us, n);
    /* the tracker changes within its 4096 blocks, and holds them all */
    g_assert_cmpuint(n, <=, 2 * 4096);
    c0 = qom_u64(t, REC, "count");
    replay(t, REC);
    g_assert_cmpuint(qom_u64(t, REC, "count") - c0, ==, 4096);
    cost_begin(t);
    edu_read(t, 0x123456789000ULL, 8);
    us = cost_us(t);
    reads = unit_stat(t, "mem-reads");
    assert_no_fault(t);
    g_assert_cmpint(reads, <=, 2 + t->levels);
    g_test_message("COST cyclic self x512 (%u levels): %" PRId64
                   " table reads, %" PRId64 " us", t->levels, reads, us);
}

static void test_cyclic_tables(void)
{
    const char *recs =
        "-device x-vtm-notify-recorder,id=rec,devfn=0x20,store=off";
    uint64_t a, b;
    BT t;

    bt_start(&t, ",aw-bits=57,caching-mode=on,notify-max-mappings=4096", 5,
             recs);
    setup_translation(&t);
    qi_enable(&t, 0);
    map(&t, SCRATCH_IOVA, SCRATCH, 12);
    cm_flush(&t);

    /* the top table's entry 0 points at the top table itself */
    vtmt_w64(&t.mem.mem, t.slpt, vtmt_table_entry(t.slpt));
    cm_flush(&t);
    cyclic_read(&t, 0, vtmt_table_entry(t.slpt), "self");

    /* top[2] -> a, a[0] -> b, b[0] -> a, a[0] -> b; b[0] maps page a */
    a = alloc_table(&t);
    b = alloc_table(&t);
    vtmt_w64(&t.mem.mem, a, vtmt_table_entry(b));
    vtmt_w64(&t.mem.mem, b, vtmt_table_entry(a));
    vtmt_w64(&t.mem.mem, t.slpt + 8 * 2, vtmt_table_entry(a));
    cm_flush(&t);
    cyclic_read(&t, 2ULL << 48, vtmt_table_entry(b), "a<->b");

    cyclic_large(&t);
    cyclic_all(&t);
    bt_stop(&t);
}

/* ---- /vtm-bounds/tables-no-ram ----------------------------------------- */

#define PROBE_IOVA          0x5000

/* A DMA read at PROBE_IOVA faults with fr; what it cost. */
static void probe_fault(BT *t, uint8_t fr, const char *what)
{
    int64_t us;

    reg_flush(t);
    cost_begin(t);
    edu_read(t, PROBE_IOVA, 4);
    us = cost_us(t);
    take_fault(t, fr, PROBE_IOVA);
    g_test_message("COST %s: fault 0x%02x, %" PRId64 " table reads, "
                   "%" PRId64 " us", what, fr, unit_stat(t, "mem-reads"), us);
}

static void tables_no_ram_dma(BT *t)
{
    uint64_t where[] = { NO_RAM, VTM_DEFAULT_BASE, HPET_BASE };
    const char *name[] = { "beyond RAM", "in vtm's MMIO", "in HPET MMIO" };
    VtmtPt pt;
    char *buf;
    unsigned i;
    uint64_t e;

    setup_translation(t);
    pt = (VtmtPt) { .mem = &t->mem.mem, .top = t->slpt,
                    .levels = t->levels };
    map(t, PROBE_IOVA, DATA_BASE, 12);
    edu_read(t, PROBE_IOVA, 4);
    assert_no_fault(t);
    for (i = 0; i < ARRAY_SIZE(where); i++) {
        buf = g_strdup_printf("root table %s", name[i]);
        set_root(t, where[i]);
        probe_fault(t, VTM_FR_ROOT_ACCESS, buf);
        g_free(buf);

        buf = g_strdup_printf("context table %s", name[i]);
        set_root(t, t->root);
        vtmt_w64(&t->mem.mem, t->root, vtmt_root_lo(where[i]));
        probe_fault(t, VTM_FR_CTX_ACCESS, buf);
        vtmt_w64(&t->mem.mem, t->root, vtmt_root_lo(t->ctx));
        g_free(buf);

        buf = g_strdup_printf("top page table %s", name[i]);
        write_context(t, where[i]);
        probe_fault(t, VTM_FR_PTE_ACCESS, buf);
        write_context(t, t->slpt);
        g_free(buf);
    }
    /* the level-1 table in MMIO: the level-2 entry points at vtm */
    e = vtmt_pt_entry(&pt, PROBE_IOVA, 2, false);
    g_assert_cmphex(e, !=, 0);
    vtmt_w64(&t->mem.mem, e, vtmt_table_entry(VTM_DEFAULT_BASE));
    probe_fault(t, VTM_FR_PTE_ACCESS, "level-1 table in vtm's MMIO");
}

/*
 * A queue that is not memory: the fetch fails at the first descriptor
 * outside RAM (IQEI 2, 6.5.2.10) and IQH stays there.
 */
static void queue_fault(BT *t, uint64_t iqa, uint64_t tail, uint64_t head,
                        const char *what)
{
    int64_t us;

    vtm_reg_wq(t->qts, A_IQA, iqa);
    vtm_reg_wq(t->qts, A_IQT, 0);
    vtm_gcmd_update(t->qts, R_GCMD_QIE_MASK, 0);
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IQH), ==, 0);
    cost_begin(t);
    vtm_reg_wl(t->qts, A_IQT, tail);
    us = cost_us(t);
    assert_iqe(t, head, VTM_IQEI_FETCH);
    g_test_message("COST queue %s: IQE at IQH 0x%" PRIx64 ", %" PRId64
                   " descriptors applied, %" PRId64 " us", what, head,
                   unit_stat(t, "invalidations/wait"), us);
    vtm_gcmd_update(t->qts, 0, R_GCMD_QIE_MASK);
    clear_iqe(t);
}

static void tables_no_ram_queue(BT *t)
{
    uint64_t edge = RAM_END - VTM_PAGE_SIZE;
    unsigned i;

    queue_fault(t, NO_RAM, 0x10, 0, "beyond RAM");
    queue_fault(t, VTM_DEFAULT_BASE, 0x10, 0, "in vtm's MMIO");
    /* 8 KiB from 4 KiB below RAM's end: 256 good waits, then no memory */
    for (i = 0; i < VTM_PAGE_SIZE / 16; i++) {
        VtmtDesc d = vtmt_qi_wait(false, false, false, 0, 0);

        vtmt_w128(&t->mem.mem, edge + i * 16, d.qw[0], d.qw[1]);
    }
    queue_fault(t, FIELD_DP64(edge, IQA, QS, 1), VTM_PAGE_SIZE + 0x10,
                VTM_PAGE_SIZE, "across RAM's end");
    g_assert_cmpint(unit_stat(t, "invalidations/wait"), ==, 256);
}

/* A wait whose status write goes to the unit's own registers. */
static void tables_no_ram_wait(BT *t)
{
    qi_enable(t, 0);
    qi_put(t, vtmt_qi_wait(true, false, false, 0x44,
                           VTM_DEFAULT_BASE + A_FSTS));
    qi_put(t, vtmt_qi_wait(true, false, false, 0x55, NO_RAM));
    vtm_qt_qi_sync(&t->iq);
    assert_no_fault(t);
}

static void test_tables_no_ram(void)
{
    BT t;

    bt_start(&t, "", 4, "");
    tables_no_ram_dma(&t);
    tables_no_ram_queue(&t);
    tables_no_ram_wait(&t);
    bt_stop(&t);
}

/* ---- /vtm-bounds/irta-no-ram ------------------------------------------- */

static void edu_msi(BT *t, uint32_t index)
{
    uint8_t cap = qpci_find_capability(t->edu, PCI_CAP_ID_MSI, 0);
    uint64_t addr = vtmt_msi_remap_addr(index, false);
    uint16_t flags;

    g_assert(cap);
    flags = qpci_config_readw(t->edu, cap + PCI_MSI_FLAGS);
    g_assert(flags & PCI_MSI_FLAGS_64BIT);
    qpci_config_writel(t->edu, cap + PCI_MSI_ADDRESS_LO, addr);
    qpci_config_writel(t->edu, cap + PCI_MSI_ADDRESS_HI, addr >> 32);
    qpci_config_writew(t->edu, cap + PCI_MSI_DATA_64, 0);
    qpci_config_writew(t->edu, cap + PCI_MSI_FLAGS,
                       flags | PCI_MSI_FLAGS_ENABLE);
    qpci_io_writel(t->edu, t->bar, EDU_REG_RAISE, 1);
    qpci_io_writel(t->edu, t->bar, EDU_REG_LOWER, 1);
}

/* edu in pass-through with translation on: its requests carry its SID. */
static void edu_passthrough(BT *t)
{
    t->root = alloc_table(t);
    t->ctx = alloc_table(t);
    vtmt_w64(&t->mem.mem, t->root, vtmt_root_lo(t->ctx));
    vtmt_w128(&t->mem.mem, t->ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(0, VTM_TT_PASSTHROUGH, false),
              vtmt_ctx_hi(vtmt_aw_of_levels(4), DID));
    set_root(t, t->root);
    vtm_gcmd_update(t->qts, R_GCMD_TE_MASK, 0);
}

/* IRTA = irta latched and the interrupt entry cache flushed. */
static void set_irta(BT *t, uint64_t irta)
{
    vtm_reg_wq(t->qts, A_IRTA, irta);
    vtm_gcmd_update(t->qts, R_GCMD_SIRTP_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_IRTPS_MASK, ==,
                    R_GSTS_IRTPS_MASK);
    qi_put(t, vtmt_qi_iec(true, 0, 0));
    vtm_qt_qi_sync(&t->iq);
}

static void msi_fault(BT *t, uint32_t index, uint8_t fr, const char *what)
{
    int64_t us;

    cost_begin(t);
    edu_msi(t, index);
    us = cost_us(t);
    take_fault(t, fr, (uint64_t)index << 48);
    g_test_message("COST IRTA %s, index %u: fault 0x%02x, %" PRId64
                   " IRTE reads, %" PRId64 " us", what, index, fr,
                   unit_stat(t, "interrupts/irte-reads"), us);
}

static void test_irta_no_ram(void)
{
    uint64_t edge = RAM_END - VTM_PAGE_SIZE;    /* 256 entries in RAM */
    BT t;

    bt_start(&t, "", 4, "");
    edu_passthrough(&t);
    /* interrupts remapped (IRE) through a table in RAM first */
    vtm_qt_qi_enable(&t.iq);
    set_irta(&t, vtmt_irta(IRT_BASE, 7, false));
    vtm_gcmd_update(t.qts, R_GCMD_IRE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_GSTS) & R_GSTS_IRES_MASK, ==,
                    R_GSTS_IRES_MASK);
    qtest_memset(t.qts, IRT_BASE, 0, VTM_PAGE_SIZE);
    msi_fault(&t, 3, VTM_FR_IR_NOT_PRESENT, "in RAM");

    set_irta(&t, vtmt_irta(NO_RAM, 15, false));
    msi_fault(&t, 3, VTM_FR_IR_ROOT_ACCESS, "beyond RAM");
    msi_fault(&t, 65535, VTM_FR_IR_ROOT_ACCESS, "beyond RAM");

    /* 64K entries from 4 KiB below RAM's end: the first 256 are RAM */
    qtest_memset(t.qts, edge, 0, VTM_PAGE_SIZE);
    set_irta(&t, vtmt_irta(edge, 15, false));
    msi_fault(&t, 255, VTM_FR_IR_NOT_PRESENT, "across RAM's end");
    msi_fault(&t, 256, VTM_FR_IR_ROOT_ACCESS, "across RAM's end");
    msi_fault(&t, 65535, VTM_FR_IR_ROOT_ACCESS, "across RAM's end");

    set_irta(&t, vtmt_irta(VTM_DEFAULT_BASE, 15, false));
    msi_fault(&t, 0, VTM_FR_IR_ROOT_ACCESS, "in vtm's MMIO");

    /* 5.1.4.1: an IRTE above the host address width is 21h */
    set_irta(&t, vtmt_irta(~0ULL << VTM_PAGE_SHIFT, 15, false));
    msi_fault(&t, 1, VTM_FR_IR_INDEX_OVER, "above HAW");
    bt_stop(&t);
}

/* ---- /vtm-bounds/log-flood --------------------------------------------- */

#define NO_REG              0x0f0               /* no register there */
#define FLOOD_WRITES        5000

static unsigned count_lines(const char *text, const char *needle)
{
    unsigned n = 0;
    const char *p = text;

    while ((p = strstr(p, needle))) {
        n++;
        p += strlen(needle);
    }
    return n;
}

/*
 * A guest error the guest repeats in a loop is logged at most
 * VTM_LOG_BURST (10) times per second per site (vtm-log.h), with a count
 * of what was left out.  The bound scales with the seconds the loop took,
 * measured, so the test holds on a slow machine too.
 */
static void test_log_flood(void)
{
    g_autofree char *log_path = NULL;
    g_autofree char *text = NULL;
    unsigned i, lines, secs;
    QTestState *qts;
    int64_t t0;
    int fd;

    fd = g_file_open_tmp("vtm-bounds-log-XXXXXX", &log_path, NULL);
    g_assert(fd >= 0);
    close(fd);
    qts = qtest_initf("-M q35 -nodefaults -device vtm-iommu "
                      "-d guest_errors -D %s", log_path);
    t0 = g_get_monotonic_time();
    for (i = 0; i < FLOOD_WRITES; i++) {
        vtm_reg_wl(qts, NO_REG, i);
    }
    /* a register that exists: no log line, and the unit still answers */
    g_assert_cmphex(vtm_reg_rl(qts, A_VER), !=, 0);
    secs = (g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    qtest_quit(qts);
    g_assert_true(g_file_get_contents(log_path, &text, NULL, NULL));
    unlink(log_path);
    lines = count_lines(text, "touches no register");
    g_test_message("COST log flood: %u guest errors in %u s, %u logged, "
                   "%u rate-limit notes", FLOOD_WRITES, secs, lines,
                   count_lines(text, "not logged (rate limit)"));
    g_assert_cmpuint(lines, >=, 1);
    g_assert_cmpuint(lines, <=, 10 * (secs + 2));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm-bounds/qi-tail", test_qi_tail);
    qtest_add_func("/vtm-bounds/inv-huge", test_inv_huge);
    qtest_add_func("/vtm-bounds/replay-huge", test_replay_huge);
    qtest_add_func("/vtm-bounds/cyclic-tables", test_cyclic_tables);
    qtest_add_func("/vtm-bounds/tables-no-ram", test_tables_no_ram);
    qtest_add_func("/vtm-bounds/irta-no-ram", test_irta_no_ram);
    qtest_add_func("/vtm-bounds/log-flood", test_log_flood);
    return g_test_run();
}
