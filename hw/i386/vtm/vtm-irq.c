/*
 * vtm: the interrupt address window (3.15).
 *
 * Writes a device makes to 0xFEEx_xxxx are interrupt requests, not DMA:
 * they bypass DMA remapping in both the translated and the untranslated
 * view.  Interrupt remapping is not implemented yet, so every request is
 * delivered in compatibility format.  A read of the window is a DMA fault
 * (LGN.4, fault reason Eh).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "vtm-internal.h"
#include "trace.h"

static MemTxResult vtm_intr_write(void *opaque, hwaddr addr, uint64_t value,
                                  unsigned size, MemTxAttrs attrs)
{
    VTMState *s = opaque;

    trace_vtm_intr_msi(attrs.unspecified ? 0 : attrs.requester_id,
                       VTM_INTR_ADDR_BASE + addr, value);
    address_space_stl_le(s->dma_as, VTM_INTR_ADDR_BASE + addr, value,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    return MEMTX_OK;
}

static MemTxResult vtm_intr_read(void *opaque, hwaddr addr, uint64_t *data,
                                 unsigned size, MemTxAttrs attrs)
{
    VTMState *s = opaque;
    VTMOutbox out = { 0 };
    VTMFault f = {
        .reason = VTM_FR_INTR_ADDR,     /* LGN.4 */
        .sid = attrs.unspecified ? 0 : attrs.requester_id,
        .addr = VTM_INTR_ADDR_BASE + addr,
        .is_write = false,
    };

    *data = 0;
    if (s->translation_enabled) {
        qemu_mutex_lock(&s->lock);
        vtm_fault_record_locked(s, &f, &out);
        qemu_mutex_unlock(&s->lock);
        vtm_outbox_flush(s, &out);
    }
    return MEMTX_ERROR;
}

static const MemoryRegionOps vtm_intr_ops = {
    .read_with_attrs = vtm_intr_read,
    .write_with_attrs = vtm_intr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
};

void vtm_irq_window_init(VTMState *s, MemoryRegion *mr, Object *owner)
{
    memory_region_init_io(mr, owner, &vtm_intr_ops, s, "vtm-intr-window",
                          VTM_INTR_ADDR_SIZE);
}
