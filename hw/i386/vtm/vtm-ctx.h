/*
 * vtm: root and context table decode (legacy mode), 9.1 and 9.3.
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
} VTMContext;

/* What this IOMMU instance supports: the checks depend on it. */
typedef struct VTMCtxLimits {
    uint8_t sagaw;              /* CAP.SAGAW bits */
    uint8_t haw;                /* host address width in bits */
    bool pt_supported;          /* ECAP.PT: TT=10b allowed */
    bool dt_supported;          /* ECAP.DT: TT=01b allowed */
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

/* Number of second-stage levels for a context AW encoding, 0 if none. */
unsigned vtm_ctx_aw_levels(unsigned aw);

#endif
