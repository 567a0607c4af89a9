/*
 * vtm-fit: calibration of the timing model's parameters to measured
 * DMA latency and throughput (vtm-replay --fit).
 *
 * A dataset is a CSV with a header line naming its columns (any order,
 * lines starting with '#' are comments): window (bytes the random
 * addresses fall in), size (bytes per request), and any of latency_ns
 * (median), latency_mean_ns, mtps (million requests per second), gbps
 * (payload Gb/s, used when mtps is absent); outstanding (requests in
 * flight) is optional: empty or 0 means the load's own window, which
 * can itself be a fitted parameter.  Each point is replayed through
 * vtm-load with 4 KiB pages and 4-level tables at random addresses, as
 * pcie-bench measures.
 *
 * The fit minimises the sum of squared relative errors over the columns
 * chosen (latency, bandwidth or both) by a pattern search over integer
 * parameters: deterministic (the addresses come from a fixed seed), so
 * the same data give the same preset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef VTM_FIT_H
#define VTM_FIT_H

#include "vtm-params.h"
#include "vtm-load.h"

typedef struct VTMFitPoint {
    uint64_t window;
    uint32_t size;
    unsigned outstanding;       /* 0: the setup's */
    double median_ns;           /* NAN where not measured */
    double mean_ns;
    double mtps;
    /* what the model gives */
    double m_median_ns, m_mean_ns, m_mtps, m_gbps, m_hit;
} VTMFitPoint;

/* The walker sizes the default fit tries */
#define VTM_FIT_MAX_SLOTS   24

enum {
    VTM_FIT_LATENCY = 1,
    VTM_FIT_BANDWIDTH = 2,
};

typedef struct VTMFitSetup {
    VTMCoreConfig cfg;
    VTMLink link;
    unsigned outstanding;       /* for points without their own */
    uint64_t count;             /* requests measured per point */
    uint64_t warmup_max;        /* before them: 4 per page, at most this */
    unsigned columns;           /* VTM_FIT_*: what the objective counts */
    /*
     * When not 0: psc-l2-lat + ptw-mem-lat, kept when psc-l2-lat is set
     * (ptw-mem-lat takes the rest), so that a miss costs the same.
     */
    uint32_t miss_sum;
} VTMFitSetup;

/* A free parameter: a vtm-iommu property or "outstanding". */
typedef struct VTMFitParam {
    const char *name;
    uint32_t lo, hi;
    uint32_t quantum;           /* values are multiples of it */
    const char *c_field;        /* in a preset function, NULL for none */
} VTMFitParam;

/* Appends the points of a CSV file; NULL or an error message (free it). */
char *vtm_fit_load_csv(const char *path, GArray *points);

/* The same from text (name for messages). */
char *vtm_fit_parse_csv(const char *name, const char *text, GArray *points);

/*
 * Bounds of a parameter the fitter knows (NULL for others), and the
 * default list for a set of columns (NULL-terminated names).
 */
const VTMFitParam *vtm_fit_param_find(const char *name);
const char *const *vtm_fit_default_params(unsigned columns);

/* The value of a free parameter in s; false if name is unknown. */
bool vtm_fit_get(const VTMFitSetup *s, const char *name, uint32_t *value);
/* Sets it; NULL or a message (free it). */
char *vtm_fit_set(VTMFitSetup *s, const char *name, uint32_t value);

/*
 * Runs every point through the model (fills m_*) and returns the sum of
 * squared relative errors over the columns s->columns counts; INFINITY
 * when the configuration is unusable.  (The searches run only the points
 * measured in the columns they count.)
 */
double vtm_fit_eval(const VTMFitSetup *s, VTMFitPoint *pts, unsigned n);

/*
 * Pattern search from s's values over params: each parameter in turn
 * moves by +-step while that lowers the objective; steps halve down to
 * the quantum.  Leaves s at the best values and pts evaluated there;
 * returns the objective.  log (may be NULL) gets one line per
 * improvement.
 */
double vtm_fit_search(VTMFitSetup *s, const VTMFitParam *params,
                      unsigned nparams, VTMFitPoint *pts, unsigned n,
                      FILE *log);

/*
 * The default fit, in two stages.  Latency columns: dma-base-ns,
 * iotlb-entries and ptw-mem-lat (the miss cost).  Then bandwidth
 * columns: ptw-slots, the device's window (outstanding) and how a miss
 * splits between the part before the walker (psc-l2-lat) and the slot
 * time (ptw-mem-lat), their sum kept: latency alone cannot tell them
 * apart, the walker's throughput (slots / slot time) can.  Either stage
 * runs only when s->columns has its columns.  Returns the objective
 * over s->columns.
 */
double vtm_fit_staged(VTMFitSetup *s, VTMFitPoint *pts, unsigned n,
                      FILE *log);

/* Relative errors of the evaluated points: RMS and largest, per kind */
typedef struct VTMFitErrors {
    unsigned n;
    double rms, max;            /* fractions */
} VTMFitErrors;

/*
 * in: the columns the fit used; out: the others (predictions).  lat
 * counts median and mean as one observation each.
 */
void vtm_fit_errors(const VTMFitPoint *pts, unsigned n, unsigned columns,
                    VTMFitErrors *in, VTMFitErrors *out);

/*
 * Prints the point table (measured, model, error, fitted or predicted)
 * and the in-sample and out-of-sample errors.
 */
void vtm_fit_print(FILE *f, const VTMFitPoint *pts, unsigned n,
                   unsigned columns);

/* Writes the points and the model's values as CSV (for plots). */
void vtm_fit_write_csv(FILE *f, const VTMFitPoint *pts, unsigned n,
                       unsigned columns);

#endif
