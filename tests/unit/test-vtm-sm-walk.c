/*
 * Unit tests of vtm's first-stage walker (9.7, 3.6.2) over a fake guest
 * memory: the sweep covers 4- and 5-level tables x 4K/2M/1G leaves x
 * read/write/execute x user/supervisor x WPE/NXE/SMEP x every fault
 * case at every level (not present, reserved bits, access error, U/S,
 * R/W, XD), checking the A/D bits in memory after each walk; and the
 * canonical-address checks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-pt.h"
#include "vtm-enc-sm.h"

#define HAW         48
#define TOP         0x100000ULL

typedef enum Case {
    CASE_OK,
    CASE_NOT_PRESENT,
    CASE_RSVD_ADDR,             /* an address bit at or above HAW */
    CASE_RSVD_PS,               /* PS where no leaf may be */
    CASE_RSVD_LARGE,            /* address bit inside a large page */
    CASE_ACCESS,                /* the entry's read fails */
    CASE_NO_US,
    CASE_NO_RW,
    CASE_XD,
    CASE__MAX,
} Case;

static const char *const kind_names[CASE__MAX] = {
    "ok", "not-present", "rsvd-addr", "rsvd-ps", "rsvd-large", "access",
    "no-us", "no-rw", "xd",
};

typedef struct Access {
    bool write, exec, priv;
    bool wpe, nxe, smep;
} Access;

typedef struct Sweep {
    unsigned levels, leaf;
    uint64_t iova;
    bool fl1gp;
    unsigned walks, faults, ad_checked;
} Sweep;

static VTMMemOps fake_ops(VtmtFake *f)
{
    return (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .cmpxchg64 = vtmt_fake_cmpxchg64, .opaque = f,
    };
}

/* The output page of the sweep's mapping: aligned to any page size. */
static uint64_t sweep_pa(void)
{
    return 0x0000004c80000000ULL;
}

/*
 * The expected result, written from 3.6.2 independently of the walker:
 * structural faults first, then U/S for a user request, execute, write.
 */
static VTMFaultReason expect(Case c, const Access *a)
{
    bool u = c != CASE_NO_US, w = c != CASE_NO_RW;
    bool x = !(c == CASE_XD && a->nxe);

    switch (c) {
    case CASE_NOT_PRESENT:
        return VTM_FR_SM_FS_NOT_PRESENT;
    case CASE_RSVD_ADDR:
    case CASE_RSVD_PS:
    case CASE_RSVD_LARGE:
        return VTM_FR_SM_FS_RSVD;
    case CASE_ACCESS:
        return VTM_FR_SM_FS_ACCESS;
    default:
        break;
    }
    if (!a->priv && !u) {
        return VTM_FR_SM_US;
    }
    if (a->exec && (!x || (a->priv && a->smep && u))) {
        return VTM_FR_SM_EXEC;
    }
    if (a->write && !w && !(a->priv && !a->wpe)) {
        return VTM_FR_SM_WRITE;
    }
    return VTM_FR_NONE;
}

/* Whether case c applies to the entry at level (leaf: the leaf's). */
static bool case_applies(Case c, unsigned level, const Sweep *sw)
{
    switch (c) {
    case CASE_RSVD_PS:
        /* PS set in a non-leaf entry where no large page exists */
        return level > sw->leaf && (level >= 4 || (level == 3 &&
                                                   !sw->fl1gp));
    case CASE_RSVD_LARGE:
        return level == sw->leaf && level > 1;
    case CASE_OK:
        return level == sw->leaf;
    default:
        return true;
    }
}

static void apply_case(VtmtFake *f, uint64_t addr, Case c)
{
    uint64_t e = vtmt_r64(&f->mem, addr);

    switch (c) {
    case CASE_NOT_PRESENT:
        e &= ~VTMT_FS_P;
        break;
    case CASE_RSVD_ADDR:
        e |= BIT_ULL(HAW);
        break;
    case CASE_RSVD_PS:
        e |= R_FSPTE_PS_MASK;
        break;
    case CASE_RSVD_LARGE:
        e |= BIT_ULL(VTM_PAGE_SHIFT + 1);   /* bit 12 is PAT, 13 not */
        break;
    case CASE_ACCESS:
        vtmt_fake_fail(f, addr, 8);
        break;
    case CASE_NO_US:
        e &= ~VTMT_FS_US;
        break;
    case CASE_NO_RW:
        e &= ~VTMT_FS_RW;
        break;
    case CASE_XD:
        e |= VTMT_FS_XD;
        break;
    default:
        break;
    }
    vtmt_w64(&f->mem, addr, e);
}

/* Tables for one mapping, entries without A/D; the path's addresses. */
static void build(VtmtFake *f, const Sweep *sw, uint64_t path[6])
{
    VtmtPt pt = { .mem = &f->mem, .top = TOP, .levels = sw->levels };
    uint64_t flags = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US;
    unsigned l;

    vtmt_fake_init(f, TOP + VTM_PAGE_SIZE);
    vtmt_fill(&f->mem, TOP, 0, VTM_PAGE_SIZE);
    g_assert(vtmt_fs_map(&pt, sw->iova, sweep_pa(), sw->leaf, flags,
                         flags));
    for (l = sw->leaf; l <= sw->levels; l++) {
        path[l] = vtmt_fs_entry(&pt, sw->iova, l);
        g_assert(path[l]);
    }
}

static void check_ad(VtmtFake *f, const Sweep *sw, const uint64_t *path,
                     const Access *a, bool ok)
{
    unsigned l;

    for (l = sw->leaf; l <= sw->levels; l++) {
        uint64_t e = vtmt_r64(&f->mem, path[l]);
        bool dirty = ok && a->write && l == sw->leaf;

        /* a fault leaves the entries as they were */
        g_assert_cmpuint(FIELD_EX64(e, FSPTE, A), ==, ok);
        g_assert_cmpuint(FIELD_EX64(e, FSPTE, D), ==, dirty);
    }
}

static void run_one(Sweep *sw, Case c, unsigned level, const Access *a)
{
    VTMWalk w = {
        .root = TOP, .levels = sw->levels, .did = 1, .iova = sw->iova,
        .is_write = a->write, .priv = a->priv, .exec = a->exec,
        .wpe = a->wpe, .nxe = a->nxe, .smep = a->smep,
    };
    VTMFaultReason want = expect(c, a), fr;
    VTMPtFormat fmt;
    VTMWalkOut out;
    VTMWalkLog log;
    uint64_t path[6];
    VTMMemOps ops;
    VtmtFake f;

    build(&f, sw, path);
    ops = fake_ops(&f);
    apply_case(&f, path[level], c);
    vtm_pt_format_init_fs(&fmt, HAW, sw->fl1gp);
    fr = vtm_pt_walk(&fmt, &ops, NULL, &w, &out, &log);
    if (fr != want) {
        g_test_message("%u levels, leaf %u, %s at level %u, %s%s%s, "
                       "wpe %d nxe %d smep %d", sw->levels, sw->leaf,
                       kind_names[c], level, a->priv ? "supervisor " : "",
                       a->write ? "write" : "read", a->exec ? "+exec" : "",
                       a->wpe, a->nxe, a->smep);
    }
    g_assert_cmphex(fr, ==, want);
    sw->walks++;
    if (fr == VTM_FR_NONE) {
        unsigned shift = vtm_level_shift(sw->leaf);
        bool wr = (c != CASE_NO_RW) || (a->priv && !a->wpe);

        g_assert_cmpuint(out.page_shift, ==, shift);
        g_assert_cmphex(out.addr, ==, sweep_pa() & ~MAKE_64BIT_MASK(0,
                                                                  shift));
        g_assert_cmpuint(log.leaf_level, ==, sw->leaf);
        g_assert_cmpuint(log.nsteps, ==, sw->levels - sw->leaf + 1);
        /* W is reported only with D set: after a write walk */
        g_assert_cmpuint(out.perm, ==,
                         VTM_PERM_R | (wr && a->write ? VTM_PERM_W : 0));
        g_assert_cmpuint(out.dirty, ==, a->write);
        /* one locked update per entry, the leaf's with D for a write */
        g_assert_cmpuint(log.ad_writes, ==, sw->levels - sw->leaf + 1);
    } else {
        sw->faults++;
        g_assert_cmpuint(log.leaf_level, ==, 0);
        g_assert_cmpuint(log.ad_writes, ==, 0);
    }
    if (c != CASE_ACCESS) {
        check_ad(&f, sw, path, a, fr == VTM_FR_NONE);
        sw->ad_checked++;
    }
    vtmt_fake_destroy(&f);
}

static void sweep(gconstpointer data)
{
    const unsigned *p = data;
    Sweep sw = { .levels = p[0], .leaf = p[1], .fl1gp = true };
    static const uint64_t iovas[] = {
        0x00007f8012345000ULL,          /* low half */
        0xffff9a5fc0000000ULL,          /* high half, 4 levels */
        0x00ab7f8012345000ULL,          /* low half, 5 levels only */
        0xff8a5a5fc0200000ULL,          /* high half, 5 levels only */
    };
    unsigned i, m;

    for (i = 0; i < ARRAY_SIZE(iovas); i++) {
        if (!vtm_pt_fs_canonical(iovas[i], sw.levels)) {
            continue;
        }
        sw.iova = iovas[i] & ~MAKE_64BIT_MASK(0, vtm_level_shift(sw.leaf));
        for (m = 0; m < 64; m++) {
            Access a = {
                .write = m & 1, .exec = m & 2, .priv = m & 4,
                .wpe = m & 8, .nxe = m & 16, .smep = m & 32,
            };
            Case c;
            unsigned level;

            if (a.write && a.exec) {
                continue;       /* a request is one or the other */
            }
            for (c = 0; c < CASE__MAX; c++) {
                for (level = sw.leaf; level <= sw.levels; level++) {
                    if (case_applies(c, level, &sw)) {
                        run_one(&sw, c, level, &a);
                    }
                }
            }
        }
    }
    g_test_message("%u walks, %u faults, A/D checked after %u", sw.walks,
                   sw.faults, sw.ad_checked);
    g_assert_cmpuint(sw.walks, >, 0);
}

/* Without CAP.FL1GP a PDPE with PS is reserved (9.7). */
static void test_no_fl1gp(void)
{
    Sweep sw = { .levels = 4, .leaf = 3, .iova = 0x40000000ULL };
    Access a = { 0 };
    VTMWalk w = { .root = TOP, .levels = 4, .iova = sw.iova };
    VTMPtFormat fmt;
    VTMWalkOut out;
    VTMWalkLog log;
    uint64_t path[6];
    VTMMemOps ops;
    VtmtFake f;

    build(&f, &sw, path);
    ops = fake_ops(&f);
    vtm_pt_format_init_fs(&fmt, HAW, false);
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, NULL, &w, &out, &log), ==,
                    VTM_FR_SM_FS_RSVD);
    vtm_pt_format_init_fs(&fmt, HAW, true);
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, NULL, &w, &out, &log), ==,
                    VTM_FR_NONE);
    g_assert_cmpuint(out.page_shift, ==, 30);
    (void)a;
    vtmt_fake_destroy(&f);
}

/* 3.6.1: bits 63:47 (4 levels) or 63:56 (5 levels) all equal. */
static void test_canonical(void)
{
    static const struct {
        uint64_t addr;
        bool c4, c5;
    } cases[] = {
        { 0, true, true },
        { 0x00007fffffffffffULL, true, true },
        { 0x0000800000000000ULL, false, true },
        { 0xffff800000000000ULL, true, true },
        { 0xffff7fffffffffffULL, false, true },
        { 0x00ffffffffffffffULL, false, true },
        { 0x0100000000000000ULL, false, false },
        { 0xff00000000000000ULL, false, true },
        { 0xfeffffffffffffffULL, false, false },
        { 0x8000000000000000ULL, false, false },
        { 0xffffffffffffffffULL, true, true },
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_assert_cmpint(vtm_pt_fs_canonical(cases[i].addr, 4), ==,
                        cases[i].c4);
        g_assert_cmpint(vtm_pt_fs_canonical(cases[i].addr, 5), ==,
                        cases[i].c5);
    }
}

/*
 * A lost race with software: the entry changes between the read and the
 * locked update; the walk starts again and never loses the other
 * agent's bit.  A compare-and-exchange that fails (bus error) is SFS.1.
 */
static void test_ad_race(void)
{
    Sweep sw = { .levels = 4, .leaf = 1, .iova = 0x12345000ULL };
    VTMWalk w = {
        .root = TOP, .levels = 4, .iova = sw.iova, .is_write = true,
    };
    VTMPtFormat fmt;
    VTMWalkOut out;
    VTMWalkLog log;
    uint64_t path[6];
    VTMMemOps ops;
    VtmtFake f;

    build(&f, &sw, path);
    ops = fake_ops(&f);
    vtm_pt_format_init_fs(&fmt, HAW, true);
    f.races = 2;
    f.race_addr = path[1];
    f.race_bits = BIT_ULL(9);           /* an ignored, software bit */
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, NULL, &w, &out, &log), ==,
                    VTM_FR_NONE);
    g_assert_cmpuint(log.restarts, ==, 2);
    g_assert_cmphex(vtmt_r64(&f.mem, path[1]) & (BIT_ULL(9) | VTMT_FS_A |
                                                 VTMT_FS_D), ==,
                    VTMT_FS_A | VTMT_FS_D);     /* flipped twice: clear */
    /* A set everywhere now: a read walk makes no update */
    w.is_write = false;
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, NULL, &w, &out, &log), ==,
                    VTM_FR_NONE);
    g_assert_cmpuint(log.ad_writes, ==, 0);
    g_assert_cmpuint(out.dirty, ==, true);
    g_assert_cmpuint(out.perm, ==, VTM_PERM_RW);
    /* a race that never ends gives up with SFS.1 */
    vtmt_w64(&f.mem, path[1], vtmt_r64(&f.mem, path[1]) & ~VTMT_FS_D);
    w.is_write = true;
    f.races = 1000;
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, NULL, &w, &out, &log), ==,
                    VTM_FR_SM_FS_ACCESS);
    vtmt_fake_destroy(&f);
}

/* The paging-structure caches of the first stage are tagged by PASID. */
static void test_psc_tag(void)
{
    static const VTMCacheParams p = {
        .entries = 16, .ways = 4, .enable = true, .latency = 1,
    };
    Sweep sw = { .levels = 4, .leaf = 1, .iova = 0x12345000ULL };
    VTMWalk w = {
        .root = TOP, .levels = 4, .did = 3, .iova = sw.iova,
        .psc_tag = 8,
    };
    VTMPscSet psc = { { 0 } };
    VTMPtFormat fmt;
    VTMWalkOut out;
    VTMWalkLog log;
    uint64_t path[6];
    VTMMemOps ops;
    VtmtFake f;
    unsigned l;

    build(&f, &sw, path);
    ops = fake_ops(&f);
    vtm_pt_format_init_fs(&fmt, HAW, true);
    for (l = 2; l <= 4; l++) {
        psc.level[l] = vtm_cache_new("fs-psc", &p, sizeof(VTMPscEntry));
    }
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, &psc, &w, &out, &log), ==, 0);
    g_assert_cmpuint(log.nsteps, ==, 4);
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, &psc, &w, &out, &log), ==, 0);
    g_assert_cmpuint(log.psc_hit_level, ==, 2);
    g_assert_cmpuint(log.nsteps, ==, 1);
    /* another PASID of the same domain misses */
    w.psc_tag = 9;
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, &psc, &w, &out, &log), ==, 0);
    g_assert_cmpuint(log.psc_hit_level, ==, 0);
    /* the rights cached with the entry still apply: U/S cleared in the
     * PML4E after caching is not seen, as on hardware, until invalidated */
    vtmt_w64(&f.mem, path[4], vtmt_r64(&f.mem, path[4]) & ~VTMT_FS_US);
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, &psc, &w, &out, &log), ==, 0);
    for (l = 2; l <= 4; l++) {
        vtm_cache_flush(psc.level[l]);
    }
    g_assert_cmphex(vtm_pt_walk(&fmt, &ops, &psc, &w, &out, &log), ==,
                    VTM_FR_SM_US);
    for (l = 2; l <= 4; l++) {
        vtm_cache_free(psc.level[l]);
    }
    vtmt_fake_destroy(&f);
}

int main(int argc, char **argv)
{
    static const char *const sizes[] = { "4k", "2m", "1g" };
    static unsigned params[2][3][2];
    unsigned li, leaf;

    g_test_init(&argc, &argv, NULL);
    for (li = 0; li < 2; li++) {
        for (leaf = 1; leaf <= 3; leaf++) {
            g_autofree char *path = g_strdup_printf(
                "/vtm/sm-walk/sweep/%u-level/%s", 4 + li, sizes[leaf - 1]);

            params[li][leaf - 1][0] = 4 + li;
            params[li][leaf - 1][1] = leaf;
            g_test_add_data_func(path, params[li][leaf - 1], sweep);
        }
    }
    g_test_add_func("/vtm/sm-walk/no-fl1gp", test_no_fl1gp);
    g_test_add_func("/vtm/sm-walk/canonical", test_canonical);
    g_test_add_func("/vtm/sm-walk/ad-race", test_ad_race);
    g_test_add_func("/vtm/sm-walk/psc-tag", test_psc_tag);
    return g_test_run();
}
