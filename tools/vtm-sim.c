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
/*
 * Scalable mode: PASIDs of 20 bits; each requester's PASID directory is
 * one page (PDTS 2: 512 entries, PASIDs below 32768); first-stage tables
 * are keyed apart from second-stage ones in domains.
 */
#define SIM_PSS             19
#define SIM_PDTS            2
#define SIM_PASID_LIMIT     (512 * VTM_PASID_PER_TABLE)
#define SIM_FS_KEY          (1u << 24)

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
    bool ats;                   /* vtm_sim_set_ats */
    /* scalable mode (vtm_sim_set_scalable) */
    bool scalable;
    uint64_t sm_root;
    GHashTable *pasid_dirs;     /* sid -> its PASID directory */
};

VTMSim *vtm_sim_new(const VTMCoreConfig *cfg)
{
    VTMSim *sim = g_new0(VTMSim, 1);

    sim->cfg = *cfg;
    sim->cfg.haw = SIM_HAW;
    sim->cfg.sagaw = BIT(1) | BIT(2) | BIT(3);
    sim->cfg.sllps = VTM_SLLPS_2M | VTM_SLLPS_1G;
    sim->cfg.pt_supported = true;
    /* legacy runs never set TTM 01b: scalable mode only for nesting */
    sim->cfg.sm_supported = true;
    sim->cfg.fs_supported = sim->cfg.ss_supported = true;
    sim->cfg.nest_supported = true;
    sim->cfg.fl1gp = sim->cfg.fl5lp = true;
    sim->cfg.pss = MAX(sim->cfg.pss, SIM_PSS);
    vtmt_fake_init(&sim->fake, SIM_ARENA_BASE);
    sim->fake.alloc_limit = SIM_ARENA_BASE + SIM_ARENA_MAX;
    sim->mem = (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .opaque = &sim->fake,
    };
    sim->domains = g_hash_table_new(g_direct_hash, g_direct_equal);
    sim->pasid_dirs = g_hash_table_new(g_direct_hash, g_direct_equal);
    sim->root = vtmt_alloc(&sim->fake.mem);
    vtm_core_init(&sim->core, &sim->cfg, &sim->mem);
    vtm_core_set_root(&sim->core, sim->root);
    return sim;
}

void vtm_sim_free(VTMSim *sim)
{
    vtm_core_destroy(&sim->core);
    g_hash_table_destroy(sim->domains);
    g_hash_table_destroy(sim->pasid_dirs);
    vtmt_fake_destroy(&sim->fake);
    g_free(sim);
}

VTMCore *vtm_sim_core(VTMSim *sim)
{
    return &sim->core;
}

/*
 * The page table of domain (did, levels), first-stage ones apart; top 0
 * when the arena is full.
 */
static VtmtPt sim_domain_stage(VTMSim *sim, uint16_t did, unsigned levels,
                               bool fs)
{
    gpointer key = GUINT_TO_POINTER((unsigned)did << 8 | levels |
                                    (fs ? SIM_FS_KEY : 0));
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

static VtmtPt sim_domain(VTMSim *sim, uint16_t did, unsigned levels)
{
    return sim_domain_stage(sim, did, levels, false);
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
        .ats = sim->ats,
    };

    vtm_core_translate(&sim->core, &req, res, NULL);
}

void vtm_sim_set_ats(VTMSim *sim)
{
    sim->ats = true;
    sim->core.cfg.dt_supported = true;
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

/* Scalable mode ------------------------------------------------------ */

void vtm_sim_set_scalable(VTMSim *sim)
{
    if (!sim->sm_root) {
        /* the arena's first pages: never full yet */
        sim->sm_root = vtmt_alloc(&sim->fake.mem);
        g_assert(sim->sm_root);
    }
    sim->scalable = true;
    vtm_core_set_root(&sim->core, sim->sm_root |
                      FIELD_DP64(0, RTADDR, TTM, VTM_TTM_SCALABLE));
}

bool vtm_sim_record_is_scalable(const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;

    if (r->kind == VTM_REC_INV) {
        return r->inv.type == VTM_INV_PC || r->inv.type == VTM_INV_PIOTLB ||
               r->inv.type == VTM_INV_PDEVTLB;
    }
    /* a PASID alone is no proof: legacy mode faults it (SRTA.2) */
    return r->kind == VTM_REC_XLATE &&
           (o->pasid_lookup || o->pt_writes ||
            o->stage == VTM_STAGE_FIRST || o->stage == VTM_STAGE_NESTED);
}

/*
 * sid's scalable-mode context entry, present (over its own PASID
 * directory, into *dir) or not.  False when the arena is full.
 */
static bool sim_sm_context(VTMSim *sim, uint16_t sid, bool present,
                           uint64_t *dir)
{
    gpointer key = GUINT_TO_POINTER(sid);
    VtmtSmCtx ctx = { .pdts = SIM_PDTS, .paside = true, .rid_pasid = 0 };
    uint64_t q[4] = { 0 };

    ctx.pasid_dir = (uintptr_t)g_hash_table_lookup(sim->pasid_dirs, key);
    if (!ctx.pasid_dir) {
        ctx.pasid_dir = vtmt_alloc(&sim->fake.mem);
        if (!ctx.pasid_dir) {
            return false;
        }
        g_hash_table_insert(sim->pasid_dirs, key,
                            (gpointer)(uintptr_t)ctx.pasid_dir);
    }
    if (present) {
        vtmt_sm_ctx(q, &ctx);
    }
    *dir = ctx.pasid_dir;
    return vtmt_sm_set_ctx(&sim->fake.mem, sim->sm_root, sid, q);
}

/*
 * The PASID entry rec's translation used: the tables of its stage, or
 * not present (directory or table entry, by the reads of its fault).
 */
static bool sim_sm_pasid(VTMSim *sim, uint64_t dir, uint32_t pasid,
                         const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;
    VtmtPasidEntry pe = { .did = r->did, .aw = 2 };
    uint64_t q[VTM_PASID_ENTRY_QWORDS] = { 0 };

    switch (o->stage) {
    case VTM_STAGE_FIRST:
        pe.pgtt = VTM_PGTT_FS;
        pe.fspm = o->levels == 5 ? VTM_FSPM_5LEVEL : VTM_FSPM_4LEVEL;
        pe.fsptptr = sim_domain_stage(sim, r->did, o->levels, true).top;
        if (!pe.fsptptr) {
            return false;
        }
        break;
    case VTM_STAGE_SECOND:
        pe.pgtt = VTM_PGTT_SS;
        pe.aw = o->levels - 2;
        pe.ssptptr = sim_domain(sim, r->did, o->levels).top;
        if (!pe.ssptptr) {
            return false;
        }
        break;
    case VTM_STAGE_PT:
        pe.pgtt = VTM_PGTT_PT;
        break;
    default:
        /* nested records are not rebuilt: their walks need both stages */
        if (!r->fault || o->pasid_hit || !o->pasid_reads) {
            return true;    /* faulted after its PASID entry, or before */
        }
        if (o->pasid_reads == 1) {
            /* the directory entry was not present */
            return vtmt_w64(&sim->fake.mem,
                            dir + (pasid / VTM_PASID_PER_TABLE) * 8, 0);
        }
        return vtmt_set_pasid_entry(&sim->fake.mem, dir, pasid, q);
    }
    vtmt_pasid_entry(q, &pe);
    return vtmt_set_pasid_entry(&sim->fake.mem, dir, pasid, q);
}

/*
 * The first-stage walk of r set A (and D on a write's leaf) in
 * r->how.pt_writes entries: clear them from the leaf up, within the
 * levels the walk read.
 */
static bool sim_fs_clear_ad(const VtmtPt *pt, const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;
    unsigned leaf = MAX(o->leaf_level, 1), n = o->pt_writes;
    unsigned top = o->psc_hit ? o->psc_hit - 1 : o->levels, l;

    for (l = leaf; n && l <= top; l++, n--) {
        uint64_t a = vtmt_fs_entry(pt, r->iova, l);
        uint64_t clear = VTMT_FS_A | (l == leaf ? VTMT_FS_D : 0);

        if (!a || !vtmt_w64(pt->mem, a, vtmt_r64(pt->mem, a) & ~clear)) {
            return false;
        }
    }
    return true;
}

/* First- or second-stage tables so that r's walk does what it did. */
static bool sim_sm_tables(VTMSim *sim, const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;
    bool fs = o->stage == VTM_STAGE_FIRST;
    VtmtPt pt = sim_domain_stage(sim, r->did, o->levels, fs);
    unsigned first, last;

    if (!pt.top) {
        return false;
    }
    if (!r->fault) {
        if (!fs) {
            return vtmt_pt_map(&pt, r->iova, 0, MAX(o->leaf_level, 1),
                               VTMT_RW);
        }
        /* Linux presets A, and D on writable leaves */
        return vtmt_fs_map(&pt, r->iova, 0, MAX(o->leaf_level, 1),
                           VTMT_FS_TABLE | VTMT_FS_D, VTMT_FS_TABLE) &&
               (!o->pt_writes || sim_fs_clear_ad(&pt, r));
    }
    if (!o->pt_reads) {
        return true;
    }
    first = o->psc_hit ? o->psc_hit - 1 : o->levels;
    last = first + 1 > o->pt_reads ? first + 1 - o->pt_reads : 1;
    return fs ? vtmt_fs_map(&pt, r->iova, 0, last, 0, VTMT_FS_TABLE)
              : vtmt_pt_unmap(&pt, r->iova, last);
}

/* Scalable mode: context, PASID entry and tables rec implies. */
static bool sim_prepare_sm(VTMSim *sim, const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;
    uint32_t pasid = r->has_pasid ? r->pasid : 0;
    uint64_t dir;

    if (r->fault && !o->ctx_hit && o->ctx_reads && !o->pasid_lookup) {
        /* it faulted on its context entry: not present */
        return sim_sm_context(sim, r->sid, false, &dir);
    }
    if (!sim_sm_context(sim, r->sid, true, &dir)) {
        return false;
    }
    if (pasid >= SIM_PASID_LIMIT) {
        return true;        /* beyond the directory: it faults (SCT.7) */
    }
    if (!sim_sm_pasid(sim, dir, pasid, r)) {
        return false;
    }
    if ((o->stage != VTM_STAGE_FIRST && o->stage != VTM_STAGE_SECOND) ||
        !o->levels) {
        return true;
    }
    return sim_sm_tables(sim, r);
}

bool vtm_sim_replay(VTMSim *sim, const VTMRecord *rec, VTMResult *res)
{
    VTMRequest req = {
        .sid = rec->sid, .addr = rec->iova, .is_write = rec->is_write,
        .time = rec->time, .has_pasid = rec->has_pasid,
        .pasid = rec->pasid, .ats = rec->how.devtlb_lookup,
    };

    memset(res, 0, sizeof(*res));
    if (rec->kind == VTM_REC_INV) {
        vtm_core_set_time(&sim->core, rec->time);
        vtm_core_invalidate(&sim->core, &rec->inv);
        return true;
    }
    if (rec->kind != VTM_REC_XLATE) {
        return true;
    }
    if (!(sim->scalable ? sim_prepare_sm(sim, rec)
                        : sim_prepare(sim, rec))) {
        return false;
    }
    /* a request through a device-TLB came from a unit with ECAP.DT */
    sim->core.cfg.dt_supported |= req.ats;
    vtm_core_translate(&sim->core, &req, res, NULL);
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
