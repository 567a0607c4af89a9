/*
 * vtm test library, scalable mode: encoders of the scalable-mode root
 * and context entries (9.2, 9.4), PASID directory and table entries
 * (9.5, 9.6), first-stage page tables (9.7) and the 256-bit
 * invalidation descriptors (6.5.2), over the same VtmtMem as
 * vtm-testlib.h.  Every layout comes from vtm-defs.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_LIB_VTM_ENC_SM_H
#define TESTS_LIB_VTM_ENC_SM_H

#include "vtm-testlib.h"

/* ---- Scalable-mode root and context entries (9.2, 9.4) ---------------- */

/* One present half of a scalable-mode root entry pointing at ctp. */
uint64_t vtmt_sm_root_half(uint64_t ctp);

typedef struct VtmtSmCtx {
    uint64_t pasid_dir;
    unsigned pdts;              /* directory of 2^(pdts + 7) entries */
    bool fpd, dte, paside, pre;
    uint32_t rid_pasid;
    bool rid_priv;
} VtmtSmCtx;

/* A present scalable-mode context entry. */
void vtmt_sm_ctx(uint64_t q[4], const VtmtSmCtx *c);

/*
 * The address of sid's 256-bit context entry under the scalable-mode
 * root table at root; with create, the context table of sid's root
 * entry half is made when it is not present.  0 when absent.
 */
uint64_t vtmt_sm_ctx_entry(const VtmtMem *m, uint64_t root, uint16_t sid,
                           bool create);
/* Writes sid's context entry (tables created); false without pages. */
bool vtmt_sm_set_ctx(const VtmtMem *m, uint64_t root, uint16_t sid,
                     const uint64_t q[4]);

/* ---- PASID directory and table (9.5, 9.6) ------------------------------ */

/* A present PASID directory entry pointing at the PASID table. */
uint64_t vtmt_pasid_dir_entry(uint64_t table, bool fpd);

typedef struct VtmtPasidEntry {
    unsigned pgtt;              /* VTM_PGTT_* */
    bool fpd;
    uint16_t did;
    unsigned aw;                /* second-stage AW encoding */
    uint64_t ssptptr;
    unsigned fspm;              /* VTM_FSPM_* */
    uint64_t fsptptr;
    bool sre, ere, wpe, nxe, smep, ssade, pgsnp, pwsnp;
} VtmtPasidEntry;

/* A present PASID table entry. */
void vtmt_pasid_entry(uint64_t q[VTM_PASID_ENTRY_QWORDS],
                      const VtmtPasidEntry *e);

/*
 * The address of pasid's entry under the directory at dir; with create,
 * a missing PASID table is made and the directory entry written.
 */
uint64_t vtmt_pasid_entry_addr(const VtmtMem *m, uint64_t dir,
                               uint32_t pasid, bool create);
bool vtmt_set_pasid_entry(const VtmtMem *m, uint64_t dir, uint32_t pasid,
                          const uint64_t q[VTM_PASID_ENTRY_QWORDS]);

/* ---- First-stage page tables (9.7) ------------------------------------ */

/* Flags of first-stage entries */
#define VTMT_FS_P       R_FSPTE_P_MASK
#define VTMT_FS_RW      R_FSPTE_RW_MASK
#define VTMT_FS_US      R_FSPTE_US_MASK
#define VTMT_FS_A       R_FSPTE_A_MASK
#define VTMT_FS_D       R_FSPTE_D_MASK
#define VTMT_FS_XD      R_FSPTE_XD_MASK
/* What Linux puts in its DMA domains' tables (present, RW, user, A) */
#define VTMT_FS_TABLE   (VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US | VTMT_FS_A)

/* A first-stage entry: addr's 51:12, flags, PS for a large-page leaf. */
uint64_t vtmt_fspte(uint64_t addr, uint64_t flags, bool ps);

/*
 * Maps iova to pa by a leaf at level (1 4K, 2 2M, 3 1G) with leaf_flags
 * in the first-stage tables whose top (levels 4 or 5) is pt->top;
 * missing tables (P clear) are made with table_flags.  Returns the
 * leaf's address, 0 when no page was left.
 */
uint64_t vtmt_fs_map(const VtmtPt *pt, uint64_t iova, uint64_t pa,
                     unsigned level, uint64_t leaf_flags,
                     uint64_t table_flags);
/* The address of iova's entry at level, 0 if the path is missing. */
uint64_t vtmt_fs_entry(const VtmtPt *pt, uint64_t iova, unsigned level);

/* ---- Nested translation: guest-physical memory (3.8) ------------------ */

/*
 * The guest-physical memory of a nested translation: guest page gpa is
 * host page gpa + off, and each page allocated through mem is mapped so
 * in the second-stage tables ss, by a 4 KiB leaf with ss_flags (R/W,
 * VTMT_RW by default).  First-stage encoders (vtmt_fs_map) given &mem
 * write guest-physical tables.  The host memory must be able to hold
 * the pages (a VtmtFake allocates them on write).
 */
typedef struct VtmtGpa {
    VtmtMem mem;                /* the guest-physical view */
    const VtmtMem *host;
    const VtmtPt *ss;
    uint64_t off;               /* host = guest-physical + off */
    uint64_t next, limit;       /* guest pages still to allocate */
    uint64_t ss_flags;
} VtmtGpa;

void vtmt_gpa_init(VtmtGpa *g, const VtmtMem *host, const VtmtPt *ss,
                   uint64_t off, uint64_t first, uint64_t limit);
/* The host address of a guest-physical one. */
uint64_t vtmt_gpa_host(const VtmtGpa *g, uint64_t gpa);
/*
 * Maps guest-physical gpa to its host page by a second-stage leaf at
 * level (1 4K, 2 2M, 3 1G) with flags; the leaf's address or 0.
 */
uint64_t vtmt_gpa_map(const VtmtGpa *g, uint64_t gpa, unsigned level,
                      uint64_t flags);

/* ---- 256-bit invalidation descriptors (6.5.2) ------------------------- */

/* 6.5.2.2 PASID-cache invalidation (type 7) */
VtmtDesc vtmt_qi_pc(unsigned gran, uint16_t did, uint32_t pasid);
/* 6.5.2.4 PASID-based IOTLB invalidation (type 6) */
VtmtDesc vtmt_qi_piotlb(unsigned gran, uint16_t did, uint32_t pasid,
                        uint64_t addr, unsigned am, bool ih);
/* 6.5.2.6 PASID-based device-TLB invalidation (type 8) */
VtmtDesc vtmt_qi_pdevtlb(uint16_t sid, uint16_t pfsid, uint8_t mip,
                         uint32_t pasid, uint64_t addr, bool size,
                         bool global);

#endif
