/*
 * vtm-load: throughput of a DMA engine through vtm's timing model
 * (vtm-load.h says what is modelled).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <math.h>
#include "qemu/host-utils.h"
#include "vtm-load.h"

#define LOAD_TLP_BOUNDARY   4096        /* no TLP crosses 4 KiB */
#define LOAD_MAX_TLPS       4096

void vtm_link_default(VTMLink *l)
{
    l->gbps = VTM_LINK_GEN3X8_GBPS;
    l->req_overhead = 24;
    l->cpl_overhead = 20;
    l->mps = 256;
    l->mrrs = 512;
}

static bool pow2_in(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && is_power_of_2(v);
}

const char *vtm_link_error(const VTMLink *l)
{
    if (!(l->gbps >= 0) || l->gbps > 1e6) {
        return "link bandwidth must be between 0 (no limit) and 1e6 Gb/s";
    }
    if (!pow2_in(l->mps, 128, 4096)) {
        return "max payload size must be a power of 2 from 128 to 4096";
    }
    if (!pow2_in(l->mrrs, 128, 4096)) {
        return "max read request size must be a power of 2 from 128 to 4096";
    }
    if (l->req_overhead > 4096 || l->cpl_overhead > 4096) {
        return "TLP overheads must be at most 4096 bytes";
    }
    return NULL;
}

/* The next transaction at addr: at most max bytes, not across 4 KiB. */
static uint32_t tlp_len(uint64_t addr, uint64_t end, uint32_t max)
{
    uint64_t boundary = (addr | (LOAD_TLP_BOUNDARY - 1)) + 1;

    return MIN(MIN(end, boundary) - addr, max);
}

unsigned vtm_link_split(const VTMLink *l, uint64_t addr, uint32_t size,
                        bool is_write, uint64_t *start, uint32_t *len,
                        unsigned max)
{
    uint64_t end = addr + MAX(size, 1);
    uint32_t chunk = is_write ? l->mps : l->mrrs;
    unsigned n = 0;

    while (addr < end && n < max) {
        start[n] = addr;
        len[n] = tlp_len(addr, end, chunk);
        addr += len[n++];
    }
    return n;
}

void vtm_link_wire_bytes(const VTMLink *l, uint64_t addr, uint32_t size,
                         bool is_write, uint64_t *up, uint64_t *down)
{
    uint64_t end = addr + MAX(size, 1), a = addr;
    uint64_t nreq = 0, ncpl = 0;

    /* writes: one TLP per max-payload; reads: requests per mrrs */
    for (a = addr; a < end; nreq++) {
        a += tlp_len(a, end, is_write ? l->mps : l->mrrs);
    }
    if (is_write) {
        *up = size + nreq * l->req_overhead;
        *down = 0;
        return;
    }
    /* completions of each request, at most max-payload bytes each */
    for (a = addr; a < end; ncpl++) {
        a += tlp_len(a, end, l->mps);
    }
    *up = nreq * l->req_overhead;
    *down = size + ncpl * l->cpl_overhead;
}

double vtm_link_ns(const VTMLink *l, uint64_t addr, uint32_t size,
                   bool is_write)
{
    uint64_t up, down;

    if (l->gbps <= 0) {
        return 0;
    }
    vtm_link_wire_bytes(l, addr, size, is_write, &up, &down);
    return MAX(up, down) * 8 / l->gbps;
}

const char *vtm_load_params_error(const VTMLoadParams *p)
{
    if (p->outstanding < 1 || p->outstanding > 65536) {
        return "requests in flight must be between 1 and 65536";
    }
    if (p->count < 1) {
        return "at least one request must be measured";
    }
    if (p->clock_mhz < 1) {
        return "clock-mhz must be at least 1";
    }
    if (p->size < 1 || p->size > LOAD_MAX_TLPS * 128) {
        return "request size must be between 1 byte and 512 KiB";
    }
    return vtm_link_error(&p->link);
}

/* State of one run. */
typedef struct LoadRun {
    const VTMLoadParams *p;
    const VTMLoadOps *ops;
    double *free_at;            /* per stream: when it may issue */
    double link_next;           /* when the link takes the next request */
    GArray *lat;                /* ns per measured request, x1000 */
    GArray *iommu;              /* cycles per measured request */
    double t0, t1, wait;
    uint64_t tlps;
} LoadRun;

/* The latency in cycles of request addr (its slowest transaction). */
static bool load_translate(LoadRun *r, uint64_t addr, double issue,
                           uint64_t *cycles, unsigned *ntlp)
{
    uint64_t start[LOAD_MAX_TLPS];
    uint32_t len[LOAD_MAX_TLPS];
    uint64_t now = issue * r->p->clock_mhz / 1000.0;
    unsigned i;

    *ntlp = vtm_link_split(&r->p->link, addr, r->p->size, r->p->is_write,
                           start, len, LOAD_MAX_TLPS);
    *cycles = 0;
    for (i = 0; i < *ntlp; i++) {
        uint64_t c = r->ops->xlate(r->ops->opaque, start[i], r->p->is_write,
                                   now);

        if (c == UINT64_MAX) {
            return false;
        }
        *cycles = MAX(*cycles, c);
    }
    return true;
}

static unsigned load_earliest(const LoadRun *r)
{
    unsigned s = 0, k;

    for (k = 1; k < r->p->outstanding; k++) {
        s = r->free_at[k] < r->free_at[s] ? k : s;
    }
    return s;
}

/* Issues request i on the earliest stream. */
static bool load_step(LoadRun *r, uint64_t i)
{
    const VTMLoadParams *p = r->p;
    bool measured = i >= p->warmup;
    unsigned s = load_earliest(r), ntlp;
    uint64_t addr = r->ops->addr(r->ops->opaque, i), cycles;
    double issue = MAX(r->free_at[s], r->link_next), done, lat;

    r->link_next = issue + vtm_link_ns(&p->link, addr, p->size, p->is_write);
    if (!load_translate(r, addr, issue, &cycles, &ntlp)) {
        return false;
    }
    lat = p->base_ns + cycles * 1000.0 / p->clock_mhz;
    done = issue + lat;
    if (measured) {
        uint64_t lat_ps = llround(lat * 1000);

        if (i == p->warmup) {
            r->t0 = issue;
        }
        r->t1 = MAX(r->t1, done);
        r->wait += issue - r->free_at[s];
        r->tlps += ntlp;
        g_array_append_val(r->lat, lat_ps);
        g_array_append_val(r->iommu, cycles);
    }
    r->free_at[s] = done;
    return true;
}

static void load_summarize(LoadRun *r, VTMLoadResult *out)
{
    const VTMLoadParams *p = r->p;
    VTMSimSummary ps;
    double wire = vtm_link_ns(&p->link, 0, p->size, p->is_write);

    vtm_sim_summarize(r->lat, &ps);
    vtm_sim_summarize(r->iommu, &out->iommu);
    out->requests = ps.requests;
    out->tlps = r->tlps;
    out->ns = r->t1 - r->t0;
    out->mrps = out->ns > 0 ? out->requests * 1000.0 / out->ns : 0;
    out->gbps = out->mrps * p->size * 8 / 1000.0;
    out->lat_mean_ns = ps.mean / 1000;
    out->lat_p50_ns = ps.p50 / 1000.0;
    out->lat_p99_ns = ps.p99 / 1000.0;
    out->wait_ns = out->requests ? r->wait / out->requests : 0;
    out->link_mrps = wire > 0 ? 1000.0 / wire : 0;
    out->window_mrps = p->outstanding * 1000.0 / MAX(out->lat_mean_ns, 0.001);
}

bool vtm_load_run(const VTMLoadParams *p, const VTMLoadOps *ops,
                  VTMLoadResult *out)
{
    g_autofree double *free_at = g_new0(double, MAX(p->outstanding, 1));
    LoadRun r = {
        .p = p, .ops = ops, .free_at = free_at,
        .lat = g_array_new(false, false, sizeof(uint64_t)),
        .iommu = g_array_new(false, false, sizeof(uint64_t)),
    };
    bool ok = true;
    uint64_t i;

    memset(out, 0, sizeof(*out));
    g_assert(!vtm_load_params_error(p));
    for (i = 0; ok && i < p->warmup + p->count; i++) {
        if (i == p->warmup && ops->measure) {
            ops->measure(ops->opaque);
        }
        ok = load_step(&r, i);
    }
    if (ok) {
        load_summarize(&r, out);
    }
    g_array_free(r.lat, true);
    g_array_free(r.iommu, true);
    return ok;
}

/* Over vtm-sim ---------------------------------------------------------- */

#define LOAD_SID    0x0008      /* 00:01.0, as vtm_sim_run */
#define LOAD_DID    1

typedef struct SimLoad {
    VTMSim *sim;
    const VTMSimPattern *pat;
    uint32_t size;
    uint64_t rng;
} SimLoad;

static uint64_t sim_load_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t sim_load_addr(void *opaque, uint64_t i)
{
    SimLoad *l = opaque;
    uint64_t slots = MAX(l->pat->window / l->size, 1);

    if (l->pat->sequential) {
        return l->pat->base + (i % slots) * l->size;
    }
    return l->pat->base + (sim_load_rand(&l->rng) % slots) * l->size;
}

static uint64_t sim_load_xlate(void *opaque, uint64_t addr, bool is_write,
                               uint64_t time)
{
    SimLoad *l = opaque;
    unsigned shift = VTM_PAGE_SHIFT +
                     VTM_LEVEL_STRIDE * (l->pat->leaf_level - 1);
    VTMResult res;

    if (!vtm_sim_map(l->sim, LOAD_DID, l->pat->levels,
                     addr & ~((1ULL << shift) - 1), l->pat->leaf_level)) {
        return UINT64_MAX;
    }
    vtm_sim_translate(l->sim, LOAD_SID, addr, is_write, time, &res);
    return res.latency;
}

static void sim_load_measure(void *opaque)
{
    SimLoad *l = opaque;

    vtm_timing_reset_counters(&vtm_sim_core(l->sim)->timing);
}

bool vtm_load_run_sim(VTMSim *sim, const VTMSimPattern *pattern,
                      const VTMLoadParams *p, VTMLoadResult *out)
{
    SimLoad l = {
        .sim = sim, .pat = pattern, .size = MAX(p->size, 1),
        .rng = pattern->seed,
    };
    VTMLoadOps ops = {
        .addr = sim_load_addr, .xlate = sim_load_xlate,
        .measure = sim_load_measure, .opaque = &l,
    };

    if (!(pattern->nested_ss_levels ?
          vtm_sim_set_nested(sim, LOAD_SID, LOAD_DID, pattern->levels,
                             pattern->nested_ss_levels) :
          vtm_sim_set_context(sim, LOAD_SID, LOAD_DID, pattern->levels)) ||
        !vtm_load_run(p, &ops, out)) {
        return false;
    }
    out->iommu.ctr = vtm_sim_core(sim)->timing.unit;
    return true;
}
