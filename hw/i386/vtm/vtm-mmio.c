/*
 * vtm: MMIO dispatch of the register window (VT-d 11.4).
 *
 * The register file (vtm-regs.c) stores each access through its masked
 * store; this file adds what a write does beyond storing, one handler
 * per register in a table indexed by VTMRegId, and calls down into the
 * layer that owns the effect (fault recording, interrupts, invalidation,
 * notifiers).  What must wait for the lock to be dropped is queued in an
 * outbox and flushed by vtm_as_outbox_flush().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-log.h"
#include "vtm-mmio.h"
#include "vtm-stats.h"
#include "vtm-regs.h"
#include "vtm-fault.h"
#include "vtm-irq.h"
#include "vtm-inv.h"
#include "vtm-notify.h"
#include "vtm-as.h"
#include "vtm-pmu.h"
#include "vtm-pri.h"
#include "trace.h"

/* Side effect of a write: written holds the bits of this access only. */
typedef void (*VTMRegWriteFn)(VTMState *s, hwaddr base, uint64_t old,
                              uint64_t written, uint64_t mask,
                              VTMOutbox *out);

static bool vtm_bit_written(uint64_t written, uint64_t mask, uint64_t bit)
{
    return (mask & bit) && (written & bit);
}

/* 11.4.4.1: one-shot commands and enables; status is reported in GSTS. */
static void vtm_gcmd_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    uint32_t sts = vtm_get32(s, A_GSTS);
    /* An access that does not cover an enable bit leaves it as it is. */
    bool te = (mask & R_GCMD_TE_MASK) ? FIELD_EX32(written, GCMD, TE)
                                      : FIELD_EX32(sts, GSTS, TES);
    bool qie = (mask & R_GCMD_QIE_MASK) ? FIELD_EX32(written, GCMD, QIE)
                                        : FIELD_EX32(sts, GSTS, QIES);

    if (FIELD_EX32(written, GCMD, SRTP)) {
        vtm_core_set_root(&s->core, vtm_get64(s, A_RTADDR));
        sts = FIELD_DP32(sts, GSTS, RTPS, 1);
        trace_vtm_root_set(s->core.root_table, s->core.ttm);
        vtm_notify_translation_locked(s);
        /* scalable mode: pass-through requesters may change view */
        s->pt_recheck_all = true;
        out->switch_spaces = true;
    }
    if (te != FIELD_EX32(sts, GSTS, TES)) {
        if (te && !s->dma_translation) {
            vtm_guest_error("vtm: GCMD.TE set but DMA "
                            "translation is not supported (SAGAW=0)\n");
        } else {
            sts = FIELD_DP32(sts, GSTS, TES, te);
            s->translation_enabled = te;
            s->pt_recheck_all = true;
            out->switch_spaces = true;
            trace_vtm_translation_enable(te);
            vtm_notify_translation_locked(s);
        }
    }
    if (qie != FIELD_EX32(sts, GSTS, QIES)) {
        sts = FIELD_DP32(sts, GSTS, QIES, qie);
        vtm_set32(s, A_GSTS, sts);
        vtm_inv_qi_enable_locked(s, qie);
    }
    /* SIRTP, IRE and CFI: interrupt remapping, vtm-irq.c */
    vtm_irq_gcmd_locked(s, written, mask, &sts, out);
    if (FIELD_EX32(written, GCMD, SFL)) {
        vtm_guest_error("vtm: GCMD 0x%" PRIx64 " asks for a "
                        "capability this unit does not report\n", written);
    }
    /* WBF completes at once: CAP.RWBF is 0 and the model has no buffers. */
    vtm_set32(s, A_GSTS, sts);
}

static void vtm_ccmd_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    if (vtm_bit_written(written, mask, R_CCMD_ICC_MASK)) {
        vtm_inv_ccmd_written_locked(s, out);
    }
}

static void vtm_iotlb_write(VTMState *s, hwaddr base, uint64_t old,
                            uint64_t written, uint64_t mask, VTMOutbox *out)
{
    if (vtm_bit_written(written, mask, R_IOTLB_IVT_MASK)) {
        vtm_inv_iotlb_written_locked(s, out);
    }
}

static void vtm_fsts_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_fault_status_changed_locked(s);
    /* 6.5.2.10: clearing IQE lets hardware fetch from IQH again. */
    if (FIELD_EX32(old, FSTS, IQE) && !FIELD_EX32(vtm_get32(s, A_FSTS),
                                                   FSTS, IQE)) {
        vtm_inv_qi_process_locked(s, out);
    }
}

static void vtm_fectl_write(VTMState *s, hwaddr base, uint64_t old,
                            uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_fault_fectl_written_locked(s, out);
}

static void vtm_frcd_hi_write(VTMState *s, hwaddr base, uint64_t old,
                              uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_fault_status_changed_locked(s);
}

static void vtm_pmen_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    /*
     * CAP.PLMR/PHMR are 0: there are no protected regions to enable, but
     * PRS still follows EPM so software polling it completes (11.4.8).
     */
    uint32_t v = vtm_get32(s, A_PMEN);

    vtm_set32(s, A_PMEN, FIELD_DP32(v, PMEN, PRS, FIELD_EX32(v, PMEN, EPM)));
}

static void vtm_iqt_write(VTMState *s, hwaddr base, uint64_t old,
                          uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_inv_qi_process_locked(s, out);
}

/*
 * 11.4.9.3: DW selects 256-bit descriptors and exists only on a unit
 * that reports ECAP.SMTS; elsewhere it is reserved and reads 0.
 */
static void vtm_iqa_write(VTMState *s, hwaddr base, uint64_t old,
                          uint64_t written, uint64_t mask, VTMOutbox *out)
{
    uint64_t iqa = vtm_get64(s, A_IQA);

    if (!s->cfg.sm_supported && FIELD_EX64(iqa, IQA, DW)) {
        vtm_set64(s, A_IQA, FIELD_DP64(iqa, IQA, DW, 0));
    }
}

static void vtm_ics_write(VTMState *s, hwaddr base, uint64_t old,
                          uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_fault_ics_written_locked(s);
}

static void vtm_irta_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_irq_irta_written_locked(s);
}

static void vtm_iectl_write(VTMState *s, hwaddr base, uint64_t old,
                            uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_fault_iectl_written_locked(s, out);
}

/* 11.4.11: PQH, PQT, PQA, PRS, PECTL go through the queue model */
static void vtm_prq_reg_write(VTMState *s, hwaddr base, uint64_t old,
                              uint64_t written, uint64_t mask, VTMOutbox *out)
{
    const VTMRegInfo *r = vtm_regs_find(s, base, &base);

    vtm_pri_reg_written_locked(s, r->id, written & mask, out);
}

/* What a write does beyond storing, by register (NULL: nothing). */
static const VTMRegWriteFn vtm_mmio_effects[VTM_REG__MAX] = {
    [VTM_REG_GCMD] = vtm_gcmd_write,
    [VTM_REG_CCMD] = vtm_ccmd_write,
    [VTM_REG_FSTS] = vtm_fsts_write,
    [VTM_REG_FECTL] = vtm_fectl_write,
    [VTM_REG_PMEN] = vtm_pmen_write,
    [VTM_REG_IQT] = vtm_iqt_write,
    [VTM_REG_IQA] = vtm_iqa_write,
    [VTM_REG_ICS] = vtm_ics_write,
    [VTM_REG_IECTL] = vtm_iectl_write,
    [VTM_REG_IRTA] = vtm_irta_write,
    [VTM_REG_IOTLB] = vtm_iotlb_write,
    [VTM_REG_FRCD_HI] = vtm_frcd_hi_write,
    [VTM_REG_PQH] = vtm_prq_reg_write,
    [VTM_REG_PQT] = vtm_prq_reg_write,
    [VTM_REG_PQA] = vtm_prq_reg_write,
    [VTM_REG_PRS] = vtm_prq_reg_write,
    [VTM_REG_PECTL] = vtm_prq_reg_write,
};

/* Applies the part of an access [addr, end) that falls in one register. */
static void vtm_mmio_write_part(VTMState *s, const VTMRegInfo *r,
                                hwaddr base, hwaddr addr, hwaddr end,
                                uint64_t val, VTMOutbox *out)
{
    uint64_t written, mask, old;

    old = vtm_regs_store_part(s, r, base, addr, end, val, &written, &mask);
    if (vtm_mmio_effects[r->id]) {
        vtm_mmio_effects[r->id](s, base, old, written, mask, out);
    }
}

/*
 * How many of the n bytes from off performance monitoring owns (pm) or
 * does not own (!pm), counted until the first that differs.
 */
static unsigned vtm_mmio_pmu_run(VTMState *s, hwaddr off, unsigned n,
                                 bool pm)
{
    unsigned i = 0;

    while (i < n && vtm_pmu_owns(s, off + i) == pm) {
        i++;
    }
    return i;
}

static void vtm_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    VTMState *s = opaque;
    VTMOutbox out = { 0 };
    hwaddr end = addr + size, pos = addr, base;
    bool undefined = false;

    trace_vtm_reg_write(addr, size, val);
    vtm_lock(s);
    while (pos < end) {
        const VTMRegInfo *r;
        unsigned n = vtm_mmio_pmu_run(s, pos, end - pos, true);

        if (n) {
            /* performance monitoring and enhanced commands (vtm-pmu.c) */
            vtm_pmu_write_locked(s, pos, n, val >> ((pos - addr) * 8), &out);
            pos += n;
            continue;
        }
        r = vtm_regs_find(s, pos, &base);
        if (!r) {
            undefined = true;
            pos++;
            continue;
        }
        vtm_mmio_write_part(s, r, base, addr, end, val, &out);
        pos = base + r->size;
    }
    vtm_unlock(s);
    vtm_as_outbox_flush(s, &out);
    if (undefined) {
        vtm_guest_error("vtm: write of %u bytes at 0x%"
                        HWADDR_PRIx " touches no register (ignored)\n",
                        size, addr);
    }
}

static uint64_t vtm_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VTMState *s = opaque;
    VTMOutbox out = { 0 };
    uint64_t val = 0, part;
    hwaddr base;
    unsigned i, n;

    vtm_lock(s);
    for (i = 0; i < size; i += n) {
        n = vtm_mmio_pmu_run(s, addr + i, size - i, true);
        if (n) {
            part = vtm_pmu_read_locked(s, addr + i, n, &out);
        } else {
            n = vtm_mmio_pmu_run(s, addr + i, size - i, false);
            part = vtm_regs_read(s, addr + i, n);
        }
        val |= part << (i * 8);
    }
    vtm_unlock(s);
    /* reading a counter may find it wrapped: its interrupt goes out */
    vtm_irq_outbox_flush(s, &out);
    for (i = 0; i < size; i++) {
        if (!vtm_pmu_owns(s, addr + i) &&
            !vtm_regs_find(s, addr + i, &base)) {
            vtm_guest_error("vtm: read of %u bytes at 0x%"
                            HWADDR_PRIx " touches no register (reads 0)\n",
                            size, addr);
            break;
        }
    }
    trace_vtm_reg_read(addr, size, val);
    return val;
}

const MemoryRegionOps vtm_mmio_ops = {
    .read = vtm_mmio_read,
    .write = vtm_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};
