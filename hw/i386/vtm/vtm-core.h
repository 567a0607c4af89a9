/*
 * vtm: the DMA-remapping core of one IOMMU unit.
 *
 * Holds the latched root table pointer, the translation caches and the
 * walker format; translates a request through context cache, IOTLB,
 * paging-structure caches and the page walker; applies invalidations.
 * It knows nothing of QEMU's machine: the device glue owns registers,
 * locking, fault recording and address spaces.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_CORE_H
#define HW_I386_VTM_CORE_H

#include "vtm-types.h"
#include "vtm-cache.h"
#include "vtm-ctx.h"
#include "vtm-pt.h"
#include "vtm-qi.h"
#include "vtm-prq.h"
#include "vtm-timing.h"

/*
 * Scalable mode, as the device glue drives it:
 *  - config: set sm_supported (ECAP.SMTS) and the capability bits below
 *    from the properties, and report the same bits in ECAP/CAP: SLTS,
 *    FLTS, NEST, PT, DT, PSS, SLADS, ERS, PRS, CAP.FL1GP, CAP.FL5LP;
 *    fs_psc[] and pasid_cache shape the caches (vtm-timing.h).
 *  - SRTP latches RTADDR with TTM (vtm_core_set_root); TTM=01b then
 *    selects scalable mode when sm_supported.
 *  - requests: VTMRequest.has_pasid/pasid/priv/exec for PASID-tagged
 *    DMA; plain DMA leaves them 0 and gets RID_PASID.
 *  - results: stage, pasid, scalable; faults carry has_pasid/pasid/
 *    priv/exec for FRCD.PP/PV/PRIV/EXE and the 0x30-0x87 reasons.
 *  - invalidation: with IQA.DW=1 decode with vtm_qi_decode_wide(desc,
 *    256, ...) (VTMQiLimits.sm_supported) and pass every op here.
 *  - first-stage walks update A/D through VTMMemOps.cmpxchg64, which
 *    should be atomic against the CPUs.
 *  - stats: VTMCoreStats sm_translations, stage[], pasid_lookups/hits,
 *    fs_walks, ad_writes, inv_pc/piotlb/pdevtlb; per-requester counters
 *    in VTMCounters (pasid_lookups/hits, ad_writes, stage[]).
 *  - nested (ECAP.NEST): nest_supported from a property, reported in
 *    ECAP.NEST; nested_tlb shapes the nested TLB (nested-tlb-*
 *    properties come with VTM_TIMING_PARAMS); VTMCoreStats
 *    nested_walks, ss_reads, ntlb_lookups/hits and VTMCounters ss_reads,
 *    ntlb_lookups/hits for the stats.  Faults 0x73-0x77 and 0x84 are
 *    recorded like any other scalable-mode reason.
 *  - second-stage A/D (ECAP.SSADS, the SLADS field, bit 45): slads
 *    from a property; the PASID entry's SSADE then makes second-stage
 *    walks update A/D through cmpxchg64 (as first-stage ones do).
 *  - page requests (ECAP.PRS): prs from a property; the queue, its
 *    registers (PQH/PQT/PQA/PRS/PECTL/PEDATA/PEADDR, vtm-defs.h) and
 *    descriptors are vtm-prq.h's pure functions, driven by the glue.
 */
typedef struct VTMCoreConfig {
    uint8_t haw;                /* host address width (bits) */
    uint8_t sagaw;              /* CAP.SAGAW */
    uint8_t sllps;              /* CAP.SLLPS */
    bool pt_supported;
    bool dt_supported;
    bool snoop_control;         /* ECAP.SC: leaves may set SNP */
    /*
     * Scalable mode: what the unit reports in ECAP/CAP.  With
     * sm_supported clear, RTADDR.TTM=01b is refused as in legacy-only
     * units (LRT.3) and none of the below matters.
     */
    bool sm_supported;          /* ECAP.SMTS */
    bool fs_supported;          /* ECAP.FLTS: PGTT first stage */
    bool ss_supported;          /* ECAP.SLTS: PGTT second stage */
    bool nest_supported;        /* ECAP.NEST: PGTT nested */
    bool fl1gp;                 /* CAP.FL1GP: first-stage 1G pages */
    bool fl5lp;                 /* CAP.FL5LP: first-stage 5 levels */
    bool ers;                   /* ECAP.ERS: execute requests */
    bool srs;                   /* ECAP.SRS: supervisor requests */
    bool prs;                   /* ECAP.PRS: page requests */
    bool slads;                 /* ECAP.SSADS (SLADS): second-stage A/D */
    uint8_t pss;                /* ECAP.PSS: PASIDs of pss + 1 bits */
    VTMCacheParams iotlb;       /* unified over page sizes */
    VTMCacheParams ctx_cache;
    VTMCacheParams psc[VTM_MAX_LEVELS + 1];   /* [2..5] */
    VTMCacheParams fs_psc[VTM_MAX_LEVELS + 1];    /* first stage [2..5] */
    VTMCacheParams pasid_cache; /* scalable mode: PASID table entries */
    VTMCacheParams nested_tlb;  /* nested: guest-physical -> host pages */
    /* Shapes for structures other parts instantiate (vtm-timing.h) */
    VTMCacheParams iec;         /* interrupt entry cache (vtm-ir.c) */
    VTMCacheParams devtlb;      /* ATS endpoints' device-TLBs (timed) */
    VTMTimingParams timing;
} VTMCoreConfig;

/* Defaults for the caches and timing (docs/vtm.rst gives their sources). */
void vtm_core_default_config(VTMCoreConfig *cfg);

/*
 * cfg with every translation cache off (IOTLB, context, PASID, nested
 * TLB, both stages' PSCs): a reference unit that walks every request.
 */
void vtm_core_uncached_config(VTMCoreConfig *cfg);

/* NULL when usable, else a message naming the bad cache parameter. */
const char *vtm_core_config_error(const VTMCoreConfig *cfg);

typedef struct VTMCoreStats {
    uint64_t translations;
    uint64_t faults;
    uint64_t walks;
    uint64_t mem_reads;         /* root, context and page-table reads */
    uint64_t inv_cc;
    uint64_t inv_iotlb;
    uint64_t inv_devtlb;
    uint64_t inv_iec;
    uint64_t inv_wait;
    uint64_t inv_cc_gran[4];    /* by VTM_INV_GLOBAL / _DOMAIN / _DEVICE */
    uint64_t inv_iotlb_gran[4]; /* by VTM_INV_GLOBAL / _DOMAIN / _PAGE */
    /* Scalable mode */
    uint64_t sm_translations;   /* of translations, in scalable mode */
    uint64_t stage[VTM_STAGE__MAX];     /* translations by VTMStage */
    uint64_t pasid_lookups;     /* PASID-cache lookups */
    uint64_t pasid_hits;
    uint64_t fs_walks;          /* of walks, first stage */
    uint64_t ad_writes;         /* locked A/D updates */
    uint64_t inv_pc;
    uint64_t inv_piotlb;
    uint64_t inv_pdevtlb;
    uint64_t inv_pc_gran[4];    /* by VTM_QI_PC_* */
    uint64_t inv_piotlb_gran[4];        /* by VTM_QI_PIOTLB_* */
    /* Nested translation */
    uint64_t nested_walks;      /* of walks, nested (two-dimensional) */
    uint64_t ss_reads;          /* of mem_reads, their second-stage reads */
    uint64_t ntlb_lookups;      /* nested-TLB lookups */
    uint64_t ntlb_hits;
} VTMCoreStats;

/*
 * IOTLB line payload.  Keys: tag iova >> page_shift; tag2 did in bits
 * 15:0, page_shift in 23:16, and for first-stage translations PASID + 1
 * in 63:24 (0 for legacy and second-stage lines, which all PASIDs of a
 * domain share).
 */
typedef struct VTMIotlbEntry {
    uint64_t translated;        /* output page base */
    uint8_t page_shift;
    uint8_t perm;
    uint16_t did;
    /*
     * first stage: rights over the path (vtm_pt_fs_check) and D;
     * second stage with SSADE: rights and D of the leaf (a write to a
     * clean page walks again); nested: the first stage's rights, D of
     * both leaves, and perm the second stage's rights
     */
    uint8_t stage;              /* VTMStage */
    uint8_t rights;
    bool dirty;
    bool ad;                    /* second stage: D tracked (SSADE) */
} VTMIotlbEntry;

/*
 * Nested-TLB line payload: one second-stage translation of a guest-
 * physical page, for the first-stage table reads and outputs of nested
 * walks.  Keyed like second-stage IOTLB lines (tag gpa >> page_shift,
 * tag2 did | page_shift << 16).
 */
typedef struct VTMNtlbEntry {
    uint64_t hpa;               /* output page base */
    uint8_t page_shift;
    uint8_t perm;               /* VTM_PERM_*: W only if D (with SSADE) */
    uint8_t rights;             /* VTM_PERM_* of the walk */
    bool dirty;
} VTMNtlbEntry;

typedef struct VTMCore {
    VTMCoreConfig cfg;
    VTMMemOps mem;
    VTMPtFormat fmt;
    VTMCtxLimits lim;
    VTMCache *iotlb;
    uint8_t iotlb_sizes;        /* page sizes inserted since the last flush */
    VTMCache *ctx_cache;
    VTMPscSet psc;
    /* Scalable mode */
    VTMPtFormat fmt_ss;         /* second stage with SM fault reasons */
    VTMPtFormat fmt_fs;         /* first stage */
    VTMPscSet fs_psc;           /* first-stage PSCs, tagged by PASID */
    VTMCache *pasid_cache;      /* (sid, PASID) -> VTMPasidEntry */
    /* Nested: second-stage translations of guest-physical addresses */
    VTMCache *ntlb;             /* (did, gpa page) -> VTMNtlbEntry */
    uint8_t ntlb_sizes;         /* page sizes inserted since the flush */
    VTMPtFormat fmt_nest_top;   /* second stage of the top FS table */
    VTMPtFormat fmt_nest;       /* second stage of lower FS tables */
    bool nested_cached;         /* nested lines may be in IOTLB/PSCs */
    uint64_t root_table;        /* latched by SRTP */
    uint8_t ttm;                /* RTADDR.TTM latched by SRTP */
    VTMCoreStats stats;
    VTMTiming timing;           /* model state and unit counters */
} VTMCore;

void vtm_core_init(VTMCore *c, const VTMCoreConfig *cfg,
                   const VTMMemOps *mem);
void vtm_core_destroy(VTMCore *c);

/* Drops every cached translation and latched state (device reset). */
void vtm_core_reset(VTMCore *c);

/*
 * SRTP: latch RTADDR.  Cached context entries stay until the guest
 * invalidates them, as on hardware.
 */
void vtm_core_set_root(VTMCore *c, uint64_t rtaddr);

/*
 * Translates one request with translation enabled.  res->fault.reason is
 * VTM_FR_NONE on success; res->how says what the translation did and,
 * unless timing is off or the request is untimed, res->latency what it
 * cost (the unit counters in c->timing.unit then count it).  log (may be
 * NULL) receives the walk log; a request satisfied by the IOTLB leaves
 * log->nsteps == 0.
 *
 * Scalable mode (RTADDR.TTM=01b latched and cfg.sm_supported): the
 * context comes from the scalable-mode tables, the PASID entry (the
 * request's PASID, or RID_PASID) from the PASID cache or memory, and
 * its PGTT selects the tables: res->stage says which, res->pasid the
 * PASID used, res->domain_id the PASID entry's DID.  First-stage walks
 * set A/D bits through c->mem's cmpxchg64.  A fault carries the
 * request's PASID, privilege and execute flags (fault.has_pasid, ...)
 * for FRCD.PP/PV/PRIV/EXE, and fault.fpd also covers the PASID
 * directory and table entries' FPD.  A request with PASID in legacy
 * mode faults with SRTA.2 (VTM_FR_SM_TTM0_PASID).  Requests to the
 * interrupt range stay the glue's to catch (VTM_FR_SM_INTR_ADDR in
 * scalable mode).
 *
 * Second stage with the PASID entry's SSADE (cfg.slads, ECAP.SSADS):
 * the walk sets A in every entry and D in the leaf of a write, through
 * cmpxchg64; a write hitting an IOTLB line of a clean page walks again.
 *
 * Nested PGTT (cfg.nest_supported, ECAP.NEST; 3.8): the first-stage
 * walk reads its tables at guest-physical addresses, each translated
 * through the second stage (the nested TLB, c->ntlb, then the second
 * stage's PSCs and walk), and the output is translated the same way:
 * res->stage VTM_STAGE_NESTED, res->how.ss_reads etc.  Faults: SFS.4-8
 * for a first-stage table the second stage cannot give (beyond its AW,
 * unreadable, or unwritable for an A/D update), SSS.x for the second
 * stage's own tables, SGN.5 for an output beyond the second stage's AW
 * and SGN.6/7 for its rights.  A/D bits are set in both stages (SSADE).
 * The IOTLB caches the combined translation with the smaller page size.
 *
 * A request with req->ats (cfg.dt_supported), timed: the endpoint's
 * device-TLB (cfg.devtlb) is looked up first.  A hit costs devtlb-lat
 * and the unit sees nothing (res->how says only devtlb_hit); a miss is
 * a translation request, charged as the unit's translation plus the
 * lookup and ats-rtt-lat, whose result fills the device-TLB.  The
 * translation itself is exact either way: a device-TLB entry never
 * outlives the mapping, which intel-iommu does not model either.
 */
void vtm_core_translate(VTMCore *c, const VTMRequest *req, VTMResult *res,
                        VTMWalkLog *log);

/*
 * Applies a context-cache, IOTLB or device-TLB invalidation.  Every
 * request type (interrupt entry cache and wait too) should come here to
 * be counted and charged to the timing model.
 *
 * Scalable mode: VTM_INV_PC drops PASID-cache entries (global, by DID,
 * or by DID and PASID); VTM_INV_PIOTLB the first-stage IOTLB and
 * paging-structure-cache entries of (DID, PASID), page-selective ones
 * by 2^AM pages with IH keeping the paging-structure caches;
 * VTM_INV_PDEVTLB drops the timed device-TLB's range (which has no
 * PASIDs) like VTM_INV_DEVTLB.  The context-cache
 * and IOTLB types keep their granularities: a context-cache
 * invalidation also drops the PASID-cache entries it may cover (all for
 * global and domain, the device's for device-selective), and IOTLB
 * global/domain invalidation also drops first-stage entries, while a
 * page-selective one covers second-stage (PASID-untagged) lines only.
 * Nested: IOTLB invalidations also drop the nested TLB's lines they
 * cover (global, domain, page range) and, while nested lines may be
 * cached, a page-selective one drops the domain's nested IOTLB and
 * first-stage PSC lines, which may hold the second stage's old output;
 * VTM_INV_PIOTLB drops a PASID's nested lines like first-stage ones.
 */
void vtm_core_invalidate(VTMCore *c, const VTMInvOp *op);

/*
 * Page requests (ECAP.PRS, 7.5): the checks the unit makes before it
 * queues a page request from req->rid (vtm_prq_post()).  Returns
 * VTM_FR_NONE, or the fault to record: SRTA.3 when the root table is
 * not in scalable mode (SRTA.1 for TTM 10b/11b), the context entry's
 * SRT.x/SCT.x faults, SCT.8 when its PRE is clear, SCT.6/SCT.7 for a
 * PASID it does not allow.  A faulted request is not queued; if it
 * ends its group (LPIG) the unit answers it with VTM_PGRP_RC_INVALID.
 * *fpd is the context entry's FPD (record nothing when set).
 */
VTMFaultReason vtm_core_page_request_check(VTMCore *c,
                                           const VTMPageReq *req,
                                           bool *fpd);

/* The modelled clock reached now (IOMMU cycles): for invalidations. */
void vtm_core_set_time(VTMCore *c, uint64_t now);

#endif
