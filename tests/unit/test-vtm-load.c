/*
 * Unit tests of the throughput engine (tools/vtm-load.c) against closed
 * forms: a fixed latency and one stream (rate = 1 / latency), N streams
 * (N / latency), the link bound (1 / wire time), the walker bound
 * (ptw-slots / walk time), and the split of a request into PCIe
 * transactions, whose first to a page walks and the others hit.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <math.h>
#include "vtm-params.h"
#include "vtm-load.h"

/* Relative tolerance of an exact closed form: rounding only */
#define EXACT       (1.0 / 1000000000)

/* Fixed latency per transaction, or a miss through a VTMTiming. */
typedef struct Fixed {
    uint64_t cycles;
    VTMTiming *timing;          /* when set: every transaction walks */
    uint64_t calls;
} Fixed;

static uint64_t fixed_addr(void *opaque, uint64_t i)
{
    return i * 64;
}

static uint64_t fixed_xlate(void *opaque, uint64_t addr, bool is_write,
                            uint64_t time)
{
    Fixed *f = opaque;
    VTMOutcome o = { .iotlb_lookup = true, .walked = true, .pt_reads = 1 };
    uint64_t queued;

    f->calls++;
    if (f->timing) {
        return vtm_timing_charge(f->timing, time, &o, &queued);
    }
    return f->cycles;
}

static void params_init(VTMLoadParams *p, unsigned outstanding)
{
    memset(p, 0, sizeof(*p));
    p->outstanding = outstanding;
    p->clock_mhz = 1000;            /* cycles are ns */
    p->size = 64;
    p->count = 100000;
    vtm_link_default(&p->link);
    p->link.gbps = 0;               /* no link limit unless a test sets it */
}

static void run_fixed(const VTMLoadParams *p, Fixed *f, VTMLoadResult *r)
{
    VTMLoadOps ops = {
        .addr = fixed_addr, .xlate = fixed_xlate, .opaque = f,
    };

    g_assert_null(vtm_load_params_error(p));
    g_assert_true(vtm_load_run(p, &ops, r));
    g_assert_cmpuint(r->requests, ==, p->count);
}

static void assert_near(double got, double want, double rel)
{
    if (fabs(got - want) > rel * fabs(want)) {
        g_error("got %.6g, want %.6g (within %.3g%%)", got, want, 100 * rel);
    }
}

/* One request in flight, fixed latency: rate = 1 / latency exactly. */
static void test_one_slot(void)
{
    Fixed f = { .cycles = 400 };
    VTMLoadParams p;
    VTMLoadResult r;

    params_init(&p, 1);
    p.base_ns = 600;
    run_fixed(&p, &f, &r);
    assert_near(r.mrps, 1000.0 / 1000, EXACT);
    assert_near(r.lat_mean_ns, 1000, EXACT);
    assert_near(r.gbps, 0.512, EXACT);   /* 1 M/s of 512 bits */
    g_assert_cmpuint(f.calls, ==, p.count);
}

/* N in flight, no other limit: N / latency. */
static void test_window_bound(void)
{
    Fixed f = { .cycles = 500 };
    VTMLoadParams p;
    VTMLoadResult r;

    params_init(&p, 32);
    p.warmup = 32 * 10;
    run_fixed(&p, &f, &r);
    assert_near(r.mrps, 32 * 1000.0 / 500, EXACT);
    assert_near(r.window_mrps, r.mrps, EXACT);
}

/*
 * Many in flight, a short latency: the link decides.  64-byte reads on
 * PCIe Gen3 x8: 64 + 20 bytes of completion per request at 57.88 Gb/s,
 * 86.1 M/s, as pcie-model's bw_calc.dat says for 64 B reads.
 */
static void test_link_bound(void)
{
    Fixed f = { .cycles = 0 };
    VTMLoadParams p;
    VTMLoadResult r;
    double wire = (64 + 20) * 8 / VTM_LINK_GEN3X8_GBPS;

    params_init(&p, 64);
    vtm_link_default(&p.link);
    p.base_ns = 600;
    p.count = 1000000;
    run_fixed(&p, &f, &r);
    assert_near(r.link_mrps, 1000 / wire, EXACT);
    assert_near(r.link_mrps, 86.138, 0.0001);
    /* (count - 1) wire times and one latency */
    assert_near(r.mrps, 1000 / wire, 0.001);
    g_assert_cmpfloat(r.wait_ns, >, 0);
    /* and a long latency with few in flight: the window again */
    f.cycles = 2000;
    params_init(&p, 8);
    vtm_link_default(&p.link);
    p.warmup = 80;
    run_fixed(&p, &f, &r);
    /* staggered by the link by one wire time at most */
    assert_near(r.mrps, 8 * 1000.0 / 2000, 0.0001);
}

/* Every transaction walks: ptw-slots / walk time. */
static void test_walker_bound(void)
{
    VTMCacheParams none[VTM_MAX_LEVELS + 1] = { 0 };
    VTMTimingParams tp;
    VTMTiming t;
    Fixed f = { .timing = &t };
    VTMLoadParams p;
    VTMLoadResult r;
    static const unsigned slots[] = { 1, 4, 6 };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(slots); i++) {
        vtm_timing_default_params(&tp);
        tp.ptw_slots = slots[i];
        tp.ptw_mem_lat = 280;
        vtm_timing_init(&t, &tp, &none[0], &none[0], none, &none[0]);
        params_init(&p, 64);
        p.base_ns = 600;
        p.warmup = 10000;
        run_fixed(&p, &f, &r);
        assert_near(r.mrps, slots[i] * 1000.0 / 280, 0.001);
        /* the queue for the walker is in the latency */
        g_assert_cmpfloat(r.lat_mean_ns, >, 600 + 280);
        vtm_timing_destroy(&t);
    }
}

static void test_split(void)
{
    VTMLink l;
    uint64_t start[16], up, down;
    uint32_t len[16];
    unsigned n;

    vtm_link_default(&l);
    /* a read across a 4 KiB boundary: cut there, then at mrrs */
    n = vtm_link_split(&l, 0x0f00, 1000, false, start, len, 16);
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmphex(start[0], ==, 0x0f00);
    g_assert_cmpuint(len[0], ==, 256);
    g_assert_cmphex(start[1], ==, 0x1000);
    g_assert_cmpuint(len[1], ==, 512);
    g_assert_cmpuint(len[2], ==, 232);
    /* its completions: 256 | 256 256 | 232 at max-payload 256 */
    vtm_link_wire_bytes(&l, 0x0f00, 1000, false, &up, &down);
    g_assert_cmpuint(up, ==, 3 * 24);
    g_assert_cmpuint(down, ==, 1000 + 4 * 20);
    /* a write goes out at max-payload */
    n = vtm_link_split(&l, 0, 1024, true, start, len, 16);
    g_assert_cmpuint(n, ==, 4);
    vtm_link_wire_bytes(&l, 0, 1024, true, &up, &down);
    g_assert_cmpuint(up, ==, 1024 + 4 * 24);
    g_assert_cmpuint(down, ==, 0);
    l.mrrs = 100;
    g_assert_nonnull(vtm_link_error(&l));
}

/*
 * A 4 KiB read at max-read-request 512 is 8 transactions to one page:
 * the first misses the IOTLB and walks, the other 7 hit; the request
 * takes as long as its walk.
 */
static void test_per_transaction(void)
{
    VTMSimPattern pat = {
        .base = 1ULL << 32, .window = 64 << 20, .leaf_level = 1,
        .levels = 4, .seed = 1,
    };
    VTMCoreConfig cfg;
    VTMLoadParams p;
    VTMLoadResult r;
    VTMSim *sim;
    const VTMCounters *c;

    vtm_core_default_config(&cfg);
    cfg.haw = 48;
    cfg.iotlb.entries = 8;          /* a 64 MiB window always misses */
    cfg.iotlb.ways = 8;
    sim = vtm_sim_new(&cfg);
    params_init(&p, 1);
    p.size = 4096;
    p.count = 2000;
    p.warmup = 100;
    g_assert_true(vtm_load_run_sim(sim, &pat, &p, &r));
    c = &r.iommu.ctr;
    g_assert_cmpuint(r.tlps, ==, 8 * p.count);
    g_assert_cmpuint(c->translations, ==, 8 * p.count);
    g_assert_cmpuint(c->iotlb_lookups, ==, 8 * p.count);
    /* a random page of 16384 is rarely among the 8 cached */
    g_assert_cmpuint(vtm_counters_iotlb_hits(c), >=, 7 * p.count);
    g_assert_cmpuint(vtm_counters_iotlb_hits(c), <, 7 * p.count + 20);
    g_assert_cmpuint(r.iommu.p50, >, 280);
    vtm_sim_free(sim);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/load/one-slot", test_one_slot);
    g_test_add_func("/vtm/load/window-bound", test_window_bound);
    g_test_add_func("/vtm/load/link-bound", test_link_bound);
    g_test_add_func("/vtm/load/walker-bound", test_walker_bound);
    g_test_add_func("/vtm/load/split", test_split);
    g_test_add_func("/vtm/load/per-transaction", test_per_transaction);
    return g_test_run();
}
