/*
 * vtm: the register file (VT-d 11.4).
 *
 * A declarative table gives each register its size, reset value, the
 * bits software may write and the write-1-to-clear bits.  One masked
 * store serves every access size and alignment: the MMIO layer splits an
 * access over the registers it touches, so a 64-bit register written as
 * two 32-bit halves (or bytewise) behaves like one 64-bit write, and
 * offsets no register covers read 0 and ignore writes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "vtm-regs.h"
#include "vtm-sm.h"

#define VTM_ND_64K_DOMAINS      6       /* 2^(4 + 2 * ND) domain ids */
#define VTM_MAMV                18      /* page-selective: up to 1 GiB */

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

static uint64_t vtm_regs_load(VTMState *s, hwaddr off, unsigned size)
{
    return size == 8 ? vtm_get64(s, off) : vtm_get32(s, off);
}

static void vtm_regs_store(VTMState *s, hwaddr off, unsigned size,
                           uint64_t v)
{
    if (size == 8) {
        vtm_set64(s, off, v);
    } else {
        vtm_set32(s, off, v);
    }
}

uint8_t vtm_regs_sagaw(VTMState *s)
{
    /* 11.4.2: bit 1 = 39-bit (3-level), 2 = 48-bit, 3 = 57-bit. */
    if (!s->dma_translation) {
        return 0;
    }
    switch (s->aw_bits) {
    case 39:
        return 0x2;
    case 48:
        return 0x6;
    default:
        return 0xe;
    }
}

/* 11.4.2 */
static uint64_t vtm_regs_cap(VTMState *s)
{
    uint64_t cap = 0;

    cap = FIELD_DP64(cap, CAP, ND, VTM_ND_64K_DOMAINS);
    cap = FIELD_DP64(cap, CAP, CM, s->caching_mode);
    cap = FIELD_DP64(cap, CAP, SAGAW, vtm_regs_sagaw(s));
    cap = FIELD_DP64(cap, CAP, MGAW, s->aw_bits - 1);
    cap = FIELD_DP64(cap, CAP, FRO, VTM_FRO_OFFSET / 16);
    cap = FIELD_DP64(cap, CAP, SLLPS, s->cfg.sllps);
    cap = FIELD_DP64(cap, CAP, PSI, 1);
    cap = FIELD_DP64(cap, CAP, NFR, s->nfr - 1);
    cap = FIELD_DP64(cap, CAP, MAMV, VTM_MAMV);
    cap = FIELD_DP64(cap, CAP, DWD, 1);
    cap = FIELD_DP64(cap, CAP, DRD, 1);
    /* Posted interrupts come with remapping (vtm-ir.c, 5.2) */
    cap = FIELD_DP64(cap, CAP, PI, s->ir_cfg.pi);
    /* The enhanced command interface drives performance monitoring */
    cap = FIELD_DP64(cap, CAP, ECMDS, s->perfmon);
    /* FL1GP, FL5LP: first-stage page sizes and depth (vtm-sm.c) */
    return vtm_sm_cap_bits(s, cap);
}

/* 11.4.3 */
static uint64_t vtm_regs_ecap(VTMState *s)
{
    X86IOMMUState *x86 = X86_IOMMU_DEVICE(s);
    uint64_t ecap = 0;

    /* Page walks snoop: the guest need not flush tables it writes. */
    ecap = FIELD_DP64(ecap, ECAP, C, 1);
    ecap = FIELD_DP64(ecap, ECAP, QI, 1);
    ecap = FIELD_DP64(ecap, ECAP, DT, x86->dt_supported);
    ecap = FIELD_DP64(ecap, ECAP, PT, x86->pt_supported);
    ecap = FIELD_DP64(ecap, ECAP, SC, s->snoop_control);
    ecap = FIELD_DP64(ecap, ECAP, IRO, VTM_IRO_OFFSET / 16);
    /* 11.4.13: performance monitoring (vtm-pmu.c) */
    ecap = FIELD_DP64(ecap, ECAP, PMS, s->perfmon);
    if (x86_iommu_ir_supported(x86)) {
        ecap = FIELD_DP64(ecap, ECAP, IR, 1);
        ecap = FIELD_DP64(ecap, ECAP, EIM, s->ir_cfg.eim);
        /* IEC invalidation takes any index mask up to the table size */
        ecap = FIELD_DP64(ecap, ECAP, MHMV, 0xf);
    }
    /* SMTS, FLTS, SLTS, PASID, PSS, SMPWC (vtm-sm.c) */
    return vtm_sm_ecap_bits(s, ecap);
}

#define ALL_BITS            UINT64_MAX
#define LOW32               0xffffffffULL
#define FSTS_W1C            (R_FSTS_PFO_MASK | R_FSTS_AFO_MASK | \
                             R_FSTS_APF_MASK | R_FSTS_IQE_MASK | \
                             R_FSTS_ICE_MASK | R_FSTS_ITE_MASK)
#define REG(id, size, reset, wmask, w1c) \
    { VTM_REG_##id, #id, A_##id, size, reset, wmask, w1c }

/*
 * 11.4, Table 11-3.  CAP and ECAP reset values depend on the properties
 * and are filled in by vtm_regs_reset().  GCMD stores nothing: reads
 * return 0 and the command is taken from the written value.
 */
static const VTMRegInfo vtm_regs[] = {
    REG(VER, 4, VTM_VERSION, 0, 0),
    REG(CAP, 8, 0, 0, 0),
    REG(ECAP, 8, 0, 0, 0),
    REG(GCMD, 4, 0, 0, 0),
    REG(GSTS, 4, 0, 0, 0),
    REG(RTADDR, 8, 0, R_RTADDR_RTA_MASK | R_RTADDR_TTM_MASK, 0),
    REG(CCMD, 8, 0, ALL_BITS & ~R_CCMD_CAIG_MASK, 0),
    REG(FSTS, 4, 0, 0, FSTS_W1C),
    REG(FECTL, 4, R_FECTL_IM_MASK, R_FECTL_IM_MASK, 0),
    REG(FEDATA, 4, 0, LOW32, 0),
    REG(FEADDR, 4, 0, LOW32 & ~3ULL, 0),
    REG(FEUADDR, 4, 0, LOW32, 0),
    REG(AFLOG, 8, 0, 0, 0),
    REG(PMEN, 4, 0, R_PMEN_EPM_MASK, 0),
    REG(IQH, 8, 0, 0, 0),
    REG(IQT, 8, 0, R_IQT_QT_MASK, 0),
    /* DW: stored only on a scalable-mode unit (vtm-mmio.c) */
    REG(IQA, 8, 0, R_IQA_IQA_MASK | R_IQA_DW_MASK | R_IQA_QS_MASK, 0),
    REG(ICS, 4, 0, 0, R_ICS_IWC_MASK),
    REG(IECTL, 4, R_IECTL_IM_MASK, R_IECTL_IM_MASK, 0),
    REG(IEDATA, 4, 0, LOW32, 0),
    REG(IEADDR, 4, 0, LOW32 & ~3ULL, 0),
    REG(IEUADDR, 4, 0, LOW32, 0),
    REG(IQERCD, 8, 0, 0, 0),
    /* 11.4.10; takes effect at SIRTP */
    REG(IRTA, 8, 0, R_IRTA_IRTA_MASK | R_IRTA_EIME_MASK | R_IRTA_S_MASK, 0),
    REG(IVA, 8, 0, R_IVA_ADDR_MASK | R_IVA_IH_MASK | R_IVA_AM_MASK, 0),
    REG(IOTLB, 8, 0, R_IOTLB_DID_MASK | R_IOTLB_DW_MASK | R_IOTLB_DR_MASK |
        R_IOTLB_IIRG_MASK | R_IOTLB_IVT_MASK, 0),
    /* 11.4.11: page requests, with ECAP.PRS only (vtm-pri.c) */
    REG(PQH, 8, 0, R_PQH_PQH_MASK, 0),
    REG(PQT, 8, 0, R_PQT_PQT_MASK, 0),
    REG(PQA, 8, 0, R_PQA_PQA_MASK | R_PQA_PQS_MASK, 0),
    REG(PRS, 4, 0, 0, R_PRS_PPR_MASK | R_PRS_PRO_MASK),
    REG(PECTL, 4, R_PECTL_IM_MASK, R_PECTL_IM_MASK, 0),
    REG(PEDATA, 4, 0, LOW32, 0),
    REG(PEADDR, 4, 0, LOW32 & ~3ULL, 0),
    REG(PEUADDR, 4, 0, LOW32, 0),
};

/* Whether r exists on this unit: the page request ones need PRS. */
static bool vtm_regs_present(VTMState *s, const VTMRegInfo *r)
{
    return s->cfg.prs || r->id < VTM_REG_PQH || r->id > VTM_REG_PEUADDR;
}

/* Fault recording registers, repeated nfr times from FRO (11.4.7.6). */
static const VTMRegInfo vtm_frcd_lo = {
    VTM_REG_FRCD_LO, "FRCD_LO", 0, 8, 0, 0, 0
};
static const VTMRegInfo vtm_frcd_hi = {
    VTM_REG_FRCD_HI, "FRCD_HI", 8, 8, 0, 0, R_FRCD_HI_F_MASK
};

const VTMRegInfo *vtm_regs_find(VTMState *s, hwaddr off, hwaddr *base)
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
        if (vtm_regs_present(s, &vtm_regs[i]) &&
            off >= vtm_regs[i].offset &&
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
        if (!vtm_regs_present(s, &vtm_regs[i])) {
            continue;
        }
        vtm_regs_store(s, vtm_regs[i].offset, vtm_regs[i].size,
                       vtm_regs[i].reset);
    }
    vtm_set64(s, A_CAP, vtm_regs_cap(s));
    vtm_set64(s, A_ECAP, vtm_regs_ecap(s));
}

uint64_t vtm_regs_read(VTMState *s, hwaddr addr, unsigned size)
{
    uint64_t val = 0;
    unsigned i;

    /* Undefined bytes are never stored to, so they read as 0. */
    for (i = 0; i < size; i++) {
        val |= (uint64_t)s->regs[addr + i] << (i * 8);
    }
    return val;
}

static uint64_t vtm_bytes_mask(unsigned first, unsigned count)
{
    uint64_t m = count >= 8 ? ALL_BITS : (1ULL << (count * 8)) - 1;

    return m << (first * 8);
}

uint64_t vtm_regs_store_part(VTMState *s, const VTMRegInfo *r, hwaddr base,
                             hwaddr addr, hwaddr end, uint64_t val,
                             uint64_t *written, uint64_t *mask)
{
    hwaddr lo = MAX(addr, base);
    hwaddr hi = MIN(end, base + r->size);
    uint64_t old, new;

    *mask = vtm_bytes_mask(lo - base, hi - lo);
    *written = base >= addr ? val >> ((base - addr) * 8)
                            : val << ((addr - base) * 8);
    *written &= *mask;
    old = vtm_regs_load(s, base, r->size);
    new = (old & ~(*mask & r->wmask)) | (*written & r->wmask);
    new &= ~(*written & r->w1c);
    vtm_regs_store(s, base, r->size, new);
    return old;
}
