/*
 * vtm: the mapping tracker behind MAP/UNMAP IOMMU notifiers.
 *
 * The tracked blocks sit in a GSequence ordered by input address, so a
 * sync costs O(log n) to find its range plus the blocks in it: never a
 * scan of everything tracked, never more memory than the capacity.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-track.h"

struct VTMTracker {
    GSequence *seq;             /* of VTMMapping *, ordered by iova */
    uint64_t count;
    uint64_t max_entries;
};

VTMTracker *vtm_track_new(uint64_t max_entries)
{
    VTMTracker *t = g_new0(VTMTracker, 1);

    t->seq = g_sequence_new(g_free);
    t->max_entries = max_entries;
    return t;
}

void vtm_track_free(VTMTracker *t)
{
    if (t) {
        g_sequence_free(t->seq);
        g_free(t);
    }
}

uint64_t vtm_track_count(const VTMTracker *t)
{
    return t->count;
}

static gint vtm_track_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    const VTMMapping *x = a, *y = b;

    return x->iova < y->iova ? -1 : x->iova > y->iova;
}

static VTMMapping *vtm_track_item(GSequenceIter *it)
{
    return g_sequence_iter_is_end(it) ? NULL : g_sequence_get(it);
}

/*
 * The first tracked block that ends at or after addr: the one containing
 * addr if any (blocks are disjoint), else the first one above it.
 */
static GSequenceIter *vtm_track_first_from(VTMTracker *t, uint64_t addr)
{
    VTMMapping key = { .iova = addr };
    GSequenceIter *it = g_sequence_search(t->seq, &key, vtm_track_cmp, NULL);
    VTMMapping *prev;

    /* it is the first block above addr; the one before may contain it */
    if (!g_sequence_iter_is_begin(it)) {
        prev = g_sequence_get(g_sequence_iter_prev(it));
        if (vtm_mapping_last(prev) >= addr) {
            return g_sequence_iter_prev(it);
        }
    }
    return it;
}

static VTMMapping *vtm_track_containing(VTMTracker *t, uint64_t addr)
{
    VTMMapping *m = vtm_track_item(vtm_track_first_from(t, addr));

    return m && m->iova <= addr ? m : NULL;
}

static bool vtm_mapping_same(const VTMMapping *a, const VTMMapping *b)
{
    return a->iova == b->iova && a->shift == b->shift &&
           a->addr == b->addr && a->perm == b->perm;
}

/* Collects what a source reports, keeping only well-formed blocks. */
static bool vtm_track_collect(const VTMMapping *m, void *opaque)
{
    GArray *want = opaque;
    const VTMMapping *prev;

    if (m->shift < VTM_PAGE_SHIFT || m->shift > 63 || !m->perm ||
        (m->iova & MAKE_64BIT_MASK(0, m->shift))) {
        return true;
    }
    if (want->len) {
        prev = &g_array_index(want, VTMMapping, want->len - 1);
        if (m->iova <= vtm_mapping_last(prev)) {
            return true;        /* not ascending and disjoint */
        }
    }
    g_array_append_val(want, *m);
    return true;
}

typedef struct VTMTrackSync {
    VTMTracker *t;
    VTMTrackEmit emit;
    void *opaque;
    VTMTrackStats *st;
} VTMTrackSync;

static void vtm_track_unmap(VTMTrackSync *s, GSequenceIter *it)
{
    if (s->emit) {
        s->emit(false, g_sequence_get(it), s->opaque);
    }
    g_sequence_remove(it);
    s->t->count--;
    s->st->unmaps++;
}

/*
 * Tracks m; before, when not NULL, is the tracked block that follows it
 * (saves the search).
 */
static void vtm_track_map(VTMTrackSync *s, const VTMMapping *m,
                          GSequenceIter *before)
{
    VTMMapping *copy;

    if (s->t->count >= s->t->max_entries) {
        s->st->dropped++;
        return;
    }
    copy = g_new(VTMMapping, 1);
    *copy = *m;
    if (before) {
        g_sequence_insert_before(before, copy);
    } else {
        g_sequence_insert_sorted(s->t->seq, copy, vtm_track_cmp, NULL);
    }
    s->t->count++;
    s->st->maps++;
    if (s->emit) {
        s->emit(true, m, s->opaque);
    }
}

/*
 * One cluster: the tracked blocks old[] and the current blocks cur[] all
 * lie inside one outermost block.  Pairs that did not change stay; the
 * rest are UNMAPped, then the new ones MAPped.
 */
static void vtm_track_cluster(VTMTrackSync *s, GPtrArray *old,
                              const VTMMapping *cur, guint ncur)
{
    g_autofree bool *keep_old = g_new0(bool, old->len);
    g_autofree bool *keep_cur = g_new0(bool, ncur);
    guint a = 0, b = 0;

    while (a < old->len && b < ncur) {
        const VTMMapping *o = g_sequence_get(old->pdata[a]);

        if (o->iova < cur[b].iova) {
            a++;
        } else if (o->iova > cur[b].iova) {
            b++;
        } else {
            keep_old[a] = keep_cur[b] = vtm_mapping_same(o, &cur[b]);
            a++;
            b++;
        }
    }
    for (a = 0; a < old->len; a++) {
        if (!keep_old[a]) {
            vtm_track_unmap(s, old->pdata[a]);
        }
    }
    for (b = 0; b < ncur; b++) {
        if (!keep_cur[b]) {
            vtm_track_map(s, &cur[b], NULL);
        }
    }
}

/*
 * Walks the tracked blocks from first and the current ones in cur
 * together, one cluster at a time.  A cluster starts at the lowest block
 * of either side (the larger one on a tie) and holds every block that
 * starts inside it: aligned blocks nest or are disjoint, so those lie
 * wholly inside.
 */
static void vtm_track_merge(VTMTrackSync *s, uint64_t first, uint64_t last,
                            GArray *cur)
{
    g_autoptr(GPtrArray) old = g_ptr_array_new();
    GSequenceIter *it = vtm_track_first_from(s->t, first);
    guint i = 0, j;

    for (;;) {
        VTMMapping *o = vtm_track_item(it);
        const VTMMapping *n = i < cur->len ?
                              &g_array_index(cur, VTMMapping, i) : NULL;
        const VTMMapping *head;
        uint64_t end;

        if (o && o->iova > last) {
            o = NULL;
        }
        if (!o && !n) {
            break;
        }
        head = !n || (o && (o->iova < n->iova ||
                            (o->iova == n->iova && o->shift > n->shift)))
               ? o : n;
        end = vtm_mapping_last(head);
        g_ptr_array_set_size(old, 0);
        while (vtm_track_item(it) && vtm_track_item(it)->iova <= end) {
            g_ptr_array_add(old, it);
            it = g_sequence_iter_next(it);
        }
        j = i;
        while (j < cur->len && g_array_index(cur, VTMMapping, j).iova <= end) {
            j++;
        }
        if (!old->len) {
            /* only new blocks: they go right before the next tracked one */
            for (; i < j; i++) {
                vtm_track_map(s, &g_array_index(cur, VTMMapping, i), it);
            }
        } else if (j == i) {
            for (j = 0; j < old->len; j++) {
                vtm_track_unmap(s, old->pdata[j]);
            }
            j = i;
        } else if (old->len != 1 || j - i != 1 ||
                   !vtm_mapping_same(g_sequence_get(old->pdata[0]),
                                     &g_array_index(cur, VTMMapping, i))) {
            vtm_track_cluster(s, old, &g_array_index(cur, VTMMapping, i),
                              j - i);
        }
        i = j;
    }
}

void vtm_track_sync(VTMTracker *t, uint64_t first, uint64_t last,
                    const VTMMapSource *src, VTMTrackEmit emit, void *opaque,
                    VTMTrackStats *st)
{
    g_autoptr(GArray) cur = g_array_new(FALSE, FALSE, sizeof(VTMMapping));
    VTMTrackStats local = { 0 };
    VTMTrackSync s = { t, emit, opaque, st ? st : &local };
    VTMMapping *m;
    uint64_t next = 0;

    if (first > last) {
        return;
    }
    /* Widen to the tracked blocks at both ends... */
    m = vtm_track_containing(t, first);
    first = m ? m->iova : first;
    m = vtm_track_containing(t, last);
    last = m ? vtm_mapping_last(m) : last;

    if (!src->enumerate(src->opaque, first, last, vtm_track_collect, cur,
                        &next)) {
        s.st->truncated = true;
        if (next <= first) {
            return;             /* nothing known: keep what is tracked */
        }
        last = next - 1;
    }
    /*
     * ...and to the current blocks at both ends.  A tracked block that
     * overlaps the wider range nests in one of them, so no third round.
     */
    if (cur->len) {
        first = MIN(first, g_array_index(cur, VTMMapping, 0).iova);
        last = MAX(last, vtm_mapping_last(&g_array_index(cur, VTMMapping,
                                                         cur->len - 1)));
    }
    vtm_track_merge(&s, first, last, cur);
}

void vtm_track_clear(VTMTracker *t, VTMTrackEmit emit, void *opaque)
{
    GSequenceIter *it;

    if (emit) {
        for (it = g_sequence_get_begin_iter(t->seq);
             !g_sequence_iter_is_end(it); it = g_sequence_iter_next(it)) {
            emit(false, g_sequence_get(it), opaque);
        }
    }
    g_sequence_remove_range(g_sequence_get_begin_iter(t->seq),
                            g_sequence_get_end_iter(t->seq));
    t->count = 0;
}

void vtm_track_foreach(VTMTracker *t, uint64_t first, uint64_t last,
                       VTMMappingFn fn, void *opaque)
{
    GSequenceIter *it = vtm_track_first_from(t, first);
    VTMMapping *m;

    while ((m = vtm_track_item(it)) && m->iova <= last) {
        if (!fn(m, opaque)) {
            return;
        }
        it = g_sequence_iter_next(it);
    }
}

bool vtm_pt_source_enumerate(void *opaque, uint64_t first, uint64_t last,
                             VTMMappingFn fn, void *fn_opaque,
                             uint64_t *next)
{
    VTMPtSource *src = opaque;
    VTMPtRange r = {
        .root = src->root,
        .levels = src->levels,
        .first = first,
        .last = last,
        .max_tables = src->tables_left,
        .max_leaves = src->leaves_left,
    };
    VTMPtRangeResult res;

    vtm_pt_enumerate(src->fmt, src->mem, &r, fn, fn_opaque, &res);
    src->tables_left -= res.tables;
    src->leaves_left -= res.leaves;
    *next = res.next;
    return res.complete;
}
