/*
 * vtm: the cycle-approximate timing model (docs/vtm.rst, "Timing model").
 *
 * The translation core reports what each translation did (VTMOutcome:
 * which caches were consulted and hit, how many memory reads were made);
 * this file turns that into modelled IOMMU cycles and keeps counters and
 * latency histograms.  Parameters are plain numbers with QEMU property
 * names, so the device, vtm-replay and the unit tests share them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_TIMING_H
#define HW_I386_VTM_TIMING_H

#include "vtm-types.h"
#include "vtm-cache.h"
#include "vtm-pt.h"
#include "vtm-qi.h"

/* Bounds checked by vtm_timing_params_error() */
#define VTM_TIMING_MAX_SLOTS        1024
#define VTM_TIMING_MAX_CLOCK_MHZ    100000
#define VTM_TIMING_MAX_LAT          1000000     /* cycles */

typedef enum VTMTimingMode {
    VTM_TIMING_OFF,             /* functional only */
    VTM_TIMING_ACCOUNT,         /* model runs, statistics kept */
    VTM_TIMING_STALL,           /* and the issuing thread is held */
    VTM_TIMING__MAX,
} VTMTimingMode;

typedef enum VTMPreset {
    VTM_PRESET_NONE,
    VTM_PRESET_BDW,             /* pcie-bench, Broadwell Xeon E5-2630v4 */
    VTM_PRESET_HSW,             /* pcie-bench, Haswell Xeon E5-2620v3 */
    VTM_PRESET_IB,              /* pcie-bench, Ivy Bridge Xeon E5-2620v2 */
    VTM_PRESET__MAX,
} VTMPreset;

/* One invalidation cost per request type, indexed by VTMInvType. */
#define VTM_INV_NTYPES          (VTM_INV_WAIT + 1)

typedef struct VTMTimingParams {
    VTMTimingMode mode;
    uint32_t clock_mhz;         /* IOMMU clock: cycles per microsecond */
    uint32_t ptw_mem_lat;       /* cycles per table read (root .. leaf) */
    uint32_t ptw_slots;         /* page walks in flight at once */
    uint32_t inv_lat[VTM_INV_NTYPES];   /* cycles the unit is busy */
    uint32_t dma_base_ns;       /* non-IOMMU part of a DMA, for reports */
    uint32_t max_read_req;      /* PCIe max read request size, bytes */
    uint32_t max_payload;       /* PCIe max payload size, bytes */
    uint32_t ats_rtt_lat;       /* ATS request round trip, cycles */
    uint64_t cache_seed;        /* seeds every random-policy cache */
} VTMTimingParams;

/*
 * Every tunable once, in QEMU property naming, with its one-line help
 * text: the device glue registers the list as QOM properties and the
 * core makes its name table of it (for vtm-replay and error messages).
 * CACHE(prefix, field, what) stands for the five properties
 * prefix-entries/-ways/-policy/-lat/-enable of VTMCoreConfig.field,
 * described as "what: ..."; U32 and U64(name, field, help) for one
 * number of VTMCoreConfig.
 */
#define VTM_TIMING_PARAMS(CACHE, U32, U64)                              \
    CACHE("iotlb", iotlb, "IOTLB")                                      \
    CACHE("ctx-cache", ctx_cache, "context cache")                      \
    CACHE("pasid-cache", pasid_cache, "PASID cache")                    \
    CACHE("psc-l2", psc[2], "level-2 paging-structure cache")           \
    CACHE("psc-l3", psc[3], "level-3 paging-structure cache")           \
    CACHE("psc-l4", psc[4], "level-4 paging-structure cache")           \
    CACHE("psc-l5", psc[5], "level-5 paging-structure cache")           \
    CACHE("fs-psc-l2", fs_psc[2],                                       \
          "level-2 first-stage paging-structure cache")                 \
    CACHE("fs-psc-l3", fs_psc[3],                                       \
          "level-3 first-stage paging-structure cache")                 \
    CACHE("fs-psc-l4", fs_psc[4],                                       \
          "level-4 first-stage paging-structure cache")                 \
    CACHE("fs-psc-l5", fs_psc[5],                                       \
          "level-5 first-stage paging-structure cache")                 \
    CACHE("nested-tlb", nested_tlb,                                     \
          "nested TLB (second-stage translations of the guest-physical "\
          "addresses a nested walk reads)")                             \
    CACHE("iec", iec, "interrupt entry cache")                          \
    CACHE("devtlb", devtlb, "device-TLB of ATS endpoints")              \
    U32("ptw-mem-lat", timing.ptw_mem_lat,                              \
        "cycles per memory read of a page walk or context fetch")       \
    U32("ptw-slots", timing.ptw_slots, "page walks in flight at once")  \
    U32("clock-mhz", timing.clock_mhz,                                  \
        "IOMMU clock in MHz: cycles per microsecond")                   \
    U32("inv-cc-lat", timing.inv_lat[VTM_INV_CC],                       \
        "cycles a context-cache invalidation keeps the unit busy")      \
    U32("inv-iotlb-lat", timing.inv_lat[VTM_INV_IOTLB],                 \
        "cycles an IOTLB invalidation keeps the unit busy")             \
    U32("inv-devtlb-lat", timing.inv_lat[VTM_INV_DEVTLB],               \
        "cycles a device-TLB invalidation keeps the unit busy")         \
    U32("inv-iec-lat", timing.inv_lat[VTM_INV_IEC],                     \
        "cycles an interrupt entry cache invalidation keeps the unit "  \
        "busy")                                                         \
    U32("inv-wait-lat", timing.inv_lat[VTM_INV_WAIT],                   \
        "cycles an invalidation wait keeps the unit busy")              \
    U32("dma-base-ns", timing.dma_base_ns,                              \
        "the non-IOMMU part of a DMA in ns (reported latencies only)")  \
    U32("max-read-req", timing.max_read_req,                            \
        "PCIe max read request size in bytes: vtm-replay charges a "    \
        "read one translation per request (in a guest: per page)")      \
    U32("max-payload", timing.max_payload,                              \
        "PCIe max payload size in bytes: vtm-replay charges a write "   \
        "one translation per TLP (in a guest: per page)")               \
    U32("ats-rtt-lat", timing.ats_rtt_lat,                              \
        "cycles of an ATS translation request's round trip, beside "    \
        "the translation")                                              \
    U64("cache-seed", timing.cache_seed,                                \
        "seed of every random-policy cache")

/* Names of enum values, in enum order (NULL-terminated). */
extern const char *const vtm_policy_names[];
extern const char *const vtm_timing_mode_names[];
extern const char *const vtm_preset_names[];

/* Index of name in a NULL-terminated table, or -1. */
int vtm_name_lookup(const char *const *names, const char *name);

/* "a, b or c" for error messages; interned, never freed. */
const char *vtm_name_choices(const char *const *names);

/*
 * A latency histogram: log2 octaves, each split into 8 linear
 * sub-buckets (values below 16 are exact), with the sum of the values in
 * each bucket so that a percentile is reported as the mean of its bucket:
 * exact when the values in a bucket are equal, within 1/8 octave
 * otherwise.  Values of 2^40 cycles and more share the last bucket.
 */
#define VTM_HIST_SUB            8
#define VTM_HIST_EXACT          16
#define VTM_HIST_MAX_SHIFT      40
#define VTM_HIST_BUCKETS        (VTM_HIST_EXACT + \
                                 (VTM_HIST_MAX_SHIFT - 4) * VTM_HIST_SUB)

typedef struct VTMHist {
    uint64_t n;
    uint64_t max;
    uint64_t count[VTM_HIST_BUCKETS];
    uint64_t sum[VTM_HIST_BUCKETS];
} VTMHist;

unsigned vtm_hist_bucket(uint64_t v);
/* Smallest and largest value bucket i holds. */
void vtm_hist_bounds(unsigned i, uint64_t *lo, uint64_t *hi);
void vtm_hist_add(VTMHist *h, uint64_t v);
/* The value below which permille/1000 of the samples lie; 0 if empty. */
uint64_t vtm_hist_percentile(const VTMHist *h, unsigned permille);

/*
 * Counters of one requester or of the whole unit.  Misses are lookups
 * minus hits; "lookups" count requests, not the probes a cache makes
 * (the IOTLB probes each page size in turn but is one lookup).
 */
typedef struct VTMCounters {
    uint64_t translations;
    uint64_t faults;
    uint64_t passthrough;
    uint64_t ctx_lookups;
    uint64_t ctx_hits;
    uint64_t iotlb_lookups;
    uint64_t iotlb_hits[4];     /* [1] 4K, [2] 2M, [3] 1G */
    uint64_t psc_lookups;
    uint64_t psc_hits[VTM_MAX_LEVELS + 1];   /* by level [2..5] */
    uint64_t walks;
    uint64_t tlp_hits;          /* a DMA's later transactions (hits) */
    uint64_t devtlb_lookups;    /* device-TLB of ATS endpoints */
    uint64_t devtlb_hits;
    uint64_t mem_reads;         /* context, PASID and page-table reads */
    /* Scalable mode */
    uint64_t pasid_lookups;     /* PASID cache */
    uint64_t pasid_hits;
    uint64_t ad_writes;         /* locked A/D updates (both stages) */
    /* Nested translation */
    uint64_t ss_reads;          /* of mem_reads, second-stage reads */
    uint64_t ntlb_lookups;      /* nested TLB */
    uint64_t ntlb_hits;
    uint64_t stage[VTM_STAGE__MAX];     /* translations by VTMStage */
    uint64_t cycles;            /* sum of modelled latencies */
    uint64_t queue_cycles;      /* of which waiting for the unit */
    VTMHist lat;                /* latency per translation, cycles */
} VTMCounters;

uint64_t vtm_counters_iotlb_hits(const VTMCounters *c);
uint64_t vtm_counters_psc_hits(const VTMCounters *c);

/* Adds one translation (res filled by vtm_core_translate). */
void vtm_counters_add(VTMCounters *c, const VTMResult *res);

/*
 * The PCIe transactions of a DMA of len bytes at addr (within one page:
 * QEMU translates page by page): a read is cut into requests of at most
 * max-read-req bytes, a write into TLPs of at most max-payload, both at
 * every 4 KiB boundary.  At least 1.
 */
unsigned vtm_timing_tlps(const VTMTimingParams *p, uint64_t addr,
                         uint64_t len, bool is_write);

/*
 * A DMA is charged as its transactions: the first is the translation
 * res (vtm_core_translate); each of the n others looks its page up again
 * and hits what the first one filled, pipelined beside it, so the DMA's
 * latency stays res's.  Adds them to c as translations with a context-
 * cache and IOTLB hit each (hit_lat cycles, vtm_timing_hit_lat()), so
 * that hit rates are per transaction as on hardware.  Nothing for a
 * fault.
 */
void vtm_counters_add_tlps(VTMCounters *c, const VTMResult *res, unsigned n,
                           uint64_t hit_lat);

/*
 * Interrupt requests through the remapping hardware (not route
 * computations for KVM, which are no interrupts).
 */
typedef struct VTMIrqCounters {
    uint64_t requests;
    uint64_t iec_lookups;
    uint64_t iec_hits;
    uint64_t iec_hits_posted;   /* of which on posted IRTEs (perfmon) */
    uint64_t mem_reads;         /* IRTE and descriptor reads */
    uint64_t mem_rmws;          /* locked descriptor updates */
    uint64_t cycles;            /* sum of modelled latencies */
    uint64_t queue_cycles;      /* of which waiting for the unit */
    VTMHist lat;                /* latency per request, cycles */
} VTMIrqCounters;

typedef struct VTMTiming {
    VTMTimingParams p;
    /* lookup latencies of the enabled structures, cycles */
    uint32_t ctx_lat;
    uint32_t iotlb_lat;
    uint32_t psc_lat;           /* the PSC levels are probed in parallel */
    uint32_t pasid_lat;         /* scalable mode: the PASID cache */
    uint32_t fs_psc_lat;        /* first-stage PSC levels, in parallel */
    uint32_t ntlb_lat;          /* nested: the nested TLB */
    uint32_t iec_lat;
    uint64_t *slot_free;        /* per walker slot: cycle it is free */
    unsigned slot_hint;         /* where the search for a free slot starts */
    uint64_t now;               /* latest arrival seen, cycles */
    uint64_t busy_until;        /* end of the last invalidation */
    uint64_t inv_cycles;        /* sum of invalidation costs */
    uint64_t walk_cycles;       /* walker-slot occupancy (perfmon's
                                   pw_occupancy): sum of walk read time */
    VTMCache *devtlb;           /* ATS endpoints' TLBs, on first use */
    VTMCounters unit;
    VTMIrqCounters irq;
} VTMTiming;

void vtm_timing_default_params(VTMTimingParams *p);

/* NULL when usable, else a message naming the property. */
const char *vtm_timing_params_error(const VTMTimingParams *p);

/*
 * ctx, iotlb, psc (indexed [2..VTM_MAX_LEVELS]) and iec give the lookup
 * latencies; a disabled cache costs nothing.
 */
void vtm_timing_init(VTMTiming *t, const VTMTimingParams *p,
                     const VTMCacheParams *ctx, const VTMCacheParams *iotlb,
                     const VTMCacheParams *psc, const VTMCacheParams *iec);
void vtm_timing_destroy(VTMTiming *t);

/*
 * Scalable mode: the PASID cache's and the first-stage paging-structure
 * caches' (fs_psc indexed [2..VTM_MAX_LEVELS]) lookup latencies.  A
 * translation then pays the PASID-cache lookup, one ptw-mem-lat per
 * PASID directory/table entry read on a miss, and its walk like a
 * second-stage one: one read per level its paging-structure cache did
 * not serve, plus one per locked A/D update.
 */
void vtm_timing_init_sm(VTMTiming *t, const VTMCacheParams *pasid,
                        const VTMCacheParams *fs_psc);

/*
 * Nested translation: the nested TLB's lookup latency.  A nested
 * translation pays the first-stage PSC probe and, for each guest-
 * physical address it translates (each first-stage table read that the
 * PSCs did not serve, and the output), a nested-TLB lookup and on a
 * miss a second-stage PSC probe and one ptw-mem-lat per second-stage
 * read: a cold 4-level over 4-level walk makes 24 reads.
 */
void vtm_timing_init_nested(VTMTiming *t, const VTMCacheParams *ntlb);

/* Device reset: walker slots free, clock back to 0.  Counters stay. */
void vtm_timing_reset(VTMTiming *t);
void vtm_timing_reset_counters(VTMTiming *t);

/* Advances the modelled clock to now (cycles) if it is later. */
void vtm_timing_advance(VTMTiming *t, uint64_t now);

/*
 * Charges one translation that arrived at cycle `arrival`: returns its
 * latency in cycles and sets *queued to the part spent waiting (for an
 * invalidation in progress or a free walker slot).
 */
uint64_t vtm_timing_charge(VTMTiming *t, uint64_t arrival,
                           const VTMOutcome *o, uint64_t *queued);

/*
 * Charges one interrupt request that arrived at cycle `arrival` and adds
 * it to t->irq: an invalidation in progress holds it back, then the IEC
 * probe and each memory access of the unit (IRTE fetch, posted-descriptor
 * read and locked updates) in turn.  Returns the latency in cycles and
 * sets *queued to the part spent waiting.
 */
uint64_t vtm_timing_charge_irq(VTMTiming *t, uint64_t arrival,
                               const VTMIrOutcome *o, uint64_t *queued);

/* Cycles of a translation that hits the context cache and the IOTLB. */
uint64_t vtm_timing_hit_lat(const VTMTiming *t);

/*
 * The device-TLB of ATS endpoints (PCIe ATS, VT-d 4.1), timed: a DMA
 * from a requester whose ATS capability is enabled, on a unit with
 * device-iotlb=on, looks up its own TLB first.  One cache of the devtlb-*
 * shape holds every endpoint's entries, keyed by requester and page.
 *
 * vtm_timing_devtlb_lookup: true on a hit, *lat = devtlb-lat: the DMA
 * goes out translated and the unit sees nothing (translate it untimed).
 * A disabled or empty device-TLB always misses.  On a miss the endpoint
 * sends a translation request: translate it (timed, is_translation_req),
 * then vtm_timing_devtlb_fill() caches the result and returns the cycles
 * to add: the request's round trip, ats-rtt-lat, and the lookup.
 */
bool vtm_timing_devtlb_lookup(VTMTiming *t, const VTMCacheParams *shape,
                              uint16_t sid, uint64_t iova, uint64_t *lat);
uint64_t vtm_timing_devtlb_fill(VTMTiming *t, uint16_t sid,
                                const VTMResult *res);

/*
 * A device-TLB invalidation descriptor (6.5.2.5) reached sid's TLB:
 * drops its entries in the range ADDR and S name (S set: 2^(n+1) pages,
 * n the trailing 1 bits of ADDR[63:12]).  Returns the lines dropped.
 */
unsigned vtm_timing_devtlb_invalidate(VTMTiming *t, uint16_t sid,
                                      uint64_t addr, bool size);

/* An invalidation keeps the unit busy for its type's cost. */
void vtm_timing_invalidate(VTMTiming *t, VTMInvType type);

static inline uint64_t vtm_timing_ns_to_cycles(const VTMTiming *t,
                                               uint64_t ns)
{
    return (__uint128_t)ns * t->p.clock_mhz / 1000;
}

static inline uint64_t vtm_timing_cycles_to_ns(const VTMTiming *t,
                                               uint64_t cycles)
{
    return (__uint128_t)cycles * 1000 / t->p.clock_mhz;
}

#endif
