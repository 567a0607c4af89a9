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
#include "vtm-sm.h"

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
        return true;
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
    return true;
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
    s->cfg.nest_supported = false;
    s->cfg.fl1gp = s->cfg.fs_supported;
    s->cfg.fl5lp = s->cfg.fs_supported && s->aw_bits == 57;
    s->cfg.ers = false;
    s->cfg.prs = false;
    s->cfg.slads = false;
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
    /* PASID-entry walks snoop, as every walk does (ECAP.C) */
    return FIELD_DP64(ecap, ECAP, SMPWC, sm);
}
