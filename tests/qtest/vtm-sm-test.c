/*
 * qtest for vtm-iommu in scalable mode (VT-d 4.1 chapters 3.4, 6.5.2,
 * 9.2-9.7): capabilities and properties, edu DMA through second-stage,
 * first-stage and pass-through PASID table entries (with the unit's
 * A/D updates), PASID-granular invalidation, every descriptor type at
 * 256 bits, scalable-mode faults in the fault recording registers, and
 * MAP/UNMAP notifiers following a second-stage PASID entry.
 *
 * Requests with a PASID come from an x-vtm-pasid-probe device
 * (hw/i386/vtm/vtm-pasid-probe.c): QEMU 10.0's PCI layer carries no
 * PASID, so edu's DMA is always a request without PASID (RID_PASID).
 *
 * Guest memory (-m 2G, below 4 GiB):
 *   MISC_BASE    fault event message, wait status dwords
 *   QUEUE_BASE   the invalidation queue (vtm-sm-fixture.h: 4 KiB, 128
 *                256-bit descriptors)
 *   TABLE_BASE   root, context, PASID and page tables (vtm-sm-fixture.h)
 *   DATA_BASE    DMA data pages
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "qobject/qstring.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-sm-fixture.h"

#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */
#define PROBE               "/machine/peripheral/probe"
#define UNIT                "/machine/peripheral/iommu"

#define MISC_BASE           0x00800000ULL
#define FE_MSG_ADDR         (MISC_BASE + 0x00)
#define QUEUE_BASE          VTM_SM_QUEUE_BASE
#define DATA_BASE           0x03000000ULL

#define DID                 3
#define RID_PASID           5       /* edu's requests without PASID */
#define OTHER_PASID         6
#define PASID_REQ           0x1234  /* a PASID the probe's requests carry */
#define IOVA                0x40000000ULL
#define DMA_LEN             0x100
#define FE_DATA             0x4055

typedef VtmSmFix SmT;            /* vtm-sm-fixture.h */

static void sm_start(SmT *t, const char *opts)
{
    vtm_sm_start(t, opts, "");
}

static void sm_enable(SmT *t)
{
    vtm_sm_enable(t, RID_PASID, false);
}

/* Second-stage tables of 4 levels mapping IOVA to pa (4 KiB). */
static uint64_t sm_ss_tables(SmT *t, uint64_t iova, uint64_t pa)
{
    VtmtPt pt = { .mem = &t->mem.mem, .levels = 4 };

    pt.top = vtm_qt_alloc(&t->mem);
    g_assert(vtmt_pt_map(&pt, iova, pa, 1, VTMT_RW));
    return pt.top;
}

/* First-stage tables; returns the top, *leaf the 4 KiB leaf's address. */
static uint64_t sm_fs_tables(SmT *t, unsigned levels, uint64_t iova,
                             uint64_t pa, uint64_t flags, uint64_t *leaf)
{
    VtmtPt pt = { .mem = &t->mem.mem, .levels = levels };
    uint64_t a;

    pt.top = vtm_qt_alloc(&t->mem);
    a = vtmt_fs_map(&pt, iova, pa, 1, flags, VTMT_FS_TABLE);
    g_assert_cmphex(a, !=, 0);
    if (leaf) {
        *leaf = a;
    }
    return pt.top;
}

static VtmtPasidEntry fs_entry(uint64_t top, unsigned levels)
{
    return (VtmtPasidEntry) {
        .pgtt = VTM_PGTT_FS, .did = DID, .aw = 2, .fsptptr = top,
        .fspm = levels == 5 ? VTM_FSPM_5LEVEL : VTM_FSPM_4LEVEL,
    };
}

static VtmtPasidEntry ss_entry(uint64_t top)
{
    return (VtmtPasidEntry) {
        .pgtt = VTM_PGTT_SS, .did = DID, .aw = 2, .ssptptr = top,
    };
}

/* ---- DMA ------------------------------------------------------------- */

static void fill_pattern(SmT *t, uint64_t addr, uint8_t seed)
{
    uint8_t buf[DMA_LEN];
    unsigned i;

    for (i = 0; i < DMA_LEN; i++) {
        buf[i] = seed + i * 7;
    }
    qtest_memwrite(t->qts, addr, buf, sizeof(buf));
}

static bool has_pattern(SmT *t, uint64_t addr, uint8_t seed)
{
    uint8_t buf[DMA_LEN];
    unsigned i;

    qtest_memread(t->qts, addr, buf, sizeof(buf));
    for (i = 0; i < DMA_LEN; i++) {
        if (buf[i] != (uint8_t)(seed + i * 7)) {
            return false;
        }
    }
    return true;
}

/* Device address into edu's buffer (a DMA read through the unit). */
static void edu_read(SmT *t, uint64_t dev_addr)
{
    vtm_edu_dma(t->qts, t->edu, t->bar, dev_addr, EDU_DMA_BUF, DMA_LEN,
                false);
}

static void edu_write(SmT *t, uint64_t dev_addr)
{
    vtm_edu_dma(t->qts, t->edu, t->bar, EDU_DMA_BUF, dev_addr, DMA_LEN,
                true);
}

/*
 * A copy through the unit: device address from (read) into edu's
 * buffer, then out to device address to (write).
 */
static void edu_copy(SmT *t, uint64_t from, uint64_t to)
{
    edu_read(t, from);
    edu_write(t, to);
}

static uint64_t fsts(SmT *t)
{
    return vtm_reg_rl(t->qts, A_FSTS);
}

/* ---- The PASID probe --------------------------------------------------- */

typedef struct ProbeRes {
    unsigned fr;
    uint64_t addr;
    unsigned perm;
    unsigned stage;
} ProbeRes;

/*
 * A request of the probe: "SID PASID ADDR FLAGS" with PASID "none" or
 * hex and FLAGS of r, w, p (supervisor), x (execute).
 */
static ProbeRes probe(SmT *t, uint16_t sid, int64_t pasid, uint64_t addr,
                      const char *flags)
{
    g_autofree char *req = pasid < 0 ?
        g_strdup_printf("%x none %" PRIx64 " %s", sid, addr, flags) :
        g_strdup_printf("%x %" PRIx64 " %" PRIx64 " %s", sid,
                        (uint64_t)pasid, addr, flags);
    QDict *resp;
    const char *out;
    ProbeRes r;

    qtest_qmp_assert_success(t->qts, "{'execute': 'qom-set', 'arguments':"
                             " {'path': %s, 'property': 'request', "
                             "'value': %s}}", PROBE, req);
    resp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': %s, 'property': 'request'}}", PROBE);
    out = qdict_get_str(resp, "return");
    g_assert_cmpint(sscanf(out, "%x %" SCNx64 " %u %u", &r.fr, &r.addr,
                           &r.perm, &r.stage), ==, 4);
    qobject_unref(resp);
    return r;
}

/* ---- Capabilities and properties --------------------------------------- */

static void check_sm_caps(uint64_t cap, uint64_t ecap, bool fs, bool ss,
                          bool fl5lp, unsigned pasid_bits)
{
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SMTS), ==, 1);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, FLTS), ==, fs);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SLTS), ==, ss);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, PASID), ==, pasid_bits > 0);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, PSS), ==,
                     pasid_bits ? pasid_bits - 1 : 0);
    /* page walks snoop in scalable mode too (PASID entry PWSNP) */
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SMPWC), ==, 1);
    /* Linux requires at least one stage; usable widths intersect */
    g_assert(fs || ss);
    g_assert_cmpuint(FIELD_EX64(cap, CAP, FL1GP), ==, fs);
    g_assert_cmpuint(FIELD_EX64(cap, CAP, FL5LP), ==, fs && fl5lp);
    /* SAGAW must offer 48-bit (4-level) tables to first-stage users */
    if (fs) {
        g_assert_cmpuint(FIELD_EX64(cap, CAP, SAGAW) & 0x4, ==, 0x4);
    }
}

static void test_caps(void)
{
    static const struct {
        const char *opts;
        bool fs, ss, fl5lp;
        unsigned pasid_bits;
    } cases[] = {
        { "", true, true, false, 20 },
        { ",aw-bits=57", true, true, true, 20 },
        /* caching mode: MAP notifiers can follow second-stage only */
        { ",caching-mode=on", false, true, false, 20 },
        { ",first-stage=off", false, true, false, 20 },
        { ",second-stage=off", true, false, false, 20 },
        { ",pasid-bits=8", true, true, false, 8 },
        { ",pasid-bits=0", true, true, false, 0 },
        { ",aw-bits=39", false, true, false, 20 },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        SmT t;

        g_test_message("vtm-iommu%s", cases[i].opts);
        sm_start(&t, cases[i].opts);
        check_sm_caps(vtm_reg_rq(t.qts, A_CAP), vtm_reg_rq(t.qts, A_ECAP),
                      cases[i].fs, cases[i].ss, cases[i].fl5lp,
                      cases[i].pasid_bits);
        vtm_sm_stop(&t);
    }
}

/* scalable-mode=off: a legacy-only unit, none of the SM bits. */
static void test_caps_legacy(void)
{
    uint64_t ecap, cap, iqa;
    SmT t;

    sm_start(&t, ",scalable-mode=off");
    ecap = vtm_reg_rq(t.qts, A_ECAP);
    cap = vtm_reg_rq(t.qts, A_CAP);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SMTS), ==, 0);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, FLTS), ==, 0);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SLTS), ==, 0);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, PASID), ==, 0);
    g_assert_cmpuint(FIELD_EX64(ecap, ECAP, SMPWC), ==, 0);
    g_assert_cmpuint(FIELD_EX64(cap, CAP, FL1GP), ==, 0);
    g_assert_cmpuint(FIELD_EX64(cap, CAP, FL5LP), ==, 0);
    /* 11.4.9.3: DW is reserved (reads 0) without SMTS */
    vtm_reg_wq(t.qts, A_IQA, QUEUE_BASE | R_IQA_DW_MASK);
    iqa = vtm_reg_rq(t.qts, A_IQA);
    g_assert_cmphex(iqa, ==, QUEUE_BASE);
    vtm_sm_stop(&t);
}

static void test_refused(void)
{
    vtm_qt_expect_refused("vtm-iommu,first-stage=on,caching-mode=on",
                   (const char *const[]) { "'first-stage=on'",
                                           "caching-mode", NULL });
    vtm_qt_expect_refused("vtm-iommu,scalable-mode=off,first-stage=on",
                   (const char *const[]) { "'first-stage=on'",
                                           "scalable-mode", NULL });
    vtm_qt_expect_refused("vtm-iommu,scalable-mode=off,second-stage=off",
                   (const char *const[]) { "'second-stage=off'",
                                           "scalable-mode", NULL });
    vtm_qt_expect_refused("vtm-iommu,first-stage=off,second-stage=off",
                   (const char *const[]) { "'second-stage=off'", NULL });
    vtm_qt_expect_refused("vtm-iommu,caching-mode=on,second-stage=off",
                   (const char *const[]) { "'second-stage=off'",
                                           "caching-mode", NULL });
    vtm_qt_expect_refused("vtm-iommu,pasid-bits=21",
                   (const char *const[]) { "'pasid-bits'", NULL });
    vtm_qt_expect_refused("vtm-iommu,first-stage=on,aw-bits=39",
                   (const char *const[]) { "'first-stage=on'", "aw-bits",
                                           NULL });
    vtm_qt_expect_refused("vtm-iommu,first-stage=maybe",
                   (const char *const[]) { "first-stage", NULL });
}

/* Every new property shows its default in -device vtm-iommu,help. */
static void test_help(void)
{
    static const char *const props[] = {
        "scalable-mode=<bool>", "first-stage=<OnOffAuto>",
        "second-stage=<bool>", "pasid-bits=<uint8>",
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
        g_assert(g_strstr_len(p, eol - p, "(default: "));
    }
}

/* ---- DMA through the PASID table's translation types ------------------ */

/* PGTT second stage: edu's requests without PASID take RID_PASID's. */
static void test_dma_second_stage(void)
{
    uint64_t src = DATA_BASE, dst = DATA_BASE + 0x1000;
    QDict *st;
    SmT t;

    sm_start(&t, "");
    sm_enable(&t);
    {
        VtmtPasidEntry e = ss_entry(sm_ss_tables(&t, IOVA, dst));

        vtm_sm_set_pasid(&t, RID_PASID, &e);
    }
    {
        /* the read side through the same tables, one page up */
        VtmtPt pt = { .mem = &t.mem.mem, .levels = 4 };
        uint64_t q0 = vtmt_r64(&t.mem.mem,
                               vtmt_pasid_entry_addr(&t.mem.mem, t.dir,
                                                     RID_PASID, false));

        pt.top = FIELD_EX64(q0, PASID_Q0, SSPTPTR) << VTM_PAGE_SHIFT;
        g_assert(vtmt_pt_map(&pt, IOVA + 0x1000, src, 1, VTMT_RW));
    }
    fill_pattern(&t, src, 0x11);
    edu_copy(&t, IOVA + 0x1000, IOVA);
    g_assert(has_pattern(&t, dst, 0x11));
    g_assert_cmphex(fsts(&t), ==, 0);

    st = vtm_qtest_stats(t.qts, UNIT);
    g_assert_cmpstr(stats_str(st, "unit/mode"), ==, "scalable");
    g_assert_cmpint(stats_int(st, "unit/stage/second"), >, 0);
    g_assert_cmpint(stats_int(st, "unit/stage/first"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/pasid-cache/lookups"), >, 0);
    qobject_unref(st);
    vtm_sm_stop(&t);
}

/*
 * PGTT first stage, 4 or 5 levels: the unit sets A on the leaf it reads
 * through and D once it writes (3.6.2, locked updates).
 */
static void fs_dma(const char *opts, unsigned levels)
{
    uint64_t src = DATA_BASE, dst = DATA_BASE + 0x1000, leaf, top;
    uint64_t flags = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US;
    VtmtPt pt = { .levels = levels };
    VtmtPasidEntry e;
    QDict *st;
    SmT t;

    sm_start(&t, opts);
    sm_enable(&t);
    top = sm_fs_tables(&t, levels, IOVA, dst, flags, &leaf);
    pt.mem = &t.mem.mem;
    pt.top = top;
    g_assert(vtmt_fs_map(&pt, IOVA + 0x1000, src, 1, flags, VTMT_FS_TABLE));
    e = fs_entry(top, levels);
    vtm_sm_set_pasid(&t, RID_PASID, &e);

    fill_pattern(&t, src, 0x22);
    edu_read(&t, IOVA + 0x1000);
    /* read through the page: A set, D not */
    g_assert_cmphex(vtmt_r64(&t.mem.mem, vtmt_fs_entry(&pt, IOVA + 0x1000,
                                                       1)) &
                    (VTMT_FS_A | VTMT_FS_D), ==, VTMT_FS_A);
    g_assert_cmphex(vtmt_r64(&t.mem.mem, leaf) & (VTMT_FS_A | VTMT_FS_D),
                    ==, 0);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, dst, 0x22));
    g_assert_cmphex(vtmt_r64(&t.mem.mem, leaf) & (VTMT_FS_A | VTMT_FS_D),
                    ==, VTMT_FS_A | VTMT_FS_D);
    g_assert_cmphex(fsts(&t), ==, 0);

    st = vtm_qtest_stats(t.qts, UNIT);
    g_assert_cmpint(stats_int(st, "unit/stage/first"), >, 0);
    g_assert_cmpint(stats_int(st, "unit/ad-writes"), >=, 2);
    qobject_unref(st);
    vtm_sm_stop(&t);
}

static void test_dma_first_stage(void)
{
    fs_dma("", 4);
}

static void test_dma_first_stage_5level(void)
{
    fs_dma(",aw-bits=57", 5);
}

/* PGTT pass-through: device addresses are physical addresses. */
static void test_dma_pass_through(void)
{
    VtmtPasidEntry e = { .pgtt = VTM_PGTT_PT, .did = DID, .aw = 2 };
    QDict *st;
    SmT t;

    sm_start(&t, "");
    sm_enable(&t);
    vtm_sm_set_pasid(&t, RID_PASID, &e);
    fill_pattern(&t, DATA_BASE, 0x33);
    edu_copy(&t, DATA_BASE, DATA_BASE + 0x2000);
    g_assert(has_pattern(&t, DATA_BASE + 0x2000, 0x33));
    g_assert_cmphex(fsts(&t), ==, 0);
    st = vtm_qtest_stats(t.qts, UNIT);
    g_assert_cmpint(stats_int(st, "unit/stage/pass-through"), >, 0);
    qobject_unref(st);

    /*
     * Once an invalidation made the unit look at the entry again, the
     * requester takes the untranslated view: its DMA costs no
     * translation at all (intel-iommu does the same for pass-through).
     */
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_PASID, DID, RID_PASID));
    vtm_qt_qi_sync(&t.iq);
    vtm_qtest_stats_reset(t.qts, UNIT);
    fill_pattern(&t, DATA_BASE, 0x34);
    edu_copy(&t, DATA_BASE, DATA_BASE + 0x3000);
    g_assert(has_pattern(&t, DATA_BASE + 0x3000, 0x34));
    st = vtm_qtest_stats(t.qts, UNIT);
    g_assert_cmpint(stats_int(st, "unit/translations"), ==, 0);
    qobject_unref(st);

    /* made second stage again: translated (and faulting: no tables) */
    {
        VtmtPasidEntry ss = ss_entry(vtm_qt_alloc(&t.mem));

        vtm_sm_set_pasid(&t, RID_PASID, &ss);
    }
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_PASID, DID, RID_PASID));
    vtm_qt_qi_sync(&t.iq);
    qtest_memset(t.qts, DATA_BASE + 0x3000, 0, DMA_LEN);
    edu_write(&t, DATA_BASE + 0x3000);
    g_assert(!has_pattern(&t, DATA_BASE + 0x3000, 0x34));
    g_assert_cmphex(fsts(&t) & R_FSTS_PPF_MASK, ==, R_FSTS_PPF_MASK);
    vtm_sm_stop(&t);
}

/* ---- Stale entries and PASID-granular invalidation --------------------- */

/*
 * A first-stage leaf retargeted without invalidation keeps translating
 * to the old page (IOTLB); a PASID-based IOTLB invalidation of another
 * PASID of the same domain leaves it; one of RID_PASID drops it.
 */
static void test_stale_piotlb(void)
{
    uint64_t a = DATA_BASE, b = DATA_BASE + 0x1000, leaf;
    uint64_t flags = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US | VTMT_FS_A |
                     VTMT_FS_D;
    VtmtPasidEntry e;
    SmT t;

    sm_start(&t, "");
    sm_enable(&t);
    e = fs_entry(sm_fs_tables(&t, 4, IOVA, a, flags, &leaf), 4);
    vtm_sm_set_pasid(&t, RID_PASID, &e);
    vtm_sm_set_pasid(&t, OTHER_PASID, &e);
    fill_pattern(&t, DATA_BASE + 0x8000, 0x44);
    {
        /* edu's source page: identity through a second leaf */
        VtmtPt pt = { .mem = &t.mem.mem, .levels = 4, .top = e.fsptptr };

        g_assert(vtmt_fs_map(&pt, DATA_BASE + 0x8000, DATA_BASE + 0x8000,
                             1, flags, VTMT_FS_TABLE));
    }
    edu_copy(&t, DATA_BASE + 0x8000, IOVA);
    g_assert(has_pattern(&t, a, 0x44));

    vtmt_w64(&t.mem.mem, leaf, vtmt_fspte(b, flags, false));
    qtest_memset(t.qts, a, 0, DMA_LEN);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, a, 0x44));         /* stale: still a */
    g_assert(!has_pattern(&t, b, 0x44));

    vtm_qt_qi_put(&t.iq, vtmt_qi_piotlb(VTM_QI_PIOTLB_PAGE, DID,
                                        OTHER_PASID, IOVA, 0, false));
    vtm_qt_qi_sync(&t.iq);
    vtm_qt_qi_put(&t.iq, vtmt_qi_piotlb(VTM_QI_PIOTLB_PASID, DID,
                                        OTHER_PASID, 0, 0, false));
    vtm_qt_qi_sync(&t.iq);
    qtest_memset(t.qts, a, 0, DMA_LEN);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, a, 0x44));         /* other PASID: still a */

    /* another domain's invalidation of RID_PASID leaves it too */
    vtm_qt_qi_put(&t.iq, vtmt_qi_piotlb(VTM_QI_PIOTLB_PAGE, DID + 1,
                                        RID_PASID, IOVA, 0, false));
    vtm_qt_qi_sync(&t.iq);
    qtest_memset(t.qts, a, 0, DMA_LEN);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, a, 0x44));

    vtm_qt_qi_put(&t.iq, vtmt_qi_piotlb(VTM_QI_PIOTLB_PAGE, DID,
                                        RID_PASID, IOVA, 0, false));
    vtm_qt_qi_sync(&t.iq);
    qtest_memset(t.qts, a, 0, DMA_LEN);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, b, 0x44));         /* dropped: now b */
    g_assert(!has_pattern(&t, a, 0x44));
    g_assert_cmphex(fsts(&t), ==, 0);
    vtm_sm_stop(&t);
}

/*
 * A PASID table entry changed from second stage to pass-through is used
 * stale until a PASID-cache invalidation of (DID, RID_PASID): not by one
 * of another PASID.
 */
static void test_stale_pasid_cache(void)
{
    uint64_t mapped = DATA_BASE, src = DATA_BASE + 0x8000, ident = IOVA;
    VtmtPasidEntry e, pt = { .pgtt = VTM_PGTT_PT, .did = DID, .aw = 2 };
    VtmtPt ss = { .levels = 4 };
    SmT t;

    sm_start(&t, "");
    sm_enable(&t);
    e = ss_entry(sm_ss_tables(&t, IOVA, mapped));
    ss.mem = &t.mem.mem;
    ss.top = e.ssptptr;
    g_assert(vtmt_pt_map(&ss, IOVA + 0x1000, src, 1, VTMT_RW));
    vtm_sm_set_pasid(&t, RID_PASID, &e);
    vtm_sm_set_pasid(&t, OTHER_PASID, &e);
    fill_pattern(&t, src, 0x55);
    edu_read(&t, IOVA + 0x1000);                /* caches the entry */

    vtm_sm_set_pasid(&t, RID_PASID, &pt);
    qtest_memset(t.qts, mapped, 0, DMA_LEN);
    qtest_memset(t.qts, ident, 0, DMA_LEN);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, mapped, 0x55));    /* stale: second stage */
    g_assert(!has_pattern(&t, ident, 0x55));

    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_PASID, DID, OTHER_PASID));
    vtm_qt_qi_sync(&t.iq);
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_PASID, DID + 1, RID_PASID));
    vtm_qt_qi_sync(&t.iq);
    qtest_memset(t.qts, mapped, 0, DMA_LEN);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, mapped, 0x55));    /* still stale */
    g_assert(!has_pattern(&t, ident, 0x55));

    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_PASID, DID, RID_PASID));
    vtm_qt_qi_sync(&t.iq);
    qtest_memset(t.qts, mapped, 0, DMA_LEN);
    edu_write(&t, IOVA);
    g_assert(has_pattern(&t, ident, 0x55));     /* pass-through now */
    g_assert(!has_pattern(&t, mapped, 0x55));
    g_assert_cmphex(fsts(&t), ==, 0);
    vtm_sm_stop(&t);
}

/* ---- 256-bit descriptors ----------------------------------------------- */

/* Every descriptor type the unit implements, at 256 bits. */
static void test_qi_all_types(void)
{
    VtmtDesc descs[] = {
        vtmt_qi_cc(VTM_INV_GLOBAL, 0, 0, 0),
        vtmt_qi_cc(VTM_INV_DOMAIN, DID, 0, 0),
        vtmt_qi_cc(VTM_INV_DEVICE, DID, EDU_SID, 0),
        vtmt_qi_iotlb(VTM_INV_GLOBAL, 0, 0, 0, false),
        vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false),
        vtmt_qi_iotlb(VTM_INV_PAGE, DID, IOVA, 2, true),
        vtmt_qi_devtlb(EDU_SID, 0, 0, IOVA, false),
        vtmt_qi_iec(true, 0, 0),
        vtmt_qi_iec(false, 4, 2),
        vtmt_qi_piotlb(VTM_QI_PIOTLB_PASID, DID, RID_PASID, 0, 0, false),
        vtmt_qi_piotlb(VTM_QI_PIOTLB_PAGE, DID, RID_PASID, IOVA, 3, true),
        vtmt_qi_pc(VTM_QI_PC_DOMAIN, DID, 0),
        vtmt_qi_pc(VTM_QI_PC_PASID, DID, RID_PASID),
        vtmt_qi_pc(VTM_QI_PC_GLOBAL, 0, 0),
        vtmt_qi_pdevtlb(EDU_SID, 0, 0, RID_PASID, IOVA, false, false),
        vtmt_qi_pdevtlb(EDU_SID, 0, 0, RID_PASID, 0, true, true),
    };
    static const struct {
        const char *key;
        int n;
    } inv_keys[] = {
        { "context-cache-global", 1 }, { "context-cache-domain", 1 },
        { "context-cache-device", 1 }, { "iotlb-global", 1 },
        { "iotlb-domain", 1 }, { "iotlb-page", 1 }, { "devtlb", 1 },
        { "iec", 2 }, { "wait", 1 }, { "pasid-iotlb-pasid", 1 },
        { "pasid-iotlb-page", 1 }, { "pasid-cache-domain", 1 },
        { "pasid-cache-pasid", 1 }, { "pasid-cache-global", 1 },
        { "pasid-devtlb", 2 },
    };
    QDict *st;
    size_t i;
    SmT t;

    sm_start(&t, ",device-iotlb=on");
    sm_enable(&t);
    vtm_qtest_stats_reset(t.qts, UNIT);
    for (i = 0; i < ARRAY_SIZE(descs); i++) {
        vtm_qt_qi_put(&t.iq, descs[i]);
    }
    vtm_qt_qi_sync(&t.iq);                      /* a 256-bit wait */
    st = vtm_qtest_stats(t.qts, UNIT);
    for (i = 0; i < ARRAY_SIZE(inv_keys); i++) {
        g_autofree char *path = g_strdup_printf("unit/invalidations/%s",
                                                inv_keys[i].key);

        g_test_message("%s", path);
        g_assert_cmpint(stats_int(st, path), ==, inv_keys[i].n);
    }
    qobject_unref(st);
    vtm_sm_stop(&t);
}

/*
 * The error IQE reports for one bad descriptor; then software replaces
 * it with a wait that does nothing and clears IQE (6.5.2.10), and the
 * queue runs again.
 */
static void expect_iqe(SmT *t, VtmtDesc d, unsigned iqei)
{
    uint64_t nop[4] = {
        cpu_to_le64(FIELD_DP64(0, QI_LO, TYPE_LO, VTM_QI_WAIT)),
    };
    uint32_t at = vtm_qt_qi_put(&t->iq, d);

    vtm_qt_qi_kick(&t->iq);
    g_assert_cmphex(fsts(t) & R_FSTS_IQE_MASK, ==, R_FSTS_IQE_MASK);
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t->qts, A_IQERCD), IQERCD, IQEI),
                     ==, iqei);
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IQH), ==, at);
    qtest_memwrite(t->qts, QUEUE_BASE + at, nop, sizeof(nop));
    vtm_reg_wl(t->qts, A_FSTS, R_FSTS_IQE_MASK);
    vtm_qt_qi_sync(&t->iq);
}

static void test_qi_malformed(void)
{
    VtmtDesc d;
    SmT t;

    sm_start(&t, "");
    sm_enable(&t);
    /* qwords 2-3 of a 128-bit type are reserved at 256 bits */
    d = vtmt_qi_cc(VTM_INV_GLOBAL, 0, 0, 0);
    d.qw[2] = 1;
    expect_iqe(&t, d, VTM_IQEI_RSVD);
    /* reserved granularities */
    expect_iqe(&t, vtmt_qi_piotlb(0, DID, 1, 0, 0, false), VTM_IQEI_RSVD);
    expect_iqe(&t, vtmt_qi_pc(2, DID, 1), VTM_IQEI_RSVD);
    d = vtmt_qi_pc(VTM_QI_PC_GLOBAL, 0, 0);
    d.qw[3] = 1ULL << 63;
    expect_iqe(&t, d, VTM_IQEI_RSVD);
    /* an unknown type */
    expect_iqe(&t, vtmt_desc(0xf), VTM_IQEI_TYPE);
    g_assert_cmphex(fsts(&t) & R_FSTS_IQE_MASK, ==, 0);
    vtm_sm_stop(&t);
}

/*
 * 11.4.9.9: with DW=1 a tail not 256-bit aligned is IQEI 1; a 256-bit
 * type in a 128-bit queue IQEI 5.
 */
static void test_qi_width(void)
{
    SmT t;

    sm_start(&t, "");
    sm_enable(&t);
    vtm_reg_wl(t.qts, A_IQT, 0x10);
    g_assert_cmphex(fsts(&t) & R_FSTS_IQE_MASK, ==, R_FSTS_IQE_MASK);
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t.qts, A_IQERCD), IQERCD, IQEI),
                     ==, VTM_IQEI_TAIL_ALIGN);
    vtm_sm_stop(&t);

    /* legacy translation, 128-bit queue: a PASID-cache descriptor */
    sm_start(&t, "");
    vtm_qt_qi_enable(&t.iq);
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_GLOBAL, 0, 0));
    vtm_qt_qi_kick(&t.iq);
    g_assert_cmphex(fsts(&t) & R_FSTS_IQE_MASK, ==, R_FSTS_IQE_MASK);
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t.qts, A_IQERCD), IQERCD, IQEI),
                     ==, VTM_IQEI_WIDTH);
    vtm_sm_stop(&t);
}

/* ---- Scalable-mode faults ---------------------------------------------- */

static void program_fault_event(SmT *t)
{
    /* FRI keeps naming the last record read: no error for a sync */
    t->iq.fsts_ignore = R_FSTS_FRI_MASK;
    vtm_reg_wl(t->qts, A_FEDATA, FE_DATA);
    vtm_reg_wl(t->qts, A_FEADDR, FE_MSG_ADDR);
    vtm_reg_wl(t->qts, A_FEUADDR, 0);
    vtm_reg_wl(t->qts, A_FECTL, 0);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
}

typedef struct Frcd {
    uint64_t lo, hi;
} Frcd;

/* The record FSTS.FRI names, checked present; then cleared. */
static Frcd take_fault(SmT *t)
{
    uint64_t f = fsts(t);
    unsigned fri = FIELD_EX64(f, FSTS, FRI);
    uint64_t off = VTM_FRO_OFFSET + fri * VTM_FRCD_SIZE;
    Frcd r;

    g_assert_cmphex(f & R_FSTS_PPF_MASK, ==, R_FSTS_PPF_MASK);
    r.lo = vtm_reg_rq(t->qts, off);
    r.hi = vtm_reg_rq(t->qts, off + 8);
    g_assert_cmpuint(FIELD_EX64(r.hi, FRCD_HI, F), ==, 1);
    vtm_reg_wq(t->qts, off + 8, R_FRCD_HI_F_MASK);      /* W1C */
    g_assert_cmphex(fsts(t) & R_FSTS_PPF_MASK, ==, 0);
    return r;
}

static void check_fault(Frcd r, unsigned reason, uint16_t sid,
                        uint64_t addr, bool write, int64_t pasid)
{
    g_assert_cmphex(FIELD_EX64(r.hi, FRCD_HI, FR), ==, reason);
    g_assert_cmphex(FIELD_EX64(r.hi, FRCD_HI, SID), ==, sid);
    g_assert_cmphex(r.lo & R_FRCD_LO_FI_MASK, ==,
                    addr & R_FRCD_LO_FI_MASK);
    g_assert_cmpuint(FIELD_EX64(r.hi, FRCD_HI, T1), ==, !write);
    g_assert_cmpuint(FIELD_EX64(r.hi, FRCD_HI, PP), ==, pasid >= 0);
    g_assert_cmphex(FIELD_EX64(r.hi, FRCD_HI, PV), ==,
                    pasid >= 0 ? pasid : 0);
}

/* Requests without PASID (edu): SM reasons, PP clear. */
static void test_faults_rid_pasid(void)
{
    uint64_t flags = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US;
    VtmtPasidEntry e;
    SmT t;

    sm_start(&t, "");
    program_fault_event(&t);
    sm_enable(&t);

    /* SPD.2: RID_PASID's directory entry is not present */
    edu_write(&t, IOVA);
    check_fault(take_fault(&t), VTM_FR_SM_PDE_NOT_PRESENT, EDU_SID, IOVA,
                true, -1);
    g_assert_cmphex(qtest_readl(t.qts, FE_MSG_ADDR), ==, FE_DATA);

    /* SPT.2: the entry (of another PASID's table) not present */
    e = fs_entry(sm_fs_tables(&t, 4, IOVA, DATA_BASE, flags, NULL), 4);
    vtm_sm_set_pasid(&t, OTHER_PASID, &e);
    edu_read(&t, IOVA);
    check_fault(take_fault(&t), VTM_FR_SM_PTE_NOT_PRESENT, EDU_SID, IOVA,
                false, -1);

    /* SGN.1: a non-canonical input address under first stage */
    vtm_sm_set_pasid(&t, RID_PASID, &e);
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_GLOBAL, 0, 0));
    vtm_qt_qi_sync(&t.iq);
    edu_write(&t, 0x0000800000000000ULL);
    check_fault(take_fault(&t), VTM_FR_SM_NON_CANONICAL, EDU_SID,
                0x0000800000000000ULL, true, -1);

    /* SFS.2: a first-stage entry not present */
    edu_write(&t, IOVA + 0x200000);
    check_fault(take_fault(&t), VTM_FR_SM_FS_NOT_PRESENT, EDU_SID,
                IOVA + 0x200000, true, -1);

    /* SPT.4: nested is decoded, not walked */
    e.pgtt = VTM_PGTT_NESTED;
    e.ssptptr = sm_ss_tables(&t, IOVA, DATA_BASE);
    vtm_sm_set_pasid(&t, RID_PASID, &e);
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_PASID, DID, RID_PASID));
    vtm_qt_qi_sync(&t.iq);
    edu_write(&t, IOVA);
    check_fault(take_fault(&t), VTM_FR_SM_PTE_INVALID, EDU_SID, IOVA, true,
                -1);
    vtm_sm_stop(&t);
}

/* Requests with PASID (the probe): PP and PV in the record. */
static void test_faults_pasid(void)
{
    uint64_t flags = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US | VTMT_FS_A |
                     VTMT_FS_D;
    uint64_t top;
    VtmtPasidEntry e;
    ProbeRes r;
    SmT t;

    sm_start(&t, "");
    program_fault_event(&t);
    sm_enable(&t);
    top = sm_fs_tables(&t, 4, IOVA, DATA_BASE, flags, NULL);
    e = fs_entry(top, 4);
    vtm_sm_set_pasid(&t, PASID_REQ, &e);

    /* a request with PASID translates through that PASID's entry */
    r = probe(&t, EDU_SID, PASID_REQ, IOVA + 0x10, "w");
    g_assert_cmphex(r.fr, ==, 0);
    g_assert_cmphex(r.addr, ==, DATA_BASE);
    g_assert_cmpuint(r.stage, ==, 2);           /* VTM_STAGE_FIRST */

    /* SPT.6: a supervisor request without SRE */
    r = probe(&t, EDU_SID, PASID_REQ, IOVA, "rp");
    g_assert_cmphex(r.fr, ==, VTM_FR_SM_PTE_SRE);
    check_fault(take_fault(&t), VTM_FR_SM_PTE_SRE, EDU_SID, IOVA, false,
                PASID_REQ);

    /* SFS.2 with PASID: PP and PV */
    r = probe(&t, EDU_SID, PASID_REQ, IOVA + 0x400000, "w");
    g_assert_cmphex(r.fr, ==, VTM_FR_SM_FS_NOT_PRESENT);
    check_fault(take_fault(&t), VTM_FR_SM_FS_NOT_PRESENT, EDU_SID,
                IOVA + 0x400000, true, PASID_REQ);

    /* SCT.6: PASIDs not allowed by the context entry */
    t.ctx.paside = false;
    vtm_sm_write_ctx(&t);
    vtm_qt_qi_put(&t.iq, vtmt_qi_cc(VTM_INV_GLOBAL, 0, 0, 0));
    vtm_qt_qi_sync(&t.iq);
    r = probe(&t, EDU_SID, PASID_REQ, IOVA, "r");
    g_assert_cmphex(r.fr, ==, VTM_FR_SM_CTX_PASIDE);
    check_fault(take_fault(&t), VTM_FR_SM_CTX_PASIDE, EDU_SID, IOVA, false,
                PASID_REQ);

    /* SCT.2 for a requester (00:05.0) without context entry */
    r = probe(&t, 0x0028, PASID_REQ, IOVA, "r");
    g_assert_cmphex(r.fr, ==, VTM_FR_SM_CTX_NOT_PRESENT);
    check_fault(take_fault(&t), VTM_FR_SM_CTX_NOT_PRESENT, 0x0028, IOVA,
                false, PASID_REQ);
    /* SRT.2 for a bus without root entry */
    r = probe(&t, 0x0300, PASID_REQ, IOVA, "r");
    g_assert_cmphex(r.fr, ==, VTM_FR_SM_ROOT_NOT_PRESENT);
    check_fault(take_fault(&t), VTM_FR_SM_ROOT_NOT_PRESENT, 0x0300, IOVA,
                false, PASID_REQ);
    vtm_sm_stop(&t);
}

/*
 * SGN.3: an execute request (ERS, the PASID entry's ERE) to a page whose
 * first-stage leaf has XD, with the entry's NXE: 82h, FRCD.EXE set.
 */
static void test_faults_exec(void)
{
    uint64_t flags = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US | VTMT_FS_A |
                     VTMT_FS_D;
    uint64_t leaf;
    VtmtPasidEntry e;
    ProbeRes r;
    Frcd f;
    SmT t;

    sm_start(&t, ",ers=on");
    program_fault_event(&t);
    sm_enable(&t);
    e = fs_entry(sm_fs_tables(&t, 4, IOVA, DATA_BASE, flags | VTMT_FS_XD,
                              &leaf), 4);
    e.ere = e.nxe = true;
    vtm_sm_set_pasid(&t, PASID_REQ, &e);
    r = probe(&t, EDU_SID, PASID_REQ, IOVA, "rx");
    g_assert_cmphex(r.fr, ==, VTM_FR_SM_EXEC);
    f = take_fault(&t);
    check_fault(f, VTM_FR_SM_EXEC, EDU_SID, IOVA, false, PASID_REQ);
    g_assert_cmpuint(FIELD_EX64(f.hi, FRCD_HI, EXE), ==, 1);
    /* a read of the same page is no execute: it translates */
    r = probe(&t, EDU_SID, PASID_REQ, IOVA, "r");
    g_assert_cmphex(r.fr, ==, 0);
    /* without XD the execute request translates too */
    vtmt_w64(&t.mem.mem, leaf, vtmt_r64(&t.mem.mem, leaf) & ~VTMT_FS_XD);
    vtm_qt_qi_put(&t.iq, vtmt_qi_piotlb(VTM_QI_PIOTLB_PASID, DID, PASID_REQ,
                                        0, 0, false));
    vtm_qt_qi_sync(&t.iq);
    r = probe(&t, EDU_SID, PASID_REQ, IOVA, "rx");
    g_assert_cmphex(r.fr, ==, 0);
    g_assert_cmphex(r.addr, ==, DATA_BASE);
    vtm_sm_stop(&t);
}

/* SRTA.2: a request with PASID while the root table is legacy. */
static void test_faults_legacy_pasid(void)
{
    ProbeRes r;
    SmT t;

    sm_start(&t, "");
    t.root = vtm_qt_alloc(&t.mem);
    vtm_reg_wq(t.qts, A_RTADDR, t.root);
    vtm_gcmd_update(t.qts, R_GCMD_SRTP_MASK, 0);
    vtm_gcmd_update(t.qts, R_GCMD_TE_MASK, 0);
    r = probe(&t, EDU_SID, 7, IOVA, "r");
    g_assert_cmphex(r.fr, ==, VTM_FR_SM_TTM0_PASID);
    check_fault(take_fault(&t), VTM_FR_SM_TTM0_PASID, EDU_SID, IOVA, false,
                7);
    vtm_sm_stop(&t);
}

/* ---- IOMMU notifiers (VFIO) in scalable mode ---------------------------- */

#define REC                 "/machine/peripheral/rec"

static char *rec_events(SmT *t)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': 'events'}}", REC);
    char *s = g_strdup(qdict_get_str(rsp, "return"));

    qobject_unref(rsp);
    return s;
}

static void expect_events(SmT *t, const char *want)
{
    g_autofree char *got = rec_events(t);

    g_assert_cmpstr(got, ==, want);
}

/*
 * With caching mode, MAP notifiers follow RID_PASID's second-stage
 * entry exactly as a legacy context: the entry appears with a PASID-cache
 * invalidation, mappings with IOTLB invalidations, and a pass-through
 * entry is announced as an identity map.
 */
static void test_notify_second_stage(void)
{
    VtmtPt ss = { .levels = 4 };
    VtmtPasidEntry e;
    SmT t;

    vtm_sm_start(&t, ",caching-mode=on",
                  "-device x-vtm-notify-recorder,id=rec,devfn=0x20");
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t.qts, A_ECAP), ECAP, FLTS), ==,
                     0);
    sm_enable(&t);
    expect_events(&t, "");
    e = ss_entry(sm_ss_tables(&t, IOVA, DATA_BASE));
    ss.mem = &t.mem.mem;
    ss.top = e.ssptptr;
    vtm_sm_set_pasid(&t, RID_PASID, &e);
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_PASID, DID, RID_PASID));
    vtm_qt_qi_sync(&t.iq);
    expect_events(&t, "map 0x40000000 0xfff 0x3000000 rw\n");

    /* a new mapping, told by a page-selective IOTLB invalidation */
    g_assert(vtmt_pt_map(&ss, IOVA + 0x1000, DATA_BASE + 0x5000, 1,
                         R_SLPTE_R_MASK));
    vtm_qt_qi_put(&t.iq, vtmt_qi_iotlb(VTM_INV_PAGE, DID, IOVA + 0x1000, 0,
                                       false));
    vtm_qt_qi_sync(&t.iq);
    expect_events(&t, "map 0x40001000 0xfff 0x3005000 r\n");

    /* another domain's invalidation tells nothing; the right one unmaps */
    vtmt_pt_unmap(&ss, IOVA, 1);
    vtm_qt_qi_put(&t.iq, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID + 1, 0, 0,
                                       false));
    vtm_qt_qi_sync(&t.iq);
    expect_events(&t, "");
    vtm_qt_qi_put(&t.iq, vtmt_qi_iotlb(VTM_INV_DOMAIN, DID, 0, 0, false));
    vtm_qt_qi_sync(&t.iq);
    expect_events(&t, "unmap 0x40000000 0xfff\n");

    /* the entry made not present: everything unmapped */
    vtmt_w64(&t.mem.mem, vtmt_pasid_entry_addr(&t.mem.mem, t.dir, RID_PASID,
                                               false), 0);
    vtm_qt_qi_put(&t.iq, vtmt_qi_pc(VTM_QI_PC_DOMAIN, DID, 0));
    vtm_qt_qi_sync(&t.iq);
    expect_events(&t, "unmap 0x40001000 0xfff\n");
    vtm_sm_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm-sm/caps", test_caps);
    qtest_add_func("/vtm-sm/caps/legacy", test_caps_legacy);
    qtest_add_func("/vtm-sm/properties/refused", test_refused);
    qtest_add_func("/vtm-sm/properties/help", test_help);
    qtest_add_func("/vtm-sm/dma/second-stage", test_dma_second_stage);
    qtest_add_func("/vtm-sm/dma/first-stage", test_dma_first_stage);
    qtest_add_func("/vtm-sm/dma/first-stage-5level",
                   test_dma_first_stage_5level);
    qtest_add_func("/vtm-sm/dma/pass-through", test_dma_pass_through);
    qtest_add_func("/vtm-sm/stale/pasid-iotlb", test_stale_piotlb);
    qtest_add_func("/vtm-sm/stale/pasid-cache", test_stale_pasid_cache);
    qtest_add_func("/vtm-sm/qi/all-types", test_qi_all_types);
    qtest_add_func("/vtm-sm/qi/malformed", test_qi_malformed);
    qtest_add_func("/vtm-sm/qi/width", test_qi_width);
    qtest_add_func("/vtm-sm/faults/rid-pasid", test_faults_rid_pasid);
    qtest_add_func("/vtm-sm/faults/pasid", test_faults_pasid);
    qtest_add_func("/vtm-sm/faults/legacy-pasid", test_faults_legacy_pasid);
    qtest_add_func("/vtm-sm/faults/exec", test_faults_exec);
    qtest_add_func("/vtm-sm/notify/second-stage", test_notify_second_stage);
    return g_test_run();
}
