/*
 * Unit tests of vtm's scalable-mode structure decode: the scalable-mode
 * root and context entries (9.2, 9.4), the PASID directory and PASID
 * table entries (9.5, 9.6), with every fault reason of the scalable-mode
 * fault table (7.1.3) they can raise, and FPD at each level.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-ctx.h"
#include "vtm-enc-sm.h"

#define ROOT        0x10000ULL
#define PASID_DIR   0x20000ULL
#define SID         0x0310          /* bus 3, devfn 0x10: lower half */
#define SID_UPPER   0x0390          /* devfn 0x90: upper half */
#define PASID       0x1234
#define RID_PASID   5
#define SSPT        0x40000ULL
#define FSPT        0x50000ULL
#define HAW         48

typedef struct Env {
    VtmtFake fake;
    VTMMemOps ops;
    VTMCtxLimits lim;
    VtmtSmCtx ctx;
    VtmtPasidEntry pe;
} Env;

static void env_init(Env *e)
{
    memset(e, 0, sizeof(*e));
    vtmt_fake_init(&e->fake, 0x100000);
    e->ops = (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .cmpxchg64 = vtmt_fake_cmpxchg64, .opaque = &e->fake,
    };
    e->lim = (VTMCtxLimits) {
        .sagaw = BIT(1) | BIT(2), .haw = HAW, .pt_supported = true,
        .dt_supported = true, .fs_supported = true, .ss_supported = true,
        .nest_supported = true, .srs = true, .fl5lp = true, .pss = 19,
    };
    e->ctx = (VtmtSmCtx) {
        .pasid_dir = PASID_DIR, .pdts = 7, .paside = true,
        .rid_pasid = RID_PASID,
    };
    e->pe = (VtmtPasidEntry) {
        .pgtt = VTM_PGTT_FS, .did = 42, .aw = 2, .ssptptr = SSPT,
        .fspm = VTM_FSPM_4LEVEL, .fsptptr = FSPT,
    };
}

/* Writes the context entries of SID and SID_UPPER and the PASID entry. */
static void env_write(Env *e, uint32_t pasid)
{
    uint64_t q[VTM_PASID_ENTRY_QWORDS];

    vtmt_sm_ctx(q, &e->ctx);
    g_assert(vtmt_sm_set_ctx(&e->fake.mem, ROOT, SID, q));
    g_assert(vtmt_sm_set_ctx(&e->fake.mem, ROOT, SID_UPPER, q));
    vtmt_pasid_entry(q, &e->pe);
    g_assert(vtmt_set_pasid_entry(&e->fake.mem, PASID_DIR, pasid, q));
}

static void env_destroy(Env *e)
{
    vtmt_fake_destroy(&e->fake);
}

/* The whole chain for a request: context, PASID, PASID entry, checks. */
static VTMFaultReason env_fetch(Env *e, uint16_t sid, bool has_pasid,
                                uint32_t req_pasid, bool priv, bool exec,
                                bool ats, VTMContext *ctx,
                                VTMPasidEntry *pe, unsigned *reads)
{
    unsigned r1 = 0, r2 = 0;
    VTMFaultReason fr;
    uint32_t pasid;
    bool p;

    memset(pe, 0, sizeof(*pe));
    fr = vtm_ctx_fetch_sm(&e->ops, ROOT, sid, &e->lim, ctx, &r1);
    if (fr == VTM_FR_NONE) {
        fr = vtm_ctx_sm_pasid(ctx, &e->lim, has_pasid, req_pasid, priv,
                              ats, &pasid, &p);
    }
    if (fr == VTM_FR_NONE) {
        fr = vtm_pasid_fetch(&e->ops, ctx, pasid, &e->lim, pe, &r2);
    }
    if (fr == VTM_FR_NONE) {
        fr = vtm_pasid_check_request(pe, p, exec);
    }
    if (reads) {
        *reads = r1 + r2;
    }
    return fr;
}

static VTMFaultReason fetch_pasid(Env *e, uint32_t pasid)
{
    VTMContext ctx;
    VTMPasidEntry pe;

    return env_fetch(e, SID, true, pasid, false, false, false, &ctx, &pe,
                     NULL);
}

static uint64_t ctx_addr(Env *e, uint16_t sid)
{
    return vtmt_sm_ctx_entry(&e->fake.mem, ROOT, sid, false);
}

static uint64_t pe_addr(Env *e, uint32_t pasid)
{
    return vtmt_pasid_entry_addr(&e->fake.mem, PASID_DIR, pasid, false);
}

static void xor64(Env *e, uint64_t addr, uint64_t bits)
{
    vtmt_w64(&e->fake.mem, addr, vtmt_r64(&e->fake.mem, addr) ^ bits);
}

/* Each PGTT decodes into the config it names. */
static void test_decode(void)
{
    static const unsigned pgtts[] = {
        VTM_PGTT_FS, VTM_PGTT_SS, VTM_PGTT_NESTED, VTM_PGTT_PT,
    };
    unsigned i, reads;

    for (i = 0; i < ARRAY_SIZE(pgtts); i++) {
        VTMContext ctx;
        VTMPasidEntry pe;
        Env e;

        env_init(&e);
        e.pe.pgtt = pgtts[i];
        e.pe.fspm = VTM_FSPM_5LEVEL;
        e.pe.sre = e.pe.wpe = e.pe.nxe = e.pe.smep = true;
        env_write(&e, PASID);
        g_assert_cmphex(env_fetch(&e, SID, true, PASID, true, false, false,
                                  &ctx, &pe, &reads), ==, VTM_FR_NONE);
        /* root, context, directory and PASID entry: one fetch each */
        g_assert_cmpuint(reads, ==, 4);
        g_assert_true(ctx.sm);
        g_assert_true(ctx.paside);
        g_assert_cmphex(ctx.pasid_dir, ==, PASID_DIR);
        g_assert_cmpuint(ctx.pdts, ==, 7);
        g_assert_cmpuint(ctx.rid_pasid, ==, RID_PASID);
        g_assert_cmpuint(pe.pgtt, ==, pgtts[i]);
        g_assert_cmpuint(pe.did, ==, 42);
        g_assert_false(pe.fpd);
        if (pgtts[i] == VTM_PGTT_SS || pgtts[i] == VTM_PGTT_NESTED) {
            g_assert_cmpuint(pe.ss_levels, ==, 4);
            g_assert_cmpuint(pe.ss_aw_bits, ==, 48);
            g_assert_cmphex(pe.ssptptr, ==, SSPT);
        } else {
            g_assert_cmpuint(pe.ss_levels, ==, 0);
        }
        if (pgtts[i] == VTM_PGTT_FS || pgtts[i] == VTM_PGTT_NESTED) {
            g_assert_cmpuint(pe.fs_levels, ==, 5);
            g_assert_cmphex(pe.fsptptr, ==, FSPT);
            g_assert_true(pe.sre && pe.wpe && pe.nxe && pe.smep);
        } else {
            g_assert_cmpuint(pe.fs_levels, ==, 0);
        }
        env_destroy(&e);
    }
}

/* Requests without PASID take RID_PASID and RID_PRIV (9.4). */
static void test_rid_pasid(void)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    uint32_t pasid;
    bool priv;
    Env e;

    env_init(&e);
    e.ctx.rid_priv = true;
    e.ctx.paside = false;       /* RID_PASID needs no PASIDE */
    e.pe.did = 7;
    env_write(&e, RID_PASID);
    g_assert_cmphex(vtm_ctx_fetch_sm(&e.ops, ROOT, SID, &e.lim, &ctx,
                                     &(unsigned){0}), ==, VTM_FR_NONE);
    g_assert_cmphex(vtm_ctx_sm_pasid(&ctx, &e.lim, false, 999, false, false,
                                     &pasid, &priv), ==, VTM_FR_NONE);
    g_assert_cmpuint(pasid, ==, RID_PASID);
    g_assert_true(priv);
    /* the supervisor request then needs SRE (SPT.6) */
    g_assert_cmphex(env_fetch(&e, SID, false, 0, false, false, false, &ctx,
                              &pe, NULL), ==, VTM_FR_SM_PTE_SRE);
    e.pe.sre = true;
    env_write(&e, RID_PASID);
    g_assert_cmphex(env_fetch(&e, SID, false, 0, false, false, false, &ctx,
                              &pe, NULL), ==, VTM_FR_NONE);
    g_assert_cmpuint(pe.did, ==, 7);
    /* the notifiers' view: the same entry, from memory */
    {
        VTMPasidEntry view;
        unsigned reads;

        g_assert_cmphex(vtm_ctx_fetch_rid_pasid(&e.ops, ROOT, SID, &e.lim,
                                                &ctx, &view, &reads), ==,
                        VTM_FR_NONE);
        g_assert_cmpuint(view.did, ==, 7);
        g_assert_cmpuint(view.pgtt, ==, VTM_PGTT_FS);
        g_assert_cmpuint(reads, ==, 4);
    }
    /* the upper half of the root entry serves devfn 128-255 */
    g_assert_cmphex(env_fetch(&e, SID_UPPER, false, 0, false, false, false,
                              &ctx, &pe, NULL), ==, VTM_FR_NONE);
    env_destroy(&e);
}

/* Root and context entry faults: SRT.x and SCT.x. */
static void test_root_ctx_faults(void)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    Env e;

    env_init(&e);
    env_write(&e, PASID);

    /* SRT.2: the half of the root entry in use is not present */
    xor64(&e, ROOT + (SID >> 8) * 16 + 8, R_SM_ROOT_HI_UP_MASK);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_NONE);
    g_assert_cmphex(env_fetch(&e, SID_UPPER, true, PASID, false, false,
                              false, &ctx, &pe, NULL), ==,
                    VTM_FR_SM_ROOT_NOT_PRESENT);
    xor64(&e, ROOT + (SID >> 8) * 16 + 8, R_SM_ROOT_HI_UP_MASK);
    xor64(&e, ROOT + (SID >> 8) * 16, R_SM_ROOT_LO_LP_MASK);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_ROOT_NOT_PRESENT);
    xor64(&e, ROOT + (SID >> 8) * 16, R_SM_ROOT_LO_LP_MASK);

    /* SRT.3: reserved bits 11:1 and above HAW, in the half in use */
    xor64(&e, ROOT + (SID >> 8) * 16, BIT(5));
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_ROOT_RSVD);
    xor64(&e, ROOT + (SID >> 8) * 16, BIT(5) | BIT_ULL(HAW));
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_ROOT_RSVD);
    xor64(&e, ROOT + (SID >> 8) * 16, BIT_ULL(HAW));

    /* SCT.2, SCT.3 (each reserved range, DTE without ECAP.DT) */
    xor64(&e, ctx_addr(&e, SID), R_SM_CTX_Q0_P_MASK);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_CTX_NOT_PRESENT);
    xor64(&e, ctx_addr(&e, SID), R_SM_CTX_Q0_P_MASK);
    {
        static const struct { unsigned q; uint64_t bit; } rsvd[] = {
            { 0, BIT(5) }, { 0, BIT(8) }, { 0, BIT_ULL(HAW) },
            { 0, BIT_ULL(63) }, { 1, BIT_ULL(21) }, { 1, BIT_ULL(63) },
            { 2, 1 }, { 3, BIT_ULL(40) }, { 0, R_SM_CTX_Q0_PRE_MASK },
        };
        unsigned i;

        for (i = 0; i < ARRAY_SIZE(rsvd); i++) {
            uint64_t a = ctx_addr(&e, SID) + rsvd[i].q * 8;

            xor64(&e, a, rsvd[i].bit);
            g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_CTX_RSVD);
            xor64(&e, a, rsvd[i].bit);
        }
    }
    e.lim.dt_supported = false;
    e.ctx.dte = true;
    env_write(&e, PASID);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_CTX_RSVD);
    e.lim.dt_supported = true;
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_NONE);

    /* SRT.1, SCT.1: the reads fail */
    vtmt_fake_fail(&e.fake, ctx_addr(&e, SID) + 16, 8);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_CTX_ACCESS);
    vtmt_fake_fail(&e.fake, ROOT + (SID >> 8) * 16 + 8, 8);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_ROOT_ACCESS);
    env_destroy(&e);
}

/* Checks of the request against the context: SCT.5, 6, 7, 9. */
static void test_request_faults(void)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    Env e;

    env_init(&e);
    env_write(&e, PASID);
    /* SCT.5: a translation request (ATS) with DTE clear */
    g_assert_cmphex(env_fetch(&e, SID, true, PASID, false, false, true,
                              &ctx, &pe, NULL), ==, VTM_FR_SM_CTX_DTE);
    e.ctx.dte = true;
    env_write(&e, PASID);
    g_assert_cmphex(env_fetch(&e, SID, true, PASID, false, false, true,
                              &ctx, &pe, NULL), ==, VTM_FR_NONE);

    /* SCT.6: a request with PASID and PASIDE clear */
    e.ctx.paside = false;
    env_write(&e, PASID);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_CTX_PASIDE);

    /* SCT.7: PDTS 0 covers 2^7 entries of 64 PASIDs: 0 - 8191 */
    e.ctx.paside = true;
    e.ctx.pdts = 0;
    env_write(&e, 8191);
    g_assert_cmphex(fetch_pasid(&e, 8191), ==, VTM_FR_NONE);
    g_assert_cmphex(fetch_pasid(&e, 8192), ==, VTM_FR_SM_CTX_PASID_MAX);
    g_assert_cmphex(fetch_pasid(&e, VTM_PASID_MAX + 1), ==,
                    VTM_FR_SM_CTX_PASID_MAX);
    /* ... and so does a PASID wider than ECAP.PSS allows */
    e.ctx.pdts = 7;
    e.lim.pss = 9;
    env_write(&e, 1023);
    g_assert_cmphex(fetch_pasid(&e, 1023), ==, VTM_FR_NONE);
    g_assert_cmphex(fetch_pasid(&e, 1024), ==, VTM_FR_SM_CTX_PASID_MAX);

    /* SCT.9: RID_PASID beyond the directory */
    e.ctx.pdts = 0;
    e.ctx.rid_pasid = 8192;
    env_write(&e, PASID);
    g_assert_cmphex(env_fetch(&e, SID, false, 0, false, false, false,
                              &ctx, &pe, NULL), ==, VTM_FR_SM_CTX_RID_PASID);
    env_destroy(&e);
}

/* PASID directory entry faults: SPD.1, 2, 3. */
static void test_dir_faults(void)
{
    uint64_t de = PASID_DIR + (PASID >> 6) * 8;
    Env e;

    env_init(&e);
    env_write(&e, PASID);
    xor64(&e, de, R_PASID_DIR_P_MASK);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PDE_NOT_PRESENT);
    xor64(&e, de, R_PASID_DIR_P_MASK | BIT(2));
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PDE_RSVD);
    xor64(&e, de, BIT(2) | BIT(11));
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PDE_RSVD);
    xor64(&e, de, BIT(11) | BIT_ULL(HAW));
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PDE_RSVD);
    xor64(&e, de, BIT_ULL(HAW));
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_NONE);
    vtmt_fake_fail(&e.fake, de, 8);
    g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PDE_ACCESS);
    env_destroy(&e);
}

/* PASID table entry faults: SPT.1 - SPT.3, every reserved range. */
static void test_pte_rsvd(void)
{
    static const struct {
        unsigned pgtt, q;
        uint64_t bit;
    } rsvd[] = {
        { VTM_PGTT_FS, 0, BIT(10) }, { VTM_PGTT_FS, 0, BIT(11) },
        { VTM_PGTT_FS, 1, BIT(16) }, { VTM_PGTT_FS, 1, BIT(22) },
        { VTM_PGTT_FS, 2, BIT(8) }, { VTM_PGTT_FS, 2, BIT(11) },
        { VTM_PGTT_FS, 2, BIT_ULL(HAW) },       /* FSPTPTR above HAW */
        { VTM_PGTT_SS, 0, BIT_ULL(HAW) },       /* SSPTPTR above HAW */
        { VTM_PGTT_NESTED, 0, BIT_ULL(51) },
        { VTM_PGTT_NESTED, 2, BIT_ULL(50) },
        { VTM_PGTT_FS, 0, R_PASID_Q0_SSADE_MASK },  /* no ECAP.SLADS */
        { VTM_PGTT_FS, 1, R_PASID_Q1_PGSNP_MASK },  /* no ECAP.SC */
        { VTM_PGTT_FS, 2, R_PASID_Q2_ERE_MASK },    /* no ECAP.ERS */
        { VTM_PGTT_FS, 3, 1 }, { VTM_PGTT_FS, 4, BIT_ULL(32) },
        { VTM_PGTT_FS, 7, BIT_ULL(63) },
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(rsvd); i++) {
        Env e;

        env_init(&e);
        e.pe.pgtt = rsvd[i].pgtt;
        env_write(&e, PASID);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_NONE);
        xor64(&e, pe_addr(&e, PASID) + rsvd[i].q * 8, rsvd[i].bit);
        g_test_message("PGTT %u qword %u bit 0x%" PRIx64, rsvd[i].pgtt,
                       rsvd[i].q, rsvd[i].bit);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PTE_RSVD);
        env_destroy(&e);
    }
    /* SRE is reserved without ECAP.SRS (9.6) */
    {
        Env e;

        env_init(&e);
        e.lim.srs = false;
        env_write(&e, PASID);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_NONE);
        xor64(&e, pe_addr(&e, PASID) + 16, R_PASID_Q2_SRE_MASK);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PTE_RSVD);
        e.lim.srs = true;
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_NONE);
        env_destroy(&e);
    }
    /* A table pointer the PGTT does not use is not checked (9.6). */
    {
        Env e;

        env_init(&e);
        e.pe.pgtt = VTM_PGTT_PT;
        e.pe.ssptptr = e.pe.fsptptr = BIT_ULL(51);
        env_write(&e, PASID);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_NONE);
        /* not present, SPT.2; the table read fails, SPT.1 */
        xor64(&e, pe_addr(&e, PASID), R_PASID_Q0_P_MASK);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==,
                        VTM_FR_SM_PTE_NOT_PRESENT);
        vtmt_fake_fail(&e.fake, pe_addr(&e, PASID) + 56, 8);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, VTM_FR_SM_PTE_ACCESS);
        env_destroy(&e);
    }
}

/* SPT.4: PGTT, AW and FSPM against the capabilities. */
static void test_pte_invalid(void)
{
    static const struct {
        const char *what;
        unsigned pgtt, aw, fspm;
        bool no_fs, no_ss, no_nest, no_pt, no_5l;
        VTMFaultReason fr;
    } cases[] = {
        { "PGTT 0", 0, 2, 0 },
        { "PGTT 5", 5, 2, 0 },
        { "PGTT 6", 6, 2, 0 },
        { "PGTT 7", 7, 2, 0 },
        { "FS without FLTS", VTM_PGTT_FS, 2, 0, .no_fs = true },
        { "SS without SLTS", VTM_PGTT_SS, 2, 0, .no_ss = true },
        { "nested without NEST", VTM_PGTT_NESTED, 2, 0, .no_nest = true },
        { "nested without FLTS", VTM_PGTT_NESTED, 2, 0, .no_fs = true },
        { "PT without ECAP.PT", VTM_PGTT_PT, 2, 0, .no_pt = true },
        { "SS AW 0", VTM_PGTT_SS, 0, 0 },
        { "SS AW 57 not in SAGAW", VTM_PGTT_SS, 3, 0 },
        { "SS AW 4", VTM_PGTT_SS, 4, 0 },
        { "nested AW 0", VTM_PGTT_NESTED, 0, 0 },
        { "FS 5-level without FL5LP", VTM_PGTT_FS, 2, 1, .no_5l = true },
        { "FSPM 2", VTM_PGTT_FS, 2, 2 },
        { "FSPM 3", VTM_PGTT_NESTED, 2, 3 },
        /* and what is valid */
        { "FS AW ignored", VTM_PGTT_FS, 0, 0, .fr = VTM_FR_NONE + 1 },
        { "PT AW ignored", VTM_PGTT_PT, 7, 3, .fr = VTM_FR_NONE + 1 },
        { "SS FSPM ignored", VTM_PGTT_SS, 1, 3, .fr = VTM_FR_NONE + 1 },
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        VTMFaultReason want = cases[i].fr ? VTM_FR_NONE
                                          : VTM_FR_SM_PTE_INVALID;
        Env e;

        env_init(&e);
        e.pe.pgtt = cases[i].pgtt;
        e.pe.aw = cases[i].aw;
        e.pe.fspm = cases[i].fspm;
        e.lim.fs_supported = !cases[i].no_fs;
        e.lim.ss_supported = !cases[i].no_ss;
        e.lim.nest_supported = !cases[i].no_nest;
        e.lim.pt_supported = !cases[i].no_pt;
        e.lim.fl5lp = !cases[i].no_5l;
        env_write(&e, PASID);
        g_test_message("%s", cases[i].what);
        g_assert_cmphex(fetch_pasid(&e, PASID), ==, want);
        env_destroy(&e);
    }
}

/* SPT.5 and SPT.6: execute and supervisor requests need ERE and SRE. */
static void test_pte_request(void)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    unsigned pgtt;

    for (pgtt = VTM_PGTT_FS; pgtt <= VTM_PGTT_PT; pgtt++) {
        bool checked = pgtt == VTM_PGTT_FS || pgtt == VTM_PGTT_NESTED;
        Env e;

        env_init(&e);
        e.lim.ers = true;
        e.pe.pgtt = pgtt;
        env_write(&e, PASID);
        g_assert_cmphex(env_fetch(&e, SID, true, PASID, true, false, false,
                                  &ctx, &pe, NULL), ==,
                        checked ? VTM_FR_SM_PTE_SRE : VTM_FR_NONE);
        g_assert_cmphex(env_fetch(&e, SID, true, PASID, false, true, false,
                                  &ctx, &pe, NULL), ==,
                        checked ? VTM_FR_SM_PTE_ERE : VTM_FR_NONE);
        e.pe.sre = e.pe.ere = true;
        env_write(&e, PASID);
        g_assert_cmphex(env_fetch(&e, SID, true, PASID, true, true, false,
                                  &ctx, &pe, NULL), ==, VTM_FR_NONE);
        env_destroy(&e);
    }
}

/* FPD in the context, directory or PASID entry covers later faults. */
static void test_fpd(void)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    Env e;

    env_init(&e);
    env_write(&e, PASID);
    xor64(&e, pe_addr(&e, PASID), R_PASID_Q0_P_MASK);
    g_assert_cmphex(env_fetch(&e, SID, true, PASID, false, false, false,
                              &ctx, &pe, NULL), ==,
                    VTM_FR_SM_PTE_NOT_PRESENT);
    g_assert_false(ctx.fpd || pe.fpd);

    /* the directory entry's FPD */
    xor64(&e, PASID_DIR + (PASID >> 6) * 8, R_PASID_DIR_FPD_MASK);
    env_fetch(&e, SID, true, PASID, false, false, false, &ctx, &pe, NULL);
    g_assert_true(pe.fpd);
    xor64(&e, PASID_DIR + (PASID >> 6) * 8, R_PASID_DIR_FPD_MASK);

    /* the PASID entry's own FPD, for a fault after it was read */
    e.pe.fpd = true;
    e.pe.pgtt = 0;
    env_write(&e, PASID);
    g_assert_cmphex(env_fetch(&e, SID, true, PASID, false, false, false,
                              &ctx, &pe, NULL), ==, VTM_FR_SM_PTE_INVALID);
    g_assert_true(pe.fpd);

    /* the context entry's */
    e.ctx.fpd = true;
    e.ctx.paside = false;
    env_write(&e, PASID);
    g_assert_cmphex(env_fetch(&e, SID, true, PASID, false, false, false,
                              &ctx, &pe, NULL), ==, VTM_FR_SM_CTX_PASIDE);
    g_assert_true(ctx.fpd);
    env_destroy(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/sm-ctx/decode", test_decode);
    g_test_add_func("/vtm/sm-ctx/rid-pasid", test_rid_pasid);
    g_test_add_func("/vtm/sm-ctx/root-ctx-faults", test_root_ctx_faults);
    g_test_add_func("/vtm/sm-ctx/request-faults", test_request_faults);
    g_test_add_func("/vtm/sm-ctx/dir-faults", test_dir_faults);
    g_test_add_func("/vtm/sm-ctx/pte-rsvd", test_pte_rsvd);
    g_test_add_func("/vtm/sm-ctx/pte-invalid", test_pte_invalid);
    g_test_add_func("/vtm/sm-ctx/pte-request", test_pte_request);
    g_test_add_func("/vtm/sm-ctx/fpd", test_fpd);
    return g_test_run();
}
