/*
 * vtm: the page-table walker.
 *
 * One iterator driven by a per-instance format (reserved-bit masks per
 * level, which levels may hold a leaf).  The walk reads guest memory only
 * through VTMMemOps, may start below the root when a paging-structure
 * cache holds the entry, and leaves a log that the timing model and
 * tracing read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_PT_H
#define HW_I386_VTM_PT_H

#include "vtm-types.h"
#include "vtm-cache.h"

#define VTM_MAX_LEVELS          5
#define VTM_SLLPS_2M            1       /* CAP.SLLPS bit 0 */
#define VTM_SLLPS_1G            2       /* CAP.SLLPS bit 1 */

/* Address bits translated at or below a level: 12 + 9 * level */
static inline unsigned vtm_level_shift(unsigned level)
{
    return VTM_PAGE_SHIFT + VTM_LEVEL_STRIDE * (level - 1);
}

/* Second-stage format of one IOMMU instance (9.8). */
typedef struct VTMPtFormat {
    uint8_t haw;
    uint8_t sllps;
    uint64_t rsvd_table[VTM_MAX_LEVELS + 1];  /* entry pointing to a table */
    uint64_t rsvd_leaf[VTM_MAX_LEVELS + 1];   /* entry mapping a page */
    bool leaf_ok[VTM_MAX_LEVELS + 1];         /* PS=1 allowed at level */
} VTMPtFormat;

void vtm_pt_format_init(VTMPtFormat *f, unsigned haw, uint8_t sllps);

/* Paging-structure caches, one per level that points to a table. */
typedef struct VTMPscSet {
    VTMCache *level[VTM_MAX_LEVELS + 1];      /* [2..5] used; NULL: none */
} VTMPscSet;

typedef struct VTMPscEntry {
    uint64_t table;             /* next-level table address */
    uint8_t perm;               /* permissions accumulated down to here */
} VTMPscEntry;

/* Key of the paging-structure cache entry at level for (did, iova). */
VTMCacheKey vtm_psc_key(uint16_t did, unsigned level, uint64_t iova);

typedef struct VTMWalkStep {
    uint8_t level;
    uint64_t pte_addr;
    uint64_t pte;
} VTMWalkStep;

typedef struct VTMWalkLog {
    uint8_t nsteps;             /* page-table reads, root first */
    VTMWalkStep step[VTM_MAX_LEVELS];
    uint8_t psc_hit_level;      /* level whose PSC entry was used, 0: none */
    uint8_t leaf_level;         /* 1: 4K, 2: 2M, 3: 1G; 0 if faulted */
} VTMWalkLog;

typedef struct VTMWalk {
    uint64_t root;              /* top-level table */
    uint8_t levels;             /* 3, 4 or 5 */
    uint16_t did;               /* tag for the paging-structure caches */
    uint64_t iova;
    bool is_write;
} VTMWalk;

typedef struct VTMWalkOut {
    uint64_t addr;              /* output page base */
    uint8_t page_shift;         /* 12, 21 or 30 */
    uint8_t perm;               /* effective: AND over all levels */
} VTMWalkOut;

/*
 * Walks the second-stage tables for w->iova.  Returns VTM_FR_NONE with
 * out filled, or the fault reason (read/write permission, not present,
 * reserved bit, table read error).  The input address must already have
 * been checked against the context's address width.  psc may be NULL.
 */
VTMFaultReason vtm_pt_walk(const VTMPtFormat *f, const VTMMemOps *mem,
                           VTMPscSet *psc, const VTMWalk *w,
                           VTMWalkOut *out, VTMWalkLog *log);

#endif
