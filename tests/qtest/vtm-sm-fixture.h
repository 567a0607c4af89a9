/*
 * qtests of vtm-iommu in scalable mode: a q35 machine with the unit, an
 * edu device (DMA without PASID) and the x-vtm-pasid-probe (DMA with
 * PASIDs), edu's scalable-mode root, context and PASID tables, and the
 * 256-bit invalidation queue.  Used by vtm-sm-test and vtm-nested-test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_QTEST_VTM_SM_FIXTURE_H
#define TESTS_QTEST_VTM_SM_FIXTURE_H

#include "libqtest.h"
#include "libqos/pci.h"
#include "vtm-qtest-util.h"
#include "../lib/vtm-enc-sm.h"

#define VTM_SM_EDU_DEVFN        QPCI_DEVFN(4, 0)
#define VTM_SM_EDU_SID          VTM_SM_EDU_DEVFN    /* bus 0 */
#define VTM_SM_WAIT_STATUS      0x00800080ULL
#define VTM_SM_QUEUE_BASE       0x00900000ULL
#define VTM_SM_TABLE_BASE       0x01000000ULL
#define VTM_SM_TABLE_LIMIT      0x02000000ULL

typedef struct VtmSmFix {
    QTestState *qts;
    QPCIBus *pcibus;
    QPCIDevice *edu;
    QPCIBar bar;
    VtmQtMem mem;               /* tables from VTM_SM_TABLE_BASE */
    VtmQtQueue iq;
    uint64_t root;
    uint64_t dir;               /* edu's PASID directory */
    VtmtSmCtx ctx;              /* edu's context entry */
} VtmSmFix;

/*
 * -device vtm-iommu,id=iommu<opts> (opts starts with a comma or is ""),
 * edu at 04.0, x-vtm-pasid-probe,id=probe, then extra arguments.
 */
void vtm_sm_start(VtmSmFix *t, const char *opts, const char *extra);
void vtm_sm_stop(VtmSmFix *t);

/* The queue with 256-bit descriptors (IQA.DW=1), 11.4.9.3. */
void vtm_sm_qi_enable(VtmSmFix *t);

/* edu's context entry (with the PASID directory) written from t->ctx. */
void vtm_sm_write_ctx(VtmSmFix *t);
void vtm_sm_set_pasid(VtmSmFix *t, uint32_t pasid, const VtmtPasidEntry *e);

/*
 * Scalable-mode root and context tables for edu (requests without PASID
 * use rid_pasid, PASIDs allowed, page requests if pre), RTADDR with
 * TTM=01b, SRTP, the 256-bit queue, then TE.
 */
void vtm_sm_enable(VtmSmFix *t, uint32_t rid_pasid, bool pre);

#endif
