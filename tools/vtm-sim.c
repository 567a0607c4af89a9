/*
 * vtm-sim: vtm's pure core over a simulated guest memory.
 *
 * The tables live in the test library's fake memory (tests/lib), built
 * with its encoders: table pages come from an arena at SIM_ARENA_BASE of
 * at most SIM_ARENA_MAX bytes; any other address reads as zeros, so a
 * walk off the arena sees "not present".  Leaves all map output address
 * 0: the timing model does not care where a page lands, and 0 is aligned
 * for every page size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-sim.h"
#include "vtm-testlib.h"

#define SIM_ARENA_BASE      (1ULL << 40)
#define SIM_ARENA_MAX       (1ULL << 30)        /* 262144 table pages */
#define SIM_HAW             48

struct VTMSim {
    VTMCore core;
    VTMCoreConfig cfg;
    VTMMemOps mem;
    VtmtFake fake;
    uint64_t root;
    GHashTable *domains;        /* did << 8 | levels -> top table */
};

VTMSim *vtm_sim_new(const VTMCoreConfig *cfg)
{
    VTMSim *sim = g_new0(VTMSim, 1);

    sim->cfg = *cfg;
    sim->cfg.haw = SIM_HAW;
    sim->cfg.sagaw = BIT(1) | BIT(2) | BIT(3);
    sim->cfg.sllps = VTM_SLLPS_2M | VTM_SLLPS_1G;
    sim->cfg.pt_supported = true;
    sim->cfg.dt_supported = false;
    vtmt_fake_init(&sim->fake, SIM_ARENA_BASE);
    sim->fake.alloc_limit = SIM_ARENA_BASE + SIM_ARENA_MAX;
    sim->mem = (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .opaque = &sim->fake,
    };
    sim->domains = g_hash_table_new(g_direct_hash, g_direct_equal);
    sim->root = vtmt_alloc(&sim->fake.mem);
    vtm_core_init(&sim->core, &sim->cfg, &sim->mem);
    vtm_core_set_root(&sim->core, sim->root);
    return sim;
}

void vtm_sim_free(VTMSim *sim)
{
    vtm_core_destroy(&sim->core);
    g_hash_table_destroy(sim->domains);
    vtmt_fake_destroy(&sim->fake);
    g_free(sim);
}

VTMCore *vtm_sim_core(VTMSim *sim)
{
    return &sim->core;
}

/* The page table of domain (did, levels); top 0 when the arena is full. */
static VtmtPt sim_domain(VTMSim *sim, uint16_t did, unsigned levels)
{
    gpointer key = GUINT_TO_POINTER((unsigned)did << 8 | levels);
    VtmtPt pt = {
        .mem = &sim->fake.mem, .levels = levels,
        .top = (uintptr_t)g_hash_table_lookup(sim->domains, key),
    };

    if (!pt.top) {
        pt.top = vtmt_alloc(&sim->fake.mem);
        if (pt.top) {
            g_hash_table_insert(sim->domains, key,
                                (gpointer)(uintptr_t)pt.top);
        }
    }
    return pt;
}

bool vtm_sim_set_context(VTMSim *sim, uint16_t sid, uint16_t did,
                         unsigned levels)
{
    uint64_t lo, hi;

    if (levels) {
        VtmtPt pt = sim_domain(sim, did, levels);

        if (!pt.top) {
            return false;
        }
        lo = vtmt_ctx_lo(pt.top, VTM_TT_UNTRANSLATED, false);
        hi = vtmt_ctx_hi(vtmt_aw_of_levels(levels), did);
    } else {
        lo = vtmt_ctx_lo(0, VTM_TT_PASSTHROUGH, false);
        hi = vtmt_ctx_hi(0, did);
    }
    return vtmt_set_ctx(&sim->fake.mem, sim->root, sid, lo, hi);
}

bool vtm_sim_clear_context(VTMSim *sim, uint16_t sid)
{
    return vtmt_set_ctx(&sim->fake.mem, sim->root, sid, 0, 0);
}

bool vtm_sim_map(VTMSim *sim, uint16_t did, unsigned levels, uint64_t iova,
                 unsigned leaf_level)
{
    VtmtPt pt = sim_domain(sim, did, levels);

    return pt.top && vtmt_pt_map(&pt, iova, 0, leaf_level, VTMT_RW);
}

bool vtm_sim_unmap(VTMSim *sim, uint16_t did, unsigned levels,
                   uint64_t iova, unsigned level)
{
    VtmtPt pt = sim_domain(sim, did, levels);

    return pt.top && vtmt_pt_unmap(&pt, iova, level);
}

void vtm_sim_translate(VTMSim *sim, uint16_t sid, uint64_t iova,
                       bool is_write, uint64_t time, VTMResult *res)
{
    VTMRequest req = {
        .sid = sid, .addr = iova, .is_write = is_write, .time = time,
    };

    vtm_core_translate(&sim->core, &req, res, NULL);
}

/* Tables so that rec's translation does again what it did. */
static bool sim_prepare(VTMSim *sim, const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;
    unsigned first, last;

    if (!r->has_did) {
        return vtm_sim_clear_context(sim, r->sid);
    }
    if (!vtm_sim_set_context(sim, r->sid, r->did,
                             r->passthrough ? 0 : o->levels)) {
        return false;
    }
    if (r->passthrough || !o->levels) {
        return true;
    }
    if (!r->fault) {
        return vtm_sim_map(sim, r->did, o->levels, r->iova,
                           MAX(o->leaf_level, 1));
    }
    if (!o->pt_reads) {
        return true;        /* it faulted before reading any table */
    }
    /* The walk stopped at the entry of its last read. */
    first = o->psc_hit ? o->psc_hit - 1 : o->levels;
    last = first + 1 > o->pt_reads ? first + 1 - o->pt_reads : 1;
    return vtm_sim_unmap(sim, r->did, o->levels, r->iova, last);
}

bool vtm_sim_replay(VTMSim *sim, const VTMRecord *rec, VTMResult *res)
{
    memset(res, 0, sizeof(*res));
    if (rec->kind == VTM_REC_INV) {
        vtm_core_set_time(&sim->core, rec->time);
        vtm_core_invalidate(&sim->core, &rec->inv);
        return true;
    }
    if (rec->kind != VTM_REC_XLATE) {
        return true;
    }
    if (!sim_prepare(sim, rec)) {
        return false;
    }
    vtm_sim_translate(sim, rec->sid, rec->iova, rec->is_write, rec->time,
                      res);
    return true;
}

/* Patterns ----------------------------------------------------------- */

#define SIM_SID     0x0008      /* 00:01.0 */
#define SIM_DID     1

static uint64_t sim_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t sim_next_addr(const VTMSimPattern *p, uint64_t i,
                              uint64_t *rng)
{
    uint64_t slots = MAX(p->window / p->size, 1);

    if (p->sequential) {
        return p->base + (i % slots) * p->size;
    }
    return p->base + (sim_rand(rng) % slots) * p->size;
}

/* One request: the largest latency of the pages it spans. */
static bool sim_request(VTMSim *sim, const VTMSimPattern *p, uint64_t addr,
                        uint64_t time, uint64_t *lat)
{
    unsigned shift = VTM_PAGE_SHIFT + VTM_LEVEL_STRIDE * (p->leaf_level - 1);
    uint64_t psize = 1ULL << shift, last = addr + MAX(p->size, 1) - 1;
    uint64_t iova;
    VTMResult res;

    *lat = 0;
    for (iova = addr & ~(psize - 1); iova <= last; iova += psize) {
        if (!vtm_sim_map(sim, SIM_DID, p->levels, iova, p->leaf_level)) {
            return false;
        }
        vtm_sim_translate(sim, SIM_SID, MAX(iova, addr), p->is_write, time,
                          &res);
        *lat = MAX(*lat, res.latency);
    }
    return true;
}

bool vtm_sim_run(VTMSim *sim, const VTMSimPattern *p, VTMSimSummary *out)
{
    VTMTiming *t = &sim->core.timing;
    unsigned n = MAX(p->outstanding, 1);
    g_autofree uint64_t *next = g_new0(uint64_t, n);
    g_autoptr(GArray) lat = g_array_sized_new(false, false, sizeof(uint64_t),
                                              MIN(p->count, 1u << 24));
    uint64_t base = vtm_timing_ns_to_cycles(t, t->p.dma_base_ns);
    uint64_t rng = p->seed, i, l;
    unsigned s, k;

    if (!vtm_sim_set_context(sim, SIM_SID, SIM_DID, p->levels)) {
        return false;
    }
    for (i = 0; i < p->warmup + p->count; i++) {
        if (i == p->warmup) {
            vtm_timing_reset_counters(t);
        }
        for (s = 0, k = 1; k < n; k++) {
            s = next[k] < next[s] ? k : s;
        }
        if (!sim_request(sim, p, sim_next_addr(p, i, &rng), next[s], &l)) {
            return false;
        }
        next[s] += l + base;
        if (i >= p->warmup) {
            g_array_append_val(lat, l);
        }
    }
    vtm_sim_summarize(lat, out);
    out->ctr = t->unit;
    return true;
}

static int sim_cmp_u64(gconstpointer a, gconstpointer b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

void vtm_sim_summarize(GArray *lat, VTMSimSummary *out)
{
    uint64_t *v = (uint64_t *)lat->data, n = lat->len, i;
    double sum = 0;

    memset(out, 0, sizeof(*out));
    out->requests = n;
    if (!n) {
        return;
    }
    g_array_sort(lat, sim_cmp_u64);
    for (i = 0; i < n; i++) {
        sum += v[i];
    }
    out->mean = sum / n;
    /* nearest rank: the ceil(n q)-th smallest */
    out->p50 = v[(n * 50 + 99) / 100 - 1];
    out->p90 = v[(n * 90 + 99) / 100 - 1];
    out->p99 = v[(n * 99 + 99) / 100 - 1];
    out->max = v[n - 1];
}
