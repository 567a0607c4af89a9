/*
 * vtm: scalable mode in the device (vtm-sm.c): the properties, the
 * capability bits and the core configuration they give.  Uses nothing
 * of the other glue files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_SM_H
#define HW_I386_VTM_SM_H

#include "hw/i386/vtm.h"

/*
 * Checks scalable-mode-related properties against each other and the
 * others (caching-mode, aw-bits) and resolves first-stage=auto.  False
 * with an error naming the property.
 */
bool vtm_sm_check_properties(VTMState *s, Error **errp);

/*
 * The properties of the capabilities scalable mode adds (nested, ssads,
 * prs, ers, srs), each with its default and help line.
 */
void vtm_sm_class_init(ObjectClass *klass);

/* Whether the unit reports ECAP.SMTS. */
bool vtm_sm_supported(VTMState *s);

/* The scalable-mode fields of s->cfg, from the checked properties. */
void vtm_sm_fill_core_config(VTMState *s);

/* CAP and ECAP with the scalable-mode bits of s->cfg (11.4.2, 11.4.3). */
uint64_t vtm_sm_cap_bits(VTMState *s, uint64_t cap);
uint64_t vtm_sm_ecap_bits(VTMState *s, uint64_t ecap);

#endif
