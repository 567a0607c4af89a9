/*
 * vtm: parameters by name, and the presets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-params.h"

#define VTM_PARAM(name, type, fld, desc) \
    { name, type, offsetof(VTMCoreConfig, fld), desc },
#define VTM_PARAM_CACHE(pfx, fld, what)                                    \
    VTM_PARAM(pfx "-entries", VTM_PARAM_U32, fld.entries,                  \
              what ": number of entries")                                  \
    VTM_PARAM(pfx "-ways", VTM_PARAM_U32, fld.ways,                        \
              what ": entries per set (entries must be a multiple)")       \
    VTM_PARAM(pfx "-policy", VTM_PARAM_POLICY, fld.policy,                 \
              what ": replacement policy, lru, rr or random")              \
    VTM_PARAM(pfx "-lat", VTM_PARAM_U32, fld.latency,                      \
              what ": lookup latency in cycles")                           \
    VTM_PARAM(pfx "-enable", VTM_PARAM_BOOL, fld.enable,                   \
              what ": modelled (off: every lookup misses and costs "       \
              "nothing)")
#define VTM_PARAM_U32(name, fld, desc) \
    VTM_PARAM(name, VTM_PARAM_U32, fld, desc)
#define VTM_PARAM_U64(name, fld, desc) \
    VTM_PARAM(name, VTM_PARAM_U64, fld, desc)

const VTMParamInfo vtm_params[] = {
    VTM_PARAM("timing", VTM_PARAM_MODE, timing.mode,
              "timing model: off, account (statistics) or stall (and hold "
              "the DMA for the modelled latency)")
    VTM_TIMING_PARAMS(VTM_PARAM_CACHE, VTM_PARAM_U32, VTM_PARAM_U64)
};
const unsigned vtm_nparams = ARRAY_SIZE(vtm_params);

const VTMParamInfo *vtm_param_find(const char *name)
{
    unsigned i;

    for (i = 0; i < vtm_nparams; i++) {
        if (!strcmp(vtm_params[i].name, name)) {
            return &vtm_params[i];
        }
    }
    return NULL;
}

size_t vtm_param_size(const VTMParamInfo *p)
{
    switch (p->type) {
    case VTM_PARAM_U32:
        return sizeof(uint32_t);
    case VTM_PARAM_U64:
        return sizeof(uint64_t);
    case VTM_PARAM_BOOL:
        return sizeof(bool);
    case VTM_PARAM_POLICY:
        return sizeof(VTMCachePolicy);
    case VTM_PARAM_MODE:
        return sizeof(VTMTimingMode);
    }
    g_assert_not_reached();
}

static bool vtm_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;

    if (!*s || *s == '-') {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(s, &end, 0);
    return !errno && !*end && *out <= max;
}

static bool vtm_parse_bool(const char *s, bool *out)
{
    static const char *const on[] = { "on", "true", "yes", "1", NULL };
    static const char *const off[] = { "off", "false", "no", "0", NULL };

    if (vtm_name_lookup(on, s) >= 0) {
        *out = true;
    } else if (vtm_name_lookup(off, s) >= 0) {
        *out = false;
    } else {
        return false;
    }
    return true;
}

char *vtm_param_set(VTMCoreConfig *cfg, const char *name, const char *value)
{
    const VTMParamInfo *p = vtm_param_find(name);
    void *field;
    uint64_t u;
    int e;

    if (!p) {
        return g_strdup_printf("unknown parameter '%s'", name);
    }
    field = (uint8_t *)cfg + p->offset;
    switch (p->type) {
    case VTM_PARAM_U32:
        if (!vtm_parse_u64(value, UINT32_MAX, &u)) {
            break;
        }
        *(uint32_t *)field = u;
        return NULL;
    case VTM_PARAM_U64:
        if (!vtm_parse_u64(value, UINT64_MAX, &u)) {
            break;
        }
        *(uint64_t *)field = u;
        return NULL;
    case VTM_PARAM_BOOL:
        if (!vtm_parse_bool(value, field)) {
            return g_strdup_printf("'%s' must be on or off (got '%s')",
                                   name, value);
        }
        return NULL;
    case VTM_PARAM_POLICY:
        e = vtm_name_lookup(vtm_policy_names, value);
        if (e < 0) {
            return g_strdup_printf("'%s' must be %s (got '%s')", name,
                                   vtm_name_choices(vtm_policy_names), value);
        }
        *(VTMCachePolicy *)field = e;
        return NULL;
    case VTM_PARAM_MODE:
        e = vtm_name_lookup(vtm_timing_mode_names, value);
        if (e < 0) {
            return g_strdup_printf("'%s' must be %s (got '%s')", name,
                                   vtm_name_choices(vtm_timing_mode_names),
                                   value);
        }
        *(VTMTimingMode *)field = e;
        return NULL;
    }
    return g_strdup_printf("'%s' must be a %s-bit unsigned number (got '%s')",
                           name, p->type == VTM_PARAM_U32 ? "32" : "64",
                           value);
}

char *vtm_param_get(const VTMCoreConfig *cfg, const VTMParamInfo *p)
{
    const void *field = (const uint8_t *)cfg + p->offset;

    switch (p->type) {
    case VTM_PARAM_U32:
        return g_strdup_printf("%" PRIu32, *(const uint32_t *)field);
    case VTM_PARAM_U64:
        return g_strdup_printf("%" PRIu64, *(const uint64_t *)field);
    case VTM_PARAM_BOOL:
        return g_strdup(*(const bool *)field ? "on" : "off");
    case VTM_PARAM_POLICY:
        return g_strdup(vtm_policy_names[*(const VTMCachePolicy *)field]);
    case VTM_PARAM_MODE:
        return g_strdup(vtm_timing_mode_names[*(const VTMTimingMode *)field]);
    }
    g_assert_not_reached();
}

const char *vtm_cache_prop_error(const char *prefix, const VTMCacheParams *p)
{
    g_autofree char *msg = NULL;

    if (p->policy != VTM_CACHE_LRU && p->policy != VTM_CACHE_RR &&
        p->policy != VTM_CACHE_RANDOM) {
        msg = g_strdup_printf("property '%s-policy' must be %s", prefix,
                              vtm_name_choices(vtm_policy_names));
    } else if (p->ways == 0) {
        msg = g_strdup_printf("property '%s-ways' must be at least 1",
                              prefix);
    } else if (p->entries > VTM_CACHE_MAX_ENTRIES) {
        msg = g_strdup_printf("property '%s-entries' must be at most %u "
                              "(got %u)", prefix, VTM_CACHE_MAX_ENTRIES,
                              p->entries);
    } else if (p->entries && p->ways > p->entries) {
        msg = g_strdup_printf("property '%s-ways' must not exceed "
                              "'%s-entries' (got %u and %u)", prefix, prefix,
                              p->ways, p->entries);
    } else if (p->entries % p->ways) {
        msg = g_strdup_printf("property '%s-entries' must be a multiple of "
                              "'%s-ways' (got %u and %u)", prefix, prefix,
                              p->entries, p->ways);
    } else if (p->latency > VTM_TIMING_MAX_LAT) {
        msg = g_strdup_printf("property '%s-lat' must be at most %u cycles "
                              "(got %u)", prefix, VTM_TIMING_MAX_LAT,
                              p->latency);
    } else {
        /* the generic checks must not know more than these */
        g_assert(!vtm_cache_params_error(p));
        return NULL;
    }
    return g_intern_string(msg);
}

/*
 * The presets come from vtm-replay --fit on pcie-bench's measurements
 * (Neugebauer et al., SIGCOMM 2018; github.com/pcie-bench/data, an
 * NFP-6000 in a PCIe Gen3 x8 slot doing 64-byte DMA reads at random
 * addresses within a window, 4 KiB pages), kept as CSV in
 * tests/data/pcie-bench with their source and licence.  docs/vtm.rst
 * ("The presets") gives the commands that reproduce each value and the
 * errors; docs/performance.md the plots.
 *
 * What they share: a hit costs 5 cycles (context cache 2, IOTLB 3; the
 * measured hit latency lies between the median and the mean, so the rest
 * is dma-base-ns); the IOTLB is 8-way LRU; the level-2 paging-structure
 * cache holds 64 entries, so that a 64 MiB window of 4 KiB pages (32
 * level-2 entries) never misses it, as the flat means from 8 to 64 MiB
 * say: an IOTLB miss is one leaf read.  A miss is psc-l2-lat (the part
 * before the walker) plus ptw-mem-lat (the part that holds a walker
 * slot).  Only the Broadwell host's bandwidth sweep was fitted: it sets
 * the walker, ptw-slots / ptw-mem-lat = 18 M walks/s; the others keep
 * its 5 slots and split, and their bandwidth is a prediction.
 */
static void vtm_preset_common(VTMCoreConfig *cfg)
{
    unsigned level;

    cfg->timing.clock_mhz = 1000;           /* cycles are nanoseconds */
    cfg->ctx_cache.latency = 2;
    cfg->iotlb.latency = 3;
    cfg->iotlb.ways = 8;
    cfg->iotlb.policy = VTM_CACHE_LRU;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        cfg->psc[level].latency = 4;
    }
    cfg->psc[2].entries = 64;
    cfg->psc[2].ways = 8;
    cfg->psc[2].latency = 9;
    cfg->timing.ptw_slots = 5;
    /* no public figure tells the first stage's apart: the same shape */
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        cfg->fs_psc[level] = cfg->psc[level];
    }
}

/*
 * Broadwell Xeon E5-2630v4 (Dell T430, socket 0): fitted to the latency
 * (lat_dma_sweep_rd_rnd_64) and bandwidth (bw_dma_win_sweep_rd_rnd_64)
 * sweeps; vtm-replay -P bdw --fit tests/data/pcie-bench/bdw-e5-2630v4.csv
 * --fit-columns latency,bandwidth --fit-count 20000 (100000 requests per
 * point give 276 and 8 for ptw-mem-lat and psc-l2-lat: the same miss).
 * The NFP keeps 30 reads in flight (vtm-replay -o 30).
 */
static void vtm_preset_bdw(VTMCoreConfig *cfg)
{
    vtm_preset_common(cfg);
    cfg->timing.dma_base_ns = 600;
    cfg->iotlb.entries = 112;
    cfg->timing.ptw_mem_lat = 275;
}

/* Haswell Xeon E5-2620v3 (Dell T630): fitted to its latency sweep only. */
static void vtm_preset_hsw(VTMCoreConfig *cfg)
{
    vtm_preset_common(cfg);
    cfg->timing.dma_base_ns = 595;
    cfg->iotlb.entries = 120;
    cfg->timing.ptw_mem_lat = 219;
}

/* Ivy Bridge Xeon E5-2620v2 (Dell T620, socket 0): latency sweep only. */
static void vtm_preset_ib(VTMCoreConfig *cfg)
{
    vtm_preset_common(cfg);
    cfg->timing.dma_base_ns = 608;
    cfg->iotlb.entries = 120;
    cfg->timing.ptw_mem_lat = 288;
}

void vtm_config_apply_preset(VTMCoreConfig *cfg, VTMPreset preset)
{
    switch (preset) {
    case VTM_PRESET_BDW:
        vtm_preset_bdw(cfg);
        break;
    case VTM_PRESET_HSW:
        vtm_preset_hsw(cfg);
        break;
    case VTM_PRESET_IB:
        vtm_preset_ib(cfg);
        break;
    case VTM_PRESET_NONE:
    default:
        break;
    }
}
