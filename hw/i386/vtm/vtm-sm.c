/*
 * vtm: scalable mode in the device: the properties that shape it, the
 * capability bits they report and the core configuration they give.
 *
 * Linux 6.12 uses scalable mode whenever a unit reports ECAP.SMTS, maps
 * DMA domains with first-stage tables when the unit has both stages,
 * and aborts DMA remapping on a scalable-mode unit with neither.  It
 * never invalidates a new first-stage mapping, even in caching mode, so
 * MAP notifiers (VFIO) can follow second-stage tables only.  Its usable
 * address widths are what both stages offer: first-stage tables are 48
 * bits wide (57 with CAP.FL5LP), so SAGAW must include 48-bit tables.
 * The defaults and refusals below follow from that (docs/vtm.rst
 * "Scalable mode").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/qdev-properties.h"
#include "vtm-sm.h"

/*
 * The capabilities scalable mode may add (docs/vtm.rst "Nested
 * translation, page requests and dirty tracking"): each a bool property
 * of its own, off by default, registered from this table so that the
 * name, the field, the default and the help line are written once.
 */
/*
 * What a switch needs besides scalable mode.  Nested PASID entries walk
 * both stages' tables (3.8); second-stage A/D live in second-stage
 * leaves; execute and supervisor requests carry a PASID (its prefix
 * holds the flags), and so do Linux's page requests (it sets its queue
 * up only on a unit with PASIDs).
 */
typedef enum VTMSmNeed {
    VTM_SM_NEEDS_BOTH_STAGES,
    VTM_SM_NEEDS_SECOND_STAGE,
    VTM_SM_NEEDS_PASIDS,
} VTMSmNeed;

typedef struct VTMSmSwitch {
    const char *name;
    size_t offset;              /* of the bool in VTMState */
    VTMSmNeed need;
    const char *desc;
} VTMSmSwitch;

static const VTMSmSwitch vtm_sm_switches[] = {
    { "nested", offsetof(VTMState, nested), VTM_SM_NEEDS_BOTH_STAGES,
      "ECAP.NEST: nested (first over second stage) PASID entries; needs "
      "both stages" },
    { "ssads", offsetof(VTMState, ssads), VTM_SM_NEEDS_SECOND_STAGE,
      "ECAP.SSADS: second-stage A/D bits (dirty tracking) where a PASID "
      "entry sets SSADE" },
    { "prs", offsetof(VTMState, prs), VTM_SM_NEEDS_PASIDS,
      "ECAP.PRS: page requests, the page request queue and page group "
      "responses; needs pasid-bits" },
    { "ers", offsetof(VTMState, ers), VTM_SM_NEEDS_PASIDS,
      "ECAP.ERS: execute requests (PASID entries' ERE); needs pasid-bits" },
    { "srs", offsetof(VTMState, srs), VTM_SM_NEEDS_PASIDS,
      "ECAP.SRS: supervisor requests (PASID entries' SRE, reserved "
      "without it); needs pasid-bits" },
};

static void vtm_sm_switch_get(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    const VTMSmSwitch *sw = opaque;
    bool *field = (bool *)((uint8_t *)VTM_IOMMU(obj) + sw->offset);

    visit_type_bool(v, name, field, errp);
}

static void vtm_sm_switch_set(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    const VTMSmSwitch *sw = opaque;
    bool *field = (bool *)((uint8_t *)VTM_IOMMU(obj) + sw->offset);

    if (DEVICE(obj)->realized) {
        qdev_prop_set_after_realize(DEVICE(obj), name, errp);
        return;
    }
    visit_type_bool(v, name, field, errp);
}

void vtm_sm_class_init(ObjectClass *klass)
{
    ObjectProperty *op;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(vtm_sm_switches); i++) {
        const VTMSmSwitch *sw = &vtm_sm_switches[i];

        op = object_class_property_add(klass, sw->name, "bool",
                                       vtm_sm_switch_get, vtm_sm_switch_set,
                                       NULL, (void *)sw);
        object_class_property_set_description(klass, sw->name, sw->desc);
        object_property_set_default_bool(op, false);
    }
}

/* What sw still lacks; "" when it can be on. */
static const char *vtm_sm_switch_lacks(VTMState *s, const VTMSmSwitch *sw)
{
    if (!s->scalable_mode) {
        return "scalable-mode=on";
    }
    switch (sw->need) {
    case VTM_SM_NEEDS_BOTH_STAGES:
        return s->fs_enabled && s->second_stage ? "" :
               "first-stage and second-stage both on";
    case VTM_SM_NEEDS_SECOND_STAGE:
        return s->second_stage ? "" : "second-stage=on";
    default:
        return s->pasid_bits ? "" : "pasid-bits above 0";
    }
}

static bool vtm_sm_check_switches(VTMState *s, Error **errp)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(vtm_sm_switches); i++) {
        const VTMSmSwitch *sw = &vtm_sm_switches[i];
        const char *needs;

        if (!*(bool *)((uint8_t *)s + sw->offset)) {
            continue;
        }
        needs = vtm_sm_switch_lacks(s, sw);
        if (*needs) {
            error_setg(errp, "vtm-iommu: property '%s=on' needs %s",
                       sw->name, needs);
            return false;
        }
    }
    return true;
}

/* Whether first-stage translation is offered, from the properties. */
static bool vtm_sm_first_stage_auto(VTMState *s)
{
    return !s->caching_mode && s->aw_bits >= 48;
}

bool vtm_sm_check_properties(VTMState *s, Error **errp)
{
    if (s->pasid_bits > VTM_PASID_BITS) {
        error_setg(errp, "vtm-iommu: property 'pasid-bits' must be between "
                   "0 and %d (got %u)", VTM_PASID_BITS, s->pasid_bits);
        return false;
    }
    if (!s->scalable_mode) {
        if (s->first_stage == ON_OFF_AUTO_ON) {
            error_setg(errp, "vtm-iommu: property 'first-stage=on' needs "
                       "scalable-mode=on: legacy mode translates with "
                       "second-stage tables only");
            return false;
        }
        if (!s->second_stage) {
            error_setg(errp, "vtm-iommu: property 'second-stage=off' needs "
                       "scalable-mode=on: legacy mode translates with "
                       "second-stage tables only");
            return false;
        }
        s->fs_enabled = false;
        return vtm_sm_check_switches(s, errp);
    }
    if (s->first_stage == ON_OFF_AUTO_ON && s->caching_mode) {
        error_setg(errp, "vtm-iommu: property 'first-stage=on' cannot be "
                   "used with caching-mode=on: software does not invalidate "
                   "new first-stage mappings, so MAP notifiers (VFIO) "
                   "cannot follow first-stage tables; use first-stage=off "
                   "(or auto)");
        return false;
    }
    if (s->first_stage == ON_OFF_AUTO_ON && s->aw_bits < 48) {
        error_setg(errp, "vtm-iommu: property 'first-stage=on' needs "
                   "aw-bits=48 or 57: first-stage tables are 48 or 57 bits "
                   "wide, and software uses the widths both stages offer "
                   "(got aw-bits=%u)", s->aw_bits);
        return false;
    }
    s->fs_enabled = s->first_stage == ON_OFF_AUTO_ON ||
                    (s->first_stage == ON_OFF_AUTO_AUTO &&
                     vtm_sm_first_stage_auto(s));
    if (!s->fs_enabled && !s->second_stage) {
        error_setg(errp, "vtm-iommu: property 'second-stage=off' leaves "
                   "scalable mode without a translation stage (first-stage "
                   "is off%s); software aborts DMA remapping on such a "
                   "unit", s->caching_mode ? " with caching-mode=on" : "");
        return false;
    }
    return vtm_sm_check_switches(s, errp);
}

/* Scalable mode is reported only where DMA is translated at all. */
bool vtm_sm_supported(VTMState *s)
{
    return s->scalable_mode && s->dma_translation;
}

void vtm_sm_fill_core_config(VTMState *s)
{
    bool sm = vtm_sm_supported(s);

    s->cfg.sm_supported = sm;
    s->cfg.fs_supported = sm && s->fs_enabled;
    s->cfg.ss_supported = sm && s->second_stage;
    s->cfg.nest_supported = sm && s->nested;
    s->cfg.fl1gp = s->cfg.fs_supported;
    s->cfg.fl5lp = s->cfg.fs_supported && s->aw_bits == 57;
    s->cfg.ers = sm && s->ers;
    s->cfg.srs = sm && s->srs;
    s->cfg.prs = sm && s->prs;
    s->cfg.slads = sm && s->ssads;
    s->cfg.pss = s->pasid_bits ? s->pasid_bits - 1 : 0;
}

uint64_t vtm_sm_cap_bits(VTMState *s, uint64_t cap)
{
    cap = FIELD_DP64(cap, CAP, FL1GP, s->cfg.fl1gp);
    return FIELD_DP64(cap, CAP, FL5LP, s->cfg.fl5lp);
}

uint64_t vtm_sm_ecap_bits(VTMState *s, uint64_t ecap)
{
    bool sm = s->cfg.sm_supported;

    ecap = FIELD_DP64(ecap, ECAP, SMTS, sm);
    ecap = FIELD_DP64(ecap, ECAP, FLTS, s->cfg.fs_supported);
    ecap = FIELD_DP64(ecap, ECAP, SLTS, s->cfg.ss_supported);
    ecap = FIELD_DP64(ecap, ECAP, PASID, sm && s->pasid_bits);
    ecap = FIELD_DP64(ecap, ECAP, PSS, sm ? s->cfg.pss : 0);
    ecap = FIELD_DP64(ecap, ECAP, NEST, s->cfg.nest_supported);
    ecap = FIELD_DP64(ecap, ECAP, PRS, s->cfg.prs);
    ecap = FIELD_DP64(ecap, ECAP, ERS, s->cfg.ers);
    ecap = FIELD_DP64(ecap, ECAP, SRS, s->cfg.srs);
    ecap = FIELD_DP64(ecap, ECAP, SLADS, s->cfg.slads);
    /* PASID-entry walks snoop, as every walk does (ECAP.C) */
    return FIELD_DP64(ecap, ECAP, SMPWC, sm);
}
