/*
 * vtm: x-check-walks, a cross-check of every translation against an
 * uncached walk (a test and debugging aid; docs/vtm.rst).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_CHECK_H
#define HW_I386_VTM_CHECK_H

#include "hw/i386/vtm.h"

typedef struct VTMChecker VTMChecker;

/* With the property on: the reference unit, at realize. */
void vtm_check_init(VTMState *s);

/*
 * Under the lock, after the unit translated req into res: walks req
 * again on the reference unit (no caches, no A/D writes, untimed) and
 * logs, as a guest error, a translation the caches gave that the tables
 * no longer give, and a DMA write into a page the walks read as a table.
 */
void vtm_check_translation_locked(VTMState *s, const VTMRequest *req,
                                  const VTMResult *res);

/* With the property on: "check" in the unit's statistics (vtm-stats.c). */
void vtm_check_stats_locked(VTMState *s, QDict *unit);

#endif
