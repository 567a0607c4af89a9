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
#include "vtm-internal.h"

static bool vtm_dma_is_ram(AddressSpace *as, uint64_t addr, size_t len,
                           bool is_write)
{
    hwaddr xlat, plen = len;
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(as, addr, &xlat, &plen, is_write,
                                 MEMTXATTRS_UNSPECIFIED);
    return memory_region_is_ram(mr) && plen >= len &&
           !(is_write && mr->readonly);
}

static bool vtm_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    VTMState *s = opaque;

    if (!vtm_dma_is_ram(s->dma_as, addr, len, false)) {
        return false;
    }
    return address_space_read(s->dma_as, addr, MEMTXATTRS_UNSPECIFIED,
                              buf, len) == MEMTX_OK;
}

static bool vtm_dma_write(void *opaque, uint64_t addr, const void *buf,
                          size_t len)
{
    VTMState *s = opaque;

    if (!vtm_dma_is_ram(s->dma_as, addr, len, true)) {
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
