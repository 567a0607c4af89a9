/*
 * Unit tests of vtm's nested translation (PGTT nested, VT-d 4.1 3.8)
 * over a fake guest memory: first-stage tables in guest-physical
 * memory, each table and the output translated through the second
 * stage.  The sweep covers 4- and 5-level first stages over 3-, 4- and
 * 5-level second stages and every page-size pair; the two-dimensional
 * walk's memory reads are checked against a table derived by hand (a
 * cold 4-level over 4-level walk is 24 reads); every nested fault
 * reason is raised; A/D bits are set in both stages; stale nested
 * entries live until the right invalidation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-core.h"
#include "vtm-enc-sm.h"

#define ROOT        0x10000ULL
#define DIR         0x20000ULL
#define SID         0x0208
#define PASID       5
#define DID         3
#define GOFF        (1ULL << 36)    /* host = guest-physical + GOFF */
#define GTAB        0x100000ULL     /* guest-physical first-stage tables */
#define GDATA       0x40000000ULL   /* guest-physical data (second GiB) */
#define IOVA        0x123456789000ULL
#define FS_LEAF     (VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US | VTMT_FS_A)

typedef enum Caches {
    CACHES_NONE,                /* every cache off: each read counts */
    CACHES_ALL,                 /* defaults */
} Caches;

typedef struct Env {
    VtmtFake fake;
    VtmtPt ss;                  /* second stage, in host memory */
    VtmtGpa gpa;                /* guest-physical memory */
    VtmtPt fs;                  /* first stage, guest-physical */
    VTMCore core;
    VTMMemOps ops;
    bool core_up;
} Env;

typedef struct EnvOpts {
    unsigned fs_levels, ss_levels;
    Caches caches;
    bool ssade;
    bool no_nest;               /* ECAP.NEST clear */
    bool small;                 /* CACHES_ALL with a few lines each */
} EnvOpts;

static unsigned aw_of_levels(unsigned levels)
{
    return levels - 2;          /* 9.6 AW: 1 39-bit, 2 48-bit, 3 57-bit */
}

static void env_pasid_entry(Env *e, const EnvOpts *o, uint64_t fsptptr)
{
    VtmtPasidEntry pe = {
        .pgtt = VTM_PGTT_NESTED, .did = DID,
        .aw = aw_of_levels(o->ss_levels), .ssptptr = e->ss.top,
        .fspm = o->fs_levels == 5 ? VTM_FSPM_5LEVEL : VTM_FSPM_4LEVEL,
        .fsptptr = fsptptr, .ssade = o->ssade, .sre = true,
    };
    uint64_t q[VTM_PASID_ENTRY_QWORDS];

    vtmt_pasid_entry(q, &pe);
    g_assert(vtmt_set_pasid_entry(&e->fake.mem, DIR, PASID, q));
}

static void core_init(VTMCore *core, const VTMMemOps *ops,
                      const EnvOpts *o)
{
    VTMCoreConfig cfg;
    unsigned l;

    vtm_core_default_config(&cfg);
    cfg.sm_supported = true;
    cfg.nest_supported = !o->no_nest;
    cfg.slads = true;
    cfg.sagaw |= BIT(3);
    cfg.timing.mode = VTM_TIMING_ACCOUNT;
    if (o->caches == CACHES_NONE) {
        cfg.iotlb.enable = cfg.ctx_cache.enable = false;
        cfg.pasid_cache.enable = cfg.nested_tlb.enable = false;
        for (l = 2; l <= VTM_MAX_LEVELS; l++) {
            cfg.fs_psc[l].enable = cfg.psc[l].enable = false;
        }
    } else if (o->small) {
        /* lines are evicted and walked again */
        cfg.iotlb.entries = 8;
        cfg.iotlb.ways = 2;
        /* big enough for stale lines to survive a missed invalidation */
        cfg.nested_tlb.entries = 64;
        cfg.nested_tlb.ways = 8;
        for (l = 2; l <= VTM_MAX_LEVELS; l++) {
            cfg.psc[l].entries = cfg.fs_psc[l].entries = 4;
            cfg.psc[l].ways = cfg.fs_psc[l].ways = 2;
        }
    }
    g_assert_null(vtm_core_config_error(&cfg));
    vtm_core_init(core, &cfg, ops);
    vtm_core_set_root(core, ROOT | FIELD_DP64(0, RTADDR, TTM,
                                              VTM_TTM_SCALABLE));
}

static void env_core(Env *e, const EnvOpts *o)
{
    e->ops = (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .cmpxchg64 = vtmt_fake_cmpxchg64, .opaque = &e->fake,
    };
    core_init(&e->core, &e->ops, o);
    e->core_up = true;
}

static Env *env_new(const EnvOpts *o)
{
    Env *e = g_new0(Env, 1);
    VtmtSmCtx ctx = {
        .pasid_dir = DIR, .pdts = 7, .paside = true, .rid_pasid = 0,
    };
    uint64_t q[VTM_PASID_ENTRY_QWORDS];

    vtmt_fake_init(&e->fake, 0x100000);
    e->ss = (VtmtPt) {
        .mem = &e->fake.mem, .top = vtmt_alloc(&e->fake.mem),
        .levels = o->ss_levels,
    };
    vtmt_gpa_init(&e->gpa, &e->fake.mem, &e->ss, GOFF, GTAB, GDATA);
    e->fs = (VtmtPt) {
        .mem = &e->gpa.mem, .top = vtmt_alloc(&e->gpa.mem),
        .levels = o->fs_levels,
    };
    g_assert(e->fs.top);
    vtmt_sm_ctx(q, &ctx);
    g_assert(vtmt_sm_set_ctx(&e->fake.mem, ROOT, SID, q));
    env_pasid_entry(e, o, e->fs.top);
    env_core(e, o);
    return e;
}

static void env_free(Env *e)
{
    if (e->core_up) {
        vtm_core_destroy(&e->core);
    }
    vtmt_fake_destroy(&e->fake);
    g_free(e);
}

static uint64_t shift_of(unsigned level)
{
    return vtmt_level_shift(level);
}

/*
 * Maps iova by a first-stage leaf at fs_level to guest-physical gpa, and
 * gpa by a second-stage leaf at ss_level (both aligned down).
 */
static void map2(Env *e, uint64_t iova, uint64_t gpa, unsigned fs_level,
                 unsigned ss_level, uint64_t fs_flags, uint64_t table_flags)
{
    uint64_t fmask = MAKE_64BIT_MASK(0, shift_of(fs_level));

    g_assert(vtmt_fs_map(&e->fs, iova & ~fmask, gpa & ~fmask, fs_level,
                         fs_flags, table_flags ? table_flags
                                               : VTMT_FS_TABLE));
    g_assert(vtmt_gpa_map(&e->gpa, gpa, ss_level, VTMT_RW));
}

static void xlate_as(Env *e, uint64_t iova, bool write, bool priv,
                     VTMResult *res)
{
    VTMRequest req = {
        .sid = SID, .addr = iova, .is_write = write,
        .has_pasid = true, .pasid = PASID, .priv = priv,
    };

    vtm_core_translate(&e->core, &req, res, NULL);
}

static void xlate(Env *e, uint64_t iova, bool write, VTMResult *res)
{
    xlate_as(e, iova, write, false, res);
}

static void inv(Env *e, const VTMInvOp *op)
{
    vtm_core_invalidate(&e->core, op);
}

static void inv_piotlb_all(Env *e)
{
    VTMInvOp op = {
        .type = VTM_INV_PIOTLB,
        .piotlb = { .gran = VTM_QI_PIOTLB_PASID, .did = DID, .pasid = PASID },
    };

    inv(e, &op);
}

static void inv_iotlb_page(Env *e, uint64_t addr)
{
    VTMInvOp op = {
        .type = VTM_INV_IOTLB,
        .iotlb = { .gran = VTM_INV_PAGE, .did = DID, .addr = addr },
    };

    inv(e, &op);
}

/* ---- The sweep ---------------------------------------------------------- */

/*
 * Every level count pair and page-size pair, caches off: the output is
 * the second stage's for the first stage's guest-physical output, the
 * page the smaller of the two, and the reads those of the hand-derived
 * formula: each first-stage table read costs a second-stage walk of the
 * table's page first (4 KiB leaves, ss levels reads), and the output
 * one more walk down to its second-stage leaf:
 *   (fs - fs_leaf + 1) * (ss + 1) + (ss - ss_leaf + 1)
 * so a 4-level over 4-level walk of 4 KiB pages makes 4 * 5 + 4 = 24.
 */
static void test_sweep(void)
{
    static const unsigned fs_levels[] = { 4, 5 };
    static const unsigned ss_levels[] = { 3, 4, 5 };
    unsigned fi, si, fl, sl;
    unsigned cases = 0;

    for (fi = 0; fi < ARRAY_SIZE(fs_levels); fi++) {
        for (si = 0; si < ARRAY_SIZE(ss_levels); si++) {
            for (fl = 1; fl <= 3; fl++) {
                for (sl = 1; sl <= 3; sl++) {
                    EnvOpts o = {
                        .fs_levels = fs_levels[fi],
                        .ss_levels = ss_levels[si],
                        .caches = CACHES_NONE,
                    };
                    Env *e = env_new(&o);
                    uint64_t gpa = GDATA + 0x1234000, hpa;
                    unsigned shift = MIN(shift_of(fl), shift_of(sl));
                    unsigned want_fs = o.fs_levels - fl + 1;
                    unsigned want_ss = want_fs * o.ss_levels +
                                       (o.ss_levels - sl + 1);
                    VTMResult r;

                    /* the guest-physical output keeps iova's offset */
                    gpa = (gpa & ~MAKE_64BIT_MASK(0, shift_of(fl))) |
                          (IOVA & MAKE_64BIT_MASK(0, shift_of(fl)));
                    hpa = vtmt_gpa_host(&e->gpa, gpa);
                    map2(e, IOVA, gpa, fl, sl, FS_LEAF, 0);
                    xlate(e, IOVA, false, &r);
                    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
                    g_assert_cmpuint(r.stage, ==, VTM_STAGE_NESTED);
                    g_assert_cmphex(r.addr_mask, ==,
                                    MAKE_64BIT_MASK(0, shift));
                    g_assert_cmphex(r.translated, ==,
                                    hpa & ~MAKE_64BIT_MASK(0, shift));
                    g_assert_cmphex(r.iova, ==,
                                    IOVA & ~MAKE_64BIT_MASK(0, shift));
                    g_assert_cmpuint(r.how.pt_reads, ==, want_fs + want_ss);
                    g_assert_cmpuint(r.how.ss_reads, ==, want_ss);
                    g_assert_cmpuint(r.how.leaf_level, ==,
                                     vtmt_shift_level(shift));
                    if (fl == 1 && sl == 1 && o.fs_levels == 4 &&
                        o.ss_levels == 4) {
                        g_assert_cmpuint(r.how.pt_reads, ==, 24);
                    }
                    /* a write: D set through the cmpxchg, same output */
                    xlate(e, IOVA, true, &r);
                    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
                    g_assert_cmphex(r.translated, ==,
                                    hpa & ~MAKE_64BIT_MASK(0, shift));
                    g_assert(r.perm & VTM_PERM_W);
                    env_free(e);
                    cases++;
                }
            }
        }
    }
    g_assert_cmpuint(cases, ==, 54);
}

/* ---- Read counts with caches: the hand-derived table ----------------- */

typedef struct ReadCase {
    const char *what;
    unsigned pt_reads, ss_reads;
} ReadCase;

/*
 * Caches at their defaults, fs levels over ss levels, 4 KiB pages.  The
 * first-stage tables sit in guest pages GTAB.. (one 2 MiB region), the
 * data at GDATA + 2M (another GiB of the same 512 GiB):
 *  cold: the root's second-stage walk (ss), each lower table's 1 (its
 *        second-stage PSC L2 hit), fs first-stage reads, the output's
 *        walk 3 (PSC L4 hit): ss + (fs - 1) + fs + 3, of them
 *        ss + (fs - 1) + 3 second-stage; 4 over 4: 14 and 10.
 *  again: IOTLB hit, 0.
 *  next page: the first-stage PSC L2 hit gives the leaf table's host
 *        address (1 read); the output misses the nested TLB, PSC L2
 *        hit (1): 2, of them 1.
 *  PASID-selective invalidation (IOTLB and first-stage PSCs): fs
 *        first-stage reads, every guest-physical address a nested-TLB
 *        hit: fs, of them 0.
 *  IOTLB page invalidation of the output's guest-physical page: its
 *        nested-TLB line, the second-stage PSC lines over it (up to the
 *        top level) and the domain's nested IOTLB and first-stage PSC
 *        lines go: fs first-stage reads (tables: nested-TLB hits) and a
 *        full second-stage walk: fs + ss, of them ss.
 */
static void run_reads_table(unsigned fs, unsigned ss)
{
    const ReadCase want[] = {
        { "cold", ss + (fs - 1) + fs + 3, ss + (fs - 1) + 3 },
        { "again", 0, 0 }, { "next page", 2, 1 },
        { "after PASID-selective", fs, 0 },
        { "after IOTLB page", fs + ss, ss },
    };
    EnvOpts o = { .fs_levels = fs, .ss_levels = ss, .caches = CACHES_ALL };
    Env *e = env_new(&o);
    uint64_t gpa = GDATA + 0x200000;
    VTMResult r[ARRAY_SIZE(want)];
    unsigned i;

    map2(e, IOVA, gpa, 1, 1, FS_LEAF, 0);
    map2(e, IOVA + VTM_PAGE_SIZE, gpa + VTM_PAGE_SIZE, 1, 1, FS_LEAF, 0);
    xlate(e, IOVA, false, &r[0]);
    xlate(e, IOVA, false, &r[1]);
    xlate(e, IOVA + VTM_PAGE_SIZE, false, &r[2]);
    inv_piotlb_all(e);
    xlate(e, IOVA, false, &r[3]);
    inv_iotlb_page(e, gpa);
    xlate(e, IOVA, false, &r[4]);
    for (i = 0; i < ARRAY_SIZE(want); i++) {
        if (g_test_verbose()) {
            g_test_message("%u over %u, %s: %u reads, %u second-stage, "
                           "%" PRIu64 " cycles", fs, ss, want[i].what,
                           r[i].how.pt_reads, r[i].how.ss_reads,
                           r[i].latency);
        }
        g_assert_cmphex(r[i].fault.reason, ==, VTM_FR_NONE);
        g_assert_cmpuint(r[i].how.pt_reads, ==, want[i].pt_reads);
        g_assert_cmpuint(r[i].how.ss_reads, ==, want[i].ss_reads);
    }
    g_assert_cmphex(r[2].translated, ==,
                    vtmt_gpa_host(&e->gpa, gpa + VTM_PAGE_SIZE));
    /* the timing model charges every read */
    g_assert_cmpuint(r[0].latency, >, r[1].latency);
    g_assert_cmpuint(e->core.stats.nested_walks, ==, 4);
    g_assert_cmpuint(e->core.stats.ntlb_hits, >, 0);
    g_assert_cmpuint(e->core.timing.unit.ntlb_hits, ==,
                     e->core.stats.ntlb_hits);
    env_free(e);
}

static void test_reads_table(void)
{
    run_reads_table(4, 4);
    run_reads_table(5, 4);
    run_reads_table(4, 5);
    run_reads_table(5, 5);
}

/* ---- Faults --------------------------------------------------------- */

typedef enum Break {
    BRK_NO_NEST,                /* ECAP.NEST clear: SPT.4 */
    BRK_FS_NOT_PRESENT,         /* SFS.2 */
    BRK_FS_RSVD,                /* SFS.3 */
    BRK_FS_ACCESS,              /* SFS.1: a lower table unreadable */
    BRK_TOP_ACCESS,             /* SFS.4: the top table unreadable */
    BRK_TABLE_AW,               /* SFS.5: a table beyond the SS AW */
    BRK_ROOT_AW,                /* SFS.5: FSPTPTR beyond the SS AW */
    BRK_TOP_READ,               /* SFS.6: SS leaf of the top table W only */
    BRK_TABLE_READ,             /* SFS.7: SS leaf of a lower table W only */
    BRK_TABLE_WRITE,            /* SFS.8: A update, SS leaf read-only */
    BRK_SS_ACCESS,              /* SSS.1: an SS table unreadable */
    BRK_SS_NOT_PRESENT,         /* SSS.2: SS leaf of a table R=W=0 */
    BRK_SS_RSVD,                /* SSS.3: SS reserved bit */
    BRK_OUT_AW,                 /* SGN.5: output beyond the SS AW */
    BRK_OUT_WRITE,              /* SGN.6: output read-only in SS */
    BRK_OUT_READ,               /* SGN.7: output write-only in SS */
    BRK_OUT_NOT_PRESENT,        /* SGN.7: as PGTT second stage */
    BRK_NON_CANONICAL,          /* SGN.1 */
    BRK_USER,                   /* SGN.2 */
    BRK__MAX,
} Break;

typedef struct FaultCase {
    Break brk;
    VTMFaultReason want;
    bool write;
    unsigned ss_levels;
} FaultCase;

/* The guest-physical page of iova's first-stage table at level. */
static uint64_t fs_table_gpa(Env *e, unsigned level)
{
    uint64_t a;

    if (level == e->fs.levels) {
        return e->fs.top;
    }
    a = vtmt_fs_entry(&e->fs, IOVA, level + 1);
    g_assert(a);
    return vtmt_r64(&e->gpa.mem, a) & MAKE_64BIT_MASK(12, 40);
}

static void fault_break(Env *e, const EnvOpts *o, Break b)
{
    uint64_t a;

    switch (b) {
    case BRK_NO_NEST:
    case BRK_FS_NOT_PRESENT:
        break;
    case BRK_FS_RSVD:
        a = vtmt_fs_entry(&e->fs, IOVA, 2);
        vtmt_w64(&e->gpa.mem, a, vtmt_r64(&e->gpa.mem, a) | BIT_ULL(50));
        break;
    case BRK_FS_ACCESS:
        vtmt_fake_fail(&e->fake, vtmt_gpa_host(&e->gpa,
                                               fs_table_gpa(e, 2)), 4096);
        break;
    case BRK_TOP_ACCESS:
        vtmt_fake_fail(&e->fake, vtmt_gpa_host(&e->gpa, e->fs.top), 4096);
        break;
    case BRK_TABLE_AW:
        a = vtmt_fs_entry(&e->fs, IOVA, 3);
        vtmt_w64(&e->gpa.mem, a, vtmt_fspte(1ULL << 40, VTMT_FS_TABLE,
                                            false));
        break;
    case BRK_ROOT_AW:
        env_pasid_entry(e, o, 1ULL << 40);
        break;
    case BRK_TOP_READ:
        vtmt_gpa_map(&e->gpa, e->fs.top, 1, R_SLPTE_W_MASK);
        break;
    case BRK_TABLE_READ:
        vtmt_gpa_map(&e->gpa, fs_table_gpa(e, 2), 1, R_SLPTE_W_MASK);
        break;
    case BRK_TABLE_WRITE:
        /* the leaf lacks A: the walk must write its table */
        a = vtmt_fs_entry(&e->fs, IOVA, 1);
        vtmt_w64(&e->gpa.mem, a, vtmt_r64(&e->gpa.mem, a) & ~VTMT_FS_A);
        vtmt_gpa_map(&e->gpa, fs_table_gpa(e, 1), 1, R_SLPTE_R_MASK);
        break;
    case BRK_SS_ACCESS:
        a = vtmt_pt_entry(&e->ss, e->fs.top, 1, false);
        vtmt_fake_fail(&e->fake, a, 8);
        break;
    case BRK_SS_NOT_PRESENT:
        vtmt_w64(&e->fake.mem, vtmt_pt_entry(&e->ss, fs_table_gpa(e, 3), 1,
                                             false), 0);
        break;
    case BRK_SS_RSVD:
        a = vtmt_pt_entry(&e->ss, fs_table_gpa(e, 3), 1, false);
        vtmt_w64(&e->fake.mem, a, vtmt_r64(&e->fake.mem, a) | BIT_ULL(50));
        break;
    case BRK_OUT_AW:
        a = vtmt_fs_entry(&e->fs, IOVA, 1);
        vtmt_w64(&e->gpa.mem, a, vtmt_fspte(1ULL << 40, FS_LEAF, false));
        break;
    case BRK_OUT_WRITE:
        vtmt_gpa_map(&e->gpa, GDATA, 1, R_SLPTE_R_MASK);
        break;
    case BRK_OUT_READ:
        vtmt_gpa_map(&e->gpa, GDATA, 1, R_SLPTE_W_MASK);
        break;
    case BRK_OUT_NOT_PRESENT:
        vtmt_gpa_map(&e->gpa, GDATA, 1, 0);
        break;
    case BRK_USER:
        a = vtmt_fs_entry(&e->fs, IOVA, 1);
        vtmt_w64(&e->gpa.mem, a, vtmt_r64(&e->gpa.mem, a) & ~VTMT_FS_US);
        break;
    default:
        break;
    }
}

/*
 * Every fault class of a nested translation, each with its reason
 * (7.1.3): second-stage faults met on a first-stage table are reported
 * as SFS.4-8 or SSS.x, those of the output as SGN.5-7 or SSS.x.
 */
static void test_faults(void)
{
    static const FaultCase cases[] = {
        { BRK_NO_NEST, VTM_FR_SM_PTE_INVALID },
        { BRK_FS_NOT_PRESENT, VTM_FR_SM_FS_NOT_PRESENT },
        { BRK_FS_RSVD, VTM_FR_SM_FS_RSVD },
        { BRK_FS_ACCESS, VTM_FR_SM_FS_ACCESS },
        { BRK_TOP_ACCESS, VTM_FR_SM_NEST_TOP_ACCESS },
        { BRK_TABLE_AW, VTM_FR_SM_NEST_FS_AW, false, 3 },
        { BRK_ROOT_AW, VTM_FR_SM_NEST_FS_AW, false, 3 },
        { BRK_TOP_READ, VTM_FR_SM_NEST_TOP_READ },
        { BRK_TABLE_READ, VTM_FR_SM_NEST_FS_READ },
        { BRK_TABLE_WRITE, VTM_FR_SM_NEST_FS_WRITE },
        { BRK_SS_ACCESS, VTM_FR_SM_SS_ACCESS },
        { BRK_SS_NOT_PRESENT, VTM_FR_SM_SS_PERM },
        { BRK_SS_RSVD, VTM_FR_SM_SS_RSVD },
        { BRK_OUT_AW, VTM_FR_SM_NEST_OUT_AW, false, 3 },
        { BRK_OUT_WRITE, VTM_FR_SM_WRITE, true },
        { BRK_OUT_READ, VTM_FR_SM_READ },
        { BRK_OUT_NOT_PRESENT, VTM_FR_SM_READ },
        { BRK_NON_CANONICAL, VTM_FR_SM_NON_CANONICAL },
        { BRK_USER, VTM_FR_SM_US },
    };
    unsigned i;

    G_STATIC_ASSERT(ARRAY_SIZE(cases) == BRK__MAX);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        const FaultCase *c = &cases[i];
        EnvOpts o = {
            .fs_levels = 4, .ss_levels = c->ss_levels ? c->ss_levels : 4,
            .caches = CACHES_ALL, .no_nest = c->brk == BRK_NO_NEST,
        };
        Env *e = env_new(&o);
        uint64_t iova = c->brk == BRK_NON_CANONICAL ? 1ULL << 60 :
                        c->brk == BRK_FS_NOT_PRESENT ? IOVA + (1ULL << 39)
                                                     : IOVA;
        VTMResult r;

        map2(e, IOVA, GDATA, 1, 1, FS_LEAF, 0);
        fault_break(e, &o, c->brk);
        xlate(e, iova, c->write, &r);
        if (g_test_verbose()) {
            g_test_message("case %u: reason 0x%x", i, r.fault.reason);
        }
        g_assert_cmphex(r.fault.reason, ==, c->want);
        g_assert(r.fault.has_pasid);
        g_assert_cmpuint(r.fault.pasid, ==, PASID);
        g_assert_cmphex(r.fault.addr, ==, iova);
        env_free(e);
    }
}

/* ---- A/D in both stages --------------------------------------------- */

static uint64_t ss_leaf(Env *e, uint64_t gpa)
{
    return vtmt_r64(&e->fake.mem, vtmt_pt_entry(&e->ss, gpa, 1, false));
}

/*
 * First-stage tables without A, SSADE set: a read sets A in every
 * first-stage entry, and since those updates write the tables' guest
 * pages, A and D in their second-stage leaves; the output's leaf gets A
 * only.  A write then sets D in both leaves of the output, and a write
 * after a cached read walks again to do so.
 */
static void test_ad_both(void)
{
    EnvOpts o = {
        .fs_levels = 4, .ss_levels = 4, .caches = CACHES_ALL, .ssade = true,
    };
    uint64_t table_flags = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US;
    Env *e = env_new(&o);
    VTMResult r;
    unsigned l;

    map2(e, IOVA, GDATA, 1, 1, VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US,
         table_flags);
    xlate(e, IOVA, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    g_assert_cmpuint(r.perm, ==, VTM_PERM_R);
    for (l = 1; l <= 4; l++) {
        uint64_t fse = vtmt_r64(&e->gpa.mem, vtmt_fs_entry(&e->fs, IOVA, l));
        uint64_t sse = ss_leaf(e, fs_table_gpa(e, l));

        g_assert(fse & VTMT_FS_A);
        g_assert(!(fse & VTMT_FS_D));
        g_assert(sse & R_SLPTE_A_MASK);
        g_assert(sse & R_SLPTE_D_MASK);
    }
    /* second-stage non-leaf entries get A too */
    g_assert(vtmt_r64(&e->fake.mem, vtmt_pt_entry(&e->ss, GDATA, 2, false))
             & R_SLPTE_A_MASK);
    g_assert(ss_leaf(e, GDATA) & R_SLPTE_A_MASK);
    g_assert(!(ss_leaf(e, GDATA) & R_SLPTE_D_MASK));

    /* the cached line is clean: the write walks again and sets both D */
    xlate(e, IOVA, true, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    g_assert(r.how.walked);
    g_assert(r.perm & VTM_PERM_W);
    g_assert(vtmt_r64(&e->gpa.mem, vtmt_fs_entry(&e->fs, IOVA, 1)) &
             VTMT_FS_D);
    g_assert(ss_leaf(e, GDATA) & R_SLPTE_D_MASK);
    /* now dirty in both: a hit */
    xlate(e, IOVA, true, &r);
    g_assert(!r.how.walked);
    g_assert_cmpuint(r.how.iotlb_hit, ==, 1);
    env_free(e);
}

/* Without SSADE the second stage is never written. */
static void test_ad_off(void)
{
    EnvOpts o = { .fs_levels = 4, .ss_levels = 4, .caches = CACHES_ALL };
    Env *e = env_new(&o);
    VTMResult r;

    map2(e, IOVA, GDATA, 1, 1, VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US, 0);
    xlate(e, IOVA, true, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    g_assert(vtmt_r64(&e->gpa.mem, vtmt_fs_entry(&e->fs, IOVA, 1)) &
             VTMT_FS_D);
    g_assert_cmphex(ss_leaf(e, GDATA) & (R_SLPTE_A_MASK | R_SLPTE_D_MASK),
                    ==, 0);
    g_assert_cmphex(ss_leaf(e, e->fs.top) &
                    (R_SLPTE_A_MASK | R_SLPTE_D_MASK), ==, 0);
    env_free(e);
}

/* ---- Stale entries until invalidation -------------------------------- */

/*
 * A changed first-stage leaf is not seen until a PASID-based IOTLB
 * invalidation; a changed second-stage mapping of the output not until
 * an IOTLB invalidation of its guest-physical page.
 */
static void test_stale(void)
{
    EnvOpts o = { .fs_levels = 4, .ss_levels = 4, .caches = CACHES_ALL };
    Env *e = env_new(&o);
    uint64_t g2 = GDATA + 0x5000;
    VTMResult r;

    map2(e, IOVA, GDATA, 1, 1, FS_LEAF, 0);
    g_assert(vtmt_gpa_map(&e->gpa, g2, 1, VTMT_RW));
    xlate(e, IOVA, false, &r);
    g_assert_cmphex(r.translated, ==, GDATA + GOFF);

    /* first stage: IOVA now maps g2 */
    vtmt_w64(&e->gpa.mem, vtmt_fs_entry(&e->fs, IOVA, 1),
             vtmt_fspte(g2, FS_LEAF, false));
    xlate(e, IOVA, false, &r);
    g_assert_cmphex(r.translated, ==, GDATA + GOFF);
    inv_piotlb_all(e);
    xlate(e, IOVA, false, &r);
    g_assert_cmphex(r.translated, ==, g2 + GOFF);

    /* second stage: g2 now at another host page */
    vtmt_pt_map(&e->ss, g2, g2 + GOFF + 0x100000, 1, VTMT_RW);
    xlate(e, IOVA, false, &r);
    g_assert_cmphex(r.translated, ==, g2 + GOFF);
    inv_iotlb_page(e, g2);
    xlate(e, IOVA, false, &r);
    g_assert_cmphex(r.translated, ==, g2 + GOFF + 0x100000);
    env_free(e);
}

/* ---- Random run against a cacheless unit --------------------------- */

#define RND_PAGES   48              /* first-stage pages at IOVA */
#define RND_GPAS    24              /* guest-physical data pages */

static void inv_piotlb_page(Env *e, uint64_t iova)
{
    VTMInvOp op = {
        .type = VTM_INV_PIOTLB,
        .piotlb = {
            .gran = VTM_QI_PIOTLB_PAGE, .did = DID, .pasid = PASID,
            .addr = iova, .ih = true,
        },
    };

    inv(e, &op);
}

static void inv_iotlb_leaf(Env *e, uint64_t gpa)
{
    VTMInvOp op = {
        .type = VTM_INV_IOTLB,
        .iotlb = { .gran = VTM_INV_PAGE, .did = DID, .addr = gpa, .ih = true },
    };

    inv(e, &op);
}

/*
 * Random first-stage and second-stage remaps and unmaps, each followed
 * by the invalidation software owes (PASID-based IOTLB for a first-stage
 * leaf, IOTLB page-selective by guest-physical address for a second-
 * stage one, both with IH), between random reads and writes: a unit
 * with small caches (nested TLB, PSCs of both stages, IOTLB) must
 * translate exactly as one without caches over the same memory.
 */
static void test_random(void)
{
    EnvOpts o = {
        .fs_levels = 4, .ss_levels = 4, .caches = CACHES_ALL, .small = true,
    };
    EnvOpts ref_o = {
        .fs_levels = 4, .ss_levels = 4, .caches = CACHES_NONE,
    };
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261202);
    Env *e = env_new(&o);
    VTMCore ref;
    unsigned k, i, g, faults = 0, walks = 0;

    /* the reference: no caches, over the same memory */
    core_init(&ref, &e->ops, &ref_o);
    for (g = 0; g < RND_GPAS; g++) {
        g_assert(vtmt_gpa_map(&e->gpa, GDATA + g * VTM_PAGE_SIZE, 1,
                              VTMT_RW));
    }
    for (i = 0; i < RND_PAGES; i++) {
        map2(e, IOVA + i * VTM_PAGE_SIZE,
             GDATA + (i % RND_GPAS) * VTM_PAGE_SIZE, 1, 1, FS_LEAF, 0);
    }
    for (k = 0; k < 20000; k++) {
        unsigned op = g_rand_int_range(rand, 0, 16);
        uint64_t iova, gpa, a;

        i = g_rand_int_range(rand, 0, RND_PAGES);
        g = g_rand_int_range(rand, 0, RND_GPAS);
        iova = IOVA + i * VTM_PAGE_SIZE;
        gpa = GDATA + g * VTM_PAGE_SIZE;
        if (op == 0 || op == 1) {
            /* first stage: remap (or unmap) iova, then invalidate */
            a = vtmt_fs_entry(&e->fs, iova, 1);
            vtmt_w64(&e->gpa.mem, a, op ? vtmt_fspte(gpa, FS_LEAF, false)
                                        : 0);
            inv_piotlb_page(e, iova);
        } else if (op == 2 || op == 3) {
            /* second stage: move gpa (or unmap it), then invalidate */
            a = vtmt_pt_entry(&e->ss, gpa, 1, false);
            vtmt_w64(&e->fake.mem, a, op == 2 ? 0 :
                     vtmt_leaf(gpa + GOFF + (k & 7) * 0x1000000ULL, 1,
                               g_rand_boolean(rand) ? VTMT_RW
                                                    : R_SLPTE_R_MASK));
            inv_iotlb_leaf(e, gpa);
        } else {
            bool write = g_rand_boolean(rand);
            VTMResult r1, r2;

            xlate(e, iova, write, &r1);
            vtm_core_translate(&ref, &(VTMRequest) {
                .sid = SID, .addr = iova, .is_write = write,
                .has_pasid = true, .pasid = PASID,
            }, &r2, NULL);
            g_assert_cmphex(r1.fault.reason, ==, r2.fault.reason);
            if (r1.fault.reason == VTM_FR_NONE) {
                g_assert_cmphex(r1.translated | (iova & r1.addr_mask), ==,
                                r2.translated | (iova & r2.addr_mask));
                g_assert(r1.perm & (write ? VTM_PERM_W : VTM_PERM_R));
                walks += r1.how.walked;
            } else {
                faults++;
            }
        }
    }
    /* both outcomes happened, and the caches served most requests */
    g_assert_cmpuint(faults, >, 0);
    g_assert_cmpuint(walks, >, 0);
    g_assert_cmpuint(e->core.stats.ntlb_hits, >, 0);
    g_assert_cmpuint(e->core.timing.unit.iotlb_hits[1], >, 0);
    vtm_core_destroy(&ref);
    env_free(e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/nested/sweep", test_sweep);
    g_test_add_func("/vtm/nested/reads-table", test_reads_table);
    g_test_add_func("/vtm/nested/faults", test_faults);
    g_test_add_func("/vtm/nested/ad-both", test_ad_both);
    g_test_add_func("/vtm/nested/ad-off", test_ad_off);
    g_test_add_func("/vtm/nested/stale", test_stale);
    g_test_add_func("/vtm/nested/random", test_random);
    return g_test_run();
}
