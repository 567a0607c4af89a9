/*
 * vtm: the core's window on guest memory (device glue, no other glue
 * below it).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_DMA_H
#define HW_I386_VTM_DMA_H

#include "hw/i386/vtm.h"

/* s->mem: VTMMemOps over s->dma_as, system memory. */
void vtm_dma_init(VTMState *s);

#endif
