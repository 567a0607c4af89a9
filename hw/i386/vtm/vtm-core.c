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

/* Page sizes an IOTLB line can hold: 4K, 2M, 1G. */
static const unsigned vtm_iotlb_shifts[] = { 12, 21, 30 };

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
    cfg->iotlb = iotlb;
    cfg->ctx_cache = ctx_cache;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        cfg->psc[level] = psc;
    }
    cfg->pasid_cache = ctx_cache;
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
    err = err ? err : vtm_cache_prop_error("pasid-cache", &cfg->pasid_cache);
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

    c->iotlb = vtm_core_new_cache(cfg, "iotlb", &cfg->iotlb, 0,
                                  sizeof(VTMIotlbEntry));
    c->ctx_cache = vtm_core_new_cache(cfg, "context-cache", &cfg->ctx_cache,
                                      1, sizeof(VTMContext));
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        c->psc.level[level] = vtm_core_new_cache(cfg, vtm_psc_names[level],
                                                 &cfg->psc[level], level,
                                                 sizeof(VTMPscEntry));
    }
    vtm_timing_init(&c->timing, &cfg->timing, &cfg->ctx_cache, &cfg->iotlb,
                    cfg->psc, &cfg->iec);
}

void vtm_core_destroy(VTMCore *c)
{
    unsigned level;

    g_clear_pointer(&c->iotlb, vtm_cache_free);
    g_clear_pointer(&c->ctx_cache, vtm_cache_free);
    for (level = 0; level <= VTM_MAX_LEVELS; level++) {
        g_clear_pointer(&c->psc.level[level], vtm_cache_free);
    }
    vtm_timing_destroy(&c->timing);
}

static void vtm_core_flush_psc(VTMCore *c)
{
    unsigned level;

    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        if (c->psc.level[level]) {
            vtm_cache_flush(c->psc.level[level]);
        }
    }
}

void vtm_core_reset(VTMCore *c)
{
    vtm_cache_flush(c->iotlb);
    c->iotlb_sizes = 0;
    vtm_cache_flush(c->ctx_cache);
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
static VTMCacheKey vtm_iotlb_key(uint16_t did, unsigned shift, uint64_t iova)
{
    VTMCacheKey key = {
        .tag = iova >> shift,
        .tag2 = did | (uint64_t)shift << 16,
    };

    return key;
}

/* The context for sid, from the context cache or from memory. */
static VTMFaultReason vtm_core_get_context(VTMCore *c, uint16_t sid,
                                           VTMContext *ctx, VTMOutcome *how)
{
    VTMCacheKey key = { .tag = sid };
    const VTMContext *hit;
    VTMContext *line;
    VTMFaultReason fr;
    unsigned reads = 0;

    memset(ctx, 0, sizeof(*ctx));
    if (c->ttm != VTM_TTM_LEGACY) {
        /*
         * The device advertises neither scalable mode (ECAP.SMTS) nor
         * abort-DMA mode (ECAP.ADMS), so any other RTADDR.TTM makes the
         * root table unusable: report it as a reserved root entry
         * programming (LRT.3, 11.4.5).
         */
        return VTM_FR_ROOT_RSVD;
    }
    hit = vtm_cache_lookup(c->ctx_cache, &key);
    how->ctx_lookup = true;
    if (hit) {
        *ctx = *hit;
        how->ctx_hit = true;
        return VTM_FR_NONE;
    }
    fr = vtm_ctx_fetch(&c->mem, c->root_table, sid, &c->lim, ctx, &reads);
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

static void vtm_core_fill(VTMResult *res, uint64_t iova, uint64_t out,
                          unsigned shift, uint8_t perm)
{
    uint64_t mask = MAKE_64BIT_MASK(0, shift);

    res->iova = iova & ~mask;
    res->translated = out & ~mask;
    res->addr_mask = mask;
    res->perm = perm;
}

static bool vtm_perm_allows(uint8_t perm, bool is_write)
{
    return perm & (is_write ? VTM_PERM_W : VTM_PERM_R);
}

/*
 * Looks the request up in the IOTLB.  Returns false on a miss; on a hit
 * returns true with *fr set and res filled when the access is allowed.
 */
static bool vtm_core_iotlb_hit(VTMCore *c, const VTMRequest *req,
                               const VTMContext *ctx, VTMResult *res,
                               VTMWalkLog *log, VTMFaultReason *fr)
{
    const VTMIotlbEntry *e = NULL;
    unsigned i;

    for (i = 0; !e && i < ARRAY_SIZE(vtm_iotlb_shifts); i++) {
        VTMCacheKey key = vtm_iotlb_key(ctx->did, vtm_iotlb_shifts[i],
                                        req->addr);

        /* A size never inserted since the last flush cannot hit. */
        if (c->fmt.leaf_ok[i + 1] && (c->iotlb_sizes & BIT(i))) {
            e = vtm_cache_lookup(c->iotlb, &key);
        }
    }
    res->how.iotlb_lookup = true;
    if (!e) {
        return false;
    }
    res->how.iotlb_hit = (e->page_shift - VTM_PAGE_SHIFT) /
                         VTM_LEVEL_STRIDE + 1;
    /*
     * Hardware trusts a cached translation until software invalidates it
     * (6.5), so a stale entry with too few rights faults without a walk.
     */
    if (!vtm_perm_allows(e->perm, req->is_write)) {
        *fr = req->is_write ? VTM_FR_WRITE : VTM_FR_READ;  /* LGN.2/3 */
        return true;
    }
    vtm_core_fill(res, req->addr, e->translated, e->page_shift, e->perm);
    log->leaf_level = (e->page_shift - VTM_PAGE_SHIFT) / VTM_LEVEL_STRIDE
                      + 1;
    *fr = VTM_FR_NONE;
    return true;
}

/* Whether a walk of levels levels probes at least one PSC level. */
static bool vtm_core_psc_active(const VTMCore *c, unsigned levels)
{
    unsigned level;

    for (level = 2; level <= levels; level++) {
        if (c->cfg.psc[level].enable && c->cfg.psc[level].entries) {
            return true;
        }
    }
    return false;
}

static VTMFaultReason vtm_core_walk(VTMCore *c, const VTMRequest *req,
                                    const VTMContext *ctx, VTMResult *res,
                                    VTMWalkLog *log)
{
    VTMWalk w = {
        .root = ctx->slptptr,
        .levels = ctx->levels,
        .did = ctx->did,
        .iova = req->addr,
        .is_write = req->is_write,
    };
    VTMWalkOut out;
    VTMCacheKey key;
    VTMIotlbEntry *e;
    VTMFaultReason fr;

    c->stats.walks++;
    fr = vtm_pt_walk(&c->fmt, &c->mem, &c->psc, &w, &out, log);
    c->stats.mem_reads += log->nsteps;
    res->how.walked = true;
    res->how.psc_lookup = vtm_core_psc_active(c, ctx->levels);
    res->how.psc_hit = log->psc_hit_level;
    res->how.pt_reads = log->nsteps;
    if (fr != VTM_FR_NONE) {
        return fr;
    }
    key = vtm_iotlb_key(ctx->did, out.page_shift, req->addr);
    e = vtm_cache_insert(c->iotlb, &key);
    if (e) {
        c->iotlb_sizes |= BIT((out.page_shift - VTM_PAGE_SHIFT) /
                              VTM_LEVEL_STRIDE);
        e->translated = out.addr;
        e->page_shift = out.page_shift;
        e->perm = out.perm;
        e->did = ctx->did;
    }
    vtm_core_fill(res, req->addr, out.addr, out.page_shift, out.perm);
    return VTM_FR_NONE;
}

static VTMFaultReason vtm_core_translate_ctx(VTMCore *c,
                                             const VTMRequest *req,
                                             const VTMContext *ctx,
                                             VTMResult *res,
                                             VTMWalkLog *log)
{
    VTMFaultReason fr;

    /* 9.3: only TT=01b lets translation requests (ATS) through. */
    if (req->is_translation_req && ctx->tt != VTM_TT_ALL) {
        return VTM_FR_TT_BLOCKED;           /* LCT.5, 9.3 */
    }
    if (ctx->tt == VTM_TT_PASSTHROUGH) {
        vtm_core_fill(res, req->addr, req->addr, VTM_PAGE_SHIFT,
                      VTM_PERM_RW);
        res->passthrough = true;
        return VTM_FR_NONE;
    }
    if (req->addr >> ctx->aw_bits) {
        return VTM_FR_ADDR_BEYOND_AW;       /* LGN.1, 3.6 / 9.3 AW */
    }
    if (vtm_core_iotlb_hit(c, req, ctx, res, log, &fr)) {
        return fr;
    }
    return vtm_core_walk(c, req, ctx, res, log);
}

void vtm_core_translate(VTMCore *c, const VTMRequest *req, VTMResult *res,
                        VTMWalkLog *log)
{
    VTMWalkLog local_log;
    VTMContext ctx;
    VTMFaultReason fr;

    if (!log) {
        log = &local_log;
    }
    /* The steps are the walker's to fill: clear only the summary. */
    log->nsteps = 0;
    log->psc_hit_level = 0;
    log->leaf_level = 0;
    memset(res, 0, sizeof(*res));
    c->stats.translations++;

    fr = vtm_core_get_context(c, req->sid, &ctx, &res->how);
    if (fr == VTM_FR_NONE) {
        res->domain_id = ctx.did;
        res->how.levels = ctx.levels;
        fr = vtm_core_translate_ctx(c, req, &ctx, res, log);
        res->how.leaf_level = fr == VTM_FR_NONE ? log->leaf_level : 0;
    }
    if (fr != VTM_FR_NONE) {
        c->stats.faults++;
        res->iova = req->addr & ~(VTM_PAGE_SIZE - 1);
        res->translated = 0;
        res->addr_mask = 0;
        res->perm = VTM_PERM_NONE;
        res->fault.reason = fr;
        res->fault.sid = req->sid;
        res->fault.addr = req->addr;
        res->fault.is_write = req->is_write;
        /* false unless the context entry was read (vtm_ctx_fetch) */
        res->fault.fpd = ctx.fpd;
    }
    if (c->timing.p.mode != VTM_TIMING_OFF && !req->untimed) {
        res->latency = vtm_timing_charge(&c->timing, req->time, &res->how,
                                         &res->queued);
        vtm_counters_add(&c->timing.unit, res);
    }
}

/* Invalidation ------------------------------------------------------ */

static bool vtm_ctx_did_pred(const VTMCacheKey *key, const void *payload,
                             void *opaque)
{
    const VTMContext *ctx = payload;

    return ctx->did == *(const uint16_t *)opaque;
}

typedef struct VTMSidMatch {
    uint16_t sid;
    uint16_t mask;              /* requester-id bits that must match */
} VTMSidMatch;

static bool vtm_ctx_sid_pred(const VTMCacheKey *key, const void *payload,
                             void *opaque)
{
    const VTMSidMatch *m = opaque;

    return ((key->tag ^ m->sid) & m->mask) == 0;
}

/* Function-number bits that a device-selective invalidation ignores. */
static uint16_t vtm_fm_ignored_bits(uint8_t fm)
{
    unsigned n = fm & 3;

    return ((1u << n) - 1) << (3 - n);
}

static void vtm_core_inv_cc(VTMCore *c, const VTMInvCC *inv)
{
    uint16_t did = inv->did;
    VTMSidMatch m;

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
        break;      /* reserved granularity: rejected by the decoder */
    }
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
    return r->psc ? vtm_psc_key(r->did, unit, addr)
                  : vtm_iotlb_key(r->did, unit, addr);
}

static bool vtm_inv_range_pred(const VTMCacheKey *key, const void *payload,
                               void *opaque)
{
    const VTMInvRange *r = opaque;
    unsigned unit = extract64(key->tag2, 16, 8);
    unsigned shift;
    uint64_t start;

    if ((uint16_t)key->tag2 != r->did) {
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
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        if (c->psc.level[level]) {
            vtm_cache_invalidate_if(c->psc.level[level], vtm_did_key_pred,
                                    &did);
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

void vtm_core_invalidate(VTMCore *c, const VTMInvOp *op)
{
    if (c->timing.p.mode != VTM_TIMING_OFF) {
        vtm_timing_invalidate(&c->timing, op->type);
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
        /* Counted only: the device-IOTLB model is not there yet. */
        c->stats.inv_devtlb++;
        break;
    case VTM_INV_IEC:
        /* Counted and timed here; the cache itself is vtm-ir.c's. */
        c->stats.inv_iec++;
        break;
    case VTM_INV_WAIT:
        /* Counted and timed here; the status write is the glue's. */
        c->stats.inv_wait++;
        break;
    }
}

void vtm_core_set_time(VTMCore *c, uint64_t now)
{
    vtm_timing_advance(&c->timing, now);
}
