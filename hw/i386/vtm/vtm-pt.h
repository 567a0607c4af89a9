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

/*
 * Range enumeration: the leaf mappings of an input-address range, for
 * replay and for the mapping tracker behind IOMMU notifiers (vtm-track.h).
 */

/* A naturally aligned block of 1 << shift bytes mapped to addr. */
typedef struct VTMMapping {
    uint64_t iova;
    uint64_t addr;              /* output address of iova */
    uint8_t shift;              /* 12, 21 or 30 from tables; up to 63 */
    uint8_t perm;               /* VTM_PERM_*, never VTM_PERM_NONE */
} VTMMapping;

static inline uint64_t vtm_mapping_last(const VTMMapping *m)
{
    return m->iova + (m->shift ? MAKE_64BIT_MASK(0, m->shift) : 0);
}

/* Receives one mapping; returns false to stop the enumeration. */
typedef bool (*VTMMappingFn)(const VTMMapping *m, void *opaque);

typedef struct VTMPtRange {
    uint64_t root;              /* top-level table */
    uint8_t levels;             /* 3, 4 or 5 */
    uint64_t first, last;       /* inclusive input-address range */
    uint64_t max_tables;        /* budget: table pages read */
    uint64_t max_leaves;        /* budget: mappings reported */
} VTMPtRange;

typedef struct VTMPtRangeResult {
    uint64_t tables;            /* table pages read */
    uint64_t leaves;            /* mappings reported */
    bool complete;              /* the whole range was covered */
    uint64_t next;              /* if not: first address not covered */
} VTMPtRangeResult;

/*
 * Reports, in ascending order, each leaf that overlaps [first, last] and
 * that a translation would use: every entry on its path present, free of
 * reserved bits and readable, and the permissions ANDed over the path not
 * empty (3.6.1, 9.8).  A leaf is reported whole even where it extends
 * beyond the range.  Anything that would fault is no mapping and is
 * skipped.  Each table is read once, only the slice the range needs.
 *
 * The walk stops when the budget is spent or fn returns false, whatever
 * the tables hold (a table may point back to itself or to a parent), so
 * its cost is bounded by the budget.  res->next then says where it
 * stopped: every mapping below it was reported.
 */
void vtm_pt_enumerate(const VTMPtFormat *f, const VTMMemOps *mem,
                      const VTMPtRange *r, VTMMappingFn fn, void *opaque,
                      VTMPtRangeResult *res);

/*
 * ECAP.SC: without snoop control, hardware does not support SNP=1 in a
 * leaf (9.8), so the bit is reserved there; with it, the bit is allowed.
 * vtm_pt_format_init() leaves the bit alone.
 */
void vtm_pt_format_set_snoop(VTMPtFormat *f, bool snoop_control);

#endif
