/*
 * Unit tests of the replay of scalable-mode records: a stream recorded
 * from a unit in scalable mode (first-stage, second-stage and
 * pass-through PASID entries, requests with and without PASID, the
 * PASID cache, first-stage PSCs and A/D updates, PASID-granular
 * invalidations) and replayed with vtm-sim into another unit with the
 * same parameters does the same thing, translation for translation,
 * cycle for cycle; so does the start of a Linux boot recorded by
 * vtm-iommu in scalable mode.  Sweeping cache sizes over that record
 * keeps LRU's inclusion property: a bigger fully associative cache never
 * misses more on the same stream.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-params.h"
#include "vtm-sim.h"
#include "vtm-testlib.h"
#include "vtm-enc-sm.h"

static void set_params(VTMCoreConfig *cfg, const char *const *kv)
{
    unsigned i;

    for (i = 0; kv && kv[i]; i += 2) {
        g_autofree char *err = vtm_param_set(cfg, kv[i], kv[i + 1]);

        g_assert_null(err);
    }
}

/*
 * Replays the lines into a fresh unit in scalable mode; every
 * translation must match.  Returns the unit's counters.
 */
static VTMCounters replay(const VTMCoreConfig *cfg, char **lines,
                          bool verify, unsigned *nx)
{
    VTMSim *sim = vtm_sim_new(cfg);
    VTMCounters ctr;
    unsigned i;

    vtm_sim_set_scalable(sim);
    *nx = 0;
    for (i = 0; lines[i]; i++) {
        g_autofree char *err = NULL;
        VTMRecord rec;
        VTMResult res;
        const VTMOutcome *a = &rec.how, *b = &res.how;

        err = vtm_record_parse(lines[i], &rec);
        g_assert_null(err);
        g_assert_true(vtm_sim_replay(sim, &rec, &res));
        if (rec.kind != VTM_REC_XLATE) {
            continue;
        }
        (*nx)++;
        if (verify &&
            (res.latency != rec.latency || res.fault.reason != rec.fault ||
             b->pt_reads != a->pt_reads || b->psc_hit != a->psc_hit ||
             b->ctx_hit != a->ctx_hit || b->ctx_reads != a->ctx_reads ||
             !!b->iotlb_hit != !!a->iotlb_hit ||
             b->pasid_lookup != a->pasid_lookup ||
             b->pasid_hit != a->pasid_hit ||
             b->pasid_reads != a->pasid_reads ||
             b->pt_writes != a->pt_writes || b->stage != a->stage)) {
            g_error("line %u '%s': replayed %" PRIu64 " cycles fault %x "
                    "stage %u pc %u/%u xreads %u reads %u psc %u adw %u",
                    i + 1, lines[i], res.latency, res.fault.reason,
                    b->stage, b->pasid_lookup, b->pasid_hit, b->pasid_reads,
                    b->pt_reads, b->psc_hit, b->pt_writes);
        }
    }
    ctr = vtm_sim_core(sim)->timing.unit;
    vtm_sim_free(sim);
    return ctr;
}

/* A synthetic scalable-mode stream ------------------------------------ */

typedef struct GenSid {
    uint16_t sid, did;
    uint32_t pasid;             /* of its requests; 0: none (RID_PASID) */
    unsigned pgtt;
    unsigned levels;            /* first- or second-stage levels */
    unsigned leaf;              /* page size of its mappings */
} GenSid;

static const GenSid gen_sids[] = {
    { 0x0008, 1, 0, VTM_PGTT_FS, 4, 1 },
    { 0x0101, 1, 0, VTM_PGTT_FS, 4, 1 },        /* shares domain 1 */
    { 0x0010, 2, 0, VTM_PGTT_SS, 4, 2 },        /* 2 MiB pages */
    { 0x0018, 3, 0, VTM_PGTT_PT, 0, 0 },
    { 0x0020, 4, 5, VTM_PGTT_FS, 5, 1 },        /* with PASID 5 */
    { 0x0020, 5, 9, VTM_PGTT_FS, 5, 3 },        /* PASID 9: 1 GiB */
};

#define GEN_BASE        0x0000004000000000ULL
#define GEN_FAULT_LEAF  0x0000000040000000ULL   /* leaves not present */

typedef struct Gen {
    VTMCore core;
    VtmtFake fake;
    VTMMemOps mem;
    VtmtPt pt[ARRAY_SIZE(gen_sids)];
    GString *out;
    uint64_t rng;
    uint64_t time;
} Gen;

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

/* The unit's structures: a context entry per requester, PASID entries. */
static void gen_setup(Gen *g, const VTMCoreConfig *cfg)
{
    const VtmtMem *m = &g->fake.mem;
    uint64_t root, dirs[ARRAY_SIZE(gen_sids)] = { 0 };
    uint64_t q[VTM_PASID_ENTRY_QWORDS];
    unsigned i, j;

    vtmt_fake_init(&g->fake, 1ULL << 40);
    g->mem = (VTMMemOps) {
        .read = vtmt_fake_read, .write = vtmt_fake_write,
        .opaque = &g->fake,
    };
    vtm_core_init(&g->core, cfg, &g->mem);
    root = vtmt_alloc(m);
    for (i = 0; i < ARRAY_SIZE(gen_sids); i++) {
        const GenSid *s = &gen_sids[i];
        VtmtSmCtx ctx = { .pdts = 0, .paside = true };
        VtmtPasidEntry pe = {
            .pgtt = s->pgtt, .did = s->did, .aw = 2,
            .fspm = s->levels == 5 ? VTM_FSPM_5LEVEL : VTM_FSPM_4LEVEL,
        };

        /* requesters of one domain and stage share its tables */
        g->pt[i] = (VtmtPt) { .mem = m, .levels = s->levels };
        for (j = 0; j < i; j++) {
            if (gen_sids[j].did == s->did && gen_sids[j].pgtt == s->pgtt) {
                g->pt[i].top = g->pt[j].top;
            }
            if (gen_sids[j].sid == s->sid) {
                dirs[i] = dirs[j];
            }
        }
        if (!g->pt[i].top) {
            g->pt[i].top = vtmt_alloc(m);
        }
        if (!dirs[i]) {
            dirs[i] = ctx.pasid_dir = vtmt_alloc(m);
            vtmt_sm_ctx(q, &ctx);
            g_assert_true(vtmt_sm_set_ctx(m, root, s->sid, q));
        }
        if (s->pgtt == VTM_PGTT_SS) {
            pe.aw = s->levels - 2;
            pe.ssptptr = g->pt[i].top;
        } else {
            pe.fsptptr = g->pt[i].top;
        }
        vtmt_pasid_entry(q, &pe);
        g_assert_true(vtmt_set_pasid_entry(m, dirs[i], s->pasid, q));
    }
    vtm_core_set_root(&g->core, root | FIELD_DP64(0, RTADDR, TTM,
                                                  VTM_TTM_SCALABLE));
}

static void gen_invalidate(Gen *g)
{
    const GenSid *s = &gen_sids[gen_rand(g, ARRAY_SIZE(gen_sids))];
    VTMInvOp op = { .type = VTM_INV_PIOTLB };
    VTMRecord r;

    switch (gen_rand(g, 7)) {
    case 0:
        op.piotlb = (VTMInvPiotlb) {
            .gran = VTM_QI_PIOTLB_PAGE, .did = s->did, .pasid = s->pasid,
            .am = gen_rand(g, 3), .ih = gen_rand(g, 2),
        };
        op.piotlb.addr = (GEN_BASE + gen_rand(g, 256) * VTM_PAGE_SIZE) &
                         ~((VTM_PAGE_SIZE << op.piotlb.am) - 1);
        break;
    case 1:
        op.piotlb = (VTMInvPiotlb) {
            .gran = VTM_QI_PIOTLB_PASID, .did = s->did, .pasid = s->pasid,
        };
        break;
    case 2:
        op = (VTMInvOp) {
            .type = VTM_INV_PC,
            .pc = { .gran = VTM_QI_PC_PASID, .did = s->did,
                    .pasid = s->pasid },
        };
        break;
    case 3:
        op = (VTMInvOp) {
            .type = VTM_INV_PC, .pc = { .gran = VTM_QI_PC_DOMAIN,
                                        .did = s->did },
        };
        break;
    case 4:
        op = (VTMInvOp) {
            .type = VTM_INV_IOTLB, .iotlb = { .gran = VTM_INV_DOMAIN,
                                              .did = s->did },
        };
        break;
    case 5:
        op = (VTMInvOp) {
            .type = VTM_INV_CC, .cc = { .gran = VTM_INV_DEVICE,
                                        .sid = s->sid },
        };
        break;
    default:
        op.type = gen_rand(g, 2) ? VTM_INV_WAIT : VTM_INV_PDEVTLB;
        break;
    }
    vtm_core_set_time(&g->core, g->time);
    vtm_core_invalidate(&g->core, &op);
    vtm_record_inv(&r, g->time, &op);
    gen_emit(g, &r);
}

/* Maps (or unmaps) req's page for requester k; whether it translates. */
static bool gen_map(Gen *g, unsigned k, uint64_t iova, unsigned kind)
{
    const GenSid *s = &gen_sids[k];
    const VtmtPt *pt = &g->pt[k];
    /* some leaves without A (and D): the walk sets them */
    uint64_t leaf = VTMT_FS_P | VTMT_FS_RW | VTMT_FS_US |
                    (kind == 2 ? 0 : VTMT_FS_A | VTMT_FS_D);

    if (s->pgtt == VTM_PGTT_PT) {
        return true;
    }
    if (kind == 1) {
        iova = GEN_FAULT_LEAF + (iova & 0x3f000);
        if (s->pgtt == VTM_PGTT_SS) {
            g_assert_true(vtmt_pt_unmap(pt, iova, 1));
        } else {
            g_assert_true(vtmt_fs_map(pt, iova, 0, 1, 0, VTMT_FS_TABLE));
        }
        return false;
    }
    if (s->pgtt == VTM_PGTT_SS) {
        g_assert_true(vtmt_pt_map(pt, iova, 0, s->leaf, VTMT_RW));
    } else {
        g_assert_true(vtmt_fs_map(pt, iova, 0, s->leaf, leaf,
                                  VTMT_FS_TABLE));
    }
    return true;
}

static void gen_translate(Gen *g)
{
    unsigned k = gen_rand(g, ARRAY_SIZE(gen_sids));
    unsigned kind = gen_rand(g, 20);
    const GenSid *s = &gen_sids[k];
    VTMRequest req = {
        .sid = s->sid, .is_write = gen_rand(g, 2), .time = g->time,
        .has_pasid = s->pasid != 0, .pasid = s->pasid,
    };
    unsigned leaf = MAX(s->leaf, 1);
    VTMResult res;
    VTMRecord r;
    bool ok;

    req.addr = GEN_BASE + (gen_rand(g, 64) << (12 + 9 * (leaf - 1))) +
               gen_rand(g, 64) * 64;
    ok = gen_map(g, k, req.addr, kind);
    if (!ok) {
        req.addr = GEN_FAULT_LEAF + (req.addr & 0x3f000);
    }
    vtm_core_translate(&g->core, &req, &res, NULL);
    if ((res.fault.reason == VTM_FR_NONE) != ok) {
        g_error("sid %x pasid %u fault %x", s->sid, s->pasid, res.fault.reason);
    }
    g_assert_true(res.scalable);
    vtm_record_xlate(&r, &req, &res);
    gen_emit(g, &r);
}

static void test_synthetic(void)
{
    static const char *const params[] = {
        "iotlb-entries", "32", "iotlb-ways", "4",
        "pasid-cache-entries", "4", "pasid-cache-ways", "2",
        "fs-psc-l2-entries", "8", "fs-psc-l2-ways", "2",
        "ptw-slots", "2", NULL,
    };
    g_auto(GStrv) lines = NULL;
    VTMCoreConfig cfg;
    VTMCounters ctr;
    unsigned i, nx = 0, replayed;
    Gen g = { .rng = 7 };

    vtm_core_default_config(&cfg);
    set_params(&cfg, params);
    cfg.sm_supported = cfg.fs_supported = cfg.ss_supported = true;
    cfg.fl1gp = cfg.fl5lp = cfg.pt_supported = true;
    cfg.pss = 19;
    cfg.haw = 48;
    cfg.sagaw = BIT(1) | BIT(2) | BIT(3);
    cfg.sllps = VTM_SLLPS_2M | VTM_SLLPS_1G;
    gen_setup(&g, &cfg);
    g.out = g_string_new(NULL);
    for (i = 0; i < 5000; i++) {
        g.time += gen_rand(&g, 3) ? gen_rand(&g, 600) : 0;
        if (gen_rand(&g, 100) < 4) {
            gen_invalidate(&g);
        } else {
            gen_translate(&g);
            nx++;
        }
    }
    /* the stream exercised what it is meant to */
    ctr = g.core.timing.unit;
    g_assert_cmpuint(ctr.pasid_lookups, >, ctr.pasid_hits);
    g_assert_cmpuint(ctr.pasid_hits, >, 0);
    g_assert_cmpuint(ctr.ad_writes, >, 0);
    g_assert_cmpuint(ctr.stage[VTM_STAGE_FIRST], >, 0);
    g_assert_cmpuint(ctr.stage[VTM_STAGE_SECOND], >, 0);
    g_assert_cmpuint(ctr.stage[VTM_STAGE_PT], >, 0);
    g_assert_cmpuint(ctr.faults, >, 0);
    vtm_core_destroy(&g.core);
    vtmt_fake_destroy(&g.fake);
    lines = g_strsplit(g.out->str, "\n", -1);
    g_string_free(g.out, true);

    /* every line of a PASID lookup is one vtm-replay sees as such */
    for (i = 0; lines[i]; i++) {
        VTMRecord rec;

        g_assert_null(vtm_record_parse(lines[i], &rec));
        g_assert_true(rec.kind != VTM_REC_XLATE ||
                      vtm_sim_record_is_scalable(&rec) ==
                      rec.how.pasid_lookup);
    }
    replay(&cfg, lines, true, &replayed);
    g_assert_cmpuint(replayed, ==, nx);
}

/* The start of a Linux boot in scalable mode -------------------------- */

static char **guest_lines(void)
{
    g_autofree char *path = g_build_filename(VTM_TEST_DATA,
                                             "vtm-guest-boot-sm.rec", NULL);
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpuint(vtm_record_parse_version(text), ==, 2);
    g_assert_cmpuint(vtm_record_parse_header(text), ==, 1000);
    return g_strsplit(text, "\n", -1);
}

/*
 * A Linux 6.12 boot on the default -device vtm-iommu (scalable mode,
 * first-stage tables): scripts/guest/run.sh --name h11-sm boot with
 * VTM_OPTS=record=FILE, the whole record (373 lines, small enough): the
 * kernel's context-cache, PASID-cache, IOTLB and PASID-based IOTLB
 * invalidations, the NVMe (00:01.0) and virtio-blk (00:02.0) probes' DMA
 * through first-stage tables, RID_PASID.  Replayed with the same
 * (default) parameters, it must do exactly what it did in QEMU.
 */
static void test_guest_record(void)
{
    g_auto(GStrv) lines = guest_lines();
    VTMCoreConfig cfg;
    VTMCounters ctr;
    unsigned nx;

    vtm_core_default_config(&cfg);
    ctr = replay(&cfg, lines, true, &nx);
    g_assert_cmpuint(nx, ==, 225);
    g_assert_cmpuint(ctr.pasid_lookups, ==, ctr.translations);
    g_assert_cmpuint(ctr.stage[VTM_STAGE_FIRST], >, 0);
}

/*
 * Sweeps one fully associative LRU cache over the guest record: on the
 * same stream of lookups, LRU with more entries holds a superset of what
 * it holds with fewer (the inclusion property, invalidations removing the
 * same keys from both), so it never misses more.
 */
static void sweep(const char *name, const char *ways, uint64_t miss_of(
                      const VTMCounters *), const unsigned *sizes,
                  bool must_matter)
{
    g_auto(GStrv) lines = guest_lines();
    uint64_t prev = UINT64_MAX, first = 0, misses = 0;
    unsigned i, nx;

    for (i = 0; sizes[i]; i++) {
        g_autofree char *n = g_strdup_printf("%u", sizes[i]);
        const char *kv[] = { name, n, ways, n, NULL };
        VTMCoreConfig cfg;
        VTMCounters ctr;

        vtm_core_default_config(&cfg);
        set_params(&cfg, kv);
        ctr = replay(&cfg, lines, false, &nx);
        misses = miss_of(&ctr);
        g_test_message("%s=%u: %" PRIu64 " misses", name, sizes[i], misses);
        g_assert_cmpuint(misses, <=, prev);
        first = i ? first : misses;
        prev = misses;
    }
    /* the sweep saw the cache matter: the smallest missed more */
    if (must_matter) {
        g_assert_cmpuint(first, >, misses);
    }
}

static uint64_t pasid_misses(const VTMCounters *c)
{
    return c->pasid_lookups - c->pasid_hits;
}

static void test_sweep_pasid_cache(void)
{
    static const unsigned sizes[] = { 1, 2, 4, 8, 64, 0 };

    /* the boot's NVMe and virtio-blk DMA interleave: 1 entry misses */
    sweep("pasid-cache-entries", "pasid-cache-ways", pasid_misses, sizes,
          true);
}

/* Walks that found no first-stage level-2 PSC entry. */
static uint64_t fs_psc_l2_misses(const VTMCounters *c)
{
    return c->psc_lookups - c->psc_hits[2];
}

/* Walks that found none at level 2 or 3 (level 3 is asked on level-2 misses) */
static uint64_t fs_psc_l3_misses(const VTMCounters *c)
{
    return c->psc_lookups - c->psc_hits[2] - c->psc_hits[3];
}

/*
 * Linux's IOVAs of the boot stay in a few 2 MiB regions (its allocator
 * hands them out top down): the level-2 PSC's size hardly matters, but
 * must still never add misses.
 */
static void test_sweep_fs_psc(void)
{
    static const unsigned sizes[] = { 1, 2, 4, 32, 0 };

    sweep("fs-psc-l2-entries", "fs-psc-l2-ways", fs_psc_l2_misses, sizes,
          false);
    sweep("fs-psc-l3-entries", "fs-psc-l3-ways", fs_psc_l3_misses, sizes,
          false);
}

static uint64_t iotlb_misses(const VTMCounters *c)
{
    return c->iotlb_lookups - vtm_counters_iotlb_hits(c);
}

/* PASID-tagged first-stage IOTLB entries */
static void test_sweep_iotlb(void)
{
    static const unsigned sizes[] = { 1, 4, 16, 64, 256, 0 };

    sweep("iotlb-entries", "iotlb-ways", iotlb_misses, sizes, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/replay-sm/synthetic", test_synthetic);
    g_test_add_func("/vtm/replay-sm/guest-record", test_guest_record);
    g_test_add_func("/vtm/replay-sm/sweep-pasid-cache",
                    test_sweep_pasid_cache);
    g_test_add_func("/vtm/replay-sm/sweep-fs-psc", test_sweep_fs_psc);
    g_test_add_func("/vtm/replay-sm/sweep-iotlb", test_sweep_iotlb);
    return g_test_run();
}
