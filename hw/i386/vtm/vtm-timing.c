/*
 * vtm: the cycle-approximate timing model.
 *
 * A translation's latency is the lookup latency of each structure it
 * consulted (context cache, IOTLB, paging-structure caches), plus one
 * ptw-mem-lat per memory read its walk made, plus any time it waited: for
 * an invalidation that keeps the unit busy, or for a free walker slot.
 * Lookups are pipelined without limit; walks are not: a walk holds one of
 * ptw-slots slots for its memory reads, and a walk that finds them all
 * busy starts when the earliest one frees.  The clock is the arrival time
 * the caller passes in IOMMU cycles (vtm-stats.c takes it from QEMU's
 * virtual clock, vtm-replay from its request generator).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "vtm-core.h"

const char *const vtm_policy_names[] = { "lru", "rr", "random", NULL };
const char *const vtm_timing_mode_names[] = {
    "off", "account", "stall", NULL,
};
const char *const vtm_preset_names[] = {
    "none", "bdw", "hsw", "ib", NULL,
};

int vtm_name_lookup(const char *const *names, const char *name)
{
    int i;

    for (i = 0; names[i]; i++) {
        if (!strcmp(names[i], name)) {
            return i;
        }
    }
    return -1;
}

const char *vtm_name_choices(const char *const *names)
{
    g_autoptr(GString) s = g_string_new("");
    int i;

    for (i = 0; names[i]; i++) {
        if (i) {
            g_string_append(s, names[i + 1] ? ", " : " or ");
        }
        g_string_append(s, names[i]);
    }
    return g_intern_string(s->str);
}

/* Histogram ---------------------------------------------------------- */

unsigned vtm_hist_bucket(uint64_t v)
{
    unsigned e;

    if (v < VTM_HIST_EXACT) {
        return v;
    }
    e = 63 - clz64(v);                      /* 4 or more */
    if (e >= VTM_HIST_MAX_SHIFT) {
        return VTM_HIST_BUCKETS - 1;
    }
    return VTM_HIST_EXACT + (e - 4) * VTM_HIST_SUB +
           ((v >> (e - 3)) & (VTM_HIST_SUB - 1));
}

void vtm_hist_bounds(unsigned i, uint64_t *lo, uint64_t *hi)
{
    unsigned k, e;

    if (i < VTM_HIST_EXACT) {
        *lo = *hi = i;
        return;
    }
    k = i - VTM_HIST_EXACT;
    e = 4 + k / VTM_HIST_SUB;
    *lo = (uint64_t)(VTM_HIST_SUB + k % VTM_HIST_SUB) << (e - 3);
    *hi = i == VTM_HIST_BUCKETS - 1 ? UINT64_MAX
                                    : *lo + (1ULL << (e - 3)) - 1;
}

void vtm_hist_add(VTMHist *h, uint64_t v)
{
    unsigned i = vtm_hist_bucket(v);

    h->n++;
    h->count[i]++;
    h->sum[i] += v;
    if (v > h->max) {
        h->max = v;
    }
}

uint64_t vtm_hist_percentile(const VTMHist *h, unsigned permille)
{
    uint64_t rank, seen = 0;
    unsigned i;

    if (!h->n) {
        return 0;
    }
    /* The rank-th smallest sample, rank = ceil(n * q), at least 1 */
    rank = MAX(((__uint128_t)h->n * permille + 999) / 1000, 1);
    for (i = 0; i < VTM_HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= rank) {
            return h->sum[i] / h->count[i];
        }
    }
    return h->max;
}

/* Counters ----------------------------------------------------------- */

uint64_t vtm_counters_iotlb_hits(const VTMCounters *c)
{
    return c->iotlb_hits[1] + c->iotlb_hits[2] + c->iotlb_hits[3];
}

uint64_t vtm_counters_psc_hits(const VTMCounters *c)
{
    uint64_t sum = 0;
    unsigned level;

    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        sum += c->psc_hits[level];
    }
    return sum;
}

void vtm_counters_add(VTMCounters *c, const VTMResult *res)
{
    const VTMOutcome *o = &res->how;

    c->translations++;
    c->faults += res->fault.reason != VTM_FR_NONE;
    c->passthrough += res->passthrough;
    c->ctx_lookups += o->ctx_lookup;
    c->ctx_hits += o->ctx_hit;
    c->iotlb_lookups += o->iotlb_lookup;
    if (o->iotlb_hit) {
        c->iotlb_hits[o->iotlb_hit & 3]++;
    }
    c->psc_lookups += o->psc_lookup;
    if (o->psc_hit) {
        c->psc_hits[MIN(o->psc_hit, VTM_MAX_LEVELS)]++;
    }
    c->walks += o->walked;
    c->mem_reads += o->ctx_reads + o->pasid_reads + o->pt_reads;
    c->pasid_lookups += o->pasid_lookup;
    c->pasid_hits += o->pasid_hit;
    c->ad_writes += o->pt_writes;
    c->ss_reads += o->ss_reads;
    c->ntlb_lookups += o->ntlb_lookups;
    c->ntlb_hits += o->ntlb_hits;
    c->devtlb_lookups += o->devtlb_lookup;
    c->devtlb_hits += o->devtlb_hit;
    if (res->fault.reason == VTM_FR_NONE) {
        c->stage[MIN(res->stage, VTM_STAGE__MAX - 1)]++;
    }
    c->cycles += res->latency;
    c->queue_cycles += res->queued;
    vtm_hist_add(&c->lat, res->latency);
}

/* Parameters --------------------------------------------------------- */

static G_GNUC_PRINTF(1, 2)
const char *vtm_intern_printf(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_intern_string(msg);
}

/*
 * Defaults without a preset; docs/vtm.rst gives the source of each.
 * clock-mhz 1000 makes one cycle one nanosecond; ptw-mem-lat and
 * dma-base-ns come from pcie-bench's Broadwell data; ptw-slots from gem5's
 * SMMUv3 (ptw_slots = 16).  No public figure gives per-descriptor
 * invalidation costs: 100 cycles each is a placeholder to be set from
 * one's own measurements.
 */
void vtm_timing_default_params(VTMTimingParams *p)
{
    unsigned i;

    memset(p, 0, sizeof(*p));
    p->mode = VTM_TIMING_ACCOUNT;
    p->clock_mhz = 1000;
    p->ptw_mem_lat = 280;
    p->ptw_slots = 16;
    for (i = 0; i < VTM_INV_NTYPES; i++) {
        p->inv_lat[i] = 100;
    }
    p->dma_base_ns = 600;
    /*
     * Linux's usual PCIe setting and pcie-bench's (pcie-model's defaults):
     * max payload 256, max read request 512.  No public figure for the
     * ATS round trip: pcie-bench's 64-byte DMA read takes 600 ns, of
     * which about 100 are the memory access; the rest, 500, is the round
     * trip a translation request makes too.
     */
    p->max_read_req = 512;
    p->max_payload = 256;
    p->ats_rtt_lat = 500;
}

const char *vtm_timing_params_error(const VTMTimingParams *p)
{
    static const char *const inv_names[VTM_INV_NTYPES] = {
        [VTM_INV_CC] = "inv-cc-lat", [VTM_INV_IOTLB] = "inv-iotlb-lat",
        [VTM_INV_DEVTLB] = "inv-devtlb-lat", [VTM_INV_IEC] = "inv-iec-lat",
        [VTM_INV_WAIT] = "inv-wait-lat",
    };
    unsigned i;

    if (p->mode >= VTM_TIMING__MAX) {
        return vtm_intern_printf("property 'timing' must be %s",
                                 vtm_name_choices(vtm_timing_mode_names));
    }
    if (p->clock_mhz < 1 || p->clock_mhz > VTM_TIMING_MAX_CLOCK_MHZ) {
        return "property 'clock-mhz' must be between 1 and 100000";
    }
    if (p->ptw_slots < 1 || p->ptw_slots > VTM_TIMING_MAX_SLOTS) {
        return "property 'ptw-slots' must be between 1 and 1024";
    }
    if (p->ptw_mem_lat > VTM_TIMING_MAX_LAT) {
        return "property 'ptw-mem-lat' must be at most 1000000 cycles";
    }
    for (i = 0; i < VTM_INV_NTYPES; i++) {
        if (p->inv_lat[i] > VTM_TIMING_MAX_LAT) {
            return vtm_intern_printf("property '%s' must be at most "
                                     "1000000 cycles", inv_names[i]);
        }
    }
    if (p->dma_base_ns > VTM_TIMING_MAX_LAT) {
        return "property 'dma-base-ns' must be at most 1000000";
    }
    if (p->max_read_req < 128 || p->max_read_req > 4096 ||
        !is_power_of_2(p->max_read_req)) {
        return "property 'max-read-req' must be 128, 256, 512, 1024, 2048 "
               "or 4096";
    }
    if (p->max_payload < 128 || p->max_payload > 4096 ||
        !is_power_of_2(p->max_payload)) {
        return "property 'max-payload' must be 128, 256, 512, 1024, 2048 "
               "or 4096";
    }
    if (p->ats_rtt_lat > VTM_TIMING_MAX_LAT) {
        return "property 'ats-rtt-lat' must be at most 1000000 cycles";
    }
    return NULL;
}

/* The model ---------------------------------------------------------- */

static uint32_t vtm_timing_lookup_lat(const VTMCacheParams *p)
{
    return p->enable && p->entries ? p->latency : 0;
}

void vtm_timing_init(VTMTiming *t, const VTMTimingParams *p,
                     const VTMCacheParams *ctx, const VTMCacheParams *iotlb,
                     const VTMCacheParams *psc, const VTMCacheParams *iec)
{
    unsigned level;

    memset(t, 0, sizeof(*t));
    t->p = *p;
    t->ctx_lat = vtm_timing_lookup_lat(ctx);
    t->iotlb_lat = vtm_timing_lookup_lat(iotlb);
    t->iec_lat = vtm_timing_lookup_lat(iec);
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        t->psc_lat = MAX(t->psc_lat, vtm_timing_lookup_lat(&psc[level]));
    }
    t->slot_free = g_new0(uint64_t, MAX(p->ptw_slots, 1));
}

void vtm_timing_init_sm(VTMTiming *t, const VTMCacheParams *pasid,
                        const VTMCacheParams *fs_psc)
{
    unsigned level;

    t->pasid_lat = vtm_timing_lookup_lat(pasid);
    t->fs_psc_lat = 0;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        t->fs_psc_lat = MAX(t->fs_psc_lat,
                            vtm_timing_lookup_lat(&fs_psc[level]));
    }
}

void vtm_timing_init_nested(VTMTiming *t, const VTMCacheParams *ntlb)
{
    t->ntlb_lat = vtm_timing_lookup_lat(ntlb);
}

void vtm_timing_destroy(VTMTiming *t)
{
    g_clear_pointer(&t->slot_free, g_free);
    g_clear_pointer(&t->devtlb, vtm_cache_free);
}

void vtm_timing_reset(VTMTiming *t)
{
    memset(t->slot_free, 0, MAX(t->p.ptw_slots, 1) * sizeof(uint64_t));
    t->slot_hint = 0;
    t->now = 0;
    t->busy_until = 0;
    if (t->devtlb) {
        vtm_cache_flush(t->devtlb);
    }
}

void vtm_timing_reset_counters(VTMTiming *t)
{
    memset(&t->unit, 0, sizeof(t->unit));
    memset(&t->irq, 0, sizeof(t->irq));
    t->inv_cycles = 0;
    t->walk_cycles = 0;
}

void vtm_timing_advance(VTMTiming *t, uint64_t now)
{
    if (now > t->now) {
        t->now = now;
    }
}

/*
 * A slot free by `ready`, else the one that frees first.  Any slot free
 * by then does: arrivals only move forward, so no later walk can tell
 * them apart.  Without contention the first probe succeeds.
 */
static unsigned vtm_timing_free_slot(VTMTiming *t, uint64_t ready)
{
    unsigned i, n = t->p.ptw_slots, best = t->slot_hint;

    for (i = 0; i < n; i++) {
        unsigned s = t->slot_hint + i < n ? t->slot_hint + i
                                          : t->slot_hint + i - n;

        if (t->slot_free[s] <= ready) {
            t->slot_hint = s + 1 < n ? s + 1 : 0;
            return s;
        }
        if (t->slot_free[s] < t->slot_free[best]) {
            best = s;
        }
    }
    return best;
}

uint64_t vtm_timing_charge(VTMTiming *t, uint64_t arrival,
                           const VTMOutcome *o, uint64_t *queued)
{
    /*
     * Scalable mode adds the PASID-entry reads and the first stage's
     * locked A/D updates (each a memory access of the walker), all zero
     * in legacy mode.
     */
    unsigned reads = o->ctx_reads + o->pasid_reads + o->pt_reads +
                     o->pt_writes;
    uint32_t psc_lat = o->stage == VTM_STAGE_FIRST ||
                       o->stage == VTM_STAGE_NESTED ? t->fs_psc_lat
                                                    : t->psc_lat;
    uint64_t start, ready, walk_start, done;
    unsigned slot;

    vtm_timing_advance(t, arrival);
    /* An invalidation in progress holds every translation back. */
    start = MAX(arrival, t->busy_until);
    ready = start + (o->ctx_lookup ? t->ctx_lat : 0) +
            (o->pasid_lookup ? t->pasid_lat : 0) +
            (o->iotlb_lookup ? t->iotlb_lat : 0) +
            (o->psc_lookup ? psc_lat : 0) +
            /* nested: zero otherwise (vtm_timing_init_nested) */
            (uint64_t)o->ntlb_lookups * t->ntlb_lat +
            (uint64_t)o->ss_walks * t->psc_lat;
    if (!reads) {
        *queued = start - arrival;
        return ready - arrival;
    }
    slot = vtm_timing_free_slot(t, ready);
    walk_start = MAX(ready, t->slot_free[slot]);
    done = walk_start + (uint64_t)reads * t->p.ptw_mem_lat;
    t->slot_free[slot] = done;
    t->walk_cycles += done - walk_start;
    *queued = (start - arrival) + (walk_start - ready);
    return done - arrival;
}

/*
 * The IRTE and descriptor accesses go to memory one after another (the
 * descriptor address is in the IRTE, each update depends on the read),
 * and not through the page walker's slots.
 */
uint64_t vtm_timing_charge_irq(VTMTiming *t, uint64_t arrival,
                               const VTMIrOutcome *o, uint64_t *queued)
{
    VTMIrqCounters *c = &t->irq;
    uint64_t start, done;

    vtm_timing_advance(t, arrival);
    start = MAX(arrival, t->busy_until);
    done = start + (o->iec_lookup ? t->iec_lat : 0) +
           (uint64_t)(o->mem_reads + o->mem_rmws) * t->p.ptw_mem_lat;
    *queued = start - arrival;

    c->requests++;
    c->iec_lookups += o->iec_lookup;
    c->iec_hits += o->iec_hit;
    /* a posted IRTE always updates its descriptor: mem_rmws > 0 */
    c->iec_hits_posted += o->iec_hit && o->mem_rmws;
    c->mem_reads += o->mem_reads;
    c->mem_rmws += o->mem_rmws;
    c->cycles += done - arrival;
    c->queue_cycles += *queued;
    vtm_hist_add(&c->lat, done - arrival);
    return done - arrival;
}

void vtm_timing_invalidate(VTMTiming *t, VTMInvType type)
{
    uint32_t lat = type < VTM_INV_NTYPES ? t->p.inv_lat[type] : 0;

    t->busy_until = MAX(t->now, t->busy_until) + lat;
    t->inv_cycles += lat;
}

/* Transactions ------------------------------------------------------- */

unsigned vtm_timing_tlps(const VTMTimingParams *p, uint64_t addr,
                         uint64_t len, bool is_write)
{
    uint64_t end = addr + MAX(len, 1), chunk;
    unsigned n = 0;

    chunk = is_write ? p->max_payload : p->max_read_req;
    chunk = chunk ? chunk : VTM_PAGE_SIZE;
    while (addr < end) {
        uint64_t boundary = (addr | (VTM_PAGE_SIZE - 1)) + 1;

        addr += MIN(MIN(end, boundary) - addr, chunk);
        n++;
    }
    return n;
}

uint64_t vtm_timing_hit_lat(const VTMTiming *t)
{
    return t->ctx_lat + t->iotlb_lat;
}

void vtm_counters_add_tlps(VTMCounters *c, const VTMResult *res, unsigned n,
                           uint64_t hit_lat)
{
    unsigned i;

    if (!n || res->fault.reason != VTM_FR_NONE) {
        return;
    }
    c->translations += n;
    c->tlp_hits += n;
    if (res->passthrough) {
        c->passthrough += n;
        return;
    }
    c->ctx_lookups += res->how.ctx_lookup ? n : 0;
    c->ctx_hits += res->how.ctx_lookup ? n : 0;
    if (res->how.iotlb_lookup) {
        c->iotlb_lookups += n;
        c->iotlb_hits[MAX(res->how.leaf_level, 1) & 3] += n;
    }
    c->cycles += n * hit_lat;
    for (i = 0; i < n; i++) {
        vtm_hist_add(&c->lat, hit_lat);
    }
}

/* Device-TLB ---------------------------------------------------------- */

typedef struct VTMDevtlbEntry {
    uint8_t page_shift;
} VTMDevtlbEntry;

static VTMCacheKey vtm_devtlb_key(uint16_t sid, uint64_t iova,
                                  unsigned shift)
{
    return (VTMCacheKey) {
        .tag = iova >> shift, .tag2 = (uint64_t)sid << 8 | shift,
    };
}

bool vtm_timing_devtlb_lookup(VTMTiming *t, const VTMCacheParams *shape,
                              uint16_t sid, uint64_t iova, uint64_t *lat)
{
    static const unsigned shifts[] = { 12, 21, 30 };
    unsigned i;

    *lat = 0;
    if (!shape->enable || !shape->entries) {
        return false;
    }
    if (!t->devtlb) {
        t->devtlb = vtm_cache_new("devtlb", shape, sizeof(VTMDevtlbEntry));
    }
    for (i = 0; i < ARRAY_SIZE(shifts); i++) {
        VTMCacheKey key = vtm_devtlb_key(sid, iova, shifts[i]);

        if (vtm_cache_lookup(t->devtlb, &key)) {
            *lat = shape->latency;
            return true;
        }
    }
    *lat = shape->latency;
    return false;
}

uint64_t vtm_timing_devtlb_fill(VTMTiming *t, uint16_t sid,
                                const VTMResult *res)
{
    unsigned shift = ctz64(res->addr_mask + 1);
    VTMDevtlbEntry *e;
    VTMCacheKey key;

    if (t->devtlb && res->fault.reason == VTM_FR_NONE && shift >= 12) {
        key = vtm_devtlb_key(sid, res->iova, MIN(shift, 30));
        e = vtm_cache_insert(t->devtlb, &key);
        e->page_shift = MIN(shift, 30);
    }
    return t->p.ats_rtt_lat;
}

typedef struct VTMDevtlbRange {
    uint16_t sid;
    uint64_t lo, hi;            /* inclusive */
} VTMDevtlbRange;

static bool vtm_devtlb_pred(const VTMCacheKey *key, const void *payload,
                            void *opaque)
{
    const VTMDevtlbRange *r = opaque;
    unsigned shift = key->tag2 & 0xff;
    uint64_t lo = key->tag << shift, hi = lo + (1ULL << shift) - 1;

    return (key->tag2 >> 8) == r->sid && lo <= r->hi && hi >= r->lo;
}

unsigned vtm_timing_devtlb_invalidate(VTMTiming *t, uint16_t sid,
                                      uint64_t addr, bool size)
{
    VTMDevtlbRange r = { .sid = sid };
    uint64_t page = addr >> 12;
    unsigned n = size ? cto64(page) + 1 : 0;

    if (!t->devtlb) {
        return 0;
    }
    if (n >= 52) {
        r.lo = 0;
        r.hi = UINT64_MAX;      /* every page of sid */
    } else {
        r.lo = (page & ~((1ULL << n) - 1)) << 12;
        r.hi = r.lo + (4096ULL << n) - 1;
    }
    return vtm_cache_invalidate_if(t->devtlb, vtm_devtlb_pred, &r);
}
