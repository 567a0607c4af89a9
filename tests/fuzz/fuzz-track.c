/*
 * vtm fuzzing: the mapping tracker behind MAP/UNMAP notifiers
 * (vtm-track.c) over fuzzed second-stage tables that change between
 * invalidations.
 *
 * A consumer (VFIO in the device) applies the events to its shadow of the
 * guest's mappings.  The events must make sense to it: an UNMAP names
 * exactly a block it holds, a MAP never overlaps one it holds.  After a
 * sync of a range that the tables could be enumerated over completely,
 * the shadow over that range is exactly what the tables map: nothing
 * stale, nothing missing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fuzz-common.h"
#include "vtm-track.h"

#define MAX_OPS 48
#define CAPACITY 4096

typedef struct Shadow {
    GArray *maps;               /* of VTMMapping, disjoint */
} Shadow;

static bool overlap(const VTMMapping *a, const VTMMapping *b)
{
    return a->iova <= vtm_mapping_last(b) && b->iova <= vtm_mapping_last(a);
}

static void emit(bool map, const VTMMapping *m, void *opaque)
{
    Shadow *s = opaque;
    guint i;

    for (i = 0; i < s->maps->len; i++) {
        VTMMapping *h = &g_array_index(s->maps, VTMMapping, i);

        if (!map && h->iova == m->iova && h->shift == m->shift) {
            fuzz_check(h->addr == m->addr && h->perm == m->perm,
                       "UNMAP 0x%" PRIx64 " of another mapping", m->iova);
            g_array_remove_index_fast(s->maps, i);
            return;
        }
        fuzz_check(!map || !overlap(h, m), "MAP 0x%" PRIx64 "/%u over 0x%"
                   PRIx64 "/%u", m->iova, m->shift, h->iova, h->shift);
    }
    fuzz_check(map, "UNMAP 0x%" PRIx64 "/%u of nothing held", m->iova,
               m->shift);
    g_array_append_val(s->maps, *m);
}

typedef struct Expect {
    Shadow *s;
    uint64_t found;
} Expect;

/* Each current mapping of the range is held by the consumer, as it is. */
static bool expect_one(const VTMMapping *m, void *opaque)
{
    Expect *e = opaque;
    guint i;

    for (i = 0; i < e->s->maps->len; i++) {
        VTMMapping *h = &g_array_index(e->s->maps, VTMMapping, i);

        if (h->iova == m->iova && h->shift == m->shift &&
            h->addr == m->addr && h->perm == m->perm) {
            e->found++;
            return true;
        }
    }
    fuzz_fail("mapping 0x%" PRIx64 "/%u -> 0x%" PRIx64 " not in the shadow",
              m->iova, m->shift, m->addr);
}

static void check_range(Shadow *s, const VTMPtFormat *fmt,
                        const VTMMemOps *mem, uint64_t root, unsigned levels,
                        uint64_t first, uint64_t last)
{
    VTMPtRange r = {
        .root = root, .levels = levels, .first = first, .last = last,
        .max_tables = UINT64_MAX, .max_leaves = UINT64_MAX,
    };
    VTMPtRangeResult res;
    Expect e = { .s = s };
    uint64_t held = 0;
    guint i;

    vtm_pt_enumerate(fmt, mem, &r, expect_one, &e, &res);
    for (i = 0; i < s->maps->len; i++) {
        VTMMapping *h = &g_array_index(s->maps, VTMMapping, i);

        held += h->iova <= last && vtm_mapping_last(h) >= first;
    }
    fuzz_check(held == e.found, "%" PRIu64 " held in [0x%" PRIx64 ", 0x%"
               PRIx64 "], %" PRIu64 " mapped", held, first, last, e.found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzIn in = { .data = data, .len = size };
    Shadow s;
    FuzzMem mem;
    VTMPtFormat fmt;
    VTMTracker *t;
    uint64_t root, aw_mask;
    unsigned levels, n;

    if (size < 8) {
        return 0;
    }
    fuzz_mem_init(&mem, data, size);
    vtm_pt_format_init(&fmt, 32 + fuzz_u8(&in) % 21, fuzz_u8(&in) & 3);
    levels = 3 + fuzz_u8(&in) % 3;
    aw_mask = MAKE_64BIT_MASK(0, 12 + 9 * levels);
    root = fuzz_addr(&in) & ~0xfffULL;
    s.maps = g_array_new(false, false, sizeof(VTMMapping));
    t = vtm_track_new(CAPACITY);

    for (n = 0; n < MAX_OPS && fuzz_more(&in); n++) {
        uint8_t op = fuzz_u8(&in);
        uint64_t first = fuzz_addr(&in) & aw_mask;
        uint64_t span = fuzz_addr(&in) >> (op & 31);
        uint64_t last = span > aw_mask - first ? aw_mask : first + span;
        VTMPtSource ps = {
            .fmt = &fmt, .mem = &mem.ops, .root = root, .levels = levels,
            .tables_left = 1 + fuzz_u16(&in) % 512,
            .leaves_left = 1 + fuzz_u16(&in) % 1024,
        };
        VTMMapSource src = { vtm_pt_source_enumerate, &ps };
        VTMTrackStats st = { 0 };

        if (op & 0x80) {
            /* the guest changes a qword somewhere: a table entry, maybe */
            uint64_t addr = fuzz_u16(&in) & ~7ULL;

            vtm_mem_write64(&mem.ops, addr, fuzz_u64(&in));
        }
        if ((op & 0x60) == 0x60) {
            vtm_track_clear(t, emit, &s);
            fuzz_check(s.maps->len == 0, "%u held after clear",
                       s.maps->len);
            continue;
        }
        vtm_track_sync(t, first, last, &src, emit, &s, &st);
        fuzz_check(vtm_track_count(t) == s.maps->len,
                   "tracker holds %" PRIu64 ", consumer %u",
                   vtm_track_count(t), s.maps->len);
        if (!st.truncated && !st.dropped) {
            check_range(&s, &fmt, &mem.ops, root, levels, first, last);
        }
    }
    vtm_track_free(t);
    g_array_free(s.maps, true);
    fuzz_mem_destroy(&mem);
    return 0;
}
