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
    /*
     * The copy bypasses address_space_read(), which is where QEMU's
     * generic-fuzz supplies the bytes of a DMA read: tell it here, or the
     * fuzzer never reaches the tables (a no-op outside fuzzing builds).
     */
    fuzz_dma_read_cb(addr, len, mr);
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

/*
 * A locked update of a qword (3.6.2: first-stage A/D bits; 5.2.3: the
 * posted interrupt descriptor): an atomic compare-and-exchange on the
 * host memory behind guest RAM, so that it is atomic against the vCPUs
 * too.  Only RAM qualifies: an MMIO or ram_device target (a VFIO BAR)
 * fails, and the core reports the access fault of the structure.
 * address_space_unmap() then marks the page dirty (migration, TCG).
 */
static bool vtm_dma_cmpxchg64(void *opaque, uint64_t addr, uint64_t expected,
                              uint64_t new, uint64_t *found)
{
    VTMState *s = opaque;
    MemoryRegion *mr;
    hwaddr xlat, len = sizeof(uint64_t);
    uint64_t *p, old;

    if (addr & (sizeof(uint64_t) - 1)) {
        return false;           /* entries are naturally aligned */
    }
    RCU_READ_LOCK_GUARD();
    if (!vtm_dma_ram_ptr(s->dma_as, addr, len, true, &mr, &xlat)) {
        return false;
    }
    p = address_space_map(s->dma_as, addr, &len, true,
                          MEMTXATTRS_UNSPECIFIED);
    if (!p) {
        return false;
    }
    if (len < sizeof(uint64_t)) {
        address_space_unmap(s->dma_as, p, len, true, 0);
        return false;
    }
    old = qatomic_cmpxchg__nocheck(p, cpu_to_le64(expected),
                                   cpu_to_le64(new));
    *found = le64_to_cpu(old);
    address_space_unmap(s->dma_as, p, len, true,
                        old == cpu_to_le64(expected) ? len : 0);
    return true;
}

void vtm_dma_init(VTMState *s)
{
    s->dma_as = &address_space_memory;
    s->mem = (VTMMemOps) {
        .read = vtm_dma_read,
        .write = vtm_dma_write,
        .cmpxchg64 = vtm_dma_cmpxchg64,
        .opaque = s,
    };
}
