/*
 * Unit tests of per-transaction charging and of the device-TLB timing
 * (vtm-timing.c): how a DMA splits into PCIe transactions, counters per
 * transaction, and an ATS endpoint's TLB (hit cost, miss = translation
 * request plus round trip, invalidation by page and by range, capacity).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-params.h"
#include "vtm-record.h"
#include "vtm-sim.h"

#define SID         0x0010      /* 00:02.0 */
#define SID2        0x0018
#define DID         1
#define IOVA        0x0000001234500000ULL

static VTMSim *sim_new(VTMCoreConfig *cfg)
{
    VTMSim *sim;

    cfg->haw = 48;
    g_assert_null(vtm_core_config_error(cfg));
    sim = vtm_sim_new(cfg);
    vtm_sim_set_context(sim, SID, DID, 4);
    vtm_sim_set_context(sim, SID2, DID, 4);
    return sim;
}

static void xlate(VTMSim *sim, uint16_t sid, uint64_t iova, uint64_t time,
                  VTMResult *res)
{
    g_assert_true(vtm_sim_map(sim, DID, 4, iova & ~0xfffULL, 1));
    vtm_sim_translate(sim, sid, iova, false, time, res);
    g_assert_cmpuint(res->fault.reason, ==, VTM_FR_NONE);
}

static void test_tlps(void)
{
    VTMTimingParams p;

    vtm_timing_default_params(&p);
    g_assert_cmpuint(p.max_read_req, ==, 512);
    g_assert_cmpuint(p.max_payload, ==, 256);
    g_assert_cmpuint(vtm_timing_tlps(&p, 0, 64, false), ==, 1);
    g_assert_cmpuint(vtm_timing_tlps(&p, 0, 4096, false), ==, 8);
    g_assert_cmpuint(vtm_timing_tlps(&p, 0, 4096, true), ==, 16);
    g_assert_cmpuint(vtm_timing_tlps(&p, 0x100, 512, false), ==, 1);
    /* cut at the 4 KiB boundary first: 256 | 512 232 */
    g_assert_cmpuint(vtm_timing_tlps(&p, 0xf00, 1000, false), ==, 3);
    g_assert_cmpuint(vtm_timing_tlps(&p, 0, 0, false), ==, 1);
    p.max_read_req = 4096;
    g_assert_cmpuint(vtm_timing_tlps(&p, 0, 4096, false), ==, 1);
    p.max_read_req = 100;
    g_assert_cmpstr(vtm_timing_params_error(&p), ==,
                    "property 'max-read-req' must be 128, 256, 512, 1024, "
                    "2048 or 4096");
    vtm_timing_default_params(&p);
    p.max_payload = 8192;
    g_assert_nonnull(strstr(vtm_timing_params_error(&p), "'max-payload'"));
}

/*
 * A 4 KiB read: the first of its 8 requests walks, the 7 others hit;
 * the counters then say 1 miss in 8 IOTLB lookups, as an IOTLB counter
 * on hardware would, where one translation per DMA said 1 in 1.
 */
static void test_counters_per_tlp(void)
{
    VTMCoreConfig cfg;
    VTMCounters c = { 0 };
    VTMResult res;
    VTMSim *sim;
    VTMTiming *t;
    unsigned n;

    vtm_core_default_config(&cfg);
    sim = sim_new(&cfg);
    t = &vtm_sim_core(sim)->timing;
    xlate(sim, SID, IOVA, 0, &res);           /* warm the context */
    xlate(sim, SID, IOVA + 0x10000, 10000, &res);
    g_assert_true(res.how.walked);
    vtm_counters_add(&c, &res);
    n = vtm_timing_tlps(&t->p, IOVA, 4096, false);
    vtm_counters_add_tlps(&c, &res, n - 1, vtm_timing_hit_lat(t));
    g_assert_cmpuint(c.translations, ==, 8);
    g_assert_cmpuint(c.tlp_hits, ==, 7);
    g_assert_cmpuint(c.iotlb_lookups, ==, 8);
    g_assert_cmpuint(vtm_counters_iotlb_hits(&c), ==, 7);
    g_assert_cmpuint(c.iotlb_hits[1], ==, 7);
    g_assert_cmpuint(c.ctx_hits, ==, 8);
    g_assert_cmpuint(c.walks, ==, 1);
    /* 6 cycles each: context cache 3 + IOTLB 3 */
    g_assert_cmpuint(vtm_timing_hit_lat(t), ==, 6);
    g_assert_cmpuint(c.cycles, ==, res.latency + 7 * 6);
    g_assert_cmpuint(c.lat.n, ==, 8);
    g_assert_cmpuint(vtm_hist_percentile(&c.lat, 500), ==, 6);
    /* a fault adds nothing */
    res.fault.reason = VTM_FR_READ;
    vtm_counters_add_tlps(&c, &res, 5, 6);
    g_assert_cmpuint(c.translations, ==, 8);
    vtm_sim_free(sim);
}

/* An ATS endpoint: miss = translation request + round trip, then hits. */
static void test_devtlb_hit_miss(void)
{
    VTMCoreConfig cfg;
    VTMResult res;
    VTMSim *sim;
    VTMTiming *t;
    uint64_t lat, extra;

    vtm_core_default_config(&cfg);
    cfg.devtlb.latency = 2;
    sim = sim_new(&cfg);
    t = &vtm_sim_core(sim)->timing;

    g_assert_false(vtm_timing_devtlb_lookup(t, &cfg.devtlb, SID, IOVA,
                                            &lat));
    g_assert_cmpuint(lat, ==, 2);       /* the miss was looked up too */
    xlate(sim, SID, IOVA, 0, &res);     /* the translation request */
    extra = vtm_timing_devtlb_fill(t, SID, &res);
    g_assert_cmpuint(extra, ==, 500);   /* ats-rtt-lat */
    g_assert_true(vtm_timing_devtlb_lookup(t, &cfg.devtlb, SID,
                                           IOVA + 0x123, &lat));
    g_assert_cmpuint(lat, ==, 2);
    /* another endpoint's TLB does not have it */
    g_assert_false(vtm_timing_devtlb_lookup(t, &cfg.devtlb, SID2, IOVA,
                                            &lat));
    /* nor the next page */
    g_assert_false(vtm_timing_devtlb_lookup(t, &cfg.devtlb, SID,
                                            IOVA + 0x1000, &lat));
    /* the counters count translations (vtm_counters_add), not probes */
    g_assert_cmpuint(t->unit.devtlb_lookups, ==, 0);

    /* a disabled device-TLB always misses, costs nothing */
    cfg.devtlb.enable = false;
    g_assert_false(vtm_timing_devtlb_lookup(t, &cfg.devtlb, SID, IOVA,
                                            &lat));
    g_assert_cmpuint(lat, ==, 0);
    vtm_sim_free(sim);
}

static void fill(VTMSim *sim, VTMCoreConfig *cfg, uint16_t sid,
                 uint64_t iova)
{
    VTMTiming *t = &vtm_sim_core(sim)->timing;
    VTMResult res;
    uint64_t lat;

    if (!vtm_timing_devtlb_lookup(t, &cfg->devtlb, sid, iova, &lat)) {
        xlate(sim, sid, iova, 0, &res);
        vtm_timing_devtlb_fill(t, sid, &res);
    }
}

static bool cached(VTMSim *sim, VTMCoreConfig *cfg, uint16_t sid,
                   uint64_t iova)
{
    uint64_t lat;

    return vtm_timing_devtlb_lookup(&vtm_sim_core(sim)->timing,
                                    &cfg->devtlb, sid, iova, &lat);
}

/* Device-TLB invalidations drop exactly the entries they name. */
static void test_devtlb_invalidate(void)
{
    VTMCoreConfig cfg;
    VTMSim *sim;
    VTMTiming *t;
    unsigned i;

    vtm_core_default_config(&cfg);
    sim = sim_new(&cfg);
    t = &vtm_sim_core(sim)->timing;
    for (i = 0; i < 8; i++) {
        fill(sim, &cfg, SID, IOVA + i * 0x1000);
        fill(sim, &cfg, SID2, IOVA + i * 0x1000);
    }
    /* one page of SID */
    g_assert_cmpuint(vtm_timing_devtlb_invalidate(t, SID, IOVA + 0x3000,
                                                  false), ==, 1);
    g_assert_false(cached(sim, &cfg, SID, IOVA + 0x3000));
    g_assert_true(cached(sim, &cfg, SID2, IOVA + 0x3000));
    g_assert_true(cached(sim, &cfg, SID, IOVA + 0x2000));
    /* S=1, ADDR[12] set: 2^(1+1) pages from IOVA + 0x4000 */
    g_assert_cmpuint(vtm_timing_devtlb_invalidate(t, SID, IOVA + 0x5000,
                                                  true), ==, 4);
    for (i = 4; i < 8; i++) {
        g_assert_false(cached(sim, &cfg, SID, IOVA + i * 0x1000));
    }
    g_assert_true(cached(sim, &cfg, SID, IOVA + 0x1000));
    /* S=1 with every ADDR bit set: all of SID2 */
    g_assert_cmpuint(vtm_timing_devtlb_invalidate(t, SID2,
                                                  ~0xfffULL, true), ==, 8);
    g_assert_false(cached(sim, &cfg, SID2, IOVA));
    g_assert_true(cached(sim, &cfg, SID, IOVA));
    /* reset empties it */
    vtm_timing_reset(t);
    g_assert_false(cached(sim, &cfg, SID, IOVA));
    vtm_sim_free(sim);
}

/* Its capacity is devtlb-entries: LRU within a set. */
static void test_devtlb_capacity(void)
{
    VTMCoreConfig cfg;
    VTMSim *sim;
    unsigned i;

    vtm_core_default_config(&cfg);
    cfg.devtlb.entries = 4;
    cfg.devtlb.ways = 4;
    sim = sim_new(&cfg);
    for (i = 0; i < 4; i++) {
        fill(sim, &cfg, SID, IOVA + i * 0x1000);
    }
    g_assert_true(cached(sim, &cfg, SID, IOVA));    /* now most recent */
    fill(sim, &cfg, SID, IOVA + 0x10000);           /* evicts page 1 */
    g_assert_false(cached(sim, &cfg, SID, IOVA + 0x1000));
    g_assert_true(cached(sim, &cfg, SID, IOVA));
    g_assert_true(cached(sim, &cfg, SID, IOVA + 0x10000));
    vtm_sim_free(sim);
}

/* A device-TLB invalidation descriptor applied by the core reaches it. */
static void test_devtlb_core_invalidate(void)
{
    VTMCoreConfig cfg;
    VTMInvOp op = { .type = VTM_INV_DEVTLB };
    VTMSim *sim;

    vtm_core_default_config(&cfg);
    sim = sim_new(&cfg);
    fill(sim, &cfg, SID, IOVA);
    fill(sim, &cfg, SID, IOVA + 0x1000);
    op.devtlb.sid = SID;
    op.devtlb.addr = IOVA + 0x1000;
    vtm_core_invalidate(vtm_sim_core(sim), &op);
    g_assert_cmpuint(vtm_sim_core(sim)->stats.inv_devtlb, ==, 1);
    g_assert_false(cached(sim, &cfg, SID, IOVA + 0x1000));
    g_assert_true(cached(sim, &cfg, SID, IOVA));
    vtm_sim_free(sim);
}

static void ats_xlate(VTMSim *sim, uint64_t iova, bool ats, VTMResult *res)
{
    /* far apart: none waits for the unit */
    static uint64_t time;
    VTMRequest req = {
        .sid = SID, .addr = iova, .ats = ats, .time = time += 100000,
    };

    g_assert_true(vtm_sim_map(sim, DID, 4, iova & ~0xfffULL, 1));
    vtm_core_translate(vtm_sim_core(sim), &req, res, NULL);
    g_assert_cmpuint(res->fault.reason, ==, VTM_FR_NONE);
}

/*
 * Through the core, as the device's translate hook drives it: an ATS
 * endpoint's DMA is a translation request on a device-TLB miss (the
 * unit's cost plus the lookup and the round trip) and costs only the
 * lookup on a hit, which the unit's caches never see.
 */
static void test_devtlb_core_path(void)
{
    VTMCoreConfig cfg;
    VTMSim *sim, *ref;
    VTMCore *c;
    VTMResult res, base;
    uint64_t iotlb_lookups;

    vtm_core_default_config(&cfg);
    cfg.devtlb.latency = 2;
    ref = sim_new(&cfg);
    cfg.dt_supported = true;
    sim = sim_new(&cfg);
    c = vtm_sim_core(sim);

    ats_xlate(ref, IOVA, false, &base);             /* cold, no ATS */
    ats_xlate(sim, IOVA, true, &res);
    g_assert_true(res.how.devtlb_lookup && !res.how.devtlb_hit);
    g_assert_true(res.how.walked);
    g_assert_cmpuint(res.latency, ==, base.latency + 2 + 500);

    iotlb_lookups = c->timing.unit.iotlb_lookups;
    ats_xlate(sim, IOVA + 0x80, true, &res);
    g_assert_true(res.how.devtlb_hit);
    g_assert_false(res.how.iotlb_lookup || res.how.walked);
    g_assert_cmpuint(res.latency, ==, 2);
    g_assert_cmphex(res.translated, ==, base.translated);
    g_assert_cmpuint(c->timing.unit.iotlb_lookups, ==, iotlb_lookups);
    g_assert_cmpuint(c->timing.unit.devtlb_lookups, ==, 2);
    g_assert_cmpuint(c->timing.unit.devtlb_hits, ==, 1);
    g_assert_cmpuint(c->timing.unit.translations, ==, 2);

    /* a device-TLB invalidation: a translation request again, IOTLB hit */
    vtm_core_invalidate(c, &(VTMInvOp) {
        .type = VTM_INV_DEVTLB, .devtlb = { .sid = SID, .addr = IOVA },
    });
    ats_xlate(sim, IOVA, true, &res);
    g_assert_true(res.how.devtlb_lookup && !res.how.devtlb_hit);
    g_assert_true(res.how.iotlb_hit);
    g_assert_cmpuint(res.latency, ==,
                     vtm_timing_hit_lat(&c->timing) + 2 + 500);

    /* without ECAP.DT (ref) the flag is ignored */
    ats_xlate(ref, IOVA, true, &res);
    g_assert_false(res.how.devtlb_lookup);
    vtm_sim_free(ref);
    vtm_sim_free(sim);
}

/*
 * A record of a device-TLB hit and of a miss (version 3's DT column)
 * reads back as written, and replays to the same cycles.
 */
static void test_devtlb_record(void)
{
    VTMCoreConfig cfg;
    VTMSim *sim, *replay;
    VTMResult res[2], again;
    VTMRecord rec, back;
    VTMRequest req = { .sid = SID, .addr = IOVA, .ats = true };
    char line[VTM_RECORD_LINE_MAX];
    unsigned i;

    vtm_core_default_config(&cfg);
    cfg.dt_supported = true;
    sim = sim_new(&cfg);
    cfg.dt_supported = false;           /* the replay learns it */
    replay = sim_new(&cfg);
    for (i = 0; i < 2; i++) {
        ats_xlate(sim, IOVA, true, &res[i]);
        req.time = 0;
        vtm_record_xlate(&rec, &req, &res[i]);
        vtm_record_format(line, &rec);
        g_assert_null(vtm_record_parse(line, &back));
        g_assert_true(back.how.devtlb_lookup);
        g_assert_cmpint(back.how.devtlb_hit, ==, i == 1);
        g_assert_cmpuint(back.latency, ==, res[i].latency);
        g_assert_true(vtm_sim_replay(replay, &back, &again));
        g_assert_cmpuint(again.latency, ==, res[i].latency);
        g_assert_cmpint(again.how.devtlb_hit, ==, i == 1);
    }
    vtm_sim_free(replay);
    vtm_sim_free(sim);
}

/* The new parameters by name, once each, checked when set. */
static void test_params(void)
{
    VTMCoreConfig cfg;
    char *err;
    unsigned i, j;

    for (i = 0; i < vtm_nparams; i++) {
        for (j = i + 1; j < vtm_nparams; j++) {
            g_assert_cmpstr(vtm_params[i].name, !=, vtm_params[j].name);
        }
    }
    vtm_core_default_config(&cfg);
    g_assert_null(vtm_param_set(&cfg, "max-read-req", "4096"));
    g_assert_null(vtm_param_set(&cfg, "max-payload", "128"));
    g_assert_null(vtm_param_set(&cfg, "ats-rtt-lat", "750"));
    g_assert_cmpuint(cfg.timing.max_read_req, ==, 4096);
    g_assert_cmpuint(cfg.timing.max_payload, ==, 128);
    g_assert_cmpuint(cfg.timing.ats_rtt_lat, ==, 750);
    cfg.haw = 48;
    g_assert_null(vtm_core_config_error(&cfg));
    err = vtm_param_set(&cfg, "max-payload", "300");
    g_assert_null(err);         /* a number: the range is checked later */
    g_assert_nonnull(strstr(vtm_core_config_error(&cfg), "'max-payload'"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/devtlb/params", test_params);
    g_test_add_func("/vtm/devtlb/tlps", test_tlps);
    g_test_add_func("/vtm/devtlb/counters-per-tlp", test_counters_per_tlp);
    g_test_add_func("/vtm/devtlb/hit-miss", test_devtlb_hit_miss);
    g_test_add_func("/vtm/devtlb/invalidate", test_devtlb_invalidate);
    g_test_add_func("/vtm/devtlb/capacity", test_devtlb_capacity);
    g_test_add_func("/vtm/devtlb/core-invalidate",
                    test_devtlb_core_invalidate);
    g_test_add_func("/vtm/devtlb/core-path", test_devtlb_core_path);
    g_test_add_func("/vtm/devtlb/record", test_devtlb_record);
    return g_test_run();
}
