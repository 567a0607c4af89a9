/*
 * vtm: IOMMU notifiers, replay and host devices (device glue).
 *
 * Needs only the unit's state and the core: invalidation (vtm-inv.c),
 * the register side effects (vtm-mmio.c), reset and the IOMMU memory
 * region (vtm-as.c) call it, synchronously under the unit's lock, so
 * that a consumer has heard of a change before the guest's next
 * invalidation wait completes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_NOTIFY_H
#define HW_I386_VTM_NOTIFY_H

#include "hw/i386/vtm.h"

/* An invalidation was applied: the notifiers it concerns hear of it. */
void vtm_notify_inv_locked(VTMState *s, const VTMInvOp *op);

/* Translation enabled or disabled, root table set, or reset. */
void vtm_notify_translation_locked(VTMState *s);

/* IOMMUMemoryRegionClass hooks */
int vtm_notify_flag_changed(IOMMUMemoryRegion *iommu,
                            IOMMUNotifierFlag old, IOMMUNotifierFlag new,
                            Error **errp);
void vtm_notify_replay(IOMMUMemoryRegion *iommu, IOMMUNotifier *n);

/* A host device (VFIO) attaches to or detaches from vas. */
bool vtm_notify_set_host_device(VTMAddressSpace *vas,
                                HostIOMMUDevice *hiod, Error **errp);
void vtm_notify_unset_host_device(VTMAddressSpace *vas);

#endif
