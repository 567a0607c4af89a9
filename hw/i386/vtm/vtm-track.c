/*
 * vtm: the mapping tracker behind MAP/UNMAP IOMMU notifiers.
 *
 * The tracked blocks sit in a skip list ordered by input address: finding
 * where a range starts costs O(log n) expected, walking it costs the
 * blocks in it, and no lookup allocates (GLib's GSequence allocates on
 * each search, GTree before 2.68 cannot find the first key at or above
 * an address).  A sync never scans everything tracked, and the tracker
 * never holds more than its capacity.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-track.h"

/* With one node in four one level taller, enough for 4^16 blocks. */
#define VTM_TRACK_LEVELS    16

typedef struct VTMTrackNode VTMTrackNode;
struct VTMTrackNode {
    VTMMapping m;
    unsigned height;
    VTMTrackNode *next[];       /* height forward links */
};

struct VTMTracker {
    VTMTrackNode *head[VTM_TRACK_LEVELS];
    unsigned levels;            /* levels in use */
    uint64_t count;
    uint64_t max_entries;
    uint64_t rng;               /* xorshift state: reproducible heights */
};

VTMTracker *vtm_track_new(uint64_t max_entries)
{
    VTMTracker *t = g_new0(VTMTracker, 1);

    t->max_entries = max_entries;
    t->levels = 1;
    t->rng = 0x9e3779b97f4a7c15ULL;
    return t;
}

static void vtm_track_free_nodes(VTMTracker *t)
{
    VTMTrackNode *n = t->head[0], *next;

    for (; n; n = next) {
        next = n->next[0];
        g_free(n);
    }
    memset(t->head, 0, sizeof(t->head));
    t->levels = 1;
    t->count = 0;
}

void vtm_track_free(VTMTracker *t)
{
    if (t) {
        vtm_track_free_nodes(t);
        g_free(t);
    }
}

uint64_t vtm_track_count(const VTMTracker *t)
{
    return t->count;
}

/* The forward link at level of node, or of the head when node is NULL. */
static VTMTrackNode **vtm_track_link(VTMTracker *t, VTMTrackNode *node,
                                     unsigned level)
{
    return node ? &node->next[level] : &t->head[level];
}

/*
 * The first block that ends at or after addr: the one containing addr if
 * any (blocks are disjoint, so their ends ascend too), else the first one
 * above it.  pred[level], when given, receives the last node before it
 * at each level (NULL: the head).
 */
static VTMTrackNode *vtm_track_find(VTMTracker *t, uint64_t addr,
                                    VTMTrackNode **pred)
{
    VTMTrackNode *x = NULL, *n;
    int level;

    for (level = VTM_TRACK_LEVELS - 1; level >= 0; level--) {
        while ((n = *vtm_track_link(t, x, level)) &&
               vtm_mapping_last(&n->m) < addr) {
            x = n;
        }
        if (pred) {
            pred[level] = x;
        }
    }
    return *vtm_track_link(t, x, 0);
}

static VTMMapping *vtm_track_containing(VTMTracker *t, uint64_t addr)
{
    VTMTrackNode *n = vtm_track_find(t, addr, NULL);

    return n && n->m.iova <= addr ? &n->m : NULL;
}

static unsigned vtm_track_height(VTMTracker *t)
{
    unsigned h = 1;
    uint64_t r;

    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 7;
    t->rng ^= t->rng << 17;
    for (r = t->rng; h < VTM_TRACK_LEVELS && !(r & 3); r >>= 2) {
        h++;
    }
    return h;
}

static void vtm_track_insert(VTMTracker *t, const VTMMapping *m)
{
    VTMTrackNode *pred[VTM_TRACK_LEVELS], *n;
    unsigned h = vtm_track_height(t), level;

    vtm_track_find(t, m->iova, pred);
    n = g_malloc(sizeof(*n) + h * sizeof(n->next[0]));
    n->m = *m;
    n->height = h;
    for (level = 0; level < h; level++) {
        VTMTrackNode **link = vtm_track_link(t, pred[level], level);

        n->next[level] = *link;
        *link = n;
    }
    t->levels = MAX(t->levels, h);
    t->count++;
}

static void vtm_track_remove(VTMTracker *t, VTMTrackNode *n)
{
    VTMTrackNode *pred[VTM_TRACK_LEVELS];
    unsigned level;

    vtm_track_find(t, n->m.iova, pred);
    for (level = 0; level < n->height; level++) {
        VTMTrackNode **link = vtm_track_link(t, pred[level], level);

        if (*link == n) {
            *link = n->next[level];
        }
    }
    g_free(n);
    t->count--;
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

static void vtm_track_unmap(VTMTrackSync *s, VTMTrackNode *n)
{
    if (s->emit) {
        s->emit(false, &n->m, s->opaque);
    }
    vtm_track_remove(s->t, n);
    s->st->unmaps++;
}

static void vtm_track_map(VTMTrackSync *s, const VTMMapping *m)
{
    if (s->t->count >= s->t->max_entries) {
        s->st->dropped++;
        return;
    }
    vtm_track_insert(s->t, m);
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
        const VTMMapping *o = &((VTMTrackNode *)old->pdata[a])->m;

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
            vtm_track_map(s, &cur[b]);
        }
    }
}

/*
 * Walks the tracked blocks from it (the first to end at or after the
 * range's start) and the current ones in cur together, one cluster at a
 * time.  A cluster starts at the lowest block
 * of either side (the larger one on a tie) and holds every block that
 * starts inside it: aligned blocks nest or are disjoint, so those lie
 * wholly inside.
 */
static void vtm_track_merge(VTMTrackSync *s, uint64_t last, GArray *cur,
                            VTMTrackNode *it)
{
    g_autoptr(GPtrArray) old = g_ptr_array_new();
    guint i = 0, j;

    for (;;) {
        VTMMapping *o = it ? &it->m : NULL;
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
        while (it && it->m.iova <= end) {
            g_ptr_array_add(old, it);
            it = it->next[0];
        }
        j = i;
        while (j < cur->len && g_array_index(cur, VTMMapping, j).iova <= end) {
            j++;
        }
        if (!old->len) {
            for (; i < j; i++) {
                vtm_track_map(s, &g_array_index(cur, VTMMapping, i));
            }
        } else if (j == i) {
            for (j = 0; j < old->len; j++) {
                vtm_track_unmap(s, old->pdata[j]);
            }
            j = i;
        } else if (old->len != 1 || j - i != 1 ||
                   !vtm_mapping_same(&((VTMTrackNode *)old->pdata[0])->m,
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
    VTMTrackNode *start;
    VTMMapping *m;
    uint64_t next = 0;

    if (first > last) {
        return;
    }
    /*
     * Widen to the tracked blocks at both ends...  The block found for
     * first often holds last too, and is where the merge starts: one
     * search instead of three.
     */
    start = vtm_track_find(t, first, NULL);
    if (start && start->m.iova <= first) {
        first = start->m.iova;
    }
    if (start && start->m.iova <= last &&
        vtm_mapping_last(&start->m) < last) {
        m = vtm_track_containing(t, last);
        last = m ? vtm_mapping_last(m) : last;
    } else if (start && start->m.iova <= last) {
        last = vtm_mapping_last(&start->m);
    }

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
        if (g_array_index(cur, VTMMapping, 0).iova < first) {
            first = g_array_index(cur, VTMMapping, 0).iova;
            start = vtm_track_find(t, first, NULL);
        }
        last = MAX(last, vtm_mapping_last(&g_array_index(cur, VTMMapping,
                                                         cur->len - 1)));
    }
    vtm_track_merge(&s, last, cur, start);
}

void vtm_track_clear(VTMTracker *t, VTMTrackEmit emit, void *opaque)
{
    VTMTrackNode *n;

    if (emit) {
        for (n = t->head[0]; n; n = n->next[0]) {
            emit(false, &n->m, opaque);
        }
    }
    vtm_track_free_nodes(t);
}

void vtm_track_foreach(VTMTracker *t, uint64_t first, uint64_t last,
                       VTMMappingFn fn, void *opaque)
{
    VTMTrackNode *n;

    for (n = vtm_track_find(t, first, NULL); n && n->m.iova <= last;
         n = n->next[0]) {
        if (!fn(&n->m, opaque)) {
            return;
        }
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
