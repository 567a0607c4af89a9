/*
 * vtm: the DMA-remapping core of one IOMMU unit.
 *
 * A request goes context cache -> context entry fetch, then IOTLB ->
 * paging-structure caches -> page walk.  Faults flow back as data in
 * VTMResult; the device glue decides whether and how to record them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-core.h"
#include "vtm-params.h"

static const char *const vtm_psc_names[VTM_MAX_LEVELS + 1] = {
    [2] = "psc-l2", [3] = "psc-l3", [4] = "psc-l4", [5] = "psc-l5",
};
static const char *const vtm_fs_psc_names[VTM_MAX_LEVELS + 1] = {
    [2] = "fs-psc-l2", [3] = "fs-psc-l3", [4] = "fs-psc-l4",
    [5] = "fs-psc-l5",
};

/* Page sizes an IOTLB line can hold: 4K, 2M, 1G. */
static const unsigned vtm_iotlb_shifts[] = { 12, 21, 30 };

void vtm_core_uncached_config(VTMCoreConfig *cfg)
{
    unsigned level;

    cfg->iotlb.enable = false;
    cfg->ctx_cache.enable = false;
    cfg->pasid_cache.enable = false;
    cfg->nested_tlb.enable = false;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        cfg->psc[level].enable = false;
        cfg->fs_psc[level].enable = false;
    }
}

/*
 * Lookup latencies are gem5's SMMUv3 defaults (tlb_lat and cfg_lat 3,
 * walk_lat 4 cycles); the shapes are this project's: docs/vtm.rst.
 */
void vtm_core_default_config(VTMCoreConfig *cfg)
{
    static const VTMCacheParams iotlb = {
        .entries = 256, .ways = 8, .policy = VTM_CACHE_LRU, .enable = true,
        .latency = 3,
    };
    static const VTMCacheParams ctx_cache = {
        .entries = 64, .ways = 4, .policy = VTM_CACHE_LRU, .enable = true,
        .latency = 3,
    };
    static const VTMCacheParams psc = {
        .entries = 32, .ways = 4, .policy = VTM_CACHE_LRU, .enable = true,
        .latency = 4,
    };
    unsigned level;

    memset(cfg, 0, sizeof(*cfg));
    cfg->haw = 48;
    cfg->sagaw = BIT(1) | BIT(2);           /* 39-bit and 48-bit tables */
    cfg->sllps = VTM_SLLPS_2M | VTM_SLLPS_1G;
    cfg->pt_supported = true;
    cfg->dt_supported = false;
    /* the PASID entry's SRE is usable unless a device clears this */
    cfg->srs = true;
    cfg->iotlb = iotlb;
    cfg->ctx_cache = ctx_cache;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        cfg->psc[level] = psc;
        cfg->fs_psc[level] = psc;
    }
    /* Scalable mode stays off unless the glue turns it on. */
    cfg->fs_supported = true;
    cfg->ss_supported = true;
    cfg->fl1gp = true;
    cfg->fl5lp = true;
    cfg->pss = VTM_PASID_BITS - 1;
    cfg->pasid_cache = ctx_cache;
    cfg->nested_tlb = ctx_cache;
    cfg->iec = ctx_cache;
    cfg->devtlb = ctx_cache;
    vtm_timing_default_params(&cfg->timing);
}

const char *vtm_core_config_error(const VTMCoreConfig *cfg)
{
    const char *err;
    unsigned level;

    if (cfg->haw < 32 || cfg->haw > 52) {
        return "haw must be between 32 and 52";
    }
    /* 0 is valid: a unit without DMA translation (interrupt remapping) */
    if (cfg->sagaw & ~(BIT(1) | BIT(2) | BIT(3))) {
        return "sagaw must name only 39-, 48- and 57-bit tables (bits 1-3)";
    }
    if (cfg->sllps & ~(VTM_SLLPS_2M | VTM_SLLPS_1G)) {
        return "sllps supports only 2M and 1G pages (bits 0-1)";
    }
    /* Messages name the properties: iotlb-entries, psc-l3-ways, ... */
    err = vtm_cache_prop_error("iotlb", &cfg->iotlb);
    err = err ? err : vtm_cache_prop_error("ctx-cache", &cfg->ctx_cache);
    for (level = 2; !err && level <= VTM_MAX_LEVELS; level++) {
        err = vtm_cache_prop_error(vtm_psc_names[level], &cfg->psc[level]);
    }
    for (level = 2; !err && level <= VTM_MAX_LEVELS; level++) {
        err = vtm_cache_prop_error(vtm_fs_psc_names[level],
                                   &cfg->fs_psc[level]);
    }
    err = err ? err : vtm_cache_prop_error("pasid-cache", &cfg->pasid_cache);
    err = err ? err : vtm_cache_prop_error("nested-tlb", &cfg->nested_tlb);
    err = err ? err : vtm_cache_prop_error("iec", &cfg->iec);
    err = err ? err : vtm_cache_prop_error("devtlb", &cfg->devtlb);
    return err ? err : vtm_timing_params_error(&cfg->timing);
}

/* cache-seed seeds every cache, each differently. */
static VTMCache *vtm_core_new_cache(const VTMCoreConfig *cfg,
                                    const char *name,
                                    const VTMCacheParams *p, unsigned n,
                                    size_t payload_size)
{
    VTMCacheParams q = *p;

    q.seed ^= cfg->timing.cache_seed + n;
    return vtm_cache_new(name, &q, payload_size);
}

/*
 * Nested (3.8, 7.1.3): the second stage of a first-stage table's
 * guest-physical address reports its own reasons: SSS.2 for an entry
 * with R=W=0, SFS.6 (top-level table) or SFS.7 for one not readable,
 * SFS.8 when an A/D update of the table is not writable.
 */
static void vtm_core_init_nest_formats(VTMCore *c)
{
    c->fmt_nest = c->fmt_ss;
    c->fmt_nest.fr.not_present = VTM_FR_SM_SS_PERM;     /* SSS.2 */
    c->fmt_nest.fr.read = VTM_FR_SM_NEST_FS_READ;       /* SFS.7 */
    c->fmt_nest.fr.write = VTM_FR_SM_NEST_FS_WRITE;     /* SFS.8 */
    c->fmt_nest_top = c->fmt_nest;
    c->fmt_nest_top.fr.read = VTM_FR_SM_NEST_TOP_READ;  /* SFS.6 */
}

static void vtm_core_flush_ntlb(VTMCore *c)
{
    if (vtm_cache_nvalid(c->ntlb)) {
        vtm_cache_flush(c->ntlb);
    }
    c->ntlb_sizes = 0;
    c->nested_cached = false;
}

void vtm_core_init(VTMCore *c, const VTMCoreConfig *cfg,
                   const VTMMemOps *mem)
{
    unsigned level;

    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->mem = *mem;
    vtm_pt_format_init(&c->fmt, cfg->haw, cfg->sllps);
    vtm_pt_format_set_snoop(&c->fmt, cfg->snoop_control);
    c->lim.sagaw = cfg->sagaw;
    c->lim.haw = cfg->haw;
    c->lim.pt_supported = cfg->pt_supported;
    c->lim.dt_supported = cfg->dt_supported;
    c->lim.fs_supported = cfg->fs_supported;
    c->lim.ss_supported = cfg->ss_supported;
    c->lim.nest_supported = cfg->nest_supported;
    c->lim.slads = cfg->slads;
    c->lim.ers = cfg->ers;
    c->lim.srs = cfg->srs;
    c->lim.prs = cfg->prs;
    c->lim.snoop_control = cfg->snoop_control;
    c->lim.fl5lp = cfg->fl5lp;
    c->lim.pss = MIN(cfg->pss, VTM_PASID_BITS - 1);
    c->fmt_ss = c->fmt;
    vtm_pt_format_set_sm_faults(&c->fmt_ss);
    vtm_pt_format_init_fs(&c->fmt_fs, cfg->haw, cfg->fl1gp);
    vtm_core_init_nest_formats(c);

    c->iotlb = vtm_core_new_cache(cfg, "iotlb", &cfg->iotlb, 0,
                                  sizeof(VTMIotlbEntry));
    c->ctx_cache = vtm_core_new_cache(cfg, "context-cache", &cfg->ctx_cache,
                                      1, sizeof(VTMContext));
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        c->psc.level[level] = vtm_core_new_cache(cfg, vtm_psc_names[level],
                                                 &cfg->psc[level], level,
                                                 sizeof(VTMPscEntry));
        c->fs_psc.level[level] = vtm_core_new_cache(cfg,
                                                    vtm_fs_psc_names[level],
                                                    &cfg->fs_psc[level],
                                                    8 + level,
                                                    sizeof(VTMPscEntry));
    }
    c->pasid_cache = vtm_core_new_cache(cfg, "pasid-cache",
                                        &cfg->pasid_cache, 16,
                                        sizeof(VTMPasidEntry));
    c->ntlb = vtm_core_new_cache(cfg, "nested-tlb", &cfg->nested_tlb, 17,
                                 sizeof(VTMNtlbEntry));
    vtm_timing_init(&c->timing, &cfg->timing, &cfg->ctx_cache, &cfg->iotlb,
                    cfg->psc, &cfg->iec);
    vtm_timing_init_sm(&c->timing, &cfg->pasid_cache, cfg->fs_psc);
    vtm_timing_init_nested(&c->timing, &cfg->nested_tlb);
}

void vtm_core_destroy(VTMCore *c)
{
    unsigned level;

    g_clear_pointer(&c->iotlb, vtm_cache_free);
    g_clear_pointer(&c->ctx_cache, vtm_cache_free);
    for (level = 0; level <= VTM_MAX_LEVELS; level++) {
        g_clear_pointer(&c->psc.level[level], vtm_cache_free);
        g_clear_pointer(&c->fs_psc.level[level], vtm_cache_free);
    }
    g_clear_pointer(&c->pasid_cache, vtm_cache_free);
    g_clear_pointer(&c->ntlb, vtm_cache_free);
    vtm_timing_destroy(&c->timing);
}

static void vtm_core_flush_psc(VTMCore *c)
{
    unsigned level;

    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        if (c->psc.level[level]) {
            vtm_cache_flush(c->psc.level[level]);
        }
        if (c->fs_psc.level[level] &&
            vtm_cache_nvalid(c->fs_psc.level[level])) {
            vtm_cache_flush(c->fs_psc.level[level]);
        }
    }
}

void vtm_core_reset(VTMCore *c)
{
    vtm_cache_flush(c->iotlb);
    c->iotlb_sizes = 0;
    vtm_cache_flush(c->ctx_cache);
    vtm_cache_flush(c->pasid_cache);
    vtm_core_flush_ntlb(c);
    vtm_core_flush_psc(c);
    vtm_timing_reset(&c->timing);
    c->root_table = 0;
    c->ttm = VTM_TTM_LEGACY;
}

void vtm_core_set_root(VTMCore *c, uint64_t rtaddr)
{
    c->root_table = FIELD_EX64(rtaddr, RTADDR, RTA) << VTM_PAGE_SHIFT;
    c->ttm = FIELD_EX64(rtaddr, RTADDR, TTM);
}

/*
 * IOTLB key: one cache holds every page size, so the size is part of the
 * key and a lookup probes each size in turn.
 */
static VTMCacheKey vtm_iotlb_key_tagged(uint16_t did, uint32_t tag,
                                        unsigned shift, uint64_t iova)
{
    VTMCacheKey key = {
        .tag = iova >> shift,
        .tag2 = did | (uint64_t)shift << 16 | (uint64_t)tag << 24,
    };

    return key;
}


/*
 * The context for sid, from the context cache or from memory.  Legacy and
 * scalable-mode context entries share the context cache, keyed apart
 * (tag2), so that a TTM change can never hand one mode's entry to the
 * other.
 */
static VTMFaultReason vtm_core_get_context(VTMCore *c, uint16_t sid,
                                           bool scalable, VTMContext *ctx,
                                           VTMOutcome *how)
{
    VTMCacheKey key = { .tag = sid, .tag2 = scalable };
    const VTMContext *hit;
    VTMContext *line;
    VTMFaultReason fr;
    unsigned reads = 0;

    memset(ctx, 0, sizeof(*ctx));
    hit = vtm_cache_lookup(c->ctx_cache, &key);
    how->ctx_lookup = true;
    if (hit) {
        *ctx = *hit;
        how->ctx_hit = true;
        return VTM_FR_NONE;
    }
    if (scalable) {
        fr = vtm_ctx_fetch_sm(&c->mem, c->root_table, sid, &c->lim, ctx,
                              &reads);
    } else {
        fr = vtm_ctx_fetch(&c->mem, c->root_table, sid, &c->lim, ctx, &reads);
    }
    c->stats.mem_reads += reads;
    how->ctx_reads = reads;
    if (fr != VTM_FR_NONE) {
        return fr;      /* 6.1: entries that fault are never cached */
    }
    line = vtm_cache_insert(c->ctx_cache, &key);
    if (line) {
        *line = *ctx;
    }
    return VTM_FR_NONE;
}

static void vtm_core_fill(VTMResult *res, uint64_t iova, uint64_t output,
                          unsigned shift, uint8_t perm)
{
    uint64_t mask = MAKE_64BIT_MASK(0, shift);

    res->iova = iova & ~mask;
    res->translated = output & ~mask;
    res->addr_mask = mask;
    res->perm = perm;
}

static bool vtm_perm_allows(uint8_t perm, bool is_write)
{
    return perm & (is_write ? VTM_PERM_W : VTM_PERM_R);
}

/*
 * One translation through one set of tables: the format, its caches
 * and the walk parameters, for the legacy, second-stage and first-stage
 * paths alike.
 */
typedef struct VTMXlate {
    const VTMPtFormat *fmt;
    VTMPscSet *psc;
    const VTMCacheParams *psc_cfg;      /* [2..5], for psc_lookup */
    VTMWalk w;
    uint32_t tag;               /* IOTLB/PSC tag: PASID + 1 or 0 */
    uint8_t stage;              /* VTMStage */
} VTMXlate;

static unsigned vtm_shift_level(unsigned shift)
{
    return (shift - VTM_PAGE_SHIFT) / VTM_LEVEL_STRIDE + 1;
}

/*
 * Hardware trusts a cached translation until software invalidates it
 * (6.5), so a stale entry with too few rights faults without a walk.
 * First stage: a write to a page whose D is not set walks again to set
 * it (*walk true).  Returns the fault, or VTM_FR_NONE and *perm.
 */
static VTMFaultReason vtm_core_iotlb_check(const VTMXlate *x,
                                           const VTMRequest *req,
                                           const VTMIotlbEntry *e,
                                           uint8_t *perm, bool *walk)
{
    VTMFaultReason fr;

    *walk = false;
    if (x->fmt->kind == VTM_PT_FIRST) {
        fr = vtm_pt_fs_check(x->fmt, &x->w, e->rights, e->dirty, walk);
        *perm = vtm_pt_fs_perm(&x->w, e->rights, e->dirty);
        if (e->stage == VTM_STAGE_NESTED) {
            /* and the second stage's rights, kept in perm (3.8) */
            if (fr == VTM_FR_NONE &&
                !vtm_perm_allows(e->perm, req->is_write)) {
                *walk = false;
                fr = req->is_write ? x->fmt->fr.write   /* SGN.6 */
                                   : x->fmt->fr.read;   /* SGN.7 */
            }
            *perm &= e->perm;
        }
        return fr;
    }
    if (!vtm_perm_allows(e->ad ? e->rights : e->perm, req->is_write)) {
        /* LGN.2/3, SGN.6/7 */
        return req->is_write ? x->fmt->fr.write : x->fmt->fr.read;
    }
    /* SSADE: a write to a page cached clean walks again to set D */
    *walk = req->is_write && e->ad && !e->dirty;
    *perm = e->perm;
    return VTM_FR_NONE;
}

/*
 * Looks the request up in the IOTLB.  Returns false on a miss; on a hit
 * returns true with *fr set and res filled when the access is allowed.
 */
static bool vtm_core_iotlb_hit(VTMCore *c, const VTMRequest *req,
                               const VTMXlate *x, VTMResult *res,
                               VTMWalkLog *log, VTMFaultReason *fr)
{
    const VTMIotlbEntry *e = NULL;
    uint8_t perm = 0;
    unsigned i;
    bool walk;

    for (i = 0; !e && i < ARRAY_SIZE(vtm_iotlb_shifts); i++) {
        VTMCacheKey key = vtm_iotlb_key_tagged(x->w.did, x->tag,
                                               vtm_iotlb_shifts[i],
                                               req->addr);

        /* A size never inserted since the last flush cannot hit. */
        if (x->fmt->leaf_ok[i + 1] && (c->iotlb_sizes & BIT(i))) {
            e = vtm_cache_lookup(c->iotlb, &key);
        }
    }
    res->how.iotlb_lookup = true;
    if (!e) {
        return false;
    }
    *fr = vtm_core_iotlb_check(x, req, e, &perm, &walk);
    if (walk) {
        return false;           /* counted as a miss: the walk sets D */
    }
    res->how.iotlb_hit = vtm_shift_level(e->page_shift);
    if (*fr != VTM_FR_NONE) {
        return true;
    }
    vtm_core_fill(res, req->addr, e->translated, e->page_shift, perm);
    log->leaf_level = vtm_shift_level(e->page_shift);
    return true;
}

/* Whether a walk of levels levels probes at least one PSC level. */
static bool vtm_core_psc_active(const VTMCacheParams *psc, unsigned levels)
{
    unsigned level;

    for (level = 2; level <= levels; level++) {
        if (psc[level].enable && psc[level].entries) {
            return true;
        }
    }
    return false;
}

static VTMFaultReason vtm_core_walk(VTMCore *c, const VTMRequest *req,
                                    const VTMXlate *x, VTMResult *res,
                                    VTMWalkLog *log)
{
    VTMWalkOut out;
    VTMCacheKey key;
    VTMIotlbEntry *e;
    VTMFaultReason fr;

    c->stats.walks++;
    c->stats.fs_walks += x->fmt->kind == VTM_PT_FIRST;
    fr = vtm_pt_walk(x->fmt, &c->mem, x->psc, &x->w, &out, log);
    c->stats.mem_reads += log->nsteps;
    c->stats.ad_writes += log->ad_writes;
    res->how.walked = true;
    res->how.psc_lookup = vtm_core_psc_active(x->psc_cfg, x->w.levels);
    res->how.psc_hit = log->psc_hit_level;
    res->how.pt_reads = log->nsteps;
    res->how.pt_writes = log->ad_writes;
    if (fr != VTM_FR_NONE) {
        return fr;
    }
    key = vtm_iotlb_key_tagged(x->w.did, x->tag, out.page_shift, req->addr);
    e = vtm_cache_insert(c->iotlb, &key);
    if (e) {
        c->iotlb_sizes |= BIT((out.page_shift - VTM_PAGE_SHIFT) /
                              VTM_LEVEL_STRIDE);
        e->translated = out.addr;
        e->page_shift = out.page_shift;
        e->perm = out.perm;
        e->did = x->w.did;
        e->stage = x->stage;
        e->rights = out.rights;
        e->dirty = out.dirty;
        e->ad = x->w.ad;
    }
    vtm_core_fill(res, req->addr, out.addr, out.page_shift, out.perm);
    return VTM_FR_NONE;
}

static VTMFaultReason vtm_core_translate_tables(VTMCore *c,
                                                const VTMRequest *req,
                                                const VTMXlate *x,
                                                VTMResult *res,
                                                VTMWalkLog *log)
{
    VTMFaultReason fr;

    res->stage = x->stage;
    res->how.stage = x->stage;
    if (vtm_core_iotlb_hit(c, req, x, res, log, &fr)) {
        return fr;
    }
    return vtm_core_walk(c, req, x, res, log);
}

static void vtm_core_passthrough(VTMResult *res, const VTMRequest *req)
{
    vtm_core_fill(res, req->addr, req->addr, VTM_PAGE_SHIFT, VTM_PERM_RW);
    res->passthrough = true;
    res->stage = VTM_STAGE_PT;
    res->how.stage = VTM_STAGE_PT;
}

static VTMFaultReason vtm_core_translate_ctx(VTMCore *c,
                                             const VTMRequest *req,
                                             const VTMContext *ctx,
                                             VTMResult *res,
                                             VTMWalkLog *log)
{
    VTMXlate x = {
        .fmt = &c->fmt, .psc = &c->psc, .psc_cfg = c->cfg.psc,
        .stage = VTM_STAGE_SECOND,
        .w = {
            .root = ctx->slptptr, .levels = ctx->levels, .did = ctx->did,
            .iova = req->addr, .is_write = req->is_write,
        },
    };

    /* 9.3: only TT=01b lets translation requests (ATS) through. */
    if (req->is_translation_req && ctx->tt != VTM_TT_ALL) {
        return VTM_FR_TT_BLOCKED;           /* LCT.5, 9.3 */
    }
    if (ctx->tt == VTM_TT_PASSTHROUGH) {
        vtm_core_passthrough(res, req);
        return VTM_FR_NONE;
    }
    if (req->addr >> ctx->aw_bits) {
        return VTM_FR_ADDR_BEYOND_AW;       /* LGN.1, 3.6 / 9.3 AW */
    }
    return vtm_core_translate_tables(c, req, &x, res, log);
}

/* Scalable mode ------------------------------------------------------ */

/* PASID-cache key: requester and PASID; the payload holds the DID. */
static VTMCacheKey vtm_pasid_key(uint16_t sid, uint32_t pasid)
{
    VTMCacheKey key = { .tag = sid | (uint64_t)pasid << 16 };

    return key;
}

/* The PASID table entry of (sid, pasid), from the PASID cache or memory. */
static VTMFaultReason vtm_core_get_pasid(VTMCore *c, uint16_t sid,
                                         const VTMContext *ctx,
                                         uint32_t pasid, VTMPasidEntry *pe,
                                         VTMOutcome *how)
{
    VTMCacheKey key = vtm_pasid_key(sid, pasid);
    const VTMPasidEntry *hit;
    VTMPasidEntry *line;
    VTMFaultReason fr;
    unsigned reads = 0;

    hit = vtm_cache_lookup(c->pasid_cache, &key);
    how->pasid_lookup = true;
    c->stats.pasid_lookups++;
    if (hit) {
        *pe = *hit;
        how->pasid_hit = true;
        c->stats.pasid_hits++;
        return VTM_FR_NONE;
    }
    fr = vtm_pasid_fetch(&c->mem, ctx, pasid, &c->lim, pe, &reads);
    c->stats.mem_reads += reads;
    how->pasid_reads = reads;
    if (fr != VTM_FR_NONE) {
        return fr;      /* 6.1: entries that fault are never cached */
    }
    line = vtm_cache_insert(c->pasid_cache, &key);
    if (line) {
        *line = *pe;
    }
    return VTM_FR_NONE;
}

/* PGTT first stage (3.6.2): canonical input, then the tables. */
static VTMFaultReason vtm_core_translate_fs(VTMCore *c,
                                            const VTMRequest *req,
                                            const VTMPasidEntry *pe,
                                            uint32_t pasid, bool priv,
                                            VTMResult *res, VTMWalkLog *log)
{
    VTMXlate x = {
        .fmt = &c->fmt_fs, .psc = &c->fs_psc, .psc_cfg = c->cfg.fs_psc,
        .stage = VTM_STAGE_FIRST, .tag = pasid + 1,
        .w = {
            .root = pe->fsptptr, .levels = pe->fs_levels, .did = pe->did,
            .iova = req->addr, .is_write = req->is_write,
            .psc_tag = pasid + 1, .priv = priv,
            .exec = req->has_pasid && req->exec, .wpe = pe->wpe,
            .nxe = pe->nxe, .smep = pe->smep,
        },
    };

    res->how.levels = pe->fs_levels;
    if (!vtm_pt_fs_canonical(req->addr, pe->fs_levels)) {
        return VTM_FR_SM_NON_CANONICAL;     /* SGN.1, 3.6.2 */
    }
    return vtm_core_translate_tables(c, req, &x, res, log);
}

/* PGTT second stage (3.7): the input within AW, then the tables. */
static VTMFaultReason vtm_core_translate_ss(VTMCore *c,
                                            const VTMRequest *req,
                                            const VTMPasidEntry *pe,
                                            VTMResult *res, VTMWalkLog *log)
{
    VTMXlate x = {
        .fmt = &c->fmt_ss, .psc = &c->psc, .psc_cfg = c->cfg.psc,
        .stage = VTM_STAGE_SECOND,
        .w = {
            .root = pe->ssptptr, .levels = pe->ss_levels, .did = pe->did,
            .iova = req->addr, .is_write = req->is_write,
            .ad = pe->ssade,                /* 9.6 SSADE, ECAP.SSADS */
        },
    };

    res->how.levels = pe->ss_levels;
    if (req->addr >> pe->ss_aw_bits) {
        return VTM_FR_SM_ADDR_BEYOND_AW;    /* SGN.4, 9.6 AW */
    }
    return vtm_core_translate_tables(c, req, &x, res, log);
}

/* Nested translation (3.8) ------------------------------------------ */

/* One nested translation: its PASID entry and what it did. */
typedef struct VTMNest {
    VTMCore *c;
    const VTMPasidEntry *pe;
    VTMOutcome *how;
    VTMPtNest ops;
} VTMNest;

static void vtm_add_sat8(uint8_t *v, unsigned n)
{
    *v = MIN((unsigned)*v + n, UINT8_MAX);
}

static const VTMNtlbEntry *vtm_core_ntlb_lookup(VTMCore *c, uint16_t did,
                                                uint64_t gpa)
{
    const VTMNtlbEntry *e = NULL;
    unsigned i;

    for (i = 0; !e && i < ARRAY_SIZE(vtm_iotlb_shifts); i++) {
        VTMCacheKey key = vtm_iotlb_key_tagged(did, 0, vtm_iotlb_shifts[i],
                                               gpa);

        if (c->ntlb_sizes & BIT(i)) {
            e = vtm_cache_lookup(c->ntlb, &key);
        }
    }
    return e;
}

static void vtm_core_ntlb_fill(VTMCore *c, uint16_t did, uint64_t gpa,
                               const VTMNtlbEntry *v)
{
    VTMCacheKey key = vtm_iotlb_key_tagged(did, 0, v->page_shift, gpa);
    VTMNtlbEntry *e = vtm_cache_insert(c->ntlb, &key);

    if (e) {
        *e = *v;
        c->ntlb_sizes |= BIT((v->page_shift - VTM_PAGE_SHIFT) /
                             VTM_LEVEL_STRIDE);
    }
}

/*
 * The second-stage translation of guest-physical gpa in a nested walk:
 * the nested TLB, else a walk through the second stage's PSCs (setting
 * A/D with SSADE).  fmt names the faults, aw_fault the one for gpa
 * beyond the second stage's AW.  A cached line with too few rights
 * faults without a walk (6.5); a write to a page cached clean walks.
 */
static VTMFaultReason vtm_core_ss_gpa(VTMNest *n, const VTMPtFormat *fmt,
                                      VTMFaultReason aw_fault, uint64_t gpa,
                                      bool is_write, VTMNtlbEntry *res)
{
    VTMCore *c = n->c;
    const VTMPasidEntry *pe = n->pe;
    VTMWalk w = {
        .root = pe->ssptptr, .levels = pe->ss_levels, .did = pe->did,
        .iova = gpa, .is_write = is_write, .ad = pe->ssade,
    };
    const VTMNtlbEntry *hit;
    VTMWalkLog log;
    VTMWalkOut out;
    VTMFaultReason fr;

    if (gpa >> pe->ss_aw_bits) {
        return aw_fault;                    /* SFS.5 / SGN.5 */
    }
    vtm_add_sat8(&n->how->ntlb_lookups, 1);
    c->stats.ntlb_lookups++;
    hit = vtm_core_ntlb_lookup(c, pe->did, gpa);
    if (hit && !(is_write && (hit->rights & VTM_PERM_W) &&
                 !(hit->perm & VTM_PERM_W))) {
        vtm_add_sat8(&n->how->ntlb_hits, 1);
        c->stats.ntlb_hits++;
        if (!vtm_perm_allows(hit->rights, is_write)) {
            return is_write ? fmt->fr.write : fmt->fr.read;
        }
        *res = *hit;
        return VTM_FR_NONE;
    }
    fr = vtm_pt_walk(fmt, &c->mem, &c->psc, &w, &out, &log);
    vtm_add_sat8(&n->how->ss_walks, 1);
    vtm_add_sat8(&n->how->ss_reads, log.nsteps);
    vtm_add_sat8(&n->how->pt_reads, log.nsteps);
    vtm_add_sat8(&n->how->pt_writes, log.ad_writes);
    c->stats.mem_reads += log.nsteps;
    c->stats.ss_reads += log.nsteps;
    c->stats.ad_writes += log.ad_writes;
    if (fr != VTM_FR_NONE) {
        return fr;
    }
    res->hpa = out.addr;
    res->page_shift = out.page_shift;
    res->perm = out.perm;
    res->rights = out.rights & VTM_PERM_RW;
    res->dirty = out.dirty;
    vtm_core_ntlb_fill(c, pe->did, gpa, res);
    return VTM_FR_NONE;
}

/* VTMPtNest.xlate: a first-stage table's guest-physical address. */
static VTMFaultReason vtm_core_nest_xlate(void *opaque, uint64_t gpa,
                                          bool top, bool write,
                                          uint64_t *hpa)
{
    VTMNest *n = opaque;
    VTMNtlbEntry e;
    VTMFaultReason fr;

    fr = vtm_core_ss_gpa(n, top ? &n->c->fmt_nest_top : &n->c->fmt_nest,
                         VTM_FR_SM_NEST_FS_AW, gpa, write, &e);
    if (fr == VTM_FR_NONE) {
        *hpa = e.hpa | (gpa & MAKE_64BIT_MASK(0, e.page_shift));
    }
    return fr;
}

/*
 * The two-dimensional walk: the first stage over translated tables,
 * then its output through the second stage (SGN.5 beyond its AW, its
 * own SSS.x and SGN.6/7 faults).  The IOTLB line keeps the first
 * stage's rights, the second stage's in perm, and D of both leaves.
 */
static VTMFaultReason vtm_core_walk_nested(VTMCore *c,
                                           const VTMRequest *req,
                                           const VTMXlate *x, VTMNest *n,
                                           VTMResult *res, VTMWalkLog *log)
{
    VTMWalkOut out;
    VTMNtlbEntry ss;
    VTMIotlbEntry *e;
    VTMCacheKey key;
    VTMFaultReason fr;
    uint64_t gpa, hpa;
    unsigned shift;

    c->stats.walks++;
    c->stats.nested_walks++;
    fr = vtm_pt_walk(x->fmt, &c->mem, x->psc, &x->w, &out, log);
    c->stats.mem_reads += log->nsteps;
    c->stats.ad_writes += log->ad_writes;
    res->how.walked = true;
    res->how.psc_lookup = vtm_core_psc_active(x->psc_cfg, x->w.levels);
    res->how.psc_hit = log->psc_hit_level;
    vtm_add_sat8(&res->how.pt_reads, log->nsteps);
    vtm_add_sat8(&res->how.pt_writes, log->ad_writes);
    if (fr != VTM_FR_NONE) {
        return fr;
    }
    gpa = out.addr | (req->addr & MAKE_64BIT_MASK(0, out.page_shift));
    fr = vtm_core_ss_gpa(n, &c->fmt_ss, VTM_FR_SM_NEST_OUT_AW, gpa,
                         req->is_write, &ss);
    if (fr != VTM_FR_NONE) {
        log->leaf_level = 0;
        return fr;
    }
    shift = MIN(out.page_shift, ss.page_shift);
    hpa = (ss.hpa | (gpa & MAKE_64BIT_MASK(0, ss.page_shift))) &
          ~MAKE_64BIT_MASK(0, shift);
    log->leaf_level = vtm_shift_level(shift);
    key = vtm_iotlb_key_tagged(x->w.did, x->tag, shift, req->addr);
    e = vtm_cache_insert(c->iotlb, &key);
    if (e) {
        c->iotlb_sizes |= BIT(log->leaf_level - 1);
        c->nested_cached = true;
        e->translated = hpa;
        e->page_shift = shift;
        e->perm = ss.rights;
        e->did = x->w.did;
        e->stage = VTM_STAGE_NESTED;
        e->rights = out.rights;
        /* both leaves dirty: with SSADE, ss.perm has W only then */
        e->dirty = out.dirty && (ss.perm & VTM_PERM_W);
        e->ad = n->pe->ssade;
    }
    vtm_core_fill(res, req->addr, hpa, shift, out.perm & ss.perm);
    return VTM_FR_NONE;
}

/* PGTT nested (3.8): canonical first-stage input, then both stages. */
static VTMFaultReason vtm_core_translate_nested(VTMCore *c,
                                                const VTMRequest *req,
                                                const VTMPasidEntry *pe,
                                                uint32_t pasid, bool priv,
                                                VTMResult *res,
                                                VTMWalkLog *log)
{
    VTMNest n = {
        .c = c, .pe = pe, .how = &res->how,
        .ops = { .xlate = vtm_core_nest_xlate, .opaque = &n },
    };
    VTMXlate x = {
        .fmt = &c->fmt_fs, .psc = &c->fs_psc, .psc_cfg = c->cfg.fs_psc,
        .stage = VTM_STAGE_NESTED, .tag = pasid + 1,
        .w = {
            .root = pe->fsptptr, .levels = pe->fs_levels, .did = pe->did,
            .iova = req->addr, .is_write = req->is_write,
            .psc_tag = pasid + 1, .priv = priv,
            .exec = req->has_pasid && req->exec, .wpe = pe->wpe,
            .nxe = pe->nxe, .smep = pe->smep, .nest = &n.ops,
        },
    };
    VTMFaultReason fr;

    res->stage = VTM_STAGE_NESTED;
    res->how.stage = VTM_STAGE_NESTED;
    res->how.levels = pe->fs_levels;
    if (!vtm_pt_fs_canonical(req->addr, pe->fs_levels)) {
        return VTM_FR_SM_NON_CANONICAL;     /* SGN.1, 3.6.2 */
    }
    if (vtm_core_iotlb_hit(c, req, &x, res, log, &fr)) {
        return fr;
    }
    return vtm_core_walk_nested(c, req, &x, &n, res, log);
}

/*
 * The scalable-mode path (3.4.x): context, PASID entry, then the tables
 * its PGTT selects.  *fpd gathers the FPD of every entry read.
 */
static VTMFaultReason vtm_core_translate_sm(VTMCore *c,
                                            const VTMRequest *req,
                                            VTMResult *res, VTMWalkLog *log,
                                            bool *fpd)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    VTMFaultReason fr;
    uint32_t pasid = 0;
    bool priv = false;

    memset(&pe, 0, sizeof(pe));
    fr = vtm_core_get_context(c, req->sid, true, &ctx, &res->how);
    *fpd = ctx.fpd;
    if (fr == VTM_FR_NONE) {
        fr = vtm_ctx_sm_pasid(&ctx, &c->lim, req->has_pasid, req->pasid,
                              req->priv, req->is_translation_req, &pasid,
                              &priv);
    }
    if (fr == VTM_FR_NONE) {
        res->pasid = pasid;
        fr = vtm_core_get_pasid(c, req->sid, &ctx, pasid, &pe, &res->how);
        *fpd |= pe.fpd;
    }
    if (fr == VTM_FR_NONE) {
        res->domain_id = pe.did;
        fr = vtm_pasid_check_request(&pe, priv,
                                     req->has_pasid && req->exec);
    }
    if (fr != VTM_FR_NONE) {
        return fr;
    }
    switch (pe.pgtt) {
    case VTM_PGTT_PT:
        vtm_core_passthrough(res, req);
        return VTM_FR_NONE;
    case VTM_PGTT_SS:
        return vtm_core_translate_ss(c, req, &pe, res, log);
    case VTM_PGTT_FS:
        return vtm_core_translate_fs(c, req, &pe, pasid, priv, res, log);
    default:
        /* vtm_pasid_fetch() let only nested through (SPT.4) */
        return vtm_core_translate_nested(c, req, &pe, pasid, priv, res,
                                         log);
    }
}

/* Legacy mode: context, then the second-stage tables. */
static VTMFaultReason vtm_core_translate_legacy(VTMCore *c,
                                                const VTMRequest *req,
                                                VTMResult *res,
                                                VTMWalkLog *log, bool *fpd)
{
    VTMContext ctx;
    VTMFaultReason fr;

    if (req->has_pasid && c->ttm == VTM_TTM_LEGACY) {
        *fpd = false;
        return VTM_FR_SM_TTM0_PASID;        /* SRTA.2, 11.4.5 */
    }
    if (c->ttm != VTM_TTM_LEGACY) {
        /*
         * Not scalable mode (the caller saw to that), and the unit has no
         * abort-DMA mode (ECAP.ADMS): any other RTADDR.TTM makes the root
         * table unusable, reported as a reserved root entry (LRT.3, 11.4.5).
         */
        *fpd = false;
        return VTM_FR_ROOT_RSVD;
    }
    fr = vtm_core_get_context(c, req->sid, false, &ctx, &res->how);
    /* false unless the context entry was read (vtm_ctx_fetch) */
    *fpd = ctx.fpd;
    if (fr == VTM_FR_NONE) {
        res->domain_id = ctx.did;
        res->how.levels = ctx.levels;
        fr = vtm_core_translate_ctx(c, req, &ctx, res, log);
    }
    return fr;
}

static void vtm_core_fault(VTMCore *c, const VTMRequest *req,
                           VTMFaultReason fr, bool fpd, VTMResult *res)
{
    c->stats.faults++;
    res->iova = req->addr & ~(VTM_PAGE_SIZE - 1);
    res->translated = 0;
    res->addr_mask = 0;
    res->perm = VTM_PERM_NONE;
    res->fault.reason = fr;
    res->fault.sid = req->sid;
    res->fault.addr = req->addr;
    res->fault.is_write = req->is_write;
    res->fault.fpd = fpd;
    /* 11.4.7.6: PP/PV say the request's own PASID, not RID_PASID */
    if (req->has_pasid) {
        res->fault.has_pasid = true;
        res->fault.pasid = req->pasid;
        res->fault.priv = req->priv;
        res->fault.exec = req->exec;
    }
}

static void vtm_core_translate_untimed(VTMCore *c, const VTMRequest *req,
                                       VTMResult *res, VTMWalkLog *log)
{
    /* the walker fills steps; the summary is cleared below */
    VTMWalkLog local_log VTM_NOINIT;
    VTMFaultReason fr;
    bool fpd = false;

    if (!log) {
        log = &local_log;
    }
    /* The steps are the walker's to fill: clear only the summary. */
    log->nsteps = 0;
    log->psc_hit_level = 0;
    log->leaf_level = 0;
    log->ad_writes = 0;
    memset(res, 0, sizeof(*res));
    c->stats.translations++;

    if (c->ttm == VTM_TTM_SCALABLE && c->cfg.sm_supported) {
        res->scalable = true;
        c->stats.sm_translations++;
        fr = vtm_core_translate_sm(c, req, res, log, &fpd);
    } else if (c->ttm != VTM_TTM_LEGACY && c->cfg.sm_supported) {
        /* TTM 10b, or 11b without ECAP.ADMS: no usable root table */
        fr = VTM_FR_SM_RTADDR_INV;          /* SRTA.1, 11.4.5 */
    } else {
        fr = vtm_core_translate_legacy(c, req, res, log, &fpd);
    }
    res->how.leaf_level = fr == VTM_FR_NONE ? log->leaf_level : 0;
    if (fr != VTM_FR_NONE) {
        vtm_core_fault(c, req, fr, fpd, res);
    } else {
        c->stats.stage[res->stage]++;
    }
}

/*
 * The endpoint's own TLB answered: the DMA goes out translated and the
 * unit, its caches' timing and its walker see nothing of it.
 */
static void vtm_core_devtlb_hit(VTMResult *res, uint64_t lat)
{
    uint8_t stage = res->how.stage, leaf = res->how.leaf_level;

    memset(&res->how, 0, sizeof(res->how));
    res->how.stage = stage;
    res->how.leaf_level = leaf;
    res->how.devtlb_lookup = true;
    res->how.devtlb_hit = true;
    res->latency = lat;
    res->queued = 0;
}

void vtm_core_translate(VTMCore *c, const VTMRequest *req, VTMResult *res,
                        VTMWalkLog *log)
{
    bool timed = c->timing.p.mode != VTM_TIMING_OFF && !req->untimed;
    bool ats = timed && req->ats && c->cfg.dt_supported &&
               c->cfg.devtlb.enable && c->cfg.devtlb.entries;
    uint64_t devtlb_lat = 0;
    bool devtlb_hit = ats &&
        vtm_timing_devtlb_lookup(&c->timing, &c->cfg.devtlb, req->sid,
                                 req->addr, &devtlb_lat);

    vtm_core_translate_untimed(c, req, res, log);
    if (!timed) {
        return;
    }
    if (devtlb_hit && res->fault.reason == VTM_FR_NONE) {
        vtm_core_devtlb_hit(res, devtlb_lat);
    } else {
        res->latency = vtm_timing_charge(&c->timing, req->time, &res->how,
                                         &res->queued);
        if (ats) {
            /* a translation request: the lookup, the round trip, a fill */
            res->how.devtlb_lookup = true;
            res->latency += devtlb_lat +
                            vtm_timing_devtlb_fill(&c->timing, req->sid, res);
        }
    }
    vtm_counters_add(&c->timing.unit, res);
}

VTMFaultReason vtm_core_page_request_check(VTMCore *c,
                                           const VTMPageReq *req,
                                           bool *fpd)
{
    VTMOutcome how = { 0 };
    VTMContext ctx;
    VTMFaultReason fr;
    uint32_t pasid;
    bool priv;

    *fpd = false;
    if (c->ttm == VTM_TTM_LEGACY || !c->cfg.sm_supported) {
        return VTM_FR_SM_TTM0_PGREQ;        /* SRTA.3, 7.5 */
    }
    if (c->ttm != VTM_TTM_SCALABLE) {
        return VTM_FR_SM_RTADDR_INV;        /* SRTA.1, 11.4.5 */
    }
    fr = vtm_core_get_context(c, req->rid, true, &ctx, &how);
    *fpd = ctx.fpd;
    if (fr != VTM_FR_NONE) {
        return fr;                          /* SRT.x, SCT.1-4 */
    }
    if (!ctx.pre) {
        return VTM_FR_SM_CTX_PRE;           /* SCT.8, 9.4 PRE */
    }
    /* a request with PASID needs PASIDE and a PASID in range */
    return vtm_ctx_sm_pasid(&ctx, &c->lim, req->has_pasid, req->pasid,
                            req->priv, false, &pasid, &priv);
}

/* Invalidation ------------------------------------------------------ */

static bool vtm_ctx_did_pred(const VTMCacheKey *key, const void *payload,
                             void *opaque)
{
    const VTMContext *ctx = payload;

    /* A scalable-mode context entry has no DID: always dropped. */
    return ctx->sm || ctx->did == *(const uint16_t *)opaque;
}

/* PASID-cache lines: key tag bits 15:0 sid, 35:16 PASID. */
static bool vtm_pasid_did_pred(const VTMCacheKey *key, const void *payload,
                               void *opaque)
{
    const VTMPasidEntry *pe = payload;

    return pe->did == *(const uint16_t *)opaque;
}

typedef struct VTMSidMatch {
    uint16_t sid;
    uint16_t mask;              /* requester-id bits that must match */
} VTMSidMatch;

static bool vtm_ctx_sid_pred(const VTMCacheKey *key, const void *payload,
                             void *opaque)
{
    const VTMSidMatch *m = opaque;

    /* context-cache keys hold the sid, PASID-cache keys it in 15:0 */
    return (((uint16_t)key->tag ^ m->sid) & m->mask) == 0;
}

/* Function-number bits that a device-selective invalidation ignores. */
static uint16_t vtm_fm_ignored_bits(uint8_t fm)
{
    unsigned n = fm & 3;

    return ((1u << n) - 1) << (3 - n);
}

/*
 * Scalable mode: the PASID-cache entries a context-cache invalidation
 * covers (their context entry may have changed), as in
 * vtm_core_inv_cc().  Nothing to do in legacy mode, where the PASID
 * cache stays empty.
 */
static void vtm_core_inv_cc_pasid(VTMCore *c, const VTMInvCC *inv,
                                  VTMSidMatch *m)
{
    uint16_t did = inv->did;

    if (!vtm_cache_nvalid(c->pasid_cache)) {
        return;
    }
    switch (inv->gran) {
    case VTM_INV_DOMAIN:
        vtm_cache_invalidate_if(c->pasid_cache, vtm_pasid_did_pred, &did);
        break;
    case VTM_INV_DEVICE:
        vtm_cache_invalidate_if(c->pasid_cache, vtm_ctx_sid_pred, m);
        break;
    default:
        vtm_cache_flush(c->pasid_cache);
        break;
    }
}

static void vtm_core_inv_cc(VTMCore *c, const VTMInvCC *inv)
{
    uint16_t did = inv->did;
    VTMSidMatch m = { 0 };

    switch (inv->gran) {
    case VTM_INV_GLOBAL:
        vtm_cache_flush(c->ctx_cache);
        break;
    case VTM_INV_DOMAIN:
        vtm_cache_invalidate_if(c->ctx_cache, vtm_ctx_did_pred, &did);
        break;
    case VTM_INV_DEVICE:
        /*
         * FM (11.4.6, 6.5.2.1) masks the low 1, 2 or 3 bits of the
         * function number, from the top: 01b ignores bit 2, 10b bits
         * 2:1, 11b bits 2:0.  The DID that comes with the request is
         * not compared: dropping more entries is always allowed, and a
         * guest changing a device's domain may pass the old or new DID.
         */
        m.sid = inv->sid;
        m.mask = 0xffff & ~vtm_fm_ignored_bits(inv->fm);
        vtm_cache_invalidate_if(c->ctx_cache, vtm_ctx_sid_pred, &m);
        break;
    default:
        return;     /* reserved granularity: rejected by the decoder */
    }
    vtm_core_inv_cc_pasid(c, inv, &m);
}

/* Paging-structure cache lines carry the domain in tag2 bits 15:0. */
static bool vtm_did_key_pred(const VTMCacheKey *key, const void *payload,
                             void *opaque)
{
    return (uint16_t)key->tag2 == *(const uint16_t *)opaque;
}

/*
 * A page-selective invalidation over one cache.  IOTLB keys carry a page
 * shift in tag2 bits 23:16, paging-structure cache keys a level.
 */
typedef struct VTMInvRange {
    uint16_t did;
    uint32_t tag;               /* tag2 bits 63:24: PASID + 1, or 0 */
    uint64_t first, last;       /* inclusive byte range */
    bool psc;
} VTMInvRange;

static unsigned vtm_inv_unit_shift(const VTMInvRange *r, unsigned unit)
{
    return r->psc ? vtm_level_shift(unit) : unit;
}

static VTMCacheKey vtm_inv_key(const VTMInvRange *r, unsigned unit,
                               uint64_t addr)
{
    return r->psc ? vtm_psc_key_tagged(r->did, r->tag, unit, addr)
                  : vtm_iotlb_key_tagged(r->did, r->tag, unit, addr);
}

static bool vtm_inv_range_pred(const VTMCacheKey *key, const void *payload,
                               void *opaque)
{
    const VTMInvRange *r = opaque;
    unsigned unit = extract64(key->tag2, 16, 8);
    unsigned shift;
    uint64_t start;

    if ((uint16_t)key->tag2 != r->did || (key->tag2 >> 24) != r->tag) {
        return false;
    }
    shift = vtm_inv_unit_shift(r, unit);
    start = key->tag << shift;
    return start <= r->last && (start | MAKE_64BIT_MASK(0, shift)) >= r->first;
}

/*
 * Drops the lines of cache whose unit (page size or level) covers part of
 * the range.  A small range probes its exact keys, so its cost does not
 * grow with the cache; only a range with at least as many candidate keys
 * as the cache has lines scans the cache.
 */
static void vtm_inv_range(VTMCache *cache, const VTMInvRange *r,
                          const unsigned *units, unsigned nunits)
{
    uint64_t candidates = 0, n;
    unsigned i, shift;

    if (!cache || !vtm_cache_nvalid(cache) || !nunits) {
        return;
    }
    for (i = 0; i < nunits; i++) {
        shift = vtm_inv_unit_shift(r, units[i]);
        candidates += (r->last >> shift) - (r->first >> shift) + 1;
    }
    if (candidates >= vtm_cache_params(cache)->entries) {
        vtm_cache_invalidate_if(cache, vtm_inv_range_pred, (void *)r);
        return;
    }
    for (i = 0; i < nunits; i++) {
        shift = vtm_inv_unit_shift(r, units[i]);
        for (n = r->first >> shift; n <= r->last >> shift; n++) {
            VTMCacheKey key = vtm_inv_key(r, units[i], n << shift);

            vtm_cache_invalidate_key(cache, &key);
        }
    }
}

static void vtm_core_inv_domain(VTMCore *c, uint16_t did)
{
    unsigned level;

    vtm_cache_invalidate_if(c->iotlb, vtm_did_key_pred, &did);
    if (vtm_cache_nvalid(c->ntlb)) {
        vtm_cache_invalidate_if(c->ntlb, vtm_did_key_pred, &did);
    }
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        if (c->psc.level[level]) {
            vtm_cache_invalidate_if(c->psc.level[level], vtm_did_key_pred,
                                    &did);
        }
        /* scalable mode: the domain's first-stage lines go too */
        if (c->fs_psc.level[level] &&
            vtm_cache_nvalid(c->fs_psc.level[level])) {
            vtm_cache_invalidate_if(c->fs_psc.level[level],
                                    vtm_did_key_pred, &did);
        }
    }
}

/*
 * Probes only the page sizes inserted since the last flush: the guest's
 * strict-mode unmap invalidates one 4 KiB page at a time, and probing
 * 2 MiB and 1 GiB keys nobody cached would double its cost.
 */
static void vtm_core_inv_iotlb_range(VTMCore *c, const VTMInvRange *r)
{
    unsigned shifts[ARRAY_SIZE(vtm_iotlb_shifts)];
    unsigned i, n = 0;

    for (i = 0; i < ARRAY_SIZE(vtm_iotlb_shifts); i++) {
        if (c->iotlb_sizes & BIT(i)) {
            shifts[n++] = vtm_iotlb_shifts[i];
        }
    }
    vtm_inv_range(c->iotlb, r, shifts, n);
}

/* IOTLB lines of a domain that hold nested translations. */
static bool vtm_nested_did_pred(const VTMCacheKey *key, const void *payload,
                                void *opaque)
{
    const VTMIotlbEntry *e = payload;

    return e->stage == VTM_STAGE_NESTED &&
           (uint16_t)key->tag2 == *(const uint16_t *)opaque;
}

/*
 * Nested: a page-selective IOTLB invalidation changes second-stage
 * mappings, which the nested TLB caches by guest-physical page, and
 * which nested IOTLB lines and first-stage PSC lines (host table
 * addresses) were derived from, keyed by what no guest-physical range
 * can name: those go for the whole domain.
 */
static void vtm_core_inv_page_nested(VTMCore *c, const VTMInvRange *r)
{
    unsigned shifts[ARRAY_SIZE(vtm_iotlb_shifts)];
    uint16_t did = r->did;
    unsigned i, n = 0, level;

    for (i = 0; i < ARRAY_SIZE(vtm_iotlb_shifts); i++) {
        if (c->ntlb_sizes & BIT(i)) {
            shifts[n++] = vtm_iotlb_shifts[i];
        }
    }
    vtm_inv_range(c->ntlb, r, shifts, n);
    if (!c->nested_cached) {
        return;
    }
    vtm_cache_invalidate_if(c->iotlb, vtm_nested_did_pred, &did);
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        if (c->fs_psc.level[level] &&
            vtm_cache_nvalid(c->fs_psc.level[level])) {
            vtm_cache_invalidate_if(c->fs_psc.level[level],
                                    vtm_did_key_pred, &did);
        }
    }
}

static void vtm_core_inv_page(VTMCore *c, const VTMInvIotlb *inv)
{
    unsigned span = inv->am + VTM_PAGE_SHIFT;
    VTMInvRange r = { .did = inv->did };
    unsigned level;

    if (span >= 64) {
        /* AM is bounded by CAP.MAMV when decoded; be safe anyway. */
        vtm_core_inv_domain(c, inv->did);
        return;
    }
    /* 6.5.2.3: ADDR is aligned down to the 2^(AM+12) byte range. */
    r.first = inv->addr & ~MAKE_64BIT_MASK(0, span);
    r.last = r.first | MAKE_64BIT_MASK(0, span);
    vtm_core_inv_iotlb_range(c, &r);
    vtm_core_inv_page_nested(c, &r);

    /* IH=1: software changed only leaf entries, keep the PSC lines. */
    if (inv->ih) {
        return;
    }
    r.psc = true;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        vtm_inv_range(c->psc.level[level], &r, &level, 1);
    }
}

static void vtm_core_inv_iotlb(VTMCore *c, const VTMInvIotlb *inv)
{
    switch (inv->gran) {
    case VTM_INV_GLOBAL:
        vtm_cache_flush(c->iotlb);
        c->iotlb_sizes = 0;
        vtm_core_flush_ntlb(c);
        vtm_core_flush_psc(c);
        break;
    case VTM_INV_DOMAIN:
        vtm_core_inv_domain(c, inv->did);
        break;
    case VTM_INV_PAGE:
        vtm_core_inv_page(c, inv);
        break;
    default:
        break;      /* reserved granularity: rejected by the decoder */
    }
}

/* 6.5.2.2: PASID-cache lines by DID, or by DID and PASID. */
typedef struct VTMPasidMatch {
    uint16_t did;
    bool by_pasid;
    uint32_t pasid;
} VTMPasidMatch;

static bool vtm_pasid_match_pred(const VTMCacheKey *key,
                                 const void *payload, void *opaque)
{
    const VTMPasidEntry *pe = payload;
    const VTMPasidMatch *m = opaque;

    return pe->did == m->did &&
           (!m->by_pasid || extract64(key->tag, 16, 20) == m->pasid);
}

static void vtm_core_inv_pc(VTMCore *c, const VTMInvPc *inv)
{
    VTMPasidMatch m = {
        .did = inv->did, .by_pasid = inv->gran == VTM_QI_PC_PASID,
        .pasid = inv->pasid,
    };

    switch (inv->gran) {
    case VTM_QI_PC_GLOBAL:
        vtm_cache_flush(c->pasid_cache);
        break;
    case VTM_QI_PC_DOMAIN:
    case VTM_QI_PC_PASID:
        vtm_cache_invalidate_if(c->pasid_cache, vtm_pasid_match_pred, &m);
        break;
    default:
        break;      /* reserved granularity: rejected by the decoder */
    }
}

/* IOTLB and PSC lines tagged with (did, PASID + 1): tag2 15:0, 63:24. */
typedef struct VTMTagMatch {
    uint16_t did;
    uint32_t tag;
} VTMTagMatch;

static bool vtm_tag_key_pred(const VTMCacheKey *key, const void *payload,
                             void *opaque)
{
    const VTMTagMatch *m = opaque;

    return (uint16_t)key->tag2 == m->did && (key->tag2 >> 24) == m->tag;
}

/*
 * 6.5.2.4: the first-stage mappings of (DID, PASID): all of them, or
 * 2^AM pages from ADDR, where IH=1 keeps the paging-structure caches
 * (software changed leaves only).
 */
static void vtm_core_inv_piotlb(VTMCore *c, const VTMInvPiotlb *inv)
{
    unsigned span = inv->am + VTM_PAGE_SHIFT, level;
    VTMTagMatch m = { .did = inv->did, .tag = inv->pasid + 1 };
    VTMInvRange r = { .did = inv->did, .tag = inv->pasid + 1 };

    if (inv->gran != VTM_QI_PIOTLB_PAGE || span >= 64) {
        if (vtm_cache_nvalid(c->iotlb)) {
            vtm_cache_invalidate_if(c->iotlb, vtm_tag_key_pred, &m);
        }
        for (level = 2; level <= VTM_MAX_LEVELS; level++) {
            if (c->fs_psc.level[level] &&
                vtm_cache_nvalid(c->fs_psc.level[level])) {
                vtm_cache_invalidate_if(c->fs_psc.level[level],
                                        vtm_tag_key_pred, &m);
            }
        }
        return;
    }
    r.first = inv->addr & ~MAKE_64BIT_MASK(0, span);
    r.last = r.first | MAKE_64BIT_MASK(0, span);
    vtm_core_inv_iotlb_range(c, &r);
    if (inv->ih) {
        return;
    }
    r.psc = true;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        vtm_inv_range(c->fs_psc.level[level], &r, &level, 1);
    }
}

void vtm_core_invalidate(VTMCore *c, const VTMInvOp *op)
{
    if (c->timing.p.mode != VTM_TIMING_OFF) {
        vtm_timing_invalidate(&c->timing, vtm_inv_cost_type(op->type));
    }
    switch (op->type) {
    case VTM_INV_CC:
        c->stats.inv_cc++;
        c->stats.inv_cc_gran[op->cc.gran & 3]++;
        vtm_core_inv_cc(c, &op->cc);
        break;
    case VTM_INV_IOTLB:
        c->stats.inv_iotlb++;
        c->stats.inv_iotlb_gran[op->iotlb.gran & 3]++;
        vtm_core_inv_iotlb(c, &op->iotlb);
        break;
    case VTM_INV_DEVTLB:
        /* The endpoint's TLB is timed only (vtm-timing.c) */
        c->stats.inv_devtlb++;
        vtm_timing_devtlb_invalidate(&c->timing, op->devtlb.sid,
                                     op->devtlb.addr, op->devtlb.size);
        break;
    case VTM_INV_IEC:
        /* Counted and timed here; the cache itself is vtm-ir.c's. */
        c->stats.inv_iec++;
        break;
    case VTM_INV_WAIT:
        /* Counted and timed here; the status write is the glue's. */
        c->stats.inv_wait++;
        break;
    case VTM_INV_PC:
        c->stats.inv_pc++;
        c->stats.inv_pc_gran[op->pc.gran & 3]++;
        vtm_core_inv_pc(c, &op->pc);
        break;
    case VTM_INV_PIOTLB:
        c->stats.inv_piotlb++;
        c->stats.inv_piotlb_gran[op->piotlb.gran & 3]++;
        vtm_core_inv_piotlb(c, &op->piotlb);
        break;
    case VTM_INV_PDEVTLB:
        /* The timed device-TLB has no PASIDs: the range of every one */
        c->stats.inv_pdevtlb++;
        vtm_timing_devtlb_invalidate(&c->timing, op->pdevtlb.sid,
                                     op->pdevtlb.addr, op->pdevtlb.size);
        break;
    }
}

void vtm_core_set_time(VTMCore *c, uint64_t now)
{
    vtm_timing_advance(&c->timing, now);
}
