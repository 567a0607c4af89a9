/*
 * vtm: the core's window on guest memory (VTMMemOps over an AddressSpace).
 *
 * Remapping structures live in memory (9.x): an access that resolves to
 * anything but RAM fails, which the core reports as the matching "error
 * accessing ..." fault.  That also keeps the unit, which holds its lock
 * here, from dispatching into device MMIO.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "exec/address-spaces.h"
#include "vtm-dma.h"

/*
 * The RAM behind [addr, addr + len), or NULL.  A VFIO BAR mapped into the
 * address space is RAM to QEMU but device memory to the unit: refuse it.
 * The caller holds the RCU read lock for as long as it uses the pointer.
 */
static uint8_t *vtm_dma_ram_ptr(AddressSpace *as, uint64_t addr, size_t len,
                                bool is_write, MemoryRegion **pmr,
                                hwaddr *pxlat)
{
    hwaddr xlat, plen = len;
    MemoryRegion *mr;

    mr = address_space_translate(as, addr, &xlat, &plen, is_write,
                                 MEMTXATTRS_UNSPECIFIED);
    if (!memory_region_is_ram(mr) || memory_region_is_ram_device(mr) ||
        plen < len || (is_write && mr->readonly)) {
        return NULL;
    }
    *pmr = mr;
    *pxlat = xlat;
    return (uint8_t *)memory_region_get_ram_ptr(mr) + xlat;
}

/*
 * Table reads are the page walker's memory traffic: one translation of the
 * address and a copy, where address_space_read() would translate again.
 */
static bool vtm_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    VTMState *s = opaque;
    MemoryRegion *mr;
    hwaddr xlat;
    uint8_t *p;

    RCU_READ_LOCK_GUARD();
    p = vtm_dma_ram_ptr(s->dma_as, addr, len, false, &mr, &xlat);
    if (!p) {
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

/*
 * Writes (the wait descriptor's status, posted-interrupt descriptors) are
 * rare: address_space_write() keeps dirty tracking and translated code in
 * step with them.
 */
static bool vtm_dma_write(void *opaque, uint64_t addr, const void *buf,
                          size_t len)
{
    VTMState *s = opaque;
    MemoryRegion *mr;
    hwaddr xlat;

    RCU_READ_LOCK_GUARD();
    if (!vtm_dma_ram_ptr(s->dma_as, addr, len, true, &mr, &xlat)) {
        return false;
    }
    return address_space_write(s->dma_as, addr, MEMTXATTRS_UNSPECIFIED,
                               buf, len) == MEMTX_OK;
}

void vtm_dma_init(VTMState *s)
{
    s->dma_as = &address_space_memory;
    s->mem = (VTMMemOps) {
        .read = vtm_dma_read,
        .write = vtm_dma_write,
        .opaque = s,
    };
}
