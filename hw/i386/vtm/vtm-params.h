/*
 * vtm: the tunable parameters of a unit by name, and the presets.
 *
 * Names are those of the vtm-iommu QOM properties (vtm-timing.h lists
 * them once); vtm-replay parses its command line with this table and the
 * core names properties in its error messages with it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_PARAMS_H
#define HW_I386_VTM_PARAMS_H

#include "vtm-core.h"

typedef enum VTMParamType {
    VTM_PARAM_U32,
    VTM_PARAM_U64,
    VTM_PARAM_BOOL,
    VTM_PARAM_POLICY,           /* VTMCachePolicy by vtm_policy_names */
    VTM_PARAM_MODE,             /* VTMTimingMode by vtm_timing_mode_names */
} VTMParamType;

typedef struct VTMParamInfo {
    const char *name;
    VTMParamType type;
    size_t offset;              /* in VTMCoreConfig */
    const char *desc;           /* one line, for -device vtm-iommu,help */
} VTMParamInfo;

extern const VTMParamInfo vtm_params[];
extern const unsigned vtm_nparams;

const VTMParamInfo *vtm_param_find(const char *name);

/* Bytes p occupies in VTMCoreConfig. */
size_t vtm_param_size(const VTMParamInfo *p);

/*
 * Sets the parameter name of cfg from its text form.  Returns NULL, or a
 * message naming the parameter and the accepted values (free it).
 */
char *vtm_param_set(VTMCoreConfig *cfg, const char *name, const char *value);

/* The value of p in cfg as text (free it). */
char *vtm_param_get(const VTMCoreConfig *cfg, const VTMParamInfo *p);

/*
 * Applies a preset over cfg: the parameters it calibrates change, the
 * others keep their values.
 */
void vtm_config_apply_preset(VTMCoreConfig *cfg, VTMPreset preset);

/*
 * NULL when the cache parameters of the properties prefix-* are usable,
 * else a message naming the property (interned, never freed).
 */
const char *vtm_cache_prop_error(const char *prefix, const VTMCacheParams *p);

#endif
