/*
 * vtm: performance monitoring, device glue (vtm-pmu.c) over the pure
 * core vtm-perfmon.c.  It sits beside the register file at the bottom of
 * the glue: it includes no other glue header, and the layers above call
 * it (MMIO dispatch of its window, translations and interrupt requests
 * to settle the counters, the device for properties, reset, migration).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_PMU_H
#define HW_I386_VTM_PMU_H

#include "hw/i386/vtm.h"
#include "vtm-outbox.h"

/* x-perfmon-width's range, and nfr's limit with perfmon=on. */
bool vtm_pmu_check_properties(VTMState *s, Error **errp);
/* At realize, after the core: counters over the model's counts. */
void vtm_pmu_init(VTMState *s);
void vtm_pmu_reset_locked(VTMState *s);
/* The register window: 16 KiB with performance monitoring, else 4. */
uint64_t vtm_pmu_window_size(VTMState *s);
/* Whether window byte off is a performance monitoring register. */
bool vtm_pmu_owns(VTMState *s, hwaddr off);

/* Accesses within the bytes vtm_pmu_owns; a due interrupt goes to out. */
uint64_t vtm_pmu_read_locked(VTMState *s, hwaddr off, unsigned size,
                             VTMOutbox *out);
void vtm_pmu_write_locked(VTMState *s, hwaddr off, unsigned size,
                          uint64_t val, VTMOutbox *out);

/*
 * After the model counted a translation or an interrupt request: running
 * counters settle, so a wrap raises its overflow (and interrupt) now.
 */
void vtm_pmu_sync_locked(VTMState *s, VTMOutbox *out);

extern const VMStateDescription vtm_pmu_vmstate;

#endif
