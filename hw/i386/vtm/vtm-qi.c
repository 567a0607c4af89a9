/*
 * vtm: invalidation requests decoded into typed operations.
 *
 * Queued-invalidation descriptors (6.5.2) and the register-based interface
 * (6.5.1: CCMD 11.4.6, IOTLB/IVA 11.4.8) both end as a VTMInvOp, so one
 * handler per operation type serves both.  An operation carries only the
 * fields its granularity uses; the ones the spec says hardware ignores are
 * left zero so that no handler can act on them by mistake.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-qi.h"

/* Context-cache operation, shared by CCMD and the 6.5.2.1 descriptor. */
static bool vtm_qi_fill_cc(VTMInvCC *cc, uint8_t gran, uint16_t did,
                           uint16_t sid, uint8_t fm)
{
    switch (gran) {
    case VTM_INV_GLOBAL:
        break;
    case VTM_INV_DEVICE:
        cc->sid = sid;
        cc->fm = fm;
        cc->did = did;
        break;
    case VTM_INV_DOMAIN:
        cc->did = did;
        break;
    default:
        return false;           /* granularity 0 is reserved */
    }
    cc->gran = gran;
    return true;
}

/*
 * IOTLB operation, shared by the IOTLB/IVA registers and the 6.5.2.3
 * descriptor.  The address stays as given (4K aligned): aligning it to
 * 2^am pages is the handler's job, as hardware ignores the low bits.
 */
static bool vtm_qi_fill_iotlb(VTMInvIotlb *t, uint8_t gran, uint16_t did,
                              uint64_t addr, uint8_t am, bool ih,
                              uint8_t mamv)
{
    switch (gran) {
    case VTM_INV_GLOBAL:
        break;
    case VTM_INV_PAGE:
        /* An address mask above CAP.MAMV is not supported (6.5.2.3) */
        if (am > mamv) {
            return false;
        }
        t->addr = addr;
        t->am = am;
        t->ih = ih;
        t->did = did;
        break;
    case VTM_INV_DOMAIN:
        t->did = did;
        break;
    default:
        return false;           /* granularity 0 is reserved */
    }
    t->gran = gran;
    return true;
}

static bool vtm_qi_rsvd_set(const uint64_t desc[2], uint64_t lo_rsvd,
                            uint64_t hi_rsvd)
{
    uint64_t set = (desc[0] & lo_rsvd) | (desc[1] & hi_rsvd);

    return set != 0;
}

/* 6.5.2.1 Context-cache Invalidate Descriptor */
static uint8_t vtm_qi_decode_cc(const uint64_t desc[2], VTMInvCC *cc)
{
    uint64_t lo = desc[0];

    if (vtm_qi_rsvd_set(desc, VTM_QI_CC_LO_RSVD, VTM_QI_CC_HI_RSVD) ||
        !vtm_qi_fill_cc(cc, FIELD_EX64(lo, QI_CC_LO, G),
                        FIELD_EX64(lo, QI_CC_LO, DID),
                        FIELD_EX64(lo, QI_CC_LO, SID),
                        FIELD_EX64(lo, QI_CC_LO, FM))) {
        return VTM_IQEI_RSVD;
    }
    return VTM_IQEI_NONE;
}

/* 6.5.2.3 IOTLB Invalidate Descriptor */
static uint8_t vtm_qi_decode_iotlb(const uint64_t desc[2],
                                   const VTMQiLimits *lim, VTMInvIotlb *t)
{
    uint64_t lo = desc[0], hi = desc[1];

    if (vtm_qi_rsvd_set(desc, VTM_QI_IOTLB_LO_RSVD, VTM_QI_IOTLB_HI_RSVD) ||
        !vtm_qi_fill_iotlb(t, FIELD_EX64(lo, QI_IOTLB_LO, G),
                           FIELD_EX64(lo, QI_IOTLB_LO, DID),
                           FIELD_EX64(hi, QI_IOTLB_HI, ADDR) << VTM_PAGE_SHIFT,
                           FIELD_EX64(hi, QI_IOTLB_HI, AM),
                           FIELD_EX64(hi, QI_IOTLB_HI, IH), lim->mamv)) {
        return VTM_IQEI_RSVD;
    }
    t->dr = FIELD_EX64(lo, QI_IOTLB_LO, DR);
    t->dw = FIELD_EX64(lo, QI_IOTLB_LO, DW);
    return VTM_IQEI_NONE;
}

/*
 * 6.5.2.5 Device-TLB Invalidate Descriptor.  Without ECAP.DT the unit does
 * not implement this type at all, so it is an invalid type (IQEI 3), like
 * any other type the unit does not know, rather than a reserved field.
 */
static uint8_t vtm_qi_decode_devtlb(const uint64_t desc[2],
                                    const VTMQiLimits *lim, VTMInvDevtlb *d)
{
    uint64_t lo = desc[0], hi = desc[1];

    if (!lim->dt_supported) {
        return VTM_IQEI_TYPE;
    }
    if (vtm_qi_rsvd_set(desc, VTM_QI_DEVTLB_LO_RSVD, VTM_QI_DEVTLB_HI_RSVD)) {
        return VTM_IQEI_RSVD;
    }
    d->sid = FIELD_EX64(lo, QI_DEVTLB_LO, SID);
    d->pfsid = FIELD_EX64(lo, QI_DEVTLB_LO, PFSID_LO) |
               FIELD_EX64(lo, QI_DEVTLB_LO, PFSID_HI) <<
               R_QI_DEVTLB_LO_PFSID_LO_LENGTH;
    d->mip = FIELD_EX64(lo, QI_DEVTLB_LO, MIP);
    d->size = FIELD_EX64(hi, QI_DEVTLB_HI, S);
    d->addr = FIELD_EX64(hi, QI_DEVTLB_HI, ADDR) << VTM_PAGE_SHIFT;
    return VTM_IQEI_NONE;
}

/*
 * 6.5.2.7 Interrupt Entry Cache Invalidate Descriptor.  Without ECAP.IR
 * there is no interrupt entry cache: an invalid type, as for device-TLB.
 */
static uint8_t vtm_qi_decode_iec(const uint64_t desc[2],
                                 const VTMQiLimits *lim, VTMInvIec *e)
{
    uint64_t lo = desc[0];

    if (!lim->ir_supported) {
        return VTM_IQEI_TYPE;
    }
    if (vtm_qi_rsvd_set(desc, VTM_QI_IEC_LO_RSVD, VTM_QI_IEC_HI_RSVD)) {
        return VTM_IQEI_RSVD;
    }
    e->global = FIELD_EX64(lo, QI_IEC_LO, G) == VTM_QI_IEC_GLOBAL;
    if (!e->global) {
        e->index = FIELD_EX64(lo, QI_IEC_LO, IIDX);
        e->im = FIELD_EX64(lo, QI_IEC_LO, IM);
    }
    return VTM_IQEI_NONE;
}

/*
 * 6.5.2.8 Invalidation Wait Descriptor.  PD is accepted and dropped: the
 * model has no page requests to drain.  Status data and address matter
 * only with SW.
 */
static uint8_t vtm_qi_decode_wait(const uint64_t desc[2], VTMInvWait *w)
{
    uint64_t lo = desc[0], hi = desc[1];

    if (vtm_qi_rsvd_set(desc, VTM_QI_WAIT_LO_RSVD, VTM_QI_WAIT_HI_RSVD)) {
        return VTM_IQEI_RSVD;
    }
    w->intr = FIELD_EX64(lo, QI_WAIT_LO, IF);
    w->status_write = FIELD_EX64(lo, QI_WAIT_LO, SW);
    w->fence = FIELD_EX64(lo, QI_WAIT_LO, FN);
    if (w->status_write) {
        w->data = FIELD_EX64(lo, QI_WAIT_LO, SDATA);
        w->addr = FIELD_EX64(hi, QI_WAIT_HI, SADDR) << 2;
    }
    return VTM_IQEI_NONE;
}

/* 6.5.2.2 PASID-cache Invalidate Descriptor (type 7) */
static uint8_t vtm_qi_decode_pc(const uint64_t *desc, VTMInvPc *pc)
{
    uint64_t lo = desc[0];

    if ((lo & VTM_QI_PC_LO_RSVD) || desc[1]) {
        return VTM_IQEI_RSVD;
    }
    pc->gran = FIELD_EX64(lo, QI_PC_LO, G);
    switch (pc->gran) {
    case VTM_QI_PC_PASID:
        pc->pasid = FIELD_EX64(lo, QI_PC_LO, PASID);
        /* fall through */
    case VTM_QI_PC_DOMAIN:
        pc->did = FIELD_EX64(lo, QI_PC_LO, DID);
        break;
    case VTM_QI_PC_GLOBAL:
        break;
    default:
        return VTM_IQEI_RSVD;               /* G=10b is reserved */
    }
    return VTM_IQEI_NONE;
}

/* 6.5.2.4 PASID-based IOTLB Invalidate Descriptor (type 6) */
static uint8_t vtm_qi_decode_piotlb(const uint64_t *desc,
                                    const VTMQiLimits *lim, VTMInvPiotlb *t)
{
    uint64_t lo = desc[0], hi = desc[1];

    if (vtm_qi_rsvd_set(desc, VTM_QI_PIOTLB_LO_RSVD,
                        VTM_QI_PIOTLB_HI_RSVD)) {
        return VTM_IQEI_RSVD;
    }
    t->gran = FIELD_EX64(lo, QI_PIOTLB_LO, G);
    t->did = FIELD_EX64(lo, QI_PIOTLB_LO, DID);
    t->pasid = FIELD_EX64(lo, QI_PIOTLB_LO, PASID);
    switch (t->gran) {
    case VTM_QI_PIOTLB_PAGE:
        if (FIELD_EX64(hi, QI_PIOTLB_HI, AM) > lim->mamv) {
            return VTM_IQEI_RSVD;           /* AM above CAP.MAMV */
        }
        t->addr = FIELD_EX64(hi, QI_PIOTLB_HI, ADDR) << VTM_PAGE_SHIFT;
        t->am = FIELD_EX64(hi, QI_PIOTLB_HI, AM);
        t->ih = FIELD_EX64(hi, QI_PIOTLB_HI, IH);
        break;
    case VTM_QI_PIOTLB_PASID:
        break;
    default:
        return VTM_IQEI_RSVD;               /* G=00b/01b are reserved */
    }
    return VTM_IQEI_NONE;
}

/* 6.5.2.6 PASID-based Device-TLB Invalidate Descriptor (type 8) */
static uint8_t vtm_qi_decode_pdevtlb(const uint64_t *desc,
                                     const VTMQiLimits *lim,
                                     VTMInvPdevtlb *d)
{
    uint64_t lo = desc[0], hi = desc[1];

    if (!lim->dt_supported) {
        return VTM_IQEI_TYPE;               /* no device-TLB: as type 3 */
    }
    if (vtm_qi_rsvd_set(desc, VTM_QI_PDEVTLB_LO_RSVD,
                        VTM_QI_PDEVTLB_HI_RSVD)) {
        return VTM_IQEI_RSVD;
    }
    d->sid = FIELD_EX64(lo, QI_PDEVTLB_LO, SID);
    d->pfsid = FIELD_EX64(lo, QI_PDEVTLB_LO, PFSID_LO) |
               FIELD_EX64(lo, QI_PDEVTLB_LO, PFSID_HI) <<
               R_QI_PDEVTLB_LO_PFSID_LO_LENGTH;
    d->mip = FIELD_EX64(lo, QI_PDEVTLB_LO, MIP);
    d->pasid = FIELD_EX64(lo, QI_PDEVTLB_LO, PASID);
    d->global = FIELD_EX64(hi, QI_PDEVTLB_HI, G);
    d->size = FIELD_EX64(hi, QI_PDEVTLB_HI, S);
    d->addr = FIELD_EX64(hi, QI_PDEVTLB_HI, ADDR) << VTM_PAGE_SHIFT;
    return VTM_IQEI_NONE;
}

/* The 128-bit types (6.5.2.1 - 6.5.2.8), from qwords 0 and 1. */
static uint8_t vtm_qi_decode_legacy(unsigned type, const uint64_t *desc,
                                    const VTMQiLimits *lim, VTMInvOp *op)
{
    switch (type) {
    case VTM_QI_CC:
        op->type = VTM_INV_CC;
        return vtm_qi_decode_cc(desc, &op->cc);
    case VTM_QI_IOTLB:
        op->type = VTM_INV_IOTLB;
        return vtm_qi_decode_iotlb(desc, lim, &op->iotlb);
    case VTM_QI_DEVTLB:
        op->type = VTM_INV_DEVTLB;
        return vtm_qi_decode_devtlb(desc, lim, &op->devtlb);
    case VTM_QI_IEC:
        op->type = VTM_INV_IEC;
        return vtm_qi_decode_iec(desc, lim, &op->iec);
    case VTM_QI_WAIT:
        op->type = VTM_INV_WAIT;
        return vtm_qi_decode_wait(desc, &op->wait);
    default:
        /* Type 0 and undefined types: 6.5.2, IQEI 3. */
        return VTM_IQEI_TYPE;
    }
}

static unsigned vtm_qi_type(const uint64_t *desc)
{
    return FIELD_EX64(desc[0], QI_LO, TYPE_LO) |
           FIELD_EX64(desc[0], QI_LO, TYPE_HI) << R_QI_LO_TYPE_LO_LENGTH;
}

uint8_t vtm_qi_decode(const uint64_t desc[2], const VTMQiLimits *lim,
                      VTMInvOp *op)
{
    return vtm_qi_decode_wide(desc, 128, lim, op);
}

uint8_t vtm_qi_decode_wide(const uint64_t *desc, unsigned width_bits,
                           const VTMQiLimits *lim, VTMInvOp *op)
{
    unsigned type = vtm_qi_type(desc);
    bool pasid_type = type >= VTM_QI_PIOTLB && type <= VTM_QI_PDEVTLB;

    memset(op, 0, sizeof(*op));
    if (pasid_type && !lim->sm_supported) {
        return VTM_IQEI_TYPE;   /* scalable mode not reported: 6.5.2 */
    }
    if (width_bits != 256) {
        /* 11.4.9.9: a 256-bit type in a 128-bit queue */
        return pasid_type ? VTM_IQEI_WIDTH
                          : vtm_qi_decode_legacy(type, desc, lim, op);
    }
    /* 6.5.2: bits 255:128 of every defined type are reserved */
    if (desc[2] || desc[3]) {
        return (pasid_type || (type >= VTM_QI_CC && type <= VTM_QI_WAIT))
               ? VTM_IQEI_RSVD : VTM_IQEI_TYPE;
    }
    switch (type) {
    case VTM_QI_PIOTLB:
        op->type = VTM_INV_PIOTLB;
        return vtm_qi_decode_piotlb(desc, lim, &op->piotlb);
    case VTM_QI_PC:
        op->type = VTM_INV_PC;
        return vtm_qi_decode_pc(desc, &op->pc);
    case VTM_QI_PDEVTLB:
        op->type = VTM_INV_PDEVTLB;
        return vtm_qi_decode_pdevtlb(desc, lim, &op->pdevtlb);
    default:
        return vtm_qi_decode_legacy(type, desc, lim, op);
    }
}

/* 11.4.6: CIRG selects the granularity; CAIG is the device's to report. */
bool vtm_qi_from_ccmd(uint64_t ccmd, VTMInvOp *op)
{
    memset(op, 0, sizeof(*op));
    op->type = VTM_INV_CC;
    return vtm_qi_fill_cc(&op->cc, FIELD_EX64(ccmd, CCMD, CIRG),
                          FIELD_EX64(ccmd, CCMD, DID),
                          FIELD_EX64(ccmd, CCMD, SID),
                          FIELD_EX64(ccmd, CCMD, FM));
}

/* 11.4.8.1 IIRG selects the granularity; 11.4.8.2 IVA the pages. */
bool vtm_qi_from_iotlb_reg(uint64_t iotlb, uint64_t iva, uint8_t mamv,
                           VTMInvOp *op)
{
    memset(op, 0, sizeof(*op));
    op->type = VTM_INV_IOTLB;
    if (!vtm_qi_fill_iotlb(&op->iotlb, FIELD_EX64(iotlb, IOTLB, IIRG),
                           FIELD_EX64(iotlb, IOTLB, DID),
                           FIELD_EX64(iva, IVA, ADDR) << VTM_PAGE_SHIFT,
                           FIELD_EX64(iva, IVA, AM),
                           FIELD_EX64(iva, IVA, IH), mamv)) {
        return false;
    }
    op->iotlb.dr = FIELD_EX64(iotlb, IOTLB, DR);
    op->iotlb.dw = FIELD_EX64(iotlb, IOTLB, DW);
    return true;
}
