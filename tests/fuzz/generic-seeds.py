#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed inputs for QEMU's generic-fuzz on vtm (scripts/fuzz-generic.sh).

Random bytes seldom turn translation on and then start a DMA, so the
fuzzer is given inputs that do: set the root table pointer, latch it, turn
translation on (legacy or scalable mode), then have edu copy guest memory
through vtm.  A DMA pattern fills every DMA read, vtm's reads of root,
context and page tables included, with entries that are present, so the
walk goes down its levels; the fuzzer mutates from there.  Others turn
interrupt remapping on and have edu raise a remappable MSI, whose IRTE
(remapped, x2APIC or posted) comes from a pattern too.

Usage: generic-seeds.py DIR     writes seed-* files into DIR
"""

import struct
import sys

SEPARATOR = b"FUZZ"
OP_WRITE, OP_PCI_WRITE, OP_ADD_DMA_PATTERN, OP_CLOCK_STEP = 3, 5, 7, 9
QUAD, LONG = 3, 2

# generic-fuzz numbers the fuzzable MMIO regions in address order: edu's
# BAR (mapped low by libqos), then vtm's register window and its perfmon
# page.  An index past the last wraps around.
EDU, VTM = 0, 1

# VT-d registers (VT-d spec 11.4) and edu's DMA registers (docs/specs/edu)
GCMD, RTADDR, IQA, IQT = 0x18, 0x20, 0x90, 0x88
GCMD_TE, GCMD_SRTP, GCMD_QIE = 1 << 31, 1 << 30, 1 << 26
GCMD_SIRTP, GCMD_IRE = 1 << 24, 1 << 25
IRTA, IRTA_EIME = 0xb8, 1 << 11
RTADDR_SMT = 1 << 10
EDU_SRC, EDU_DST, EDU_CNT, EDU_CMD = 0x80, 0x88, 0x90, 0x98
EDU_BUF = 0x40000
EDU_CMD_START, EDU_CMD_TO_RAM = 1, 2
EDU_IRQ_RAISE = 0x60
# edu's MSI capability, the only one, sits at the first free offset
MSI_CTRL, MSI_ADDR_LO, MSI_ADDR_HI, MSI_DATA = 0x42, 0x44, 0x48, 0x4c
PCI_WORD, PCI_LONG = 1, 2
# a remappable-format MSI address (VT-d spec 5.1.5.2): handle 0
MSI_REMAPPABLE = 0xfee00000 | (1 << 4)
# A clock step goes to the next timer deadline; the machine's other timers
# come before edu's, whose DMA starts 100 ms after the command.
CLOCK_STEPS = 12


def write(base, offset, value, size=QUAD):
    return struct.pack("<BBxxIQ", size, base, offset, value)


def pci_write(offset, value, size=PCI_LONG):
    return struct.pack("<BBBxI", size, 0, offset, value)


def op(code, payload=b""):
    return bytes([code]) + payload


def pattern(qwords, index=0, stride=0):
    return op(OP_ADD_DMA_PATTERN, bytes([index, stride]) +
              b"".join(struct.pack("<Q", q) for q in qwords))


def walk(*fetches):
    """One DMA pattern per fetch: generic-fuzz fills the n-th DMA read
    with the n-th pattern (round robin), and vtm reads a structure per
    fetch, in walk order."""
    return [pattern(f) for f in fetches]


def translation_on(rtaddr, gcmd_extra=0):
    return [
        op(OP_WRITE, write(VTM, RTADDR, rtaddr)),
        op(OP_WRITE, write(VTM, GCMD, GCMD_SRTP | gcmd_extra, LONG)),
        op(OP_WRITE, write(VTM, GCMD, GCMD_TE | gcmd_extra, LONG)),
    ]


def edu_dma(iova, to_ram=False, count=0x100):
    ram, buf = (EDU_DST, EDU_SRC) if to_ram else (EDU_SRC, EDU_DST)
    cmd = EDU_CMD_START | (EDU_CMD_TO_RAM if to_ram else 0)
    return [
        op(OP_WRITE, write(EDU, ram, iova)),
        op(OP_WRITE, write(EDU, buf, EDU_BUF)),
        op(OP_WRITE, write(EDU, EDU_CNT, count)),
        op(OP_WRITE, write(EDU, EDU_CMD, cmd)),
    ] + [op(OP_CLOCK_STEP)] * CLOCK_STEPS


def edu_msi(address, data):
    """Enables edu's MSI at ADDRESS/DATA and has edu raise it: the message
    goes through vtm's interrupt window, where remapping reads an IRTE."""
    return [
        op(OP_PCI_WRITE, pci_write(MSI_ADDR_LO, address & 0xffffffff)),
        op(OP_PCI_WRITE, pci_write(MSI_ADDR_HI, address >> 32)),
        op(OP_PCI_WRITE, pci_write(MSI_DATA, data)),
        op(OP_PCI_WRITE, pci_write(MSI_CTRL, 1, PCI_WORD)),
        op(OP_WRITE, write(EDU, EDU_IRQ_RAISE, 1, LONG)),
    ]


def intremap_on(irta):
    return [
        op(OP_WRITE, write(VTM, IRTA, irta)),
        op(OP_WRITE, write(VTM, GCMD, GCMD_SIRTP, LONG)),
        op(OP_WRITE, write(VTM, GCMD, GCMD_IRE, LONG)),
    ]


def seeds():
    # The patterns come after translation is turned on: what the unit
    # reads then (scalable mode looks its contexts up) would take them.
    # legacy: root entry and context entry (two 64-bit reads each; AW 48
    # bits, domain 1), a read/write second-stage entry per level, data
    legacy = walk([0x1001], [0], [0x2001], [0x102],
                  [0x3003], [0x3003], [0x3003], [0x3003], [0x5a5a5a5a])
    # scalable mode: root entry, context entry (256 bits), PASID directory
    # entry, PASID entry (512 bits) with second-stage (PGTT 2) or
    # first-stage (PGTT 1) tables, an entry per level, data
    sm_ctx = [[0x1001, 0], [0x2001, 0, 0, 0], [0x3001]]
    sm_ss = walk(*sm_ctx,
                 [0x4000 | (2 << 6) | (2 << 2) | 1, 1, 0, 0, 0, 0, 0, 0],
                 [0x5003], [0x5003], [0x5003], [0x5003], [0xa5a5a5a5])
    sm_fs = walk(*sm_ctx,
                 [(1 << 6) | (2 << 2) | 1, 1, 0x4000, 0, 0, 0, 0, 0],
                 [0x5007], [0x5007], [0x5007], [0x5007], [0xa5a5a5a5])
    sm_on = translation_on(0x1000 | RTADDR_SMT)
    yield "passthrough", edu_dma(0x2000) + edu_dma(0x3000, to_ram=True)
    yield "legacy", (translation_on(0x1000) + legacy +
                     edu_dma(0x5000) + edu_dma(0x6000))
    yield "legacy-write", (translation_on(0x1000) + legacy +
                           edu_dma(0x7000, to_ram=True))
    yield "scalable-ss", (sm_on + sm_ss + edu_dma(0x8000) +
                          edu_dma(0x9000, to_ram=True))
    yield "scalable-fs", sm_on + sm_fs + edu_dma(0x8000, to_ram=True)
    yield "queue", ([op(OP_WRITE, write(VTM, IQA, 0x20000)),
                     op(OP_WRITE, write(VTM, GCMD, GCMD_QIE, LONG))] +
                    translation_on(0x1000, GCMD_QIE) + legacy +
                    edu_dma(0xa000) +
                    [op(OP_WRITE, write(VTM, IQT, 0x40))] +
                    edu_dma(0xa000))
    # interrupt remapping, a 256-entry table: a remapped IRTE (present,
    # vector 0x30, to APIC 1; then in x2APIC mode to APIC 0x100) and a
    # posted one (IM 1, descriptor at 0x70000)
    remapped = [1 | (0x30 << 16) | (1 << 40), 0]
    yield "intremap", (intremap_on(0x60000 | 7) + walk(remapped) +
                       edu_msi(MSI_REMAPPABLE, 0))
    yield "intremap-x2apic", (intremap_on(0x60000 | IRTA_EIME | 7) +
                              walk([1 | (0x30 << 16) | (0x100 << 32), 0]) +
                              edu_msi(MSI_REMAPPABLE, 0))
    yield "intremap-posted", (intremap_on(0x60000 | 7) +
                              walk([1 | (1 << 15) | (0x30 << 16) |
                                    (0x70000 >> 6) << 38, 0]) +
                              edu_msi(MSI_REMAPPABLE, 0))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, ops in seeds():
        with open(f"{sys.argv[1]}/seed-{name}", "wb") as f:
            f.write(SEPARATOR.join(ops))


if __name__ == "__main__":
    main()
