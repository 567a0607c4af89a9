/*
 * vtm fuzzing: translation over fuzzed root, context and page tables.
 *
 * Two units translate the same requests over the same memory: one with
 * the fuzzed cache shapes (context cache, IOTLB, paging-structure caches),
 * one with every cache disabled.  With memory unchanged, a cache can only
 * change the cost, never the outcome, so any difference is a bug; so is a
 * translation that grants less than the request or is misaligned.  Range
 * enumeration (replay, notifiers) is checked against single walks.
 *
 * Each input starts with a mode byte: legacy or scalable mode (root,
 * context, PASID directory and table, first and second stage); a new
 * structure is a new entry in modes[], reusing the same memory, request
 * stream and oracle.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fuzz-common.h"
#include "vtm-core.h"

#define MAX_OPS 96

typedef struct WalkRun {
    FuzzIn in;
    FuzzMem mem[2];             /* [0] cached unit, [1] reference */
    VTMCore core[2];
    GHashTable *did_cfg;        /* did -> what the first context said */
    bool oracle;                /* no did shared by different tables */
    bool scalable;              /* requests carry PASIDs */
    uint64_t rtaddr;
    uint64_t time;
} WalkRun;

static void fuzz_cache_params(FuzzIn *in, VTMCacheParams *p)
{
    uint8_t b = fuzz_u8(in);

    p->enable = b & 1;
    p->ways = 1u << ((b >> 1) & 3);             /* 1, 2, 4 or 8 */
    p->entries = p->ways << ((b >> 3) & 3);     /* 1 to 8 sets */
    p->policy = (b >> 5) % 3;
    p->seed = b;
}

/* A legacy-mode unit shape; false if the core rejects it. */
static bool fuzz_legacy_config(FuzzIn *in, VTMCoreConfig *cfg)
{
    uint8_t b = fuzz_u8(in);
    unsigned level;

    vtm_core_default_config(cfg);
    cfg->haw = 32 + fuzz_u8(in) % 21;
    cfg->sagaw = b & 0xe;
    cfg->sllps = (b >> 4) & 3;
    cfg->pt_supported = b & 0x40;
    cfg->dt_supported = b & 0x80;
    cfg->snoop_control = b & 1;
    fuzz_cache_params(in, &cfg->iotlb);
    fuzz_cache_params(in, &cfg->ctx_cache);
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        fuzz_cache_params(in, &cfg->psc[level]);
    }
    return vtm_core_config_error(cfg) == NULL;
}

/* Scalable-mode capabilities and caches on top of a legacy shape. */
static bool fuzz_scalable_config(FuzzIn *in, VTMCoreConfig *cfg)
{
    uint16_t b = fuzz_u16(in);
    unsigned level;

    if (!fuzz_legacy_config(in, cfg)) {
        return false;
    }
    cfg->sm_supported = true;
    cfg->fs_supported = b & 1;
    cfg->ss_supported = b & 2;
    cfg->nest_supported = b & 4;
    cfg->fl1gp = b & 8;
    cfg->fl5lp = b & 0x10;
    cfg->ers = b & 0x20;
    cfg->prs = b & 0x40;
    cfg->slads = b & 0x80;
    cfg->pss = (b >> 8) % VTM_PASID_BITS;
    fuzz_cache_params(in, &cfg->pasid_cache);
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        fuzz_cache_params(in, &cfg->fs_psc[level]);
    }
    return vtm_core_config_error(cfg) == NULL;
}

/*
 * The oracle holds only while each domain id names one set of tables, as
 * software must program them (6.2.1, 6.2.2): caches are tagged by domain.
 * What a domain names is read off the reference unit's walk (it has no
 * paging-structure caches, so its first read is the top-level entry).
 */
static void track_did(WalkRun *r, const VTMResult *res, const VTMWalkLog *log)
{
    uint64_t cfg, prev;

    if (log->nsteps) {
        cfg = (log->step[0].pte_addr & ~0xfffULL) | res->how.levels << 2 |
              res->stage << 8;
    } else if (res->passthrough) {
        cfg = 2;
    } else {
        return;
    }
    cfg |= 1;
    prev = GPOINTER_TO_SIZE(g_hash_table_lookup(r->did_cfg,
        GUINT_TO_POINTER(res->domain_id)));
    if (!prev) {
        g_hash_table_insert(r->did_cfg, GUINT_TO_POINTER(res->domain_id),
                            GSIZE_TO_POINTER(cfg));
    } else if (prev != cfg) {
        r->oracle = false;
    }
}

/*
 * Scalable mode: first-stage walks set A/D bits, so memory may change
 * under the caches (an A/D write can land in any structure, addresses
 * wrap).  Both units write the same; after a write the cached unit drops
 * what it holds, as software would invalidate after changing a table.
 */
static void after_writes(WalkRun *r, uint64_t writes)
{
    fuzz_check(r->mem[0].len == r->mem[1].len &&
               !memcmp(r->mem[0].buf, r->mem[1].buf, r->mem[0].len),
               "the units wrote different memory");
    if (r->mem[1].writes != writes || r->mem[0].writes != writes) {
        vtm_core_reset(&r->core[0]);
        vtm_core_set_root(&r->core[0], r->rtaddr);
    }
}

static void check_result(const VTMCore *c, const VTMRequest *req,
                         const VTMResult *res)
{
    uint64_t size = res->addr_mask + 1;

    if (res->fault.reason != VTM_FR_NONE) {
        return;
    }
    fuzz_check(size == 1ULL << 12 || size == 1ULL << 21 ||
               size == 1ULL << 30, "page size 0x%" PRIx64, size);
    fuzz_check(res->iova == (req->addr & ~res->addr_mask),
               "iova 0x%" PRIx64 " for 0x%" PRIx64, res->iova, req->addr);
    fuzz_check(!(res->translated & res->addr_mask),
               "output 0x%" PRIx64 " misaligned", res->translated);
    fuzz_check(res->perm & (req->is_write ? VTM_PERM_W : VTM_PERM_R),
               "perm %u for a %s", res->perm,
               req->is_write ? "write" : "read");
    if (!res->passthrough) {
        fuzz_check(res->translated < 1ULL << c->cfg.haw,
                   "output 0x%" PRIx64 " beyond haw %u", res->translated,
                   c->cfg.haw);
    }
}

static void do_request(WalkRun *r)
{
    VTMRequest req = {
        .sid = fuzz_u8(&r->in) & 0x8f ? fuzz_u8(&r->in) : fuzz_u16(&r->in),
        .addr = fuzz_addr(&r->in),
    };
    uint8_t b = fuzz_u8(&r->in);
    uint64_t writes = r->mem[1].writes;
    VTMResult res[2];
    VTMWalkLog log;
    unsigned i;

    req.is_write = b & 1;
    req.is_translation_req = b & 2;
    req.untimed = b & 4;
    req.time = r->time += b;
    if (r->scalable && (b & 8)) {
        uint8_t p = fuzz_u8(&r->in);

        req.has_pasid = true;
        req.pasid = p & 0x80 ? fuzz_u32(&r->in) & VTM_PASID_MAX : p & 7;
        req.priv = p & 0x10;
        req.exec = p & 0x20;
    }
    vtm_core_translate(&r->core[1], &req, &res[1], &log);
    track_did(r, &res[1], &log);
    vtm_core_translate(&r->core[0], &req, &res[0], NULL);
    for (i = 0; i < 2; i++) {
        check_result(&r->core[i], &req, &res[i]);
    }
    if (r->scalable) {
        after_writes(r, writes);
    }
    if (!r->oracle) {
        return;
    }
    fuzz_check(res[0].fault.reason == res[1].fault.reason,
               "sid 0x%x addr 0x%" PRIx64 ": fault 0x%x cached, 0x%x uncached",
               req.sid, req.addr, res[0].fault.reason, res[1].fault.reason);
    if (res[0].fault.reason != VTM_FR_NONE) {
        fuzz_check(res[0].fault.fpd == res[1].fault.fpd, "fpd differs");
        return;
    }
    fuzz_check(res[0].translated == res[1].translated &&
               res[0].addr_mask == res[1].addr_mask &&
               res[0].perm == res[1].perm &&
               res[0].domain_id == res[1].domain_id &&
               res[0].passthrough == res[1].passthrough,
               "sid 0x%x addr 0x%" PRIx64 ": cached 0x%" PRIx64 "/0x%" PRIx64
               " perm %u, uncached 0x%" PRIx64 "/0x%" PRIx64 " perm %u",
               req.sid, req.addr, res[0].translated, res[0].addr_mask,
               res[0].perm, res[1].translated, res[1].addr_mask,
               res[1].perm);
}

/* Any decodable descriptor, applied to both units. */
static void do_invalidate(WalkRun *r)
{
    static const VTMQiLimits lim = {
        .mamv = 9, .dt_supported = true, .ir_supported = true,
        .sm_supported = true,
    };
    uint64_t desc[4] = { fuzz_u64(&r->in), fuzz_u64(&r->in) };
    VTMInvOp op;
    uint8_t e;

    desc[0] = (desc[0] & ~0xfULL) | (desc[0] & 0xf) % 8 + 1;
    if (r->scalable) {
        e = vtm_qi_decode_wide(desc, 256, &lim, &op);
    } else {
        e = vtm_qi_decode(desc, &lim, &op);
    }
    if (e == VTM_IQEI_NONE && op.type != VTM_INV_IEC) {
        vtm_core_invalidate(&r->core[0], &op);
        vtm_core_invalidate(&r->core[1], &op);
    }
}

typedef struct EnumCheck {
    const VTMCore *c;
    const VTMContext *ctx;
    uint64_t first, last, prev_end;
    uint64_t count;
    bool any;
} EnumCheck;

/* Each enumerated mapping is what a walk of its address returns. */
static bool enum_one(const VTMMapping *m, void *opaque)
{
    EnumCheck *e = opaque;
    /* a write-only mapping (W without R, 9.8) is walked as a write */
    VTMWalk w = {
        .root = e->ctx->slptptr, .levels = e->ctx->levels,
        .did = e->ctx->did, .iova = m->iova,
        .is_write = !(m->perm & VTM_PERM_R),
    };
    VTMWalkOut out;
    VTMWalkLog log;
    VTMFaultReason fr;

    e->count++;
    fuzz_check(m->perm != VTM_PERM_NONE, "mapping without permission");
    fuzz_check(m->shift == 12 || m->shift == 21 || m->shift == 30,
               "mapping shift %u", m->shift);
    fuzz_check(!(m->iova & MAKE_64BIT_MASK(0, m->shift)),
               "mapping 0x%" PRIx64 " misaligned", m->iova);
    fuzz_check(vtm_mapping_last(m) >= e->first && m->iova <= e->last,
               "mapping 0x%" PRIx64 " outside the range", m->iova);
    fuzz_check(!e->any || m->iova >= e->prev_end,
               "mapping 0x%" PRIx64 " out of order", m->iova);
    e->any = true;
    e->prev_end = vtm_mapping_last(m) + 1;
    fr = vtm_pt_walk(&e->c->fmt, &e->c->mem, NULL, &w, &out, &log);
    fuzz_check(fr == VTM_FR_NONE, "enumerated 0x%" PRIx64 " faults 0x%x",
               m->iova, fr);
    fuzz_check(out.addr == m->addr && out.page_shift == m->shift &&
               out.perm == m->perm,
               "enumerated 0x%" PRIx64 " -> 0x%" PRIx64 "/%u/%u, walk 0x%"
               PRIx64 "/%u/%u", m->iova, m->addr, m->shift, m->perm,
               out.addr, out.page_shift, out.perm);
    return true;
}

static void do_enumerate(WalkRun *r)
{
    const VTMCore *c = &r->core[1];
    uint16_t sid = fuzz_u8(&r->in);
    VTMContext ctx;
    unsigned reads;
    VTMPtRange range;
    VTMPtRangeResult res;
    EnumCheck e = { .c = c, .ctx = &ctx };
    uint64_t aw_mask, span;

    if (vtm_ctx_fetch(&c->mem, c->root_table, sid, &c->lim, &ctx,
                      &reads) != VTM_FR_NONE || !ctx.levels) {
        return;
    }
    aw_mask = MAKE_64BIT_MASK(0, ctx.aw_bits);
    range = (VTMPtRange) {
        .root = ctx.slptptr, .levels = ctx.levels,
        .first = fuzz_addr(&r->in) & aw_mask,
        .max_tables = 1 + fuzz_u8(&r->in) % 64,
        .max_leaves = 1 + fuzz_u8(&r->in) % 64,
    };
    span = fuzz_addr(&r->in);
    range.last = span > aw_mask - range.first ? aw_mask : range.first + span;
    e.first = range.first;
    e.last = range.last;
    vtm_pt_enumerate(&c->fmt, &c->mem, &range, enum_one, &e, &res);
    fuzz_check(res.tables <= range.max_tables && e.count == res.leaves &&
               res.leaves <= range.max_leaves,
               "budget: %" PRIu64 " tables, %" PRIu64 " leaves",
               res.tables, res.leaves);
}

static void walk_run(WalkRun *r, const VTMCoreConfig *shape)
{
    VTMCoreConfig cfg = *shape;
    unsigned i, n;

    for (i = 0; i < 2; i++) {
        vtm_core_init(&r->core[i], &cfg, &r->mem[i].ops);
        vtm_core_set_root(&r->core[i], r->rtaddr);
        vtm_core_uncached_config(&cfg);
    }
    for (n = 0; n < MAX_OPS && fuzz_more(&r->in); n++) {
        switch (fuzz_u8(&r->in) % 8) {
        case 6:
            do_invalidate(r);
            break;
        case 7:
            if (!r->scalable) {
                do_enumerate(r);
            }
            break;
        default:
            do_request(r);
            break;
        }
    }
    for (i = 0; i < 2; i++) {
        vtm_core_destroy(&r->core[i]);
    }
}

static void walk_legacy(WalkRun *r)
{
    VTMCoreConfig cfg;

    if (!fuzz_legacy_config(&r->in, &cfg)) {
        return;
    }
    /* RTADDR, TTM included: a root pointer anywhere, mostly in memory */
    r->rtaddr = fuzz_addr(&r->in) & ~0x3ffULL;
    r->rtaddr |= (uint64_t)(fuzz_u8(&r->in) % 8 == 0) << 10;
    walk_run(r, &cfg);
}

/* Scalable-mode root, context, PASID directory and table, both stages. */
static void walk_scalable(WalkRun *r)
{
    VTMCoreConfig cfg;

    if (!fuzz_scalable_config(&r->in, &cfg)) {
        return;
    }
    r->scalable = true;
    r->rtaddr = fuzz_addr(&r->in) & ~0xfffULL;
    r->rtaddr |= (uint64_t)(fuzz_u8(&r->in) % 8 ? VTM_TTM_SCALABLE
                                                : VTM_TTM_RESERVED) << 10;
    walk_run(r, &cfg);
}

typedef struct WalkMode {
    const char *name;
    void (*run)(WalkRun *r);
} WalkMode;

static const WalkMode modes[] = {
    { "legacy", walk_legacy },
    { "scalable", walk_scalable },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    WalkRun r = {
        .in = { .data = data, .len = size },
        .oracle = true,
    };

    if (size < 8) {
        return 0;
    }
    fuzz_mem_init(&r.mem[0], data, size);
    fuzz_mem_init(&r.mem[1], data, size);
    r.did_cfg = g_hash_table_new(NULL, NULL);
    modes[fuzz_u8(&r.in) % ARRAY_SIZE(modes)].run(&r);
    g_hash_table_destroy(r.did_cfg);
    fuzz_mem_destroy(&r.mem[0]);
    fuzz_mem_destroy(&r.mem[1]);
    return 0;
}
