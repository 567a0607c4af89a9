/*
 * vtm: the page-table walker: second stage (9.8, 3.6) and first stage
 * (9.7, 3.6.2).
 *
 * One loop reads one 8-byte entry per level, from the top level or from
 * the level below a paging-structure-cache hit.  The per-instance format
 * says which bits are reserved at each level, where a leaf may sit and
 * which fault each failure raises; the two formats share the PS bit and
 * the address field, and differ only in how an entry grants rights
 * (vtm_pt_entry_perm) and in the first stage's A/D updates.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-pt.h"

void vtm_pt_format_init(VTMPtFormat *f, unsigned haw, uint8_t sllps)
{
    /* 9.8: address bits [51:HAW] are reserved in every entry. */
    uint64_t addr_rsvd = haw < 52 ? MAKE_64BIT_MASK(haw, 52 - haw) : 0;
    unsigned level;

    static const VTMPtFaults legacy = {
        .access = VTM_FR_PTE_ACCESS,        /* LSL.1 */
        .rsvd = VTM_FR_PTE_RSVD,            /* LSL.2 */
        .read = VTM_FR_READ,                /* LGN.2 */
        .write = VTM_FR_WRITE,              /* LGN.3 */
    };

    memset(f, 0, sizeof(*f));
    f->kind = VTM_PT_SECOND;
    f->fr = legacy;
    f->haw = haw;
    f->sllps = sllps;
    f->leaf_ok[1] = true;
    f->leaf_ok[2] = sllps & VTM_SLLPS_2M;
    f->leaf_ok[3] = sllps & VTM_SLLPS_1G;

    for (level = 1; level <= VTM_MAX_LEVELS; level++) {
        /*
         * An entry pointing to a table: PS must be 0 where this instance
         * has no large page (always at levels 5 and 4).  Bits 6:3 of such
         * entries are ignored, so they stay out of the mask.
         */
        f->rsvd_table[level] = addr_rsvd;
        if (level > 1 && !f->leaf_ok[level]) {
            f->rsvd_table[level] |= R_SLPTE_PS_MASK;
        }
        /*
         * A leaf: the address bits inside a large page (20:12 for 2M,
         * 29:12 for 1G) must be 0.  SNP is left to
         * vtm_pt_format_set_snoop().
         */
        f->rsvd_leaf[level] = addr_rsvd;
        if (level > 1) {
            f->rsvd_leaf[level] |=
                MAKE_64BIT_MASK(VTM_PAGE_SHIFT,
                                vtm_level_shift(level) - VTM_PAGE_SHIFT);
        }
    }
}

void vtm_pt_format_set_sm_faults(VTMPtFormat *f)
{
    static const VTMPtFaults sm = {
        .access = VTM_FR_SM_SS_ACCESS,      /* SSS.1 */
        .rsvd = VTM_FR_SM_SS_RSVD,          /* SSS.3 */
        .read = VTM_FR_SM_READ,             /* SGN.7 */
        .write = VTM_FR_SM_WRITE,           /* SGN.6 */
    };

    f->fr = sm;
}

void vtm_pt_format_init_fs(VTMPtFormat *f, unsigned haw, bool fl1gp)
{
    static const VTMPtFaults fs = {
        .access = VTM_FR_SM_FS_ACCESS,      /* SFS.1 */
        .rsvd = VTM_FR_SM_FS_RSVD,          /* SFS.3 */
        .not_present = VTM_FR_SM_FS_NOT_PRESENT,    /* SFS.2 */
        .read = VTM_FR_SM_READ,             /* SGN.7 */
        .write = VTM_FR_SM_WRITE,           /* SGN.6 */
        .user = VTM_FR_SM_US,               /* SGN.2 */
        .exec = VTM_FR_SM_EXEC,             /* SGN.3 */
        .nest_top_access = VTM_FR_SM_NEST_TOP_ACCESS,   /* SFS.4 */
    };
    /* 9.7: address bits [51:HAW] are reserved in every entry. */
    uint64_t addr_rsvd = haw < 52 ? MAKE_64BIT_MASK(haw, 52 - haw) : 0;
    unsigned level;

    memset(f, 0, sizeof(*f));
    f->kind = VTM_PT_FIRST;
    f->fr = fs;
    f->haw = haw;
    f->sllps = VTM_SLLPS_2M | (fl1gp ? VTM_SLLPS_1G : 0);
    f->leaf_ok[1] = true;
    f->leaf_ok[2] = true;
    f->leaf_ok[3] = fl1gp;
    for (level = 1; level <= VTM_MAX_LEVELS; level++) {
        /* PS is reserved in PML5E and PML4E, and in a PDPE without 1G. */
        f->rsvd_table[level] = addr_rsvd;
        if (level > 1 && !f->leaf_ok[level]) {
            f->rsvd_table[level] |= R_FSPTE_PS_MASK;
        }
        /*
         * A large-page leaf: bit 12 is PAT, the address bits inside the
         * page above it (20:13 for 2M, 29:13 for 1G) are reserved.
         */
        f->rsvd_leaf[level] = addr_rsvd;
        if (level > 1) {
            f->rsvd_leaf[level] |=
                MAKE_64BIT_MASK(VTM_PAGE_SHIFT + 1,
                                vtm_level_shift(level) - VTM_PAGE_SHIFT - 1);
        }
    }
}

bool vtm_pt_fs_canonical(uint64_t addr, unsigned levels)
{
    unsigned bits = vtm_level_shift(levels) + VTM_LEVEL_STRIDE;

    return bits >= 64 || sextract64(addr, 0, bits) == (int64_t)addr;
}

void vtm_pt_format_set_snoop(VTMPtFormat *f, bool snoop_control)
{
    unsigned level;

    for (level = 1; level <= VTM_MAX_LEVELS; level++) {
        if (snoop_control) {
            f->rsvd_leaf[level] &= ~R_SLPTE_SNP_MASK;
        } else {
            f->rsvd_leaf[level] |= R_SLPTE_SNP_MASK;
        }
    }
}

VTMCacheKey vtm_psc_key_tagged(uint16_t did, uint32_t tag, unsigned level,
                               uint64_t iova)
{
    /*
     * A level-L entry is selected by the input address bits above
     * vtm_level_shift(L): every iova with the same such bits (in the same
     * domain, and PASID for the first stage) uses the same entry.
     */
    VTMCacheKey key = {
        .tag = iova >> vtm_level_shift(level),
        .tag2 = did | (uint64_t)level << 16 | (uint64_t)tag << 24,
    };

    return key;
}

VTMCacheKey vtm_psc_key(uint16_t did, unsigned level, uint64_t iova)
{
    return vtm_psc_key_tagged(did, 0, level, iova);
}

/*
 * Finds the lowest level whose paging-structure cache holds the entry for
 * this address.  Returns the level to read next (w->levels on a miss) and
 * sets the table to read it from and the permissions accumulated so far.
 */
static unsigned vtm_pt_psc_start(VTMPscSet *psc, const VTMWalk *w,
                                 uint64_t *table, uint64_t *gpa,
                                 uint8_t *perm, VTMWalkLog *log)
{
    unsigned level;

    *table = w->root;
    *gpa = w->root;
    *perm = VTM_PT_PERM_ALL;
    if (!psc) {
        return w->levels;
    }
    /* The lowest hit skips the most reads, so probe bottom-up. */
    for (level = 2; level <= w->levels; level++) {
        VTMCacheKey key = vtm_psc_key_tagged(w->did, w->psc_tag, level,
                                             w->iova);
        const VTMPscEntry *e;

        if (!psc->level[level]) {
            continue;
        }
        e = vtm_cache_lookup(psc->level[level], &key);
        if (e) {
            *table = e->table;
            *gpa = e->gpa;
            *perm = e->perm;
            log->psc_hit_level = level;
            return level - 1;
        }
    }
    return w->levels;
}

static void vtm_pt_psc_fill(VTMPscSet *psc, const VTMWalk *w,
                            unsigned level, uint64_t table, uint64_t gpa,
                            uint8_t perm)
{
    VTMCacheKey key;
    VTMPscEntry *e;

    if (!psc || !psc->level[level]) {
        return;
    }
    key = vtm_psc_key_tagged(w->did, w->psc_tag, level, w->iova);
    e = vtm_cache_insert(psc->level[level], &key);
    if (e) {
        e->table = table;
        e->gpa = gpa;
        e->perm = perm;
    }
}

/* The request type names a permission fault: LGN.2/3, SGN.6/7. */
static VTMFaultReason vtm_pt_perm_fault(const VTMPtFormat *f,
                                        const VTMWalk *w)
{
    return w->is_write ? f->fr.write : f->fr.read;
}

/* Second stage: an entry with R=W=0 is not present (9.8). */
static uint8_t vtm_pt_ss_perm(uint64_t pte)
{
    return (FIELD_EX64(pte, SLPTE, R) ? VTM_PERM_R : 0) |
           (FIELD_EX64(pte, SLPTE, W) ? VTM_PERM_W : 0);
}

/*
 * The rights one entry grants, VTM_PERM_NONE if it is not present.
 * First stage (9.7): a present entry allows reads; R/W, U/S and XD
 * (with NXE) narrow the rest.  Second-stage entries grant U and X.
 */
static uint8_t vtm_pt_entry_perm(const VTMPtFormat *f, const VTMWalk *w,
                                 uint64_t pte)
{
    uint8_t perm;

    if (f->kind == VTM_PT_SECOND) {
        perm = vtm_pt_ss_perm(pte);
        return perm ? perm | VTM_PT_PERM_U | VTM_PT_PERM_X : perm;
    }
    if (!FIELD_EX64(pte, FSPTE, P)) {
        return VTM_PERM_NONE;
    }
    perm = VTM_PERM_R | VTM_PT_PERM_X;
    perm |= FIELD_EX64(pte, FSPTE, RW) ? VTM_PERM_W : 0;
    perm |= FIELD_EX64(pte, FSPTE, US) ? VTM_PT_PERM_U : 0;
    if (w->nxe && FIELD_EX64(pte, FSPTE, XD)) {
        perm &= ~VTM_PT_PERM_X;
    }
    return perm;
}

/* A write is allowed by R/W, or by supervisor privilege without WPE. */
static bool vtm_pt_fs_writable(const VTMWalk *w, uint8_t rights)
{
    return (rights & VTM_PERM_W) || (w->priv && !w->wpe);
}

VTMFaultReason vtm_pt_fs_check(const VTMPtFormat *f, const VTMWalk *w,
                               uint8_t rights, bool dirty, bool *need_walk)
{
    *need_walk = false;
    if (!w->priv && !(rights & VTM_PT_PERM_U)) {
        return f->fr.user;                  /* SGN.2, 3.6.2 */
    }
    if (w->exec && (!(rights & VTM_PT_PERM_X) ||
                    (w->priv && w->smep && (rights & VTM_PT_PERM_U)))) {
        return f->fr.exec;                  /* SGN.3, 3.6.2 */
    }
    if (w->is_write) {
        if (!vtm_pt_fs_writable(w, rights)) {
            return f->fr.write;             /* SGN.6, 3.6.2 */
        }
        *need_walk = !dirty;
    }
    return VTM_FR_NONE;
}

uint8_t vtm_pt_fs_perm(const VTMWalk *w, uint8_t rights, bool dirty)
{
    return VTM_PERM_R |
           (vtm_pt_fs_writable(w, rights) && dirty ? VTM_PERM_W : 0);
}

/* The final permission check of a walk, by format. */
static VTMFaultReason vtm_pt_check_leaf(const VTMPtFormat *f,
                                        const VTMWalk *w, uint8_t perm,
                                        uint64_t pte)
{
    bool need_walk;

    if (f->kind == VTM_PT_FIRST) {
        /* the walk sets D below, so a clean leaf does not stop a write */
        return vtm_pt_fs_check(f, w, perm, true, &need_walk);
    }
    /* Permissions are the AND over all levels (3.6.1). */
    if ((w->is_write && !(perm & VTM_PERM_W)) ||
        (!w->is_write && !(perm & VTM_PERM_R))) {
        return vtm_pt_perm_fault(f, w);     /* LGN.2 / LGN.3 */
    }
    return VTM_FR_NONE;
}

/* The A and D bits of a format: first stage (9.7) or second (9.8). */
static void vtm_pt_ad_masks(const VTMPtFormat *f, uint64_t *a, uint64_t *d)
{
    *a = f->kind == VTM_PT_FIRST ? R_FSPTE_A_MASK : R_SLPTE_A_MASK;
    *d = f->kind == VTM_PT_FIRST ? R_FSPTE_D_MASK : R_SLPTE_D_MASK;
}

/*
 * First stage (9.7, 3.6.2), and second stage with SSADE (9.8): A in
 * every entry the walk read, D in the leaf for a write, each set by one
 * locked compare-and-exchange so that a concurrent update by software
 * is never lost.  Nested: the table of each entry updated is first
 * translated for a write (SFS.8 when the second stage denies it).
 * Returns false with *fr VTM_FR_NONE when an entry changed under the
 * walk (walk again), or with *fr set when an update could not be made.
 */
static bool vtm_pt_set_ad(const VTMPtFormat *f, const VTMMemOps *mem,
                          const VTMWalk *w, VTMWalkLog *log,
                          VTMFaultReason *fr)
{
    uint64_t a_mask, d_mask, hpa;
    unsigned i;

    vtm_pt_ad_masks(f, &a_mask, &d_mask);
    *fr = VTM_FR_NONE;
    for (i = 0; i < log->nsteps; i++) {
        VTMWalkStep *step = &log->step[i];
        uint64_t want = step->pte | a_mask, found;

        if (i == log->nsteps - 1 && w->is_write) {
            want |= d_mask;
        }
        if (want == step->pte) {
            continue;
        }
        if (w->nest) {
            *fr = w->nest->xlate(w->nest->opaque, step->table_gpa,
                                 step->level == w->levels, true, &hpa);
            if (*fr != VTM_FR_NONE) {
                return false;
            }
        }
        log->ad_writes++;
        if (!vtm_mem_cmpxchg64(mem, step->pte_addr, step->pte, want,
                               &found)) {
            *fr = f->fr.access;             /* SFS.1 / SSS.1 */
            return false;
        }
        if (found != step->pte) {
            return false;
        }
        step->pte = want;
    }
    return true;
}

/*
 * Nested: the host address of the first-stage table at gpa (top: the
 * top-level table), VTM_FR_NONE when not nested.
 */
static VTMFaultReason vtm_pt_nest_table(const VTMWalk *w, uint64_t gpa,
                                        bool top, uint64_t *table)
{
    if (!w->nest) {
        *table = gpa;
        return VTM_FR_NONE;
    }
    return w->nest->xlate(w->nest->opaque, gpa, top, false, table);
}

/* One pass of the walk; the caller redoes it after a lost A/D race. */
static VTMFaultReason vtm_pt_walk_once(const VTMPtFormat *f,
                                       const VTMMemOps *mem,
                                       VTMPscSet *psc, const VTMWalk *w,
                                       VTMWalkOut *out, VTMWalkLog *log)
{
    uint64_t table, gpa, pte;
    uint8_t perm, entry;
    unsigned level;
    VTMFaultReason fr;
    bool leaf;

    level = vtm_pt_psc_start(psc, w, &table, &gpa, &perm, log);
    if (!log->psc_hit_level) {
        fr = vtm_pt_nest_table(w, gpa, true, &table);
        if (fr != VTM_FR_NONE) {
            return fr;                      /* nested: SFS.5/6, SSS.x */
        }
    }
    for (;;) {
        unsigned idx = extract64(w->iova, vtm_level_shift(level),
                                 VTM_LEVEL_STRIDE);
        VTMWalkStep *step = &log->step[log->nsteps++];

        step->level = level;
        step->table_gpa = gpa;
        step->pte_addr = table + idx * sizeof(uint64_t);
        if (!vtm_mem_read64(mem, step->pte_addr, &pte)) {
            /* nested: the top-level entry has its own reason, SFS.4 */
            if (w->nest && level == w->levels && f->fr.nest_top_access) {
                return f->fr.nest_top_access;
            }
            return f->fr.access;            /* LSL.1 / SSS.1 / SFS.1 */
        }
        step->pte = pte;

        entry = vtm_pt_entry_perm(f, w, pte);
        if (!entry) {
            /* 9.8 / 9.7: not present, the other bits free */
            return f->fr.not_present ? f->fr.not_present
                                     : vtm_pt_perm_fault(f, w);
        }
        perm &= entry;

        leaf = level == 1 ||
               (FIELD_EX64(pte, SLPTE, PS) && f->leaf_ok[level]);
        if (pte & (leaf ? f->rsvd_leaf[level] : f->rsvd_table[level])) {
            return f->fr.rsvd;              /* LSL.2 / SSS.3 / SFS.3 */
        }
        if (leaf) {
            break;
        }
        gpa = FIELD_EX64(pte, SLPTE, ADDR) << VTM_PAGE_SHIFT;
        fr = vtm_pt_nest_table(w, gpa, false, &table);
        if (fr != VTM_FR_NONE) {
            return fr;                      /* nested: SFS.5/7, SSS.x */
        }
        vtm_pt_psc_fill(psc, w, level, table, gpa, perm);
        level--;
    }

    out->page_shift = vtm_level_shift(level);
    out->addr = (FIELD_EX64(pte, SLPTE, ADDR) << VTM_PAGE_SHIFT) &
                ~MAKE_64BIT_MASK(0, out->page_shift);
    out->rights = perm;
    out->perm = perm & VTM_PERM_RW;
    log->leaf_level = level;
    return vtm_pt_check_leaf(f, w, perm, pte);
}

/* A/D races lost in a row before the walk gives up (SFS.1). */
#define VTM_PT_MAX_RESTARTS     8

VTMFaultReason vtm_pt_walk(const VTMPtFormat *f, const VTMMemOps *mem,
                           VTMPscSet *psc, const VTMWalk *w,
                           VTMWalkOut *out, VTMWalkLog *log)
{
    VTMFaultReason fr;
    unsigned restarts;

    /* levels comes from a checked context entry, never from the guest */
    assert(w->levels >= 1 && w->levels <= VTM_MAX_LEVELS);
    for (restarts = 0;; restarts++) {
        memset(log, 0, sizeof(*log));
        memset(out, 0, sizeof(*out));
        log->restarts = restarts;
        fr = vtm_pt_walk_once(f, mem, psc, w, out, log);
        if (fr != VTM_FR_NONE) {
            log->leaf_level = 0;
            return fr;
        }
        if (f->kind != VTM_PT_FIRST && !w->ad) {
            return VTM_FR_NONE;
        }
        if (vtm_pt_set_ad(f, mem, w, log, &fr)) {
            break;
        }
        if (fr != VTM_FR_NONE || restarts >= VTM_PT_MAX_RESTARTS) {
            log->leaf_level = 0;
            return fr != VTM_FR_NONE ? fr : f->fr.access;
        }
    }
    if (f->kind != VTM_PT_FIRST) {
        /* SSADE: a clean leaf is cached without write access */
        out->dirty = FIELD_EX64(log->step[log->nsteps - 1].pte, SLPTE, D);
        out->perm &= out->dirty ? VTM_PERM_RW : VTM_PERM_R;
        return VTM_FR_NONE;
    }
    out->dirty = FIELD_EX64(log->step[log->nsteps - 1].pte, FSPTE, D);
    out->perm = vtm_pt_fs_perm(w, out->rights, out->dirty);
    return VTM_FR_NONE;
}

/* Range enumeration ------------------------------------------------- */

/* Slices up to this many entries need no allocation (a page's path). */
#define VTM_PT_SMALL_SLICE  16

/*
 * One table being scanned: the slice of its entries the range needs,
 * read at once.  pte points into small, or into big (allocated the first
 * time this level needs a larger slice, then reused).
 */
typedef struct VTMPtFrame {
    uint64_t base;              /* input address of entry 0 */
    unsigned idx, end;          /* next entry to look at, one past last */
    uint8_t perm;               /* permissions granted above this table */
    uint64_t *pte;              /* pte[0] is entry idx as first read */
    unsigned first;             /* index of pte[0] */
    uint64_t small[VTM_PT_SMALL_SLICE];
    uint64_t *big;
} VTMPtFrame;

typedef struct VTMPtEnumState {
    const VTMPtFormat *f;
    const VTMMemOps *mem;
    const VTMPtRange *r;
    VTMPtRangeResult *res;
    VTMPtFrame frame[VTM_MAX_LEVELS + 1];       /* by level */
} VTMPtEnumState;

/* The first and one-past-last index of the range in a level's table. */
static void vtm_pt_slice(const VTMPtRange *r, unsigned level, uint64_t base,
                         unsigned *idx, unsigned *end)
{
    unsigned shift = vtm_level_shift(level);
    uint64_t span_last = base + MAKE_64BIT_MASK(0, shift + VTM_LEVEL_STRIDE);
    uint64_t lo = MAX(r->first, base), hi = MIN(r->last, span_last);

    *idx = (lo - base) >> shift;
    *end = ((hi - base) >> shift) + 1;
}

/*
 * Reads the slice of the table at level covering the range; false if the
 * budget is spent.  A table that cannot be read maps nothing (LSL.1).
 */
static bool vtm_pt_enter(VTMPtEnumState *st, unsigned level, uint64_t table,
                         uint64_t base, uint8_t perm)
{
    VTMPtFrame *fr = &st->frame[level];
    unsigned i, n;

    if (st->res->tables >= st->r->max_tables) {
        return false;
    }
    st->res->tables++;
    vtm_pt_slice(st->r, level, base, &fr->idx, &fr->end);
    fr->base = base;
    fr->perm = perm;
    fr->first = fr->idx;
    n = fr->end - fr->idx;
    if (n <= VTM_PT_SMALL_SLICE) {
        fr->pte = fr->small;
    } else {
        if (!fr->big) {
            fr->big = g_new(uint64_t, VTM_PTES_PER_TABLE);
        }
        fr->pte = fr->big;
    }
    if (!st->mem->read(st->mem->opaque, table + fr->idx * sizeof(uint64_t),
                       fr->pte, n * sizeof(uint64_t))) {
        fr->idx = fr->end;
        return true;
    }
    for (i = 0; i < n; i++) {
        fr->pte[i] = le64_to_cpu(fr->pte[i]);
    }
    return true;
}

/* Where the enumeration stopped: nothing from iova up was reported. */
static void vtm_pt_stop(VTMPtEnumState *st, uint64_t iova)
{
    st->res->complete = false;
    st->res->next = MAX(iova, st->r->first);
}

/*
 * Looks at one entry.  Returns 1 to go on, 0 to stop, and -1 after
 * entering the table the entry points to (the caller descends).
 */
static int vtm_pt_visit(VTMPtEnumState *st, unsigned level, uint64_t pte,
                        uint64_t iova, uint8_t perm, VTMMappingFn fn,
                        void *opaque)
{
    const VTMPtFormat *f = st->f;
    bool leaf = level == 1 || (FIELD_EX64(pte, SLPTE, PS) &&
                               f->leaf_ok[level]);
    VTMMapping m;

    perm &= vtm_pt_ss_perm(pte);
    /* not present (9.8), reserved bits (LSL.2) or no access left */
    if (!vtm_pt_ss_perm(pte) || !perm ||
        (pte & (leaf ? f->rsvd_leaf[level] : f->rsvd_table[level]))) {
        return 1;
    }
    if (!leaf) {
        if (!vtm_pt_enter(st, level - 1,
                          FIELD_EX64(pte, SLPTE, ADDR) << VTM_PAGE_SHIFT,
                          iova, perm)) {
            vtm_pt_stop(st, iova);
            return 0;
        }
        return -1;
    }
    if (st->res->leaves >= st->r->max_leaves) {
        vtm_pt_stop(st, iova);
        return 0;
    }
    m.iova = iova;
    m.shift = vtm_level_shift(level);
    m.addr = (FIELD_EX64(pte, SLPTE, ADDR) << VTM_PAGE_SHIFT) &
             ~MAKE_64BIT_MASK(0, m.shift);
    m.perm = perm;
    st->res->leaves++;
    if (!fn(&m, opaque)) {
        if (vtm_mapping_last(&m) < st->r->last) {
            vtm_pt_stop(st, vtm_mapping_last(&m) + 1);
        }
        return 0;
    }
    return 1;
}

static void vtm_pt_walk_range(VTMPtEnumState *st, VTMMappingFn fn,
                              void *opaque)
{
    unsigned top = st->r->levels, level = top;

    if (!vtm_pt_enter(st, level, st->r->root, 0, VTM_PERM_RW)) {
        vtm_pt_stop(st, st->r->first);
        return;
    }
    while (level <= top) {
        VTMPtFrame *fr = &st->frame[level];
        unsigned i;
        int rc;

        if (fr->idx >= fr->end) {
            level++;                /* this table is done: back up */
            continue;
        }
        i = fr->idx++;
        rc = vtm_pt_visit(st, level, fr->pte[i - fr->first],
                          fr->base + ((uint64_t)i << vtm_level_shift(level)),
                          fr->perm, fn, opaque);
        if (rc == 0) {
            return;
        }
        if (rc < 0) {
            level--;
        }
    }
}

void vtm_pt_enumerate(const VTMPtFormat *f, const VTMMemOps *mem,
                      const VTMPtRange *r, VTMMappingFn fn, void *opaque,
                      VTMPtRangeResult *res)
{
    VTMPtEnumState st = { .f = f, .mem = mem, .res = res };
    VTMPtRange clipped = *r;
    unsigned level;

    memset(res, 0, sizeof(*res));
    res->complete = true;
    /* levels comes from a checked context entry, never from the guest */
    assert(r->levels >= 1 && r->levels <= VTM_MAX_LEVELS);
    /* Nothing above the width the top table translates is mapped. */
    if (vtm_level_shift(r->levels) + VTM_LEVEL_STRIDE < 64) {
        clipped.last = MIN(r->last, MAKE_64BIT_MASK(0, vtm_level_shift(
                           r->levels) + VTM_LEVEL_STRIDE));
    }
    if (clipped.first > clipped.last) {
        return;
    }
    st.r = &clipped;
    vtm_pt_walk_range(&st, fn, opaque);
    for (level = 0; level <= VTM_MAX_LEVELS; level++) {
        g_free(st.frame[level].big);
    }
}
