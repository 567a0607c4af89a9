/*
 * vtm: the second-stage page-table walker (9.8, 3.6).
 *
 * One loop reads one 8-byte entry per level, from the top level or from
 * the level below a paging-structure-cache hit.  The per-instance format
 * says which bits are reserved at each level and where a leaf may sit, so
 * the loop itself holds no layout knowledge beyond the SLPTE fields.
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

    memset(f, 0, sizeof(*f));
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
         * 29:12 for 1G) must be 0.
         */
        f->rsvd_leaf[level] = addr_rsvd;
        if (level > 1) {
            f->rsvd_leaf[level] |=
                MAKE_64BIT_MASK(VTM_PAGE_SHIFT,
                                vtm_level_shift(level) - VTM_PAGE_SHIFT);
        }
    }
}

VTMCacheKey vtm_psc_key(uint16_t did, unsigned level, uint64_t iova)
{
    /*
     * A level-L entry is selected by the input address bits above
     * vtm_level_shift(L): every iova with the same such bits (in the same
     * domain) uses the same entry.
     */
    VTMCacheKey key = {
        .tag = iova >> vtm_level_shift(level),
        .tag2 = did | (uint64_t)level << 16,
    };

    return key;
}

/*
 * Finds the lowest level whose paging-structure cache holds the entry for
 * this address.  Returns the level to read next (w->levels on a miss) and
 * sets the table to read it from and the permissions accumulated so far.
 */
static unsigned vtm_pt_psc_start(VTMPscSet *psc, const VTMWalk *w,
                                 uint64_t *table, uint8_t *perm,
                                 VTMWalkLog *log)
{
    unsigned level;

    *table = w->root;
    *perm = VTM_PERM_RW;
    if (!psc) {
        return w->levels;
    }
    /* The lowest hit skips the most reads, so probe bottom-up. */
    for (level = 2; level <= w->levels; level++) {
        VTMCacheKey key = vtm_psc_key(w->did, level, w->iova);
        const VTMPscEntry *e;

        if (!psc->level[level]) {
            continue;
        }
        e = vtm_cache_lookup(psc->level[level], &key);
        if (e) {
            *table = e->table;
            *perm = e->perm;
            log->psc_hit_level = level;
            return level - 1;
        }
    }
    return w->levels;
}

static void vtm_pt_psc_fill(VTMPscSet *psc, const VTMWalk *w,
                            unsigned level, uint64_t table, uint8_t perm)
{
    VTMCacheKey key;
    VTMPscEntry *e;

    if (!psc || !psc->level[level]) {
        return;
    }
    key = vtm_psc_key(w->did, level, w->iova);
    e = vtm_cache_insert(psc->level[level], &key);
    if (e) {
        e->table = table;
        e->perm = perm;
    }
}

/* LGN.2 / LGN.3 (7.1.3): the request type names the fault. */
static VTMFaultReason vtm_pt_perm_fault(const VTMWalk *w)
{
    return w->is_write ? VTM_FR_WRITE : VTM_FR_READ;
}

static uint8_t vtm_pt_entry_perm(uint64_t pte)
{
    return (FIELD_EX64(pte, SLPTE, R) ? VTM_PERM_R : 0) |
           (FIELD_EX64(pte, SLPTE, W) ? VTM_PERM_W : 0);
}

VTMFaultReason vtm_pt_walk(const VTMPtFormat *f, const VTMMemOps *mem,
                           VTMPscSet *psc, const VTMWalk *w,
                           VTMWalkOut *out, VTMWalkLog *log)
{
    uint64_t table, pte;
    uint8_t perm;
    unsigned level;
    bool leaf;

    /* levels comes from a checked context entry, never from the guest */
    assert(w->levels >= 1 && w->levels <= VTM_MAX_LEVELS);
    memset(log, 0, sizeof(*log));
    memset(out, 0, sizeof(*out));

    level = vtm_pt_psc_start(psc, w, &table, &perm, log);
    for (;;) {
        unsigned idx = extract64(w->iova, vtm_level_shift(level),
                                 VTM_LEVEL_STRIDE);
        VTMWalkStep *step = &log->step[log->nsteps++];

        step->level = level;
        step->pte_addr = table + idx * sizeof(uint64_t);
        if (!vtm_mem_read64(mem, step->pte_addr, &pte)) {
            return VTM_FR_PTE_ACCESS;       /* LSL.1, 9.8 */
        }
        step->pte = pte;

        /* 9.8: an entry with R=W=0 is not present, its other bits free */
        if (!vtm_pt_entry_perm(pte)) {
            return vtm_pt_perm_fault(w);
        }
        perm &= vtm_pt_entry_perm(pte);

        leaf = level == 1 ||
               (FIELD_EX64(pte, SLPTE, PS) && f->leaf_ok[level]);
        if (pte & (leaf ? f->rsvd_leaf[level] : f->rsvd_table[level])) {
            return VTM_FR_PTE_RSVD;         /* LSL.2, 9.8 */
        }
        if (leaf) {
            break;
        }
        table = FIELD_EX64(pte, SLPTE, ADDR) << VTM_PAGE_SHIFT;
        vtm_pt_psc_fill(psc, w, level, table, perm);
        level--;
    }

    /* Permissions are the AND over all levels (3.6.1). */
    if ((w->is_write && !(perm & VTM_PERM_W)) ||
        (!w->is_write && !(perm & VTM_PERM_R))) {
        return vtm_pt_perm_fault(w);        /* LGN.2 / LGN.3 */
    }

    out->page_shift = vtm_level_shift(level);
    out->addr = (FIELD_EX64(pte, SLPTE, ADDR) << VTM_PAGE_SHIFT) &
                ~MAKE_64BIT_MASK(0, out->page_shift);
    out->perm = perm;
    log->leaf_level = level;
    return VTM_FR_NONE;
}
