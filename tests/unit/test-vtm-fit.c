/*
 * Unit tests of the calibration (tools/vtm-fit.c): the dataset parser,
 * and the fit recovering known parameters from a dataset that the model
 * itself generated, from a start away from them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <math.h>
#include "vtm-fit.h"

static void test_parse(void)
{
    g_autoptr(GArray) pts = g_array_new(false, false, sizeof(VTMFitPoint));
    static const char good[] =
        "# a comment\n"
        "window,size,outstanding,latency_ns,latency_mean_ns,mtps,gbps\n"
        "8192,64,1,600.0,611.5,,\n"
        "\n"
        "1572864.0,64,,,,19.25,\n"
        "65536,128,,,,,10.24\n";
    VTMFitPoint *p;
    char *err;

    g_assert_null(vtm_fit_parse_csv("good", good, pts));
    g_assert_cmpuint(pts->len, ==, 3);
    p = &g_array_index(pts, VTMFitPoint, 0);
    g_assert_cmpuint(p[0].window, ==, 8192);
    g_assert_cmpuint(p[0].size, ==, 64);
    g_assert_cmpuint(p[0].outstanding, ==, 1);
    g_assert_cmpfloat(p[0].median_ns, ==, 600.0);
    g_assert_cmpfloat(p[0].mean_ns, ==, 611.5);
    g_assert_true(isnan(p[0].mtps));
    g_assert_cmpuint(p[1].window, ==, 1572864);
    g_assert_cmpuint(p[1].outstanding, ==, 0);
    g_assert_true(isnan(p[1].median_ns));
    g_assert_cmpfloat(p[1].mtps, ==, 19.25);
    /* gbps without mtps: 10.24 Gb/s of 128-byte requests = 10 M/s */
    g_assert_cmpfloat(fabs(p[2].mtps - 10.0), <, 0.000001);

    err = vtm_fit_parse_csv("x", "window,size,latency\n", pts);
    g_assert_nonnull(strstr(err, "unknown column 'latency'"));
    g_free(err);
    err = vtm_fit_parse_csv("x", "window,size\n4096,abc\n", pts);
    g_assert_nonnull(strstr(err, "x:2: bad number 'abc'"));
    g_free(err);
    err = vtm_fit_parse_csv("x", "window,size\n4096,8192\n", pts);
    g_assert_nonnull(strstr(err, "x:2:"));
    g_free(err);
    err = vtm_fit_parse_csv("x", "window,size\n", pts);
    g_assert_nonnull(strstr(err, "no data lines"));
    g_free(err);
}

static void setup_init(VTMFitSetup *s)
{
    memset(s, 0, sizeof(*s));
    vtm_core_default_config(&s->cfg);
    vtm_link_default(&s->link);
    s->count = 20000;
    s->warmup_max = 20000;
    s->outstanding = 32;
    s->columns = VTM_FIT_LATENCY | VTM_FIT_BANDWIDTH;
}

static void set(VTMFitSetup *s, const char *name, uint32_t value)
{
    g_autofree char *err = vtm_fit_set(s, name, value);

    g_assert_null(err);
}

static uint32_t get(const VTMFitSetup *s, const char *name)
{
    uint32_t v;

    g_assert_true(vtm_fit_get(s, name, &v));
    return v;
}

/* pcie-bench's shape: latency alone, and bandwidth with many in flight */
static unsigned make_points(VTMFitPoint *pts)
{
    static const uint64_t windows[] = {
        64 << 10, 256 << 10, 512 << 10, 1 << 20, 2 << 20, 8 << 20, 32 << 20,
    };
    unsigned i, n = 0;

    for (i = 0; i < ARRAY_SIZE(windows); i++) {
        pts[n++] = (VTMFitPoint) {
            .window = windows[i], .size = 64, .outstanding = 1,
        };
        pts[n++] = (VTMFitPoint) { .window = windows[i], .size = 64 };
    }
    return n;
}

/*
 * The truth: a 96-entry IOTLB, a 280-cycle miss of which the walker
 * holds a slot 250 (4 slots: 16 M walks/s), 550 ns besides the IOMMU,
 * 24 requests in flight.  Its own outputs are the dataset.
 */
static void test_recover(void)
{
    VTMFitPoint pts[16];
    VTMFitSetup s;
    VTMFitErrors in, out;
    unsigned i, n = make_points(pts);
    double f;

    setup_init(&s);
    set(&s, "iotlb-entries", 96);
    set(&s, "ptw-mem-lat", 250);
    set(&s, "psc-l2-lat", 30);
    set(&s, "ptw-slots", 4);
    set(&s, "dma-base-ns", 550);
    set(&s, "outstanding", 24);
    g_assert_cmpfloat(vtm_fit_eval(&s, pts, n), ==, 0);  /* nothing yet */
    for (i = 0; i < n; i++) {
        if (pts[i].outstanding) {
            pts[i].median_ns = pts[i].m_median_ns;
            pts[i].mean_ns = pts[i].m_mean_ns;
        } else {
            pts[i].mtps = pts[i].m_mtps;
        }
    }
    /*
     * The walker bounds the largest window: 16 M walks/s, a little less
     * as some walks miss the PSC too (2 reads)
     */
    g_assert_cmpfloat(pts[n - 1].mtps, <=, 16.0);
    g_assert_cmpfloat(pts[n - 1].mtps, >, 14.0);

    /* start away from the truth: the defaults, 32 in flight */
    setup_init(&s);
    f = vtm_fit_eval(&s, pts, n);
    g_assert_cmpfloat(f, >, 0.1);
    f = vtm_fit_staged(&s, pts, n, NULL);
    g_test_message("recovered: base %u, iotlb %u, mem %u, psc %u, slots %u,"
                   " outstanding %u; objective %g",
                   get(&s, "dma-base-ns"), get(&s, "iotlb-entries"),
                   get(&s, "ptw-mem-lat"), get(&s, "psc-l2-lat"),
                   get(&s, "ptw-slots"), get(&s, "outstanding"), f);
    g_assert_cmpint(abs((int)get(&s, "dma-base-ns") - 550), <=, 2);
    g_assert_cmpint(abs((int)get(&s, "iotlb-entries") - 96), <=, 8);
    g_assert_cmpint(abs((int)(get(&s, "ptw-mem-lat") +
                              get(&s, "psc-l2-lat")) - 280), <=, 8);
    g_assert_cmpuint(get(&s, "ptw-slots"), ==, 4);
    g_assert_cmpint(abs((int)get(&s, "ptw-mem-lat") - 250), <=, 10);
    g_assert_cmpint(abs((int)get(&s, "outstanding") - 24), <=, 1);
    vtm_fit_errors(pts, n, s.columns, &in, &out);
    g_assert_cmpuint(in.n, ==, 21);
    g_assert_cmpuint(out.n, ==, 0);
    g_assert_cmpfloat(in.max, <, 0.03);
}

/* Latency only: bandwidth is then predicted, never fitted. */
static void test_latency_only(void)
{
    VTMFitPoint pts[16];
    VTMFitSetup s;
    VTMFitErrors in, out;
    unsigned n = make_points(pts), i;

    setup_init(&s);
    set(&s, "iotlb-entries", 64);
    vtm_fit_eval(&s, pts, n);
    for (i = 0; i < n; i++) {
        pts[i].median_ns = pts[i].outstanding ? pts[i].m_median_ns : NAN;
        pts[i].mean_ns = pts[i].outstanding ? pts[i].m_mean_ns : NAN;
        pts[i].mtps = pts[i].outstanding ? NAN : pts[i].m_mtps * 1.5;
    }
    setup_init(&s);
    s.columns = VTM_FIT_LATENCY;
    vtm_fit_staged(&s, pts, n, NULL);
    g_assert_cmpint(abs((int)get(&s, "iotlb-entries") - 64), <=, 8);
    g_assert_cmpuint(get(&s, "ptw-slots"), ==, 16);     /* untouched */
    vtm_fit_errors(pts, n, s.columns, &in, &out);
    g_assert_cmpuint(in.n, ==, 14);
    g_assert_cmpuint(out.n, ==, 7);
    /* the bandwidth made 1.5 times what the model gives is off by 1/3 */
    g_assert_cmpfloat(fabs(out.max - 1.0 / 3), <, 0.05);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/fit/parse", test_parse);
    g_test_add_func("/vtm/fit/recover", test_recover);
    g_test_add_func("/vtm/fit/latency-only", test_latency_only);
    return g_test_run();
}
