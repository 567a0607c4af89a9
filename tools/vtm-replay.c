/*
 * vtm-replay: vtm's translation core and timing model without a guest.
 *
 * Replays a translation stream recorded by vtm-iommu (record=FILE), or a
 * synthetic one, under any parameter set, and prints what it cost; sweeps
 * one parameter; reproduces pcie-bench's IOMMU experiment (--fidelity);
 * measures the host cost of the core (--bench).  Run with --help.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <math.h>
#include "vtm-params.h"
#include "vtm-sim.h"
#include "vtm-load.h"
#include "vtm-fit.h"

typedef struct Opts {
    char *preset;
    char *record;
    gboolean verify;
    char *pattern;
    char *window;
    char *size;
    char *page;
    int levels;
    int nested;
    gint64 count;
    gint64 warmup;
    int outstanding;
    gboolean write;
    gboolean ats;
    gint64 seed;
    char *sweep;
    gboolean fidelity;
    gboolean bench;
    gboolean list;
    double link_gbps;
    int tlp_overhead;
    int cpl_overhead;
    char *fit;
    char *check;
    char *fit_columns;
    char *fit_params;
    gint64 fit_count;
    char *fit_csv;
} Opts;

static Opts opts = {
    .levels = 4, .count = 1000000, .warmup = -1, .outstanding = 1,
    .seed = 1, .link_gbps = VTM_LINK_GEN3X8_GBPS, .tlp_overhead = 24,
    .cpl_overhead = 20, .fit_count = 100000,
};

static const GOptionEntry entries[] = {
    { "preset", 'P', 0, G_OPTION_ARG_STRING, &opts.preset,
      "Start from a preset: none (default) or bdw", "NAME" },
    { "record", 'r', 0, G_OPTION_ARG_FILENAME, &opts.record,
      "Replay this record (written by vtm-iommu,record=FILE)", "FILE" },
    { "verify", 0, 0, G_OPTION_ARG_NONE, &opts.verify,
      "With --record: fail unless every translation does what it did "
      "when recorded (same parameters needed)", NULL },
    { "pattern", 0, 0, G_OPTION_ARG_STRING, &opts.pattern,
      "Synthetic pattern: random (default) or seq", "PATTERN" },
    { "window", 0, 0, G_OPTION_ARG_STRING, &opts.window,
      "Bytes the accesses fall in, K/M/G suffixes (default 64M)", "BYTES" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &opts.size,
      "Bytes per request, aligned to itself (default 64)", "BYTES" },
    { "page", 0, 0, G_OPTION_ARG_STRING, &opts.page,
      "Page size of the mapping: 4k (default), 2m or 1g", "SIZE" },
    { "levels", 0, 0, G_OPTION_ARG_INT, &opts.levels,
      "Second-stage table levels: 3, 4 (default) or 5; with --nested, "
      "the first stage's: 4 or 5", "N" },
    { "nested", 0, 0, G_OPTION_ARG_INT, &opts.nested,
      "Nested translation (scalable mode, PGTT nested) over an N-level "
      "second stage (3, 4 or 5); 0 (default): single-stage", "N" },
    { "count", 'n', 0, G_OPTION_ARG_INT64, &opts.count,
      "Requests measured (default 1000000)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT64, &opts.warmup,
      "Requests before measuring (default 4 per page of the window, "
      "at most 1000000)", "N" },
    { "outstanding", 'o', 0, G_OPTION_ARG_INT, &opts.outstanding,
      "Requests in flight (default 1): each stream issues its next "
      "request when the previous one completes", "N" },
    { "write", 0, 0, G_OPTION_ARG_NONE, &opts.write,
      "Writes instead of reads", NULL },
    { "ats", 0, 0, G_OPTION_ARG_NONE, &opts.ats,
      "Requests from an ATS endpoint: its device-TLB (devtlb-*) first, "
      "a miss is a translation request (+ ats-rtt-lat)", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &opts.seed,
      "Seed of the random pattern (default 1)", "N" },
    { "sweep", 's', 0, G_OPTION_ARG_STRING, &opts.sweep,
      "One row per value: any parameter, or window, size, page or "
      "outstanding (e.g. iotlb-entries=16,32,64,128,256)", "NAME=V1,V2,..." },
    { "fidelity", 0, 0, G_OPTION_ARG_NONE, &opts.fidelity,
      "pcie-bench's experiment: 64-byte random reads, 4 KiB pages, "
      "windows 4K..64M, beside the published Broadwell figures "
      "(preset bdw unless --preset is given)", NULL },
    { "bench", 0, 0, G_OPTION_ARG_NONE, &opts.bench,
      "Host cost of the core: ns per translation (IOTLB hit, 4-level "
      "miss; timing off and on) and per page-selective invalidation "
      "with 64 and 65536 cached entries", NULL },
    { "link-gbps", 0, 0, G_OPTION_ARG_DOUBLE, &opts.link_gbps,
      "Link bandwidth per direction at the TLP layer, Gb/s; 0 no limit "
      "(default 57.88: PCIe Gen3 x8 at MPS 256, pcie-bench's pcie-model)",
      "GBPS" },
    { "tlp-overhead", 0, 0, G_OPTION_ARG_INT, &opts.tlp_overhead,
      "Bytes per read or write request TLP besides its payload "
      "(default 24: framing/DLLP 8, 64-bit header 16)", "BYTES" },
    { "cpl-overhead", 0, 0, G_OPTION_ARG_INT, &opts.cpl_overhead,
      "Bytes per completion TLP besides its data (default 20)", "BYTES" },
    { "fit", 0, 0, G_OPTION_ARG_FILENAME, &opts.fit,
      "Fit the free parameters to a dataset (CSV: window, size, "
      "latency_ns, latency_mean_ns, mtps or gbps, outstanding) from the "
      "preset and NAME=VALUE given; print the fitted values, the error "
      "per point and the preset to paste", "CSV" },
    { "check", 0, 0, G_OPTION_ARG_FILENAME, &opts.check,
      "Like --fit without fitting: the model beside a dataset", "CSV" },
    { "fit-columns", 0, 0, G_OPTION_ARG_STRING, &opts.fit_columns,
      "What the fit uses (the rest is predicted): latency, bandwidth or "
      "latency,bandwidth (default latency)", "LIST" },
    { "fit-params", 0, 0, G_OPTION_ARG_STRING, &opts.fit_params,
      "Free parameters (default for latency: dma-base-ns, iotlb-entries, "
      "ptw-mem-lat; with bandwidth also psc-l2-lat, ptw-slots and "
      "outstanding, the device's requests in flight)", "A,B,..." },
    { "fit-count", 0, 0, G_OPTION_ARG_INT64, &opts.fit_count,
      "Requests measured per dataset point (default 100000)", "N" },
    { "fit-csv", 0, 0, G_OPTION_ARG_FILENAME, &opts.fit_csv,
      "Also write the points and the model's values to this CSV", "FILE" },
    { "list-params", 0, 0, G_OPTION_ARG_NONE, &opts.list,
      "Print every parameter with its value and exit", NULL },
    { NULL }
};

static const char summary[] =
    "Replays a translation stream through vtm's core and timing model.\n"
    "\n"
    "NAME=VALUE arguments set vtm-iommu parameters by their property\n"
    "names (iotlb-entries=64 ptw-mem-lat=200 psc-l2-enable=off ...), after\n"
    "the preset; --list-params shows them all.  Without --record the\n"
    "stream is synthetic: --pattern, --window, --size, --page, --count,\n"
    "--outstanding.  Latencies are IOMMU cycles; the DMA columns add\n"
    "dma-base-ns and convert at clock-mhz.";

static const char description[] =
    "Columns: requests measured; iotlb% IOTLB hits per lookup; psc% walks\n"
    "that started from a paging-structure-cache entry; rd/req memory\n"
    "reads per request; mean-cyc, p50, p90, p99 IOMMU latency in cycles;\n"
    "queue% of the cycles spent waiting (walker slots, invalidations);\n"
    "dma-mean, dma-p50 in ns (dma-base-ns + latency); Mreq/s and Gb/s\n"
    "the achieved throughput of the synthetic load (payload bits), whose\n"
    "limits are --outstanding / latency, the link (--link-gbps, per-TLP\n"
    "overheads) and the walker (ptw-slots); tlp/req the PCIe\n"
    "transactions per request, each one translation (cut at max-read-req\n"
    "for reads, max-payload for writes, and at 4 KiB boundaries).\n"
    "\n"
    "Examples:\n"
    "  vtm-replay --window 1M --sweep iotlb-entries=16,32,64,128,256\n"
    "  vtm-replay --record guest.rec --sweep ptw-mem-lat=100,200,400\n"
    "  vtm-replay --record guest.rec --verify\n"
    "  vtm-replay -o 32 ptw-slots=4 --sweep outstanding=1,8,32\n"
    "  vtm-replay --fidelity\n"
    "  vtm-replay -P bdw -o 32 --sweep window=256K,1M,4M,64M\n"
    "  vtm-replay -P bdw -o 32 --window 64M --sweep size=64,128,256,512\n";

static G_NORETURN G_GNUC_PRINTF(1, 2) void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "vtm-replay: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static uint64_t parse_bytes(const char *s, const char *what)
{
    char *end;
    double v = g_ascii_strtod(s, &end);
    uint64_t mul = 1;

    switch (g_ascii_toupper(*end)) {
    case 'K':
        mul = 1ULL << 10;
        break;
    case 'M':
        mul = 1ULL << 20;
        break;
    case 'G':
        mul = 1ULL << 30;
        break;
    case '\0':
        break;
    default:
        die("%s: bad size '%s' (a number with K, M or G)", what, s);
    }
    if (*end && end[1] && g_ascii_strcasecmp(end + 1, "iB") &&
        g_ascii_strcasecmp(end + 1, "B")) {
        die("%s: bad size '%s'", what, s);
    }
    if (!(v > 0) || v * mul >= 0x1p63) {
        die("%s: size out of range '%s'", what, s);
    }
    return v * mul;
}

static unsigned parse_page(const char *s)
{
    static const char *const names[] = { "", "4k", "2m", "1g", NULL };
    int level = vtm_name_lookup(names, s);

    if (level < 1) {
        die("--page must be 4k, 2m or 1g (got '%s')", s);
    }
    return level;
}

static void set_param(VTMCoreConfig *cfg, const char *arg)
{
    g_auto(GStrv) kv = g_strsplit(arg, "=", 2);
    g_autofree char *err = NULL;

    if (!kv[0] || !kv[1]) {
        die("'%s': parameters are NAME=VALUE", arg);
    }
    err = vtm_param_set(cfg, kv[0], kv[1]);
    if (err) {
        die("%s", err);
    }
}

static void check_config(VTMCoreConfig *cfg)
{
    const char *err;

    cfg->haw = 48;          /* what vtm-sim uses: checks pass */
    err = vtm_core_config_error(cfg);
    if (err) {
        die("%s", err);
    }
}

/* Reports ------------------------------------------------------------- */

static double ns_of(const VTMCoreConfig *cfg, double cycles)
{
    return cycles * 1000.0 / cfg->timing.clock_mhz;
}

static void print_header(const char *first)
{
    printf("%-14s %9s %7s %7s %6s %9s %7s %7s %7s %6s %9s %8s %8s %7s "
           "%7s\n", first, "requests", "iotlb%", "psc%", "rd/req",
           "mean-cyc", "p50", "p90", "p99", "queue%", "dma-mean", "dma-p50",
           "Mreq/s", "Gb/s", "tlp/req");
}

/* ld: the throughput of a synthetic load, NULL for a record */
static void print_row(const char *first, const VTMCoreConfig *cfg,
                      const VTMSimSummary *s, const VTMLoadResult *ld)
{
    const VTMCounters *c = &s->ctr;
    double lookups = MAX(c->iotlb_lookups, 1), walks = MAX(c->walks, 1);
    double reqs = MAX(s->requests, 1);

    printf("%-14s %9" PRIu64 " %7.2f %7.2f %6.3f %9.1f %7" PRIu64
           " %7" PRIu64 " %7" PRIu64 " %6.2f %9.1f %8.1f",
           first, s->requests,
           100.0 * vtm_counters_iotlb_hits(c) / lookups,
           100.0 * vtm_counters_psc_hits(c) / walks,
           c->mem_reads / reqs, s->mean, s->p50, s->p90, s->p99,
           c->cycles ? 100.0 * c->queue_cycles / c->cycles : 0.0,
           cfg->timing.dma_base_ns + ns_of(cfg, s->mean),
           cfg->timing.dma_base_ns + ns_of(cfg, s->p50));
    if (ld) {
        printf(" %8.2f %7.2f %7.2f\n", ld->mrps, ld->gbps,
               (double)ld->tlps / MAX(ld->requests, 1));
    } else {
        printf(" %8s %7s %7s\n", "-", "-", "-");
    }
    /* scalable-mode runs: the PASID cache, the stages, A/D updates */
    if (c->pasid_lookups) {
        printf("%-14s scalable: %" PRIu64 " PASID-cache misses (%.2f%% "
               "hits); by stage s1 %" PRIu64 " s2 %" PRIu64 " nest %"
               PRIu64 " pt %" PRIu64 "; %" PRIu64 " A/D updates\n", "",
               c->pasid_lookups - c->pasid_hits,
               100.0 * c->pasid_hits / c->pasid_lookups,
               c->stage[VTM_STAGE_FIRST], c->stage[VTM_STAGE_SECOND],
               c->stage[VTM_STAGE_NESTED], c->stage[VTM_STAGE_PT],
               c->ad_writes);
    }
    /* nested runs: how the second stage of the 2D walk fared */
    if (c->ntlb_lookups) {
        printf("%-14s nested: %.2f%% nested-TLB hits, %.3f second-stage "
               "reads/req\n", "", 100.0 * c->ntlb_hits / c->ntlb_lookups,
               c->ss_reads / reqs);
    }
    /* ATS endpoints: their device-TLBs answered these without the unit */
    if (c->devtlb_lookups) {
        printf("%-14s device-TLB: %.2f%% hits of %" PRIu64 " lookups\n", "",
               100.0 * c->devtlb_hits / c->devtlb_lookups, c->devtlb_lookups);
    }
}

/* Synthetic runs ------------------------------------------------------ */

static void pattern_from_opts(VTMSimPattern *p)
{
    memset(p, 0, sizeof(*p));
    if (opts.pattern && strcmp(opts.pattern, "random") &&
        strcmp(opts.pattern, "seq")) {
        die("--pattern must be random or seq (got '%s')", opts.pattern);
    }
    p->sequential = opts.pattern && !strcmp(opts.pattern, "seq");
    p->base = 1ULL << 32;
    p->window = parse_bytes(opts.window ? opts.window : "64M", "--window");
    p->size = parse_bytes(opts.size ? opts.size : "64", "--size");
    p->leaf_level = parse_page(opts.page ? opts.page : "4k");
    p->levels = opts.levels;
    p->nested_ss_levels = opts.nested;
    p->count = opts.count;
    p->warmup = opts.warmup;
    p->outstanding = opts.outstanding;
    p->is_write = opts.write;
    p->seed = opts.seed;
}

static void check_pattern(VTMSimPattern *p)
{
    uint64_t pages;

    if (p->levels < 3 || p->levels > 5) {
        die("--levels must be 3, 4 or 5");
    }
    if (p->nested_ss_levels &&
        (p->nested_ss_levels < 3 || p->nested_ss_levels > 5 ||
         p->levels < 4)) {
        die("--nested must be 3, 4 or 5, over --levels 4 or 5");
    }
    if (p->size > UINT32_MAX || p->size > p->window) {
        die("--size must be at most the window and below 4G");
    }
    if (p->outstanding < 1 || p->outstanding > 4096) {
        die("--outstanding must be between 1 and 4096");
    }
    if (opts.count < 1) {
        die("--count must be at least 1");
    }
    if (opts.warmup < 0) {
        pages = p->window >> (VTM_PAGE_SHIFT + VTM_LEVEL_STRIDE *
                              (p->leaf_level - 1));
        p->warmup = MIN(4 * MAX(pages, 1), 1000000);
    }
}

/* Record replay ------------------------------------------------------- */

/* Whether the replayed translation did what the recorded one did. */
static bool same_outcome(const VTMRecord *rec, const VTMResult *res)
{
    const VTMOutcome *a = &rec->how, *b = &res->how;

    return a->ctx_hit == b->ctx_hit && a->iotlb_lookup == b->iotlb_lookup &&
           !!a->iotlb_hit == !!b->iotlb_hit && a->walked == b->walked &&
           a->psc_hit == b->psc_hit && a->ctx_reads == b->ctx_reads &&
           a->pt_reads == b->pt_reads && rec->fault == res->fault.reason &&
           rec->latency == res->latency &&
           /* scalable mode (zero in legacy records and replays) */
           a->pasid_lookup == b->pasid_lookup &&
           a->pasid_hit == b->pasid_hit &&
           a->pasid_reads == b->pasid_reads &&
           a->pt_writes == b->pt_writes &&
           (!vtm_sim_record_is_scalable(rec) || a->stage == b->stage);
}

typedef struct ReplayTotals {
    bool scalable;              /* a record of a unit in scalable mode */
    uint64_t translations;
    uint64_t invalidations;
    uint64_t differ;            /* translations whose outcome changed */
} ReplayTotals;

static void replay_line(VTMSim *sim, const char *line, uint64_t lineno,
                        GArray *lat, ReplayTotals *tot)
{
    g_autofree char *err = NULL;
    VTMRecord rec;
    VTMResult res;

    err = vtm_record_parse(line, &rec);
    if (err) {
        die("%s:%" PRIu64 ": %s", opts.record, lineno, err);
    }
    if (!vtm_sim_replay(sim, &rec, &res)) {
        die("%s:%" PRIu64 ": tables do not fit", opts.record, lineno);
    }
    if (rec.kind == VTM_REC_INV) {
        tot->invalidations++;
    } else if (rec.kind == VTM_REC_XLATE) {
        tot->translations++;
        g_array_append_val(lat, res.latency);
        if (!same_outcome(&rec, &res)) {
            if (opts.verify && tot->differ < 10) {
                fprintf(stderr, "%s:%" PRIu64 ": replayed %" PRIu64
                        " cycles, %u+%u+%u reads, %u A/D, fault %x; "
                        "recorded %" PRIu64 " cycles, %u+%u+%u reads, "
                        "%u A/D, fault %x\n", opts.record, lineno,
                        res.latency, res.how.ctx_reads, res.how.pasid_reads,
                        res.how.pt_reads, res.how.pt_writes,
                        res.fault.reason, rec.latency, rec.how.ctx_reads,
                        rec.how.pasid_reads, rec.how.pt_reads,
                        rec.how.pt_writes, rec.fault);
            }
            tot->differ++;
        }
    }
}

/*
 * Whether the record comes from a unit in scalable mode: then every line
 * is replayed in scalable mode, the ones before its first PASID lookup
 * (context faults) too.
 */
static bool record_is_scalable(void)
{
    g_autoptr(GIOChannel) ch = NULL;
    g_autoptr(GError) gerr = NULL;
    bool sm = false;
    char *line;
    gsize len;

    ch = g_io_channel_new_file(opts.record, "r", &gerr);
    if (!ch) {
        die("%s", gerr->message);
    }
    while (!sm && g_io_channel_read_line(ch, &line, &len, NULL, &gerr) ==
           G_IO_STATUS_NORMAL) {
        g_autofree char *owned = line;
        g_autofree char *err = NULL;
        VTMRecord rec;

        err = vtm_record_parse(owned, &rec);
        sm = !err && vtm_sim_record_is_scalable(&rec);
    }
    return sm;
}

static void replay_file(const VTMCoreConfig *cfg, VTMSimSummary *s,
                        ReplayTotals *tot)
{
    g_autoptr(GIOChannel) ch = NULL;
    g_autoptr(GError) gerr = NULL;
    g_autoptr(GArray) lat = g_array_new(false, false, sizeof(uint64_t));
    VTMSim *sim = vtm_sim_new(cfg);
    uint64_t lineno = 0;
    char *line;
    gsize len;

    memset(tot, 0, sizeof(*tot));
    tot->scalable = record_is_scalable();
    if (tot->scalable) {
        vtm_sim_set_scalable(sim);
    }
    ch = g_io_channel_new_file(opts.record, "r", &gerr);
    if (!ch) {
        die("%s", gerr->message);
    }
    while (g_io_channel_read_line(ch, &line, &len, NULL, &gerr) ==
           G_IO_STATUS_NORMAL) {
        g_autofree char *owned = line;

        replay_line(sim, owned, ++lineno, lat, tot);
    }
    if (gerr) {
        die("%s: %s", opts.record, gerr->message);
    }
    vtm_sim_summarize(lat, s);
    s->ctr = vtm_sim_core(sim)->timing.unit;
    vtm_sim_free(sim);
}

static void load_params(const VTMCoreConfig *cfg, const VTMSimPattern *p,
                        VTMLoadParams *lp)
{
    const char *err;

    memset(lp, 0, sizeof(*lp));
    lp->outstanding = p->outstanding;
    lp->base_ns = cfg->timing.dma_base_ns;
    lp->clock_mhz = cfg->timing.clock_mhz;
    lp->size = p->size;
    lp->is_write = p->is_write;
    lp->warmup = p->warmup;
    lp->count = p->count;
    lp->link = (VTMLink) {
        .gbps = opts.link_gbps, .req_overhead = opts.tlp_overhead,
        .cpl_overhead = opts.cpl_overhead, .mps = cfg->timing.max_payload,
        .mrrs = cfg->timing.max_read_req,
    };
    if (opts.tlp_overhead < 0 || opts.cpl_overhead < 0) {
        die("--tlp-overhead and --cpl-overhead must not be negative");
    }
    err = vtm_load_params_error(lp);
    if (err) {
        die("%s", err);
    }
}

/*
 * One run: the record if there is one, else the pattern through the
 * load engine (ld filled; its latencies are those of vtm_sim_run when
 * one request is in flight and the link does not bind).
 */
static void run_one(const VTMCoreConfig *cfg, const VTMSimPattern *p,
                    VTMSimSummary *s, ReplayTotals *tot, VTMLoadResult *ld)
{
    VTMLoadParams lp;
    VTMSim *sim;

    memset(tot, 0, sizeof(*tot));
    memset(ld, 0, sizeof(*ld));
    if (opts.record) {
        replay_file(cfg, s, tot);
        return;
    }
    load_params(cfg, p, &lp);
    sim = vtm_sim_new(cfg);
    if (opts.ats) {
        vtm_sim_set_ats(sim);
    }
    if (!vtm_load_run_sim(sim, p, &lp, ld)) {
        die("the tables of this pattern do not fit in 1 GiB");
    }
    *s = ld->iommu;
    vtm_sim_free(sim);
}

/* Applies one --sweep value to the parameters or the pattern. */
static void sweep_apply(const char *name, const char *value,
                        VTMCoreConfig *cfg, VTMSimPattern *p)
{
    g_autofree char *arg = NULL;

    if (!strcmp(name, "window")) {
        p->window = parse_bytes(value, "window");
        p->warmup = opts.warmup;
    } else if (!strcmp(name, "size")) {
        p->size = parse_bytes(value, "size");
    } else if (!strcmp(name, "page")) {
        p->leaf_level = parse_page(value);
        p->warmup = opts.warmup;
    } else if (!strcmp(name, "outstanding")) {
        p->outstanding = atoi(value);
    } else {
        arg = g_strdup_printf("%s=%s", name, value);
        set_param(cfg, arg);
    }
}

static void sweep(const VTMCoreConfig *base, const VTMSimPattern *pat)
{
    g_auto(GStrv) kv = g_strsplit(opts.sweep ? opts.sweep
                                  : opts.record ? "run=record" : "run=pattern",
                                  "=", 2);
    g_auto(GStrv) values = NULL;
    unsigned i;

    if (!kv[0] || !kv[1] || !*kv[1]) {
        die("--sweep takes NAME=V1,V2,...");
    }
    values = g_strsplit(kv[1], ",", -1);
    if (opts.record) {
        printf("replaying %s\n", opts.record);
    }
    print_header(kv[0]);
    for (i = 0; values[i]; i++) {
        VTMCoreConfig cfg = *base;
        VTMSimPattern p = *pat;
        VTMSimSummary s;
        VTMLoadResult ld;
        ReplayTotals tot;

        if (opts.sweep) {
            sweep_apply(kv[0], values[i], &cfg, &p);
        }
        check_config(&cfg);
        check_pattern(&p);
        run_one(&cfg, &p, &s, &tot, &ld);
        print_row(values[i], &cfg, &s, opts.record ? NULL : &ld);
        if (opts.record) {
            printf("%-14s %s mode: %" PRIu64 " translations, %" PRIu64
                   " invalidations; %" PRIu64
                   " translations differ from the record\n", "",
                   tot.scalable ? "scalable" : "legacy", tot.translations,
                   tot.invalidations, tot.differ);
        }
        if (opts.verify && tot.differ) {
            exit(1);
        }
    }
}

/* pcie-bench fidelity -------------------------------------------------- */

/*
 * Published: pcie-bench/data, nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-
 * s0-s0-s0-iommu-nosp/lat_dma_sweep_rd_rnd_64.csv, "Cold" rows: median
 * and mean of 2097152 64-byte DMA reads at random addresses, in ns.
 */
static const struct {
    const char *window;
    double median, mean;        /* < 0: not measured */
} bdw_published[] = {
    { "4K", -1, -1 },
    { "8K", 600.0, 611.6 },
    { "64K", 600.0, 612.8 },
    { "256K", 600.0, 612.7 },
    { "512K", 600.0, 637.9 },
    { "1M", 880.0, 769.6 },
    { "1.5M", 880.0, 812.8 },
    { "2M", 880.0, 835.0 },
    { "4M", 880.0, 867.6 },
    { "8M", 880.0, 885.1 },
    { "16M", 880.0, 895.0 },
    { "32M", 880.0, 898.9 },
    { "64M", 880.0, 901.2 },
};

static void fidelity_row(const VTMCoreConfig *cfg, VTMSimPattern *p,
                         unsigned i, double *worst)
{
    VTMSimSummary s;
    VTMLoadResult ld;
    ReplayTotals tot;
    double med, mean, em, ea;
    char pm[16] = "-", pa[16] = "-", sm[16] = "", sa[16] = "";

    p->window = parse_bytes(bdw_published[i].window, "window");
    p->warmup = opts.warmup;
    check_pattern(p);
    run_one(cfg, p, &s, &tot, &ld);
    med = cfg->timing.dma_base_ns + ns_of(cfg, s.p50);
    mean = cfg->timing.dma_base_ns + ns_of(cfg, s.mean);
    if (bdw_published[i].median > 0) {
        em = 100 * (med - bdw_published[i].median) / bdw_published[i].median;
        ea = 100 * (mean - bdw_published[i].mean) / bdw_published[i].mean;
        snprintf(pm, sizeof(pm), "%.1f", bdw_published[i].median);
        snprintf(pa, sizeof(pa), "%.1f", bdw_published[i].mean);
        snprintf(sm, sizeof(sm), "%+.1f%%", em);
        snprintf(sa, sizeof(sa), "%+.1f%%", ea);
        *worst = MAX(*worst, MAX(fabs(em), fabs(ea)));
    }
    printf("%-7s %9.1f %9s %8s   %9.1f %9s %8s   %7.2f\n",
           bdw_published[i].window, med, pm, sm, mean, pa, sa,
           100.0 * vtm_counters_iotlb_hits(&s.ctr) /
           MAX(s.ctr.iotlb_lookups, 1));
}

static void fidelity(const VTMCoreConfig *cfg, VTMSimPattern *p)
{
    double worst = 0;
    unsigned i;

    p->sequential = false;
    p->size = 64;
    p->leaf_level = 1;
    printf("pcie-bench: 64-byte DMA reads at random addresses, 4 KiB pages"
           "\n%" PRIu64 " requests per window after warm-up; published: "
           "Broadwell Xeon E5-2630v4, IOMMU on\n\n", p->count);
    printf("%-7s %9s %9s %8s   %9s %9s %8s   %7s\n", "window",
           "median", "published", "error", "mean", "published", "error",
           "iotlb%");
    for (i = 0; i < ARRAY_SIZE(bdw_published); i++) {
        fidelity_row(cfg, p, i, &worst);
    }
    printf("\nlargest error: %.1f%% (latencies in ns: dma-base-ns %u + "
           "modelled IOMMU latency)\n", worst, cfg->timing.dma_base_ns);
}

/* Calibration ----------------------------------------------------------- */

static unsigned fit_columns(void)
{
    g_auto(GStrv) names = g_strsplit(opts.fit_columns ? opts.fit_columns
                                     : "latency", ",", -1);
    unsigned cols = 0, i;

    for (i = 0; names[i]; i++) {
        if (!strcmp(names[i], "latency")) {
            cols |= VTM_FIT_LATENCY;
        } else if (!strcmp(names[i], "bandwidth")) {
            cols |= VTM_FIT_BANDWIDTH;
        } else {
            die("--fit-columns: latency, bandwidth or both (got '%s')",
                names[i]);
        }
    }
    return cols;
}

static GArray *fit_param_list(unsigned cols)
{
    const char *const *dflt = vtm_fit_default_params(cols);
    g_auto(GStrv) names = opts.fit_params ?
        g_strsplit(opts.fit_params, ",", -1) : g_strdupv((char **)dflt);
    GArray *list = g_array_new(false, false, sizeof(VTMFitParam));
    unsigned i;

    for (i = 0; names[i]; i++) {
        const VTMFitParam *p = vtm_fit_param_find(names[i]);

        if (!p) {
            die("--fit-params: '%s' cannot be fitted (dma-base-ns, "
                "iotlb-entries, iotlb-lat, ctx-cache-lat, psc-l2-lat, "
                "ptw-mem-lat, ptw-slots, outstanding)", names[i]);
        }
        g_array_append_vals(list, p, 1);
    }
    return list;
}

/* The fitted values as properties, as C for vtm-params.c, as options. */
static void fit_print_preset(const VTMFitSetup *s, const GArray *params)
{
    unsigned i;
    uint32_t v;

    printf("\nfitted values:\n");
    for (i = 0; i < params->len; i++) {
        const VTMFitParam *p = &g_array_index(params, VTMFitParam, i);

        vtm_fit_get(s, p->name, &v);
        printf("  %s=%" PRIu32 "\n", p->name, v);
    }
    printf("\npreset definition (vtm-params.c):\n");
    for (i = 0; i < params->len; i++) {
        const VTMFitParam *p = &g_array_index(params, VTMFitParam, i);

        vtm_fit_get(s, p->name, &v);
        if (p->c_field) {
            printf("    %s = %" PRIu32 ";\n", p->c_field, v);
        } else {
            printf("    /* vtm-replay -o %" PRIu32 ": the device's %s */\n",
                   v, p->name);
        }
    }
}

static void fit(const VTMCoreConfig *cfg)
{
    const char *path = opts.fit ? opts.fit : opts.check;
    g_autoptr(GArray) pts = g_array_new(false, false, sizeof(VTMFitPoint));
    g_autoptr(GArray) params = NULL;
    g_autofree char *err = vtm_fit_load_csv(path, pts);
    VTMFitSetup s = {
        .cfg = *cfg, .count = opts.fit_count, .columns = fit_columns(),
        .warmup_max = MIN(4 * opts.fit_count, 1000000),
        .outstanding = opts.outstanding <= 1 ? 32 : opts.outstanding,
        .link = {
            .gbps = opts.link_gbps, .req_overhead = opts.tlp_overhead,
            .cpl_overhead = opts.cpl_overhead,
            .mps = cfg->timing.max_payload,
            .mrrs = cfg->timing.max_read_req,
        },
    };
    VTMFitPoint *p;
    double obj;

    if (err) {
        die("%s", err);
    }
    if (opts.fit_count < 2 || vtm_link_error(&s.link)) {
        die("--fit-count must be at least 2 and the link usable");
    }
    p = &g_array_index(pts, VTMFitPoint, 0);
    params = fit_param_list(s.columns);
    printf("%s: %u points; %s the %s columns; %" PRIu64 " requests per "
           "point, random addresses, 4 KiB pages\n", path, pts->len,
           opts.fit ? "fitting to" : "model beside (fitted:",
           opts.fit_columns ? opts.fit_columns : "latency", s.count);
    if (!opts.fit) {
        obj = vtm_fit_eval(&s, p, pts->len);
    } else if (opts.fit_params) {
        obj = vtm_fit_search(&s, &g_array_index(params, VTMFitParam, 0),
                             params->len, p, pts->len, stdout);
        vtm_fit_eval(&s, p, pts->len);     /* every point, for the table */
    } else {
        obj = vtm_fit_staged(&s, p, pts->len, stdout);
    }
    printf("objective (sum of squared relative errors): %.6g\n\n", obj);
    vtm_fit_print(stdout, p, pts->len, s.columns);
    fit_print_preset(&s, params);
    if (opts.fit_csv) {
        FILE *f = fopen(opts.fit_csv, "w");

        if (!f) {
            die("%s: %s", opts.fit_csv, g_strerror(errno));
        }
        vtm_fit_write_csv(f, p, pts->len, s.columns);
        fclose(f);
    }
}

/* Host cost of the core ------------------------------------------------ */

#define BENCH_SID       0x0008
#define BENCH_DID       1

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per translation over n translations cycling through iova[] (2^k). */
static double bench_xlate(VTMSim *sim, const uint64_t *iova, unsigned niova,
                          uint64_t n)
{
    VTMResult res;
    uint64_t i;
    double t0;

    for (i = 0; i < niova; i++) {       /* warm the caches */
        vtm_sim_translate(sim, BENCH_SID, iova[i], false, 0, &res);
    }
    vtm_timing_reset_counters(&vtm_sim_core(sim)->timing);
    t0 = now_ns();
    for (i = 0; i < n; i++) {
        /* 4096 cycles apart: no walk waits for a slot */
        vtm_sim_translate(sim, BENCH_SID, iova[i & (niova - 1)], false,
                          i << 12, &res);
    }
    return (now_ns() - t0) / n;
}

/*
 * One IOVA: every translation hits the IOTLB.  4096 IOVAs in distinct
 * 2 MiB, 1 GiB and (cycling through 512) 512 GiB regions: every
 * translation misses the IOTLB and every PSC level, a 4-read walk.
 */
static void bench_case(const VTMCoreConfig *base, bool miss, bool timed)
{
    unsigned n = miss ? 4096 : 1, k;
    g_autofree uint64_t *iova = g_new(uint64_t, n);
    VTMCoreConfig cfg = *base;
    const VTMCounters *c;
    VTMSim *sim;
    double ns;

    cfg.timing.mode = timed ? VTM_TIMING_ACCOUNT : VTM_TIMING_OFF;
    sim = vtm_sim_new(&cfg);
    vtm_sim_set_context(sim, BENCH_SID, BENCH_DID, 4);
    for (k = 0; k < n; k++) {
        iova[k] = (uint64_t)(k & 511) << 39 | (uint64_t)(k >> 9) << 30 |
                  (uint64_t)(k & 7) << 21;
        if (!vtm_sim_map(sim, BENCH_DID, 4, iova[k], 1)) {
            die("bench tables do not fit");
        }
    }
    /* the best of 3 runs: other load on the host only adds time */
    for (k = 0, ns = INFINITY; k < 3; k++) {
        ns = MIN(ns, bench_xlate(sim, iova, n, miss ? 1000000 : 10000000));
    }
    c = &vtm_sim_core(sim)->timing.unit;
    printf("  %-22s timing %-7s %7.1f ns", miss ? "4-level miss walk" :
           "IOTLB hit", timed ? "account" : "off", ns);
    if (timed) {
        printf("   (iotlb hits %.1f%%, reads/translation %.2f)",
               100.0 * vtm_counters_iotlb_hits(c) / MAX(c->iotlb_lookups, 1),
               (double)c->mem_reads / MAX(c->translations, 1));
    }
    printf("\n");
    vtm_sim_free(sim);
}

/*
 * ns per page-selective invalidation of a cached page, `entries` lines
 * cached: rounds of filling the IOTLB (not timed) and invalidating every
 * page of it (timed), 1M invalidations in all.
 */
static double bench_psi_pass(VTMSim *sim, unsigned entries, unsigned *valid)
{
    const uint64_t total = 1u << 20, iova0 = 1ULL << 32;
    VTMInvOp op = { .type = VTM_INV_IOTLB };
    double spent = 0, t0;
    VTMResult res;
    uint64_t done;
    unsigned k;

    op.iotlb.gran = VTM_INV_PAGE;
    op.iotlb.did = BENCH_DID;
    for (done = 0; done < total; done += entries) {
        for (k = 0; k < entries; k++) {
            uint64_t iova = iova0 + (uint64_t)k * VTM_PAGE_SIZE;

            if (!vtm_sim_map(sim, BENCH_DID, 4, iova, 1)) {
                die("bench tables do not fit");
            }
            vtm_sim_translate(sim, BENCH_SID, iova, false, 0, &res);
        }
        *valid = vtm_cache_count_valid(vtm_sim_core(sim)->iotlb);
        t0 = now_ns();
        for (k = 0; k < entries; k++) {
            op.iotlb.addr = iova0 + (uint64_t)k * VTM_PAGE_SIZE;
            vtm_core_invalidate(vtm_sim_core(sim), &op);
        }
        spent += now_ns() - t0;
    }
    return spent / done;
}

static void bench_psi(const VTMCoreConfig *base, unsigned entries)
{
    VTMCoreConfig cfg = *base;
    double ns = INFINITY;
    unsigned valid = 0, k;
    VTMSim *sim;

    cfg.iotlb.entries = entries;
    cfg.iotlb.ways = 8;
    sim = vtm_sim_new(&cfg);
    vtm_sim_set_context(sim, BENCH_SID, BENCH_DID, 4);
    for (k = 0; k < 3; k++) {
        ns = MIN(ns, bench_psi_pass(sim, entries, &valid));
    }
    printf("  page-selective invalidation, IOTLB of %5u lines (%5u valid):"
           " %6.1f ns\n", entries, valid, ns);
    vtm_sim_free(sim);
}

static void bench(const VTMCoreConfig *cfg)
{
    printf("host ns per operation (this machine, one thread, best of "
           "3 runs):\n");
    bench_case(cfg, false, false);
    bench_case(cfg, false, true);
    bench_case(cfg, true, false);
    bench_case(cfg, true, true);
    bench_psi(cfg, 64);
    bench_psi(cfg, 65536);
}

/* main ----------------------------------------------------------------- */

static void list_params(const VTMCoreConfig *cfg)
{
    unsigned i;

    for (i = 0; i < vtm_nparams; i++) {
        g_autofree char *v = vtm_param_get(cfg, &vtm_params[i]);

        printf("%s=%s\n", vtm_params[i].name, v);
    }
}

static void parse_args(int *argc, char ***argv, VTMCoreConfig *cfg)
{
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[NAME=VALUE...]");
    g_autoptr(GError) err = NULL;
    const char *preset = opts.preset;
    int i, p;

    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, description);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        die("%s (try --help)", err->message);
    }
    preset = opts.preset ? opts.preset : opts.fidelity ? "bdw" : "none";
    p = vtm_name_lookup(vtm_preset_names, preset);
    if (p < 0) {
        die("--preset must be %s (got '%s')",
            vtm_name_choices(vtm_preset_names), preset);
    }
    vtm_core_default_config(cfg);
    vtm_config_apply_preset(cfg, p);
    for (i = 1; i < *argc; i++) {
        set_param(cfg, (*argv)[i]);
    }
    check_config(cfg);
}

int main(int argc, char **argv)
{
    VTMCoreConfig cfg;
    VTMSimPattern p;

    parse_args(&argc, &argv, &cfg);
    if (opts.list) {
        list_params(&cfg);
        return 0;
    }
    if (opts.bench) {
        bench(&cfg);
        return 0;
    }
    if (opts.fit || opts.check) {
        fit(&cfg);
        return 0;
    }
    pattern_from_opts(&p);
    check_pattern(&p);
    if (opts.fidelity) {
        fidelity(&cfg, &p);
    } else {
        sweep(&cfg, &p);
    }
    return 0;
}
