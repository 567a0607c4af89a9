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
#include "vtm-timing.h"

typedef struct VTMCoreConfig {
    uint8_t haw;                /* host address width (bits) */
    uint8_t sagaw;              /* CAP.SAGAW */
    uint8_t sllps;              /* CAP.SLLPS */
    bool pt_supported;
    bool dt_supported;
    bool snoop_control;         /* ECAP.SC: leaves may set SNP */
    VTMCacheParams iotlb;       /* unified over page sizes */
    VTMCacheParams ctx_cache;
    VTMCacheParams psc[VTM_MAX_LEVELS + 1];   /* [2..5] */
    /* Shapes for structures other parts instantiate (vtm-timing.h) */
    VTMCacheParams pasid_cache; /* scalable mode: not modelled yet */
    VTMCacheParams iec;         /* interrupt entry cache (vtm-ir.c) */
    VTMCacheParams devtlb;      /* ATS endpoints: not modelled yet */
    VTMTimingParams timing;
} VTMCoreConfig;

/* Defaults for the caches and timing (docs/vtm.rst gives their sources). */
void vtm_core_default_config(VTMCoreConfig *cfg);

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
} VTMCoreStats;

/* IOTLB line payload */
typedef struct VTMIotlbEntry {
    uint64_t translated;        /* output page base */
    uint8_t page_shift;
    uint8_t perm;
    uint16_t did;
} VTMIotlbEntry;

typedef struct VTMCore {
    VTMCoreConfig cfg;
    VTMMemOps mem;
    VTMPtFormat fmt;
    VTMCtxLimits lim;
    VTMCache *iotlb;
    uint8_t iotlb_sizes;        /* page sizes inserted since the last flush */
    VTMCache *ctx_cache;
    VTMPscSet psc;
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
 */
void vtm_core_translate(VTMCore *c, const VTMRequest *req, VTMResult *res,
                        VTMWalkLog *log);

/*
 * Applies a context-cache, IOTLB or device-TLB invalidation.  Every
 * request type (interrupt entry cache and wait too) should come here to
 * be counted and charged to the timing model.
 */
void vtm_core_invalidate(VTMCore *c, const VTMInvOp *op);

/* The modelled clock reached now (IOMMU cycles): for invalidations. */
void vtm_core_set_time(VTMCore *c, uint64_t now);

#endif
