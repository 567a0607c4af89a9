/*
 * vtm-iommu migration qtests (issue 17): the unit's state is saved to a
 * file and loaded into a new QEMU in the middle of queued invalidation,
 * with a fault pending and its event held by the mask; everything then
 * continues as if nothing had happened.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-qtest-util.h"

#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */
#define FE_MSG_ADDR         0x00800000ULL
#define WAIT_STATUS_ADDR    0x00800080ULL
#define QUEUE_BASE          0x00900000ULL
#define TABLE_BASE          0x01000000ULL
#define TABLE_LIMIT         0x02000000ULL
#define FE_DATA             0x00004021
#define DOMAIN_ID           1
#define LEVELS              4
#define MAPPED              0x03000000ULL
#define UNMAPPED            0x0f123000ULL
#define DMA_LEN             0x100
#define QEMU_ARGS           "-M q35 -m 512M -nodefaults -device vtm-iommu " \
                            "-device edu,addr=04.0,dma_mask=0xffffffffffffffff"

typedef struct Guest {
    QTestState *qts;
    QPCIBus *pcibus;
    QPCIDevice *edu;
    QPCIBar bar;
    VtmQtMem mem;
    VtmQtQueue iq;
} Guest;

static void guest_attach(Guest *g, QTestState *qts)
{
    memset(g, 0, sizeof(*g));
    g->qts = qts;
    g->pcibus = qpci_new_pc(qts, NULL);
    g->edu = qpci_device_find(g->pcibus, EDU_DEVFN);
    g_assert(g->edu);
    qpci_device_enable(g->edu);
    g->bar = qpci_iomap(g->edu, 0, NULL);
    vtm_qt_mem_init(&g->mem, qts, TABLE_BASE, TABLE_LIMIT);
    vtm_qt_qi_init(&g->iq, qts, &g->mem.mem, QUEUE_BASE, 0,
                   WAIT_STATUS_ADDR);
}

static void guest_detach(Guest *g)
{
    g_free(g->edu);
    qpci_free_pc(g->pcibus);
}

/* Root, context and a 4-level table mapping MAPPED; translation on. */
static void guest_translate(Guest *g)
{
    uint64_t root = vtm_qt_alloc(&g->mem), ctx = vtm_qt_alloc(&g->mem);
    uint64_t slpt = vtm_qt_alloc(&g->mem);
    VtmtPt pt = { .mem = &g->mem.mem, .top = slpt, .levels = LEVELS };

    vtmt_w64(&g->mem.mem, root, vtmt_root_lo(ctx));
    vtmt_w128(&g->mem.mem, ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(slpt, VTM_TT_UNTRANSLATED, false),
              vtmt_ctx_hi(vtmt_aw_of_levels(LEVELS), DOMAIN_ID));
    g_assert_cmphex(vtmt_pt_map(&pt, MAPPED, MAPPED, 1,
                                vtmt_perm(true, true)), !=, 0);
    vtm_reg_wq(g->qts, A_RTADDR, FIELD_DP64(0, RTADDR, RTA,
                                            root >> VTM_PAGE_SHIFT));
    vtm_gcmd_update(g->qts, R_GCMD_SRTP_MASK, 0);
    vtm_gcmd_update(g->qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(g->qts, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
}

/* The registers software can observe, as they are before and after. */
static const uint32_t observed[] = {
    A_GSTS, A_RTADDR, A_RTADDR + 4, A_FSTS, A_FECTL, A_FEDATA, A_FEADDR,
    A_IQH, A_IQT, A_IQA, A_IQA + 4, A_IQERCD, A_IQERCD + 4,
    VTM_FRO_OFFSET, VTM_FRO_OFFSET + 4, VTM_FRO_OFFSET + 8,
    VTM_FRO_OFFSET + 12,
};

static void test_mid_queue_fault_pending(void)
{
    g_autofree char *file = g_strdup_printf("%s/vtm-migrate-%d.bin",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    uint32_t before[ARRAY_SIZE(observed)];
    QTestState *src, *dst;
    uint32_t bad, i;
    Guest g;

    src = qtest_init(QEMU_ARGS);
    guest_attach(&g, src);
    guest_translate(&g);

    /* A write DMA to an unmapped IOVA: FRCD[0], its event held (IM) */
    vtm_reg_wl(src, A_FEDATA, FE_DATA);
    vtm_reg_wl(src, A_FEADDR, FE_MSG_ADDR);
    vtm_reg_wl(src, A_FECTL, R_FECTL_IM_MASK);
    qtest_writel(src, FE_MSG_ADDR, 0);
    vtm_edu_dma(src, g.edu, g.bar, EDU_DMA_BUF, UNMAPPED, 4, true);
    g_assert_cmphex(vtm_reg_rl(src, A_FSTS) & R_FSTS_PPF_MASK, ==,
                    R_FSTS_PPF_MASK);
    g_assert_cmphex(vtm_reg_rl(src, A_FECTL), ==,
                    R_FECTL_IM_MASK | R_FECTL_IP_MASK);

    /*
     * The queue: a wait that writes 1, a descriptor of type 0 (invalid:
     * the unit stops there with IQE, 6.5.2.10), a wait that writes 2.
     */
    vtm_qt_qi_enable(&g.iq);
    qtest_writel(src, WAIT_STATUS_ADDR, 0);
    vtm_qt_qi_put(&g.iq, vtmt_qi_wait(true, false, false, 1,
                                      WAIT_STATUS_ADDR));
    bad = vtm_qt_qi_put(&g.iq, (VtmtDesc) { { 0, 0 } });
    vtm_qt_qi_put(&g.iq, vtmt_qi_wait(true, false, false, 2,
                                      WAIT_STATUS_ADDR));
    vtm_qt_qi_kick(&g.iq);
    g_assert_cmpuint(qtest_readl(src, WAIT_STATUS_ADDR), ==, 1);
    g_assert_cmphex(vtm_reg_rl(src, A_FSTS) & R_FSTS_IQE_MASK, ==,
                    R_FSTS_IQE_MASK);
    g_assert_cmphex(vtm_reg_rq(src, A_IQH), ==, bad);

    for (i = 0; i < ARRAY_SIZE(observed); i++) {
        before[i] = vtm_reg_rl(src, observed[i]);
    }
    qtest_qmp_assert_success(src, "{'execute': 'stop'}");
    qtest_qmp_assert_success(src, "{'execute': 'migrate',"
                             " 'arguments': { 'uri': %s } }", uri);
    vtm_qt_wait_migration(src, "completed");
    guest_detach(&g);
    qtest_quit(src);

    dst = qtest_init(QEMU_ARGS " -incoming defer");
    qtest_qmp_assert_success(dst, "{'execute': 'migrate-incoming',"
                             " 'arguments': { 'uri': %s } }", uri);
    vtm_qt_wait_migration(dst, "completed");
    qtest_qmp_assert_success(dst, "{'execute': 'cont'}");
    unlink(file);
    guest_attach(&g, dst);

    /* Everything software can see is as it was */
    for (i = 0; i < ARRAY_SIZE(observed); i++) {
        g_assert_cmphex(vtm_reg_rl(dst, observed[i]), ==, before[i]);
    }
    g_assert_cmpuint(qtest_readl(dst, WAIT_STATUS_ADDR), ==, 1);

    /* The fault: its event goes out when software unmasks it */
    vtm_reg_wl(dst, A_FECTL, 0);
    g_assert_cmphex(qtest_readl(dst, FE_MSG_ADDR), ==, FE_DATA);
    vtm_reg_wl(dst, VTM_FRO_OFFSET + 12, R_FRCD_HI_F_MASK >> 32);
    g_assert_cmphex(vtm_reg_rl(dst, A_FSTS) & R_FSTS_PPF_MASK, ==, 0);

    /* The queue: fixed and IQE cleared, it resumes at IQH */
    vtmt_w128(&g.mem.mem, QUEUE_BASE + bad,
              vtmt_qi_iotlb(VTM_INV_GLOBAL, 0, 0, 0, false).qw[0],
              vtmt_qi_iotlb(VTM_INV_GLOBAL, 0, 0, 0, false).qw[1]);
    vtm_reg_wl(dst, A_FSTS, R_FSTS_IQE_MASK);
    g_assert_cmpuint(qtest_readl(dst, WAIT_STATUS_ADDR), ==, 2);
    g_assert_cmphex(vtm_reg_rq(dst, A_IQH), ==, vtm_reg_rq(dst, A_IQT));
    g_assert_cmphex(vtm_reg_rl(dst, A_FSTS), ==, 0);

    /* Translation continues: DMA through the mapping, both ways */
    qtest_memset(dst, MAPPED, 0x5a, DMA_LEN);
    vtm_edu_dma(dst, g.edu, g.bar, MAPPED, EDU_DMA_BUF, DMA_LEN, false);
    qtest_memset(dst, MAPPED, 0, DMA_LEN);
    vtm_edu_dma(dst, g.edu, g.bar, EDU_DMA_BUF, MAPPED, DMA_LEN, true);
    g_assert_cmphex(qtest_readb(dst, MAPPED + DMA_LEN - 1), ==, 0x5a);
    g_assert_cmphex(vtm_reg_rl(dst, A_FSTS), ==, 0);
    guest_detach(&g);
    qtest_quit(dst);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm-migrate/mid-queue-fault-pending",
                   test_mid_queue_fault_pending);
    return g_test_run();
}
