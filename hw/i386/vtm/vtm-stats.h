/*
 * vtm: timing properties, host statistics and recording (device glue).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_STATS_H
#define HW_I386_VTM_STATS_H

#include "hw/qdev-properties.h"
#include "vtm-internal.h"

/*
 * Properties that remember being set, so that at realize they override
 * the preset (timing-preset=bdw) and an unset one takes the preset's
 * value.  Each keeps its default from vtm_core_default_config().
 */
extern const PropertyInfo vtm_prop_u32;
extern const PropertyInfo vtm_prop_u64;
extern const PropertyInfo vtm_prop_bool;
extern const PropertyInfo vtm_prop_policy;
extern const PropertyInfo vtm_prop_timing;
extern const PropertyInfo vtm_prop_preset;

#define VTM_PROP_CACHE(pfx, fld)                                        \
    DEFINE_PROP(pfx "-entries", VTMState, cfg.fld.entries,              \
                vtm_prop_u32, uint32_t),                                \
    DEFINE_PROP(pfx "-ways", VTMState, cfg.fld.ways, vtm_prop_u32,      \
                uint32_t),                                              \
    DEFINE_PROP(pfx "-policy", VTMState, cfg.fld.policy,                \
                vtm_prop_policy, VTMCachePolicy),                       \
    DEFINE_PROP(pfx "-lat", VTMState, cfg.fld.latency, vtm_prop_u32,    \
                uint32_t),                                              \
    DEFINE_PROP(pfx "-enable", VTMState, cfg.fld.enable, vtm_prop_bool, \
                bool),
#define VTM_PROP_U32(name, fld) \
    DEFINE_PROP(name, VTMState, cfg.fld, vtm_prop_u32, uint32_t),
#define VTM_PROP_U64(name, fld) \
    DEFINE_PROP(name, VTMState, cfg.fld, vtm_prop_u64, uint64_t),

/* Every timing property, for vtm_properties[] in vtm.c */
#define VTM_STATS_PROPERTIES                                            \
    DEFINE_PROP("timing", VTMState, cfg.timing.mode, vtm_prop_timing,   \
                VTMTimingMode),                                         \
    DEFINE_PROP("timing-preset", VTMState, timing_preset,               \
                vtm_prop_preset, VTMPreset),                            \
    DEFINE_PROP_STRING("record", VTMState, record_path),                \
    VTM_TIMING_PARAMS(VTM_PROP_CACHE, VTM_PROP_U32, VTM_PROP_U64)

/* The read-only stats and write-only stats-reset properties. */
void vtm_stats_class_init(ObjectClass *klass);

/*
 * Before the configuration is checked: the preset's values for what the
 * user did not set.
 */
void vtm_stats_resolve_config(VTMState *s);

/* After the core is up: opens the record file. */
bool vtm_stats_realize(VTMState *s, Error **errp);

/* Arrival time in IOMMU cycles (0 with timing=off and no record). */
uint64_t vtm_stats_now_locked(VTMState *s);

/*
 * Invalidations: sets the modelled clock to now (vtm_stats_now_locked(),
 * read once for a batch of descriptors that arrived together) and
 * records op.
 */
void vtm_stats_inv_locked(VTMState *s, const VTMInvOp *op, uint64_t now);

/* A translation done: per-requester counters, tracing, recording. */
void vtm_stats_translated_locked(VTMState *s, VTMAddressSpace *vas,
                                 const VTMRequest *req, const VTMResult *res);

/* timing=stall: hold the calling thread for the modelled latency. */
void vtm_stats_stall(VTMState *s, const VTMResult *res);

/*
 * Charges one interrupt request the remapping hardware processed (res
 * from vtm_ir_process) and returns its modelled latency in cycles, 0 with
 * timing=off.  vtm_stats_stall_cycles() waits it out after the unit's
 * lock is dropped, with timing=stall.
 */
uint64_t vtm_stats_irq_locked(VTMState *s, const VTMIrResult *res);
void vtm_stats_stall_cycles(VTMState *s, uint64_t cycles);

#endif
