/*
 * vtm: fault recording and the unit's two event interrupts (device
 * glue, above the register file).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_FAULT_H
#define HW_I386_VTM_FAULT_H

#include "hw/i386/vtm.h"
#include "vtm-outbox.h"

/* 7.2.1 Primary Fault Logging of f; the fault event goes to out. */
void vtm_fault_record_locked(VTMState *s, const VTMFault *f,
                             VTMOutbox *out);

/* Sets FSTS bits, with the fault event if that is a new condition. */
void vtm_fault_raise_status_locked(VTMState *s, uint32_t fsts_bits,
                                   VTMOutbox *out);

/* Software wrote FSTS or an FRCD: PPF and FECTL.IP follow. */
void vtm_fault_status_changed_locked(VTMState *s);

/* Software wrote FECTL: a held fault event is sent if IM is clear. */
void vtm_fault_fectl_written_locked(VTMState *s, VTMOutbox *out);

/* An invalidation completion event (ICS.IWC newly set). */
void vtm_fault_inv_event_locked(VTMState *s, VTMOutbox *out);

/* Software wrote IECTL: a held completion event is sent if IM is clear. */
void vtm_fault_iectl_written_locked(VTMState *s, VTMOutbox *out);

/* Software wrote ICS: with IWC clear, IECTL.IP is cleared. */
void vtm_fault_ics_written_locked(VTMState *s);

/* Device reset: the next fault goes to the first record. */
void vtm_fault_reset(VTMState *s);

#endif
