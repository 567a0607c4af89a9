/*
 * qtest for the DMA benchmark device x-vtm-dma-bench
 * (hw/i386/vtm/vtm-dma-bench.c): its DMA moves the right bytes through
 * vtm-iommu's translation (second stage in legacy mode, first stage in
 * scalable mode) and with no IOMMU, and a DMA to an unmapped IOVA is an
 * error on the device's side and a fault record on the unit's.  Nothing
 * here is timed.
 *
 * With -m perf the /vtm-dma-bench/bench case (scripts/bench-dma.sh)
 * times the device's DMA loop behind vtm-iommu, intel-iommu and no
 * IOMMU in the same binary: every configuration runs at once in its own
 * QEMU and the cases are interleaved across them, round after round;
 * each sample is printed as "# BENCH CONFIG CASE ns|thread-ns VALUE".
 *
 * Guest memory: TABLE_BASE.. root, context, PASID and page tables; from
 * IOVA_BASE, identity-mapped (so every configuration moves the same host
 * memory), the benchmark's ranges; SHIFTED_PA a translated target.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qnum.h"
#include "qapi/error.h"
#include "libqos/pci-pc.h"
#include "standard-headers/linux/pci_regs.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-qtest-util.h"
#include "../lib/vtm-enc-sm.h"

#define BENCH_DEVFN     0x28                /* 00:05.0 */
#define BENCH_SID       BENCH_DEVFN
#define BENCH           "/machine/peripheral/bench"
#define TABLE_BASE      0x01000000ULL
#define TABLE_LIMIT     0x08000000ULL
#define IOVA_BASE       ((uint64_t)0x10000000)
#define SHIFTED_PA      0x20000000ULL
#define PAGE            VTM_PAGE_SIZE
#define SZ_2M           0x200000ULL
#define LEVELS          4
#define DID             1
#define FS_LEAF         (VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US | VTMT_FS_A | \
                         VTMT_FS_D)

typedef enum { TABLES_NONE, TABLES_LEGACY, TABLES_FS } Tables;

typedef struct DB {
    QTestState *qts;
    VtmQtMem mem;
    uint64_t root;
    uint64_t slpt;              /* legacy tables: the top page table */
} DB;

/* bench_opts: more of the device's properties, "" or ",ats=on" */
static void db_start_with(DB *t, const char *iommu, const char *bench_opts)
{
    QPCIBus *bus;
    QPCIDevice *dev;

    memset(t, 0, sizeof(*t));
    t->qts = qtest_initf("-M q35 -m 1G -nodefaults %s%s "
                         "-device x-vtm-dma-bench,id=bench,addr=05.0%s",
                         iommu ? "-device " : "", iommu ? iommu : "",
                         bench_opts);
    bus = qpci_new_pc(t->qts, NULL);
    dev = qpci_device_find(bus, BENCH_DEVFN);
    g_assert(dev);
    qpci_device_enable(dev);            /* bus mastering */
    g_free(dev);
    qpci_free_pc(bus);
    vtm_qt_mem_init(&t->mem, t->qts, TABLE_BASE, TABLE_LIMIT);
}

static void db_start(DB *t, const char *iommu)
{
    db_start_with(t, iommu, "");
}

/* ---- Tables (tests/lib) ------------------------------------------------- */

/*
 * Legacy root and context tables, second stage [iova, +size) -> pa;
 * tt the context entry's translation type (9.3).
 */
static void map_legacy_tt(DB *t, uint64_t iova, uint64_t pa, uint64_t size,
                          unsigned tt)
{
    uint64_t ctx = vtm_qt_alloc(&t->mem);
    VtmtPt pt = { .mem = &t->mem.mem, .levels = LEVELS };

    t->root = vtm_qt_alloc(&t->mem);
    pt.top = vtm_qt_alloc(&t->mem);
    t->slpt = pt.top;
    vtmt_w64(&t->mem.mem, t->root, vtmt_root_lo(ctx));
    vtmt_w128(&t->mem.mem, ctx + BENCH_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(pt.top, tt, false),
              vtmt_ctx_hi(vtmt_aw_of_levels(LEVELS), DID));
    g_assert_true(vtmt_pt_map_range(&pt, iova, pa, size, VTM_PAGE_SHIFT,
                                    VTMT_RW));
}

static void map_legacy(DB *t, uint64_t iova, uint64_t pa, uint64_t size)
{
    map_legacy_tt(t, iova, pa, size, VTM_TT_UNTRANSLATED);
}

/* First-stage leaves of [iova, +size) -> pa, one write per leaf table. */
static void map_fs_range(DB *t, const VtmtPt *pt, uint64_t iova,
                         uint64_t pa, uint64_t size)
{
    uint64_t leaves[512];

    while (size) {
        uint64_t n = MIN(size, SZ_2M - (iova & (SZ_2M - 1))) / PAGE;
        uint64_t first = vtmt_fs_map(pt, iova, pa, 1, FS_LEAF,
                                     VTMT_FS_TABLE);
        unsigned i;

        g_assert_cmphex(first, !=, 0);
        for (i = 0; i < n; i++) {
            leaves[i] = vtmt_fspte(pa + i * PAGE, FS_LEAF, false);
        }
        qtest_memwrite(t->qts, first, leaves, n * sizeof(leaves[0]));
        iova += n * PAGE;
        pa += n * PAGE;
        size -= n * PAGE;
    }
}

/* Scalable-mode tables: RID_PASID 0's entry translates by first stage. */
static void map_fs(DB *t, uint64_t iova, uint64_t pa, uint64_t size)
{
    uint64_t dir = vtm_qt_alloc(&t->mem);
    VtmtPt pt = { .mem = &t->mem.mem, .levels = LEVELS };
    VtmtSmCtx c = { .pasid_dir = dir, .pdts = 7, .rid_pasid = 0 };
    VtmtPasidEntry e = {
        .pgtt = VTM_PGTT_FS, .did = DID, .aw = 2,
        .fspm = VTM_FSPM_4LEVEL,
    };
    uint64_t q[VTM_PASID_ENTRY_QWORDS];
    uint64_t cq[4];

    t->root = vtm_qt_alloc(&t->mem);
    pt.top = vtm_qt_alloc(&t->mem);
    vtmt_sm_ctx(cq, &c);
    g_assert_true(vtmt_sm_set_ctx(&t->mem.mem, t->root, BENCH_SID, cq));
    e.fsptptr = pt.top;
    vtmt_pasid_entry(q, &e);
    g_assert_true(vtmt_set_pasid_entry(&t->mem.mem, dir, 0, q));
    map_fs_range(t, &pt, iova, pa, size);
}

/*
 * Root table pointer (TTM for the tables' mode), then translation on.
 * 64-bit registers in halves, as intel-iommu requires; the caches are
 * empty after reset, so no invalidation is needed first.
 */
static void enable(DB *t, Tables tables)
{
    uint64_t rtaddr = t->root;

    if (tables == TABLES_FS) {
        rtaddr = FIELD_DP64(rtaddr, RTADDR, TTM, VTM_TTM_SCALABLE);
    }
    vtm_reg_wq_halves(t->qts, A_RTADDR, rtaddr);
    vtm_gcmd_update(t->qts, R_GCMD_SRTP_MASK, 0);
    vtm_gcmd_update(t->qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
}

static void setup(DB *t, Tables tables, uint64_t iova, uint64_t pa,
                  uint64_t size)
{
    if (tables == TABLES_LEGACY) {
        map_legacy(t, iova, pa, size);
    } else if (tables == TABLES_FS) {
        map_fs(t, iova, pa, size);
    }
    if (tables != TABLES_NONE) {
        enable(t, tables);
    }
}

/* ---- The device --------------------------------------------------------- */

/* Runs spec; the result, which the caller unrefs. */
static QDict *bench_run(DB *t, const char *spec)
{
    QDict *rsp, *res;

    qtest_qmp_assert_success(t->qts, "{'execute': 'qom-set', 'arguments':"
                             " {'path': %s, 'property': 'run', "
                             "'value': %s}}", BENCH, spec);
    rsp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                    "{'path': %s, 'property': 'result'}}", BENCH);
    g_assert(qdict_haskey(rsp, "return"));
    res = qobject_to(QDict, qobject_from_json(qdict_get_str(rsp, "return"),
                                              &error_abort));
    g_assert(res);
    qobject_unref(rsp);
    return res;
}

static double res_num(QDict *r, const char *key)
{
    return qnum_get_double(qobject_to(QNum, qdict_get(r, key)));
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

#define XFER_PAGES      4
#define XFER_LEN        (XFER_PAGES * PAGE)

/*
 * The device reads [IOVA_BASE, +XFER_LEN) (the hash of what it read must
 * be that of the bytes at pa) and then writes it (the bytes land at pa,
 * none at the IOVA's own address unless pa is it).
 */
static void check_moves(DB *t, uint64_t pa)
{
    g_autofree uint8_t *buf = g_malloc(XFER_LEN);
    g_autofree char *want = NULL;
    g_autofree char *spec = g_strdup_printf(
        "op=read,size=4096,base=0x%" PRIx64 ",range=%u,count=%u,reps=1,"
        "hash=on", IOVA_BASE, (unsigned)XFER_LEN, XFER_PAGES);
    QDict *r;
    unsigned i;

    for (i = 0; i < XFER_LEN; i++) {
        buf[i] = i * 13 + (i >> 12);
    }
    qtest_memwrite(t->qts, pa, buf, XFER_LEN);
    r = bench_run(t, spec);
    want = g_strdup_printf("0x%016" PRIx64, fnv(0xcbf29ce484222325ULL, buf,
                                                XFER_LEN));
    g_assert_cmpstr(qdict_get_str(r, "hash"), ==, want);
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 0);
    g_assert_cmpint(qdict_get_int(r, "dmas"), ==, XFER_PAGES);
    qobject_unref(r);

    g_free(spec);
    spec = g_strdup_printf("op=write,size=4096,base=0x%" PRIx64 ",range=%u,"
                           "count=%u,reps=1,fill=0x5a", IOVA_BASE,
                           (unsigned)XFER_LEN, XFER_PAGES);
    r = bench_run(t, spec);
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 0);
    qobject_unref(r);
    qtest_memread(t->qts, pa, buf, XFER_LEN);
    for (i = 0; i < XFER_LEN; i++) {
        g_assert_cmphex(buf[i], ==, (uint8_t)(0x5a + i % PAGE));
    }
    if (pa != IOVA_BASE) {
        g_assert_cmphex(qtest_readq(t->qts, IOVA_BASE), ==, 0);
    }
}

static void test_no_iommu(void)
{
    DB t;

    db_start(&t, NULL);
    check_moves(&t, IOVA_BASE);
    qtest_quit(t.qts);
}

static void test_legacy(void)
{
    DB t;

    db_start(&t, "vtm-iommu,intremap=off");
    setup(&t, TABLES_LEGACY, IOVA_BASE, SHIFTED_PA, XFER_LEN);
    check_moves(&t, SHIFTED_PA);
    qtest_quit(t.qts);
}

static void test_first_stage(void)
{
    DB t;

    db_start(&t, "vtm-iommu,intremap=off,scalable-mode=on,first-stage=on");
    setup(&t, TABLES_FS, IOVA_BASE, SHIFTED_PA, XFER_LEN);
    check_moves(&t, SHIFTED_PA);
    qtest_quit(t.qts);
}

/* Both threads' DMAs translate and are counted. */
static void test_two_threads(void)
{
    DB t;
    QDict *r;

    db_start(&t, "vtm-iommu,intremap=off");
    setup(&t, TABLES_LEGACY, IOVA_BASE, IOVA_BASE, 16 * PAGE);
    r = bench_run(&t, "op=read,size=64,base=0x10000000,range=65536,"
                  "pattern=rand,count=1000,reps=3,threads=2");
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 0);
    g_assert_cmpint(qdict_get_int(r, "dmas"), ==, 6000);
    g_assert_cmpfloat(res_num(r, "min"), <=, res_num(r, "ns"));
    g_assert_cmpfloat(res_num(r, "ns"), <=, res_num(r, "max"));
    g_assert_cmpfloat(res_num(r, "cpu-min"), <=, res_num(r, "cpu-ns"));
    g_assert_cmpfloat(res_num(r, "cpu-ns"), >, 0);
    qobject_unref(r);
    qtest_quit(t.qts);
}

/* ---- The device-TLB of an ATS endpoint ---------------------------------- */

#define BENCH_ATS_CAP       0x100           /* x-vtm-dma-bench's ATS cap */
#define QUEUE_BASE          (TABLE_LIMIT - 0x10000)
#define WAIT_STATUS_ADDR    (TABLE_LIMIT - 0x100)

/*
 * The extended configuration space is reached through ECAM only: q35's
 * PCIEXBAR (host bridge register 60h) is programmed here as firmware
 * would, 256 buses at ECAM_BASE.
 */
#define Q35_PCIEXBAR        0x60
#define ECAM_BASE           0xb0000000ULL

static uint64_t ecam(uint8_t devfn, uint16_t off)
{
    return ECAM_BASE + ((uint64_t)devfn << 12) + off;
}

static void ats_enable(DB *t, bool on)
{
    QPCIBus *bus = qpci_new_pc(t->qts, NULL);
    QPCIDevice *host = qpci_device_find(bus, 0);

    g_assert(host);
    qpci_config_writel(host, Q35_PCIEXBAR, ECAM_BASE | 1);
    g_free(host);
    qpci_free_pc(bus);
    g_assert_cmphex(qtest_readw(t->qts, ecam(BENCH_DEVFN, BENCH_ATS_CAP)),
                    ==, PCI_EXT_CAP_ID_ATS);
    qtest_writew(t->qts, ecam(BENCH_DEVFN, BENCH_ATS_CAP + PCI_ATS_CTRL),
                 on ? PCI_ATS_CTRL_ENABLE : 0);
}

/* The device-TLB counts, unit-wide and of the bench's requester. */
static void devtlb_counts(DB *t, int64_t *lookups, int64_t *hits)
{
    QDict *st = vtm_qtest_stats(t->qts, "/machine/peripheral/iommu");

    *lookups = stats_int(st, "unit/device-tlb/lookups");
    *hits = stats_int(st, "unit/device-tlb/hits");
    qobject_unref(st);
}

static void run_reads(DB *t, unsigned count)
{
    g_autofree char *spec = g_strdup_printf(
        "op=read,size=64,base=0x%" PRIx64 ",range=4096,count=%u,reps=1",
        IOVA_BASE, count);
    QDict *r = bench_run(t, spec);

    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 0);
    qobject_unref(r);
}

/*
 * An endpoint with ATS enabled, on a unit with device-iotlb=on: its
 * first DMA to a page is a translation request (a device-TLB miss), the
 * others hit its own TLB, a device-TLB invalidation descriptor makes it
 * ask again, and with ATS disabled its DMA is plain again.
 */
static void test_devtlb(void)
{
    int64_t lookups, hits;
    VtmQtQueue iq;
    DB t;

    db_start_with(&t, "vtm-iommu,id=iommu,intremap=off,device-iotlb=on",
                  ",ats=on");
    map_legacy_tt(&t, IOVA_BASE, SHIFTED_PA, 16 * PAGE, VTM_TT_ALL);
    enable(&t, TABLES_LEGACY);
    run_reads(&t, 8);
    devtlb_counts(&t, &lookups, &hits);
    g_assert_cmpint(lookups, ==, 0);            /* ATS not enabled yet */

    ats_enable(&t, true);
    run_reads(&t, 8);
    devtlb_counts(&t, &lookups, &hits);
    g_assert_cmpint(lookups, ==, 8);
    g_assert_cmpint(hits, ==, 7);

    vtm_qt_qi_init(&iq, t.qts, &t.mem.mem, QUEUE_BASE, 0, WAIT_STATUS_ADDR);
    vtm_qt_qi_enable(&iq);
    vtm_qt_qi_put(&iq, vtmt_qi_devtlb(BENCH_SID, 0, 0, IOVA_BASE, false));
    vtm_qt_qi_sync(&iq);
    run_reads(&t, 2);
    devtlb_counts(&t, &lookups, &hits);
    g_assert_cmpint(lookups, ==, 10);
    g_assert_cmpint(hits, ==, 8);               /* a miss, then a hit */

    ats_enable(&t, false);
    run_reads(&t, 4);
    devtlb_counts(&t, &lookups, &hits);
    g_assert_cmpint(lookups, ==, 10);
    qtest_quit(t.qts);
}

/* ---- The fast path (vtm-as.c): same figures, stale never -------------- */

/* The unit's and requesters' statistics, less what only the path says. */
static QDict *model_figures(DB *t)
{
    QDict *st = vtm_qtest_stats(t->qts, "/machine/peripheral/iommu");
    QDict *fig = qdict_new();
    QDict *unit = qdict_get_qdict(st, "unit");

    qdict_del(unit, "fast-path-hits");
    qdict_put_obj(fig, "unit", qobject_ref(QOBJECT(unit)));
    qdict_put_obj(fig, "requesters", qobject_ref(qdict_get(st,
                                                           "requesters")));
    qobject_unref(st);
    return fig;
}

static int64_t fast_hits(DB *t)
{
    QDict *st = vtm_qtest_stats(t->qts, "/machine/peripheral/iommu");
    int64_t n = stats_int(st, "unit/fast-path-hits");

    qobject_unref(st);
    return n;
}

static const char *const fast_runs[] = {
    "op=read,size=64,base=0x10000000,range=65536,count=3000,reps=1",
    "op=write,size=256,base=0x10000000,range=65536,count=1000,reps=1",
    "op=read,size=64,base=0x10000000,range=65536,pattern=rand,count=2000,"
    "reps=1",
    "op=read,size=4096,base=0x10000000,range=65536,count=64,reps=1",
};

/*
 * The same DMA, with and without the fast path: the model's figures
 * (counts, hits, latencies, histograms, per requester) are the same,
 * since every request the fast path answers goes through the model in
 * order before anything else takes the unit's lock.
 */
static void test_fast_path_figures(void)
{
    QDict *fig[2];
    int64_t hits[2];
    unsigned on, i;

    for (on = 0; on < 2; on++) {
        g_autofree char *iommu = g_strdup_printf(
            "vtm-iommu,id=iommu,intremap=off,fast-path=%s",
            on ? "on" : "off");
        DB t;

        db_start(&t, iommu);
        setup(&t, TABLES_LEGACY, IOVA_BASE, SHIFTED_PA, 16 * PAGE);
        for (i = 0; i < ARRAY_SIZE(fast_runs); i++) {
            qobject_unref(bench_run(&t, fast_runs[i]));
        }
        hits[on] = fast_hits(&t);
        fig[on] = model_figures(&t);
        qtest_quit(t.qts);
    }
    g_assert_cmpint(hits[0], ==, 0);
    g_assert_cmpint(hits[1], >, 3000);      /* most of 6064 DMAs */
    g_assert_cmpint(stats_int(fig[1], "unit/translations"), ==, 6064);
    g_assert_true(qobject_is_equal(QOBJECT(fig[0]), QOBJECT(fig[1])));
    qobject_unref(fig[0]);
    qobject_unref(fig[1]);
}

/*
 * A page unmapped and invalidated is never given again: the IOTLB
 * invalidation takes the unit's lock, which voids the fast path's
 * entries, so the next DMA faults.  Two threads' DMAs are all counted.
 */
static void test_fast_path_invalidate(void)
{
    VtmtPt pt;
    QDict *r;
    DB t;

    db_start(&t, "vtm-iommu,id=iommu,intremap=off");
    setup(&t, TABLES_LEGACY, IOVA_BASE, IOVA_BASE, 16 * PAGE);
    r = bench_run(&t, "op=read,size=64,base=0x10000000,range=65536,"
                  "pattern=rand,count=1000,reps=2,threads=2");
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 0);
    qobject_unref(r);
    g_assert_cmpint(fast_hits(&t), >, 0);
    r = bench_run(&t, "op=read,size=64,base=0x10000000,count=100,reps=1");
    qobject_unref(r);

    /* unmap the first page, then a page-selective IOTLB invalidation */
    pt = (VtmtPt) { .mem = &t.mem.mem, .levels = LEVELS, .top = t.slpt };
    g_assert_cmphex(vtmt_pt_unmap(&pt, IOVA_BASE, 1), !=, 0);
    vtm_reg_wq(t.qts, A_IVA, vtmt_reg_iva(IOVA_BASE, 0, false));
    vtm_reg_wq(t.qts, A_IOTLB, vtmt_reg_iotlb(VTM_INV_PAGE, DID, false,
                                              false));
    r = bench_run(&t, "op=read,size=64,base=0x10000000,count=1,reps=1");
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 1);
    qobject_unref(r);
    qtest_quit(t.qts);
}

/* ats=on needs a PCI Express bus: refused with the property's name. */
static void test_ats_needs_pcie(void)
{
    g_autofree char *err = NULL;
    int status;

    err = run_qemu_expect_exit("tcg", "pc", "x-vtm-dma-bench,ats=on",
                               &status);
    g_assert_cmpint(status, !=, 0);
    g_assert_nonnull(strstr(err, "'ats=on'"));
}

/*
 * A read of a page the tables do not map: the DMA fails on the device's
 * side and the unit records the fault (LGN.2, FR 6h, T1 read).
 */
static void test_fault(void)
{
    uint64_t unmapped = IOVA_BASE + 64 * PAGE;
    uint64_t lo, hi;
    DB t;
    QDict *r;

    db_start(&t, "vtm-iommu,intremap=off");
    setup(&t, TABLES_LEGACY, IOVA_BASE, IOVA_BASE, 16 * PAGE);
    r = bench_run(&t, "op=read,size=64,base=0x10040000,count=1,reps=1");
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 1);
    qobject_unref(r);
    g_assert_cmphex(FIELD_EX32(vtm_reg_rl(t.qts, A_FSTS), FSTS, PPF), ==, 1);
    lo = vtm_reg_rq(t.qts, VTM_FRO_OFFSET);
    hi = vtm_reg_rq(t.qts, VTM_FRO_OFFSET + 8);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, F), ==, 1);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, FR), ==, VTM_FR_READ);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, SID), ==, BENCH_SID);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, T1), ==, 1);
    g_assert_cmphex(FIELD_EX64(lo, FRCD_LO, FI), ==,
                    unmapped >> VTM_PAGE_SHIFT);
    /* the mapped range still works next to it */
    r = bench_run(&t, "op=read,size=4096,base=0x10000000,range=65536,"
                  "count=16,reps=1");
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 0);
    qobject_unref(r);
    qtest_quit(t.qts);
}

/* A bad spec is refused with an error naming the key. */
static void test_bad_spec(void)
{
    static const char *const bad[][2] = {
        { "size=0", "size=0" },
        { "size=65537", "size=65537" },
        { "threads=3", "threads=3" },
        { "op=copy", "op=copy" },
        { "speed=1", "speed=1" },
        { "count", "'count' is not key=value" },
        { "size=4096,range=64", "range" },
        { "base=0xfffffffffffff000,range=8192", "wraps" },
    };
    DB t;
    unsigned i;

    db_start(&t, NULL);
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        QDict *rsp = qtest_qmp(t.qts, "{'execute': 'qom-set', 'arguments':"
                               " {'path': %s, 'property': 'run', "
                               "'value': %s}}", BENCH, bad[i][0]);
        QDict *err = qdict_get_qdict(rsp, "error");

        g_assert(err);
        g_assert_nonnull(strstr(qdict_get_str(err, "desc"), bad[i][1]));
        qobject_unref(rsp);
    }
    qtest_quit(t.qts);
}

/* ---- Benchmark (-m perf only) ------------------------------------------ */

#define MISS_RANGE      (64ULL << 20)       /* 16384 pages */
#define HIT_RANGE       (16 * PAGE)

typedef struct BenchCfg {
    const char *name;
    const char *device;         /* NULL: no IOMMU */
    Tables tables;
    DB t;
    bool up;
} BenchCfg;

static BenchCfg bench_cfgs[] = {
    { "none", NULL, TABLES_NONE },
    { "intel", "intel-iommu,intremap=off,aw-bits=48", TABLES_LEGACY },
    { "intel-fs", "intel-iommu,intremap=off,aw-bits=48,x-scalable-mode=on,"
      "x-flts=on", TABLES_FS },
    { "vtm-off", "vtm-iommu,intremap=off,timing=off", TABLES_LEGACY },
    { "vtm", "vtm-iommu,intremap=off,timing=account", TABLES_LEGACY },
    /* what the fast path saves: the same unit taking the lock every time */
    { "vtm-lock", "vtm-iommu,intremap=off,timing=account,fast-path=off",
      TABLES_LEGACY },
    { "vtm-fs", "vtm-iommu,intremap=off,timing=account,scalable-mode=on,"
      "first-stage=on", TABLES_FS },
};

typedef struct BenchCase {
    const char *name;
    const char *spec;
} BenchCase;

/* DMAs per repetition: about 10-100 ms each. */
static const BenchCase bench_cases[] = {
    { "hit-seq-64", "size=64,range=65536,count=100000" },
    { "hit-rand-64", "size=64,range=65536,pattern=rand,count=100000" },
    { "hit-seq-4k", "size=4096,range=65536,count=50000" },
    { "hit-rand-4k", "size=4096,range=65536,pattern=rand,count=50000" },
    { "miss-seq-4k", "size=4096,range=0x4000000,count=20000" },
    { "miss-rand-4k", "size=4096,range=0x4000000,pattern=rand,count=20000" },
    { "miss-rand-64", "size=64,range=0x4000000,pattern=rand,count=20000" },
};

static unsigned bench_env(const char *name, unsigned dflt)
{
    const char *s = g_getenv(name);

    return s && atoi(s) > 0 ? atoi(s) : dflt;
}

/*
 * Whether name is in the comma-separated list in environment variable var
 * (or var is unset): BENCH_CONFIGS and BENCH_CASES pick a subset, e.g. for
 * a profile of one configuration.
 */
static bool bench_wanted(const char *var, const char *name)
{
    const char *s = g_getenv(var);
    g_auto(GStrv) words = NULL;

    if (!s || !*s) {
        return true;
    }
    words = g_strsplit(s, ",", -1);
    return g_strv_contains((const char *const *)words, name);
}

static void bench_one(BenchCfg *c, const BenchCase *k, unsigned threads,
                      unsigned reps)
{
    g_autofree char *spec = g_strdup_printf("%s,base=0x%" PRIx64 ",reps=%u,"
                                            "threads=%u", k->spec, IOVA_BASE,
                                            reps, threads);
    QDict *r = bench_run(&c->t, spec);

    /* a DMA that failed would time the fault path, not a translation */
    g_assert_cmpint(qdict_get_int(r, "errors"), ==, 0);
    g_test_message("BENCH %s %s-t%u ns %.2f", c->name, k->name, threads,
                   res_num(r, "ns"));
    g_test_message("BENCH %s %s-t%u thread-ns %.2f", c->name, k->name,
                   threads, res_num(r, "thread-ns"));
    g_test_message("BENCH %s %s-t%u cpu-ns %.2f", c->name, k->name,
                   threads, res_num(r, "cpu-ns"));
    qobject_unref(r);
}

/*
 * BENCH_ROUNDS rounds (default 5); in each, every case and thread count
 * once per configuration, configurations next to each other, so that
 * load from elsewhere on the machine hits them alike.
 */
static void test_bench(void)
{
    unsigned rounds = bench_env("BENCH_ROUNDS", 5);
    unsigned reps = bench_env("BENCH_REPS", 5);
    unsigned r, k, th, i;

    for (i = 0; i < G_N_ELEMENTS(bench_cfgs); i++) {
        BenchCfg *c = &bench_cfgs[i];

        if (!bench_wanted("BENCH_CONFIGS", c->name)) {
            continue;
        }
        db_start(&c->t, c->device);
        setup(&c->t, c->tables, IOVA_BASE, IOVA_BASE, MISS_RANGE);
        c->up = true;
        /* the host backs guest RAM on first touch: not a DMA's cost */
        qobject_unref(bench_run(&c->t, "op=write,size=4096,base=0x10000000,"
                                "range=0x4000000,count=16384,reps=1"));
    }
    for (r = 0; r < rounds; r++) {
        g_test_message("round %u of %u", r + 1, rounds);
        for (k = 0; k < G_N_ELEMENTS(bench_cases); k++) {
            for (th = 1; th <= 2; th++) {
                if (th != bench_env("BENCH_THREADS", th)) {
                    continue;
                }
                for (i = 0; i < G_N_ELEMENTS(bench_cfgs); i++) {
                    if (bench_cfgs[i].up &&
                        bench_wanted("BENCH_CASES", bench_cases[k].name)) {
                        bench_one(&bench_cfgs[i], &bench_cases[k], th, reps);
                    }
                }
            }
        }
    }
    for (i = 0; i < G_N_ELEMENTS(bench_cfgs); i++) {
        if (bench_cfgs[i].up) {
            qtest_quit(bench_cfgs[i].t.qts);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm-dma-bench/no-iommu", test_no_iommu);
    qtest_add_func("/vtm-dma-bench/legacy", test_legacy);
    qtest_add_func("/vtm-dma-bench/first-stage", test_first_stage);
    qtest_add_func("/vtm-dma-bench/two-threads", test_two_threads);
    qtest_add_func("/vtm-dma-bench/fault", test_fault);
    qtest_add_func("/vtm-dma-bench/bad-spec", test_bad_spec);
    qtest_add_func("/vtm-dma-bench/devtlb", test_devtlb);
    qtest_add_func("/vtm-dma-bench/fast-path-figures",
                   test_fast_path_figures);
    qtest_add_func("/vtm-dma-bench/fast-path-invalidate",
                   test_fast_path_invalidate);
    qtest_add_func("/vtm-dma-bench/ats-needs-pcie", test_ats_needs_pcie);
    if (g_test_perf()) {
        qtest_add_func("/vtm-dma-bench/bench", test_bench);
    }
    return g_test_run();
}
