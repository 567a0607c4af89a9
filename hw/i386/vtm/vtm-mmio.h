/*
 * vtm: MMIO dispatch of the register window (device glue, the layer
 * just below the QOM device).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_MMIO_H
#define HW_I386_VTM_MMIO_H

#include "hw/i386/vtm.h"

extern const MemoryRegionOps vtm_mmio_ops;

#endif
