/*
 * Unit tests of vtm's second-stage dirty tracking (ECAP.SSADS, the
 * PASID entry's SSADE; VT-d 4.1 9.8): over random DMA reads and writes
 * through small caches, D is set in exactly the second-stage leaves of
 * the pages written and A in those of the pages accessed (and in every
 * non-leaf entry on their paths); clearing D and invalidating restarts
 * tracking, while without the invalidation a cached dirty line keeps a
 * write from setting D again.  The same holds for the second stage of
 * nested translations, and nothing is written without SSADE.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-core.h"
#include "vtm-enc-sm.h"

#define ROOT        0x10000ULL
#define DIR         0x20000ULL
#define SID         0x0310
#define DID         9
#define PASID       7               /* nested requests */
#define SMALL_BASE  0x10000000ULL   /* 4 KiB pages */
#define NSMALL      300
#define LARGE_BASE  0x80000000ULL   /* 2 MiB pages */
#define NLARGE      6
#define NPAGES      (NSMALL + NLARGE)
#define GOFF        (1ULL << 36)
#define GTAB        0x100000ULL

typedef struct Env {
    VtmtFake fake;
    VtmtPt ss;
    VtmtGpa gpa;                /* nested only */
    VtmtPt fs;                  /* nested only */
    VTMCore core;
    VTMMemOps ops;
    bool nested;
} Env;

static uint64_t page_iova(unsigned i)
{
    return i < NSMALL ? SMALL_BASE + (uint64_t)i * VTM_PAGE_SIZE
                      : LARGE_BASE + ((uint64_t)(i - NSMALL) << 21);
}

static unsigned page_level(unsigned i)
{
    return i < NSMALL ? 1 : 2;
}

/* The guest-physical (nested) or input address of page i: one space. */
static uint64_t page_gpa(unsigned i)
{
    return page_iova(i);
}

static void env_core(Env *e, bool legacy)
{
    VTMCoreConfig cfg;
    unsigned l;

    vtm_core_default_config(&cfg);
    cfg.sm_supported = !legacy;
    cfg.nest_supported = true;
    cfg.slads = true;
    cfg.timing.mode = VTM_TIMING_ACCOUNT;
    /* small caches: lines are evicted and walked again */
    cfg.iotlb.entries = 16;
    cfg.iotlb.ways = 4;
    cfg.nested_tlb.entries = 8;
    cfg.nested_tlb.ways = 2;
    for (l = 2; l <= VTM_MAX_LEVELS; l++) {
        cfg.psc[l].entries = cfg.fs_psc[l].entries = 4;
        cfg.psc[l].ways = cfg.fs_psc[l].ways = 2;
    }
    g_assert_null(vtm_core_config_error(&cfg));
    e->ops = (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .cmpxchg64 = vtmt_fake_cmpxchg64, .opaque = &e->fake,
    };
    vtm_core_init(&e->core, &cfg, &e->ops);
    vtm_core_set_root(&e->core, ROOT | (legacy ? 0 :
                      FIELD_DP64(0, RTADDR, TTM, VTM_TTM_SCALABLE)));
}

/*
 * Second stage only (PGTT second stage, RID_PASID), or nested (the
 * pages mapped 1:1 by the first stage, the second stage at GOFF), or
 * legacy mode (no A/D at all).
 */
static Env *env_new(bool nested, bool ssade, bool legacy)
{
    Env *e = g_new0(Env, 1);
    VtmtSmCtx ctx = {
        .pasid_dir = DIR, .pdts = 7, .paside = true, .rid_pasid = 0,
    };
    VtmtPasidEntry pe = {
        .pgtt = nested ? VTM_PGTT_NESTED : VTM_PGTT_SS, .did = DID,
        .aw = 2, .ssade = ssade, .fspm = VTM_FSPM_4LEVEL,
    };
    uint64_t q[VTM_PASID_ENTRY_QWORDS];
    unsigned i;

    e->nested = nested;
    vtmt_fake_init(&e->fake, 0x100000);
    e->ss = (VtmtPt) {
        .mem = &e->fake.mem, .top = vtmt_alloc(&e->fake.mem), .levels = 4,
    };
    if (nested) {
        vtmt_gpa_init(&e->gpa, &e->fake.mem, &e->ss, GOFF, GTAB,
                      SMALL_BASE);
        e->fs = (VtmtPt) {
            .mem = &e->gpa.mem, .top = vtmt_alloc(&e->gpa.mem), .levels = 4,
        };
    }
    for (i = 0; i < NPAGES; i++) {
        uint64_t off = nested ? GOFF : 0x100000000ULL;

        if (nested) {
            g_assert(vtmt_fs_map(&e->fs, page_iova(i), page_gpa(i),
                                 page_level(i), VTMT_FS_P | VTMT_FS_RW |
                                 VTMT_FS_US | VTMT_FS_A | VTMT_FS_D,
                                 VTMT_FS_TABLE));
        }
        g_assert(vtmt_pt_map(&e->ss, page_gpa(i), page_gpa(i) + off,
                             page_level(i), VTMT_RW));
    }
    if (legacy) {
        g_assert(vtmt_set_ctx(&e->fake.mem, ROOT, SID,
                              vtmt_ctx_lo(e->ss.top, 0, false),
                              vtmt_ctx_hi(2, DID)));
    } else {
        vtmt_sm_ctx(q, &ctx);
        g_assert(vtmt_sm_set_ctx(&e->fake.mem, ROOT, SID, q));
        pe.ssptptr = e->ss.top;
        pe.fsptptr = e->fs.top;
        vtmt_pasid_entry(q, &pe);
        g_assert(vtmt_set_pasid_entry(&e->fake.mem, DIR,
                                      nested ? PASID : 0, q));
    }
    env_core(e, legacy);
    return e;
}

static void env_free(Env *e)
{
    vtm_core_destroy(&e->core);
    vtmt_fake_destroy(&e->fake);
    g_free(e);
}

static void dma(Env *e, unsigned i, uint64_t off, bool write, VTMResult *r)
{
    VTMRequest req = {
        .sid = SID, .addr = page_iova(i) + off, .is_write = write,
        .has_pasid = e->nested, .pasid = PASID,
    };

    vtm_core_translate(&e->core, &req, r, NULL);
    g_assert_cmphex(r->fault.reason, ==, VTM_FR_NONE);
    g_assert(r->perm & (write ? VTM_PERM_W : VTM_PERM_R));
}

static uint64_t leaf_addr(Env *e, unsigned i)
{
    return vtmt_pt_entry(&e->ss, page_gpa(i), page_level(i), false);
}

static uint64_t leaf(Env *e, unsigned i)
{
    return vtmt_r64(&e->fake.mem, leaf_addr(e, i));
}

/* D exactly on the written pages, A exactly on the accessed ones. */
static void check_bits(Env *e, const bool *written, const bool *accessed)
{
    unsigned i, dirty = 0;

    for (i = 0; i < NPAGES; i++) {
        uint64_t pte = leaf(e, i);

        if (!!(pte & R_SLPTE_D_MASK) != written[i] ||
            !!(pte & R_SLPTE_A_MASK) != accessed[i]) {
            g_test_message("page %u: pte 0x%" PRIx64 " written %d "
                           "accessed %d", i, pte, written[i], accessed[i]);
        }
        g_assert_cmpint(!!(pte & R_SLPTE_D_MASK), ==, written[i]);
        g_assert_cmpint(!!(pte & R_SLPTE_A_MASK), ==, accessed[i]);
        dirty += written[i];
        if (accessed[i]) {
            /* the non-leaf entries on the path have A */
            g_assert(vtmt_r64(&e->fake.mem,
                              vtmt_pt_entry(&e->ss, page_gpa(i),
                                            page_level(i) + 1, false)) &
                     R_SLPTE_A_MASK);
        }
    }
    g_assert_cmpuint(dirty, >, 0);
}

/* A random round of n DMAs; records what they touched. */
static void round_dma(Env *e, GRand *rand, unsigned n, bool *written,
                      bool *accessed)
{
    unsigned k;

    for (k = 0; k < n; k++) {
        unsigned i = g_rand_int_range(rand, 0, NPAGES);
        bool write = g_rand_int_range(rand, 0, 4) == 0;
        uint64_t off = g_rand_int_range(rand, 0, page_level(i) == 1 ?
                                        VTM_PAGE_SIZE : 1 << 21) & ~7ULL;
        VTMResult r;

        dma(e, i, off, write, &r);
        written[i] |= write;
        accessed[i] = true;
    }
}

/*
 * The dirty-log cycle of a live migration: clear D (a locked update, as
 * software must) and invalidate.  Second stage: the IOTLB page by page
 * (IH: leaves only).  Nested: a PASID-based IOTLB invalidation for the
 * combined lines, and the IOTLB page invalidation for the nested TLB.
 */
static void clear_dirty(Env *e, bool invalidate)
{
    unsigned i;

    for (i = 0; i < NPAGES; i++) {
        uint64_t a = leaf_addr(e, i);

        vtmt_w64(&e->fake.mem, a, vtmt_r64(&e->fake.mem, a) &
                 ~R_SLPTE_D_MASK);
        if (invalidate) {
            VTMInvOp op = {
                .type = VTM_INV_IOTLB,
                .iotlb = {
                    .gran = VTM_INV_PAGE, .did = DID, .addr = page_gpa(i),
                    .am = page_level(i) == 1 ? 0 : 9, .ih = true,
                },
            };

            vtm_core_invalidate(&e->core, &op);
        }
    }
    if (invalidate && e->nested) {
        VTMInvOp op = {
            .type = VTM_INV_PIOTLB,
            .piotlb = {
                .gran = VTM_QI_PIOTLB_PASID, .did = DID, .pasid = PASID,
            },
        };

        vtm_core_invalidate(&e->core, &op);
    }
}

static void run_exact(bool nested)
{
    Env *e = env_new(nested, true, false);
    g_autoptr(GRand) rand = g_rand_new_with_seed(nested ? 4242 : 1717);
    bool written[NPAGES] = { 0 }, accessed[NPAGES] = { 0 };
    unsigned round;

    for (round = 0; round < 4; round++) {
        round_dma(e, rand, 3000, written, accessed);
        check_bits(e, written, accessed);
        /* tracking restarts: A stays, D only for what comes next */
        clear_dirty(e, true);
        memset(written, 0, sizeof(written));
    }
    g_assert_cmpuint(e->core.stats.ad_writes, >, 0);
    env_free(e);
}

static void test_exact_ss(void)
{
    run_exact(false);
}

static void test_exact_nested(void)
{
    run_exact(true);
}

/*
 * A read caches a clean line without write access; the first write
 * walks again and sets D.  After D is cleared without invalidation, the
 * cached dirty line lets writes through without setting it again (the
 * invalidation is what restarts tracking); after it, D comes back.
 */
static void run_clean_line(bool nested)
{
    Env *e = env_new(nested, true, false);
    VTMResult r;

    dma(e, 3, 0, false, &r);
    g_assert(r.how.walked);
    g_assert_cmpuint(r.perm, ==, VTM_PERM_R);
    g_assert(!(leaf(e, 3) & R_SLPTE_D_MASK));
    dma(e, 3, 8, true, &r);
    g_assert(r.how.walked);
    g_assert(leaf(e, 3) & R_SLPTE_D_MASK);
    dma(e, 3, 16, true, &r);
    g_assert(!r.how.walked);

    clear_dirty(e, false);
    dma(e, 3, 24, true, &r);
    g_assert(!r.how.walked);
    g_assert(!(leaf(e, 3) & R_SLPTE_D_MASK));
    clear_dirty(e, true);
    dma(e, 3, 32, true, &r);
    g_assert(r.how.walked);
    g_assert(leaf(e, 3) & R_SLPTE_D_MASK);
    env_free(e);
}

static void test_clean_line_ss(void)
{
    run_clean_line(false);
}

static void test_clean_line_nested(void)
{
    run_clean_line(true);
}

/* SSADE clear, or legacy mode: the second stage is never written. */
static void test_off(void)
{
    static const struct { bool nested, legacy; } cases[] = {
        { false, false }, { true, false }, { false, true },
    };
    unsigned c, i;

    for (c = 0; c < ARRAY_SIZE(cases); c++) {
        Env *e = env_new(cases[c].nested, false, cases[c].legacy);
        g_autoptr(GRand) rand = g_rand_new_with_seed(99 + c);
        bool written[NPAGES] = { 0 }, accessed[NPAGES] = { 0 };

        round_dma(e, rand, 500, written, accessed);
        for (i = 0; i < NPAGES; i++) {
            g_assert_cmphex(leaf(e, i) & (R_SLPTE_A_MASK | R_SLPTE_D_MASK),
                            ==, 0);
        }
        env_free(e);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/dirty/exact-ss", test_exact_ss);
    g_test_add_func("/vtm/dirty/exact-nested", test_exact_nested);
    g_test_add_func("/vtm/dirty/clean-line-ss", test_clean_line_ss);
    g_test_add_func("/vtm/dirty/clean-line-nested", test_clean_line_nested);
    g_test_add_func("/vtm/dirty/off", test_off);
    return g_test_run();
}
