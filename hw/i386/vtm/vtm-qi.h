/*
 * vtm: invalidation requests, decoded from queued-invalidation descriptors
 * (6.5.2) or from the register-based interface (6.5.1) into one typed
 * operation each, then applied by one handler per type.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_QI_H
#define HW_I386_VTM_QI_H

#include "vtm-types.h"

typedef enum VTMInvType {
    VTM_INV_CC,                 /* context cache */
    VTM_INV_IOTLB,
    VTM_INV_DEVTLB,             /* device-TLB (ATS endpoints) */
    VTM_INV_IEC,                /* interrupt entry cache */
    VTM_INV_WAIT,
    /*
     * Scalable mode (256-bit descriptors only).  Timed with the cost of
     * the legacy type they extend (vtm_inv_cost_type()).
     */
    VTM_INV_PC,                 /* PASID cache */
    VTM_INV_PIOTLB,             /* PASID-based IOTLB */
    VTM_INV_PDEVTLB,            /* PASID-based device-TLB */
} VTMInvType;

/* The legacy type whose invalidation cost an operation type pays. */
static inline VTMInvType vtm_inv_cost_type(VTMInvType t)
{
    switch (t) {
    case VTM_INV_PC:
        return VTM_INV_CC;
    case VTM_INV_PIOTLB:
        return VTM_INV_IOTLB;
    case VTM_INV_PDEVTLB:
        return VTM_INV_DEVTLB;
    default:
        return t;
    }
}

typedef struct VTMInvCC {
    uint8_t gran;               /* VTM_INV_GLOBAL / _DOMAIN / _DEVICE */
    uint16_t did;
    uint16_t sid;
    uint8_t fm;                 /* function mask, 9.3 / 6.5.2.1 */
} VTMInvCC;

typedef struct VTMInvIotlb {
    uint8_t gran;               /* VTM_INV_GLOBAL / _DOMAIN / _PAGE */
    uint16_t did;
    uint64_t addr;              /* page-selective: base, 4K aligned */
    uint8_t am;                 /* 2^am pages */
    bool ih;                    /* invalidation hint: leaf entries only */
    bool dr, dw;                /* drain hints (no effect in the model) */
} VTMInvIotlb;

typedef struct VTMInvDevtlb {
    uint16_t sid;
    uint16_t pfsid;
    uint8_t mip;
    uint64_t addr;
    bool size;                  /* S: the address encodes the range */
} VTMInvDevtlb;

typedef struct VTMInvIec {
    bool global;
    uint16_t index;
    uint8_t im;                 /* 2^im entries */
} VTMInvIec;

typedef struct VTMInvWait {
    bool intr;                  /* IF */
    bool status_write;          /* SW */
    bool fence;                 /* FN */
    uint32_t data;
    uint64_t addr;              /* status address, dword aligned */
} VTMInvWait;

/* 6.5.2.2 PASID-cache invalidation */
typedef struct VTMInvPc {
    uint8_t gran;               /* VTM_QI_PC_DOMAIN / _PASID / _GLOBAL */
    uint16_t did;
    uint32_t pasid;
} VTMInvPc;

/* 6.5.2.4 PASID-based IOTLB invalidation (first-stage mappings) */
typedef struct VTMInvPiotlb {
    uint8_t gran;               /* VTM_QI_PIOTLB_PASID / _PAGE */
    uint16_t did;
    uint32_t pasid;
    uint64_t addr;              /* page-selective: base, 4K aligned */
    uint8_t am;                 /* 2^am pages */
    bool ih;                    /* keep the paging-structure caches */
} VTMInvPiotlb;

/* 6.5.2.6 PASID-based device-TLB invalidation */
typedef struct VTMInvPdevtlb {
    uint16_t sid;
    uint16_t pfsid;
    uint8_t mip;
    uint32_t pasid;
    uint64_t addr;
    bool size;                  /* S: the address encodes the range */
    bool global;                /* G: every PASID's global mappings */
} VTMInvPdevtlb;

typedef struct VTMInvOp {
    VTMInvType type;
    union {
        VTMInvCC cc;
        VTMInvIotlb iotlb;
        VTMInvDevtlb devtlb;
        VTMInvIec iec;
        VTMInvWait wait;
        VTMInvPc pc;
        VTMInvPiotlb piotlb;
        VTMInvPdevtlb pdevtlb;
    };
} VTMInvOp;

/* What this instance accepts: decoding depends on it. */
typedef struct VTMQiLimits {
    uint8_t mamv;               /* CAP.MAMV: largest page-selective AM */
    bool dt_supported;          /* device-TLB descriptors allowed */
    bool ir_supported;          /* interrupt entry cache descriptors */
    bool sm_supported;          /* ECAP.SMTS: types 6-8 exist */
} VTMQiLimits;

/*
 * Decodes one 128-bit descriptor (desc[0] is bits 63:0).  Returns
 * VTM_IQEI_NONE and fills op, or the IQEI error code (11.4.9.9) that the
 * device reports with FSTS.IQE: VTM_IQEI_TYPE for a type this unit does
 * not implement (0, above 5, device-TLB without lim->dt_supported, IEC
 * without lim->ir_supported), VTM_IQEI_RSVD for a reserved bit, a
 * reserved granularity or a page-selective AM above lim->mamv.
 * Fields the granularity does not use are left zero in op.
 */
uint8_t vtm_qi_decode(const uint64_t desc[2], const VTMQiLimits *lim,
                      VTMInvOp *op);

/*
 * Decodes one descriptor of width_bits (128 with IQA.DW=0, 256 with
 * IQA.DW=1; desc holds width_bits / 64 qwords).  At 256 bits the
 * 128-bit types keep their layout with qwords 2-3 reserved, and the
 * PASID-based types 6 (PASID-based IOTLB), 7 (PASID cache) and 8
 * (PASID-based device-TLB) exist when lim->sm_supported (else
 * VTM_IQEI_TYPE).  A 256-bit-only type in a 128-bit queue is
 * VTM_IQEI_WIDTH; a reserved bit or granularity VTM_IQEI_RSVD.
 * Never fails on guest data otherwise: the glue raises IQE.
 */
uint8_t vtm_qi_decode_wide(const uint64_t *desc, unsigned width_bits,
                           const VTMQiLimits *lim, VTMInvOp *op);

/*
 * The register-based interface: CCMD and IOTLB/IVA register values into
 * the same operations.  Return false for a reserved granularity or a
 * page-selective AM above mamv (the device then completes the command
 * without invalidating, 6.5.1).  The ICC/IVT bits are not looked at: the
 * caller decodes when software sets them.
 */
bool vtm_qi_from_ccmd(uint64_t ccmd, VTMInvOp *op);
bool vtm_qi_from_iotlb_reg(uint64_t iotlb, uint64_t iva, uint8_t mamv,
                           VTMInvOp *op);

#endif
