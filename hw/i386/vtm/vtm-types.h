/*
 * vtm: types shared by the pure core and the device glue.
 *
 * The core reaches guest memory only through VTMMemOps, so it can run over
 * a QEMU AddressSpace in the device and over a fake memory in unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_TYPES_H
#define HW_I386_VTM_TYPES_H

#include "vtm-defs.h"

/*
 * QEMU builds with -ftrivial-auto-var-init=zero: every local is zeroed
 * on entry, and a large one costs a `rep stos` (tens of cycles) even
 * when the code fills it first.  VTM_NOINIT leaves a hot-path local
 * that is written before it is read (or cleared by a callee) alone.
 */
#if defined(__has_attribute)
#if __has_attribute(uninitialized)
#define VTM_NOINIT __attribute__((uninitialized))
#endif
#endif
#ifndef VTM_NOINIT
#define VTM_NOINIT
#endif

typedef struct VTMMemOps {
    /* Both return false when the access cannot complete (bus error). */
    bool (*read)(void *opaque, uint64_t addr, void *buf, size_t len);
    bool (*write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    /*
     * Optional: an atomic compare-and-exchange of the aligned qword at
     * addr (values in CPU order), for structures other agents update
     * concurrently (the posted interrupt descriptor, 5.2.3).  Stores new
     * if the qword holds expected; *found receives what it held.  When
     * NULL, vtm_mem_cmpxchg64() does a plain read and write.
     */
    bool (*cmpxchg64)(void *opaque, uint64_t addr, uint64_t expected,
                      uint64_t new, uint64_t *found);
    void *opaque;
} VTMMemOps;

static inline bool vtm_mem_read64(const VTMMemOps *m, uint64_t addr,
                                  uint64_t *val)
{
    uint64_t le;

    if (!m->read(m->opaque, addr, &le, sizeof(le))) {
        return false;
    }
    *val = le64_to_cpu(le);
    return true;
}

static inline bool vtm_mem_write64(const VTMMemOps *m, uint64_t addr,
                                   uint64_t val)
{
    uint64_t le = cpu_to_le64(val);

    return m->write(m->opaque, addr, &le, sizeof(le));
}

static inline bool vtm_mem_cmpxchg64(const VTMMemOps *m, uint64_t addr,
                                     uint64_t expected, uint64_t new,
                                     uint64_t *found)
{
    if (m->cmpxchg64) {
        return m->cmpxchg64(m->opaque, addr, expected, new, found);
    }
    if (!vtm_mem_read64(m, addr, found)) {
        return false;
    }
    return *found != expected || vtm_mem_write64(m, addr, new);
}

static inline bool vtm_mem_write32(const VTMMemOps *m, uint64_t addr,
                                   uint32_t val)
{
    uint32_t le = cpu_to_le32(val);

    return m->write(m->opaque, addr, &le, sizeof(le));
}

/* Access permissions of a translation, as in IOMMUAccessFlags. */
#define VTM_PERM_NONE   0
#define VTM_PERM_R      1
#define VTM_PERM_W      2
#define VTM_PERM_RW     (VTM_PERM_R | VTM_PERM_W)

/* One DMA request presented for translation. */
typedef struct VTMRequest {
    uint16_t sid;               /* requester id: bus << 8 | devfn */
    uint64_t addr;              /* input (IO virtual) address */
    bool is_write;
    bool is_translation_req;    /* ATS translation request */
    bool untimed;               /* a lookup by the host, not a DMA: no stats */
    /*
     * The requester's device-TLB is in use (its ATS capability enabled,
     * on a unit with ECAP.DT): timed as the endpoint's own TLB first.
     */
    bool ats;
    uint64_t time;              /* arrival in IOMMU cycles (vtm-timing.h) */
    /*
     * Scalable mode only (RTADDR.TTM=01b); ignored in legacy mode.  A
     * request without PASID takes the context's RID_PASID and RID_PRIV.
     */
    bool has_pasid;
    uint32_t pasid;             /* 20 bits, with has_pasid */
    bool priv;                  /* supervisor request, with has_pasid */
    bool exec;                  /* execute request, with has_pasid */
} VTMRequest;

/* Which tables translated a request (VTMResult.stage). */
typedef enum VTMStage {
    VTM_STAGE_NONE = 0,         /* faulted before a translation type */
    VTM_STAGE_SECOND,           /* legacy mode, or PGTT second stage */
    VTM_STAGE_FIRST,            /* PGTT first stage */
    VTM_STAGE_NESTED,           /* PGTT nested: both stages */
    VTM_STAGE_PT,               /* pass-through (legacy TT or PGTT) */
    VTM_STAGE__MAX,
} VTMStage;

/* Where a lookup in one structure was satisfied: the walk log reads it. */
typedef enum VTMHitLevel {
    VTM_HIT_NONE = 0,           /* full miss: walked from the root */
    VTM_HIT_IOTLB,
} VTMHitLevel;

/* A fault, recorded by the device through its fault recording registers. */
typedef struct VTMFault {
    VTMFaultReason reason;
    uint16_t sid;
    uint64_t addr;
    bool is_write;
    bool fpd;                   /* fault processing disabled: do not record */
    /*
     * Scalable mode, for the fault record (11.4.7.6): PP and PV carry
     * the request's PASID when it had one; PRIV and EXE its privilege
     * and execute flags.
     */
    bool has_pasid;             /* FRCD.PP */
    uint32_t pasid;             /* FRCD.PV */
    bool priv;                  /* FRCD.PRIV */
    bool exec;                  /* FRCD.EXE */
} VTMFault;

/*
 * What one translation did, for the timing model, statistics, tracing
 * and recording.  Filled whatever the timing mode.
 */
typedef struct VTMOutcome {
    bool ctx_lookup;            /* the context cache was consulted */
    bool ctx_hit;
    bool iotlb_lookup;
    uint8_t iotlb_hit;          /* leaf level of the hit: 1 4K, 2 2M, 3 1G */
    bool walked;                /* the page walker ran */
    bool psc_lookup;            /* with at least one PSC level enabled */
    uint8_t psc_hit;            /* level of the PSC entry used, 0 none */
    uint8_t ctx_reads;          /* root and context entry reads */
    uint8_t pt_reads;           /* page-table reads */
    uint8_t levels;             /* of the context's tables, 0 if unknown */
    uint8_t leaf_level;         /* of the translation, 0 if none */
    /* Scalable mode (all zero in legacy mode) */
    bool pasid_lookup;          /* the PASID cache was consulted */
    bool pasid_hit;
    uint8_t pasid_reads;        /* PASID directory and table entry reads */
    uint8_t pt_writes;          /* locked A/D updates of the walk */
    uint8_t stage;              /* VTMStage of the tables walked */
    /*
     * Nested (stage VTM_STAGE_NESTED): the second-stage translations of
     * guest-physical addresses (each first-stage table and the output)
     * through the nested TLB and the second stage's walks.
     */
    uint8_t ss_reads;           /* of pt_reads, second-stage table reads */
    uint8_t ntlb_lookups;       /* nested-TLB lookups */
    uint8_t ntlb_hits;
    uint8_t ss_walks;           /* second-stage walks (each probes PSCs) */
    /*
     * ATS endpoints (req->ats): the device-TLB was looked up; on a hit
     * the unit saw nothing and every other field but stage is clear.
     */
    bool devtlb_lookup;
    bool devtlb_hit;
} VTMOutcome;

/*
 * What one interrupt request did (vtm-ir.c), for the timing model: the
 * interrupt entry cache probe and the unit's own memory traffic.
 */
typedef struct VTMIrOutcome {
    bool iec_lookup;            /* a remappable request consulted the IEC */
    bool iec_hit;
    uint8_t mem_reads;          /* IRTE and posted-descriptor reads */
    uint8_t mem_rmws;           /* locked posted-descriptor updates */
} VTMIrOutcome;

/* The outcome of translating one request. */
typedef struct VTMResult {
    uint64_t iova;              /* page-aligned input address */
    uint64_t translated;        /* page-aligned output address */
    uint64_t addr_mask;         /* page size - 1 */
    uint8_t perm;               /* VTM_PERM_* */
    uint16_t domain_id;
    bool passthrough;
    bool scalable;              /* translated in scalable mode */
    uint8_t stage;              /* VTMStage */
    uint32_t pasid;             /* scalable: the PASID used (or RID_PASID) */
    VTMFault fault;             /* reason VTM_FR_NONE when translated */
    VTMOutcome how;
    uint64_t latency;           /* modelled IOMMU cycles, 0 if untimed */
    uint64_t queued;            /* of which waiting for the unit */
} VTMResult;

#endif
