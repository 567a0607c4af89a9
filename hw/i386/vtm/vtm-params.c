/*
 * vtm: parameters by name, and the presets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-params.h"

#define VTM_PARAM_CACHE(pfx, fld)                                          \
    { pfx "-entries", VTM_PARAM_U32,                                       \
      offsetof(VTMCoreConfig, fld.entries) },                              \
    { pfx "-ways", VTM_PARAM_U32, offsetof(VTMCoreConfig, fld.ways) },     \
    { pfx "-policy", VTM_PARAM_POLICY,                                     \
      offsetof(VTMCoreConfig, fld.policy) },                               \
    { pfx "-lat", VTM_PARAM_U32, offsetof(VTMCoreConfig, fld.latency) },   \
    { pfx "-enable", VTM_PARAM_BOOL, offsetof(VTMCoreConfig, fld.enable) },
#define VTM_PARAM_U32(name, fld) \
    { name, VTM_PARAM_U32, offsetof(VTMCoreConfig, fld) },
#define VTM_PARAM_U64(name, fld) \
    { name, VTM_PARAM_U64, offsetof(VTMCoreConfig, fld) },

const VTMParamInfo vtm_params[] = {
    { "timing", VTM_PARAM_MODE, offsetof(VTMCoreConfig, timing.mode) },
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
 * pcie-bench (Neugebauer et al., SIGCOMM 2018; data in the pcie-bench/data
 * repository, nfp6000 on a Broadwell Xeon E5-2630v4, directories
 * ...-s0-s0-s0 and ...-s0-s0-s0-iommu-nosp, lat_dma_sweep_rd_rnd_64):
 * 64-byte DMA reads at random addresses within a window, cold host cache.
 * IOMMU off: median 600 ns, mean 610 ns for every window.  IOMMU on,
 * 4 KiB pages: the same up to a 256 KiB window, then the mean rises as
 * the IOTLB misses, to 901 ns at 64 MiB (median 880 ns from 1 MiB on).
 * The mean curve follows 1 - C/N misses for N pages with C close to 128,
 * and the median is already 880 ns at 1 MiB (256 pages), so more than
 * half of the accesses miss there: C is below 128.
 */
static void vtm_preset_bdw(VTMCoreConfig *cfg)
{
    unsigned level;

    cfg->timing.clock_mhz = 1000;           /* cycles are nanoseconds */
    cfg->timing.dma_base_ns = 600;          /* IOMMU off: median */
    /* A hit adds 5 ns: within the 600 (median) .. 611 (mean) spread */
    cfg->ctx_cache.latency = 2;
    cfg->iotlb.latency = 3;
    cfg->iotlb.entries = 112;
    cfg->iotlb.ways = 8;
    cfg->iotlb.policy = VTM_CACHE_LRU;
    /*
     * A miss adds 284 ns: 4 for the PSC probe and one 280 ns leaf read,
     * the level-2 PSC entries (one per 2 MiB) holding a 64 MiB window.
     */
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        cfg->psc[level].latency = 4;
    }
    cfg->psc[2].entries = 64;
    cfg->psc[2].ways = 8;
    cfg->timing.ptw_mem_lat = 280;
}

void vtm_config_apply_preset(VTMCoreConfig *cfg, VTMPreset preset)
{
    switch (preset) {
    case VTM_PRESET_BDW:
        vtm_preset_bdw(cfg);
        break;
    case VTM_PRESET_NONE:
    default:
        break;
    }
}
