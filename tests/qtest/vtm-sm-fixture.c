/*
 * qtests of vtm-iommu in scalable mode: the shared machine and tables
 * (vtm-sm-fixture.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqos/pci-pc.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-sm-fixture.h"

void vtm_sm_start(VtmSmFix *t, const char *opts, const char *extra)
{
    memset(t, 0, sizeof(*t));
    t->qts = qtest_initf("-M q35 -m 2G -nodefaults "
                         "-device vtm-iommu,id=iommu%s "
                         "-device edu,addr=04.0,dma_mask=0xffffffffffffffff "
                         "-device x-vtm-pasid-probe,id=probe %s", opts,
                         extra);
    t->pcibus = qpci_new_pc(t->qts, NULL);
    t->edu = qpci_device_find(t->pcibus, VTM_SM_EDU_DEVFN);
    g_assert(t->edu);
    qpci_device_enable(t->edu);
    t->bar = qpci_iomap(t->edu, 0, NULL);
    vtm_qt_mem_init(&t->mem, t->qts, VTM_SM_TABLE_BASE, VTM_SM_TABLE_LIMIT);
    vtm_qt_qi_init(&t->iq, t->qts, &t->mem.mem, VTM_SM_QUEUE_BASE, 0,
                   VTM_SM_WAIT_STATUS);
}

void vtm_sm_stop(VtmSmFix *t)
{
    g_free(t->edu);
    qpci_free_pc(t->pcibus);
    qtest_quit(t->qts);
}

void vtm_sm_qi_enable(VtmSmFix *t)
{
    VtmQtQueue *iq = &t->iq;

    vtmt_queue_init(&iq->q, iq->q.mem, iq->q.base, 0);
    iq->q.desc_size = 32;
    vtm_reg_wq(t->qts, A_IQA, vtmt_queue_iqa(&iq->q));
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t->qts, A_IQA), IQA, DW), ==, 1);
    vtm_reg_wq(t->qts, A_IQT, 0);
    vtm_gcmd_update(t->qts, R_GCMD_QIE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_QIES_MASK, ==,
                    R_GSTS_QIES_MASK);
}

void vtm_sm_write_ctx(VtmSmFix *t)
{
    uint64_t q[4];

    vtmt_sm_ctx(q, &t->ctx);
    g_assert(vtmt_sm_set_ctx(&t->mem.mem, t->root, VTM_SM_EDU_SID, q));
}

void vtm_sm_set_pasid(VtmSmFix *t, uint32_t pasid, const VtmtPasidEntry *e)
{
    uint64_t q[VTM_PASID_ENTRY_QWORDS];

    vtmt_pasid_entry(q, e);
    g_assert(vtmt_set_pasid_entry(&t->mem.mem, t->dir, pasid, q));
}

void vtm_sm_enable(VtmSmFix *t, uint32_t rid_pasid, bool pre)
{
    uint64_t rtaddr;

    t->root = vtm_qt_alloc(&t->mem);
    t->dir = vtm_qt_alloc(&t->mem);
    t->ctx = (VtmtSmCtx) {
        .pasid_dir = t->dir, .pdts = 7, .paside = true, .pre = pre,
        .rid_pasid = rid_pasid,
    };
    vtm_sm_write_ctx(t);
    rtaddr = FIELD_DP64(0, RTADDR, RTA, t->root >> VTM_PAGE_SHIFT);
    rtaddr = FIELD_DP64(rtaddr, RTADDR, TTM, VTM_TTM_SCALABLE);
    vtm_reg_wq(t->qts, A_RTADDR, rtaddr);
    vtm_gcmd_update(t->qts, R_GCMD_SRTP_MASK, 0);
    g_assert_cmphex(vtm_reg_rq(t->qts, A_RTADDR), ==, rtaddr);
    vtm_sm_qi_enable(t);
    vtm_gcmd_update(t->qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
}
