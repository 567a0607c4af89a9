/*
 * vtm: IOMMU notifiers, replay and host devices (VFIO, vhost).
 *
 * Three kinds of consumers register notifiers on a requester's IOMMU
 * memory region:
 *  - MAP (with UNMAP): a shadow of the guest's mappings, as VFIO keeps.
 *    Needs caching mode, so that the guest invalidates after creating a
 *    mapping too.  Each such address space has a tracker (vtm-track.c) of
 *    what the consumers hold; every invalidation, context change,
 *    translation enable or disable and root table change syncs it against
 *    the tables, and exactly the differences go out.
 *  - UNMAP only: a cache of translations (vhost without device-iotlb).
 *    Each invalidation that applies to the requester goes out as an
 *    UNMAP of the range it names; no caching mode needed.
 *  - DEVIOTLB_UNMAP: vhost with device-iotlb=on, told of each device-TLB
 *    invalidation descriptor for its requester id.
 *
 * Events are sent while the unit's lock is held, as each invalidation is
 * applied, so a consumer has heard of a change before the guest's next
 * invalidation wait completes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-log.h"
#include "qemu/rcu.h"
#include "qapi/error.h"
#include "system/host_iommu_device.h"
#include "vtm-notify.h"
#include "vtm-stats.h"
#include "vtm-track.h"
#include "trace.h"

/* What a requester's mappings come from (VTMNotifyView.kind). */
enum {
    VTM_VIEW_NONE,              /* translation off or the context faults */
    VTM_VIEW_TABLES,            /* second-stage tables */
    VTM_VIEW_IDENTITY,          /* pass-through: guest RAM, identity */
};

static uint16_t vtm_notify_sid(VTMAddressSpace *vas)
{
    return PCI_BUILD_BDF(pci_bus_num(vas->bus), vas->devfn);
}

static IOMMUAccessFlags vtm_notify_perm(uint8_t perm)
{
    return IOMMU_ACCESS_FLAG(perm & VTM_PERM_R, perm & VTM_PERM_W);
}

/* The largest aligned block that starts at lo and ends by hi. */
static unsigned vtm_notify_block_shift(uint64_t lo, uint64_t hi)
{
    unsigned align = lo ? ctz64(lo) : 64;
    uint64_t span = hi - lo;
    unsigned size = span == UINT64_MAX ? 64 : 63 - clz64(span + 1);

    /* 2^64 cannot be told: addr_mask + 1 would wrap for consumers */
    return MIN(MIN(align, size), 63);
}

/*
 * Sends [first, last] (mapped to addr when perm is not NONE) to one
 * notifier, cut to its range and into aligned blocks: every event then
 * has an addr_mask of 2^n - 1 and lies inside the notifier's range.
 * A replay calls the notifier directly, as memory_region_iommu_replay()
 * would; otherwise the event type must be one it asked for.
 */
static void vtm_notify_one(VTMAddressSpace *vas, IOMMUNotifier *n,
                           IOMMUNotifierFlag type, uint64_t first,
                           uint64_t last, uint64_t addr,
                           IOMMUAccessFlags perm, bool replay)
{
    uint64_t lo = MAX(first, n->start), hi = MIN(last, n->end);
    IOMMUTLBEvent ev = {
        .type = type,
        .entry.target_as = vas->vtm->dma_as,
        .entry.perm = perm,
    };

    while (lo <= hi) {
        unsigned shift = vtm_notify_block_shift(lo, hi);

        ev.entry.iova = lo;
        ev.entry.addr_mask = shift ? MAKE_64BIT_MASK(0, shift) : 0;
        ev.entry.translated_addr = perm ? addr + (lo - first) : 0;
        trace_vtm_notify_event(vtm_notify_sid(vas), type, lo,
                               ev.entry.addr_mask,
                               ev.entry.translated_addr, perm);
        if (replay) {
            n->notify(n, &ev.entry);
        } else {
            memory_region_notify_iommu_one(n, &ev);
        }
        if (hi - lo == ev.entry.addr_mask) {
            break;
        }
        lo += ev.entry.addr_mask + 1;
    }
}

/* Sends to each notifier that has every flag of need and none of avoid. */
static void vtm_notify_send(VTMAddressSpace *vas, IOMMUNotifierFlag type,
                            IOMMUNotifierFlag need, IOMMUNotifierFlag avoid,
                            uint64_t first, uint64_t last, uint64_t addr,
                            IOMMUAccessFlags perm)
{
    IOMMUNotifier *n;

    IOMMU_NOTIFIER_FOREACH(n, &vas->iommu) {
        if ((n->notifier_flags & need) == need &&
            !(n->notifier_flags & avoid)) {
            vtm_notify_one(vas, n, type, first, last, addr, perm, false);
        }
    }
}

/* The tracker's changes go to the notifiers that keep a shadow. */
static void vtm_notify_track_emit(bool map, const VTMMapping *m,
                                  void *opaque)
{
    VTMAddressSpace *vas = opaque;

    if (map) {
        vtm_notify_send(vas, IOMMU_NOTIFIER_MAP, IOMMU_NOTIFIER_MAP, 0,
                        m->iova, vtm_mapping_last(m), m->addr,
                        vtm_notify_perm(m->perm));
    } else {
        vtm_notify_send(vas, IOMMU_NOTIFIER_UNMAP, IOMMU_NOTIFIER_IOTLB_EVENTS,
                        0, m->iova, vtm_mapping_last(m), 0, IOMMU_NONE);
    }
}

/*
 * The requester's view now, from memory rather than the context cache:
 * a cache may drop an entry at any time, so reading it afresh is what a
 * cache that just missed would do.
 */
/*
 * Scalable mode: the requester's mappings are those of its RID_PASID
 * entry (requests without PASID, all that QEMU's devices make).  MAP
 * notifiers can follow a second-stage entry as a legacy context, and a
 * pass-through one as an identity map; not a first-stage one, which
 * software need not invalidate when it maps (vtm-sm.c refuses
 * first-stage with caching mode, so only a guest that ignores ECAP gets
 * here).
 */
static void vtm_notify_view_sm_locked(VTMState *s, VTMAddressSpace *vas,
                                      VTMNotifyView *v)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    unsigned reads;

    if (vtm_ctx_fetch_rid_pasid(&s->mem, s->core.root_table,
                                vtm_notify_sid(vas), &s->core.lim, &ctx,
                                &pe, &reads) != VTM_FR_NONE) {
        return;
    }
    v->did_valid = true;
    v->did = pe.did;
    switch (pe.pgtt) {
    case VTM_PGTT_PT:
        v->kind = VTM_VIEW_IDENTITY;
        break;
    case VTM_PGTT_SS:
        v->kind = VTM_VIEW_TABLES;
        v->levels = pe.ss_levels;
        v->root = pe.ssptptr;
        break;
    default:
        if (vas->tracker) {
            vtm_guest_error("vtm: %02x:%02x.%x translates "
                            "with %s tables, which MAP notifiers (VFIO) cannot "
                            "follow: its host device maps nothing\n",
                            pci_bus_num(vas->bus), PCI_SLOT(vas->devfn),
                            PCI_FUNC(vas->devfn),
                            pe.pgtt == VTM_PGTT_FS ? "first-stage" : "nested");
        }
        break;
    }
}

/*
 * The requester's view now, from memory rather than the context cache:
 * a cache may drop an entry at any time, so reading it afresh is what a
 * cache that just missed would do.
 */
static void vtm_notify_view_locked(VTMState *s, VTMAddressSpace *vas,
                                   VTMNotifyView *v)
{
    VTMContext ctx;
    unsigned reads;

    memset(v, 0, sizeof(*v));
    v->translating = s->translation_enabled;
    if (!s->translation_enabled) {
        return;
    }
    if (s->core.ttm == VTM_TTM_SCALABLE && s->core.cfg.sm_supported) {
        vtm_notify_view_sm_locked(s, vas, v);
        return;
    }
    if (s->core.ttm != VTM_TTM_LEGACY ||
        vtm_ctx_fetch(&s->mem, s->core.root_table, vtm_notify_sid(vas),
                      &s->core.lim, &ctx, &reads) != VTM_FR_NONE) {
        return;
    }
    v->did_valid = true;
    v->did = ctx.did;
    if (ctx.tt == VTM_TT_PASSTHROUGH) {
        v->kind = VTM_VIEW_IDENTITY;
    } else {
        v->kind = VTM_VIEW_TABLES;
        v->levels = ctx.levels;
        v->root = ctx.slptptr;
    }
}

static bool vtm_notify_same_mappings(const VTMNotifyView *a,
                                     const VTMNotifyView *b)
{
    return a->kind == b->kind && a->levels == b->levels &&
           a->root == b->root;
}

/* Pass-through: each RAM range of the target, cut into aligned blocks. */
typedef struct VTMIdentityWalk {
    uint64_t first, last;
    VTMMappingFn fn;
    void *opaque;
} VTMIdentityWalk;

static bool vtm_identity_range(Int128 start, Int128 len,
                               const MemoryRegion *mr, hwaddr offset,
                               void *opaque)
{
    VTMIdentityWalk *w = opaque;
    uint64_t lo, hi;
    VTMMapping m;

    if (!memory_region_is_ram((MemoryRegion *)mr) ||
        int128_eq(len, int128_zero()) ||
        int128_gt(int128_add(start, len), int128_make64(UINT64_MAX))) {
        return false;
    }
    lo = int128_get64(start);
    hi = lo + int128_get64(len) - 1;
    if (lo > w->last) {
        return true;            /* ranges come in ascending order */
    }
    m.perm = mr->readonly ? VTM_PERM_R : VTM_PERM_RW;
    while (lo <= hi) {
        m.shift = vtm_notify_block_shift(lo, hi);
        m.iova = m.addr = lo;
        if (vtm_mapping_last(&m) >= w->first && m.iova <= w->last &&
            m.shift >= VTM_PAGE_SHIFT && !w->fn(&m, w->opaque)) {
            return true;
        }
        if (vtm_mapping_last(&m) == hi) {
            break;
        }
        lo = vtm_mapping_last(&m) + 1;
    }
    return false;
}

static bool vtm_identity_enumerate(void *opaque, uint64_t first,
                                   uint64_t last, VTMMappingFn fn,
                                   void *fn_opaque, uint64_t *next)
{
    VTMState *s = opaque;
    VTMIdentityWalk w = { first, last, fn, fn_opaque };

    RCU_READ_LOCK_GUARD();
    flatview_for_each_range(address_space_to_flatview(s->dma_as),
                            vtm_identity_range, &w);
    return true;
}

static bool vtm_none_enumerate(void *opaque, uint64_t first, uint64_t last,
                               VTMMappingFn fn, void *fn_opaque,
                               uint64_t *next)
{
    return true;
}

/* A source for view, bounded by the unit's notifier budget. */
static void vtm_notify_source(VTMState *s, const VTMNotifyView *v,
                              VTMPtSource *ps, VTMMapSource *src)
{
    uint64_t max = s->notify_max_mappings;

    *ps = (VTMPtSource) {
        .fmt = &s->core.fmt,
        .mem = &s->mem,
        .root = v->root,
        .levels = v->levels,
        .tables_left = 2 * max + 1024,
        .leaves_left = max,
    };
    switch (v->kind) {
    case VTM_VIEW_TABLES:
        *src = (VTMMapSource) { vtm_pt_source_enumerate, ps };
        break;
    case VTM_VIEW_IDENTITY:
        *src = (VTMMapSource) { vtm_identity_enumerate, s };
        break;
    default:
        *src = (VTMMapSource) { vtm_none_enumerate, NULL };
        break;
    }
}

/* Brings the tracker of vas to view over [first, last]. */
static void vtm_notify_sync_locked(VTMState *s, VTMAddressSpace *vas,
                                   const VTMNotifyView *view,
                                   uint64_t first, uint64_t last, bool emit)
{
    VTMTrackStats st = { 0 };
    VTMMapSource src;
    VTMPtSource ps;

    vtm_notify_source(s, view, &ps, &src);
    vtm_track_sync(vas->tracker, first, last, &src,
                   emit ? vtm_notify_track_emit : NULL, vas, &st);
    trace_vtm_notify_sync(vtm_notify_sid(vas), first, last, st.maps,
                          st.unmaps, vtm_track_count(vas->tracker));
    if (st.truncated || st.dropped) {
        vtm_guest_error("vtm: %02x:%02x.%x maps more than "
                        "notify-max-mappings=%u allows (or its tables are too "
                        "large to walk): %" PRIu64 " mappings not passed to "
                        "IOMMU notifiers%s\n", pci_bus_num(vas->bus),
                        PCI_SLOT(vas->devfn), PCI_FUNC(vas->devfn),
                        s->notify_max_mappings, st.dropped,
                        st.truncated ? ", walk stopped early" : "");
    }
}

/*
 * Something that may change vas's mappings in [first, last] was
 * invalidated: sync the tracker (everything, if the requester now
 * translates through other tables) and, with flush, tell the UNMAP-only
 * notifiers.
 */
static void vtm_notify_changed_locked(VTMState *s, VTMAddressSpace *vas,
                                      const VTMNotifyView *view,
                                      uint64_t first, uint64_t last,
                                      bool flush)
{
    uint64_t top = MAKE_64BIT_MASK(0, s->aw_bits);

    if (!vtm_notify_same_mappings(view, &vas->view)) {
        first = 0;
        last = UINT64_MAX;
    }
    vas->view = *view;
    if (vas->tracker) {
        vtm_notify_sync_locked(s, vas, view, first, last, true);
    }
    /* Nothing is mapped above the guest address width. */
    if (flush && (vas->notify_flags & IOMMU_NOTIFIER_UNMAP) && first <= top) {
        vtm_notify_send(vas, IOMMU_NOTIFIER_UNMAP, IOMMU_NOTIFIER_UNMAP,
                        IOMMU_NOTIFIER_MAP, first, MIN(last, top), 0,
                        IOMMU_NONE);
    }
}

/* Whether an invalidation naming did may cover what vas has. */
static bool vtm_notify_did_hits(VTMAddressSpace *vas,
                                const VTMNotifyView *now, uint16_t did)
{
    if (!now->did_valid && !vas->view.did_valid) {
        return true;            /* nothing known: assume it does */
    }
    return (now->did_valid && now->did == did) ||
           (vas->view.did_valid && vas->view.did == did);
}

/* Function-number bits a device-selective invalidation ignores (9.3). */
static bool vtm_notify_sid_hits(uint16_t sid, const VTMInvCC *cc)
{
    unsigned n = cc->fm & 3;
    uint16_t ignored = ((1u << n) - 1) << (3 - n);

    return ((sid ^ cc->sid) & ~ignored) == 0;
}

static bool vtm_notify_cc_hits(VTMAddressSpace *vas,
                               const VTMNotifyView *now, const VTMInvCC *cc)
{
    switch (cc->gran) {
    case VTM_INV_DOMAIN:
        return vtm_notify_did_hits(vas, now, cc->did);
    case VTM_INV_DEVICE:
        return vtm_notify_sid_hits(vtm_notify_sid(vas), cc);
    default:
        return true;
    }
}

/* The input-address range an IOTLB invalidation names (6.5.2.3). */
static void vtm_notify_iotlb_range(const VTMInvIotlb *inv, uint64_t *first,
                                   uint64_t *last)
{
    unsigned span = inv->am + VTM_PAGE_SHIFT;

    *first = 0;
    *last = UINT64_MAX;
    if (inv->gran == VTM_INV_PAGE && span < 64) {
        *first = inv->addr & ~MAKE_64BIT_MASK(0, span);
        *last = *first | MAKE_64BIT_MASK(0, span);
    }
}

/* The range a device-TLB invalidation names: 6.5.2.5, S and ADDR. */
static void vtm_notify_devtlb_range(const VTMInvDevtlb *d, uint64_t *first,
                                    uint64_t *last)
{
    unsigned ones = cto64(d->addr >> VTM_PAGE_SHIFT);
    unsigned shift = d->size ? VTM_PAGE_SHIFT + 1 + ones : VTM_PAGE_SHIFT;

    if (shift >= 64) {
        *first = 0;
        *last = UINT64_MAX;
        return;
    }
    *first = d->addr & ~MAKE_64BIT_MASK(0, shift);
    *last = *first | MAKE_64BIT_MASK(0, shift);
}

static void vtm_notify_devtlb_locked(VTMState *s, const VTMInvDevtlb *d)
{
    GHashTableIter it;
    gpointer value;
    uint64_t first, last;

    vtm_notify_devtlb_range(d, &first, &last);
    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        VTMAddressSpace *vas = value;

        if ((vas->notify_flags & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) &&
            vtm_notify_sid(vas) == d->sid) {
            vtm_notify_send(vas, IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
                            IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0, first, last,
                            0, IOMMU_NONE);
        }
    }
}

/*
 * The input-address range a PASID-based IOTLB invalidation names
 * (6.5.2.4): all of the PASID, or 2^AM pages.
 */
static void vtm_notify_piotlb_range(const VTMInvPiotlb *inv, uint64_t *first,
                                    uint64_t *last)
{
    VTMInvIotlb as_iotlb = {
        .gran = inv->gran == VTM_QI_PIOTLB_PAGE ? VTM_INV_PAGE
                                                : VTM_INV_DOMAIN,
        .addr = inv->addr, .am = inv->am,
    };

    vtm_notify_iotlb_range(&as_iotlb, first, last);
}

/* Whether op may change what vas maps (its view now is now). */
static bool vtm_notify_inv_hits(VTMAddressSpace *vas,
                                const VTMNotifyView *now, const VTMInvOp *op)
{
    switch (op->type) {
    case VTM_INV_CC:
        return vtm_notify_cc_hits(vas, now, &op->cc);
    case VTM_INV_IOTLB:
        return op->iotlb.gran == VTM_INV_GLOBAL ||
               vtm_notify_did_hits(vas, now, op->iotlb.did);
    case VTM_INV_PC:
        return op->pc.gran == VTM_QI_PC_GLOBAL ||
               vtm_notify_did_hits(vas, now, op->pc.did);
    case VTM_INV_PIOTLB:
        return vtm_notify_did_hits(vas, now, op->piotlb.did);
    default:
        return false;
    }
}

/* A PASID-based device-TLB invalidation as its legacy counterpart. */
static void vtm_notify_pdevtlb_locked(VTMState *s, const VTMInvPdevtlb *p)
{
    VTMInvDevtlb d = {
        .sid = p->sid, .pfsid = p->pfsid, .mip = p->mip,
        .addr = p->global ? ~0ULL & ~(VTM_PAGE_SIZE - 1) : p->addr,
        .size = p->global || p->size,
    };

    vtm_notify_devtlb_locked(s, &d);
}

void vtm_notify_inv_locked(VTMState *s, const VTMInvOp *op)
{
    GHashTableIter it;
    gpointer value;
    uint64_t first = 0, last = UINT64_MAX;
    /* what may change a requester's context or PASID entry (6.5.3.3) */
    bool entry_change = op->type == VTM_INV_CC || op->type == VTM_INV_PC;

    if (!s->notify_spaces) {
        return;                 /* the common case: nobody listens */
    }
    if (op->type == VTM_INV_DEVTLB || op->type == VTM_INV_PDEVTLB) {
        if (op->type == VTM_INV_DEVTLB) {
            vtm_notify_devtlb_locked(s, &op->devtlb);
        } else {
            vtm_notify_pdevtlb_locked(s, &op->pdevtlb);
        }
        return;
    }
    /*
     * With translation off nothing maps through the unit, and nothing
     * was left cached when it went off (vtm_notify_translation_locked).
     */
    if ((!entry_change && op->type != VTM_INV_IOTLB &&
         op->type != VTM_INV_PIOTLB) || !s->translation_enabled) {
        return;
    }
    if (op->type == VTM_INV_IOTLB) {
        vtm_notify_iotlb_range(&op->iotlb, &first, &last);
    } else if (op->type == VTM_INV_PIOTLB) {
        vtm_notify_piotlb_range(&op->piotlb, &first, &last);
    }
    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        VTMAddressSpace *vas = value;
        VTMNotifyView now;

        if (!(vas->notify_flags & IOMMU_NOTIFIER_IOTLB_EVENTS)) {
            continue;
        }
        /*
         * A present context or PASID entry changes only with a
         * context-cache or PASID-cache invalidation (6.5.3.3), so an
         * IOTLB one can use what was seen.
         */
        if (entry_change || vas->view.kind == VTM_VIEW_NONE) {
            vtm_notify_view_locked(s, vas, &now);
        } else {
            now = vas->view;
        }
        if (vtm_notify_inv_hits(vas, &now, op)) {
            vtm_notify_changed_locked(s, vas, &now, first, last, true);
        }
    }
}

/*
 * Translation was enabled or disabled, the root table changed, or the
 * unit was reset: every requester may map something else now.  Cached
 * translations are flushed if translation was on when the notifiers
 * last looked: with it off nothing could be cached since.
 */
void vtm_notify_translation_locked(VTMState *s)
{
    GHashTableIter it;
    gpointer value;

    if (!s->notify_spaces) {
        return;
    }
    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        VTMAddressSpace *vas = value;
        VTMNotifyView now;

        if (vas->notify_flags & IOMMU_NOTIFIER_IOTLB_EVENTS) {
            vtm_notify_view_locked(s, vas, &now);
            vtm_notify_changed_locked(s, vas, &now, 0, UINT64_MAX,
                                      vas->view.translating);
        }
    }
}

/* IOMMUMemoryRegionClass hooks ------------------------------------- */

int vtm_notify_flag_changed(IOMMUMemoryRegion *iommu,
                            IOMMUNotifierFlag old, IOMMUNotifierFlag new,
                            Error **errp)
{
    VTMAddressSpace *vas = container_of(iommu, VTMAddressSpace, iommu);
    VTMState *s = vas->vtm;
    uint16_t sid = vtm_notify_sid(vas);

    if ((new & IOMMU_NOTIFIER_MAP) && !s->caching_mode) {
        error_setg(errp, "vtm-iommu: %02x:%02x.%x needs MAP notifications "
                   "(a shadow of the guest's mappings, as VFIO keeps), "
                   "which need caching mode: set "
                   "-device vtm-iommu,caching-mode=on", PCI_BUS_NUM(sid),
                   PCI_SLOT(sid), PCI_FUNC(sid));
        return -ENOTSUP;
    }
    if ((new & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) &&
        !X86_IOMMU_DEVICE(s)->dt_supported) {
        error_setg(errp, "vtm-iommu: %02x:%02x.%x asks for device-TLB "
                   "invalidations, which need -device "
                   "vtm-iommu,device-iotlb=on", PCI_BUS_NUM(sid),
                   PCI_SLOT(sid), PCI_FUNC(sid));
        return -ENOTSUP;
    }
    trace_vtm_notify_flags(sid, old, new);
    vtm_lock(s);
    if (!vas->notify_flags && new) {
        s->notify_spaces++;
        vtm_notify_view_locked(s, vas, &vas->view);
    } else if (vas->notify_flags && !new) {
        s->notify_spaces--;
    }
    if ((new & IOMMU_NOTIFIER_MAP) && !vas->tracker) {
        /* What the consumer will get by replay(): nothing to send now. */
        vas->tracker = vtm_track_new(s->notify_max_mappings);
        vtm_notify_view_locked(s, vas, &vas->view);
        vtm_notify_sync_locked(s, vas, &vas->view, 0, UINT64_MAX, false);
    } else if (!(new & IOMMU_NOTIFIER_MAP) && vas->tracker) {
        g_clear_pointer(&vas->tracker, vtm_track_free);
    }
    vas->notify_flags = new;
    vtm_unlock(s);
    return 0;
}

typedef struct VTMReplay {
    VTMAddressSpace *vas;
    IOMMUNotifier *n;
    uint64_t count;
} VTMReplay;

static bool vtm_replay_one(const VTMMapping *m, void *opaque)
{
    VTMReplay *r = opaque;

    vtm_notify_one(r->vas, r->n, IOMMU_NOTIFIER_MAP, m->iova,
                   vtm_mapping_last(m), m->addr, vtm_notify_perm(m->perm),
                   true);
    r->count++;
    return true;
}

/*
 * Sends n every current mapping in its range.  With a tracker those are
 * what the other MAP notifiers hold (the tables as of the last
 * invalidation, which caching mode lets the unit keep); without one, the
 * tables are walked now, within the same budget.
 */
void vtm_notify_replay(IOMMUMemoryRegion *iommu, IOMMUNotifier *n)
{
    VTMAddressSpace *vas = container_of(iommu, VTMAddressSpace, iommu);
    VTMState *s = vas->vtm;
    VTMReplay r = { vas, n, 0 };
    VTMNotifyView view;
    VTMMapSource src;
    VTMPtSource ps;
    uint64_t next;

    vtm_lock(s);
    if (vas->tracker) {
        vtm_track_foreach(vas->tracker, n->start, n->end, vtm_replay_one,
                          &r);
    } else {
        vtm_notify_view_locked(s, vas, &view);
        vtm_notify_source(s, &view, &ps, &src);
        src.enumerate(src.opaque, n->start, n->end, vtm_replay_one, &r,
                      &next);
    }
    vtm_unlock(s);
    trace_vtm_notify_replay(vtm_notify_sid(vas), n->start, n->end, r.count);
}

/* Host devices ------------------------------------------------------ */

/*
 * A host device (vfio-pci) DMAs through the host IOMMU, which must mirror
 * the guest's mappings: only MAP notifications can keep it in step, and
 * only caching mode makes the guest tell of new mappings.  Refusing here
 * fails the device's realize with a message, rather than the machine
 * later, when the guest enables translation.
 */
bool vtm_notify_set_host_device(VTMAddressSpace *vas,
                                HostIOMMUDevice *hiod, Error **errp)
{
    VTMState *s = vas->vtm;
    const char *name = hiod->name ? hiod->name : "host device";

    trace_vtm_notify_host_device(vtm_notify_sid(vas), name,
                                 s->caching_mode);
    if (!s->caching_mode) {
        error_setg(errp, "vtm-iommu: %s at %02x:%02x.%x is a host device "
                   "(VFIO): vtm can mirror the guest's mappings into the "
                   "host IOMMU only in caching mode; set -device "
                   "vtm-iommu,caching-mode=on", name, pci_bus_num(vas->bus),
                   PCI_SLOT(vas->devfn), PCI_FUNC(vas->devfn));
        return false;
    }
    vas->host_device = true;
    return true;
}

void vtm_notify_unset_host_device(VTMAddressSpace *vas)
{
    vas->host_device = false;
}
