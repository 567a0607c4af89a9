/*
 * Unit tests of vtm's scalable-mode translation core over a fake guest
 * memory: RTADDR.TTM selecting the mode, PASID-tagged requests and
 * RID_PASID, first-stage, second-stage and pass-through PASID entries,
 * the PASID cache and the first-stage paging-structure caches, every
 * PASID-granular invalidation, faults with PASID, and the random
 * map/unmap/invalidate run checked against a cacheless unit.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-core.h"
#include "vtm-record.h"
#include "vtm-params.h"
#include "vtm-enc-sm.h"

#define ROOT        0x10000ULL
#define DIR         0x20000ULL
#define SID         0x0208
#define RID_PASID   0
#define HAW         48
#define NTARGETS    4               /* RID_PASID (second stage) + 3 FS */

/* A PASID of the unit under test and the tables behind it. */
typedef struct Target {
    uint32_t pasid;
    uint16_t did;
    unsigned pgtt;
    VtmtPt pt;
} Target;

typedef struct Unit {
    VTMCore core;
    VTMMemOps ops;
} Unit;

typedef struct Env {
    VtmtFake fake;
    Target t[NTARGETS];
} Env;

static void env_init(Env *e)
{
    static const struct { uint32_t pasid; uint16_t did; unsigned pgtt; }
    targets[NTARGETS] = {
        { RID_PASID, 7, VTM_PGTT_SS },
        { 1, 5, VTM_PGTT_FS },
        { 2, 5, VTM_PGTT_FS },          /* same domain as PASID 1 */
        { 0x4321, 6, VTM_PGTT_FS },
    };
    VtmtSmCtx ctx = {
        .pasid_dir = DIR, .pdts = 7, .paside = true, .rid_pasid = RID_PASID,
    };
    uint64_t q[VTM_PASID_ENTRY_QWORDS];
    unsigned i;

    memset(e, 0, sizeof(*e));
    vtmt_fake_init(&e->fake, 0x100000);
    vtmt_sm_ctx(q, &ctx);
    g_assert(vtmt_sm_set_ctx(&e->fake.mem, ROOT, SID, q));
    for (i = 0; i < NTARGETS; i++) {
        Target *t = &e->t[i];
        VtmtPasidEntry pe = {
            .pgtt = targets[i].pgtt, .did = targets[i].did, .aw = 2,
        };

        t->pasid = targets[i].pasid;
        t->did = targets[i].did;
        t->pgtt = targets[i].pgtt;
        t->pt = (VtmtPt) {
            .mem = &e->fake.mem, .top = vtmt_alloc(&e->fake.mem),
            .levels = 4,
        };
        pe.ssptptr = pe.fsptptr = t->pt.top;
        vtmt_pasid_entry(q, &pe);
        g_assert(vtmt_set_pasid_entry(&e->fake.mem, DIR, t->pasid, q));
    }
}

static void unit_init(Unit *u, Env *e, bool caches)
{
    VTMCoreConfig cfg;
    unsigned l;

    vtm_core_default_config(&cfg);
    cfg.sm_supported = true;
    cfg.timing.mode = VTM_TIMING_ACCOUNT;
    if (caches) {
        /* small, so that evictions happen too */
        cfg.iotlb.entries = 16;
        cfg.iotlb.ways = 4;
        cfg.pasid_cache.entries = 4;
        cfg.pasid_cache.ways = 2;
        for (l = 2; l <= VTM_MAX_LEVELS; l++) {
            cfg.fs_psc[l].entries = cfg.psc[l].entries = 8;
            cfg.fs_psc[l].ways = cfg.psc[l].ways = 2;
        }
    } else {
        cfg.iotlb.enable = cfg.ctx_cache.enable = false;
        cfg.pasid_cache.enable = false;
        for (l = 2; l <= VTM_MAX_LEVELS; l++) {
            cfg.fs_psc[l].enable = cfg.psc[l].enable = false;
        }
    }
    g_assert_null(vtm_core_config_error(&cfg));
    u->ops = (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .cmpxchg64 = vtmt_fake_cmpxchg64, .opaque = &e->fake,
    };
    vtm_core_init(&u->core, &cfg, &u->ops);
    vtm_core_set_root(&u->core, ROOT | FIELD_DP64(0, RTADDR, TTM,
                                                  VTM_TTM_SCALABLE));
}

/* The output address the tables give iova in target i. */
static uint64_t target_pa(unsigned i, uint64_t iova)
{
    return (iova ^ ((uint64_t)(i + 1) << 40)) & MAKE_64BIT_MASK(0, HAW);
}

static void map(Env *e, unsigned i, uint64_t iova, unsigned level)
{
    Target *t = &e->t[i];
    uint64_t base = iova & ~MAKE_64BIT_MASK(0, vtmt_level_shift(level));
    uint64_t pa = target_pa(i, base);

    if (t->pgtt == VTM_PGTT_FS) {
        g_assert(vtmt_fs_map(&t->pt, base, pa, level, VTMT_FS_P |
                             VTMT_FS_RW | VTMT_FS_US, VTMT_FS_TABLE));
    } else {
        g_assert(vtmt_pt_map(&t->pt, base, pa, level, VTMT_RW));
    }
}

static void unmap(Env *e, unsigned i, uint64_t iova, unsigned level)
{
    Target *t = &e->t[i];
    uint64_t a = t->pgtt == VTM_PGTT_FS ? vtmt_fs_entry(&t->pt, iova, level)
                                        : vtmt_pt_entry(&t->pt, iova, level,
                                                        false);

    if (a) {
        vtmt_w64(&e->fake.mem, a, 0);
    }
}

static void xlate(Unit *u, Env *e, unsigned i, uint64_t iova, bool write,
                  VTMResult *res)
{
    VTMRequest req = {
        .sid = SID, .addr = iova, .is_write = write,
        .has_pasid = e->t[i].pasid != RID_PASID, .pasid = e->t[i].pasid,
    };

    vtm_core_translate(&u->core, &req, res, NULL);
}

static void inv(Unit *u, const VTMInvOp *op)
{
    vtm_core_invalidate(&u->core, op);
}

static void inv_piotlb(Unit *u, uint16_t did, uint32_t pasid, uint64_t addr,
                       unsigned am, bool ih)
{
    VTMInvOp op = {
        .type = VTM_INV_PIOTLB,
        .piotlb = {
            .gran = VTM_QI_PIOTLB_PAGE, .did = did, .pasid = pasid,
            .addr = addr, .am = am, .ih = ih,
        },
    };

    inv(u, &op);
}

static void inv_piotlb_all(Unit *u, uint16_t did, uint32_t pasid)
{
    VTMInvOp op = {
        .type = VTM_INV_PIOTLB,
        .piotlb = { .gran = VTM_QI_PIOTLB_PASID, .did = did, .pasid = pasid },
    };

    inv(u, &op);
}

static void inv_iotlb(Unit *u, unsigned gran, uint16_t did, uint64_t addr,
                      unsigned am)
{
    VTMInvOp op = {
        .type = VTM_INV_IOTLB,
        .iotlb = { .gran = gran, .did = did, .addr = addr, .am = am },
    };

    inv(u, &op);
}

static void inv_pc(Unit *u, unsigned gran, uint16_t did, uint32_t pasid)
{
    VTMInvOp op = {
        .type = VTM_INV_PC,
        .pc = { .gran = gran, .did = did, .pasid = pasid },
    };

    inv(u, &op);
}

/* Each PGTT translates; the result says the stage, PASID and domain. */
static void test_basic(void)
{
    Env e;
    Unit u;
    VTMResult r;
    unsigned i;

    env_init(&e);
    unit_init(&u, &e, true);
    for (i = 0; i < NTARGETS; i++) {
        map(&e, i, 0x12345000, 1);
        xlate(&u, &e, i, 0x12345678, false, &r);
        g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
        g_assert_true(r.scalable);
        g_assert_cmphex(r.translated, ==, target_pa(i, 0x12345000));
        g_assert_cmpuint(r.stage, ==, i ? VTM_STAGE_FIRST
                                        : VTM_STAGE_SECOND);
        g_assert_cmpuint(r.pasid, ==, e.t[i].pasid);
        g_assert_cmpuint(r.domain_id, ==, e.t[i].did);
        g_assert_true(r.how.pasid_lookup);
        g_assert_false(r.how.pasid_hit);
        /* directory and PASID table entry */
        g_assert_cmpuint(r.how.pasid_reads, ==, 2);
        g_assert_cmpuint(r.how.pt_reads, ==, 4);
        /* first stage: A set in the leaf (tables have it); SS: none */
        g_assert_cmpuint(r.how.pt_writes, ==, i ? 1 : 0);
        /* again: PASID cache and IOTLB hit, no memory access */
        xlate(&u, &e, i, 0x12345000, false, &r);
        g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
        g_assert_true(r.how.pasid_hit);
        g_assert_cmpuint(r.how.iotlb_hit, ==, 1);
        g_assert_cmpuint(r.how.pasid_reads + r.how.pt_reads +
                         r.how.ctx_reads, ==, 0);
        g_assert_cmpuint(r.latency, >, 0);
    }
    g_assert_cmpuint(u.core.stats.stage[VTM_STAGE_FIRST], ==, 6);
    g_assert_cmpuint(u.core.stats.stage[VTM_STAGE_SECOND], ==, 2);
    g_assert_cmpuint(u.core.stats.pasid_lookups, ==, 8);
    g_assert_cmpuint(u.core.stats.pasid_hits, ==, 4);
    g_assert_cmpuint(u.core.timing.unit.pasid_hits, ==, 4);
    g_assert_cmpuint(u.core.timing.unit.stage[VTM_STAGE_FIRST], ==, 6);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/*
 * A write through a clean first-stage IOTLB entry walks again to set D
 * (3.6.2): W is never reported while D is clear.
 */
static void test_dirty(void)
{
    Env e;
    Unit u;
    VTMResult r;
    uint64_t leaf;

    env_init(&e);
    unit_init(&u, &e, true);
    map(&e, 1, 0x5000, 1);
    leaf = vtmt_fs_entry(&e.t[1].pt, 0x5000, 1);
    xlate(&u, &e, 1, 0x5000, false, &r);
    g_assert_cmpuint(r.perm, ==, VTM_PERM_R);
    g_assert_cmphex(vtmt_r64(&e.fake.mem, leaf) & (VTMT_FS_A | VTMT_FS_D),
                    ==, VTMT_FS_A);
    xlate(&u, &e, 1, 0x5000, true, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    g_assert_true(r.how.walked);
    g_assert_cmpuint(r.how.pt_writes, ==, 1);
    g_assert_cmpuint(r.perm, ==, VTM_PERM_RW);
    g_assert_cmphex(vtmt_r64(&e.fake.mem, leaf) & (VTMT_FS_A | VTMT_FS_D),
                    ==, VTMT_FS_A | VTMT_FS_D);
    /* now dirty in the IOTLB: no walk */
    xlate(&u, &e, 1, 0x5000, true, &r);
    g_assert_false(r.how.walked);
    g_assert_cmpuint(r.how.iotlb_hit, ==, 1);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/*
 * A stale first-stage entry is used until the right PASID-granular
 * invalidation drops it, and another PASID's (same domain) or a
 * second-stage page invalidation does not.
 */
static void test_stale_piotlb(void)
{
    Env e;
    Unit u;
    VTMResult r;

    env_init(&e);
    unit_init(&u, &e, true);
    map(&e, 1, 0x7000, 1);
    map(&e, 2, 0x7000, 1);
    xlate(&u, &e, 1, 0x7000, false, &r);
    xlate(&u, &e, 2, 0x7000, false, &r);
    unmap(&e, 1, 0x7000, 1);
    unmap(&e, 2, 0x7000, 1);

    inv_piotlb(&u, 5, 2, 0x7000, 0, false);     /* PASID 2 only */
    inv_iotlb(&u, VTM_INV_PAGE, 5, 0x7000, 0);  /* second stage only */
    xlate(&u, &e, 1, 0x7000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);   /* stale */
    xlate(&u, &e, 2, 0x7000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_FS_NOT_PRESENT);
    g_assert_true(r.fault.has_pasid);
    g_assert_cmpuint(r.fault.pasid, ==, 2);

    inv_piotlb(&u, 6, 1, 0x7000, 0, false);     /* wrong domain */
    xlate(&u, &e, 1, 0x7000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    inv_piotlb(&u, 5, 1, 0x6000, 1, false);     /* AM 1: 0x6000-0x7fff */
    xlate(&u, &e, 1, 0x7000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_FS_NOT_PRESENT);

    /* all of a PASID */
    map(&e, 1, 0x9000, 1);
    xlate(&u, &e, 1, 0x9000, false, &r);
    unmap(&e, 1, 0x9000, 1);
    inv_piotlb_all(&u, 5, 2);
    xlate(&u, &e, 1, 0x9000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    inv_piotlb_all(&u, 5, 1);
    xlate(&u, &e, 1, 0x9000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_FS_NOT_PRESENT);
    /* a domain-selective IOTLB invalidation drops first stage too */
    map(&e, 3, 0x9000, 1);
    xlate(&u, &e, 3, 0x9000, false, &r);
    unmap(&e, 3, 0x9000, 1);
    inv_iotlb(&u, VTM_INV_DOMAIN, 6, 0, 0);
    xlate(&u, &e, 3, 0x9000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_FS_NOT_PRESENT);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/* IH=1 keeps the paging-structure caches: a stale table is still used. */
static void test_ih(void)
{
    Env e;
    Unit u;
    VTMResult r;

    env_init(&e);
    unit_init(&u, &e, true);
    map(&e, 1, 0x200000, 1);
    xlate(&u, &e, 1, 0x200000, false, &r);
    /* the level-2 table pointer goes away */
    unmap(&e, 1, 0x200000, 2);
    inv_piotlb(&u, 5, 1, 0x200000, 0, true);
    xlate(&u, &e, 1, 0x200000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    g_assert_cmpuint(r.how.psc_hit, ==, 2);
    inv_piotlb(&u, 5, 1, 0x200000, 0, false);
    xlate(&u, &e, 1, 0x200000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_FS_NOT_PRESENT);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/* PASID-cache invalidation: global, by domain, by PASID. */
static void test_pasid_cache(void)
{
    static const VtmtPasidEntry pt = { .pgtt = VTM_PGTT_PT, .did = 5 };
    uint64_t q[VTM_PASID_ENTRY_QWORDS];
    Env e;
    Unit u;
    VTMResult r;

    env_init(&e);
    unit_init(&u, &e, true);
    map(&e, 1, 0x1000, 1);
    map(&e, 2, 0x1000, 1);
    xlate(&u, &e, 1, 0x1000, false, &r);
    xlate(&u, &e, 2, 0x1000, false, &r);
    /* PASIDs 1 and 2 become pass-through */
    vtmt_pasid_entry(q, &pt);
    vtmt_set_pasid_entry(&e.fake.mem, DIR, 1, q);
    vtmt_set_pasid_entry(&e.fake.mem, DIR, 2, q);
    inv_pc(&u, VTM_QI_PC_PASID, 5, 2);
    inv_pc(&u, VTM_QI_PC_PASID, 6, 1);          /* wrong domain */
    xlate(&u, &e, 1, 0x1000, false, &r);
    g_assert_cmpuint(r.stage, ==, VTM_STAGE_FIRST);
    xlate(&u, &e, 2, 0x1000, false, &r);
    g_assert_cmpuint(r.stage, ==, VTM_STAGE_PT);
    g_assert_true(r.passthrough);
    g_assert_cmphex(r.translated, ==, 0x1000);
    inv_pc(&u, VTM_QI_PC_DOMAIN, 5, 0);
    xlate(&u, &e, 1, 0x1000, false, &r);
    g_assert_cmpuint(r.stage, ==, VTM_STAGE_PT);
    /* global; and a context-cache invalidation covers them too */
    xlate(&u, &e, 3, 0x1000, false, &r);
    vtmt_set_pasid_entry(&e.fake.mem, DIR, e.t[3].pasid, q);
    xlate(&u, &e, 3, 0x1000, false, &r);
    g_assert_cmpuint(r.stage, ==, VTM_STAGE_FIRST);
    {
        VTMInvOp op = {
            .type = VTM_INV_CC,
            .cc = { .gran = VTM_INV_DEVICE, .sid = SID, .fm = 0 },
        };

        inv(&u, &op);
    }
    xlate(&u, &e, 3, 0x1000, false, &r);
    g_assert_cmpuint(r.stage, ==, VTM_STAGE_PT);
    g_assert_cmpuint(u.core.stats.inv_pc, ==, 3);
    inv_pc(&u, VTM_QI_PC_GLOBAL, 0, 0);
    g_assert_cmpuint(vtm_cache_nvalid(u.core.pasid_cache), ==, 0);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/* Faults: PASID in the record, FPD, SRTA.2, TTM and canonical checks. */
static void test_faults(void)
{
    VTMRequest req = {
        .sid = SID, .addr = 0x0000800000000000ULL, .has_pasid = true,
        .pasid = 1, .priv = false, .is_write = true,
    };
    Env e;
    Unit u;
    VTMResult r;

    env_init(&e);
    unit_init(&u, &e, true);
    vtm_core_translate(&u.core, &req, &r, NULL);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_NON_CANONICAL);
    g_assert_true(r.fault.has_pasid);
    g_assert_cmpuint(r.fault.pasid, ==, 1);
    g_assert_true(r.fault.is_write);
    /* second stage beyond AW (48 bits): SGN.4 */
    xlate(&u, &e, 0, 1ULL << 48, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_ADDR_BEYOND_AW);
    g_assert_false(r.fault.has_pasid);
    /* a PASID no directory entry covers */
    req.addr = 0x1000;
    req.pasid = 0x800;
    vtm_core_translate(&u.core, &req, &r, NULL);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_PDE_NOT_PRESENT);
    /* supervisor request without SRE */
    req.pasid = 1;
    req.priv = true;
    vtm_core_translate(&u.core, &req, &r, NULL);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_PTE_SRE);
    g_assert_true(r.fault.priv);
    /* TTM 10b (reserved) and 11b (abort DMA, not supported): SRTA.1 */
    vtm_core_set_root(&u.core, ROOT | FIELD_DP64(0, RTADDR, TTM,
                                                 VTM_TTM_RESERVED));
    vtm_core_translate(&u.core, &req, &r, NULL);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_RTADDR_INV);
    vtm_core_set_root(&u.core, ROOT | FIELD_DP64(0, RTADDR, TTM,
                                                 VTM_TTM_ABORT_DMA));
    vtm_core_translate(&u.core, &req, &r, NULL);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_RTADDR_INV);
    /* legacy mode: a request with PASID is SRTA.2 */
    vtm_core_set_root(&u.core, ROOT);
    vtm_core_translate(&u.core, &req, &r, NULL);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_TTM0_PASID);
    g_assert_false(r.scalable);
    /* without SMTS, TTM=01b is refused as before */
    vtm_core_destroy(&u.core);
    {
        VTMCoreConfig cfg;

        vtm_core_default_config(&cfg);
        vtm_core_init(&u.core, &cfg, &u.ops);
        vtm_core_set_root(&u.core, ROOT | FIELD_DP64(0, RTADDR, TTM, 1));
        xlate(&u, &e, 0, 0x1000, false, &r);
        g_assert_cmphex(r.fault.reason, ==, VTM_FR_ROOT_RSVD);
    }
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/*
 * Golden cycle counts of the default timing (docs/vtm.rst): lookups of
 * 3 cycles (context, PASID and IOTLB caches), 4 for the parallel
 * paging-structure-cache probe, 280 per memory access of the unit.
 */
static void test_timing(void)
{
    Env e;
    Unit u;
    VTMResult r;

    env_init(&e);
    unit_init(&u, &e, true);
    map(&e, 1, 0x4000, 1);
    map(&e, 1, 0x5000, 1);
    map(&e, 0, 0x4000, 1);
    /* cold first stage: root + context, directory + PASID entry, four
     * table reads and the leaf's A update */
    xlate(&u, &e, 1, 0x4000, false, &r);
    g_assert_cmpuint(r.latency, ==, 3 + 3 + 3 + 4 + (2 + 2 + 4 + 1) * 280);
    /* the next page: every cache but the IOTLB hits, the level-2 PSC
     * serves three levels: one read, one A update */
    xlate(&u, &e, 1, 0x5000, false, &r);
    g_assert_cmpuint(r.how.psc_hit, ==, 2);
    g_assert_cmpuint(r.latency, ==, 3 + 3 + 3 + 4 + (1 + 1) * 280);
    /* a write to it: the D update is one more access */
    xlate(&u, &e, 1, 0x5000, true, &r);
    g_assert_cmpuint(r.latency, ==, 3 + 3 + 3 + 4 + (1 + 1) * 280);
    /* an IOTLB hit: lookups only */
    xlate(&u, &e, 1, 0x5000, true, &r);
    g_assert_cmpuint(r.latency, ==, 3 + 3 + 3);
    /* RID_PASID, second stage: no A/D updates, its PASID entry cold */
    xlate(&u, &e, 0, 0x4000, false, &r);
    g_assert_cmpuint(r.latency, ==, 3 + 3 + 3 + 4 + (2 + 4) * 280);
    g_assert_cmpuint(u.core.timing.unit.pasid_lookups, ==, 5);
    g_assert_cmpuint(u.core.timing.unit.pasid_hits, ==, 3);
    g_assert_cmpuint(u.core.timing.unit.ad_writes, ==, 3);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/* The first-stage caches are properties like the second-stage ones. */
static void test_params(void)
{
    VTMCoreConfig cfg;
    g_autofree char *err = NULL;
    g_autofree char *bad = NULL;
    const char *msg;

    vtm_core_default_config(&cfg);
    err = vtm_param_set(&cfg, "fs-psc-l3-entries", "128");
    g_assert_null(err);
    g_assert_cmpuint(cfg.fs_psc[3].entries, ==, 128);
    g_assert_cmpuint(cfg.psc[3].entries, !=, 128);
    cfg.fs_psc[4].ways = 3;
    msg = vtm_core_config_error(&cfg);
    g_assert_nonnull(msg);
    g_assert_nonnull(strstr(msg, "fs-psc-l4"));
    bad = vtm_param_set(&cfg, "fs-psc-l6-entries", "1");
    g_assert_nonnull(bad);
}

/* Second stage under a PASID entry raises the scalable-mode reasons. */
static void test_ss_faults(void)
{
    Env e;
    Unit u;
    VTMResult r;
    uint64_t leaf;

    env_init(&e);
    unit_init(&u, &e, false);
    /* not present (R=W=0): SGN.7 for a read, SGN.6 for a write */
    xlate(&u, &e, 0, 0x3000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_READ);
    xlate(&u, &e, 0, 0x3000, true, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_WRITE);
    /* read-only leaf, write: SGN.6 */
    leaf = vtmt_pt_map(&e.t[0].pt, 0x3000, 0x9000, 1, R_SLPTE_R_MASK);
    xlate(&u, &e, 0, 0x3000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    xlate(&u, &e, 0, 0x3000, true, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_WRITE);
    /* reserved bit (above HAW): SSS.3 */
    vtmt_w64(&e.fake.mem, leaf, vtmt_r64(&e.fake.mem, leaf) | BIT_ULL(HAW));
    xlate(&u, &e, 0, 0x3000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_SS_RSVD);
    /* the table read fails: SSS.1 */
    vtmt_fake_fail(&e.fake, leaf, 8);
    xlate(&u, &e, 0, 0x3000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_SS_ACCESS);
    /* first stage: the table read fails: SFS.1 */
    map(&e, 1, 0x3000, 1);
    vtmt_fake_fail(&e.fake, vtmt_fs_entry(&e.t[1].pt, 0x3000, 1), 8);
    xlate(&u, &e, 1, 0x3000, false, &r);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_SM_FS_ACCESS);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/*
 * Records: a scalable-mode translation and the PASID-granular
 * invalidations survive format and parse; version 1 lines and headers
 * stay readable.
 */
static void test_record(void)
{
    char buf[VTM_RECORD_LINE_MAX];
    g_autofree char *hdr = vtm_record_header(1500);
    VTMRecord rec, back;
    VTMInvOp op = {
        .type = VTM_INV_PIOTLB,
        .piotlb = {
            .gran = VTM_QI_PIOTLB_PAGE, .did = 5, .pasid = 0xabcde,
            .addr = 0x7000, .am = 3, .ih = true,
        },
    };
    VTMRequest req = {
        .sid = SID, .addr = 0x7000, .is_write = true, .has_pasid = true,
        .pasid = 1, .time = 99,
    };
    Env e;
    Unit u;
    VTMResult r;
    g_autofree char *err = NULL;

    g_assert_cmpuint(vtm_record_parse_version(hdr), ==, VTM_RECORD_VERSION);
    g_assert_cmpuint(vtm_record_parse_header(hdr), ==, 1500);
    g_assert_cmpuint(vtm_record_parse_version(
        "# vtm-record 1 clock-mhz=1000\n"), ==, 1);
    g_assert_cmpuint(vtm_record_parse_version(
        "# vtm-record 2 clock-mhz=1000\n"), ==, 2);
    g_assert_cmpuint(vtm_record_parse_version(
        "# vtm-record 4 clock-mhz=1000\n"), ==, 0);

    env_init(&e);
    unit_init(&u, &e, true);
    map(&e, 1, 0x7000, 1);
    vtm_core_translate(&u.core, &req, &r, NULL);
    g_assert_cmphex(r.fault.reason, ==, VTM_FR_NONE);
    vtm_record_xlate(&rec, &req, &r);
    vtm_record_format(buf, &rec);
    g_test_message("%s", buf);
    g_assert_true(g_str_has_prefix(buf, "t 99 02:01.0 1 0x7000 "));
    g_assert_true(g_str_has_suffix(buf, " s1 m 2 1\n"));
    err = vtm_record_parse(buf, &back);
    g_assert_null(err);
    g_assert_true(back.has_pasid);
    g_assert_cmpuint(back.pasid, ==, 1);
    g_assert_cmpuint(back.did, ==, 5);
    g_assert_cmpuint(back.how.stage, ==, VTM_STAGE_FIRST);
    g_assert_true(back.how.pasid_lookup);
    g_assert_cmpuint(back.how.pasid_reads, ==, 2);
    g_assert_cmpuint(back.how.pt_writes, ==, 1);
    g_assert_cmpuint(back.how.pt_reads, ==, 4);

    vtm_record_inv(&rec, 7, &op);
    vtm_record_format(buf, &rec);
    g_assert_cmpstr(buf, ==, "i 7 piotlb 3 5 abcde 0x7000 3 1\n");
    g_assert_null(vtm_record_parse(buf, &back));
    g_assert_cmpmem(&back.inv, sizeof(op), &op, sizeof(op));
    op = (VTMInvOp) {
        .type = VTM_INV_PC,
        .pc = { .gran = VTM_QI_PC_PASID, .did = 9, .pasid = 0x10 },
    };
    vtm_record_inv(&rec, 8, &op);
    vtm_record_format(buf, &rec);
    g_assert_cmpstr(buf, ==, "i 8 pc 1 9 10\n");
    g_assert_null(vtm_record_parse(buf, &back));
    g_assert_cmpmem(&back.inv, sizeof(op), &op, sizeof(op));

    /* a version 1 line: legacy second stage */
    g_assert_null(vtm_record_parse("t 1 00:03.0 - 0x1000 0 r 1 4 4k m m 0 "
                                   "2 4 0 1130\n", &back));
    g_assert_cmpuint(back.how.stage, ==, VTM_STAGE_SECOND);
    g_assert_false(back.has_pasid);
    vtm_core_destroy(&u.core);
    vtmt_fake_destroy(&e.fake);
}

/* ------------------------------------------------------------------ */
/* Random map/unmap/invalidate, checked against a cacheless unit.      */

#define RND_SLOTS       48
#define RND_STEPS       12000

static void rnd_compare(Unit *cached, Unit *ref, Env *e, unsigned i,
                        uint64_t iova, bool write, guint32 seed,
                        unsigned step)
{
    VTMResult a, b;

    /* writes too: a clean cached first-stage line walks to set D */
    xlate(cached, e, i, iova, write, &a);
    xlate(ref, e, i, iova, write, &b);
    if (a.fault.reason != b.fault.reason || a.addr_mask != b.addr_mask ||
        a.translated != b.translated) {
        g_test_message("seed 0x%" PRIx32 " step %u PASID %u iova 0x%"
                       PRIx64 ": cached fault %x mask 0x%" PRIx64 ", tables "
                       "fault %x mask 0x%" PRIx64, seed, step,
                       e->t[i].pasid, iova, a.fault.reason, a.addr_mask,
                       b.fault.reason, b.addr_mask);
        g_assert_not_reached();
    }
}

/* The invalidation software owes after changing target i's tables. */
static void rnd_inv(Unit *u, Env *e, GRand *rand, unsigned i,
                    uint64_t base, unsigned am)
{
    Target *t = &e->t[i];
    unsigned r = g_rand_int_range(rand, 0, 50);

    if (t->pgtt == VTM_PGTT_SS) {
        inv_iotlb(u, r ? VTM_INV_PAGE : VTM_INV_DOMAIN, t->did, base, am);
    } else if (r) {
        inv_piotlb(u, t->did, t->pasid, base, am, false);
    } else {
        inv_piotlb_all(u, t->did, t->pasid);
    }
}

/* One run from seed: the same seed replays the same steps. */
static void inv_random_run(guint32 seed)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    uint64_t slot[RND_SLOTS];
    Unit cached, ref;
    unsigned step, k;
    Env e;

    g_test_message("seed 0x%" PRIx32, seed);
    env_init(&e);
    unit_init(&cached, &e, true);
    unit_init(&ref, &e, false);
    for (k = 0; k < RND_SLOTS; k++) {
        slot[k] = (uint64_t)g_rand_int_range(rand, 0, 4) << 30 |
                  (uint64_t)g_rand_int_range(rand, 0, 8) << 21 |
                  (uint64_t)g_rand_int_range(rand, 0, 16) << 12;
    }
    for (step = 0; step < RND_STEPS; step++) {
        unsigned i = g_rand_int_range(rand, 0, NTARGETS);
        uint64_t iova = slot[g_rand_int_range(rand, 0, RND_SLOTS)];
        unsigned level = g_rand_int_range(rand, 0, 100) < 70 ? 1 :
                         g_rand_int_range(rand, 2, 4);
        unsigned am = (level - 1) * VTM_LEVEL_STRIDE;
        uint64_t base = iova & ~MAKE_64BIT_MASK(0, VTM_PAGE_SHIFT + am);

        if (g_rand_boolean(rand)) {
            map(&e, i, iova, level);
        } else {
            unmap(&e, i, iova, level);
        }
        rnd_inv(&cached, &e, rand, i, base, am);
        for (k = 0; k < 4; k++) {
            rnd_compare(&cached, &ref, &e,
                        g_rand_int_range(rand, 0, NTARGETS),
                        slot[g_rand_int_range(rand, 0, RND_SLOTS)],
                        g_rand_int_range(rand, 0, 4) == 0, seed, step);
        }
    }
    /* the caches were in play, not bypassed */
    g_assert_cmpuint(vtm_cache_stats(cached.core.iotlb)->hits, >,
                     RND_STEPS / 4);
    g_assert_cmpuint(vtm_cache_stats(cached.core.iotlb)->evictions, >, 0);
    g_assert_cmpuint(cached.core.stats.pasid_hits, >, RND_STEPS);
    g_assert_cmpuint(cached.core.stats.stage[VTM_STAGE_FIRST], >, 0);
    g_assert_cmpuint(cached.core.stats.stage[VTM_STAGE_SECOND], >, 0);
    g_assert_cmpuint(cached.core.stats.ad_writes, >, 0);
    vtm_core_destroy(&cached.core);
    vtm_core_destroy(&ref.core);
    vtmt_fake_destroy(&e.fake);
}

/* Fixed seeds, printed on failure with the step. */
static void test_inv_random(void)
{
    static const guint32 seeds[] = { 0x5eed, 0x1c0ffee, 0xdeadbeef };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(seeds); i++) {
        inv_random_run(seeds[i]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/sm-core/basic", test_basic);
    g_test_add_func("/vtm/sm-core/dirty", test_dirty);
    g_test_add_func("/vtm/sm-core/stale-piotlb", test_stale_piotlb);
    g_test_add_func("/vtm/sm-core/ih", test_ih);
    g_test_add_func("/vtm/sm-core/pasid-cache", test_pasid_cache);
    g_test_add_func("/vtm/sm-core/faults", test_faults);
    g_test_add_func("/vtm/sm-core/ss-faults", test_ss_faults);
    g_test_add_func("/vtm/sm-core/timing", test_timing);
    g_test_add_func("/vtm/sm-core/params", test_params);
    g_test_add_func("/vtm/sm-core/record", test_record);
    g_test_add_func("/vtm/sm-core/inv-random", test_inv_random);
    return g_test_run();
}
