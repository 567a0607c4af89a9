/*
 * Unit tests of vtm's performance monitoring core: capability registers,
 * the enhanced commands and their responses, counting as deltas of a
 * model count, the requester-id filter, overflow and its interrupt,
 * freeze and unfreeze, and access of any size at any offset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-perfmon.h"

#define NRID    4

/* A stand-in for the model: unit counts and per-requester counts. */
typedef struct FakeModel {
    uint64_t unit[VTM_PM__MAX];
    uint64_t rid[NRID][VTM_PM__MAX];
    unsigned calls;
} FakeModel;

static uint64_t fake_source(void *opaque, VTMPmEvent ev, int rid)
{
    FakeModel *m = opaque;

    m->calls++;
    g_assert_cmpint(ev, <, VTM_PM__MAX);
    if (rid >= 0) {
        g_assert_true(vtm_pm_events[ev].per_requester);
        return rid < NRID ? m->rid[rid][ev] : 0;
    }
    return m->unit[ev];
}

/* The model counts n events ev of requester rid. */
static void fake_count(FakeModel *m, VTMPmEvent ev, int rid, uint64_t n)
{
    m->unit[ev] += n;
    m->rid[rid][ev] += n;
}

static void pm_new(VTMPerfmon *pm, FakeModel *m, unsigned width)
{
    memset(m, 0, sizeof(*m));
    vtm_perfmon_init(pm, width, vtm_perfmon_default_events(), fake_source,
                     m);
}

static uint64_t rdq(VTMPerfmon *pm, uint64_t off)
{
    return vtm_perfmon_read(pm, off, 8);
}

static uint32_t rdl(VTMPerfmon *pm, uint64_t off)
{
    return vtm_perfmon_read(pm, off, 4);
}

/* Submits an enhanced command as Linux does; returns ECRSP.SC. */
static unsigned ecmd(VTMPerfmon *pm, uint8_t cmd, uint64_t oa)
{
    uint64_t rsp;

    g_assert_false(rdq(pm, A_ECRSP) & R_ECRSP_IP_MASK);
    vtm_perfmon_write(pm, A_ECEO, 8, 0);
    vtm_perfmon_write(pm, A_ECMD, 8, cmd | (oa << R_ECMD_OA_SHIFT));
    rsp = rdq(pm, A_ECRSP);
    g_assert_false(rsp & R_ECRSP_IP_MASK);      /* completed at once */
    return FIELD_EX64(rsp, ECRSP, SC);
}

/* Programs counter i for event ev as Linux's iommu_pmu_assign_event. */
static void program(VTMPerfmon *pm, unsigned i, VTMPmEvent ev, bool intr)
{
    uint64_t cfg = ((uint64_t)vtm_pm_events[ev].select << R_PMCFG_ES_SHIFT) |
                   ((uint64_t)vtm_pm_events[ev].group << R_PMCFG_EGI_SHIFT) |
                   (intr ? R_PMCFG_INT_MASK : 0);

    vtm_perfmon_write(pm, rdl(pm, A_PERFCFGOFF) + i * VTM_PM_CFG_STRIDE, 8,
                      cfg);
}

static uint64_t counter(VTMPerfmon *pm, unsigned i)
{
    uint64_t stride = 1ULL << (FIELD_EX64(rdq(pm, A_PERFCAP), PERFCAP, CS) +
                               10);

    return rdq(pm, rdl(pm, A_PERFCNTROFF) + i * stride);
}

static void test_caps(void)
{
    VTMPerfmon pm;
    FakeModel m;
    uint64_t cap;

    pm_new(&pm, &m, VTM_PM_WIDTH_DEFAULT);
    cap = rdq(&pm, A_PERFCAP);
    /* what Linux's alloc_iommu_pmu requires */
    g_assert_cmpuint(FIELD_EX64(cap, PERFCAP, NC), ==, VTM_PM_NCNTR);
    g_assert_cmpuint(FIELD_EX64(cap, PERFCAP, CW), ==, 48);
    g_assert_cmpuint(FIELD_EX64(cap, PERFCAP, NEG), ==, 5);
    g_assert_cmpuint(FIELD_EX64(cap, PERFCAP, IOS), ==, 1);
    g_assert_cmpuint(FIELD_EX64(cap, PERFCAP, FILTERS), ==,
                     VTM_PM_FILTER_RID);
    g_assert_cmpuint(FIELD_EX64(cap, PERFCAP, CS), ==, 0);
    g_assert_cmpuint(rdl(&pm, A_PERFCFGOFF), ==, VTM_PM_CFG_BASE);
    g_assert_cmpuint(rdl(&pm, A_PERFOVFOFF), ==, VTM_PM_OVF_BASE);
    g_assert_cmpuint(rdl(&pm, A_PERFCNTROFF), ==, VTM_PM_CNTR_BASE);
    /* events: clocks, requests, pw_occupancy; mrds, blocked; ... */
    g_assert_cmphex(rdq(&pm, A_PERFEVNTCAP + 0 * 8), ==, 0x7);
    g_assert_cmphex(rdq(&pm, A_PERFEVNTCAP + 1 * 8), ==, 0x21);
    g_assert_cmphex(rdq(&pm, A_PERFEVNTCAP + 2 * 8), ==, 0x3f);
    g_assert_cmphex(rdq(&pm, A_PERFEVNTCAP + 3 * 8), ==, 0x3);
    g_assert_cmphex(rdq(&pm, A_PERFEVNTCAP + 4 * 8), ==, 0x7);
    g_assert_cmphex(rdq(&pm, A_PERFEVNTCAP + 5 * 8), ==, 0);
    /* ECCAP: only the fourth word, bits 48, 49, 52 and 53 */
    g_assert_cmphex(rdq(&pm, A_ECCAP), ==, 0);
    g_assert_cmphex(rdq(&pm, A_ECCAP + 8), ==, 0);
    g_assert_cmphex(rdq(&pm, A_ECCAP + 16), ==, 0);
    g_assert_cmphex(rdq(&pm, A_ECCAP + 24), ==, 0x33ULL << 48);
    /* interrupt masked at reset; read-only registers ignore writes */
    g_assert_cmphex(rdl(&pm, A_PERFINTRCTL), ==, R_PERFINTRCTL_IM_MASK);
    vtm_perfmon_write(&pm, A_PERFCAP, 8, 0);
    vtm_perfmon_write(&pm, A_PERFCNTROFF, 4, 0);
    g_assert_cmphex(rdq(&pm, A_PERFCAP), ==, cap);
    g_assert_cmpuint(rdl(&pm, A_PERFCNTROFF), ==, VTM_PM_CNTR_BASE);
    /* no per-counter capabilities (CNTRCAP.PCC = 0) */
    g_assert_cmphex(rdl(&pm, VTM_PM_CFG_BASE + A_PMCNTRCAP), ==, 0);
    g_assert_true(vtm_perfmon_owns(A_PERFCAP));
    g_assert_true(vtm_perfmon_owns(A_ECCAP + 31));
    g_assert_false(vtm_perfmon_owns(A_ECCAP + 32));
    g_assert_false(vtm_perfmon_owns(0x2ff));
    g_assert_true(vtm_perfmon_owns(VTM_PM_WINDOW_SIZE - 1));
    g_assert_false(vtm_perfmon_owns(VTM_PM_WINDOW_SIZE));
}

static void test_commands(void)
{
    VTMPerfmon pm;
    FakeModel m;

    pm_new(&pm, &m, VTM_PM_WIDTH_DEFAULT);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, 0), ==, VTM_ECRSP_SC_OK);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, VTM_PM_NCNTR - 1), ==,
                     VTM_ECRSP_SC_OK);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_DISABLE, 0), ==, VTM_ECRSP_SC_OK);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_FREEZE, 0), ==, VTM_ECRSP_SC_OK);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_UNFREEZE, 0), ==, VTM_ECRSP_SC_OK);
    /* a counter that does not exist, and commands not in ECCAP */
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, VTM_PM_NCNTR), ==,
                     VTM_ECRSP_SC_BAD_OPERAND);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_DISABLE, ~0ULL >> 16), ==,
                     VTM_ECRSP_SC_BAD_OPERAND);
    g_assert_cmpuint(ecmd(&pm, 0xf2, 0), ==, VTM_ECRSP_SC_UNSUPPORTED);
    g_assert_cmpuint(ecmd(&pm, 0x00, 0), ==, VTM_ECRSP_SC_UNSUPPORTED);
    g_assert_cmpuint(ecmd(&pm, 0xff, 3), ==, VTM_ECRSP_SC_UNSUPPORTED);
    /* a success after an error clears the status */
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_DISABLE, 1), ==, VTM_ECRSP_SC_OK);
    /* a write of ECMD's upper half alone submits nothing */
    vtm_perfmon_write(&pm, A_ECMD + 4, 4, 0x1234);
    g_assert_cmphex(rdq(&pm, A_ECRSP), ==, 0);
    g_assert_cmphex(rdq(&pm, A_ECMD) >> 32, ==, 0x1234);
}

static void test_counting(void)
{
    VTMPerfmon pm;
    FakeModel m;

    pm_new(&pm, &m, VTM_PM_WIDTH_DEFAULT);
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 1000);   /* before: not seen */
    program(&pm, 0, VTM_PM_IOTLB_LOOKUP, true);
    program(&pm, 1, VTM_PM_IOTLB_HIT, true);
    program(&pm, 2, VTM_PM_REQUESTS, true);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, 0), ==, 0);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, 1), ==, 0);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, 2), ==, 0);
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 10);
    fake_count(&m, VTM_PM_IOTLB_HIT, 1, 7);
    fake_count(&m, VTM_PM_REQUESTS, 2, 10);
    g_assert_cmpuint(counter(&pm, 0), ==, 10);
    g_assert_cmpuint(counter(&pm, 1), ==, 7);
    g_assert_cmpuint(counter(&pm, 2), ==, 10);
    g_assert_cmpuint(counter(&pm, 3), ==, 0);       /* not enabled */

    /* disabled: holds its count; enabled again: goes on from it */
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_DISABLE, 0), ==, 0);
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 5);
    g_assert_cmpuint(counter(&pm, 0), ==, 10);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, 0), ==, 0);
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 2);
    g_assert_cmpuint(counter(&pm, 0), ==, 12);

    /* frozen: every counter holds; unfrozen: all count again */
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_FREEZE, 0), ==, 0);
    g_assert_false(vtm_perfmon_counting(&pm));
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 100);
    fake_count(&m, VTM_PM_IOTLB_HIT, 1, 100);
    g_assert_cmpuint(counter(&pm, 0), ==, 12);
    g_assert_cmpuint(counter(&pm, 1), ==, 7);
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_UNFREEZE, 0), ==, 0);
    g_assert_true(vtm_perfmon_counting(&pm));
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 1);
    fake_count(&m, VTM_PM_IOTLB_HIT, 1, 1);
    g_assert_cmpuint(counter(&pm, 0), ==, 13);
    g_assert_cmpuint(counter(&pm, 1), ==, 8);

    /* an event the model cannot count (pg_req_posted): nothing */
    vtm_perfmon_write(&pm, VTM_PM_CFG_BASE + 3 * VTM_PM_CFG_STRIDE, 8,
                      (0x040ULL << R_PMCFG_ES_SHIFT) |
                      (1ULL << R_PMCFG_EGI_SHIFT));
    g_assert_cmpuint(ecmd(&pm, VTM_ECMD_ENABLE, 3), ==, 0);
    fake_count(&m, VTM_PM_MRDS, 1, 9);
    g_assert_cmpuint(counter(&pm, 3), ==, 0);

    /* reset: all off and zero */
    vtm_perfmon_reset(&pm);
    g_assert_cmpuint(counter(&pm, 0), ==, 0);
    g_assert_false(vtm_perfmon_counting(&pm));
}

static void test_filter(void)
{
    VTMPerfmon pm;
    FakeModel m;
    uint64_t f = VTM_PM_CFG_BASE + A_PMFILTER;

    pm_new(&pm, &m, VTM_PM_WIDTH_DEFAULT);
    program(&pm, 0, VTM_PM_IOTLB_LOOKUP, false);
    program(&pm, 1, VTM_PM_IOTLB_LOOKUP, false);
    program(&pm, 2, VTM_PM_CLOCKS, false);
    /* counter 0: requester 2 only (Linux: filter value | bit 31) */
    vtm_perfmon_write(&pm, f, 4, 2 | R_PMFILTER_EN_MASK);
    vtm_perfmon_write(&pm, f + 2 * VTM_PM_CFG_STRIDE, 4,
                      2 | R_PMFILTER_EN_MASK);
    g_assert_cmphex(rdl(&pm, f), ==, 2 | R_PMFILTER_EN_MASK);
    /* filters PERFCAP does not report are not there */
    vtm_perfmon_write(&pm, f + 4, 4, 5 | R_PMFILTER_EN_MASK);
    g_assert_cmphex(rdl(&pm, f + 4), ==, 0);
    ecmd(&pm, VTM_ECMD_ENABLE, 0);
    ecmd(&pm, VTM_ECMD_ENABLE, 1);
    ecmd(&pm, VTM_ECMD_ENABLE, 2);
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 10);
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 2, 3);
    m.unit[VTM_PM_CLOCKS] += 500;
    g_assert_cmpuint(counter(&pm, 0), ==, 3);
    g_assert_cmpuint(counter(&pm, 1), ==, 13);
    /* the clock is the unit's: a requester filter does not apply */
    g_assert_cmpuint(counter(&pm, 2), ==, 500);
    /* filter cleared while counting: the unit's count from then on */
    vtm_perfmon_write(&pm, f, 4, 0);
    fake_count(&m, VTM_PM_IOTLB_LOOKUP, 1, 4);
    g_assert_cmpuint(counter(&pm, 0), ==, 7);
}

static void test_overflow(void)
{
    VTMPerfmon pm;
    FakeModel m;
    uint64_t addr;
    uint32_t data;

    pm_new(&pm, &m, 8);
    g_assert_cmpuint(FIELD_EX64(rdq(&pm, A_PERFCAP), PERFCAP, CW), ==, 8);
    vtm_perfmon_write(&pm, A_PERFINTRDATA, 4, 0x4049);
    vtm_perfmon_write(&pm, A_PERFINTRADDR, 4, 0xfee00000);
    vtm_perfmon_write(&pm, A_PERFINTRUADDR, 4, 0);
    vtm_perfmon_write(&pm, A_PERFINTRCTL, 4, 0);        /* unmask */
    program(&pm, 0, VTM_PM_REQUESTS, true);
    program(&pm, 1, VTM_PM_MRDS, false);
    ecmd(&pm, VTM_ECMD_ENABLE, 0);
    ecmd(&pm, VTM_ECMD_ENABLE, 1);
    fake_count(&m, VTM_PM_REQUESTS, 0, 255);
    vtm_perfmon_sync(&pm);
    g_assert_cmphex(rdq(&pm, VTM_PM_OVF_BASE), ==, 0);
    g_assert_false(vtm_perfmon_take_irq(&pm, &addr, &data));
    fake_count(&m, VTM_PM_REQUESTS, 0, 45);
    fake_count(&m, VTM_PM_MRDS, 0, 256);
    vtm_perfmon_sync(&pm);
    /* both wrapped; only counter 0 asks for the interrupt */
    g_assert_cmphex(rdq(&pm, VTM_PM_OVF_BASE), ==, 0x3);
    g_assert_cmpuint(counter(&pm, 0), ==, 300 - 256);
    g_assert_cmpuint(counter(&pm, 1), ==, 0);
    g_assert_cmphex(rdl(&pm, A_PERFINTRSTS), ==, R_PERFINTRSTS_PIS_MASK);
    g_assert_true(vtm_perfmon_take_irq(&pm, &addr, &data));
    g_assert_cmphex(addr, ==, 0xfee00000);
    g_assert_cmphex(data, ==, 0x4049);
    g_assert_false(vtm_perfmon_take_irq(&pm, &addr, &data));

    /* PIS still set: another wrap sends nothing */
    fake_count(&m, VTM_PM_REQUESTS, 0, 256);
    vtm_perfmon_sync(&pm);
    g_assert_false(vtm_perfmon_take_irq(&pm, &addr, &data));
    /* Linux's handler: clear the overflow status, then PIS (RW1C) */
    vtm_perfmon_write(&pm, VTM_PM_OVF_BASE, 8, 0x3);
    g_assert_cmphex(rdq(&pm, VTM_PM_OVF_BASE), ==, 0);
    vtm_perfmon_write(&pm, A_PERFINTRSTS, 4, R_PERFINTRSTS_PIS_MASK);
    g_assert_cmphex(rdl(&pm, A_PERFINTRSTS), ==, 0);

    /* masked: pending (IP) until unmasked */
    vtm_perfmon_write(&pm, A_PERFINTRCTL, 4, R_PERFINTRCTL_IM_MASK);
    fake_count(&m, VTM_PM_REQUESTS, 0, 256);
    vtm_perfmon_sync(&pm);
    g_assert_false(vtm_perfmon_take_irq(&pm, &addr, &data));
    g_assert_cmphex(rdl(&pm, A_PERFINTRCTL), ==,
                    R_PERFINTRCTL_IM_MASK | R_PERFINTRCTL_IP_MASK);
    vtm_perfmon_write(&pm, A_PERFINTRCTL, 4, 0);
    g_assert_cmphex(rdl(&pm, A_PERFINTRCTL), ==, 0);
    g_assert_true(vtm_perfmon_take_irq(&pm, &addr, &data));
}

static void test_width64(void)
{
    VTMPerfmon pm;
    FakeModel m;

    pm_new(&pm, &m, 64);
    program(&pm, 0, VTM_PM_CLOCKS, true);
    ecmd(&pm, VTM_ECMD_ENABLE, 0);
    m.unit[VTM_PM_CLOCKS] = UINT64_MAX;
    g_assert_cmphex(counter(&pm, 0), ==, UINT64_MAX);
    g_assert_cmphex(rdq(&pm, VTM_PM_OVF_BASE), ==, 0);
    m.unit[VTM_PM_CLOCKS] += 3;     /* wraps the model count too */
    g_assert_cmphex(counter(&pm, 0), ==, 2);
    g_assert_cmphex(rdq(&pm, VTM_PM_OVF_BASE), ==, 1);
}

/* Any size at any offset: bytes, halves and straddling accesses. */
static void test_access_sizes(void)
{
    VTMPerfmon pm;
    FakeModel m;
    uint64_t cap, v = 0, cfg = 0x0000001200000302ULL, off;
    unsigned i;

    pm_new(&pm, &m, VTM_PM_WIDTH_DEFAULT);
    cap = rdq(&pm, A_PERFCAP);
    for (i = 0; i < 8; i++) {
        v |= vtm_perfmon_read(&pm, A_PERFCAP + i, 1) << (i * 8);
    }
    g_assert_cmphex(v, ==, cap);
    g_assert_cmphex(vtm_perfmon_read(&pm, A_PERFCAP + 3, 2), ==,
                    (cap >> 24) & 0xffff);
    /* PERFCFGOFF .. PERFOVFOFF in one 8-byte read (FRZOFF reads 0) */
    g_assert_cmphex(rdq(&pm, A_PERFCFGOFF), ==, VTM_PM_CFG_BASE);
    g_assert_cmphex(vtm_perfmon_read(&pm, A_PERFOVFOFF, 8), ==,
                    VTM_PM_OVF_BASE |
                    ((uint64_t)VTM_PM_CNTR_BASE << 32));
    /* a configuration written as two halves, high first */
    off = VTM_PM_CFG_BASE + VTM_PM_CFG_STRIDE;
    vtm_perfmon_write(&pm, off + 4, 4, cfg >> 32);
    vtm_perfmon_write(&pm, off, 4, (uint32_t)cfg);
    g_assert_cmphex(rdq(&pm, off), ==, cfg);
    /* reserved bits of the configuration are not stored */
    vtm_perfmon_write(&pm, off, 8, ~0ULL);
    g_assert_cmphex(rdq(&pm, off), ==,
                    R_PMCFG_INT_MASK | R_PMCFG_EGI_MASK | R_PMCFG_ES_MASK);
    /* a command written bytewise is submitted by its low byte */
    vtm_perfmon_write(&pm, A_ECMD + 2, 1, 0x05);
    vtm_perfmon_write(&pm, A_ECMD, 1, VTM_ECMD_ENABLE);
    g_assert_cmphex(rdq(&pm, A_ECRSP), ==, 0);
    g_assert_true(vtm_perfmon_counting(&pm));
    /* holes read 0 and take no write */
    g_assert_cmphex(rdq(&pm, A_ECRSP + 8), ==, 0);
    vtm_perfmon_write(&pm, A_ECRSP + 8, 8, ~0ULL);
    g_assert_cmphex(rdq(&pm, A_ECRSP + 8), ==, 0);
    g_assert_cmphex(rdq(&pm, VTM_PM_CNTR_BASE + 8), ==, 0);
    g_assert_cmphex(rdq(&pm, VTM_PM_OVF_BASE + 8), ==, 0);
}

/* What init leaves out of its event mask is neither advertised nor counted. */
static void test_event_mask(void)
{
    VTMPerfmon pm;
    FakeModel m;

    memset(&m, 0, sizeof(m));
    vtm_perfmon_init(&pm, 48, vtm_perfmon_default_events() &
                     ~BIT(VTM_PM_INT_HIT_POSTED), fake_source, &m);
    g_assert_cmphex(rdq(&pm, A_PERFEVNTCAP + 4 * 8), ==, 0x3);
    program(&pm, 0, VTM_PM_INT_HIT_POSTED, false);
    program(&pm, 1, VTM_PM_INT_HIT_NONPOSTED, false);
    ecmd(&pm, VTM_ECMD_ENABLE, 0);
    ecmd(&pm, VTM_ECMD_ENABLE, 1);
    m.unit[VTM_PM_INT_HIT_POSTED] = 5;
    m.unit[VTM_PM_INT_HIT_NONPOSTED] = 4;
    g_assert_cmpuint(counter(&pm, 0), ==, 0);
    g_assert_cmpuint(counter(&pm, 1), ==, 4);
}

static void test_migration(void)
{
    VTMPerfmon pm;
    FakeModel m;

    pm_new(&pm, &m, VTM_PM_WIDTH_DEFAULT);
    program(&pm, 0, VTM_PM_CTX_LOOKUP, false);
    ecmd(&pm, VTM_ECMD_ENABLE, 0);
    fake_count(&m, VTM_PM_CTX_LOOKUP, 0, 42);
    vtm_perfmon_pre_save(&pm);
    /* the destination's model starts from other counts */
    memset(&m, 0, sizeof(m));
    m.unit[VTM_PM_CTX_LOOKUP] = 7;
    vtm_perfmon_post_load(&pm);
    g_assert_cmpuint(counter(&pm, 0), ==, 42);
    m.unit[VTM_PM_CTX_LOOKUP] += 1;
    g_assert_cmpuint(counter(&pm, 0), ==, 43);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/perfmon/caps", test_caps);
    g_test_add_func("/vtm/perfmon/commands", test_commands);
    g_test_add_func("/vtm/perfmon/counting", test_counting);
    g_test_add_func("/vtm/perfmon/filter", test_filter);
    g_test_add_func("/vtm/perfmon/overflow", test_overflow);
    g_test_add_func("/vtm/perfmon/width64", test_width64);
    g_test_add_func("/vtm/perfmon/access-sizes", test_access_sizes);
    g_test_add_func("/vtm/perfmon/event-mask", test_event_mask);
    g_test_add_func("/vtm/perfmon/migration", test_migration);
    return g_test_run();
}
