/*
 * vtm-fit: calibration of the timing model to measured DMA latency and
 * throughput (vtm-fit.h says what a dataset holds and how the fit goes).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <math.h>
#include "vtm-fit.h"

#define FIT_SEED        1
#define FIT_BASE        (1ULL << 32)

/* CSV ----------------------------------------------------------------- */

enum {
    COL_WINDOW, COL_SIZE, COL_OUTSTANDING, COL_LAT, COL_LAT_MEAN, COL_MTPS,
    COL_GBPS, NCOLS,
};

static const char *const col_names[NCOLS + 1] = {
    "window", "size", "outstanding", "latency_ns", "latency_mean_ns",
    "mtps", "gbps", NULL,
};

static char *parse_header(const char *name, char **cells, int *map)
{
    int i, c;

    for (i = 0; cells[i]; i++) {
        c = vtm_name_lookup(col_names, g_strstrip(cells[i]));
        map[i] = c;
        if (c < 0) {
            return g_strdup_printf("%s: unknown column '%s' (known: %s)",
                                   name, cells[i],
                                   vtm_name_choices(col_names));
        }
    }
    map[i] = -1;
    return NULL;
}

/* One data line into p; NULL or a message. */
static char *parse_row(const char *name, unsigned lineno, char **cells,
                       const int *map, VTMFitPoint *p)
{
    double v[NCOLS];
    int i;

    for (i = 0; i < NCOLS; i++) {
        v[i] = NAN;
    }
    for (i = 0; cells[i] && map[i] >= 0; i++) {
        char *cell = g_strstrip(cells[i]), *end;

        if (!*cell) {
            continue;
        }
        v[map[i]] = g_ascii_strtod(cell, &end);
        if (*end || !(v[map[i]] >= 0)) {
            return g_strdup_printf("%s:%u: bad number '%s'", name, lineno,
                                   cell);
        }
    }
    if (!(v[COL_WINDOW] >= 64 && v[COL_WINDOW] < 0x1p40) ||
        !(v[COL_SIZE] >= 1 && v[COL_SIZE] <= 65536) ||
        v[COL_SIZE] > v[COL_WINDOW]) {
        return g_strdup_printf("%s:%u: window (64 B to 1 TiB) and size "
                               "(1 B to 64 KiB, at most the window) are "
                               "required", name, lineno);
    }
    memset(p, 0, sizeof(*p));
    p->window = v[COL_WINDOW];
    p->size = v[COL_SIZE];
    p->outstanding = isnan(v[COL_OUTSTANDING]) ? 0 : v[COL_OUTSTANDING];
    p->median_ns = v[COL_LAT];
    p->mean_ns = v[COL_LAT_MEAN];
    p->mtps = !isnan(v[COL_MTPS]) ? v[COL_MTPS]
              : v[COL_GBPS] * 1000 / (8.0 * p->size);
    if (p->outstanding > 65536) {
        return g_strdup_printf("%s:%u: outstanding above 65536", name,
                               lineno);
    }
    return NULL;
}

char *vtm_fit_parse_csv(const char *name, const char *text, GArray *points)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    int map[NCOLS + 1] = { -1 };
    bool have_header = false;
    unsigned i, before = points->len;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) cells = NULL;
        VTMFitPoint p;
        char *err, *line = g_strstrip(lines[i]);

        if (!*line || *line == '#') {
            continue;
        }
        cells = g_strsplit(line, ",", NCOLS + 1);
        if (g_strv_length(cells) > NCOLS) {
            return g_strdup_printf("%s:%u: more than %d columns", name,
                                   i + 1, NCOLS);
        }
        err = have_header ? parse_row(name, i + 1, cells, map, &p)
                          : parse_header(name, cells, map);
        if (err) {
            return err;
        }
        if (have_header) {
            g_array_append_val(points, p);
        }
        have_header = true;
    }
    return points->len > before ? NULL
                                : g_strdup_printf("%s: no data lines", name);
}

char *vtm_fit_load_csv(const char *path, GArray *points)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        return g_strdup(err->message);
    }
    return vtm_fit_parse_csv(path, text, points);
}

/* Parameters ------------------------------------------------------------ */

static const VTMFitParam fit_params[] = {
    { "dma-base-ns", 0, 100000, 1, "cfg->timing.dma_base_ns" },
    { "iotlb-entries", 8, 8192, 8, "cfg->iotlb.entries" },
    { "iotlb-lat", 0, 10000, 1, "cfg->iotlb.latency" },
    { "ctx-cache-lat", 0, 10000, 1, "cfg->ctx_cache.latency" },
    { "psc-l2-lat", 0, 10000, 1, "cfg->psc[2].latency" },
    { "ptw-mem-lat", 1, 100000, 1, "cfg->timing.ptw_mem_lat" },
    { "ptw-slots", 1, 1024, 1, "cfg->timing.ptw_slots" },
    { "outstanding", 1, 4096, 1, NULL },
};

const VTMFitParam *vtm_fit_param_find(const char *name)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(fit_params); i++) {
        if (!strcmp(fit_params[i].name, name)) {
            return &fit_params[i];
        }
    }
    return NULL;
}

/*
 * Latency alone sees the hit cost (dma-base-ns, the lookups fixed), the
 * IOTLB's reach and the miss cost.  Bandwidth adds the device's window
 * and the walker: ptw-slots and the walk's slot time, ptw-mem-lat; the
 * part of a miss before the walker (psc-l2-lat) keeps the miss latency.
 */
const char *const *vtm_fit_default_params(unsigned columns)
{
    static const char *const lat[] = {
        "dma-base-ns", "iotlb-entries", "ptw-mem-lat", NULL,
    };
    static const char *const both[] = {
        "dma-base-ns", "iotlb-entries", "ptw-mem-lat", "psc-l2-lat",
        "ptw-slots", "outstanding", NULL,
    };

    return columns & VTM_FIT_BANDWIDTH ? both : lat;
}

bool vtm_fit_get(const VTMFitSetup *s, const char *name, uint32_t *value)
{
    const VTMParamInfo *pi = vtm_param_find(name);

    if (!strcmp(name, "outstanding")) {
        *value = s->outstanding;
        return true;
    }
    if (!pi || pi->type != VTM_PARAM_U32) {
        return false;
    }
    *value = *(const uint32_t *)((const uint8_t *)&s->cfg + pi->offset);
    return true;
}

char *vtm_fit_set(VTMFitSetup *s, const char *name, uint32_t value)
{
    g_autofree char *text = g_strdup_printf("%" PRIu32, value);

    if (!strcmp(name, "outstanding")) {
        s->outstanding = value;
        return NULL;
    }
    if (s->miss_sum && !strcmp(name, "psc-l2-lat")) {
        /* below the other levels' latency it would not count */
        uint32_t floor = MAX(MAX(s->cfg.psc[3].latency,
                                 s->cfg.psc[4].latency),
                             s->cfg.psc[5].latency);

        if (value >= s->miss_sum || value < floor) {
            return g_strdup_printf("psc-l2-lat must be from %u to below "
                                   "the miss cost %u", floor, s->miss_sum);
        }
        s->cfg.timing.ptw_mem_lat = s->miss_sum - value;
    }
    return vtm_param_set(&s->cfg, name, text);
}

/* Evaluation ------------------------------------------------------------- */

static bool fit_run_point(const VTMFitSetup *s, VTMFitPoint *p)
{
    uint64_t pages = MAX(p->window >> VTM_PAGE_SHIFT, 1);
    VTMSimPattern pat = {
        .base = FIT_BASE, .window = p->window, .size = p->size,
        .leaf_level = 1, .levels = 4, .seed = FIT_SEED,
    };
    VTMLoadParams lp = {
        .outstanding = p->outstanding ?: s->outstanding,
        .base_ns = s->cfg.timing.dma_base_ns,
        .clock_mhz = s->cfg.timing.clock_mhz,
        .size = p->size, .count = s->count,
        .warmup = MIN(4 * pages, s->warmup_max), .link = s->link,
    };
    VTMLoadResult r;
    VTMSim *sim;
    bool ok;

    if (vtm_load_params_error(&lp)) {
        return false;
    }
    sim = vtm_sim_new(&s->cfg);
    ok = vtm_load_run_sim(sim, &pat, &lp, &r);
    vtm_sim_free(sim);
    p->m_median_ns = r.lat_p50_ns;
    p->m_mean_ns = r.lat_mean_ns;
    p->m_mtps = r.mrps;
    p->m_gbps = r.gbps;
    p->m_hit = (double)vtm_counters_iotlb_hits(&r.iommu.ctr) /
               MAX(r.iommu.ctr.iotlb_lookups, 1);
    return ok;
}

/* A measured value: NAN (an empty cell) or 0 mean none. */
static bool has(double v)
{
    return !isnan(v) && v > 0;
}

static double rel_sq(double model, double measured)
{
    double e;

    if (!has(measured)) {
        return 0;
    }
    e = (model - measured) / measured;
    return e * e;
}

/* Whether p has a measurement in the columns s counts. */
static bool fit_counts(const VTMFitSetup *s, const VTMFitPoint *p)
{
    return ((s->columns & VTM_FIT_LATENCY) &&
            (has(p->median_ns) || has(p->mean_ns))) ||
           ((s->columns & VTM_FIT_BANDWIDTH) && has(p->mtps));
}

static double fit_objective(const VTMFitSetup *s, const VTMFitPoint *pts,
                            unsigned n)
{
    double sum = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        if (s->columns & VTM_FIT_LATENCY) {
            sum += rel_sq(pts[i].m_median_ns, pts[i].median_ns) +
                   rel_sq(pts[i].m_mean_ns, pts[i].mean_ns);
        }
        if (s->columns & VTM_FIT_BANDWIDTH) {
            sum += rel_sq(pts[i].m_mtps, pts[i].mtps);
        }
    }
    return sum;
}

/* Runs the points that count (all: every point); the objective. */
static double fit_run(const VTMFitSetup *s, VTMFitPoint *pts, unsigned n,
                      bool all)
{
    VTMCoreConfig cfg = s->cfg;
    unsigned i;

    cfg.haw = 48;
    if (vtm_core_config_error(&cfg)) {
        return INFINITY;
    }
    for (i = 0; i < n; i++) {
        if ((all || fit_counts(s, &pts[i])) && !fit_run_point(s, &pts[i])) {
            return INFINITY;
        }
    }
    return fit_objective(s, pts, n);
}

double vtm_fit_eval(const VTMFitSetup *s, VTMFitPoint *pts, unsigned n)
{
    return fit_run(s, pts, n, true);
}

/* Search ------------------------------------------------------------------ */

/* Tries value for params[k]; keeps it if the objective drops. */
static bool fit_try(VTMFitSetup *s, const VTMFitParam *p, int64_t value,
                    VTMFitPoint *pts, unsigned n, double *best, FILE *log)
{
    char *err;
    bool bad;
    uint32_t old;
    double f;

    if (value < p->lo || value > p->hi || !vtm_fit_get(s, p->name, &old) ||
        value == old) {
        return false;
    }
    err = vtm_fit_set(s, p->name, value);
    bad = err != NULL;
    g_free(err);
    if (bad) {
        g_free(vtm_fit_set(s, p->name, old));
        return false;
    }
    f = fit_run(s, pts, n, false);
    if (f < *best) {
        *best = f;
        if (log) {
            fprintf(log, "  %s=%" PRId64 ": objective %.6g\n", p->name,
                    value, f);
        }
        return true;
    }
    g_free(vtm_fit_set(s, p->name, old));
    return false;
}

/* Moves params[k] by +-step while that helps; true if it moved. */
static bool fit_move(VTMFitSetup *s, const VTMFitParam *p, uint32_t step,
                     VTMFitPoint *pts, unsigned n, double *best, FILE *log)
{
    bool moved = false;
    int dir;

    for (dir = 1; dir >= -1; dir -= 2) {
        uint32_t v;

        while (vtm_fit_get(s, p->name, &v) &&
               fit_try(s, p, (int64_t)v + dir * (int64_t)step, pts, n, best,
                       log)) {
            moved = true;
        }
        if (moved) {
            break;
        }
    }
    return moved;
}

double vtm_fit_search(VTMFitSetup *s, const VTMFitParam *params,
                      unsigned nparams, VTMFitPoint *pts, unsigned n,
                      FILE *log)
{
    g_autofree uint32_t *step = g_new(uint32_t, nparams);
    double best = fit_run(s, pts, n, false);
    bool active = true;
    unsigned k;

    for (k = 0; k < nparams; k++) {
        uint32_t v = params[k].lo;
        uint32_t q = params[k].quantum;

        vtm_fit_get(s, params[k].name, &v);
        step[k] = MAX(q, (v / 4 / q) * q);
    }
    while (active) {
        active = false;
        for (k = 0; k < nparams; k++) {
            if (!step[k]) {
                continue;
            }
            active = true;
            if (!fit_move(s, &params[k], step[k], pts, n, &best, log)) {
                step[k] = step[k] == params[k].quantum ? 0
                          : MAX(params[k].quantum,
                                step[k] / 2 / params[k].quantum *
                                params[k].quantum);
            }
        }
    }
    fit_run(s, pts, n, false);  /* leave the points at the best values */
    return best;
}

static double fit_stage(VTMFitSetup *s, const char *const *names,
                        unsigned columns, VTMFitPoint *pts, unsigned n,
                        FILE *log)
{
    VTMFitParam params[8];
    unsigned k;

    for (k = 0; names[k]; k++) {
        params[k] = *vtm_fit_param_find(names[k]);
    }
    s->columns = columns;
    return vtm_fit_search(s, params, k, pts, n, log);
}

/*
 * Stage 2.  The bandwidth where nearly every access misses is the
 * walker's rate, ptw-slots / slot time (ptw-mem-lat): only their ratio
 * shows, so the slots are the most that fit with a slot time at most the
 * whole miss cost (a walk cannot hold its slot for longer than the miss
 * takes), and the rest of the miss goes before the walker (psc-l2-lat).
 * Then the split and the device's window are searched from there.
 */
static double fit_walker(VTMFitSetup *s, VTMFitPoint *pts, unsigned n,
                         FILE *log)
{
    static const char *const bw[] = { "psc-l2-lat", "outstanding", NULL };
    const VTMFitPoint *far = NULL;
    double rate, slot_ns;
    unsigned i;

    for (i = 0; i < n; i++) {
        if (has(pts[i].mtps) && (!far || pts[i].window > far->window)) {
            far = &pts[i];
        }
    }
    if (!far) {
        return INFINITY;
    }
    /* walks per cycle */
    rate = far->mtps / s->cfg.timing.clock_mhz;
    s->cfg.timing.ptw_slots = MAX(1, MIN(VTM_FIT_MAX_SLOTS,
                                         floor(s->miss_sum * rate)));
    slot_ns = s->cfg.timing.ptw_slots / rate;
    g_free(vtm_fit_set(s, "psc-l2-lat",
                       s->miss_sum - MIN(slot_ns, s->miss_sum - 1)));
    if (log) {
        fprintf(log, "  %.2f M walks/s at the %" PRIu64 "-byte window: "
                "ptw-slots=%u, slot time %.0f cycles\n", far->mtps,
                far->window, s->cfg.timing.ptw_slots, slot_ns);
    }
    return fit_stage(s, bw, VTM_FIT_BANDWIDTH, pts, n, log);
}

double vtm_fit_staged(VTMFitSetup *s, VTMFitPoint *pts, unsigned n,
                      FILE *log)
{
    static const char *const lat[] = {
        "dma-base-ns", "iotlb-entries", "ptw-mem-lat", NULL,
    };
    unsigned columns = s->columns;

    if (columns & VTM_FIT_LATENCY) {
        if (log) {
            fprintf(log, "stage 1: latency\n");
        }
        fit_stage(s, lat, VTM_FIT_LATENCY, pts, n, log);
    }
    if (columns & VTM_FIT_BANDWIDTH) {
        if (log) {
            fprintf(log, "stage 2: bandwidth (the miss cost kept)\n");
        }
        s->miss_sum = s->cfg.psc[2].latency + s->cfg.timing.ptw_mem_lat;
        fit_walker(s, pts, n, log);
        s->miss_sum = 0;
    }
    s->columns = columns;
    return vtm_fit_eval(s, pts, n);
}

/* Reports ------------------------------------------------------------------ */

static void err_add(VTMFitErrors *e, double model, double measured)
{
    double r;

    if (!has(measured)) {
        return;
    }
    r = fabs(model - measured) / measured;
    e->rms += r * r;
    e->max = MAX(e->max, r);
    e->n++;
}

void vtm_fit_errors(const VTMFitPoint *pts, unsigned n, unsigned columns,
                    VTMFitErrors *in, VTMFitErrors *out)
{
    VTMFitErrors *lat = columns & VTM_FIT_LATENCY ? in : out;
    VTMFitErrors *bw = columns & VTM_FIT_BANDWIDTH ? in : out;
    unsigned i;

    memset(in, 0, sizeof(*in));
    memset(out, 0, sizeof(*out));
    for (i = 0; i < n; i++) {
        err_add(lat, pts[i].m_median_ns, pts[i].median_ns);
        err_add(lat, pts[i].m_mean_ns, pts[i].mean_ns);
        err_add(bw, pts[i].m_mtps, pts[i].mtps);
    }
    in->rms = in->n ? sqrt(in->rms / in->n) : 0;
    out->rms = out->n ? sqrt(out->rms / out->n) : 0;
}

static void print_cell(FILE *f, double model, double measured, bool fitted)
{
    if (isnan(measured)) {
        fprintf(f, " %9.1f %9s %7s %-9s", model, "-", "", "");
        return;
    }
    fprintf(f, " %9.1f %9.1f %+6.1f%% %-9s", model, measured,
            100 * (model - measured) / measured,
            fitted ? "fitted" : "predicted");
}

void vtm_fit_print(FILE *f, const VTMFitPoint *pts, unsigned n,
                   unsigned columns)
{
    VTMFitErrors in, out;
    unsigned i;

    fprintf(f, "%-8s %5s %4s %7s | %9s %9s %7s %-9s| %9s %9s %7s %-9s|"
            " %9s %9s %7s %-9s\n", "window", "size", "out", "iotlb%",
            "median", "measured", "error", "", "mean", "measured", "error",
            "", "Mreq/s", "measured", "error", "");
    for (i = 0; i < n; i++) {
        const VTMFitPoint *p = &pts[i];
        g_autofree char *w = g_format_size_full(p->window,
                                                G_FORMAT_SIZE_IEC_UNITS);

        fprintf(f, "%-8s %5u %4s %7.2f |", w, p->size,
                p->outstanding ? "1" : "dev", 100 * p->m_hit);
        print_cell(f, p->m_median_ns, p->median_ns,
                   columns & VTM_FIT_LATENCY);
        fprintf(f, "|");
        print_cell(f, p->m_mean_ns, p->mean_ns, columns & VTM_FIT_LATENCY);
        fprintf(f, "|");
        print_cell(f, p->m_mtps, p->mtps, columns & VTM_FIT_BANDWIDTH);
        fprintf(f, "\n");
    }
    vtm_fit_errors(pts, n, columns, &in, &out);
    fprintf(f, "\nin-sample (fitted) error: %u values, RMS %.1f%%, largest "
            "%.1f%%\n", in.n, 100 * in.rms, 100 * in.max);
    fprintf(f, "out-of-sample (predicted) error: %u values, RMS %.1f%%, "
            "largest %.1f%%\n", out.n, 100 * out.rms, 100 * out.max);
}

void vtm_fit_write_csv(FILE *f, const VTMFitPoint *pts, unsigned n,
                       unsigned columns)
{
    unsigned i;

    fprintf(f, "window,size,outstanding,latency_ns,latency_mean_ns,mtps,"
            "model_latency_ns,model_latency_mean_ns,model_mtps,model_gbps,"
            "model_iotlb_hit,latency_fitted,bandwidth_fitted\n");
    for (i = 0; i < n; i++) {
        const VTMFitPoint *p = &pts[i];

        fprintf(f, "%" PRIu64 ",%u,%u,%.3f,%.3f,%.4f,%.3f,%.3f,%.4f,%.4f,"
                "%.5f,%d,%d\n", p->window, p->size, p->outstanding,
                p->median_ns, p->mean_ns, p->mtps, p->m_median_ns,
                p->m_mean_ns, p->m_mtps, p->m_gbps, p->m_hit,
                !!(columns & VTM_FIT_LATENCY),
                !!(columns & VTM_FIT_BANDWIDTH));
    }
}
