/*
 * vtm: what the timing model shows the host.
 *
 * - The modelled clock: a request's arrival time is QEMU_CLOCK_VIRTUAL at
 *   the translate call, in IOMMU cycles (ns * clock-mhz / 1000).
 * - Per-requester counters (in each VTMAddressSpace) beside the unit's
 *   (in the core), read as JSON through the read-only "stats" property
 *   (qom-get) and cleared by setting "stats-reset" to true (qom-set).
 * - Trace events for IOTLB hits and misses.
 * - Recording the translation stream (record=PATH, vtm-record.h).
 * - timing=stall: the thread that issued the DMA waits out the modelled
 *   latency after the unit's lock is dropped.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "system/system.h"
#include "vtm-stats.h"
#include "vtm-params.h"
#include "vtm-recorder.h"
#include "vtm-check.h"
#include "trace.h"

/* Recording ---------------------------------------------------------- */

static Notifier vtm_record_exit_notifier;
static GSList *vtm_record_units;

/* QEMU is exiting: every unit's record is written out and closed. */
static void vtm_record_exit(Notifier *n, void *data)
{
    GSList *l;

    for (l = vtm_record_units; l; l = l->next) {
        VTMState *s = l->data;
        VTMRecorder *r = s->recorder;
        VTMRecorderStats st;

        vtm_lock(s);
        s->recorder = NULL;
        vtm_unlock(s);
        vtm_recorder_sync(r);
        vtm_recorder_stats(r, &st);
        vtm_recorder_close(r);
        if (st.failed) {
            warn_report("vtm-iommu: writing the record to '%s' failed: %s; "
                        "it stops after %" PRIu64 " records", s->record_path,
                        g_strerror(st.write_errno), st.written);
        }
        if (st.dropped) {
            warn_report("vtm-iommu: record '%s' lost %" PRIu64 " of %"
                        PRIu64 " records: its ring was full", s->record_path,
                        st.dropped, st.dropped + st.put);
        }
    }
    g_slist_free(vtm_record_units);
    vtm_record_units = NULL;
}

bool vtm_stats_realize(VTMState *s, Error **errp)
{
    g_autofree char *err = NULL;

    if (!s->record_path || !*s->record_path) {
        return true;
    }
    s->recorder = vtm_recorder_open(s->record_path, s->cfg.timing.clock_mhz,
                                    VTM_RECORDER_RING, &err);
    if (!s->recorder) {
        error_setg(errp, "vtm-iommu: property 'record': %s", err);
        return false;
    }
    if (!vtm_record_units) {
        vtm_record_exit_notifier.notify = vtm_record_exit;
        qemu_add_exit_notifier(&vtm_record_exit_notifier);
    }
    vtm_record_units = g_slist_prepend(vtm_record_units, s);
    return true;
}

/* The hot path --------------------------------------------------------- */

static uint64_t vtm_stats_now(VTMState *s)
{
    VTMTiming *t = &s->core.timing;

    /* a record needs arrival times whatever the mode */
    if (t->p.mode == VTM_TIMING_OFF && !qatomic_read(&s->recorder)) {
        return 0;
    }
    return vtm_timing_ns_to_cycles(t, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

/*
 * The fast path reads the clock before it logs, so two threads' requests
 * may be logged out of time order: the model's clock never goes back.
 */
uint64_t vtm_stats_now_locked(VTMState *s)
{
    s->fast_last_time = MAX(s->fast_last_time, vtm_stats_now(s));
    return s->fast_last_time;
}

/* The fast path's log ------------------------------------------------ */

void vtm_stats_fast_init(VTMState *s)
{
    s->fast_log = g_new0(VTMFastEvent, VTM_FAST_LOG_SIZE);
}

bool vtm_stats_log_fast(VTMState *s, VTMAddressSpace *vas, uint16_t sid,
                        uint64_t addr, bool is_write, bool ats)
{
    uint64_t head, time;
    VTMFastEvent *ev;

    if (!qatomic_read(&s->fast_logging)) {
        return true;
    }
    time = vtm_stats_now(s);
    do {
        head = qatomic_read(&s->fast_head);
        if (head - qatomic_load_acquire(&s->fast_tail) >= VTM_FAST_LOG_SIZE) {
            return false;
        }
    } while (qatomic_cmpxchg(&s->fast_head, head, head + 1) != head);
    ev = &s->fast_log[head % VTM_FAST_LOG_SIZE];
    ev->vas = vas;
    ev->addr = addr;
    ev->time = time;
    ev->is_write = is_write;
    ev->ats = ats;
    ev->sid = sid;
    qatomic_store_release(&ev->ticket, head + 1);
    return true;
}

/*
 * A logged request, through the model as the translate hook would have
 * run it.  Its DMA is done with the translation the fast path gave: a
 * fault the model finds now (tables changed without an invalidation and
 * the model's IOTLB had dropped the entry) is counted, not recorded.
 */
static void vtm_stats_run_fast_locked(VTMState *s, const VTMFastEvent *ev)
{
    VTMRequest req = {
        .sid = ev->sid, .addr = ev->addr, .is_write = ev->is_write,
        .ats = ev->ats,
    };
    VTMResult res VTM_NOINIT;

    s->fast_last_time = MAX(s->fast_last_time, ev->time);
    req.time = s->fast_last_time;
    vtm_core_translate(&s->core, &req, &res, NULL);
    vtm_stats_translated_locked(s, ev->vas, &req, &res);
}

/*
 * Runs the log up to the first request still being written (its logger
 * was preempted between taking its place and writing it: the rest waits
 * for the next drain, as a request arriving a little later would).
 */
static void vtm_stats_drain_locked(VTMState *s)
{
    uint64_t tail = s->fast_tail;

    while (tail != qatomic_read(&s->fast_head)) {
        VTMFastEvent ev, *slot = &s->fast_log[tail % VTM_FAST_LOG_SIZE];

        if (qatomic_load_acquire(&slot->ticket) != tail + 1) {
            break;
        }
        ev = *slot;
        qatomic_store_release(&s->fast_tail, ++tail);
        vtm_stats_run_fast_locked(s, &ev);
    }
}

void vtm_lock(VTMState *s)
{
    qemu_mutex_lock(&s->lock);
    if (s->fast_log) {
        vtm_stats_drain_locked(s);
    }
}

static void vtm_stats_fast_update_locked(VTMState *s)
{
    /*
     * timing=off keeps no figures of translations, so with no record to
     * write the model needs to see no request the fast path answered:
     * only the caches' own probe counts and LRU order miss them.
     */
    qatomic_set(&s->fast_logging,
                s->core.timing.p.mode != VTM_TIMING_OFF || s->recorder);
    qatomic_set(&s->fast_usable, s->fast_path && s->fast_log &&
                s->core.timing.p.mode != VTM_TIMING_STALL && !s->checker &&
                !(s->perfmon && vtm_perfmon_counting(&s->pm)));
}

void vtm_unlock(VTMState *s)
{
    qatomic_set(&s->fast_gen, s->fast_gen + 1);
    vtm_stats_fast_update_locked(s);
    qemu_mutex_unlock(&s->lock);
}

void vtm_unlock_translated(VTMState *s)
{
    vtm_stats_fast_update_locked(s);
    qemu_mutex_unlock(&s->lock);
}

void vtm_stats_inv_locked(VTMState *s, const VTMInvOp *op, uint64_t now)
{
    VTMRecord rec;

    vtm_core_set_time(&s->core, now);
    if (s->recorder) {
        vtm_record_inv(&rec, now, op);
        vtm_recorder_put(s->recorder, &rec);
    }
}

/* Scalable mode -------------------------------------------------------- */

/* The counts of one PASID of a requester ("pasids" in the stats). */
typedef struct VTMPasidCount {
    uint64_t translations;
    uint64_t faults;
    uint64_t stage[VTM_STAGE__MAX];
} VTMPasidCount;

/* PASIDs counted apart per requester; the others share one line. */
#define VTM_STATS_PASIDS_MAX    64
#define VTM_STATS_PASID_OTHER   UINT32_MAX

static void vtm_stats_pasid_locked(VTMState *s, VTMAddressSpace *vas,
                                   const VTMResult *res)
{
    uint32_t key = res->pasid;
    VTMPasidCount *pc;

    if (res->fault.reason == VTM_FR_NONE && res->stage == VTM_STAGE_FIRST &&
        res->how.levels <= VTM_MAX_LEVELS) {
        s->fs_levels[res->how.levels]++;
    }
    if (!vas->pasid_stats) {
        vas->pasid_stats = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    }
    pc = g_hash_table_lookup(vas->pasid_stats, GUINT_TO_POINTER(key + 1));
    if (!pc && g_hash_table_size(vas->pasid_stats) >= VTM_STATS_PASIDS_MAX) {
        key = VTM_STATS_PASID_OTHER;    /* key + 1 wraps to 0: not used */
        pc = g_hash_table_lookup(vas->pasid_stats, GUINT_TO_POINTER(key));
    }
    if (!pc) {
        pc = g_new0(VTMPasidCount, 1);
        g_hash_table_insert(vas->pasid_stats,
                            GUINT_TO_POINTER(key == VTM_STATS_PASID_OTHER ?
                                             key : key + 1), pc);
    }
    pc->translations++;
    if (res->fault.reason != VTM_FR_NONE) {
        pc->faults++;
    } else {
        pc->stage[res->stage]++;
    }
}

static const char *const vtm_stage_names[VTM_STAGE__MAX] = {
    [VTM_STAGE_NONE] = "none",
    [VTM_STAGE_SECOND] = "second",
    [VTM_STAGE_FIRST] = "first",
    [VTM_STAGE_NESTED] = "nested",
    [VTM_STAGE_PT] = "pass-through",
};

/* Translations by the tables that made them (faults are in "faults"). */
static QDict *vtm_json_stages(const uint64_t *stage)
{
    QDict *d = qdict_new();
    unsigned i;

    for (i = VTM_STAGE_SECOND; i < VTM_STAGE__MAX; i++) {
        qdict_put_int(d, vtm_stage_names[i], stage[i]);
    }
    return d;
}

static QList *vtm_json_pasids(GHashTable *t)
{
    g_autoptr(GList) keys = t ? g_hash_table_get_keys(t) : NULL;
    QList *l = qlist_new();
    GList *k;

    for (k = keys; k; k = k->next) {
        uint32_t key = GPOINTER_TO_UINT(k->data);
        const VTMPasidCount *pc = g_hash_table_lookup(t, k->data);
        QDict *d = qdict_new();

        if (key == VTM_STATS_PASID_OTHER) {
            qdict_put_str(d, "pasid", "other");
        } else {
            qdict_put_int(d, "pasid", key - 1);
        }
        qdict_put_int(d, "translations", pc->translations);
        qdict_put_int(d, "faults", pc->faults);
        qdict_put(d, "stage", vtm_json_stages(pc->stage));
        qlist_append(l, d);
    }
    return l;
}

void vtm_stats_translated_locked(VTMState *s, VTMAddressSpace *vas,
                                 const VTMRequest *req, const VTMResult *res)
{
    const VTMOutcome *o = &res->how;

    if (req->untimed) {
        return;
    }
    if (s->core.timing.p.mode != VTM_TIMING_OFF) {
        vtm_counters_add(&vas->stats, res);
    }
    if (res->scalable) {
        vtm_stats_pasid_locked(s, vas, res);
    }
    if (o->iotlb_hit) {
        trace_vtm_iotlb_hit(req->sid, req->addr, o->iotlb_hit, res->latency);
    } else if (o->walked) {
        trace_vtm_iotlb_miss(req->sid, req->addr, o->ctx_hit, o->psc_hit,
                             o->ctx_reads + o->pt_reads, res->latency,
                             res->queued);
    }
    if (s->recorder) {
        /* here, not above: a local is zero-filled on every call */
        VTMRecord rec;

        vtm_record_xlate(&rec, req, res);
        vtm_recorder_put(s->recorder, &rec);
    }
}

/*
 * Sleeping is only as precise as the host's timer slack and scheduler
 * (50 us to a few hundred), while modelled latencies are hundreds of
 * nanoseconds: spin on the host's monotonic clock, sleeping only the bulk
 * of waits above 10 ms and spinning their last 2 ms.  No pause
 * instruction in the loop: on a virtualised host it may trap, and a trap
 * costs more than the wait.
 */
void vtm_stats_stall_cycles(VTMState *s, uint64_t cycles)
{
    VTMTiming *t = &s->core.timing;
    int64_t ns, deadline;

    if (t->p.mode != VTM_TIMING_STALL || !cycles) {
        return;
    }
    ns = vtm_timing_cycles_to_ns(t, cycles);
    deadline = get_clock() + ns;
    if (ns > 10 * SCALE_MS) {
        g_usleep((ns - 2 * SCALE_MS) / SCALE_US);
    }
    while (get_clock() < deadline) {
        /* spin */
    }
}

void vtm_stats_stall(VTMState *s, const VTMResult *res)
{
    vtm_stats_stall_cycles(s, res->latency);
}

uint64_t vtm_stats_irq_locked(VTMState *s, const VTMIrResult *res)
{
    VTMTiming *t = &s->core.timing;
    uint64_t lat, queued;

    if (t->p.mode == VTM_TIMING_OFF) {
        return 0;
    }
    lat = vtm_timing_charge_irq(t, vtm_stats_now_locked(s), &res->how,
                                &queued);
    trace_vtm_ir_charge(res->index, res->how.iec_lookup, res->how.iec_hit,
                        res->how.mem_reads + res->how.mem_rmws, lat, queued);
    return lat;
}

/* The stats property ------------------------------------------------- */

static QDict *vtm_json_hits(uint64_t lookups, uint64_t hits)
{
    QDict *d = qdict_new();

    qdict_put_int(d, "lookups", lookups);
    qdict_put_int(d, "hits", hits);
    qdict_put_int(d, "misses", lookups - hits);
    return d;
}

/* The histogram folded into log2 octaves: [lo, hi] and a count each. */
static QList *vtm_json_hist(const VTMHist *h)
{
    uint64_t octave[66] = { 0 };
    QList *l = qlist_new();
    unsigned i, o;

    for (i = 0; i < VTM_HIST_BUCKETS; i++) {
        uint64_t lo, hi;

        if (h->count[i]) {
            vtm_hist_bounds(i, &lo, &hi);
            octave[lo ? 64 - clz64(lo) : 0] += h->count[i];
        }
    }
    for (o = 0; o < ARRAY_SIZE(octave); o++) {
        QDict *b;

        if (!octave[o]) {
            continue;
        }
        b = qdict_new();
        qdict_put_int(b, "lo", o ? 1ULL << (o - 1) : 0);
        qdict_put_int(b, "hi", o ? (1ULL << (o - 1)) * 2 - 1 : 0);
        qdict_put_int(b, "count", octave[o]);
        qlist_append(l, b);
    }
    return l;
}

/* Latency of n requests that took `cycles` in all, histogram h. */
static QDict *vtm_json_latency(const VTMTiming *t, const VTMHist *h,
                               uint64_t n, uint64_t cycles)
{
    static const unsigned permille[] = { 500, 900, 990 };
    static const char *const name[] = { "p50", "p90", "p99" };
    QDict *d = qdict_new(), *dma = qdict_new();
    double mean = n ? (double)cycles / n : 0;
    unsigned i;

    qdict_put_int(d, "count", h->n);
    qdict_put(d, "mean", qnum_from_double(mean));
    qdict_put(dma, "mean", qnum_from_double(t->p.dma_base_ns + mean * 1000.0
                                            / t->p.clock_mhz));
    for (i = 0; i < ARRAY_SIZE(permille); i++) {
        uint64_t v = vtm_hist_percentile(h, permille[i]);

        qdict_put_int(d, name[i], v);
        qdict_put_int(dma, name[i], t->p.dma_base_ns +
                      vtm_timing_cycles_to_ns(t, v));
    }
    qdict_put_int(d, "max", h->max);
    qdict_put(d, "histogram", vtm_json_hist(h));
    qdict_put(d, "dma-ns", dma);
    return d;
}

static QDict *vtm_json_counters(const VTMTiming *t, const VTMCounters *c)
{
    static const char *const sizes[] = { NULL, "hits-4k", "hits-2m",
                                         "hits-1g" };
    QDict *d = qdict_new(), *x;
    unsigned i;

    qdict_put_int(d, "translations", c->translations);
    qdict_put_int(d, "faults", c->faults);
    qdict_put_int(d, "passthrough", c->passthrough);
    qdict_put(d, "context-cache", vtm_json_hits(c->ctx_lookups, c->ctx_hits));
    x = vtm_json_hits(c->iotlb_lookups, vtm_counters_iotlb_hits(c));
    for (i = 1; i < ARRAY_SIZE(sizes); i++) {
        qdict_put_int(x, sizes[i], c->iotlb_hits[i]);
    }
    qdict_put(d, "iotlb", x);
    x = vtm_json_hits(c->psc_lookups, vtm_counters_psc_hits(c));
    for (i = 2; i <= VTM_MAX_LEVELS; i++) {
        g_autofree char *key = g_strdup_printf("hits-l%u", i);

        qdict_put_int(x, key, c->psc_hits[i]);
    }
    qdict_put(d, "psc", x);
    qdict_put(d, "pasid-cache", vtm_json_hits(c->pasid_lookups,
                                              c->pasid_hits));
    qdict_put(d, "nested-tlb", vtm_json_hits(c->ntlb_lookups,
                                             c->ntlb_hits));
    qdict_put(d, "device-tlb", vtm_json_hits(c->devtlb_lookups,
                                             c->devtlb_hits));
    qdict_put(d, "stage", vtm_json_stages(c->stage));
    qdict_put_int(d, "ad-writes", c->ad_writes);
    qdict_put_int(d, "walks", c->walks);
    qdict_put_int(d, "mem-reads", c->mem_reads);
    qdict_put_int(d, "cycles", c->cycles);
    qdict_put_int(d, "queue-cycles", c->queue_cycles);
    qdict_put(d, "latency", vtm_json_latency(t, &c->lat, c->translations,
                                             c->cycles));
    return d;
}

static QDict *vtm_json_cache(const VTMCache *c)
{
    const VTMCacheParams *p = vtm_cache_params(c);
    const VTMCacheStats *st = vtm_cache_stats(c);
    QDict *d = qdict_new();

    qdict_put_int(d, "entries", p->enable ? p->entries : 0);
    qdict_put_int(d, "ways", p->ways);
    qdict_put_str(d, "policy", vtm_policy_names[p->policy]);
    qdict_put_int(d, "valid", vtm_cache_count_valid(c));
    qdict_put_int(d, "probes", st->lookups);
    qdict_put_int(d, "hits", st->hits);
    qdict_put_int(d, "inserts", st->inserts);
    qdict_put_int(d, "evictions", st->evictions);
    qdict_put_int(d, "invalidated", st->invalidations);
    return d;
}

/*
 * The remapping hardware's interrupt counters (vtm-ir.h) beside what the
 * timing model charged for them.  Latencies in "dma-ns" include
 * dma-base-ns like the translations' do.
 */
static QDict *vtm_json_interrupts_locked(VTMState *s)
{
    const VTMIrStats *st = &s->ir.stats;
    const VTMIrqCounters *c = &s->core.timing.irq;
    QDict *d = qdict_new();

    qdict_put_int(d, "requests", st->requests);
    qdict_put_int(d, "compatibility", st->compat);
    qdict_put_int(d, "remapped", st->remapped);
    qdict_put_int(d, "posted", st->posted);
    qdict_put_int(d, "notifications", st->notifications);
    qdict_put_int(d, "faults", st->faults);
    qdict_put_int(d, "irte-reads", st->irte_reads);
    qdict_put_int(d, "pid-updates", st->pid_updates);
    qdict_put_int(d, "routes", st->routes);
    qdict_put(d, "iec", vtm_json_hits(c->iec_lookups, c->iec_hits));
    qdict_put_int(d, "timed", c->requests);
    qdict_put_int(d, "mem-reads", c->mem_reads);
    qdict_put_int(d, "mem-rmws", c->mem_rmws);
    qdict_put_int(d, "cycles", c->cycles);
    qdict_put_int(d, "queue-cycles", c->queue_cycles);
    qdict_put(d, "latency", vtm_json_latency(&s->core.timing, &c->lat,
                                             c->requests, c->cycles));
    return d;
}

/* Page requests (ECAP.PRS, vtm-pri.c): what the queue saw. */
static QDict *vtm_json_prq_locked(VTMState *s)
{
    const VTMPrq *q = &s->prq;
    QDict *d = qdict_new();

    qdict_put_int(d, "queued", q->queued);
    qdict_put_int(d, "overflows", q->overflows);
    qdict_put_int(d, "dropped", q->dropped);
    qdict_put_int(d, "auto-responses", q->auto_responses);
    qdict_put_int(d, "responses", q->responses);
    qdict_put_int(d, "events", q->events);
    qdict_put_int(d, "pending", vtm_prq_pending(q));
    return d;
}

static QDict *vtm_json_unit_locked(VTMState *s)
{
    const VTMCore *c = &s->core;
    const VTMCoreStats *st = &c->stats;
    QDict *d = vtm_json_counters(&c->timing, &c->timing.unit);
    QDict *inv = qdict_new(), *caches = qdict_new(), *fsl = qdict_new();
    unsigned level;

    /* the mode of the root table latched by SRTP (11.4.5) */
    qdict_put_str(d, "mode", c->ttm == VTM_TTM_SCALABLE &&
                  c->cfg.sm_supported ? "scalable" :
                  c->ttm == VTM_TTM_LEGACY ? "legacy" : "invalid");
    for (level = 4; level <= VTM_MAX_LEVELS; level++) {
        g_autofree char *key = g_strdup_printf("%u", level);

        qdict_put_int(fsl, key, s->fs_levels[level]);
    }
    qdict_put(d, "first-stage-levels", fsl);
    /* requests answered without the lock: the model saw each (vtm_lock) */
    qdict_put_int(d, "fast-path-hits",
                  qatomic_read(&s->fast_head) - s->fast_hits_base);
    vtm_check_stats_locked(s, d);

    qdict_put_int(inv, "context-cache-global",
                  st->inv_cc_gran[VTM_INV_GLOBAL]);
    qdict_put_int(inv, "context-cache-domain",
                  st->inv_cc_gran[VTM_INV_DOMAIN]);
    qdict_put_int(inv, "context-cache-device",
                  st->inv_cc_gran[VTM_INV_DEVICE]);
    qdict_put_int(inv, "iotlb-global", st->inv_iotlb_gran[VTM_INV_GLOBAL]);
    qdict_put_int(inv, "iotlb-domain", st->inv_iotlb_gran[VTM_INV_DOMAIN]);
    qdict_put_int(inv, "iotlb-page", st->inv_iotlb_gran[VTM_INV_PAGE]);
    qdict_put_int(inv, "devtlb", st->inv_devtlb);
    qdict_put_int(inv, "iec", st->inv_iec);
    qdict_put_int(inv, "wait", st->inv_wait);
    qdict_put_int(inv, "pasid-cache-domain",
                  st->inv_pc_gran[VTM_QI_PC_DOMAIN]);
    qdict_put_int(inv, "pasid-cache-pasid", st->inv_pc_gran[VTM_QI_PC_PASID]);
    qdict_put_int(inv, "pasid-cache-global",
                  st->inv_pc_gran[VTM_QI_PC_GLOBAL]);
    qdict_put_int(inv, "pasid-iotlb-pasid",
                  st->inv_piotlb_gran[VTM_QI_PIOTLB_PASID]);
    qdict_put_int(inv, "pasid-iotlb-page",
                  st->inv_piotlb_gran[VTM_QI_PIOTLB_PAGE]);
    qdict_put_int(inv, "pasid-devtlb", st->inv_pdevtlb);
    qdict_put_int(inv, "cycles", c->timing.inv_cycles);
    qdict_put(d, "invalidations", inv);
    qdict_put_int(d, "walk-cycles", c->timing.walk_cycles);

    qdict_put(caches, "iotlb", vtm_json_cache(c->iotlb));
    qdict_put(caches, "context-cache", vtm_json_cache(c->ctx_cache));
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        g_autofree char *key = g_strdup_printf("psc-l%u", level);

        qdict_put(caches, key, vtm_json_cache(c->psc.level[level]));
    }
    if (c->cfg.sm_supported) {
        qdict_put(caches, "pasid-cache", vtm_json_cache(c->pasid_cache));
        for (level = 2; level <= VTM_MAX_LEVELS; level++) {
            g_autofree char *key = g_strdup_printf("fs-psc-l%u", level);

            qdict_put(caches, key, vtm_json_cache(c->fs_psc.level[level]));
        }
    }
    if (s->ir.iec) {
        qdict_put(caches, "iec", vtm_json_cache(s->ir.iec));
    }
    qdict_put(d, "caches", caches);
    qdict_put(d, "interrupts", vtm_json_interrupts_locked(s));
    if (c->cfg.prs) {
        qdict_put(d, "page-requests", vtm_json_prq_locked(s));
    }
    return d;
}

static gint vtm_space_cmp(gconstpointer a, gconstpointer b)
{
    const VTMAddressSpace *x = *(VTMAddressSpace *const *)a;
    const VTMAddressSpace *y = *(VTMAddressSpace *const *)b;
    int bx = pci_bus_num(x->bus), by = pci_bus_num(y->bus);

    return bx != by ? bx - by : x->devfn - y->devfn;
}

/* Requesters that translated anything, by bus:dev.fn. */
static QList *vtm_json_requesters_locked(VTMState *s)
{
    g_autoptr(GPtrArray) v = g_ptr_array_new();
    QList *l = qlist_new();
    GHashTableIter it;
    gpointer value;
    unsigned i;

    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        if (((VTMAddressSpace *)value)->stats.translations) {
            g_ptr_array_add(v, value);
        }
    }
    g_ptr_array_sort(v, vtm_space_cmp);
    for (i = 0; i < v->len; i++) {
        VTMAddressSpace *vas = g_ptr_array_index(v, i);
        QDict *d = vtm_json_counters(&s->core.timing, &vas->stats);
        g_autofree char *bdf = g_strdup_printf("%02x:%02x.%x",
                                               pci_bus_num(vas->bus),
                                               PCI_SLOT(vas->devfn),
                                               PCI_FUNC(vas->devfn));

        qdict_put_str(d, "bdf", bdf);
        qdict_put_int(d, "sid", PCI_BUILD_BDF(pci_bus_num(vas->bus),
                                              vas->devfn));
        if (vas->pasid_stats) {
            qdict_put(d, "pasids", vtm_json_pasids(vas->pasid_stats));
        }
        qlist_append(l, d);
    }
    return l;
}

/* The record's counts: a full ring drops records rather than stall DMA. */
static QDict *vtm_json_record(VTMRecorder *r)
{
    VTMRecorderStats st;
    QDict *d = qdict_new();

    vtm_recorder_stats(r, &st);
    qdict_put_int(d, "put", st.put);
    qdict_put_int(d, "written", st.written);
    qdict_put_int(d, "dropped", st.dropped);
    qdict_put_bool(d, "failed", st.failed);
    return d;
}

static void vtm_stats_get(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    VTMState *s = VTM_IOMMU(obj);
    const VTMTimingParams *p = &s->cfg.timing;
    QDict *d = qdict_new();

    qdict_put_str(d, "timing", vtm_timing_mode_names[p->mode]);
    qdict_put_str(d, "timing-preset", vtm_preset_names[s->timing_preset]);
    qdict_put_int(d, "clock-mhz", p->clock_mhz);
    /* the modelled clock now (perfmon's iommu_clocks), cycles */
    qdict_put_int(d, "clock-cycles", vtm_timing_ns_to_cycles(&s->core.timing,
                  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)));
    qdict_put_int(d, "dma-base-ns", p->dma_base_ns);
    if (s->recorder) {
        /* a reader of the stats may well want the record too */
        vtm_recorder_sync(s->recorder);
        qdict_put(d, "record", vtm_json_record(s->recorder));
    }
    if (s->spaces) {            /* realized */
        vtm_lock(s);
        qdict_put(d, "unit", vtm_json_unit_locked(s));
        qdict_put(d, "requesters", vtm_json_requesters_locked(s));
        vtm_unlock(s);
    }
    visit_type_any(v, name, (QObject **)&d, errp);
    qobject_unref(d);
}

static bool vtm_stats_reset_get(Object *obj, Error **errp)
{
    return false;
}

static void vtm_stats_reset_locked(VTMState *s)
{
    GHashTableIter it;
    gpointer value;
    unsigned level;

    vtm_timing_reset_counters(&s->core.timing);
    memset(&s->core.stats, 0, sizeof(s->core.stats));
    s->fast_hits_base = s->fast_head;
    memset(s->fs_levels, 0, sizeof(s->fs_levels));
    vtm_cache_reset_stats(s->core.pasid_cache);
    vtm_cache_reset_stats(s->core.iotlb);
    vtm_cache_reset_stats(s->core.ctx_cache);
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        vtm_cache_reset_stats(s->core.psc.level[level]);
        vtm_cache_reset_stats(s->core.fs_psc.level[level]);
    }
    memset(&s->ir.stats, 0, sizeof(s->ir.stats));
    s->prq.queued = s->prq.overflows = s->prq.dropped = 0;
    s->prq.auto_responses = s->prq.responses = s->prq.events = 0;
    if (s->ir.iec) {
        vtm_cache_reset_stats(s->ir.iec);
    }
    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        VTMAddressSpace *vas = value;

        memset(&vas->stats, 0, sizeof(vas->stats));
        if (vas->pasid_stats) {
            g_hash_table_remove_all(vas->pasid_stats);
        }
    }
}

static void vtm_stats_reset_set(Object *obj, bool value, Error **errp)
{
    VTMState *s = VTM_IOMMU(obj);

    if (!value || !s->spaces) {
        return;
    }
    vtm_lock(s);
    vtm_stats_reset_locked(s);
    vtm_unlock(s);
    trace_vtm_stats_reset();
}

void vtm_stats_class_init(ObjectClass *klass)
{
    ObjectProperty *op;

    object_class_property_add(klass, "stats", "any", vtm_stats_get, NULL,
                              NULL, NULL);
    object_class_property_set_description(klass, "stats",
        "Timing model statistics as JSON: the unit and each requester "
        "(read-only, qom-get)");
    op = object_class_property_add_bool(klass, "stats-reset",
                                        vtm_stats_reset_get,
                                        vtm_stats_reset_set);
    object_class_property_set_description(klass, "stats-reset",
        "Set to true to clear every statistic (qom-set)");
    /* Reads false; setting false at instance init does nothing. */
    object_property_set_default_bool(op, false);
}
