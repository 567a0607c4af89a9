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
    g_assert_cmpuint(t->unit.devtlb_lookups, ==, 4);
    g_assert_cmpuint(t->unit.devtlb_hits, ==, 1);

    /* a disabled device-TLB always misses, costs nothing */
    cfg.devtlb.enable = false;
    g_assert_false(vtm_timing_devtlb_lookup(t, &cfg.devtlb, SID, IOVA,
                                            &lat));
    g_assert_cmpuint(lat, ==, 0);
    g_assert_cmpuint(t->unit.devtlb_lookups, ==, 4);
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
    return g_test_run();
}
