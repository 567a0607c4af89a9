/*
 * vtm: the timing properties of vtm-iommu (device glue).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_PROPS_H
#define HW_I386_VTM_PROPS_H

#include "hw/i386/vtm.h"

/*
 * One property per timing parameter (vtm-params.h) and timing-preset,
 * each with its description and default.
 */
void vtm_props_class_init(ObjectClass *klass);

/* The core's default configuration, nothing marked as set by the user. */
void vtm_props_instance_init(VTMState *s);

/*
 * Before the configuration is checked: the preset's values for what the
 * user did not set.
 */
void vtm_props_resolve_config(VTMState *s);

#endif
