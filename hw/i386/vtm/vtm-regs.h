/*
 * vtm: the register file (VT-d 11.4), the bottom layer of the glue.
 *
 * Storage, the accessors, the declarative table that gives each
 * register its size, reset value, writable and write-1-to-clear bits,
 * the masked store every access goes through, CAP/ECAP from the
 * properties, and reset.  What a write does beyond storing is the
 * MMIO layer's (vtm-mmio.c), keyed by the register's VTMRegId.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_REGS_H
#define HW_I386_VTM_REGS_H

#include "hw/i386/vtm.h"

/* Every register the table knows; a new register adds one here. */
typedef enum VTMRegId {
    VTM_REG_VER,
    VTM_REG_CAP,
    VTM_REG_ECAP,
    VTM_REG_GCMD,
    VTM_REG_GSTS,
    VTM_REG_RTADDR,
    VTM_REG_CCMD,
    VTM_REG_FSTS,
    VTM_REG_FECTL,
    VTM_REG_FEDATA,
    VTM_REG_FEADDR,
    VTM_REG_FEUADDR,
    VTM_REG_AFLOG,
    VTM_REG_PMEN,
    VTM_REG_IQH,
    VTM_REG_IQT,
    VTM_REG_IQA,
    VTM_REG_ICS,
    VTM_REG_IECTL,
    VTM_REG_IEDATA,
    VTM_REG_IEADDR,
    VTM_REG_IEUADDR,
    VTM_REG_IQERCD,
    VTM_REG_IRTA,
    VTM_REG_IVA,
    VTM_REG_IOTLB,
    VTM_REG_PQH,                /* page requests (ECAP.PRS, vtm-pri.c) */
    VTM_REG_PQT,
    VTM_REG_PQA,
    VTM_REG_PRS,
    VTM_REG_PECTL,
    VTM_REG_PEDATA,
    VTM_REG_PEADDR,
    VTM_REG_PEUADDR,
    VTM_REG_FRCD_LO,            /* each fault recording register, nfr times */
    VTM_REG_FRCD_HI,
    VTM_REG__MAX,
} VTMRegId;

typedef struct VTMRegInfo {
    VTMRegId id;
    const char *name;
    hwaddr offset;
    unsigned size;              /* 4 or 8 */
    uint64_t reset;
    uint64_t wmask;             /* bits software may write */
    uint64_t w1c;               /* bits a written 1 clears */
} VTMRegInfo;

uint32_t vtm_get32(VTMState *s, hwaddr off);
uint64_t vtm_get64(VTMState *s, hwaddr off);
void vtm_set32(VTMState *s, hwaddr off, uint32_t val);
void vtm_set64(VTMState *s, hwaddr off, uint64_t val);

/* CAP.SAGAW from the properties: the table formats the unit walks. */
uint8_t vtm_regs_sagaw(VTMState *s);

/* Every register to its reset value; CAP and ECAP from the properties. */
void vtm_regs_reset(VTMState *s);

/* The register covering byte off, with its base offset, or NULL. */
const VTMRegInfo *vtm_regs_find(VTMState *s, hwaddr off, hwaddr *base);

/* size bytes from addr, little-endian; undefined bytes read 0. */
uint64_t vtm_regs_read(VTMState *s, hwaddr addr, unsigned size);

/*
 * Stores the part of an access of val at [addr, end) that falls in
 * register r at base, honouring its writable and write-1-to-clear bits.
 * Returns the register's previous value; *written is the value of this
 * access in the register's bit positions and *mask the bits it covers.
 */
uint64_t vtm_regs_store_part(VTMState *s, const VTMRegInfo *r, hwaddr base,
                             hwaddr addr, hwaddr end, uint64_t val,
                             uint64_t *written, uint64_t *mask);

#endif
