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
#define CAPACITY 1024

/*
 * The consumer's shadow: its mappings by IOVA in a balanced tree, so that
 * an event costs a lookup and not a scan of up to CAPACITY mappings (the
 * scan made this harness 30 times slower than the others).
 */
typedef struct Shadow {
    GTree *maps;                /* iova -> VTMMapping, disjoint */
} Shadow;

static gint cmp_iova(gconstpointer a, gconstpointer b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static void shadow_init(Shadow *s)
{
    s->maps = g_tree_new_full((GCompareDataFunc)cmp_iova, NULL, NULL,
                              g_free);
}

/* The held mapping with the highest IOVA at or below iova, or NULL. */
static VTMMapping *shadow_at_or_below(Shadow *s, uint64_t iova)
{
    GTreeNode *n = g_tree_upper_bound(s->maps, &iova);

    n = n ? g_tree_node_previous(n) : g_tree_node_last(s->maps);
    return n ? g_tree_node_value(n) : NULL;
}

static void emit(bool map, const VTMMapping *m, void *opaque)
{
    Shadow *s = opaque;
    VTMMapping *h = g_tree_lookup(s->maps, &m->iova);

    if (!map) {
        fuzz_check(h && h->shift == m->shift, "UNMAP 0x%" PRIx64
                   "/%u of nothing held", m->iova, m->shift);
        fuzz_check(h->addr == m->addr && h->perm == m->perm,
                   "UNMAP 0x%" PRIx64 " of another mapping", m->iova);
        g_tree_remove(s->maps, &m->iova);
        return;
    }
    h = shadow_at_or_below(s, vtm_mapping_last(m));
    fuzz_check(!h || vtm_mapping_last(h) < m->iova, "MAP 0x%" PRIx64
               "/%u over 0x%" PRIx64 "/%u", m->iova, m->shift,
               h ? h->iova : 0, h ? h->shift : 0);
    h = g_memdup2(m, sizeof(*m));
    g_tree_insert(s->maps, &h->iova, h);
}

typedef struct Expect {
    Shadow *s;
    uint64_t found;
} Expect;

/* Each current mapping of the range is held by the consumer, as it is. */
static bool expect_one(const VTMMapping *m, void *opaque)
{
    Expect *e = opaque;
    VTMMapping *h = g_tree_lookup(e->s->maps, &m->iova);

    if (h && h->shift == m->shift && h->addr == m->addr &&
        h->perm == m->perm) {
        e->found++;
        return true;
    }
    fuzz_fail("mapping 0x%" PRIx64 "/%u -> 0x%" PRIx64 " not in the shadow",
              m->iova, m->shift, m->addr);
}

/* How many held mappings overlap [first, last]. */
static uint64_t shadow_count(Shadow *s, uint64_t first, uint64_t last)
{
    GTreeNode *n = g_tree_upper_bound(s->maps, &first);
    GTreeNode *prev = n ? g_tree_node_previous(n) : g_tree_node_last(s->maps);
    uint64_t held = 0;

    if (prev) {
        held += vtm_mapping_last(g_tree_node_value(prev)) >= first;
    }
    for (; n; n = g_tree_node_next(n)) {
        const VTMMapping *h = g_tree_node_value(n);

        if (h->iova > last) {
            break;
        }
        held++;
    }
    return held;
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
    uint64_t held;

    vtm_pt_enumerate(fmt, mem, &r, expect_one, &e, &res);
    held = shadow_count(s, first, last);
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
    shadow_init(&s);
    t = vtm_track_new(CAPACITY);

    for (n = 0; n < MAX_OPS && fuzz_more(&in); n++) {
        uint8_t op = fuzz_u8(&in);
        uint64_t first = fuzz_addr(&in) & aw_mask;
        uint64_t span = fuzz_addr(&in) >> (op & 31);
        uint64_t last = span > aw_mask - first ? aw_mask : first + span;
        VTMPtSource ps = {
            .fmt = &fmt, .mem = &mem.ops, .root = root, .levels = levels,
            .tables_left = 1 + fuzz_u16(&in) % 64,
            .leaves_left = 1 + fuzz_u16(&in) % 256,
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
            fuzz_check(g_tree_nnodes(s.maps) == 0, "%d held after clear",
                       g_tree_nnodes(s.maps));
            continue;
        }
        vtm_track_sync(t, first, last, &src, emit, &s, &st);
        fuzz_check(vtm_track_count(t) == g_tree_nnodes(s.maps),
                   "tracker holds %" PRIu64 ", consumer %d",
                   vtm_track_count(t), g_tree_nnodes(s.maps));
        if (!st.truncated && !st.dropped) {
            check_range(&s, &fmt, &mem.ops, root, levels, first, last);
        }
    }
    vtm_track_free(t);
    g_tree_destroy(s.maps);
    fuzz_mem_destroy(&mem);
    return 0;
}
