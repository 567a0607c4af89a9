/*
 * vtm: host statistics and recording of the timing model (device glue).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_STATS_H
#define HW_I386_VTM_STATS_H

#include "hw/i386/vtm.h"

/*
 * The unit's lock.  Requests the fast path answered without it
 * (vtm-as.c) wait in a log, and vtm_lock() runs them through the model,
 * statistics and record first, in the order they were logged: the model
 * sees every request, in order, as if each had taken the lock.
 * vtm_unlock() voids the fast path's entries (whatever was done under
 * the lock may change a translation) and says whether the fast path may
 * answer at all: not with timing=stall (each DMA waits for its own
 * latency) nor while performance counters count (their overflow
 * interrupts are the guest's to see at once).  Only the translate hook,
 * which changes no translation, drops the lock without voiding them
 * (vtm_unlock_translated()).
 */
void vtm_lock(VTMState *s);
void vtm_unlock(VTMState *s);
void vtm_unlock_translated(VTMState *s);

/*
 * Without the lock: logs a request of sid that the fast path answered
 * (not with timing=off and no record: nothing would use it).  False when
 * the log is full: then take the lock instead.
 */
bool vtm_stats_log_fast(VTMState *s, VTMAddressSpace *vas, uint16_t sid,
                        uint64_t addr, bool is_write, bool ats);

/* Allocates the log (realize; a unit lives as long as its machine). */
void vtm_stats_fast_init(VTMState *s);

/* The read-only stats and write-only stats-reset properties. */
void vtm_stats_class_init(ObjectClass *klass);

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
