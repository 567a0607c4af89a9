/*
 * vtm: root and context table decode: legacy mode (9.1, 9.3) and
 * scalable mode (9.2, 9.4) with the PASID directory and PASID table
 * (9.5, 9.6).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_CTX_H
#define HW_I386_VTM_CTX_H

#include "vtm-types.h"

/* A decoded and checked context entry: immutable translation config. */
typedef struct VTMContext {
    uint8_t tt;                 /* VTM_TT_* */
    uint8_t levels;             /* 3, 4 or 5 (0 for pass-through) */
    uint8_t aw_bits;            /* 39, 48 or 57 */
    bool fpd;
    uint16_t did;
    uint64_t slptptr;           /* second-stage table, page aligned */
    /*
     * Scalable mode (sm true): the context entry holds no translation
     * type, domain or tables (tt, levels, aw_bits, did and slptptr stay
     * 0); those come from the PASID table entry (VTMPasidEntry).
     */
    bool sm;
    bool dte;                   /* device-TLB (ATS) enabled */
    bool paside;                /* requests with PASID allowed */
    bool pre;                   /* page requests enabled */
    bool rid_priv;              /* privilege of requests without PASID */
    uint8_t pdts;               /* directory of 2^(pdts + 7) entries */
    uint32_t rid_pasid;         /* PASID of requests without PASID */
    uint64_t pasid_dir;         /* PASID directory, page aligned */
} VTMContext;

/*
 * A decoded and checked scalable-mode PASID table entry (9.6): the
 * immutable translation config of one (requester, PASID).
 */
typedef struct VTMPasidEntry {
    uint8_t pgtt;               /* VTM_PGTT_* */
    bool fpd;                   /* this entry's or its directory entry's */
    uint16_t did;
    /* second stage: PGTT second-stage or nested */
    uint8_t ss_levels;          /* 3, 4 or 5 */
    uint8_t ss_aw_bits;         /* 39, 48 or 57 */
    uint64_t ssptptr;
    bool ssade;                 /* second-stage A/D enable */
    bool ssee;                  /* second-stage execute enable */
    /* first stage: PGTT first-stage or nested */
    uint8_t fs_levels;          /* 4 or 5 */
    uint64_t fsptptr;
    bool sre;                   /* supervisor requests enable */
    bool ere;                   /* execute requests enable */
    bool wpe;                   /* supervisor writes obey R/W */
    bool nxe;                   /* XD honoured */
    bool smep;                  /* supervisor execute of user pages */
    bool eafe;                  /* extended accessed flag */
    bool pgsnp;                 /* page snoop */
    bool pwsnp;                 /* page-walk snoop */
} VTMPasidEntry;

/* What this IOMMU instance supports: the checks depend on it. */
typedef struct VTMCtxLimits {
    uint8_t sagaw;              /* CAP.SAGAW bits */
    uint8_t haw;                /* host address width in bits */
    bool pt_supported;          /* ECAP.PT: TT=10b allowed */
    bool dt_supported;          /* ECAP.DT: TT=01b allowed */
    /* Scalable mode: the ECAP/CAP bits the checks depend on */
    bool fs_supported;          /* ECAP.FLTS: PGTT first stage */
    bool ss_supported;          /* ECAP.SLTS: PGTT second stage */
    bool nest_supported;        /* ECAP.NEST: PGTT nested */
    bool slads;                 /* ECAP.SLADS: SSADE allowed */
    bool ers;                   /* ECAP.ERS: ERE allowed */
    bool srs;                   /* ECAP.SRS: SRE allowed */
    bool prs;                   /* ECAP.PRS: PRE allowed */
    bool snoop_control;         /* ECAP.SC: PGSNP allowed */
    bool fl5lp;                 /* CAP.FL5LP: FSPM 5-level allowed */
    uint8_t pss;                /* ECAP.PSS: PASIDs of pss + 1 bits */
} VTMCtxLimits;

/*
 * Reads the root entry and the context entry for sid from the root table
 * at root_table and checks them.  Returns VTM_FR_NONE and fills ctx, or a
 * fault reason; ctx->fpd is valid for any fault raised after the context
 * entry was read (so the caller can honour FPD).  *mem_reads counts the
 * memory reads made.
 */
VTMFaultReason vtm_ctx_fetch(const VTMMemOps *mem, uint64_t root_table,
                             uint16_t sid, const VTMCtxLimits *lim,
                             VTMContext *ctx, unsigned *mem_reads);

/*
 * Scalable mode, RTADDR.TTM=01b.  Reads the scalable-mode root entry
 * half and the 256-bit context entry for sid (9.2, 9.4) and checks
 * them; on success ctx->sm is true.  Faults are the scalable-mode
 * reasons SRT.x and SCT.x; ctx->fpd is valid once the context entry was
 * read.  *mem_reads counts the memory reads.
 */
VTMFaultReason vtm_ctx_fetch_sm(const VTMMemOps *mem, uint64_t root_table,
                                uint16_t sid, const VTMCtxLimits *lim,
                                VTMContext *ctx, unsigned *mem_reads);

/*
 * The PASID a request uses under the scalable-mode context ctx, and the
 * checks of the request against the context entry (9.4, 7.1.3): a
 * translation request needs DTE (SCT.5), a request with PASID needs
 * PASIDE (SCT.6) and a PASID the directory covers (SCT.7); a request
 * without PASID takes RID_PASID and RID_PRIV, which must be in range
 * too (SCT.9).  Sets *pasid and *priv.
 */
VTMFaultReason vtm_ctx_sm_pasid(const VTMContext *ctx,
                                const VTMCtxLimits *lim, bool has_pasid,
                                uint32_t req_pasid, bool req_priv,
                                bool is_translation_req, uint32_t *pasid,
                                bool *priv);

/*
 * Reads the PASID directory entry and the PASID table entry of pasid
 * under ctx (9.5, 9.6) and checks them: SPD.x, SPT.x faults.  pe->fpd
 * is valid for a fault raised after the directory entry was read.
 * *mem_reads counts the memory reads (one per entry).
 */
VTMFaultReason vtm_pasid_fetch(const VTMMemOps *mem, const VTMContext *ctx,
                               uint32_t pasid, const VTMCtxLimits *lim,
                               VTMPasidEntry *pe, unsigned *mem_reads);

/*
 * The checks of a request against its PASID table entry: a supervisor
 * request needs SRE (SPT.6), an execute request ERE (SPT.5).
 */
VTMFaultReason vtm_pasid_check_request(const VTMPasidEntry *pe, bool priv,
                                       bool exec);

/*
 * For the glue's notifiers and replay: the scalable-mode context of sid
 * and the PASID table entry its requests without PASID use (RID_PASID),
 * read from memory as vtm_ctx_fetch() does in legacy mode.  pe->pgtt
 * says whether MAP notifiers can follow the mappings: second stage
 * (pe->ssptptr, pe->ss_levels, vtm_pt_enumerate) or pass-through; never
 * first stage, which software need not invalidate when it maps.
 */
VTMFaultReason vtm_ctx_fetch_rid_pasid(const VTMMemOps *mem,
                                       uint64_t root_table, uint16_t sid,
                                       const VTMCtxLimits *lim,
                                       VTMContext *ctx, VTMPasidEntry *pe,
                                       unsigned *mem_reads);

/* Number of second-stage levels for a context AW encoding, 0 if none. */
unsigned vtm_ctx_aw_levels(unsigned aw);

#endif
