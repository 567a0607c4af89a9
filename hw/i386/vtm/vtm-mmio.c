/*
 * vtm: the register file (VT-d 11.4).
 *
 * A declarative table gives each register its size, reset value, the
 * bits software may write, the write-1-to-clear bits and an optional
 * side effect.  One masked store serves every access size and alignment:
 * an access is split over the registers it touches, so a 64-bit register
 * written as two 32-bit halves (or bytewise) behaves like one 64-bit
 * write, and offsets no register covers read 0 and ignore writes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/bswap.h"
#include "vtm-internal.h"
#include "trace.h"

typedef struct VTMRegInfo VTMRegInfo;

/* Side effect of a write: written holds the bits of this access only. */
typedef void (*VTMRegWriteFn)(VTMState *s, hwaddr base, uint64_t old,
                              uint64_t written, uint64_t mask,
                              VTMOutbox *out);

struct VTMRegInfo {
    const char *name;
    hwaddr offset;
    unsigned size;              /* 4 or 8 */
    uint64_t reset;
    uint64_t wmask;             /* bits software may write */
    uint64_t w1c;               /* bits a written 1 clears */
    VTMRegWriteFn write;
};

uint32_t vtm_get32(VTMState *s, hwaddr off)
{
    return ldl_le_p(&s->regs[off]);
}

uint64_t vtm_get64(VTMState *s, hwaddr off)
{
    return ldq_le_p(&s->regs[off]);
}

void vtm_set32(VTMState *s, hwaddr off, uint32_t val)
{
    stl_le_p(&s->regs[off], val);
}

void vtm_set64(VTMState *s, hwaddr off, uint64_t val)
{
    stq_le_p(&s->regs[off], val);
}

static uint64_t vtm_load(VTMState *s, hwaddr off, unsigned size)
{
    return size == 8 ? vtm_get64(s, off) : vtm_get32(s, off);
}

static void vtm_store(VTMState *s, hwaddr off, unsigned size, uint64_t v)
{
    if (size == 8) {
        vtm_set64(s, off, v);
    } else {
        vtm_set32(s, off, v);
    }
}

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
    }
    if (te != FIELD_EX32(sts, GSTS, TES)) {
        if (te && !s->dma_translation) {
            qemu_log_mask(LOG_GUEST_ERROR, "vtm: GCMD.TE set but DMA "
                          "translation is not supported (SAGAW=0)\n");
        } else {
            sts = FIELD_DP32(sts, GSTS, TES, te);
            s->translation_enabled = te;
            out->switch_spaces = true;
            trace_vtm_translation_enable(te);
            vtm_notify_translation_locked(s);
        }
    }
    if (qie != FIELD_EX32(sts, GSTS, QIES)) {
        sts = FIELD_DP32(sts, GSTS, QIES, qie);
        vtm_set32(s, A_GSTS, sts);
        vtm_qi_enable_locked(s, qie);
    }
    /* SIRTP, IRE and CFI: interrupt remapping, vtm-irq.c */
    vtm_irq_gcmd_locked(s, written, mask, &sts, out);
    if (FIELD_EX32(written, GCMD, SFL)) {
        qemu_log_mask(LOG_GUEST_ERROR, "vtm: GCMD 0x%" PRIx64 " asks for a "
                      "capability this unit does not report\n", written);
    }
    /* WBF completes at once: CAP.RWBF is 0 and the model has no buffers. */
    vtm_set32(s, A_GSTS, sts);
}

static void vtm_ccmd_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    if (vtm_bit_written(written, mask, R_CCMD_ICC_MASK)) {
        vtm_ccmd_write_locked(s, out);
    }
}

static void vtm_iotlb_write(VTMState *s, hwaddr base, uint64_t old,
                            uint64_t written, uint64_t mask, VTMOutbox *out)
{
    if (vtm_bit_written(written, mask, R_IOTLB_IVT_MASK)) {
        vtm_iotlb_reg_write_locked(s, out);
    }
}

static void vtm_fsts_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_fault_status_changed_locked(s, out);
    /* 6.5.2.10: clearing IQE lets hardware fetch from IQH again. */
    if (FIELD_EX32(old, FSTS, IQE) && !FIELD_EX32(vtm_get32(s, A_FSTS),
                                                   FSTS, IQE)) {
        vtm_qi_process_locked(s, out);
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
    vtm_fault_status_changed_locked(s, out);
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
    vtm_qi_process_locked(s, out);
}

static void vtm_ics_write(VTMState *s, hwaddr base, uint64_t old,
                          uint64_t written, uint64_t mask, VTMOutbox *out)
{
    if (!FIELD_EX32(vtm_get32(s, A_ICS), ICS, IWC)) {
        uint32_t iectl = vtm_get32(s, A_IECTL);

        vtm_set32(s, A_IECTL, FIELD_DP32(iectl, IECTL, IP, 0));
    }
}

static void vtm_irta_write(VTMState *s, hwaddr base, uint64_t old,
                           uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_irq_irta_written_locked(s);
}

static void vtm_iectl_write(VTMState *s, hwaddr base, uint64_t old,
                            uint64_t written, uint64_t mask, VTMOutbox *out)
{
    vtm_inv_iectl_written_locked(s, out);
}

#define ALL_BITS            UINT64_MAX
#define LOW32               0xffffffffULL
#define FSTS_W1C            (R_FSTS_PFO_MASK | R_FSTS_AFO_MASK | \
                             R_FSTS_APF_MASK | R_FSTS_IQE_MASK | \
                             R_FSTS_ICE_MASK | R_FSTS_ITE_MASK)

/*
 * 11.4, Table 11-3.  CAP and ECAP reset values depend on the properties
 * and are filled in by vtm_regs_reset().  GCMD stores nothing: reads
 * return 0 and the command is taken from the written value.
 */
static const VTMRegInfo vtm_regs[] = {
    { "VER", A_VER, 4, VTM_VERSION, 0, 0, NULL },
    { "CAP", A_CAP, 8, 0, 0, 0, NULL },
    { "ECAP", A_ECAP, 8, 0, 0, 0, NULL },
    { "GCMD", A_GCMD, 4, 0, 0, 0, vtm_gcmd_write },
    { "GSTS", A_GSTS, 4, 0, 0, 0, NULL },
    { "RTADDR", A_RTADDR, 8, 0,
      R_RTADDR_RTA_MASK | R_RTADDR_TTM_MASK, 0, NULL },
    { "CCMD", A_CCMD, 8, 0, ALL_BITS & ~R_CCMD_CAIG_MASK, 0,
      vtm_ccmd_write },
    { "FSTS", A_FSTS, 4, 0, 0, FSTS_W1C, vtm_fsts_write },
    { "FECTL", A_FECTL, 4, R_FECTL_IM_MASK, R_FECTL_IM_MASK, 0,
      vtm_fectl_write },
    { "FEDATA", A_FEDATA, 4, 0, LOW32, 0, NULL },
    { "FEADDR", A_FEADDR, 4, 0, LOW32 & ~3ULL, 0, NULL },
    { "FEUADDR", A_FEUADDR, 4, 0, LOW32, 0, NULL },
    { "AFLOG", A_AFLOG, 8, 0, 0, 0, NULL },
    { "PMEN", A_PMEN, 4, 0, R_PMEN_EPM_MASK, 0, vtm_pmen_write },
    { "IQH", A_IQH, 8, 0, 0, 0, NULL },
    { "IQT", A_IQT, 8, 0, R_IQT_QT_MASK, 0, vtm_iqt_write },
    { "IQA", A_IQA, 8, 0, R_IQA_IQA_MASK | R_IQA_QS_MASK, 0, NULL },
    { "ICS", A_ICS, 4, 0, 0, R_ICS_IWC_MASK, vtm_ics_write },
    { "IECTL", A_IECTL, 4, R_IECTL_IM_MASK, R_IECTL_IM_MASK, 0,
      vtm_iectl_write },
    { "IEDATA", A_IEDATA, 4, 0, LOW32, 0, NULL },
    { "IEADDR", A_IEADDR, 4, 0, LOW32 & ~3ULL, 0, NULL },
    { "IEUADDR", A_IEUADDR, 4, 0, LOW32, 0, NULL },
    { "IQERCD", A_IQERCD, 8, 0, 0, 0, NULL },
    /* 11.4.10; takes effect at SIRTP */
    { "IRTA", A_IRTA, 8, 0,
      R_IRTA_IRTA_MASK | R_IRTA_EIME_MASK | R_IRTA_S_MASK, 0,
      vtm_irta_write },
    { "IVA", A_IVA, 8, 0,
      R_IVA_ADDR_MASK | R_IVA_IH_MASK | R_IVA_AM_MASK, 0, NULL },
    { "IOTLB", A_IOTLB, 8, 0,
      R_IOTLB_DID_MASK | R_IOTLB_DW_MASK | R_IOTLB_DR_MASK |
      R_IOTLB_IIRG_MASK | R_IOTLB_IVT_MASK, 0, vtm_iotlb_write },
};

/* Fault recording registers, repeated nfr times from FRO (11.4.7.6). */
static const VTMRegInfo vtm_frcd_lo = { "FRCD_LO", 0, 8, 0, 0, 0, NULL };
static const VTMRegInfo vtm_frcd_hi = {
    "FRCD_HI", 8, 8, 0, 0, R_FRCD_HI_F_MASK, vtm_frcd_hi_write
};

/* The register covering byte off, with its base offset, or NULL. */
static const VTMRegInfo *vtm_reg_find(VTMState *s, hwaddr off, hwaddr *base)
{
    size_t i;

    if (off >= VTM_FRO_OFFSET &&
        off < VTM_FRO_OFFSET + (hwaddr)s->nfr * VTM_FRCD_SIZE) {
        hwaddr rec = VTM_FRO_OFFSET +
                     (off - VTM_FRO_OFFSET) / VTM_FRCD_SIZE * VTM_FRCD_SIZE;
        const VTMRegInfo *r = off - rec < 8 ? &vtm_frcd_lo : &vtm_frcd_hi;

        *base = rec + r->offset;
        return r;
    }
    for (i = 0; i < ARRAY_SIZE(vtm_regs); i++) {
        if (off >= vtm_regs[i].offset &&
            off < vtm_regs[i].offset + vtm_regs[i].size) {
            *base = vtm_regs[i].offset;
            return &vtm_regs[i];
        }
    }
    return NULL;
}

void vtm_regs_reset(VTMState *s)
{
    size_t i;

    memset(s->regs, 0, sizeof(s->regs));
    for (i = 0; i < ARRAY_SIZE(vtm_regs); i++) {
        vtm_store(s, vtm_regs[i].offset, vtm_regs[i].size, vtm_regs[i].reset);
    }
    vtm_set64(s, A_CAP, vtm_cap_value(s));
    vtm_set64(s, A_ECAP, vtm_ecap_value(s));
}

static uint64_t vtm_bytes_mask(unsigned first, unsigned count)
{
    uint64_t m = count >= 8 ? ALL_BITS : (1ULL << (count * 8)) - 1;

    return m << (first * 8);
}

/* Applies the part of an access [addr, end) that falls in one register. */
static void vtm_reg_store_part(VTMState *s, const VTMRegInfo *r, hwaddr base,
                               hwaddr addr, hwaddr end, uint64_t val,
                               VTMOutbox *out)
{
    hwaddr lo = MAX(addr, base);
    hwaddr hi = MIN(end, base + r->size);
    uint64_t mask = vtm_bytes_mask(lo - base, hi - lo);
    uint64_t written, old, new;

    written = base >= addr ? val >> ((base - addr) * 8)
                           : val << ((addr - base) * 8);
    written &= mask;
    old = vtm_load(s, base, r->size);
    new = (old & ~(mask & r->wmask)) | (written & r->wmask);
    new &= ~(written & r->w1c);
    vtm_store(s, base, r->size, new);
    if (r->write) {
        r->write(s, base, old, written, mask, out);
    }
}

static void vtm_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    VTMState *s = opaque;
    VTMOutbox out = { 0 };
    hwaddr end = addr + size, pos = addr, base;
    bool undefined = false;

    trace_vtm_reg_write(addr, size, val);
    qemu_mutex_lock(&s->lock);
    while (pos < end) {
        const VTMRegInfo *r = vtm_reg_find(s, pos, &base);

        if (!r) {
            undefined = true;
            pos++;
            continue;
        }
        vtm_reg_store_part(s, r, base, addr, end, val, &out);
        pos = base + r->size;
    }
    qemu_mutex_unlock(&s->lock);
    vtm_outbox_flush(s, &out);
    if (undefined) {
        qemu_log_mask(LOG_GUEST_ERROR, "vtm: write of %u bytes at 0x%"
                      HWADDR_PRIx " touches no register (ignored)\n",
                      size, addr);
    }
}

static uint64_t vtm_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VTMState *s = opaque;
    uint64_t val = 0;
    hwaddr base;
    unsigned i;

    qemu_mutex_lock(&s->lock);
    /* Undefined bytes are never stored to, so they read as 0. */
    for (i = 0; i < size; i++) {
        val |= (uint64_t)s->regs[addr + i] << (i * 8);
    }
    qemu_mutex_unlock(&s->lock);
    for (i = 0; i < size; i++) {
        if (!vtm_reg_find(s, addr + i, &base)) {
            qemu_log_mask(LOG_GUEST_ERROR, "vtm: read of %u bytes at 0x%"
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
