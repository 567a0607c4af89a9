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
#include "vtm-enc-sm.h"

#define SIM_ARENA_BASE      (1ULL << 40)
#define SIM_ARENA_MAX       (1ULL << 30)        /* 262144 table pages */
#define SIM_HAW             48
/*
 * Nested mode: the first-stage tables sit in guest-physical pages from
 * SIM_GTAB, each at host SIM_GPA_OFF above; data pages map gpa = iova
 * in the first stage and gpa -> 0 in the second.
 */
#define SIM_GTAB            (1ULL << 36)
#define SIM_GTAB_MAX        (1ULL << 30)
#define SIM_GPA_OFF         (1ULL << 41)

struct VTMSim {
    VTMCore core;
    VTMCoreConfig cfg;
    VTMMemOps mem;
    VtmtFake fake;
    uint64_t root;
    GHashTable *domains;        /* did << 8 | levels -> top table */
    /* nested mode (vtm_sim_set_nested) */
    bool nested;
    VtmtPt ss, fs;
    VtmtGpa gpa;
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
    /* legacy runs never set TTM 01b: scalable mode only for nesting */
    sim->cfg.sm_supported = true;
    sim->cfg.fs_supported = sim->cfg.ss_supported = true;
    sim->cfg.nest_supported = true;
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

bool vtm_sim_set_nested(VTMSim *sim, uint16_t sid, uint16_t did,
                        unsigned fs_levels, unsigned ss_levels)
{
    VtmtSmCtx ctx = { .pdts = 0, .rid_pasid = 0 };
    VtmtPasidEntry pe = {
        .pgtt = VTM_PGTT_NESTED, .did = did, .aw = ss_levels - 2,
        .fspm = fs_levels == 5 ? VTM_FSPM_5LEVEL : VTM_FSPM_4LEVEL,
    };
    uint64_t q[VTM_PASID_ENTRY_QWORDS], root;

    sim->ss = (VtmtPt) {
        .mem = &sim->fake.mem, .top = vtmt_alloc(&sim->fake.mem),
        .levels = ss_levels,
    };
    vtmt_gpa_init(&sim->gpa, &sim->fake.mem, &sim->ss, SIM_GPA_OFF,
                  SIM_GTAB, SIM_GTAB + SIM_GTAB_MAX);
    sim->fs = (VtmtPt) {
        .mem = &sim->gpa.mem, .top = vtmt_alloc(&sim->gpa.mem),
        .levels = fs_levels,
    };
    root = vtmt_alloc(&sim->fake.mem);
    ctx.pasid_dir = vtmt_alloc(&sim->fake.mem);
    if (!sim->ss.top || !sim->fs.top || !root || !ctx.pasid_dir) {
        return false;
    }
    vtmt_sm_ctx(q, &ctx);
    if (!vtmt_sm_set_ctx(&sim->fake.mem, root, sid, q)) {
        return false;
    }
    pe.ssptptr = sim->ss.top;
    pe.fsptptr = sim->fs.top;
    vtmt_pasid_entry(q, &pe);
    if (!vtmt_set_pasid_entry(&sim->fake.mem, ctx.pasid_dir, 0, q)) {
        return false;
    }
    sim->nested = true;
    vtm_core_set_root(&sim->core, root | FIELD_DP64(0, RTADDR, TTM,
                                                    VTM_TTM_SCALABLE));
    return true;
}

/* Nested: iova -> gpa iova in the first stage, gpa -> 0 in the second. */
static bool sim_map_nested(VTMSim *sim, uint64_t iova, unsigned leaf_level)
{
    uint64_t base = iova & ~MAKE_64BIT_MASK(0, VTM_PAGE_SHIFT +
                                            VTM_LEVEL_STRIDE *
                                            (leaf_level - 1));

    return vtmt_fs_map(&sim->fs, base, base, leaf_level,
                       VTMT_FS_TABLE | VTMT_FS_D, VTMT_FS_TABLE) &&
           vtmt_pt_map(&sim->ss, base, 0, leaf_level, VTMT_RW);
}

bool vtm_sim_map(VTMSim *sim, uint16_t did, unsigned levels, uint64_t iova,
                 unsigned leaf_level)
{
    VtmtPt pt;

    if (sim->nested) {
        return sim_map_nested(sim, iova, leaf_level);
    }
    pt = sim_domain(sim, did, levels);

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

    if (p->nested_ss_levels ?
        !vtm_sim_set_nested(sim, SIM_SID, SIM_DID, p->levels,
                            p->nested_ss_levels) :
        !vtm_sim_set_context(sim, SIM_SID, SIM_DID, p->levels)) {
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
