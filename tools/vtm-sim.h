/*
 * vtm-sim: vtm's pure core over a simulated guest memory, for vtm-replay
 * and the unit tests: second-stage tables built on demand, translation
 * streams replayed from records or generated from a pattern.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef VTM_SIM_H
#define VTM_SIM_H

#include "vtm-core.h"
#include "vtm-record.h"

typedef struct VTMSim VTMSim;

/*
 * A unit with cfg's caches and timing; the architectural fields (haw,
 * sagaw, sllps, pass-through) are the simulator's: 48-bit host address
 * width, 3- to 5-level tables, 2M and 1G pages.
 */
VTMSim *vtm_sim_new(const VTMCoreConfig *cfg);
void vtm_sim_free(VTMSim *sim);
VTMCore *vtm_sim_core(VTMSim *sim);

/*
 * sid's context: domain did with levels-level tables, 0 pass-through.
 * False when the table arena is full.
 */
bool vtm_sim_set_context(VTMSim *sim, uint16_t sid, uint16_t did,
                         unsigned levels);
/*
 * Nested translation (scalable mode, PGTT nested): sid's requests
 * without PASID go through fs_levels-level first-stage tables in
 * guest-physical memory over ss_levels-level second-stage tables; from
 * now on vtm_sim_map() maps both stages (iova -> gpa iova -> 0) and
 * did and levels are ignored.  False when the arena is full.
 */
bool vtm_sim_set_nested(VTMSim *sim, uint16_t sid, uint16_t did,
                        unsigned fs_levels, unsigned ss_levels);

/*
 * Scalable mode (a record of a unit in scalable mode): from now on the
 * root table is a scalable-mode one (TTM 01b) and vtm_sim_replay() gives
 * each requester a scalable-mode context entry whose PASID entries
 * (RID_PASID 0 for requests without a PASID) select first-stage,
 * second-stage or pass-through translation as each record says.
 */
void vtm_sim_set_scalable(VTMSim *sim);

/*
 * From now on vtm_sim_translate()'s requests come from an ATS endpoint
 * (ECAP.DT on): its device-TLB, of the devtlb-* shape, is looked up
 * first (vtm_core_translate()).
 */
void vtm_sim_set_ats(VTMSim *sim);

/*
 * Whether rec can only come from a unit in scalable mode (a PASID
 * lookup, a first-stage or nested walk, a PASID-granular invalidation):
 * a record with one such line is replayed with vtm_sim_set_scalable().
 */
bool vtm_sim_record_is_scalable(const VTMRecord *rec);

/* sid's context entry not present.  False when the arena is full. */
bool vtm_sim_clear_context(VTMSim *sim, uint16_t sid);

/*
 * Maps iova in domain (did, levels) by a leaf at leaf_level (1 4K, 2 2M,
 * 3 1G), creating the tables above it; unchanged if already so mapped.
 * False when the table arena is full.
 */
bool vtm_sim_map(VTMSim *sim, uint16_t did, unsigned levels, uint64_t iova,
                 unsigned leaf_level);
/* Makes the entry at level on iova's path not present. */
bool vtm_sim_unmap(VTMSim *sim, uint16_t did, unsigned levels,
                   uint64_t iova, unsigned level);

void vtm_sim_translate(VTMSim *sim, uint16_t sid, uint64_t iova,
                       bool is_write, uint64_t time, VTMResult *res);

/*
 * Replays one record: sets up the context (in scalable mode also the
 * PASID entry) and tables the record implies (its page size, or the entry
 * its fault stopped at, or the A/D bits its walk set), then translates or
 * invalidates at the record's time.  False when the arena is full.
 */
bool vtm_sim_replay(VTMSim *sim, const VTMRecord *rec, VTMResult *res);

typedef struct VTMSimPattern {
    bool sequential;            /* else uniformly random */
    uint64_t base;              /* first IOVA of the window */
    uint64_t window;            /* bytes */
    uint32_t size;              /* bytes per request, aligned to itself */
    unsigned leaf_level;        /* mapping page size: 1 4K, 2 2M, 3 1G */
    unsigned levels;            /* table levels: 3, 4 or 5 */
    /*
     * Nested: the second stage's levels (3, 4 or 5) under a first
     * stage of levels (4 or 5); 0: single-stage legacy translation
     */
    unsigned nested_ss_levels;
    uint64_t warmup;            /* requests before measuring */
    uint64_t count;             /* requests measured */
    unsigned outstanding;       /* requests in flight (closed loop) */
    bool is_write;
    uint64_t seed;
} VTMSimPattern;

typedef struct VTMSimSummary {
    uint64_t requests;
    double mean;                /* IOMMU cycles per request */
    uint64_t p50, p90, p99, max;
    VTMCounters ctr;            /* of the measured translations */
} VTMSimSummary;

/*
 * Runs a pattern: each of p->outstanding streams issues its next request
 * when the previous one completes (its IOMMU latency plus dma-base-ns),
 * the earliest stream first.  A request's latency is the largest of the
 * translations of the pages it spans.  False when the arena is full.
 */
bool vtm_sim_run(VTMSim *sim, const VTMSimPattern *p, VTMSimSummary *out);

/* Summary of a set of latencies (sorted in place). */
void vtm_sim_summarize(GArray *lat, VTMSimSummary *out);

#endif
