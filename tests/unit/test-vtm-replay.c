/*
 * Unit tests of the record format and of replay: a stream recorded from
 * one unit and replayed into another with the same parameters does the
 * same thing, translation for translation, cycle for cycle.  The streams
 * are a synthetic one (several requesters, page sizes, faults,
 * invalidations) and a small one recorded by vtm-iommu in QEMU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-params.h"
#include "vtm-sim.h"

static void test_format_xlate(void)
{
    VTMRecord r = {
        .kind = VTM_REC_XLATE, .time = 123456789012ULL, .sid = 0x3a2d,
        .iova = 0xfedcba987654ULL, .size = 64, .is_write = true,
        .has_did = true, .did = 513, .fault = 0, .latency = 290,
        .how = {
            .ctx_lookup = true, .ctx_hit = true, .iotlb_lookup = true,
            .walked = true, .psc_lookup = true, .psc_hit = 2,
            .pt_reads = 1, .levels = 4, .leaf_level = 2,
        },
    };
    char buf[VTM_RECORD_LINE_MAX];
    g_autofree char *err = NULL;
    VTMRecord p;

    vtm_record_format(buf, &r);
    g_assert_cmpstr(buf, ==, "t 123456789012 3a:05.5 - 0xfedcba987654 64 w "
                    "513 4 2m h m 2 0 1 0 290\n");
    err = vtm_record_parse(buf, &p);
    g_assert_null(err);
    g_assert_cmpuint(p.kind, ==, VTM_REC_XLATE);
    g_assert_cmpuint(p.time, ==, r.time);
    g_assert_cmpuint(p.sid, ==, r.sid);
    g_assert_cmphex(p.iova, ==, r.iova);
    g_assert_cmpuint(p.size, ==, 64);
    g_assert_true(p.is_write && p.has_did);
    g_assert_cmpuint(p.did, ==, 513);
    g_assert_cmpuint(p.latency, ==, 290);
    g_assert_true(p.how.ctx_hit && p.how.iotlb_lookup && !p.how.iotlb_hit);
    g_assert_true(p.how.walked);
    g_assert_cmpuint(p.how.psc_hit, ==, 2);
    g_assert_cmpuint(p.how.pt_reads, ==, 1);
    g_assert_cmpuint(p.how.leaf_level, ==, 2);

    /* a context fault: no domain, no leaf */
    r = (VTMRecord) { .kind = VTM_REC_XLATE, .sid = 8, .fault = 2,
                      .how = { .ctx_lookup = true, .ctx_reads = 2 } };
    vtm_record_format(buf, &r);
    g_assert_cmpstr(buf, ==, "t 0 00:01.0 - 0x0 0 r - 0 - m - - 2 0 2 0\n");
    g_assert_null(vtm_record_parse(buf, &p));
    g_assert_false(p.has_did);
    g_assert_cmpuint(p.fault, ==, 2);
}

static void test_format_inv(void)
{
    static const VTMInvOp ops[] = {
        { .type = VTM_INV_CC, .cc = { .gran = 3, .did = 7, .sid = 0x0120,
                                      .fm = 2 } },
        { .type = VTM_INV_IOTLB, .iotlb = { .gran = 3, .did = 9,
                                            .addr = 0x7000, .am = 4,
                                            .ih = true } },
        { .type = VTM_INV_DEVTLB },
        { .type = VTM_INV_IEC },
        { .type = VTM_INV_WAIT },
    };
    static const char *const lines[] = {
        "i 5 cc 3 7 01:04.0 2\n", "i 5 iotlb 3 9 0x7000 4 1\n",
        "i 5 devtlb\n", "i 5 iec\n", "i 5 wait\n",
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(ops); i++) {
        char buf[VTM_RECORD_LINE_MAX];
        VTMRecord r, p;

        vtm_record_inv(&r, 5, &ops[i]);
        vtm_record_format(buf, &r);
        g_assert_cmpstr(buf, ==, lines[i]);
        g_assert_null(vtm_record_parse(buf, &p));
        g_assert_cmpuint(p.kind, ==, VTM_REC_INV);
        g_assert_cmpuint(p.inv.type, ==, ops[i].type);
        g_assert_true(!memcmp(&p.inv.cc, &ops[i].cc, sizeof(VTMInvCC)) ||
                      ops[i].type != VTM_INV_CC);
        if (ops[i].type == VTM_INV_IOTLB) {
            g_assert_cmphex(p.inv.iotlb.addr, ==, 0x7000);
            g_assert_cmpuint(p.inv.iotlb.am, ==, 4);
            g_assert_true(p.inv.iotlb.ih);
        }
    }
}

static void test_parse_errors(void)
{
    static const char *const bad[] = {
        "t 1 00:01.0 - 0x1000 0 r 1 4 4k h h - 0 0 0",      /* short */
        "t 1 00:41.0 - 0x1000 0 r 1 4 4k h h - 0 0 0 6",    /* dev 0x41 */
        "t 1 00:01.0 - 0x1000 0 x 1 4 4k h h - 0 0 0 6",    /* rw */
        "t 1 00:01.0 - 0x1000 0 r 1 4 8k h h - 0 0 0 6",    /* leaf */
        "t x 00:01.0 - 0x1000 0 r 1 4 4k h h - 0 0 0 6",    /* time */
        "i 1 iotlb 3 1 0x1000",                             /* short */
        "i 1 flush",
        "q 1",
    };
    VTMRecord r;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autofree char *err = vtm_record_parse(bad[i], &r);

        g_test_message("%s: %s", bad[i], err);
        g_assert_nonnull(err);
    }
    g_assert_null(vtm_record_parse("# a comment\n", &r));
    g_assert_cmpuint(r.kind, ==, VTM_REC_NONE);
    g_assert_null(vtm_record_parse("", &r));
    g_assert_cmpuint(vtm_record_parse_header(
        "# vtm-record 1 clock-mhz=1500\n"), ==, 1500);
}

/* Replays the lines into a fresh unit; every translation must match. */
static void replay_and_compare(const VTMCoreConfig *cfg, char **lines,
                               unsigned expect_xlates)
{
    VTMSim *sim = vtm_sim_new(cfg);
    unsigned n = 0, i;

    for (i = 0; lines[i]; i++) {
        g_autofree char *err = NULL;
        VTMRecord rec;
        VTMResult res;

        err = vtm_record_parse(lines[i], &rec);
        g_assert_null(err);
        g_assert_true(vtm_sim_replay(sim, &rec, &res));
        if (rec.kind != VTM_REC_XLATE) {
            continue;
        }
        n++;
        if (res.latency != rec.latency ||
            res.fault.reason != rec.fault ||
            res.how.pt_reads != rec.how.pt_reads ||
            res.how.psc_hit != rec.how.psc_hit ||
            res.how.ctx_hit != rec.how.ctx_hit ||
            !!res.how.iotlb_hit != !!rec.how.iotlb_hit) {
            g_error("line %u '%s': replayed %" PRIu64 " cycles fault %u "
                    "reads %u psc %u", i + 1, lines[i], res.latency,
                    res.fault.reason, res.how.pt_reads, res.how.psc_hit);
        }
    }
    g_assert_cmpuint(n, ==, expect_xlates);
    vtm_sim_free(sim);
}

/* A synthetic stream ------------------------------------------------- */

typedef struct Gen {
    VTMSim *sim;
    GString *out;
    uint64_t rng;
    uint64_t time;
} Gen;

static const struct {
    uint16_t sid, did;
    unsigned levels;            /* 0: pass-through */
    unsigned leaf;              /* page size of its mappings */
} gen_sids[] = {
    { 0x0008, 1, 4, 1 },
    { 0x0101, 1, 4, 1 },        /* shares domain 1 */
    { 0x0010, 2, 3, 2 },        /* 2 MiB pages */
    { 0x0018, 3, 0, 0 },
};

#define GEN_BASE        0x0000004000000000ULL
#define GEN_FAULT_LEAF  0x0000000040000000ULL   /* leaves not present */
#define GEN_FAULT_TOP   0x0000008000000000ULL   /* never mapped */

static uint64_t gen_rand(Gen *g, uint64_t n)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) % n;
}

static void gen_emit(Gen *g, const VTMRecord *r)
{
    char buf[VTM_RECORD_LINE_MAX];

    vtm_record_format(buf, r);
    g_string_append(g->out, buf);
}

static void gen_invalidate(Gen *g)
{
    VTMInvOp op = { .type = VTM_INV_IOTLB };
    VTMRecord r;

    switch (gen_rand(g, 6)) {
    case 0:
        op.iotlb.gran = VTM_INV_PAGE;
        op.iotlb.did = 1;
        op.iotlb.am = gen_rand(g, 3);
        op.iotlb.ih = gen_rand(g, 2);
        op.iotlb.addr = (GEN_BASE + gen_rand(g, 512) * VTM_PAGE_SIZE) &
                        ~((VTM_PAGE_SIZE << op.iotlb.am) - 1);
        break;
    case 1:
        op.iotlb.gran = VTM_INV_DOMAIN;
        op.iotlb.did = 1 + gen_rand(g, 2);
        break;
    case 2:
        op.iotlb.gran = VTM_INV_GLOBAL;
        break;
    case 3:
        op = (VTMInvOp) {
            .type = VTM_INV_CC, .cc = { .gran = VTM_INV_GLOBAL },
        };
        break;
    case 4:
        op = (VTMInvOp) {
            .type = VTM_INV_CC,
            .cc = { .gran = VTM_INV_DEVICE,
                    .sid = gen_sids[gen_rand(g, 4)].sid },
        };
        break;
    default:
        op.type = VTM_INV_WAIT;
        break;
    }
    vtm_core_set_time(vtm_sim_core(g->sim), g->time);
    vtm_core_invalidate(vtm_sim_core(g->sim), &op);
    vtm_record_inv(&r, g->time, &op);
    gen_emit(g, &r);
}

static void gen_translate(Gen *g)
{
    unsigned k = gen_rand(g, ARRAY_SIZE(gen_sids));
    unsigned kind = gen_rand(g, 20);
    VTMRequest req = {
        .sid = gen_sids[k].sid, .is_write = gen_rand(g, 2),
        .time = g->time,
    };
    unsigned leaf = MAX(gen_sids[k].leaf, 1);
    unsigned levels = gen_sids[k].levels;
    VTMResult res;
    VTMRecord r;

    req.addr = GEN_BASE + (gen_rand(g, 256) << (12 + 9 * (leaf - 1))) +
               gen_rand(g, 64) * 64;
    if (levels && kind == 0 && levels == 4) {
        req.addr = GEN_FAULT_TOP + gen_rand(g, 64) * VTM_PAGE_SIZE;
    } else if (levels && kind == 1) {
        req.addr = GEN_FAULT_LEAF + gen_rand(g, 64) * VTM_PAGE_SIZE;
        g_assert_true(vtm_sim_unmap(g->sim, gen_sids[k].did, levels,
                                    req.addr, 1));
    } else if (levels) {
        g_assert_true(vtm_sim_map(g->sim, gen_sids[k].did, levels,
                                  req.addr, leaf));
    }
    vtm_core_translate(vtm_sim_core(g->sim), &req, &res, NULL);
    g_assert_cmpuint(res.fault.reason == VTM_FR_NONE, ==, kind > 1 || !levels ||
                     (kind == 0 && levels != 4));
    vtm_record_xlate(&r, &req, &res);
    gen_emit(g, &r);
}

static void test_synthetic(void)
{
    static const char *const params[] = {
        "iotlb-entries", "32", "iotlb-ways", "4", "psc-l2-entries", "8",
        "psc-l2-ways", "2", "ptw-slots", "2", "iotlb-policy", "random",
        NULL,
    };
    g_auto(GStrv) lines = NULL;
    VTMCoreConfig cfg;
    unsigned i, j, nx = 0;
    Gen g = { .rng = 42 };

    vtm_core_default_config(&cfg);
    for (i = 0; params[i]; i += 2) {
        g_autofree char *err = vtm_param_set(&cfg, params[i], params[i + 1]);

        g_assert_null(err);
    }
    g.sim = vtm_sim_new(&cfg);
    g.out = g_string_new(NULL);
    for (j = 0; j < ARRAY_SIZE(gen_sids); j++) {
        vtm_sim_set_context(g.sim, gen_sids[j].sid, gen_sids[j].did,
                            gen_sids[j].levels);
    }
    for (i = 0; i < 5000; i++) {
        /* a third arrive together: walks contend for the two slots */
        g.time += gen_rand(&g, 3) ? gen_rand(&g, 600) : 0;
        if (gen_rand(&g, 100) < 3) {
            gen_invalidate(&g);
        } else {
            gen_translate(&g);
            nx++;
        }
    }
    g_assert_cmpuint(vtm_sim_core(g.sim)->timing.unit.queue_cycles, >, 0);
    vtm_sim_free(g.sim);
    lines = g_strsplit(g.out->str, "\n", -1);
    g_string_free(g.out, true);
    replay_and_compare(&cfg, lines, nx);
}

/*
 * The start of a Linux 6.12 boot on vtm-iommu with default parameters
 * (scripts/guest/run.sh boot,block with VTM_OPTS=record=FILE): NVMe and
 * virtio-blk DMA, the driver's context-cache, IOTLB, IEC and wait
 * requests.  Replayed with the same parameters, it must do exactly what
 * it did in QEMU.
 */
static void test_guest_record(void)
{
    g_autofree char *path = g_build_filename(VTM_TEST_DATA,
                                             "vtm-guest-boot.rec", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    VTMCoreConfig cfg;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpuint(vtm_record_parse_header(text), ==, 1000);
    lines = g_strsplit(text, "\n", -1);
    vtm_core_default_config(&cfg);
    replay_and_compare(&cfg, lines, 192);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/replay/format-xlate", test_format_xlate);
    g_test_add_func("/vtm/replay/format-inv", test_format_inv);
    g_test_add_func("/vtm/replay/parse-errors", test_parse_errors);
    g_test_add_func("/vtm/replay/synthetic", test_synthetic);
    g_test_add_func("/vtm/replay/guest-record", test_guest_record);
    return g_test_run();
}
