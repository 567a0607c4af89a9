/*
 * vtm: the mapping tracker behind MAP/UNMAP IOMMU notifiers.
 *
 * With caching mode a notifier consumer (VFIO) keeps a shadow of the
 * guest's mappings and must hear of every change, and of nothing else.
 * The tracker holds what the consumers were told: a set of disjoint,
 * naturally aligned blocks.  After an invalidation the device syncs the
 * affected range: the tracker is compared with what the tables map now and
 * exactly the differences come out as UNMAP and MAP events, so an
 * invalidation of a range that did not change sends nothing (no UNMAP
 * storm), and a large page split or merge comes out as the UNMAP of what
 * was there and the MAP of what is there now.
 *
 * Pure core: the device glue (vtm-notify.c) turns the events into
 * IOMMUTLBEvents and says where the mappings come from.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_TRACK_H
#define HW_I386_VTM_TRACK_H

#include "vtm-pt.h"

typedef struct VTMTracker VTMTracker;

/*
 * Where the current mappings come from.  enumerate reports in ascending
 * order the mappings overlapping [first, last], whole, each a naturally
 * aligned block, disjoint from the others; it returns true when it
 * covered the range, else false with *next the first address whose
 * mappings it did not report (a spent budget).
 */
typedef struct VTMMapSource {
    bool (*enumerate)(void *opaque, uint64_t first, uint64_t last,
                      VTMMappingFn fn, void *fn_opaque, uint64_t *next);
    void *opaque;
} VTMMapSource;

/* A source over second-stage tables, with a budget for all its walks. */
typedef struct VTMPtSource {
    const VTMPtFormat *fmt;
    const VTMMemOps *mem;
    uint64_t root;
    uint8_t levels;
    uint64_t tables_left;       /* table pages it may still read */
    uint64_t leaves_left;       /* mappings it may still report */
} VTMPtSource;

bool vtm_pt_source_enumerate(void *opaque, uint64_t first, uint64_t last,
                             VTMMappingFn fn, void *fn_opaque,
                             uint64_t *next);

/* Receives one change; map false is an UNMAP of what m names. */
typedef void (*VTMTrackEmit)(bool map, const VTMMapping *m, void *opaque);

typedef struct VTMTrackStats {
    uint64_t maps;
    uint64_t unmaps;
    uint64_t dropped;           /* MAPs over the tracker's capacity */
    bool truncated;             /* the source stopped before the end */
} VTMTrackStats;

/* A tracker that holds at most max_entries mappings. */
VTMTracker *vtm_track_new(uint64_t max_entries);
void vtm_track_free(VTMTracker *t);
uint64_t vtm_track_count(const VTMTracker *t);

/*
 * Makes the tracker match src over [first, last], widened to whole
 * blocks on both sides, and emits each difference (emit may be NULL: a
 * silent rebuild).  Blocks either nest or are disjoint, so the range falls
 * into clusters (one outermost block and what lies inside it): per
 * cluster, UNMAPs of the tracked blocks that changed come first, then MAPs
 * of the new ones, in ascending address order; a block that did not
 * change emits nothing.  A MAP beyond the capacity is dropped (counted in
 * st->dropped) and not tracked.  st may be NULL.
 */
void vtm_track_sync(VTMTracker *t, uint64_t first, uint64_t last,
                    const VTMMapSource *src, VTMTrackEmit emit, void *opaque,
                    VTMTrackStats *st);

/* UNMAPs everything tracked, in ascending order, and empties the tracker. */
void vtm_track_clear(VTMTracker *t, VTMTrackEmit emit, void *opaque);

/*
 * Calls fn for each tracked mapping overlapping [first, last], in
 * ascending order, until it returns false.
 */
void vtm_track_foreach(VTMTracker *t, uint64_t first, uint64_t last,
                       VTMMappingFn fn, void *opaque);

#endif
