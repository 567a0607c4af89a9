/*
 * Unit tests of vtm's range enumeration (vtm_pt_enumerate) and of the
 * mapping tracker behind MAP/UNMAP notifiers (vtm-track.c), over a fake
 * guest memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-track.h"
#include "vtm-testlib.h"

/* ------------------------------------------------------------------ */
/* The test library's fake memory; the walker reads but never writes.  */

#define TABLE_BASE      0x10000000ULL
#define T_HAW           46

typedef struct Env {
    VtmtFake fm;
    VTMMemOps ops;
    VTMPtFormat fmt;
    VtmtPt pt;
    unsigned levels;
    uint64_t root;
} Env;

static void env_init(Env *e, unsigned levels)
{
    memset(e, 0, sizeof(*e));
    vtmt_fake_init(&e->fm, TABLE_BASE);
    /* the walker never crosses a page: one table slice per read */
    e->fm.reads_within_page = true;
    e->ops = (VTMMemOps) { .read = vtmt_fake_read, .write = vtmt_fake_write,
                           .opaque = &e->fm };
    vtm_pt_format_init(&e->fmt, T_HAW, VTM_SLLPS_2M | VTM_SLLPS_1G);
    vtm_pt_format_set_snoop(&e->fmt, false);
    e->levels = levels;
    e->root = vtmt_alloc(&e->fm.mem);
    e->pt = (VtmtPt) { .mem = &e->fm.mem, .top = e->root, .levels = levels };
}

static void env_free(Env *e)
{
    g_assert_cmpuint(e->fm.writes, ==, 0);
    vtmt_fake_destroy(&e->fm);
}

static uint64_t r64(Env *e, uint64_t addr)
{
    return vtmt_r64(&e->fm.mem, addr);
}

static void w64(Env *e, uint64_t addr, uint64_t val)
{
    vtmt_w64(&e->fm.mem, addr, val);
}

static uint64_t pte(uint64_t addr, uint8_t perm, bool ps)
{
    return vtmt_slpte(addr, vtmt_perm(perm & VTM_PERM_R, perm & VTM_PERM_W),
                      ps);
}

/* The address of iova's entry at level, tables above made on the way. */
static uint64_t entry_at(Env *e, uint64_t iova, unsigned level)
{
    return vtmt_pt_entry(&e->pt, iova, level, true);
}

static void map(Env *e, uint64_t iova, uint64_t pa, unsigned shift,
                uint8_t perm)
{
    g_assert_cmphex(vtmt_pt_map(&e->pt, iova, pa, vtmt_shift_level(shift),
                                pte(0, perm, false)), !=, 0);
}

static void unmap(Env *e, uint64_t iova, unsigned shift)
{
    vtmt_pt_unmap(&e->pt, iova, vtmt_shift_level(shift));
}

/* ------------------------------------------------------------------ */
/* Enumeration                                                          */

typedef struct Found {
    GArray *m;
    unsigned stop_after;        /* 0: never stop */
} Found;

static bool found_add(const VTMMapping *m, void *opaque)
{
    Found *f = opaque;

    g_array_append_val(f->m, *m);
    return !f->stop_after || f->m->len < f->stop_after;
}

static VTMPtRangeResult enumerate(Env *e, uint64_t first, uint64_t last,
                                  uint64_t max_tables, uint64_t max_leaves,
                                  Found *f)
{
    VTMPtRange r = {
        .root = e->root, .levels = e->levels, .first = first, .last = last,
        .max_tables = max_tables, .max_leaves = max_leaves,
    };
    VTMPtRangeResult res;

    if (!f->m) {
        f->m = g_array_new(FALSE, FALSE, sizeof(VTMMapping));
    }
    g_array_set_size(f->m, 0);
    vtm_pt_enumerate(&e->fmt, &e->ops, &r, found_add, f, &res);
    return res;
}

static void assert_mapping(const VTMMapping *m, uint64_t iova, uint64_t addr,
                           unsigned shift, uint8_t perm)
{
    g_assert_cmphex(m->iova, ==, iova);
    g_assert_cmphex(m->addr, ==, addr);
    g_assert_cmpuint(m->shift, ==, shift);
    g_assert_cmpuint(m->perm, ==, perm);
}

#define M(f, i)     (&g_array_index((f)->m, VTMMapping, (i)))
#define ALL         UINT64_MAX

static void test_enum_basic(void)
{
    Env e;
    Found f = { 0 };
    VTMPtRangeResult res;

    env_init(&e, 4);
    map(&e, 0x1000, 0x7000000, 12, VTM_PERM_RW);
    map(&e, 0x5000, 0x7001000, 12, VTM_PERM_R);
    map(&e, 0x200000, 0x7200000, 21, VTM_PERM_W);
    map(&e, 0x40000000, 0x80000000, 30, VTM_PERM_RW);
    map(&e, 0x7fff00000000ULL, 0x9000, 12, VTM_PERM_RW);  /* near 2^47 */

    e.fm.reads = 0;
    res = enumerate(&e, 0, ALL, ALL, ALL, &f);
    g_assert_true(res.complete);
    g_assert_cmpuint(f.m->len, ==, 5);
    assert_mapping(M(&f, 0), 0x1000, 0x7000000, 12, VTM_PERM_RW);
    assert_mapping(M(&f, 1), 0x5000, 0x7001000, 12, VTM_PERM_R);
    assert_mapping(M(&f, 2), 0x200000, 0x7200000, 21, VTM_PERM_W);
    assert_mapping(M(&f, 3), 0x40000000, 0x80000000, 30, VTM_PERM_RW);
    assert_mapping(M(&f, 4), 0x7fff00000000ULL, 0x9000, 12, VTM_PERM_RW);
    g_assert_cmpuint(res.leaves, ==, 5);
    /* root, L3 x2, L2 x2, L1 x2: one read per table */
    g_assert_cmpuint(res.tables, ==, 7);
    g_assert_cmpuint(e.fm.reads, ==, 7);

    /* a leaf overlapping the range is reported whole */
    res = enumerate(&e, 0x201000, 0x201fff, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 1);
    assert_mapping(M(&f, 0), 0x200000, 0x7200000, 21, VTM_PERM_W);
    res = enumerate(&e, 0x2000, 0x4fff, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 0);
    g_assert_true(res.complete);
    res = enumerate(&e, 0x5fff, 0x40000000, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 3);
    g_assert_cmphex(M(&f, 0)->iova, ==, 0x5000);
    g_assert_cmphex(M(&f, 2)->iova, ==, 0x40000000);
    /* a range of one table reads only that path */
    e.fm.reads = 0;
    res = enumerate(&e, 0x5000, 0x5fff, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 1);
    g_assert_cmpuint(e.fm.reads, ==, 4);
    env_free(&e);
}

/* Whatever a translation would fault on is no mapping. */
static void test_enum_faults(void)
{
    Env e;
    Found f = { 0 };
    uint64_t a;

    env_init(&e, 4);
    map(&e, 0x1000, 0x7000000, 12, VTM_PERM_RW);
    /* reserved: an address bit above HAW in a leaf */
    map(&e, 0x2000, 0x7001000, 12, VTM_PERM_RW);
    a = entry_at(&e, 0x2000, 1);
    w64(&e, a, r64(&e, a) | BIT_ULL(T_HAW));
    /* reserved: SNP without snoop control */
    map(&e, 0x3000, 0x7002000, 12, VTM_PERM_RW);
    a = entry_at(&e, 0x3000, 1);
    w64(&e, a, r64(&e, a) | R_SLPTE_SNP_MASK);
    /* reserved: 2M leaf with address bit 12 set */
    map(&e, 0x400000, 0x7400000, 21, VTM_PERM_RW);
    a = entry_at(&e, 0x400000, 2);
    w64(&e, a, r64(&e, a) | BIT_ULL(12));
    /* no access left: R above, W below */
    map(&e, 0x8000000000ULL, 0x7800000, 12, VTM_PERM_W);
    a = entry_at(&e, 0x8000000000ULL, 4);
    w64(&e, a, (r64(&e, a) & ~R_SLPTE_W_MASK));
    /* a table that cannot be read */
    map(&e, 0x10000000000ULL, 0x7900000, 12, VTM_PERM_RW);
    vtmt_fake_fail(&e.fm, entry_at(&e, 0x10000000000ULL, 1) &
                   ~(VTM_PAGE_SIZE - 1), VTM_PAGE_SIZE);
    /* PS at level 4 is reserved (no 512G pages) */
    a = e.root + vtmt_pt_index(0x18000000000ULL, 4) * 8;
    w64(&e, a, pte(0, VTM_PERM_RW, true));

    enumerate(&e, 0, ALL, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 1);
    assert_mapping(M(&f, 0), 0x1000, 0x7000000, 12, VTM_PERM_RW);

    /* with snoop control SNP is allowed, and changes nothing else */
    vtm_pt_format_set_snoop(&e.fmt, true);
    enumerate(&e, 0, ALL, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 2);
    assert_mapping(M(&f, 1), 0x3000, 0x7002000, 12, VTM_PERM_RW);
    env_free(&e);
}

/* Permissions are ANDed down the path, as in a translation. */
static void test_enum_perm_and(void)
{
    Env e;
    Found f = { 0 };
    uint64_t a;

    env_init(&e, 3);
    map(&e, 0x1000, 0x7000000, 12, VTM_PERM_RW);
    map(&e, 0x2000, 0x7001000, 12, VTM_PERM_W);
    a = entry_at(&e, 0x1000, 2);
    w64(&e, a, r64(&e, a) & ~R_SLPTE_W_MASK);
    enumerate(&e, 0, ALL, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 1);
    assert_mapping(M(&f, 0), 0x1000, 0x7000000, 12, VTM_PERM_R);
    env_free(&e);
}

/* The top of each table width, and nothing above it. */
static void test_enum_widths(void)
{
    static const unsigned levels[] = { 3, 4, 5 };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(levels); i++) {
        unsigned aw = VTM_PAGE_SHIFT + VTM_LEVEL_STRIDE * levels[i];
        uint64_t top = MAKE_64BIT_MASK(0, aw) & ~(VTM_PAGE_SIZE - 1);
        Found f = { 0 };
        VTMPtRangeResult res;
        Env e;

        env_init(&e, levels[i]);
        map(&e, 0, 0x5000, 12, VTM_PERM_R);
        map(&e, top, 0x6000, 12, VTM_PERM_RW);
        res = enumerate(&e, 0, ALL, ALL, ALL, &f);
        g_assert_true(res.complete);
        g_assert_cmpuint(f.m->len, ==, 2);
        assert_mapping(M(&f, 1), top, 0x6000, 12, VTM_PERM_RW);
        res = enumerate(&e, top, ALL, ALL, ALL, &f);
        g_assert_cmpuint(f.m->len, ==, 1);
        res = enumerate(&e, BIT_ULL(aw), ALL, ALL, ALL, &f);
        g_assert_cmpuint(f.m->len, ==, 0);
        g_assert_true(res.complete);
        g_assert_cmpuint(res.tables, ==, 0);
        env_free(&e);
        g_array_free(f.m, TRUE);
    }
}

/*
 * A malicious table: every entry of every table points to the next
 * table, and the last level maps all 512 entries, so 2^36 pages are
 * "mapped" with four pages of tables.  The budget bounds the walk.
 */
static void alias_tables(Env *e, bool leaves_present)
{
    g_assert_true(vtmt_pt_alias(&e->pt, leaves_present ?
                                pte(0x9000, VTM_PERM_RW, false) : 0));
}

static void test_enum_budget(void)
{
    Env e;
    Found f = { 0 };
    VTMPtRangeResult res;

    env_init(&e, 4);
    alias_tables(&e, true);
    res = enumerate(&e, 0, ALL, ALL, 1000, &f);
    g_assert_false(res.complete);
    g_assert_cmpuint(f.m->len, ==, 1000);
    g_assert_cmpuint(res.leaves, ==, 1000);
    g_assert_cmphex(res.next, ==, 1000 * VTM_PAGE_SIZE);
    g_assert_cmpuint(res.tables, ==, 5);
    assert_mapping(M(&f, 999), 999 * VTM_PAGE_SIZE, 0x9000, 12,
                   VTM_PERM_RW);
    /* resuming from next goes on where it stopped */
    res = enumerate(&e, res.next, ALL, ALL, 10, &f);
    g_assert_cmphex(M(&f, 0)->iova, ==, 1000 * VTM_PAGE_SIZE);
    env_free(&e);

    /* no leaf at all: the table budget stops the walk */
    env_init(&e, 4);
    alias_tables(&e, false);
    e.fm.reads = 0;
    res = enumerate(&e, 0, ALL, 5000, ALL, &f);
    g_assert_false(res.complete);
    g_assert_cmpuint(f.m->len, ==, 0);
    g_assert_cmpuint(res.tables, ==, 5000);
    g_assert_cmpuint(e.fm.reads, ==, 5000);
    /*
     * The root and the L3 table, then 513 reads (an L2 table and its 512
     * L1 tables) per L3 entry: the budget ends in the tenth, at its L2
     * entry 380.
     */
    g_assert_cmphex(res.next, ==, (9ULL << 30) | (380ULL << 21));
    env_free(&e);

    /* stopping from the callback */
    f.stop_after = 3;
    env_init(&e, 4);
    alias_tables(&e, true);
    res = enumerate(&e, 0x800, ALL, ALL, ALL, &f);
    g_assert_cmpuint(f.m->len, ==, 3);
    g_assert_false(res.complete);
    g_assert_cmphex(res.next, ==, 3 * VTM_PAGE_SIZE);
    env_free(&e);
    g_array_free(f.m, TRUE);
}

/* ------------------------------------------------------------------ */
/* Tracker                                                              */

typedef struct Ev {
    bool map;
    VTMMapping m;
} Ev;

typedef struct Rec {
    GArray *ev;
} Rec;

static void rec_emit(bool map_ev, const VTMMapping *m, void *opaque)
{
    Rec *r = opaque;
    Ev ev = { .map = map_ev, .m = *m };

    g_array_append_val(r->ev, ev);
}

typedef struct TEnv {
    Env e;
    VTMTracker *t;
    Rec rec;
    VTMTrackStats st;
    uint64_t budget_tables, budget_leaves;
} TEnv;

static void tenv_init(TEnv *te, uint64_t capacity)
{
    memset(te, 0, sizeof(*te));
    env_init(&te->e, 4);
    te->t = vtm_track_new(capacity);
    te->rec.ev = g_array_new(FALSE, FALSE, sizeof(Ev));
    te->budget_tables = ALL;
    te->budget_leaves = ALL;
}

static void tenv_free(TEnv *te)
{
    vtm_track_free(te->t);
    g_array_free(te->rec.ev, TRUE);
    env_free(&te->e);
}

static void tsync(TEnv *te, uint64_t first, uint64_t last)
{
    VTMPtSource ps = {
        .fmt = &te->e.fmt, .mem = &te->e.ops, .root = te->e.root,
        .levels = te->e.levels, .tables_left = te->budget_tables,
        .leaves_left = te->budget_leaves,
    };
    VTMMapSource src = { vtm_pt_source_enumerate, &ps };

    g_array_set_size(te->rec.ev, 0);
    memset(&te->st, 0, sizeof(te->st));
    vtm_track_sync(te->t, first, last, &src, rec_emit, &te->rec, &te->st);
}

static void assert_ev(TEnv *te, unsigned i, bool map_ev, uint64_t iova,
                      unsigned shift, uint64_t addr, uint8_t perm)
{
    Ev *ev;

    g_assert_cmpuint(i, <, te->rec.ev->len);
    ev = &g_array_index(te->rec.ev, Ev, i);
    g_assert_cmpint(ev->map, ==, map_ev);
    assert_mapping(&ev->m, iova, addr, shift, perm);
}

static void test_track_map_unmap(void)
{
    TEnv te;

    tenv_init(&te, 1024);
    map(&te.e, 0x1000, 0x7000000, 12, VTM_PERM_RW);
    tsync(&te, 0x1000, 0x1fff);
    g_assert_cmpuint(te.rec.ev->len, ==, 1);
    assert_ev(&te, 0, true, 0x1000, 12, 0x7000000, VTM_PERM_RW);

    /* the same range again, or everything: nothing changed */
    tsync(&te, 0x1000, 0x1fff);
    g_assert_cmpuint(te.rec.ev->len, ==, 0);
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 0);

    /* other permissions: UNMAP then MAP */
    map(&te.e, 0x1000, 0x7000000, 12, VTM_PERM_R);
    tsync(&te, 0x1000, 0x1fff);
    g_assert_cmpuint(te.rec.ev->len, ==, 2);
    assert_ev(&te, 0, false, 0x1000, 12, 0x7000000, VTM_PERM_RW);
    assert_ev(&te, 1, true, 0x1000, 12, 0x7000000, VTM_PERM_R);

    /* other output address */
    map(&te.e, 0x1000, 0x7003000, 12, VTM_PERM_R);
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 2);
    assert_ev(&te, 1, true, 0x1000, 12, 0x7003000, VTM_PERM_R);

    /* a change outside the invalidated range is not seen yet */
    unmap(&te.e, 0x1000, 12);
    tsync(&te, 0x2000, 0x2fff);
    g_assert_cmpuint(te.rec.ev->len, ==, 0);
    tsync(&te, 0x0, 0x1000);
    g_assert_cmpuint(te.rec.ev->len, ==, 1);
    assert_ev(&te, 0, false, 0x1000, 12, 0x7003000, VTM_PERM_R);
    g_assert_cmpuint(vtm_track_count(te.t), ==, 0);
    tenv_free(&te);
}

static void test_track_split_merge(void)
{
    TEnv te;
    unsigned i;

    tenv_init(&te, 4096);
    map(&te.e, 0x200000, 0x40000000, 21, VTM_PERM_RW);
    tsync(&te, 0x200000, 0x3fffff);
    g_assert_cmpuint(te.rec.ev->len, ==, 1);

    /* split: the 2M leaf becomes a table of 512 4K leaves (one changed) */
    for (i = 0; i < 512; i++) {
        map(&te.e, 0x200000 + i * VTM_PAGE_SIZE,
            0x40000000 + i * VTM_PAGE_SIZE, 12,
            i == 7 ? VTM_PERM_R : VTM_PERM_RW);
    }
    /* invalidating one 4K page inside it still reports the whole block */
    tsync(&te, 0x207000, 0x207fff);
    g_assert_cmpuint(te.rec.ev->len, ==, 513);
    assert_ev(&te, 0, false, 0x200000, 21, 0x40000000, VTM_PERM_RW);
    for (i = 0; i < 512; i++) {
        assert_ev(&te, 1 + i, true, 0x200000 + i * VTM_PAGE_SIZE, 12,
                  0x40000000 + i * VTM_PAGE_SIZE,
                  i == 7 ? VTM_PERM_R : VTM_PERM_RW);
    }
    g_assert_cmpuint(vtm_track_count(te.t), ==, 512);

    /* merge: back to one 2M leaf; the range names only its first page */
    map(&te.e, 0x200000, 0x40000000, 21, VTM_PERM_RW);
    tsync(&te, 0x200000, 0x200fff);
    g_assert_cmpuint(te.rec.ev->len, ==, 513);
    for (i = 0; i < 512; i++) {
        assert_ev(&te, i, false, 0x200000 + i * VTM_PAGE_SIZE, 12,
                  0x40000000 + i * VTM_PAGE_SIZE,
                  i == 7 ? VTM_PERM_R : VTM_PERM_RW);
    }
    assert_ev(&te, 512, true, 0x200000, 21, 0x40000000, VTM_PERM_RW);
    g_assert_cmpuint(vtm_track_count(te.t), ==, 1);
    tenv_free(&te);
}

/* A range with holes and unchanged mappings sends nothing: no storm. */
static void test_track_no_storm(void)
{
    TEnv te;
    unsigned i;

    tenv_init(&te, 4096);
    for (i = 0; i < 64; i++) {
        map(&te.e, (uint64_t)i << 30, 0x1000 * i, 12, VTM_PERM_RW);
    }
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 64);
    unmap(&te.e, 5ULL << 30, 12);
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 1);
    assert_ev(&te, 0, false, 5ULL << 30, 12, 0x5000, VTM_PERM_RW);
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 0);
    tenv_free(&te);
}

static void test_track_capacity_budget(void)
{
    TEnv te;
    unsigned i;

    tenv_init(&te, 10);
    for (i = 0; i < 20; i++) {
        map(&te.e, 0x100000 + i * VTM_PAGE_SIZE, 0x1000 * i, 12,
            VTM_PERM_RW);
    }
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 10);
    g_assert_cmpuint(te.st.dropped, ==, 10);
    g_assert_cmpuint(vtm_track_count(te.t), ==, 10);
    tenv_free(&te);

    /* a source that stops early: the rest stays as it was */
    tenv_init(&te, 100);
    for (i = 0; i < 20; i++) {
        map(&te.e, 0x100000 + i * VTM_PAGE_SIZE, 0x1000 * i, 12,
            VTM_PERM_RW);
    }
    te.budget_leaves = 5;
    tsync(&te, 0, ALL);
    g_assert_true(te.st.truncated);
    g_assert_cmpuint(te.rec.ev->len, ==, 5);
    for (i = 0; i < 20; i++) {
        unmap(&te.e, 0x100000 + i * VTM_PAGE_SIZE, 12);
    }
    te.budget_leaves = ALL;
    te.budget_tables = 1;       /* the root only: nothing is known */
    tsync(&te, 0, ALL);
    g_assert_true(te.st.truncated);
    g_assert_cmpuint(te.rec.ev->len, ==, 0);
    g_assert_cmpuint(vtm_track_count(te.t), ==, 5);
    te.budget_tables = ALL;
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 5);
    g_assert_cmpuint(vtm_track_count(te.t), ==, 0);

    /* an aliasing table: bounded by the budget, then by the capacity */
    alias_tables(&te.e, true);
    te.budget_leaves = 1000;
    tsync(&te, 0, ALL);
    g_assert_cmpuint(te.rec.ev->len, ==, 100);
    g_assert_cmpuint(te.st.dropped, ==, 900);
    tenv_free(&te);
}

static bool count_fn(const VTMMapping *m, void *opaque)
{
    (*(unsigned *)opaque)++;
    return true;
}

static void test_track_clear_foreach(void)
{
    TEnv te;
    unsigned n = 0;

    tenv_init(&te, 100);
    map(&te.e, 0x1000, 0x7000000, 12, VTM_PERM_RW);
    map(&te.e, 0x200000, 0x7200000, 21, VTM_PERM_RW);
    map(&te.e, 0x40000000, 0x80000000, 30, VTM_PERM_R);
    tsync(&te, 0, ALL);
    vtm_track_foreach(te.t, 0x1fffff, 0x200000, count_fn, &n);
    g_assert_cmpuint(n, ==, 1);
    n = 0;
    vtm_track_foreach(te.t, 0x1800, 0x7fffffff, count_fn, &n);
    g_assert_cmpuint(n, ==, 3);
    g_array_set_size(te.rec.ev, 0);
    vtm_track_clear(te.t, rec_emit, &te.rec);
    g_assert_cmpuint(te.rec.ev->len, ==, 3);
    assert_ev(&te, 0, false, 0x1000, 12, 0x7000000, VTM_PERM_RW);
    assert_ev(&te, 2, false, 0x40000000, 30, 0x80000000, VTM_PERM_R);
    g_assert_cmpuint(vtm_track_count(te.t), ==, 0);
    tenv_free(&te);
}

/*
 * Random changes and random invalidated ranges.  A model consumer applies
 * the events: an UNMAP must name a block it holds, a MAP must not overlap
 * one.  After a sync of everything, the tracker, the consumer and the
 * tables agree.
 */
static void model_apply(GHashTable *model, const Ev *ev)
{
    VTMMapping *have = g_hash_table_lookup(model, &ev->m.iova);
    GHashTableIter it;
    gpointer v;

    if (!ev->map) {
        g_assert_nonnull(have);
        g_assert_true(have->shift == ev->m.shift &&
                      have->addr == ev->m.addr && have->perm == ev->m.perm);
        g_hash_table_remove(model, &ev->m.iova);
        return;
    }
    g_hash_table_iter_init(&it, model);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const VTMMapping *o = v;

        g_assert_true(vtm_mapping_last(o) < ev->m.iova ||
                      o->iova > vtm_mapping_last(&ev->m));
    }
    have = g_new(VTMMapping, 1);
    *have = ev->m;
    g_hash_table_insert(model, &have->iova, have);
}

static void random_change(TEnv *te, GRand *rnd)
{
    /* a 4M window: two 2M blocks, so splits and merges happen */
    uint64_t iova = g_rand_int_range(rnd, 0, 1024) * VTM_PAGE_SIZE;
    uint8_t perm = g_rand_int_range(rnd, 1, 4);
    uint64_t pa = g_rand_int_range(rnd, 0, 4) * 0x200000ULL;

    switch (g_rand_int_range(rnd, 0, 5)) {
    case 0:
        map(&te->e, iova & ~0x1fffffULL, pa, 21, perm);
        break;
    case 1:
        unmap(&te->e, iova, 12);
        break;
    default:
        map(&te->e, iova, pa + (iova & 0x1fffff), 12, perm);
        break;
    }
}

static void test_track_random(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(6);
    g_autoptr(GHashTable) model = g_hash_table_new_full(g_int64_hash,
                                                        g_int64_equal, NULL,
                                                        g_free);
    TEnv te;
    Found f = { 0 };
    unsigned round, i;

    tenv_init(&te, 1 << 16);
    for (round = 0; round < 400; round++) {
        uint64_t a = g_rand_int_range(rnd, 0, 1024) * VTM_PAGE_SIZE;
        uint64_t len = g_rand_int_range(rnd, 1, 64) * VTM_PAGE_SIZE;

        for (i = g_rand_int_range(rnd, 1, 8); i; i--) {
            random_change(&te, rnd);
        }
        tsync(&te, a, a + len - 1);
        for (i = 0; i < te.rec.ev->len; i++) {
            model_apply(model, &g_array_index(te.rec.ev, Ev, i));
        }
        if (round % 10 == 9) {
            tsync(&te, 0, ALL);
            for (i = 0; i < te.rec.ev->len; i++) {
                model_apply(model, &g_array_index(te.rec.ev, Ev, i));
            }
            enumerate(&te.e, 0, ALL, ALL, ALL, &f);
            g_assert_cmpuint(f.m->len, ==, vtm_track_count(te.t));
            g_assert_cmpuint(f.m->len, ==, g_hash_table_size(model));
            for (i = 0; i < f.m->len; i++) {
                VTMMapping *h = g_hash_table_lookup(model, &M(&f, i)->iova);

                g_assert_nonnull(h);
                assert_mapping(h, M(&f, i)->iova, M(&f, i)->addr,
                               M(&f, i)->shift, M(&f, i)->perm);
            }
        }
    }
    g_array_free(f.m, TRUE);
    tenv_free(&te);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/notify/enum/basic", test_enum_basic);
    g_test_add_func("/vtm/notify/enum/faults", test_enum_faults);
    g_test_add_func("/vtm/notify/enum/perm-and", test_enum_perm_and);
    g_test_add_func("/vtm/notify/enum/widths", test_enum_widths);
    g_test_add_func("/vtm/notify/enum/budget", test_enum_budget);
    g_test_add_func("/vtm/notify/track/map-unmap", test_track_map_unmap);
    g_test_add_func("/vtm/notify/track/split-merge", test_track_split_merge);
    g_test_add_func("/vtm/notify/track/no-storm", test_track_no_storm);
    g_test_add_func("/vtm/notify/track/capacity-budget",
                    test_track_capacity_budget);
    g_test_add_func("/vtm/notify/track/clear-foreach",
                    test_track_clear_foreach);
    g_test_add_func("/vtm/notify/track/random", test_track_random);
    return g_test_run();
}
