/*
 * vtm: the invalidation interfaces (device glue, above interrupts):
 * register-based invalidation (6.5.1) and the invalidation queue (6.5.2).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_INV_H
#define HW_I386_VTM_INV_H

#include "hw/i386/vtm.h"
#include "vtm-outbox.h"

/* CCMD.ICC written as 1: 6.5.1.1. */
void vtm_inv_ccmd_written_locked(VTMState *s, VTMOutbox *out);
/* IOTLB.IVT written as 1: 6.5.1.2. */
void vtm_inv_iotlb_written_locked(VTMState *s, VTMOutbox *out);
/* GCMD.QIE changed (GSTS.QIES already follows it). */
void vtm_inv_qi_enable_locked(VTMState *s, bool enable);
/* IQT written, or IQE cleared: fetch and apply up to the tail. */
void vtm_inv_qi_process_locked(VTMState *s, VTMOutbox *out);

#endif
