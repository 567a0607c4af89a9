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

/* The two table formats the one walker reads. */
typedef enum VTMPtKind {
    VTM_PT_SECOND = 0,          /* second stage (9.8) */
    VTM_PT_FIRST,               /* first stage, IA-32e style (9.7) */
} VTMPtKind;

/*
 * The fault each walk failure raises: the codes differ between legacy
 * mode (7.1.3 LSL.x/LGN.x) and scalable mode (SSS.x, SFS.x, SGN.x).
 * not_present 0 reports a not-present entry as a permission fault
 * (legacy second stage: an entry with R=W=0 is "not present", 9.8).
 */
typedef struct VTMPtFaults {
    VTMFaultReason access;      /* table read failed */
    VTMFaultReason rsvd;        /* reserved bit set */
    VTMFaultReason not_present;
    VTMFaultReason read, write; /* permission, by request type */
    VTMFaultReason user;        /* first stage: user request, U/S 0 */
    VTMFaultReason exec;        /* first stage: XD or SMEP */
    VTMFaultReason nest_top_access;     /* nested: top entry unreadable */
} VTMPtFaults;

/* Table format of one IOMMU instance: per-level reserved-bit masks. */
typedef struct VTMPtFormat {
    uint8_t kind;               /* VTMPtKind */
    uint8_t haw;
    uint8_t sllps;              /* large pages: VTM_SLLPS_* bits */
    uint64_t rsvd_table[VTM_MAX_LEVELS + 1];  /* entry pointing to a table */
    uint64_t rsvd_leaf[VTM_MAX_LEVELS + 1];   /* entry mapping a page */
    bool leaf_ok[VTM_MAX_LEVELS + 1];         /* PS=1 allowed at level */
    VTMPtFaults fr;
} VTMPtFormat;

/* Second stage; legacy-mode fault reasons. */
void vtm_pt_format_init(VTMPtFormat *f, unsigned haw, uint8_t sllps);

/* Second stage reached through a scalable-mode PASID entry. */
void vtm_pt_format_set_sm_faults(VTMPtFormat *f);

/*
 * First stage (9.7): 4- or 5-level tables, 2M pages always, 1G pages
 * with CAP.FL1GP; scalable-mode fault reasons.
 */
void vtm_pt_format_init_fs(VTMPtFormat *f, unsigned haw, bool fl1gp);

/*
 * Permission bits the walker accumulates (AND over the levels) beyond
 * VTM_PERM_R/W: the first stage's U/S and execute rights.  Second-stage
 * entries grant both, so they never narrow a second-stage walk.
 */
#define VTM_PT_PERM_U           4
#define VTM_PT_PERM_X           8
#define VTM_PT_PERM_ALL         (VTM_PERM_RW | VTM_PT_PERM_U | VTM_PT_PERM_X)

/* Paging-structure caches, one per level that points to a table. */
typedef struct VTMPscSet {
    VTMCache *level[VTM_MAX_LEVELS + 1];      /* [2..5] used; NULL: none */
} VTMPscSet;

typedef struct VTMPscEntry {
    uint64_t table;             /* next-level table address */
    uint8_t perm;               /* permissions accumulated down to here */
    /* nested walks: table is the host address of the table at gpa */
    uint64_t gpa;
} VTMPscEntry;

/* Key of the paging-structure cache entry at level for (did, iova). */
VTMCacheKey vtm_psc_key(uint16_t did, unsigned level, uint64_t iova);

/*
 * The same with a tag above the level (tag2 bits 63:24): the first
 * stage's caches tag each entry with its PASID (pasid + 1), so that
 * a PASID-selective invalidation finds them; 0 is the untagged key.
 */
VTMCacheKey vtm_psc_key_tagged(uint16_t did, uint32_t tag, unsigned level,
                               uint64_t iova);

typedef struct VTMWalkStep {
    uint8_t level;
    uint64_t pte_addr;
    uint64_t pte;
    uint64_t table_gpa;         /* nested: guest-physical table address */
} VTMWalkStep;

typedef struct VTMWalkLog {
    uint8_t nsteps;             /* page-table reads, root first */
    VTMWalkStep step[VTM_MAX_LEVELS];
    uint8_t psc_hit_level;      /* level whose PSC entry was used, 0: none */
    uint8_t leaf_level;         /* 1: 4K, 2: 2M, 3: 1G; 0 if faulted */
    uint8_t ad_writes;          /* first stage: locked A/D updates made */
    uint8_t restarts;           /* walks redone after a lost A/D race */
} VTMWalkLog;

/*
 * Nested translation (PGTT nested, 3.8): the first-stage tables sit in
 * guest-physical memory.  xlate translates the guest-physical address
 * of a first-stage table (top: the top-level one) through the second
 * stage, for a read of an entry or, with write, for a locked A/D update
 * of one; it returns VTM_FR_NONE and *hpa, or the nested fault (SFS.5-8,
 * SSS.x: the caller's to choose).
 */
typedef struct VTMPtNest {
    VTMFaultReason (*xlate)(void *opaque, uint64_t gpa, bool top,
                            bool write, uint64_t *hpa);
    void *opaque;
} VTMPtNest;

typedef struct VTMWalk {
    uint64_t root;              /* top-level table */
    uint8_t levels;             /* 3, 4 or 5 */
    uint16_t did;               /* tag for the paging-structure caches */
    uint64_t iova;
    bool is_write;
    /* First stage only (VTM_PT_FIRST formats) */
    uint32_t psc_tag;           /* vtm_psc_key_tagged(): pasid + 1 */
    bool priv;                  /* supervisor request */
    bool exec;                  /* execute request */
    bool wpe;                   /* PASID entry: supervisor writes obey R/W */
    bool nxe;                   /* PASID entry: XD honoured */
    bool smep;                  /* PASID entry: no supervisor exec of user */
    /* Second stage only: set A and D (PASID entry SSADE, ECAP.SSADS) */
    bool ad;
    /* First stage only: nested, root and table pointers guest-physical */
    const VTMPtNest *nest;
} VTMWalk;

typedef struct VTMWalkOut {
    uint64_t addr;              /* output page base */
    uint8_t page_shift;         /* 12, 21 or 30 */
    uint8_t perm;               /* effective: AND over all levels */
    /*
     * First stage: the rights accumulated over the path (VTM_PERM_* and
     * VTM_PT_PERM_*) and whether the leaf is dirty, for an IOTLB entry
     * that later requests of either privilege are checked against.
     */
    uint8_t rights;
    bool dirty;
} VTMWalkOut;

/*
 * Walks the tables of format f for w->iova.  Returns VTM_FR_NONE with
 * out filled, or the format's fault reason (permission, not present,
 * reserved bit, table read error).  The input address must already have
 * been checked against the address width (second stage) or for being
 * canonical (first stage, vtm_pt_fs_canonical()).  psc may be NULL.
 *
 * First stage: a translation that succeeds sets A in every entry it
 * read and, for a write, D in the leaf, each with one locked
 * compare-and-exchange through mem (9.7, 3.6.2); an entry that changed
 * under it makes the walk start again (a bounded number of times).
 * out->perm then holds VTM_PERM_W only if a write by this requester is
 * allowed and the leaf is dirty, so a caller caching it never lets a
 * write through without D set.
 *
 * Second stage with w->ad (SSADE, 9.8): the same locked updates of the
 * second-stage A (every entry read) and D (the leaf, for a write) bits;
 * out->dirty and out->perm as for the first stage.
 *
 * Nested (w->nest, first-stage formats): every table address the walk
 * meets (the root and each entry's) goes through w->nest->xlate before
 * it is read, the paging-structure caches keep the host address, and
 * each A/D update first translates its table for a write.  A fault of
 * xlate ends the walk with that fault.
 */
VTMFaultReason vtm_pt_walk(const VTMPtFormat *f, const VTMMemOps *mem,
                           VTMPscSet *psc, const VTMWalk *w,
                           VTMWalkOut *out, VTMWalkLog *log);

/*
 * First stage: whether a request with these rights and flags may access
 * the page (3.6.2): a user request needs U/S on every level, a write
 * R/W (a supervisor write only with WPE) and a dirty leaf (else it must
 * walk again to set D: VTM_FR_NONE with *need_walk set), an execute
 * request X (and, with SMEP, a supervisor one a non-user page).
 * Returns the fault reason of f, or VTM_FR_NONE.
 */
VTMFaultReason vtm_pt_fs_check(const VTMPtFormat *f, const VTMWalk *w,
                               uint8_t rights, bool dirty, bool *need_walk);

/* The effective VTM_PERM_* of a first-stage translation for w. */
uint8_t vtm_pt_fs_perm(const VTMWalk *w, uint8_t rights, bool dirty);

/*
 * First stage: addr is canonical for levels-level tables (bits 63:47,
 * or 63:56 for 5 levels, all equal), 3.6.1 / SGN.1.
 */
bool vtm_pt_fs_canonical(uint64_t addr, unsigned levels);

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
 * Second-stage formats only (first-stage tables are not enumerated:
 * software need not invalidate new first-stage mappings, so MAP
 * notifiers cannot follow them).
 *
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
