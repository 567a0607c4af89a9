/*
 * vtm: root and context table decode (legacy mode).
 *
 * The root table (9.1) holds one 128-bit entry per bus; each present root
 * entry points to a context table (9.3) with one 128-bit entry per devfn.
 * Both are read as two little-endian qwords through VTMMemOps, checked
 * against what this instance supports, and turned into a VTMContext that
 * the rest of the core treats as immutable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-ctx.h"

/*
 * Context AW encodings (9.3): 001b 39-bit/3-level, 010b 48-bit/4-level,
 * 011b 57-bit/5-level.  000b (the old 30-bit 2-level format) and 100b-111b
 * are reserved.  The encoding is also the CAP.SAGAW bit that advertises
 * it, which vtm_ctx_check_tt() relies on.
 */
unsigned vtm_ctx_aw_levels(unsigned aw)
{
    return (aw >= 1 && aw <= 3) ? aw + 2 : 0;
}

/* Address bits [63:haw] of a table pointer are reserved (9.1, 9.3). */
static uint64_t vtm_ctx_above_haw(const VTMCtxLimits *lim)
{
    return lim->haw >= 64 ? 0 : MAKE_64BIT_MASK(lim->haw, 64 - lim->haw);
}

/* One 128-bit structure entry; false if either half cannot be read. */
static bool vtm_ctx_read_entry(const VTMMemOps *mem, uint64_t addr,
                               uint64_t *lo, uint64_t *hi,
                               unsigned *mem_reads)
{
    /* One 16-byte fetch on hardware, whatever the bus splits it into. */
    (*mem_reads)++;
    return vtm_mem_read64(mem, addr, lo) && vtm_mem_read64(mem, addr + 8, hi);
}

/* Root entry checks; on success *ctp is the context table address. */
static VTMFaultReason vtm_ctx_check_root(uint64_t lo, uint64_t hi,
                                         const VTMCtxLimits *lim,
                                         uint64_t *ctp)
{
    if (!FIELD_EX64(lo, ROOT_LO, P)) {
        return VTM_FR_ROOT_NOT_PRESENT;     /* LRT.1, 9.1 */
    }
    if ((lo & (VTM_ROOT_LO_RSVD | vtm_ctx_above_haw(lim))) ||
        (hi & VTM_ROOT_HI_RSVD)) {
        return VTM_FR_ROOT_RSVD;            /* LRT.3, 9.1 */
    }
    *ctp = FIELD_EX64(lo, ROOT_LO, CTP) << VTM_PAGE_SHIFT;
    return VTM_FR_NONE;
}

/* Translation type and address width checks of a present context entry. */
static VTMFaultReason vtm_ctx_check_tt(unsigned tt, unsigned aw,
                                       const VTMCtxLimits *lim)
{
    switch (tt) {
    case VTM_TT_UNTRANSLATED:
        break;
    case VTM_TT_ALL:
        if (!lim->dt_supported) {
            return VTM_FR_CTX_INVALID;      /* LCT.4.2, 9.3: needs ECAP.DT */
        }
        break;
    case VTM_TT_PASSTHROUGH:
        /*
         * 9.3: with TT=10b the second-stage pointer is ignored, and AW is
         * only meant to hold the largest supported AGAW, so it is not
         * checked: a guest that leaves it zero still gets pass-through.
         */
        return lim->pt_supported ? VTM_FR_NONE
                                 : VTM_FR_CTX_INVALID;  /* LCT.4.2 */
    default:
        return VTM_FR_CTX_INVALID;          /* LCT.4.2, 9.3: TT=11b */
    }
    if (!vtm_ctx_aw_levels(aw) || !(lim->sagaw & BIT(aw))) {
        return VTM_FR_CTX_INVALID;          /* LCT.4.1, 9.3: AW vs SAGAW */
    }
    return VTM_FR_NONE;
}

/* Context entry checks; fills ctx on success. */
static VTMFaultReason vtm_ctx_check_ctx(uint64_t lo, uint64_t hi,
                                        const VTMCtxLimits *lim,
                                        VTMContext *ctx)
{
    unsigned tt = FIELD_EX64(lo, CTX_LO, TT);
    unsigned aw = FIELD_EX64(hi, CTX_HI, AW);
    uint64_t lo_rsvd = VTM_CTX_LO_RSVD;
    VTMFaultReason fr;

    if (!FIELD_EX64(lo, CTX_LO, P)) {
        return VTM_FR_CTX_NOT_PRESENT;      /* LCT.1, 9.3 */
    }
    /* SLPTPTR is ignored for pass-through (9.3), so its width is too. */
    if (tt != VTM_TT_PASSTHROUGH) {
        lo_rsvd |= vtm_ctx_above_haw(lim);
    }
    if ((lo & lo_rsvd) || (hi & VTM_CTX_HI_RSVD)) {
        return VTM_FR_CTX_RSVD;             /* LCT.3, 9.3 */
    }
    fr = vtm_ctx_check_tt(tt, aw, lim);
    if (fr != VTM_FR_NONE) {
        return fr;
    }

    ctx->tt = tt;
    ctx->did = FIELD_EX64(hi, CTX_HI, DID);
    if (tt == VTM_TT_PASSTHROUGH) {
        ctx->levels = 0;
        ctx->aw_bits = 0;
        ctx->slptptr = 0;
    } else {
        ctx->levels = vtm_ctx_aw_levels(aw);
        /* each level translates 9 bits above the 4K page offset */
        ctx->aw_bits = VTM_PAGE_SHIFT + VTM_LEVEL_STRIDE * ctx->levels;
        ctx->slptptr = FIELD_EX64(lo, CTX_LO, SLPTPTR) << VTM_PAGE_SHIFT;
    }
    return VTM_FR_NONE;
}

VTMFaultReason vtm_ctx_fetch(const VTMMemOps *mem, uint64_t root_table,
                             uint16_t sid, const VTMCtxLimits *lim,
                             VTMContext *ctx, unsigned *mem_reads)
{
    unsigned bus = sid >> 8, devfn = sid & 0xff;
    uint64_t lo, hi, ctp = 0;
    VTMFaultReason fr;

    *mem_reads = 0;
    memset(ctx, 0, sizeof(*ctx));

    if (!vtm_ctx_read_entry(mem, root_table + bus * VTM_ROOT_ENTRY_SIZE,
                            &lo, &hi, mem_reads)) {
        return VTM_FR_ROOT_ACCESS;          /* LRT.2, 9.1 */
    }
    fr = vtm_ctx_check_root(lo, hi, lim, &ctp);
    if (fr != VTM_FR_NONE) {
        return fr;
    }

    if (!vtm_ctx_read_entry(mem, ctp + devfn * VTM_CTX_ENTRY_SIZE,
                            &lo, &hi, mem_reads)) {
        return VTM_FR_CTX_ACCESS;           /* LCT.2, 9.3 */
    }
    /*
     * From here on a fault belongs to this context entry, so its FPD
     * decides whether the fault is recorded (7.1.3 "qualified" faults).
     */
    ctx->fpd = FIELD_EX64(lo, CTX_LO, FPD);
    return vtm_ctx_check_ctx(lo, hi, lim, ctx);
}
