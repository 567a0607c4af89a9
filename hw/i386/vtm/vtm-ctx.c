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

/* Scalable mode ------------------------------------------------------ */

/*
 * 9.2: the root entry's lower half serves devfn 0-127, its upper half
 * devfn 128-255, each with its own present bit and context table.
 */
static VTMFaultReason vtm_ctx_check_sm_root(uint64_t lo, uint64_t hi,
                                            unsigned devfn,
                                            const VTMCtxLimits *lim,
                                            uint64_t *ctp)
{
    bool upper = devfn >= VTM_SM_CTX_PER_TABLE;
    uint64_t half = upper ? hi : lo;

    if (!(upper ? FIELD_EX64(hi, SM_ROOT_HI, UP)
                : FIELD_EX64(lo, SM_ROOT_LO, LP))) {
        return VTM_FR_SM_ROOT_NOT_PRESENT;  /* SRT.2, 9.2 */
    }
    /* Only the half in use is checked: the other may be not present. */
    if (half & (VTM_SM_ROOT_LO_RSVD | vtm_ctx_above_haw(lim))) {
        return VTM_FR_SM_ROOT_RSVD;         /* SRT.3, 9.2 */
    }
    *ctp = (upper ? FIELD_EX64(hi, SM_ROOT_HI, UCTP)
                  : FIELD_EX64(lo, SM_ROOT_LO, LCTP)) << VTM_PAGE_SHIFT;
    return VTM_FR_NONE;
}

static VTMFaultReason vtm_ctx_check_sm_ctx(const uint64_t q[4],
                                           const VTMCtxLimits *lim,
                                           VTMContext *ctx)
{
    uint64_t q0_rsvd = VTM_SM_CTX_Q0_RSVD | vtm_ctx_above_haw(lim);

    if (!FIELD_EX64(q[0], SM_CTX_Q0, P)) {
        return VTM_FR_SM_CTX_NOT_PRESENT;   /* SCT.2, 9.4 */
    }
    /* DTE and PRE need the capabilities behind them (9.4). */
    if (!lim->dt_supported) {
        q0_rsvd |= R_SM_CTX_Q0_DTE_MASK;
    }
    if (!lim->prs) {
        q0_rsvd |= R_SM_CTX_Q0_PRE_MASK;
    }
    if ((q[0] & q0_rsvd) || (q[1] & VTM_SM_CTX_Q1_RSVD) || q[2] || q[3]) {
        return VTM_FR_SM_CTX_RSVD;          /* SCT.3, 9.4 */
    }
    ctx->sm = true;
    ctx->dte = FIELD_EX64(q[0], SM_CTX_Q0, DTE);
    ctx->paside = FIELD_EX64(q[0], SM_CTX_Q0, PASIDE);
    ctx->pre = FIELD_EX64(q[0], SM_CTX_Q0, PRE);
    ctx->pdts = FIELD_EX64(q[0], SM_CTX_Q0, PDTS);
    ctx->pasid_dir = FIELD_EX64(q[0], SM_CTX_Q0, PASIDDIRPTR) <<
                     VTM_PAGE_SHIFT;
    ctx->rid_pasid = FIELD_EX64(q[1], SM_CTX_Q1, RID_PASID);
    ctx->rid_priv = FIELD_EX64(q[1], SM_CTX_Q1, RID_PRIV);
    return VTM_FR_NONE;
}

/* n little-endian qwords in one fetch; false on a bus error. */
static bool vtm_ctx_read_qwords(const VTMMemOps *mem, uint64_t addr,
                                uint64_t *q, unsigned n, unsigned *reads)
{
    unsigned i;

    (*reads)++;
    if (!mem->read(mem->opaque, addr, q, n * sizeof(uint64_t))) {
        return false;
    }
    for (i = 0; i < n; i++) {
        q[i] = le64_to_cpu(q[i]);
    }
    return true;
}

VTMFaultReason vtm_ctx_fetch_sm(const VTMMemOps *mem, uint64_t root_table,
                                uint16_t sid, const VTMCtxLimits *lim,
                                VTMContext *ctx, unsigned *mem_reads)
{
    unsigned bus = sid >> 8, devfn = sid & 0xff;
    uint64_t q[4], ctp = 0;
    VTMFaultReason fr;

    *mem_reads = 0;
    memset(ctx, 0, sizeof(*ctx));

    if (!vtm_ctx_read_qwords(mem, root_table + bus * VTM_ROOT_ENTRY_SIZE,
                             q, 2, mem_reads)) {
        return VTM_FR_SM_ROOT_ACCESS;       /* SRT.1, 9.2 */
    }
    fr = vtm_ctx_check_sm_root(q[0], q[1], devfn, lim, &ctp);
    if (fr != VTM_FR_NONE) {
        return fr;
    }
    if (!vtm_ctx_read_qwords(mem, ctp + (devfn % VTM_SM_CTX_PER_TABLE) *
                             VTM_SM_CTX_ENTRY_SIZE, q, 4, mem_reads)) {
        return VTM_FR_SM_CTX_ACCESS;        /* SCT.1, 9.4 */
    }
    ctx->fpd = FIELD_EX64(q[0], SM_CTX_Q0, FPD);
    return vtm_ctx_check_sm_ctx(q, lim, ctx);
}

/* PASIDs the context's directory covers: 2^(PDTS + 7) entries of 64. */
static bool vtm_ctx_pasid_in_dir(const VTMContext *ctx,
                                 const VTMCtxLimits *lim, uint32_t pasid)
{
    unsigned bits = MIN(ctx->pdts + 7 + VTM_PASID_DIR_SHIFT,
                        MIN(lim->pss + 1, VTM_PASID_BITS));

    return pasid < (1u << bits);
}

VTMFaultReason vtm_ctx_sm_pasid(const VTMContext *ctx,
                                const VTMCtxLimits *lim, bool has_pasid,
                                uint32_t req_pasid, bool req_priv,
                                bool is_translation_req, uint32_t *pasid,
                                bool *priv)
{
    if (is_translation_req && !ctx->dte) {
        return VTM_FR_SM_CTX_DTE;           /* SCT.5, 9.4 */
    }
    if (!has_pasid) {
        /* 9.4: requests without PASID use RID_PASID and RID_PRIV. */
        if (!vtm_ctx_pasid_in_dir(ctx, lim, ctx->rid_pasid)) {
            return VTM_FR_SM_CTX_RID_PASID; /* SCT.9, 9.4 */
        }
        *pasid = ctx->rid_pasid;
        *priv = ctx->rid_priv;
        return VTM_FR_NONE;
    }
    if (!ctx->paside) {
        return VTM_FR_SM_CTX_PASIDE;        /* SCT.6, 9.4 */
    }
    if (req_pasid > VTM_PASID_MAX ||
        !vtm_ctx_pasid_in_dir(ctx, lim, req_pasid)) {
        return VTM_FR_SM_CTX_PASID_MAX;     /* SCT.7, 9.4 PDTS */
    }
    *pasid = req_pasid;
    *priv = req_priv;
    return VTM_FR_NONE;
}

/* Reserved bits of a present PASID table entry (9.6), SPT.3. */
static bool vtm_pasid_rsvd(const uint64_t q[VTM_PASID_ENTRY_QWORDS],
                           unsigned pgtt, const VTMCtxLimits *lim)
{
    uint64_t q0 = VTM_PASID_Q0_RSVD, q1 = VTM_PASID_Q1_RSVD;
    uint64_t q2 = VTM_PASID_Q2_RSVD;
    unsigned i;

    if (pgtt == VTM_PGTT_SS || pgtt == VTM_PGTT_NESTED) {
        q0 |= vtm_ctx_above_haw(lim);
    }
    if (pgtt == VTM_PGTT_FS || pgtt == VTM_PGTT_NESTED) {
        q2 |= vtm_ctx_above_haw(lim);
    }
    if (!lim->slads) {
        q0 |= R_PASID_Q0_SSADE_MASK;
    }
    if (!lim->snoop_control) {
        q1 |= R_PASID_Q1_PGSNP_MASK;
    }
    if (!lim->ers) {
        q2 |= R_PASID_Q2_ERE_MASK;
    }
    if (!lim->srs) {
        /* 9.6: SRE is reserved without ECAP.SRS */
        q2 |= R_PASID_Q2_SRE_MASK;
    }
    for (i = 3; i < VTM_PASID_ENTRY_QWORDS; i++) {
        if (q[i]) {
            return true;
        }
    }
    return ((q[0] & q0) | (q[1] & q1) | (q[2] & q2)) != 0;
}

/* PGTT, AW and FSPM programming of a present entry (9.6), SPT.4. */
static VTMFaultReason vtm_pasid_check_pgtt(const uint64_t *q,
                                           const VTMCtxLimits *lim,
                                           VTMPasidEntry *pe)
{
    unsigned aw = FIELD_EX64(q[0], PASID_Q0, AW);
    unsigned fspm = FIELD_EX64(q[2], PASID_Q2, FSPM);
    bool fs = false, ss = false;

    switch (pe->pgtt) {
    case VTM_PGTT_FS:
        fs = true;
        break;
    case VTM_PGTT_SS:
        ss = true;
        break;
    case VTM_PGTT_NESTED:
        fs = ss = true;
        break;
    case VTM_PGTT_PT:
        return lim->pt_supported ? VTM_FR_NONE
                                 : VTM_FR_SM_PTE_INVALID;   /* SPT.4 */
    default:
        return VTM_FR_SM_PTE_INVALID;       /* SPT.4: reserved PGTT */
    }
    if ((fs && !lim->fs_supported) || (ss && !lim->ss_supported) ||
        (fs && ss && !lim->nest_supported)) {
        return VTM_FR_SM_PTE_INVALID;       /* SPT.4: PGTT vs ECAP */
    }
    if (ss && (!vtm_ctx_aw_levels(aw) || !(lim->sagaw & BIT(aw)))) {
        return VTM_FR_SM_PTE_INVALID;       /* SPT.4: AW vs SAGAW */
    }
    if (fs && !(fspm == VTM_FSPM_4LEVEL ||
                (fspm == VTM_FSPM_5LEVEL && lim->fl5lp))) {
        return VTM_FR_SM_PTE_INVALID;       /* SPT.4: FSPM vs CAP.FL5LP */
    }
    if (ss) {
        pe->ss_levels = vtm_ctx_aw_levels(aw);
        pe->ss_aw_bits = VTM_PAGE_SHIFT + VTM_LEVEL_STRIDE * pe->ss_levels;
        pe->ssptptr = FIELD_EX64(q[0], PASID_Q0, SSPTPTR) << VTM_PAGE_SHIFT;
    }
    if (fs) {
        pe->fs_levels = fspm == VTM_FSPM_5LEVEL ? 5 : 4;
        pe->fsptptr = FIELD_EX64(q[2], PASID_Q2, FSPTPTR) << VTM_PAGE_SHIFT;
    }
    return VTM_FR_NONE;
}

static void vtm_pasid_decode_flags(const uint64_t *q, VTMPasidEntry *pe)
{
    pe->did = FIELD_EX64(q[1], PASID_Q1, DID);
    pe->ssade = FIELD_EX64(q[0], PASID_Q0, SSADE);
    pe->ssee = FIELD_EX64(q[0], PASID_Q0, SSEE);
    pe->pwsnp = FIELD_EX64(q[1], PASID_Q1, PWSNP);
    pe->pgsnp = FIELD_EX64(q[1], PASID_Q1, PGSNP);
    pe->sre = FIELD_EX64(q[2], PASID_Q2, SRE);
    pe->ere = FIELD_EX64(q[2], PASID_Q2, ERE);
    pe->wpe = FIELD_EX64(q[2], PASID_Q2, WPE);
    pe->nxe = FIELD_EX64(q[2], PASID_Q2, NXE);
    pe->smep = FIELD_EX64(q[2], PASID_Q2, SMEP);
    pe->eafe = FIELD_EX64(q[2], PASID_Q2, EAFE);
}

VTMFaultReason vtm_pasid_fetch(const VTMMemOps *mem, const VTMContext *ctx,
                               uint32_t pasid, const VTMCtxLimits *lim,
                               VTMPasidEntry *pe, unsigned *mem_reads)
{
    uint64_t q[VTM_PASID_ENTRY_QWORDS], table;

    *mem_reads = 0;
    memset(pe, 0, sizeof(*pe));
    if (!vtm_ctx_read_qwords(mem, ctx->pasid_dir + (pasid >>
                             VTM_PASID_DIR_SHIFT) * VTM_PASID_DIR_SIZE,
                             q, 1, mem_reads)) {
        return VTM_FR_SM_PDE_ACCESS;        /* SPD.1, 9.5 */
    }
    if (!FIELD_EX64(q[0], PASID_DIR, P)) {
        return VTM_FR_SM_PDE_NOT_PRESENT;   /* SPD.2, 9.5 */
    }
    /* 9.5: a directory entry's FPD covers faults from here on. */
    pe->fpd = FIELD_EX64(q[0], PASID_DIR, FPD);
    if (q[0] & (VTM_PASID_DIR_RSVD | vtm_ctx_above_haw(lim))) {
        return VTM_FR_SM_PDE_RSVD;          /* SPD.3, 9.5 */
    }
    table = FIELD_EX64(q[0], PASID_DIR, SMPTBLPTR) << VTM_PAGE_SHIFT;

    if (!vtm_ctx_read_qwords(mem, table + (pasid % VTM_PASID_PER_TABLE) *
                             VTM_PASID_ENTRY_SIZE, q,
                             VTM_PASID_ENTRY_QWORDS, mem_reads)) {
        return VTM_FR_SM_PTE_ACCESS;        /* SPT.1, 9.6 */
    }
    if (!FIELD_EX64(q[0], PASID_Q0, P)) {
        return VTM_FR_SM_PTE_NOT_PRESENT;   /* SPT.2, 9.6 */
    }
    pe->fpd |= FIELD_EX64(q[0], PASID_Q0, FPD);
    pe->pgtt = FIELD_EX64(q[0], PASID_Q0, PGTT);
    if (vtm_pasid_rsvd(q, pe->pgtt, lim)) {
        return VTM_FR_SM_PTE_RSVD;          /* SPT.3, 9.6 */
    }
    vtm_pasid_decode_flags(q, pe);
    return vtm_pasid_check_pgtt(q, lim, pe);
}

VTMFaultReason vtm_pasid_check_request(const VTMPasidEntry *pe, bool priv,
                                       bool exec)
{
    /* Pass-through and second stage have no privilege levels (9.6). */
    if (pe->pgtt != VTM_PGTT_FS && pe->pgtt != VTM_PGTT_NESTED) {
        return VTM_FR_NONE;
    }
    if (exec && !pe->ere) {
        return VTM_FR_SM_PTE_ERE;           /* SPT.5, 9.6 */
    }
    if (priv && !pe->sre) {
        return VTM_FR_SM_PTE_SRE;           /* SPT.6, 9.6 */
    }
    return VTM_FR_NONE;
}

VTMFaultReason vtm_ctx_fetch_rid_pasid(const VTMMemOps *mem,
                                       uint64_t root_table, uint16_t sid,
                                       const VTMCtxLimits *lim,
                                       VTMContext *ctx, VTMPasidEntry *pe,
                                       unsigned *mem_reads)
{
    unsigned reads = 0;
    VTMFaultReason fr;
    uint32_t pasid;
    bool priv;

    memset(pe, 0, sizeof(*pe));
    fr = vtm_ctx_fetch_sm(mem, root_table, sid, lim, ctx, mem_reads);
    if (fr == VTM_FR_NONE) {
        fr = vtm_ctx_sm_pasid(ctx, lim, false, 0, false, false, &pasid,
                              &priv);
    }
    if (fr == VTM_FR_NONE) {
        fr = vtm_pasid_fetch(mem, ctx, pasid, lim, pe, &reads);
        *mem_reads += reads;
    }
    return fr;
}
