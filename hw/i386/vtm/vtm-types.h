/*
 * vtm: types shared by the pure core and the device glue.
 *
 * The core reaches guest memory only through VTMMemOps, so it can run over
 * a QEMU AddressSpace in the device and over a fake memory in unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_TYPES_H
#define HW_I386_VTM_TYPES_H

#include "vtm-defs.h"

typedef struct VTMMemOps {
    /* Both return false when the access cannot complete (bus error). */
    bool (*read)(void *opaque, uint64_t addr, void *buf, size_t len);
    bool (*write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    void *opaque;
} VTMMemOps;

static inline bool vtm_mem_read64(const VTMMemOps *m, uint64_t addr,
                                  uint64_t *val)
{
    uint64_t le;

    if (!m->read(m->opaque, addr, &le, sizeof(le))) {
        return false;
    }
    *val = le64_to_cpu(le);
    return true;
}

static inline bool vtm_mem_write32(const VTMMemOps *m, uint64_t addr,
                                   uint32_t val)
{
    uint32_t le = cpu_to_le32(val);

    return m->write(m->opaque, addr, &le, sizeof(le));
}

/* Access permissions of a translation, as in IOMMUAccessFlags. */
#define VTM_PERM_NONE   0
#define VTM_PERM_R      1
#define VTM_PERM_W      2
#define VTM_PERM_RW     (VTM_PERM_R | VTM_PERM_W)

/* One DMA request presented for translation. */
typedef struct VTMRequest {
    uint16_t sid;               /* requester id: bus << 8 | devfn */
    uint64_t addr;              /* input (IO virtual) address */
    bool is_write;
    bool is_translation_req;    /* ATS translation request */
} VTMRequest;

/* Where a lookup in one structure was satisfied: the walk log reads it. */
typedef enum VTMHitLevel {
    VTM_HIT_NONE = 0,           /* full miss: walked from the root */
    VTM_HIT_IOTLB,
} VTMHitLevel;

/* A fault, recorded by the device through its fault recording registers. */
typedef struct VTMFault {
    VTMFaultReason reason;
    uint16_t sid;
    uint64_t addr;
    bool is_write;
    bool fpd;                   /* fault processing disabled: do not record */
} VTMFault;

/* The outcome of translating one request. */
typedef struct VTMResult {
    uint64_t iova;              /* page-aligned input address */
    uint64_t translated;        /* page-aligned output address */
    uint64_t addr_mask;         /* page size - 1 */
    uint8_t perm;               /* VTM_PERM_* */
    uint16_t domain_id;
    bool passthrough;
    VTMFault fault;             /* reason VTM_FR_NONE when translated */
} VTMResult;

#endif
