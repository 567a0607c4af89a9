/*
 * qtest for vtm-iommu: registers, DMA remapping through the edu device,
 * faults, invalidation (register-based and queued) and fault reporting.
 *
 * Every register offset, field and in-memory layout comes from
 * hw/i386/vtm/vtm-defs.h; the values asserted are what the VT-d
 * specification (and the properties given on the command line) require.
 *
 * Guest memory layout used by the tests (-m 2G, all of it below 4 GiB;
 * with the qtest accelerator no guest code runs, so RAM is ours):
 *   MISC_BASE    fault / invalidation event messages, wait status dwords
 *   QUEUE_BASE   the invalidation queue (4 KiB, 256 descriptors)
 *   TABLE_BASE   root, context and second-stage tables (bump allocated)
 *   0x03000000+  DMA data pages
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <poll.h>
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-qtest-util.h"

/* The edu device (hw/misc/edu.c): BAR0 registers and DMA engine */
#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */

/* Test memory layout */
#define MISC_BASE           0x00800000ULL
#define FE_MSG_ADDR         (MISC_BASE + 0x00)
#define IE_MSG_ADDR         (MISC_BASE + 0x40)
#define WAIT_STATUS_ADDR    (MISC_BASE + 0x80)
#define QUEUE_BASE          0x00900000ULL
#define TABLE_BASE          0x01000000ULL
#define TABLE_LIMIT         0x02000000ULL

#define FE_DATA             0x00004021
#define IE_DATA             0x00004032
#define DMA_LEN             0x800
#define FAULT_LEN           4       /* one request, so one fault per DMA */
#define DOMAIN_ID           1
#define SLPTE_RW            (R_SLPTE_R_MASK | R_SLPTE_W_MASK)

typedef struct VtmTest {
    QTestState *qts;
    QPCIBus *pcibus;
    QPCIDevice *edu;
    QPCIBar bar;
    VtmQtMem mem;           /* guest memory; tables from TABLE_BASE */
    VtmQtQueue iq;          /* the invalidation queue at QUEUE_BASE */
    uint64_t root;          /* root table */
    uint64_t ctx;           /* context table of bus 0 */
    uint64_t slpt;          /* top second-stage table of DOMAIN_ID */
    unsigned levels;        /* second-stage levels: 3, 4 or 5 */
    unsigned nfr;
} VtmTest;

/* ---- Starting and stopping QEMU -------------------------------------- */

static void vtm_start(VtmTest *t, const char *iommu_opts, unsigned levels,
                      unsigned nfr)
{
    memset(t, 0, sizeof(*t));
    t->qts = qtest_initf("-M q35 -m 2G -nodefaults "
                         "-device vtm-iommu%s "
                         "-device edu,addr=04.0,dma_mask=0xffffffffffffffff",
                         iommu_opts);
    t->pcibus = qpci_new_pc(t->qts, NULL);
    t->edu = qpci_device_find(t->pcibus, EDU_DEVFN);
    g_assert(t->edu);
    qpci_device_enable(t->edu);             /* memory space, bus master */
    t->bar = qpci_iomap(t->edu, 0, NULL);
    vtm_qt_mem_init(&t->mem, t->qts, TABLE_BASE, TABLE_LIMIT);
    vtm_qt_qi_init(&t->iq, t->qts, &t->mem.mem, QUEUE_BASE, 0,
                   WAIT_STATUS_ADDR);
    t->levels = levels;
    t->nfr = nfr;
}

static void vtm_stop(VtmTest *t)
{
    g_free(t->edu);
    qpci_free_pc(t->pcibus);
    qtest_quit(t->qts);
}

/* ---- Registers (vtm-qtest-util.h has the accessors) ------------------ */

static uint64_t frcd_off(unsigned i)
{
    return VTM_FRO_OFFSET + i * VTM_FRCD_SIZE;
}

static void program_fault_event(VtmTest *t, bool masked)
{
    vtm_reg_wl(t->qts, A_FEDATA, FE_DATA);
    vtm_reg_wl(t->qts, A_FEADDR, FE_MSG_ADDR);
    vtm_reg_wl(t->qts, A_FEUADDR, 0);
    vtm_reg_wl(t->qts, A_FECTL, masked ? R_FECTL_IM_MASK : 0);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
}

/* ---- Remapping structures in guest memory (tests/lib) --------------- */

static uint64_t alloc_table(VtmTest *t)
{
    return vtm_qt_alloc(&t->mem);
}

static uint64_t leaf_pte(uint64_t phys, unsigned level, uint64_t perm)
{
    return vtmt_leaf(phys, level, perm);
}

/*
 * Maps one page of 1 << shift bytes (4K, 2M or 1G) in the table at top;
 * returns the leaf's address.
 */
static uint64_t map_page_in(VtmTest *t, uint64_t top, uint64_t iova,
                            uint64_t phys, unsigned shift, uint64_t perm)
{
    VtmtPt pt = { .mem = &t->mem.mem, .top = top, .levels = t->levels };
    unsigned level = vtmt_shift_level(shift);
    uint64_t pa;

    g_assert_cmpuint(vtmt_level_shift(level), ==, shift);
    g_assert_cmphex(iova & ((1ULL << shift) - 1), ==, 0);
    g_assert_cmphex(phys & ((1ULL << shift) - 1), ==, 0);
    pa = vtmt_pt_map(&pt, iova, phys, level, perm);
    g_assert_cmphex(pa, !=, 0);
    return pa;
}

static uint64_t map_page(VtmTest *t, uint64_t iova, uint64_t phys,
                         unsigned shift, uint64_t perm)
{
    return map_page_in(t, t->slpt, iova, phys, shift, perm);
}

static void write_context(VtmTest *t, uint64_t top, uint16_t did, bool fpd)
{
    vtmt_w128(&t->mem.mem, t->ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(top, VTM_TT_UNTRANSLATED, fpd),
              vtmt_ctx_hi(vtmt_aw_of_levels(t->levels), did));
}

/* Legacy-mode root and context tables for the edu device, 9.1 and 9.3. */
static void build_tables(VtmTest *t, bool fpd)
{
    t->root = alloc_table(t);
    t->ctx = alloc_table(t);
    t->slpt = alloc_table(t);
    vtmt_w64(&t->mem.mem, t->root + 0 * VTM_ROOT_ENTRY_SIZE,
             vtmt_root_lo(t->ctx));
    write_context(t, t->slpt, DOMAIN_ID, fpd);
}

/* SRTP, then TE, each acknowledged in GSTS (11.4.4). */
static void enable_translation(VtmTest *t)
{
    vtm_reg_wq(t->qts, A_RTADDR, FIELD_DP64(0, RTADDR, RTA,
                                   t->root >> VTM_PAGE_SHIFT));
    vtm_gcmd_update(t->qts, R_GCMD_SRTP_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_RTPS_MASK, ==,
                    R_GSTS_RTPS_MASK);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_TES_MASK, ==, 0);
    vtm_gcmd_update(t->qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
}

/* A translating setup: tables built, root latched, translation on. */
static void vtm_start_translated(VtmTest *t, const char *opts,
                                 unsigned levels, unsigned nfr, bool fpd)
{
    vtm_start(t, opts, levels, nfr);
    build_tables(t, fpd);
    enable_translation(t);
}

/* ---- edu DMA ----------------------------------------------------------- */

/* RAM (at a device address) -> edu buffer */
static void edu_from_ram(VtmTest *t, uint64_t addr, uint32_t len)
{
    vtm_edu_dma(t->qts, t->edu, t->bar, addr, EDU_DMA_BUF, len, false);
}

/* edu buffer -> RAM (at a device address) */
static void edu_to_ram(VtmTest *t, uint64_t addr, uint32_t len)
{
    vtm_edu_dma(t->qts, t->edu, t->bar, EDU_DMA_BUF, addr, len, true);
}

/* ---- Queued invalidation (vtm-qtest-util.h) --------------------------- */

static void qi_enable(VtmTest *t)
{
    vtm_qt_qi_enable(&t->iq);
}

/* Writes one descriptor at the tail without moving IQT. */
static uint32_t qi_put(VtmTest *t, uint64_t lo, uint64_t hi)
{
    return vtm_qt_qi_put(&t->iq, (VtmtDesc) { { lo, hi } });
}

static void qi_kick(VtmTest *t)
{
    vtm_qt_qi_kick(&t->iq);
}

static uint64_t qi_wait_lo(bool sw, bool intr, uint32_t data)
{
    return vtmt_qi_wait(sw, intr, false, data, 0).qw[0];
}

static uint64_t qi_wait_hi(uint64_t status_addr)
{
    return vtmt_qi_wait(true, false, false, 0, status_addr).qw[1];
}

/* Submits the descriptors put, then a status-writing wait, and checks. */
static void qi_sync(VtmTest *t)
{
    vtm_qt_qi_sync(&t->iq);
}

static void qi_iotlb(VtmTest *t, unsigned gran, uint16_t did, uint64_t addr)
{
    vtm_qt_qi_put(&t->iq, vtmt_qi_iotlb(gran, did, addr, 0, false));
}

static void qi_cc(VtmTest *t, unsigned gran, uint16_t did, uint16_t sid)
{
    vtm_qt_qi_put(&t->iq, vtmt_qi_cc(gran, did, sid, 0));
}

/* ---- Data patterns --------------------------------------------------- */

static uint8_t pattern_byte(uint8_t seed, size_t i)
{
    return seed ^ (i * 7) ^ (i >> 8) ^ 0x80;
}

static void fill_pattern(VtmTest *t, uint64_t addr, size_t len, uint8_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len);
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = pattern_byte(seed, i);
    }
    qtest_memwrite(t->qts, addr, buf, len);
}

static void assert_pattern(VtmTest *t, uint64_t addr, size_t len,
                           uint8_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len);
    size_t i;

    qtest_memread(t->qts, addr, buf, len);
    for (i = 0; i < len; i++) {
        if (buf[i] != pattern_byte(seed, i)) {
            g_test_message("pattern %02x at 0x%" PRIx64 " byte %zu: %02x",
                           seed, addr, i, buf[i]);
        }
        g_assert_cmphex(buf[i], ==, pattern_byte(seed, i));
    }
}

static void assert_filled(VtmTest *t, uint64_t addr, size_t len,
                          uint8_t byte)
{
    g_autofree uint8_t *buf = g_malloc(len);
    size_t i;

    qtest_memread(t->qts, addr, buf, len);
    for (i = 0; i < len; i++) {
        if (buf[i] != byte) {
            g_test_message("0x%" PRIx64 " byte %zu: %02x, expected %02x",
                           addr, i, buf[i], byte);
        }
        g_assert_cmphex(buf[i], ==, byte);
    }
}

/* ---- Expected capability values -------------------------------------- */

typedef struct CapCase {
    const char *opts;
    unsigned aw;
    unsigned nfr;
    bool cm;
    bool dt;
    bool pt;
    bool dma_translation;
    bool ir;                /* intremap: auto is on without KVM */
} CapCase;

/* CAP.SAGAW: every table depth up to the configured width (11.4.2). */
static unsigned expected_sagaw(unsigned aw)
{
    switch (aw) {
    case 39:
        return BIT(1);
    case 48:
        return BIT(1) | BIT(2);
    case 57:
        return BIT(1) | BIT(2) | BIT(3);
    }
    g_assert_not_reached();
}

/* Scalable mode is on by default wherever DMA is translated. */
static bool expected_sm(const CapCase *c)
{
    return c->dma_translation;
}

/* first-stage=auto: not with caching mode, not with 39-bit widths */
static bool expected_fs(const CapCase *c)
{
    return expected_sm(c) && !c->cm && c->aw >= 48;
}

static uint64_t expected_cap(const CapCase *c)
{
    uint64_t cap = 0;

    cap = FIELD_DP64(cap, CAP, ND, 6);          /* 64K domains */
    cap = FIELD_DP64(cap, CAP, CM, c->cm);
    cap = FIELD_DP64(cap, CAP, SAGAW,
                     c->dma_translation ? expected_sagaw(c->aw) : 0);
    cap = FIELD_DP64(cap, CAP, MGAW, c->aw - 1);
    cap = FIELD_DP64(cap, CAP, FRO, VTM_FRO_OFFSET / 16);
    cap = FIELD_DP64(cap, CAP, SLLPS, 3);       /* 2M and 1G pages */
    cap = FIELD_DP64(cap, CAP, PSI, 1);
    cap = FIELD_DP64(cap, CAP, NFR, c->nfr - 1);
    cap = FIELD_DP64(cap, CAP, MAMV, 18);       /* up to 1G per PSI */
    cap = FIELD_DP64(cap, CAP, DWD, 1);
    cap = FIELD_DP64(cap, CAP, DRD, 1);
    cap = FIELD_DP64(cap, CAP, PI, c->ir);
    /* performance monitoring (perfmon=on, the default): vtm-perfmon-test */
    cap = FIELD_DP64(cap, CAP, ECMDS, !strstr(c->opts, "perfmon=off"));
    /* scalable mode (the default): first-stage page sizes and depth */
    if (expected_fs(c)) {
        cap = FIELD_DP64(cap, CAP, FL1GP, 1);
        cap = FIELD_DP64(cap, CAP, FL5LP, c->aw == 57);
    }
    return cap;
}

static uint64_t expected_ecap(const CapCase *c)
{
    uint64_t ecap = 0;

    ecap = FIELD_DP64(ecap, ECAP, C, 1);
    ecap = FIELD_DP64(ecap, ECAP, QI, 1);
    ecap = FIELD_DP64(ecap, ECAP, DT, c->dt);
    ecap = FIELD_DP64(ecap, ECAP, PT, c->pt);
    ecap = FIELD_DP64(ecap, ECAP, IRO, VTM_IRO_OFFSET / 16);
    /* interrupt remapping: x2APIC (eim=auto) and any IEC index mask */
    ecap = FIELD_DP64(ecap, ECAP, IR, c->ir);
    ecap = FIELD_DP64(ecap, ECAP, EIM, c->ir);
    ecap = FIELD_DP64(ecap, ECAP, MHMV, c->ir ? 0xf : 0);
    ecap = FIELD_DP64(ecap, ECAP, PMS, !strstr(c->opts, "perfmon=off"));
    /* scalable mode: both stages, 20-bit PASIDs (vtm-sm-test has more) */
    ecap = FIELD_DP64(ecap, ECAP, SMTS, expected_sm(c));
    ecap = FIELD_DP64(ecap, ECAP, SLTS, expected_sm(c));
    ecap = FIELD_DP64(ecap, ECAP, FLTS, expected_fs(c));
    ecap = FIELD_DP64(ecap, ECAP, PASID, expected_sm(c));
    ecap = FIELD_DP64(ecap, ECAP, PSS, expected_sm(c) ? 19 : 0);
    ecap = FIELD_DP64(ecap, ECAP, SMPWC, expected_sm(c));
    return ecap;
}

static const CapCase cap_cases[] = {
    { "", 48, 8, false, false, true, true, true },
    { ",aw-bits=39,nfr=1,caching-mode=on,device-iotlb=on,pt=off",
      39, 1, true, true, false, true, true },
    /* more than 16 fault records reach the perfmon registers at 0x300 */
    { ",aw-bits=57,nfr=32,intremap=off,perfmon=off", 57, 32, false, false,
      true, true, false },
    { ",dma-translation=off,nfr=3", 48, 3, false, false, true, false, true },
};

/* ---- 1. Reset values ------------------------------------------------- */

static void test_reset_values(void)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cap_cases); i++) {
        const CapCase *c = &cap_cases[i];
        uint64_t cap, ecap;
        VtmTest t;

        g_test_message("vtm-iommu%s", c->opts);
        vtm_start(&t, c->opts, 4, c->nfr);
        cap = vtm_reg_rq(t.qts, A_CAP);
        ecap = vtm_reg_rq(t.qts, A_ECAP);

        g_assert_cmphex(vtm_reg_rl(t.qts, A_VER), ==, VTM_VERSION);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, SAGAW), ==,
                         c->dma_translation ? expected_sagaw(c->aw) : 0);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, MGAW), ==, c->aw - 1);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, NFR), ==, c->nfr - 1);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, FRO) * 16, ==, VTM_FRO_OFFSET);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, SLLPS), ==, 3);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, PSI), ==, 1);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, CM), ==, c->cm);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, MAMV), ==, 18);
        g_assert_cmphex(cap, ==, expected_cap(c));

        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, QI), ==, 1);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, IRO) * 16, ==,
                         VTM_IRO_OFFSET);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, PT), ==, c->pt);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, DT), ==, c->dt);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, IR), ==, c->ir);
        g_assert_cmphex(ecap, ==, expected_ecap(c));

        g_assert_cmphex(vtm_reg_rl(t.qts, A_GSTS), ==, 0);
        g_assert_cmphex(vtm_reg_rl(t.qts, A_GCMD), ==, 0);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_RTADDR), ==, 0);
        g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);
        g_assert_cmphex(vtm_reg_rl(t.qts, A_FECTL), ==, R_FECTL_IM_MASK);
        g_assert_cmphex(vtm_reg_rl(t.qts, A_IECTL), ==, R_IECTL_IM_MASK);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, 0);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_IQT), ==, 0);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_IQA), ==, 0);
        g_assert_cmphex(vtm_reg_rl(t.qts, A_ICS), ==, 0);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_IOTLB), ==, 0);
        g_assert_cmphex(vtm_reg_rq(t.qts, frcd_off(c->nfr - 1) + 8), ==, 0);

        if (!c->dma_translation) {
            /* SAGAW=0: TE cannot be enabled */
            vtm_reg_wl(t.qts, A_GCMD, R_GCMD_TE_MASK);
            g_assert_cmphex(vtm_reg_rl(t.qts, A_GSTS), ==, 0);
        }
        vtm_stop(&t);
    }
}

/* ---- 2. Register file: every offset and size ------------------------- */

static uint64_t reg_read_sized(VtmTest *t, uint64_t off, unsigned size)
{
    uint64_t a = VTM_DEFAULT_BASE + off;

    switch (size) {
    case 1:
        return qtest_readb(t->qts, a);
    case 2:
        return qtest_readw(t->qts, a);
    case 4:
        return qtest_readl(t->qts, a);
    default:
        return qtest_readq(t->qts, a);
    }
}

static void reg_write_sized(VtmTest *t, uint64_t off, unsigned size,
                            uint64_t val)
{
    uint64_t a = VTM_DEFAULT_BASE + off;

    switch (size) {
    case 1:
        qtest_writeb(t->qts, a, val);
        break;
    case 2:
        qtest_writew(t->qts, a, val);
        break;
    case 4:
        qtest_writel(t->qts, a, val);
        break;
    default:
        qtest_writeq(t->qts, a, val);
        break;
    }
}

static uint64_t le_bytes(const uint8_t *b, unsigned size)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (i * 8);
    }
    return v;
}

/* Every offset at every size reads what the bytes at it hold. */
static void check_all_reads(VtmTest *t)
{
    static const unsigned sizes[] = { 2, 4, 8 };
    g_autofree uint8_t *bytes = g_malloc(VTM_REG_WINDOW_SIZE);
    uint64_t off;
    size_t i;

    for (off = 0; off < VTM_REG_WINDOW_SIZE; off++) {
        bytes[off] = reg_read_sized(t, off, 1);
    }
    for (off = 0; off < VTM_REG_WINDOW_SIZE; off++) {
        for (i = 0; i < ARRAY_SIZE(sizes); i++) {
            uint64_t v = reg_read_sized(t, off, sizes[i]);

            if (off + sizes[i] <= VTM_REG_WINDOW_SIZE) {
                g_assert_cmphex(v, ==, le_bytes(&bytes[off], sizes[i]));
            }
        }
    }
    /* the 64-bit registers, whole and reassembled from bytes */
    g_assert_cmphex(le_bytes(&bytes[A_CAP], 8), ==, vtm_reg_rq(t->qts, A_CAP));
    g_assert_cmphex(le_bytes(&bytes[A_ECAP], 8), ==,
                    vtm_reg_rq(t->qts, A_ECAP));
    g_assert_cmphex(le_bytes(&bytes[A_RTADDR], 8), ==,
                    vtm_reg_rq(t->qts, A_RTADDR));
    g_assert_cmphex(le_bytes(&bytes[A_IQA], 8), ==, vtm_reg_rq(t->qts, A_IQA));
    g_assert_cmphex(le_bytes(&bytes[A_VER], 4), ==, VTM_VERSION);
}

/*
 * GCMD written in pieces: a piece that does not cover a command bit
 * leaves that enable alone (re-enabling QI would also reset IQH).
 */
static void check_gcmd_partial_writes(VtmTest *t)
{
    uint32_t qies = R_GSTS_QIES_MASK;
    unsigned i;

    qi_enable(t);
    qi_sync(t);
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IQH), ==, 0x10);
    qtest_writeb(t->qts, VTM_DEFAULT_BASE + A_GCMD, 0);
    qtest_writew(t->qts, VTM_DEFAULT_BASE + A_GCMD + 1, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS), ==, qies);
    /* GCMD with QIE set, one byte at a time */
    for (i = 0; i < 4; i++) {
        qtest_writeb(t->qts, VTM_DEFAULT_BASE + A_GCMD + i,
                     qies >> (i * 8));
        g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS), ==, qies);
    }
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IQH), ==, 0x10);
    vtm_reg_wl(t->qts, A_GCMD, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS), ==, 0);
}

static void test_register_access(void)
{
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    static const uint64_t values[] = { 0, UINT64_MAX };
    const CapCase *c = &cap_cases[0];
    uint64_t cap, ecap, off, v;
    size_t si, vi;
    VtmTest t;

    vtm_start(&t, c->opts, 4, c->nfr);
    cap = expected_cap(c);
    ecap = expected_ecap(c);

    /* 64-bit RTADDR as two 32-bit halves; bits 9:0 are not writable */
    vtm_reg_wl(t.qts, A_RTADDR, 0x12345fff);
    vtm_reg_wl(t.qts, A_RTADDR + 4, 0x00000abc);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_RTADDR), ==, 0x00000abc12345c00ULL);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_RTADDR + 4), ==, 0x00000abc);
    /* ... and as one 64-bit write */
    vtm_reg_wq(t.qts, A_RTADDR, 0x0000000fedcba000ULL);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_RTADDR), ==, 0x0000000fedcba000ULL);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_RTADDR), ==, 0xedcba000);

    check_all_reads(&t);
    check_gcmd_partial_writes(&t);

    /* unaligned accesses inside one register */
    vtm_reg_wq(t.qts, A_RTADDR, 0);
    qtest_writew(t.qts, VTM_DEFAULT_BASE + A_RTADDR + 3, 0xbeef);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_RTADDR), ==, 0x000000beef000000ULL);
    g_assert_cmphex(qtest_readl(t.qts, VTM_DEFAULT_BASE + A_RTADDR + 1), ==,
                    0xbeef0000);
    g_assert_cmphex(qtest_readw(t.qts, VTM_DEFAULT_BASE + A_RTADDR + 3), ==,
                    0xbeef);
    /* an unaligned read spanning CAP and ECAP */
    g_assert_cmphex(qtest_readq(t.qts, VTM_DEFAULT_BASE + A_CAP + 4), ==,
                    (cap >> 32) | (ecap << 32));
    /* a 64-bit write spanning FEDATA and FEADDR (bits 1:0 reserved) */
    vtm_reg_wq(t.qts, A_FEDATA, 0x12345679abcd0001ULL);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FEDATA), ==, 0xabcd0001);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FEADDR), ==, 0x12345678);
    /* an unaligned 32-bit write spanning both */
    qtest_writel(t.qts, VTM_DEFAULT_BASE + A_FEDATA + 2, 0x5555aaaa);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FEDATA), ==, 0xaaaa0001);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FEADDR), ==, 0x12345554);

    /* 0 and all-ones at every offset and size */
    for (vi = 0; vi < ARRAY_SIZE(values); vi++) {
        for (si = 0; si < ARRAY_SIZE(sizes); si++) {
            for (off = 0; off < VTM_REG_WINDOW_SIZE; off++) {
                reg_write_sized(&t, off, sizes[si], values[vi]);
            }
            g_assert_cmphex(vtm_reg_rl(t.qts, A_VER), ==, VTM_VERSION);
            g_assert_cmphex(vtm_reg_rq(t.qts, A_CAP), ==, cap);
            g_assert_cmphex(vtm_reg_rq(t.qts, A_ECAP), ==, ecap);
        }
    }
    /* RO registers unchanged byte by byte, and reads still consistent */
    for (off = 0; off < 8; off++) {
        v = reg_read_sized(&t, A_CAP + off, 1);
        g_assert_cmphex(v, ==, (cap >> (off * 8)) & 0xff);
        v = reg_read_sized(&t, A_ECAP + off, 1);
        g_assert_cmphex(v, ==, (ecap >> (off * 8)) & 0xff);
    }
    check_all_reads(&t);
    vtm_stop(&t);
}

/* ---- 3. Property errors ---------------------------------------------- */

/*
 * Runs QEMU with one -device argument expected to be refused; returns
 * its stderr and exit status.  QEMU is killed (and the test fails) if it
 * does not exit within 60 s.
 */
static void test_property_errors(void)
{
    static const struct {
        const char *device;
        const char *prop;
    } cases[] = {
        { "vtm-iommu,aw-bits=40", "aw-bits" },
        { "vtm-iommu,aw-bits=64", "aw-bits" },
        { "vtm-iommu,nfr=0", "nfr" },
        { "vtm-iommu,nfr=33", "nfr" },
        { "vtm-iommu,nfr=17", "nfr" },          /* with perfmon=on */
        { "vtm-iommu,x-perfmon-width=7", "x-perfmon-width" },
        { "vtm-iommu,intremap=off,eim=on", "eim" },
        { "vtm-iommu,iotlb-entries=100", "iotlb-entries" },
        { "vtm-iommu,psc-l3-ways=0", "psc-l3-ways" },
        { "vtm-iommu,iotlb-policy=fifo", "iotlb-policy" },
        { "vtm-iommu,timing=fast", "timing" },
        { "vtm-iommu,timing-preset=skl", "timing-preset" },
        { "vtm-iommu,ptw-slots=0", "ptw-slots" },
        { "vtm-iommu,clock-mhz=0", "clock-mhz" },
        { "vtm-iommu,record=/nonexistent/dir/rec", "record" },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *err = NULL;
        const char *msg;
        int status;

        err = run_qemu_expect_exit("qtest", "q35", cases[i].device,
                                   &status);
        g_test_message("-device %s: %s", cases[i].device, err);
        g_assert(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 1);
        /* QEMU echoes the option first; the message itself follows */
        msg = strstr(err, cases[i].device);
        g_assert(msg);
        msg += strlen(cases[i].device);
        g_assert(strstr(msg, cases[i].prop));
    }
}

/* ---- 4. DMA through the translation ---------------------------------- */

typedef struct PageCase {
    unsigned shift;
    uint64_t iova;          /* low IOVA: also backed by RAM */
    uint64_t phys;          /* its page */
    uint64_t high_phys;     /* page of the IOVA with the top AW bit set */
    uint64_t a_off, b_off;  /* where edu reads from and writes to */
} PageCase;

static const PageCase page_cases[] = {
    /* two 4K pages mapped swapped: IOVA page 0 -> phys page 1 and back */
    { 12, 0x04000000, 0x04100000, 0x04200000, 0x100, 0x1300 },
    { 21, 0x06000000, 0x08000000, 0x08200000, 0x12300, 0x1ab400 },
    { 30, 0x40000000, 0x00000000, 0x40000000, 0x0a000100, 0x0a200300 },
};

static uint64_t page_case_phys(const PageCase *p, uint64_t base,
                               uint64_t off)
{
    if (p->shift == VTM_PAGE_SHIFT) {
        return base + (off ^ VTM_PAGE_SIZE);
    }
    return base + off;
}

static void map_page_case(VtmTest *t, const PageCase *p, uint64_t iova,
                          uint64_t phys)
{
    if (p->shift == VTM_PAGE_SHIFT) {
        map_page(t, iova, phys + VTM_PAGE_SIZE, p->shift, SLPTE_RW);
        map_page(t, iova + VTM_PAGE_SIZE, phys, p->shift, SLPTE_RW);
    } else {
        map_page(t, iova, phys, p->shift, SLPTE_RW);
    }
}

/*
 * edu reads DMA_LEN bytes at iova + a_off into its buffer and writes them
 * back at iova + b_off.  When the IOVA is RAM too (iova_is_ram), decoys
 * at the physical addresses equal to the IOVAs must stay untouched.
 */
static void dma_roundtrip(VtmTest *t, const PageCase *p, uint64_t iova,
                          uint64_t phys, bool iova_is_ram, uint8_t seed)
{
    uint64_t pa = page_case_phys(p, phys, p->a_off);
    uint64_t pb = page_case_phys(p, phys, p->b_off);

    g_test_message("page 2^%u: IOVA 0x%" PRIx64 " -> 0x%" PRIx64,
                   p->shift, iova, phys);
    fill_pattern(t, pa, DMA_LEN, seed);
    qtest_memset(t->qts, pb, 0, DMA_LEN);
    if (iova_is_ram) {
        qtest_memset(t->qts, iova + p->a_off, 0x5a, DMA_LEN);
        qtest_memset(t->qts, iova + p->b_off, 0xa5, DMA_LEN);
    }
    edu_from_ram(t, iova + p->a_off, DMA_LEN);
    edu_to_ram(t, iova + p->b_off, DMA_LEN);

    assert_pattern(t, pb, DMA_LEN, seed);
    assert_pattern(t, pa, DMA_LEN, seed);
    if (iova_is_ram) {
        assert_filled(t, iova + p->a_off, DMA_LEN, 0x5a);
        assert_filled(t, iova + p->b_off, DMA_LEN, 0xa5);
    }
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS), ==, 0);
}

static void test_dma_translated(const void *data)
{
    unsigned aw = GPOINTER_TO_UINT(data);
    uint64_t high = 1ULL << (aw - 1);
    g_autofree char *opts = g_strdup_printf(",aw-bits=%u", aw);
    unsigned levels = (aw - VTM_PAGE_SHIFT) / VTM_LEVEL_STRIDE;
    uint8_t seed = aw;
    size_t i;
    VtmTest t;

    vtm_start_translated(&t, opts, levels, 8, false);
    for (i = 0; i < ARRAY_SIZE(page_cases); i++) {
        const PageCase *p = &page_cases[i];

        map_page_case(&t, p, p->iova, p->phys);
        map_page_case(&t, p, p->iova | high, p->high_phys);
    }
    for (i = 0; i < ARRAY_SIZE(page_cases); i++) {
        const PageCase *p = &page_cases[i];

        dma_roundtrip(&t, p, p->iova, p->phys, true, seed++);
        dma_roundtrip(&t, p, p->iova | high, p->high_phys, false, seed++);
    }
    vtm_stop(&t);
}

/* ---- 5. Translation disabled ----------------------------------------- */

static void untranslated_roundtrip(VtmTest *t, uint8_t seed)
{
    uint64_t a = 0x05000000, b = 0x05100000;

    fill_pattern(t, a, DMA_LEN, seed);
    qtest_memset(t->qts, b, 0, DMA_LEN);
    edu_from_ram(t, a, DMA_LEN);
    edu_to_ram(t, b, DMA_LEN);
    assert_pattern(t, b, DMA_LEN, seed);
}

static void test_dma_untranslated(void)
{
    const PageCase *p = &page_cases[0];
    VtmTest t;

    vtm_start(&t, "", 4, 8);
    /* out of reset */
    untranslated_roundtrip(&t, 0x11);
    /* tables programmed and the root latched, TE still clear */
    build_tables(&t, false);
    map_page(&t, 0x05000000, 0x05200000, VTM_PAGE_SHIFT, SLPTE_RW);
    map_page(&t, 0x05100000, 0x05300000, VTM_PAGE_SHIFT, SLPTE_RW);
    vtm_reg_wq(t.qts, A_RTADDR, t.root);
    vtm_gcmd_update(t.qts, R_GCMD_SRTP_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_GSTS), ==, R_GSTS_RTPS_MASK);
    untranslated_roundtrip(&t, 0x22);
    /* translating now */
    vtm_gcmd_update(t.qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
    map_page_case(&t, p, p->iova, p->phys);
    dma_roundtrip(&t, p, p->iova, p->phys, true, 0x33);
    /* and TE cleared again */
    vtm_gcmd_update(t.qts, 0, R_GCMD_TE_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_GSTS) & R_GSTS_TES_MASK, ==, 0);
    untranslated_roundtrip(&t, 0x44);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);
    vtm_stop(&t);
}

/* ---- Faults ---------------------------------------------------------- */

static uint64_t expected_frcd_hi(uint8_t reason, bool is_read)
{
    uint64_t hi = 0;

    hi = FIELD_DP64(hi, FRCD_HI, SID, EDU_SID);
    hi = FIELD_DP64(hi, FRCD_HI, FR, reason);
    hi = FIELD_DP64(hi, FRCD_HI, T1, is_read);
    hi = FIELD_DP64(hi, FRCD_HI, F, 1);
    return hi;
}

static void assert_frcd(VtmTest *t, unsigned i, uint64_t iova,
                        uint8_t reason, bool is_read)
{
    uint64_t lo = vtm_reg_rq(t->qts, frcd_off(i));
    uint64_t hi = vtm_reg_rq(t->qts, frcd_off(i) + 8);

    g_assert_cmphex(FIELD_EX64(lo, FRCD_LO, FI), ==, iova >> VTM_PAGE_SHIFT);
    g_assert_cmphex(lo, ==, iova & ~(VTM_PAGE_SIZE - 1));
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, SID), ==, EDU_SID);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, FR), ==, reason);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, T1), ==, is_read);
    g_assert_cmphex(hi, ==, expected_frcd_hi(reason, is_read));
}

static uint32_t fsts_value(bool ppf, bool pfo, unsigned fri)
{
    uint32_t v = 0;

    v = FIELD_DP32(v, FSTS, PPF, ppf);
    v = FIELD_DP32(v, FSTS, PFO, pfo);
    return FIELD_DP32(v, FSTS, FRI, fri);
}

static void clear_frcd(VtmTest *t, unsigned i)
{
    vtm_reg_wl(t->qts, frcd_off(i) + 12, R_FRCD_HI_F_MASK >> 32);
}

/* Takes the fault event message: its data, or 0 if none arrived. */
static uint32_t take_fe_msg(VtmTest *t)
{
    uint32_t v = qtest_readl(t->qts, FE_MSG_ADDR);

    qtest_writel(t->qts, FE_MSG_ADDR, 0);
    return v;
}

/* ---- 6. Fault recording and the fault event -------------------------- */

static void test_fault_unmapped(void)
{
    uint64_t src = 0x03000000, unmapped = 0x0f123000, u2 = 0x0f456000;
    VtmTest t;

    vtm_start_translated(&t, "", 4, 8, false);
    map_page(&t, src, src, VTM_PAGE_SHIFT, SLPTE_RW);
    program_fault_event(&t, false);
    qtest_memset(t.qts, unmapped, 0x77, VTM_PAGE_SIZE);

    /* a write into memory at an unmapped IOVA: LGN.3, FR 5h, T=0 */
    edu_from_ram(&t, src, FAULT_LEN);
    edu_to_ram(&t, unmapped + 0x40, FAULT_LEN);
    assert_frcd(&t, 0, unmapped, VTM_FR_WRITE, false);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, false, 0));
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FECTL), ==, 0);
    assert_filled(&t, unmapped, VTM_PAGE_SIZE, 0x77);
    g_assert_cmphex(vtm_reg_rq(t.qts, frcd_off(1) + 8), ==, 0);

    /* clearing F clears PPF; FRI (valid only with PPF) is left as is */
    clear_frcd(&t, 0);
    g_assert_cmphex(vtm_reg_rq(t.qts, frcd_off(0) + 8) & R_FRCD_HI_F_MASK,
                    ==, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(false, false, 0));

    /* a read at an unmapped IOVA: LGN.2, FR 6h, T=1, into FRCD[1] */
    edu_from_ram(&t, u2 + 0x18, FAULT_LEN);
    /* FRI names the first pending record (11.4.7.1): now FRCD[1] */
    assert_frcd(&t, 1, u2, VTM_FR_READ, true);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, false, 1));
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);
    clear_frcd(&t, 1);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(false, false, 1));

    /* masked: the message is held (IP) and sent when IM is cleared */
    vtm_reg_wl(t.qts, A_FECTL, R_FECTL_IM_MASK);
    edu_to_ram(&t, unmapped + 0x80, FAULT_LEN);
    assert_frcd(&t, 2, unmapped, VTM_FR_WRITE, false);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, false, 2));
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FECTL), ==,
                    R_FECTL_IM_MASK | R_FECTL_IP_MASK);
    g_assert_cmphex(take_fe_msg(&t), ==, 0);
    vtm_reg_wl(t.qts, A_FECTL, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FECTL), ==, 0);
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);

    /* masked again, but software services the fault first: IP clears */
    clear_frcd(&t, 2);
    vtm_reg_wl(t.qts, A_FECTL, R_FECTL_IM_MASK);
    edu_to_ram(&t, unmapped + 0xc0, FAULT_LEN);
    assert_frcd(&t, 3, unmapped, VTM_FR_WRITE, false);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FECTL), ==,
                    R_FECTL_IM_MASK | R_FECTL_IP_MASK);
    clear_frcd(&t, 3);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FECTL), ==, R_FECTL_IM_MASK);
    vtm_reg_wl(t.qts, A_FECTL, 0);
    g_assert_cmphex(take_fe_msg(&t), ==, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(false, false, 3));
    assert_filled(&t, unmapped, VTM_PAGE_SIZE, 0x77);
    vtm_stop(&t);
}

/* ---- 7. Write to a read-only page ------------------------------------ */

static void test_fault_read_only(void)
{
    uint64_t src = 0x03000000, ro_iova = 0x0e000000, ro_phys = 0x03200000;
    VtmTest t;

    vtm_start_translated(&t, "", 4, 8, false);
    map_page(&t, src, src, VTM_PAGE_SHIFT, SLPTE_RW);
    map_page(&t, ro_iova, ro_phys, VTM_PAGE_SHIFT, R_SLPTE_R_MASK);
    program_fault_event(&t, false);
    fill_pattern(&t, src, DMA_LEN, 0x5c);
    fill_pattern(&t, ro_phys, VTM_PAGE_SIZE, 0xc5);

    /* reading the read-only page works */
    edu_from_ram(&t, ro_iova + 0x200, FAULT_LEN);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);

    edu_from_ram(&t, src, FAULT_LEN);
    edu_to_ram(&t, ro_iova + 0x200, FAULT_LEN);
    assert_frcd(&t, 0, ro_iova, VTM_FR_WRITE, false);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, false, 0));
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);
    assert_pattern(&t, ro_phys, VTM_PAGE_SIZE, 0xc5);
    assert_filled(&t, ro_iova, VTM_PAGE_SIZE, 0);
    vtm_stop(&t);
}

/* ---- 8. Stale IOTLB and context cache -------------------------------- */

typedef struct StaleSetup {
    uint64_t src, iova, p1, p2, p3;
    uint64_t leaf;          /* address of the leaf PTE of iova */
} StaleSetup;

static void stale_setup_opts(VtmTest *t, StaleSetup *s, const char *opts)
{
    s->src = 0x03000000;
    s->iova = 0x0c000000;
    s->p1 = 0x03400000;
    s->p2 = 0x03500000;
    s->p3 = 0x03600000;
    vtm_start_translated(t, opts, 4, 8, false);
    map_page(t, s->src, s->src, VTM_PAGE_SHIFT, SLPTE_RW);
    s->leaf = map_page(t, s->iova, s->p1, VTM_PAGE_SHIFT, SLPTE_RW);
    fill_pattern(t, s->src, DMA_LEN, 0x3c);
    edu_from_ram(t, s->src, DMA_LEN);
}

static void stale_setup(VtmTest *t, StaleSetup *s)
{
    stale_setup_opts(t, s, "");
}

/* edu writes its buffer at iova; exactly one of the pages receives it. */
static void dma_lands_in(VtmTest *t, StaleSetup *s, uint64_t expect)
{
    const uint64_t pages[] = { s->p1, s->p2, s->p3 };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(pages); i++) {
        qtest_memset(t->qts, pages[i], 0, VTM_PAGE_SIZE);
    }
    edu_to_ram(t, s->iova + 0x100, DMA_LEN);
    for (i = 0; i < ARRAY_SIZE(pages); i++) {
        if (pages[i] == expect) {
            assert_pattern(t, pages[i] + 0x100, DMA_LEN, 0x3c);
        } else {
            assert_filled(t, pages[i], VTM_PAGE_SIZE, 0);
        }
    }
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS), ==, 0);
}

/* Remaps iova to p2 in the tables without telling the IOMMU. */
static void stale_remap(VtmTest *t, StaleSetup *s)
{
    dma_lands_in(t, s, s->p1);
    qtest_writeq(t->qts, s->leaf,
                 leaf_pte(s->p2, 1, SLPTE_RW));
    dma_lands_in(t, s, s->p1);      /* the IOTLB still holds p1 */
}

static void iotlb_reg_invalidate_am(VtmTest *t, unsigned gran,
                                   uint64_t addr, unsigned am)
{
    uint64_t cmd = vtmt_reg_iotlb(gran, DOMAIN_ID, false, false), expect;

    vtm_reg_wq(t->qts, A_IVA, vtmt_reg_iva(addr, am, false));
    vtm_reg_wq(t->qts, A_IOTLB, cmd);
    /* 11.4.8.1: IVT clears on completion, IAIG reports the granularity */
    expect = FIELD_DP64(cmd, IOTLB, IVT, 0);
    expect = FIELD_DP64(expect, IOTLB, IAIG, gran);
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IOTLB), ==, expect);
}

static void iotlb_reg_invalidate(VtmTest *t, unsigned gran, uint64_t addr)
{
    iotlb_reg_invalidate_am(t, gran, addr, 0);
}

static void test_stale_iotlb_register(void)
{
    StaleSetup s;
    VtmTest t;

    stale_setup(&t, &s);
    stale_remap(&t, &s);
    /* a page-selective invalidation of another page changes nothing */
    iotlb_reg_invalidate(&t, VTM_INV_PAGE, s.iova + VTM_PAGE_SIZE);
    dma_lands_in(&t, &s, s.p1);
    iotlb_reg_invalidate(&t, VTM_INV_PAGE, s.iova);
    dma_lands_in(&t, &s, s.p2);
    /* domain-selective */
    qtest_writeq(t.qts, s.leaf, leaf_pte(s.p3, 1, SLPTE_RW));
    dma_lands_in(&t, &s, s.p2);
    iotlb_reg_invalidate(&t, VTM_INV_DOMAIN, 0);
    dma_lands_in(&t, &s, s.p3);
    /* AM=1: ADDR is aligned down to the two pages it covers (6.5.1.2) */
    qtest_writeq(t.qts, s.leaf, leaf_pte(s.p1, 1, SLPTE_RW));
    dma_lands_in(&t, &s, s.p3);
    iotlb_reg_invalidate_am(&t, VTM_INV_PAGE, s.iova + VTM_PAGE_SIZE, 1);
    dma_lands_in(&t, &s, s.p1);
    vtm_stop(&t);
}

/* A second domain whose tables map iova to p3 (and src to itself). */
static uint64_t second_domain(VtmTest *t, StaleSetup *s)
{
    uint64_t top = alloc_table(t);

    map_page_in(t, top, s->src, s->src, VTM_PAGE_SHIFT, SLPTE_RW);
    map_page_in(t, top, s->iova, s->p3, VTM_PAGE_SHIFT, SLPTE_RW);
    return top;
}

static void test_stale_iotlb_qi(void)
{
    StaleSetup s;
    VtmTest t;

    stale_setup(&t, &s);
    qi_enable(&t);
    stale_remap(&t, &s);
    /* the wait alone invalidates nothing */
    qi_sync(&t);
    dma_lands_in(&t, &s, s.p1);
    qi_iotlb(&t, VTM_INV_PAGE, DOMAIN_ID, s.iova);
    qi_sync(&t);
    dma_lands_in(&t, &s, s.p2);

    /* context cache through the queue: a new domain seen after CC inv */
    write_context(&t, second_domain(&t, &s), DOMAIN_ID + 1, false);
    qi_iotlb(&t, VTM_INV_GLOBAL, 0, 0);
    qi_sync(&t);
    dma_lands_in(&t, &s, s.p2);     /* cached context: old domain */
    qi_cc(&t, VTM_INV_DEVICE, DOMAIN_ID, EDU_SID);
    qi_sync(&t);
    dma_lands_in(&t, &s, s.p3);
    vtm_stop(&t);
}

static void test_stale_context_cache(void)
{
    uint64_t cmd, expect;
    StaleSetup s;
    VtmTest t;

    stale_setup(&t, &s);
    dma_lands_in(&t, &s, s.p1);
    /* point the context at domain 2 (iova -> p3), drop every IOTLB entry */
    write_context(&t, second_domain(&t, &s), DOMAIN_ID + 1, false);
    iotlb_reg_invalidate(&t, VTM_INV_GLOBAL, 0);
    dma_lands_in(&t, &s, s.p1);     /* cached context: walks domain 1 */

    /* a device-selective invalidation of another device changes nothing */
    cmd = vtmt_reg_ccmd(VTM_INV_DEVICE, DOMAIN_ID, EDU_SID + 8, 0);
    vtm_reg_wq(t.qts, A_CCMD, cmd);
    dma_lands_in(&t, &s, s.p1);

    cmd = FIELD_DP64(cmd, CCMD, SID, EDU_SID);
    vtm_reg_wq(t.qts, A_CCMD, cmd);
    /* 11.4.6: ICC clears on completion, CAIG reports the granularity */
    expect = FIELD_DP64(cmd, CCMD, ICC, 0);
    expect = FIELD_DP64(expect, CCMD, CAIG, VTM_INV_DEVICE);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_CCMD), ==, expect);
    dma_lands_in(&t, &s, s.p3);
    vtm_stop(&t);
}

/* ---- 9. Queued invalidation: wait descriptors ------------------------ */

static uint32_t take_ie_msg(VtmTest *t)
{
    uint32_t v = qtest_readl(t->qts, IE_MSG_ADDR);

    qtest_writel(t->qts, IE_MSG_ADDR, 0);
    return v;
}

static void test_qi_wait(void)
{
    VtmTest t;

    vtm_start(&t, "", 4, 8);
    qi_enable(&t);
    vtm_reg_wl(t.qts, A_IEDATA, IE_DATA);
    vtm_reg_wl(t.qts, A_IEADDR, IE_MSG_ADDR);
    vtm_reg_wl(t.qts, A_IEUADDR, 0);
    qtest_writel(t.qts, IE_MSG_ADDR, 0);

    /* SW=1: the status dword is written, IQH advances */
    qtest_writel(t.qts, WAIT_STATUS_ADDR, 0);
    qi_put(&t, qi_wait_lo(true, false, 0xcafe0001),
           qi_wait_hi(WAIT_STATUS_ADDR));
    qi_kick(&t);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR), ==, 0xcafe0001);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, 0x10);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_ICS), ==, 0);
    g_assert_cmphex(take_ie_msg(&t), ==, 0);

    /* two at once */
    qi_put(&t, qi_wait_lo(true, false, 0xcafe0002),
           qi_wait_hi(WAIT_STATUS_ADDR));
    qi_put(&t, qi_wait_lo(true, false, 0xcafe0003),
           qi_wait_hi(WAIT_STATUS_ADDR + 4));
    qi_kick(&t);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR), ==, 0xcafe0002);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR + 4), ==,
                    0xcafe0003);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, 0x30);

    /* IF=1 with IECTL.IM set: IWC, message held as IP */
    qi_put(&t, qi_wait_lo(false, true, 0), 0);
    qi_kick(&t);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, 0x40);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_ICS), ==, R_ICS_IWC_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_IECTL), ==,
                    R_IECTL_IM_MASK | R_IECTL_IP_MASK);
    g_assert_cmphex(take_ie_msg(&t), ==, 0);
    vtm_reg_wl(t.qts, A_IECTL, 0);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_IECTL), ==, 0);
    g_assert_cmphex(take_ie_msg(&t), ==, IE_DATA);
    vtm_reg_wl(t.qts, A_ICS, R_ICS_IWC_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_ICS), ==, 0);

    /* IF=1 and SW=1 unmasked: status written and message sent */
    qtest_writel(t.qts, WAIT_STATUS_ADDR, 0);
    qi_put(&t, qi_wait_lo(true, true, 0xcafe0004),
           qi_wait_hi(WAIT_STATUS_ADDR));
    qi_kick(&t);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR), ==, 0xcafe0004);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_ICS), ==, R_ICS_IWC_MASK);
    g_assert_cmphex(take_ie_msg(&t), ==, IE_DATA);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, 0x50);

    /* 11.4.9.6: with IWC still set a completion is no new condition */
    qi_put(&t, qi_wait_lo(false, true, 0), 0);
    qi_kick(&t);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_ICS), ==, R_ICS_IWC_MASK);
    g_assert_cmphex(take_ie_msg(&t), ==, 0);
    vtm_reg_wl(t.qts, A_ICS, R_ICS_IWC_MASK);
    qi_put(&t, qi_wait_lo(false, true, 0), 0);
    qi_kick(&t);
    g_assert_cmphex(take_ie_msg(&t), ==, IE_DATA);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, 0x70);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);
    vtm_stop(&t);
}

/* ---- 10. Invalidation queue errors ----------------------------------- */

static void check_iqe(VtmTest *t, uint32_t head, uint8_t iqei)
{
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS), ==, R_FSTS_IQE_MASK);
    g_assert_cmphex(vtm_reg_rq(t->qts, A_IQH), ==, head);
    g_assert_cmphex(FIELD_EX64(vtm_reg_rq(t->qts, A_IQERCD), IQERCD, IQEI),
                    ==, iqei);
    g_assert_cmphex(take_fe_msg(t), ==, FE_DATA);
}

static void test_qi_errors(void)
{
    uint64_t bad_rsvd = qi_wait_lo(true, false, 0xbad0) | BIT_ULL(8);
    uint64_t bad_type = FIELD_DP64(0, QI_LO, TYPE_LO, 0xf);
    uint32_t at;
    VtmTest t;

    vtm_start(&t, "", 4, 8);
    program_fault_event(&t, false);
    qi_enable(&t);
    qtest_memset(t.qts, WAIT_STATUS_ADDR, 0, 16);

    /* good, reserved bit 8 set in a wait descriptor, good */
    qi_put(&t, qi_wait_lo(true, false, 0x100), qi_wait_hi(WAIT_STATUS_ADDR));
    at = qi_put(&t, bad_rsvd, qi_wait_hi(WAIT_STATUS_ADDR + 4));
    qi_put(&t, qi_wait_lo(true, false, 0x102),
           qi_wait_hi(WAIT_STATUS_ADDR + 8));
    qi_kick(&t);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR), ==, 0x100);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR + 4), ==, 0);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR + 8), ==, 0);
    check_iqe(&t, at, VTM_IQEI_RSVD);
    /* a new tail while IQE is set fetches nothing */
    qi_put(&t, qi_wait_lo(true, false, 0x103),
           qi_wait_hi(WAIT_STATUS_ADDR + 12));
    qi_kick(&t);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, at);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR + 12), ==, 0);

    /* fix it, clear IQE: the queue resumes from IQH */
    qtest_writeq(t.qts, QUEUE_BASE + at, qi_wait_lo(true, false, 0x101));
    vtm_reg_wl(t.qts, A_FSTS, R_FSTS_IQE_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, vtmt_queue_iqt(&t.iq.q));
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR + 4), ==, 0x101);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR + 8), ==, 0x102);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR + 12), ==, 0x103);
    g_assert_cmphex(take_fe_msg(&t), ==, 0);

    /* an invalid descriptor type */
    qtest_writel(t.qts, WAIT_STATUS_ADDR, 0);
    at = qi_put(&t, bad_type, 0);
    qi_put(&t, qi_wait_lo(true, false, 0x200), qi_wait_hi(WAIT_STATUS_ADDR));
    qi_kick(&t);
    check_iqe(&t, at, VTM_IQEI_TYPE);
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR), ==, 0);
    qtest_writeq(t.qts, QUEUE_BASE + at, qi_wait_lo(false, false, 0));
    vtm_reg_wl(t.qts, A_FSTS, R_FSTS_IQE_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, vtmt_queue_iqt(&t.iq.q));
    g_assert_cmphex(qtest_readl(t.qts, WAIT_STATUS_ADDR), ==, 0x200);

    /* 11.4.7.2: with PPF pending an IQE is no new interrupt condition */
    t.root = alloc_table(&t);               /* no root entry present */
    enable_translation(&t);
    edu_to_ram(&t, 0x03000000, FAULT_LEN);
    assert_frcd(&t, 0, 0x03000000, VTM_FR_ROOT_NOT_PRESENT, false);
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);
    at = qi_put(&t, bad_type, 0);
    qi_kick(&t);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==,
                    fsts_value(true, false, 0) | R_FSTS_IQE_MASK);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IQH), ==, at);
    g_assert_cmphex(take_fe_msg(&t), ==, 0);
    vtm_stop(&t);
}

/* ---- 11. Fault recording overflow ------------------------------------ */

static void test_fault_overflow(void)
{
    uint64_t iova[] = { 0x0f100000, 0x0f200000, 0x0f300000, 0x0f400000 };
    VtmTest t;

    vtm_start_translated(&t, ",nfr=2", 4, 2, false);
    program_fault_event(&t, false);

    edu_to_ram(&t, iova[0], FAULT_LEN);
    assert_frcd(&t, 0, iova[0], VTM_FR_WRITE, false);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, false, 0));
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);

    /* PPF already set: recorded, no new interrupt condition (11.4.7.2) */
    edu_from_ram(&t, iova[1], FAULT_LEN);
    assert_frcd(&t, 1, iova[1], VTM_FR_READ, true);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, false, 0));
    g_assert_cmphex(take_fe_msg(&t), ==, 0);

    /* the ring wrapped to a record software still owns: overflow (7.2.1) */
    edu_to_ram(&t, iova[2], FAULT_LEN);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, true, 0));
    assert_frcd(&t, 0, iova[0], VTM_FR_WRITE, false);
    assert_frcd(&t, 1, iova[1], VTM_FR_READ, true);
    g_assert_cmphex(take_fe_msg(&t), ==, 0);

    /* while PFO is set nothing is recorded, even in a free record */
    clear_frcd(&t, 0);
    edu_to_ram(&t, iova[3], FAULT_LEN);
    g_assert_cmphex(vtm_reg_rq(t.qts, frcd_off(0)), ==, iova[0]);
    g_assert_cmphex(vtm_reg_rq(t.qts, frcd_off(0) + 8), ==,
                    expected_frcd_hi(VTM_FR_WRITE, false) &
                    ~R_FRCD_HI_F_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, true, 0));

    /* software clears PFO and the last record: recording resumes */
    clear_frcd(&t, 1);
    vtm_reg_wl(t.qts, A_FSTS, R_FSTS_PFO_MASK);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(false, false, 0));
    edu_to_ram(&t, iova[3], FAULT_LEN);
    assert_frcd(&t, 0, iova[3], VTM_FR_WRITE, false);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, fsts_value(true, false, 0));
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);
    vtm_stop(&t);
}

/* ---- 12. FPD ------------------------------------------------------------ */

static void test_fault_fpd(void)
{
    uint64_t src = 0x03000000, ro_iova = 0x0e000000, ro_phys = 0x03200000;
    uint64_t unmapped = 0x0f123000, ccmd = 0;
    unsigned i;
    VtmTest t;

    vtm_start_translated(&t, "", 4, 8, true);
    map_page(&t, src, src, VTM_PAGE_SHIFT, SLPTE_RW);
    map_page(&t, ro_iova, ro_phys, VTM_PAGE_SHIFT, R_SLPTE_R_MASK);
    program_fault_event(&t, false);
    fill_pattern(&t, src, DMA_LEN, 0x12);
    qtest_memset(t.qts, ro_phys, 0x34, VTM_PAGE_SIZE);
    qtest_memset(t.qts, unmapped, 0x56, VTM_PAGE_SIZE);

    /* translation itself works with FPD set */
    edu_from_ram(&t, src, DMA_LEN);
    edu_to_ram(&t, src + DMA_LEN, DMA_LEN);
    assert_pattern(&t, src + DMA_LEN, DMA_LEN, 0x12);

    edu_to_ram(&t, unmapped, FAULT_LEN);
    edu_from_ram(&t, unmapped, FAULT_LEN);
    edu_to_ram(&t, ro_iova, FAULT_LEN);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);
    for (i = 0; i < 8; i++) {
        g_assert_cmphex(vtm_reg_rq(t.qts, frcd_off(i)), ==, 0);
        g_assert_cmphex(vtm_reg_rq(t.qts, frcd_off(i) + 8), ==, 0);
    }
    g_assert_cmphex(take_fe_msg(&t), ==, 0);
    assert_filled(&t, ro_phys, VTM_PAGE_SIZE, 0x34);
    assert_filled(&t, unmapped, VTM_PAGE_SIZE, 0x56);

    /* the same context with FPD clear records the fault */
    write_context(&t, t.slpt, DOMAIN_ID, false);
    ccmd = FIELD_DP64(ccmd, CCMD, ICC, 1);
    ccmd = FIELD_DP64(ccmd, CCMD, CIRG, VTM_INV_GLOBAL);
    vtm_reg_wq(t.qts, A_CCMD, ccmd);
    edu_to_ram(&t, unmapped, FAULT_LEN);
    assert_frcd(&t, 0, unmapped, VTM_FR_WRITE, false);
    g_assert_cmphex(take_fe_msg(&t), ==, FE_DATA);
    vtm_stop(&t);
}

/* ---- Timing statistics, presets and recording (vtm-stats.c) ---------- */

#define STATS_PATH      "/machine/peripheral/iommu0"
/*
 * Default timing (docs/vtm.rst): context-cache and IOTLB lookups 3 cycles
 * each, the paging-structure-cache probe 4, each table read 280.
 */
#define LAT_HIT         (3 + 3)
#define LAT_READS(n)    (LAT_HIT + 4 + (n) * 280)
#define LAT_COLD        LAT_READS(2 + 4)    /* context fetch, full walk */

static QDict *stats_get(VtmTest *t)
{
    return vtm_qtest_stats(t->qts, STATS_PATH);
}

static void stats_reset(VtmTest *t)
{
    vtm_qtest_stats_reset(t->qts, STATS_PATH);
}

/*
 * x-check-walks: a translation the IOTLB keeps after the tables changed
 * without an invalidation is counted (and logged) as a mismatch, and so
 * is a DMA write into a page a walk read as a table; nothing else is.
 */
static void test_check_walks(void)
{
    const uint64_t table_iova = 0x0d000000;
    StaleSetup s;
    VtmTest t;
    QDict *st;

    stale_setup_opts(&t, &s, ",id=iommu0,x-check-walks=on");
    dma_lands_in(&t, &s, s.p1);
    st = stats_get(&t);
    g_assert_cmpint(stats_int(st, "unit/check/translations"), >=, 2);
    g_assert_cmpint(stats_int(st, "unit/check/mismatches"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/check/table-writes"), ==, 0);
    qobject_unref(st);

    /* the guest remaps without invalidating: the IOTLB still gives p1 */
    qtest_writeq(t.qts, s.leaf, leaf_pte(s.p2, 1, SLPTE_RW));
    dma_lands_in(&t, &s, s.p1);
    st = stats_get(&t);
    g_assert_cmpint(stats_int(st, "unit/check/mismatches"), ==, 1);
    qobject_unref(st);
    iotlb_reg_invalidate(&t, VTM_INV_PAGE, s.iova);
    dma_lands_in(&t, &s, s.p2);

    /* an IOVA mapped onto the leaf table itself: a write there counts */
    map_page(&t, table_iova, s.leaf & ~(VTM_PAGE_SIZE - 1), VTM_PAGE_SHIFT,
             SLPTE_RW);
    edu_to_ram(&t, table_iova + 0x800, 8);
    st = stats_get(&t);
    g_assert_cmpint(stats_int(st, "unit/check/mismatches"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/check/table-writes"), ==, 1);
    qobject_unref(st);
    vtm_stop(&t);
}

/* What the DMAs of test_stats did, counted by the unit or the requester. */
static void check_stats_counts(QDict *c)
{
    g_assert_cmpint(stats_int(c, "translations"), ==, 6);
    g_assert_cmpint(stats_int(c, "faults"), ==, 1);
    g_assert_cmpint(stats_int(c, "context-cache/lookups"), ==, 6);
    g_assert_cmpint(stats_int(c, "context-cache/hits"), ==, 5);
    g_assert_cmpint(stats_int(c, "iotlb/lookups"), ==, 6);
    g_assert_cmpint(stats_int(c, "iotlb/hits"), ==, 2);
    g_assert_cmpint(stats_int(c, "iotlb/hits-4k"), ==, 2);
    g_assert_cmpint(stats_int(c, "iotlb/misses"), ==, 4);
    g_assert_cmpint(stats_int(c, "walks"), ==, 4);
    g_assert_cmpint(stats_int(c, "psc/lookups"), ==, 4);
    g_assert_cmpint(stats_int(c, "psc/hits-l2"), ==, 2);
    g_assert_cmpint(stats_int(c, "psc/hits-l4"), ==, 1);
    g_assert_cmpint(stats_int(c, "mem-reads"), ==, 2 + 4 + 1 + 1 + 1);
    g_assert_cmpint(stats_int(c, "cycles"), ==,
                    LAT_COLD + 2 * LAT_HIT + 3 * LAT_READS(1));
    g_assert_cmpint(stats_int(c, "queue-cycles"), ==, 0);
    /* latencies 6 6 290 290 290 1690 */
    g_assert_cmpint(stats_int(c, "latency/p50"), ==, LAT_READS(1));
    g_assert_cmpint(stats_int(c, "latency/p99"), ==, LAT_COLD);
    g_assert_cmpint(stats_int(c, "latency/max"), ==, LAT_COLD);
    g_assert_cmpint(stats_int(c, "latency/dma-ns/p50"), ==,
                    600 + LAT_READS(1));
}

/*
 * edu's DMAs at known IOVAs: each is one translation per page it spans,
 * so the counts follow from the tables.  Pages P, P+4K, P+8K share one
 * 2 MiB region.
 */
static void stats_dmas(VtmTest *t, uint64_t p)
{
    edu_from_ram(t, p + 0x100, DMA_LEN);    /* cold: context, 4 reads */
    edu_to_ram(t, p + 0x900, 0x100);        /* IOTLB hit */
    edu_from_ram(t, p + 0x1000, 0x100);     /* level-2 PSC hit: 1 read */
    edu_from_ram(t, p + 0x1f00, 0x200);     /* a hit, then 1 read */
    /* unmapped 1 GiB: the level-4 PSC entry, then 1 read, a fault */
    edu_to_ram(t, 0x40000000, FAULT_LEN);
}

/* The record's fields for line (space separated). */
static void check_record_line(const char *line, const char *const *expect)
{
    g_auto(GStrv) f = g_strsplit(line, " ", -1);
    unsigned i;

    for (i = 0; expect[i]; i++) {
        g_assert_nonnull(f[i]);
        if (strcmp(expect[i], "*")) {
            g_assert_cmpstr(f[i], ==, expect[i]);
        }
    }
}

static void check_record(const char *path)
{
    static const char *const cold[] = {
        "t", "*", "00:04.0", "-", "0x4000100", "0", "r", "1", "4", "4k",
        "m", "m", "0", "2", "4", "0", "1690", NULL,
    };
    static const char *const fault[] = {
        "t", "*", "00:04.0", "-", "0x40000000", "0", "w", "1", "4", "-",
        "h", "m", "4", "0", "1", "5", "290", NULL,
    };
    static const char *const inv_page[] = {
        "i", "*", "iotlb", "3", "1", "0x4000000", "0", "0", NULL,
    };
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    unsigned i, nt = 0, ni = 0;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    g_assert_true(g_str_has_prefix(lines[0], "# vtm-record 3 clock-mhz=1000"));
    for (i = 0; lines[i]; i++) {
        nt += lines[i][0] == 't';
        ni += lines[i][0] == 'i';
    }
    g_assert_cmpuint(nt, ==, 7);
    g_assert_cmpuint(ni, ==, 2);
    check_record_line(lines[2], cold);
    check_record_line(lines[7], fault);
    check_record_line(lines[8], inv_page);
}

static void test_stats(void)
{
    const uint64_t p = 0x04000000, phys = 0x05000000;
    g_autofree char *rec = NULL, *opts = NULL;
    QDict *st, *r;
    QList *reqs;
    uint64_t ccmd = 0;
    VtmTest t;
    int fd;

    fd = g_file_open_tmp("vtm-record-XXXXXX", &rec, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    opts = g_strdup_printf(",id=iommu0,record=%s", rec);
    vtm_start_translated(&t, opts, 4, 8, false);
    map_page(&t, p, phys, VTM_PAGE_SHIFT, SLPTE_RW);
    map_page(&t, p + 0x1000, phys + 0x1000, VTM_PAGE_SHIFT, SLPTE_RW);
    map_page(&t, p + 0x2000, phys + 0x2000, VTM_PAGE_SHIFT, SLPTE_RW);
    program_fault_event(&t, true);
    stats_dmas(&t, p);

    st = stats_get(&t);
    g_assert_cmpstr(stats_str(st, "timing"), ==, "account");
    check_stats_counts(qdict_get_qdict(st, "unit"));
    reqs = qdict_get_qlist(st, "requesters");
    g_assert_cmpuint(qlist_size(reqs), ==, 1);
    r = qobject_to(QDict, qlist_peek(reqs));
    g_assert_cmpstr(stats_str(r, "bdf"), ==, "00:04.0");
    g_assert_cmpint(stats_int(r, "sid"), ==, EDU_SID);
    check_stats_counts(r);
    qobject_unref(st);

    /* invalidations: counted by type, each costs 100 cycles */
    iotlb_reg_invalidate(&t, VTM_INV_PAGE, p);
    ccmd = FIELD_DP64(ccmd, CCMD, ICC, 1);
    ccmd = FIELD_DP64(ccmd, CCMD, CIRG, VTM_INV_GLOBAL);
    vtm_reg_wq(t.qts, A_CCMD, ccmd);
    /* context and every PSC entry above P dropped: a cold translation */
    edu_from_ram(&t, p + 0x100, 0x40);
    st = stats_get(&t);
    g_assert_cmpint(stats_int(st, "unit/invalidations/iotlb-page"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/invalidations/context-cache-global"),
                    ==, 1);
    g_assert_cmpint(stats_int(st, "unit/invalidations/cycles"), ==, 200);
    g_assert_cmpint(stats_int(st, "unit/translations"), ==, 7);
    g_assert_cmpint(stats_int(st, "unit/latency/max"), ==, LAT_COLD);
    g_assert_cmpint(stats_int(st, "unit/caches/iotlb/entries"), ==, 256);
    /* 7 translations and 2 invalidations, all in the file, none lost */
    g_assert_cmpint(stats_int(st, "record/put"), ==, 9);
    g_assert_cmpint(stats_int(st, "record/written"), ==, 9);
    g_assert_cmpint(stats_int(st, "record/dropped"), ==, 0);
    qobject_unref(st);
    check_record(rec);          /* qom-get waited for the writer */

    stats_reset(&t);
    st = stats_get(&t);
    g_assert_cmpint(stats_int(st, "unit/translations"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/caches/iotlb/probes"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/invalidations/iotlb-page"), ==, 0);
    g_assert_cmpuint(qlist_size(qdict_get_qlist(st, "requesters")), ==, 0);
    qobject_unref(st);
    vtm_stop(&t);
    unlink(rec);
}

/* timing-preset=bdw, and explicit properties over it. */
static void test_stats_preset(void)
{
    VtmTest t;
    QDict *st;

    /* explicit iotlb-entries wins even when it equals the default */
    vtm_start(&t, ",id=iommu0,timing-preset=bdw,iotlb-entries=256,"
              "psc-l3-entries=16", 4, 8);
    st = stats_get(&t);
    g_assert_cmpstr(stats_str(st, "timing-preset"), ==, "bdw");
    g_assert_cmpint(stats_int(st, "dma-base-ns"), ==, 600);
    g_assert_cmpint(stats_int(st, "unit/caches/iotlb/entries"), ==, 256);
    g_assert_cmpint(stats_int(st, "unit/caches/psc-l2/entries"), ==, 64);
    g_assert_cmpint(stats_int(st, "unit/caches/psc-l3/entries"), ==, 16);
    g_assert_cmpint(stats_int(st, "unit/caches/psc-l4/entries"), ==, 32);
    qobject_unref(st);
    vtm_stop(&t);

    vtm_start(&t, ",id=iommu0,timing-preset=bdw", 4, 8);
    st = stats_get(&t);
    g_assert_cmpint(stats_int(st, "unit/caches/iotlb/entries"), ==, 112);
    qobject_unref(st);
    vtm_stop(&t);
}

/* timing=off keeps no statistics; stall counts and still translates. */
static void test_stats_modes(void)
{
    static const char *const mode[] = { "off", "stall" };
    const uint64_t p = 0x04000000, phys = 0x05000000;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(mode); i++) {
        g_autofree char *opts = g_strdup_printf(",id=iommu0,timing=%s",
                                                mode[i]);
        VtmTest t;
        QDict *st;

        vtm_start_translated(&t, opts, 4, 8, false);
        map_page(&t, p, phys, VTM_PAGE_SHIFT, SLPTE_RW);
        fill_pattern(&t, phys + 0x100, 0x100, 0x77);
        edu_from_ram(&t, p + 0x100, 0x100);
        edu_to_ram(&t, p + 0x800, 0x100);
        assert_pattern(&t, phys + 0x800, 0x100, 0x77);
        st = stats_get(&t);
        g_assert_cmpstr(stats_str(st, "timing"), ==, mode[i]);
        g_assert_cmpint(stats_int(st, "unit/translations"), ==, i ? 2 : 0);
        g_assert_cmpuint(qlist_size(qdict_get_qlist(st, "requesters")), ==,
                         i ? 1 : 0);
        qobject_unref(st);
        vtm_stop(&t);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/vtm/reset-values", test_reset_values);
    qtest_add_func("/vtm/register-access", test_register_access);
    qtest_add_func("/vtm/property-errors", test_property_errors);
    qtest_add_data_func("/vtm/dma/aw39", GUINT_TO_POINTER(39),
                        test_dma_translated);
    qtest_add_data_func("/vtm/dma/aw48", GUINT_TO_POINTER(48),
                        test_dma_translated);
    qtest_add_data_func("/vtm/dma/aw57", GUINT_TO_POINTER(57),
                        test_dma_translated);
    qtest_add_func("/vtm/dma/untranslated", test_dma_untranslated);
    qtest_add_func("/vtm/fault/unmapped", test_fault_unmapped);
    qtest_add_func("/vtm/fault/read-only", test_fault_read_only);
    qtest_add_func("/vtm/invalidate/iotlb-register",
                   test_stale_iotlb_register);
    qtest_add_func("/vtm/invalidate/queued", test_stale_iotlb_qi);
    qtest_add_func("/vtm/invalidate/context-cache",
                   test_stale_context_cache);
    qtest_add_func("/vtm/qi/wait", test_qi_wait);
    qtest_add_func("/vtm/qi/errors", test_qi_errors);
    qtest_add_func("/vtm/fault/overflow", test_fault_overflow);
    qtest_add_func("/vtm/fault/fpd", test_fault_fpd);
    qtest_add_func("/vtm/stats/counts", test_stats);
    qtest_add_func("/vtm/stats/check-walks", test_check_walks);
    qtest_add_func("/vtm/stats/preset", test_stats_preset);
    qtest_add_func("/vtm/stats/modes", test_stats_modes);
    return g_test_run();
}
