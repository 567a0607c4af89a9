/*
 * vtm: performance monitoring and enhanced commands, pure core
 * (vtm-perfmon.h describes the layout and how counts are kept).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "vtm-perfmon.h"

/* Linux's names (drivers/iommu/intel/perfmon.c) and encodings */
const VTMPmEventInfo vtm_pm_events[VTM_PM__MAX] = {
    [VTM_PM_CLOCKS] = { "iommu_clocks", 0, 0x001, false },
    [VTM_PM_REQUESTS] = { "iommu_requests", 0, 0x002, true },
    [VTM_PM_PW_OCCUPANCY] = { "pw_occupancy", 0, 0x004, false },
    [VTM_PM_MRDS] = { "iommu_mrds", 1, 0x001, true },
    [VTM_PM_MEM_BLOCKED] = { "iommu_mem_blocked", 1, 0x020, true },
    [VTM_PM_CTX_LOOKUP] = { "ctxt_cache_lookup", 2, 0x001, true },
    [VTM_PM_CTX_HIT] = { "ctxt_cache_hit", 2, 0x002, true },
    [VTM_PM_PASID_LOOKUP] = { "pasid_cache_lookup", 2, 0x004, true },
    [VTM_PM_PASID_HIT] = { "pasid_cache_hit", 2, 0x008, true },
    [VTM_PM_SS_NONLEAF_LOOKUP] = { "ss_nonleaf_lookup", 2, 0x010, true },
    [VTM_PM_SS_NONLEAF_HIT] = { "ss_nonleaf_hit", 2, 0x020, true },
    [VTM_PM_IOTLB_LOOKUP] = { "iotlb_lookup", 3, 0x001, true },
    [VTM_PM_IOTLB_HIT] = { "iotlb_hit", 3, 0x002, true },
    [VTM_PM_INT_LOOKUP] = { "int_cache_lookup", 4, 0x001, false },
    [VTM_PM_INT_HIT_NONPOSTED] = { "int_cache_hit_nonposted", 4, 0x002,
                                   false },
    [VTM_PM_INT_HIT_POSTED] = { "int_cache_hit_posted", 4, 0x004, false },
};

uint32_t vtm_perfmon_default_events(void)
{
    return MAKE_64BIT_MASK(0, VTM_PM__MAX);
}

static uint64_t vtm_pm_mask(const VTMPerfmon *pm)
{
    return MAKE_64BIT_MASK(0, pm->width);
}

static uint32_t vtm_pm_evcap(const VTMPerfmon *pm, unsigned group)
{
    uint32_t es = 0;
    int e;

    for (e = 0; e < VTM_PM__MAX; e++) {
        if ((pm->events & BIT(e)) && vtm_pm_events[e].group == group) {
            es |= vtm_pm_events[e].select;
        }
    }
    return es;
}

/* The model's count of what counter c selects: the sum of its events. */
static uint64_t vtm_pm_source(VTMPerfmon *pm, const VTMPmCounter *c)
{
    unsigned group = FIELD_EX64(c->cfg, PMCFG, EGI);
    uint32_t es = FIELD_EX64(c->cfg, PMCFG, ES);
    uint32_t rid = c->filter[0];
    uint64_t sum = 0;
    int e;

    for (e = 0; e < VTM_PM__MAX; e++) {
        const VTMPmEventInfo *ev = &vtm_pm_events[e];
        bool by_rid = FIELD_EX32(rid, PMFILTER, EN) && ev->per_requester;

        if ((pm->events & BIT(e)) && ev->group == group &&
            (es & ev->select)) {
            sum += pm->source(pm->opaque, e,
                              by_rid ? (int)(rid & 0xffff) : -1);
        }
    }
    return sum;
}

static bool vtm_pm_running(const VTMPerfmon *pm, const VTMPmCounter *c)
{
    return c->enabled && !pm->frozen;
}

/*
 * PIS goes from 0 to 1: the interrupt is sent, or held pending (IP) while
 * IM masks it (11.4.13.3, like the fault event of 7.3.1).
 */
static void vtm_pm_raise(VTMPerfmon *pm)
{
    if (FIELD_EX32(pm->intrsts, PERFINTRSTS, PIS)) {
        return;
    }
    pm->intrsts = FIELD_DP32(pm->intrsts, PERFINTRSTS, PIS, 1);
    if (FIELD_EX32(pm->intrctl, PERFINTRCTL, IM)) {
        pm->intrctl = FIELD_DP32(pm->intrctl, PERFINTRCTL, IP, 1);
    } else {
        pm->irq_pending = true;
    }
}

/* Folds counter i's running delta into base; a wrap sets its overflow. */
static void vtm_pm_settle(VTMPerfmon *pm, unsigned i)
{
    VTMPmCounter *c = &pm->cntr[i];
    uint64_t now, sum;

    if (!vtm_pm_running(pm, c)) {
        return;
    }
    now = vtm_pm_source(pm, c);
    sum = c->base + (now - c->snap);
    c->snap = now;
    /* at width 64 a wrap is a sum below the old base */
    if ((pm->width < 64 && (sum >> pm->width)) ||
        (pm->width == 64 && sum < c->base)) {
        pm->ovf |= BIT_ULL(i);
        if (FIELD_EX64(c->cfg, PMCFG, INT)) {
            vtm_pm_raise(pm);
        }
    }
    c->base = sum & vtm_pm_mask(pm);
}

/* Counting (re)starts from the model's count now. */
static void vtm_pm_resnap(VTMPerfmon *pm, unsigned i)
{
    VTMPmCounter *c = &pm->cntr[i];

    if (vtm_pm_running(pm, c)) {
        c->snap = vtm_pm_source(pm, c);
    }
}

void vtm_perfmon_init(VTMPerfmon *pm, unsigned width, uint32_t events,
                      VTMPmSourceFn source, void *opaque)
{
    memset(pm, 0, sizeof(*pm));
    pm->width = MIN(MAX(width, VTM_PM_WIDTH_MIN), VTM_PM_WIDTH_MAX);
    pm->events = events & MAKE_64BIT_MASK(0, VTM_PM__MAX);
    pm->source = source;
    pm->opaque = opaque;
    vtm_perfmon_reset(pm);
}

void vtm_perfmon_reset(VTMPerfmon *pm)
{
    memset(pm->cntr, 0, sizeof(pm->cntr));
    pm->frozen = false;
    pm->ovf = 0;
    pm->intrsts = 0;
    pm->intrctl = R_PERFINTRCTL_IM_MASK;
    pm->intrdata = pm->intraddr = pm->intruaddr = 0;
    pm->ecmd = pm->eceo = pm->ecrsp = 0;
    pm->irq_pending = false;
}

bool vtm_perfmon_owns(uint64_t off)
{
    return (off >= A_PERFCAP && off < A_ECCAP + 8 * VTM_ECCAP_WORDS) ||
           (off >= VTM_PM_CFG_BASE && off < VTM_PM_WINDOW_SIZE);
}

bool vtm_perfmon_counting(const VTMPerfmon *pm)
{
    unsigned i;

    if (pm->frozen) {
        return false;
    }
    for (i = 0; i < VTM_PM_NCNTR; i++) {
        if (pm->cntr[i].enabled) {
            return true;
        }
    }
    return false;
}

void vtm_perfmon_sync(VTMPerfmon *pm)
{
    unsigned i;

    for (i = 0; i < VTM_PM_NCNTR; i++) {
        vtm_pm_settle(pm, i);
    }
}

uint64_t vtm_perfmon_counter(VTMPerfmon *pm, unsigned i)
{
    if (i >= VTM_PM_NCNTR) {
        return 0;
    }
    vtm_pm_settle(pm, i);
    return pm->cntr[i].base;
}

bool vtm_perfmon_take_irq(VTMPerfmon *pm, uint64_t *addr, uint32_t *data)
{
    if (!pm->irq_pending) {
        return false;
    }
    pm->irq_pending = false;
    *addr = ((uint64_t)pm->intruaddr << 32) | pm->intraddr;
    *data = pm->intrdata;
    return true;
}

void vtm_perfmon_pre_save(VTMPerfmon *pm)
{
    vtm_perfmon_sync(pm);
}

void vtm_perfmon_post_load(VTMPerfmon *pm)
{
    unsigned i;

    for (i = 0; i < VTM_PM_NCNTR; i++) {
        pm->cntr[i].base &= vtm_pm_mask(pm);
        vtm_pm_resnap(pm, i);
    }
}

/* Enhanced commands ------------------------------------------------- */

static unsigned vtm_pm_command(VTMPerfmon *pm, uint8_t cmd, uint64_t oa)
{
    unsigned i;

    switch (cmd) {
    case VTM_ECMD_ENABLE:
    case VTM_ECMD_DISABLE:
        if (oa >= VTM_PM_NCNTR) {
            return VTM_ECRSP_SC_BAD_OPERAND;
        }
        vtm_pm_settle(pm, oa);
        pm->cntr[oa].enabled = cmd == VTM_ECMD_ENABLE;
        vtm_pm_resnap(pm, oa);
        return VTM_ECRSP_SC_OK;
    case VTM_ECMD_FREEZE:
        vtm_perfmon_sync(pm);
        pm->frozen = true;
        return VTM_ECRSP_SC_OK;
    case VTM_ECMD_UNFREEZE:
        pm->frozen = false;
        for (i = 0; i < VTM_PM_NCNTR; i++) {
            vtm_pm_resnap(pm, i);
        }
        return VTM_ECRSP_SC_OK;
    default:
        return VTM_ECRSP_SC_UNSUPPORTED;
    }
}

/*
 * 11.4.12: a write of ECMD submits the command.  It completes before the
 * write returns, so ECRSP.IP is never seen set: Linux's ecmd_submit_sync
 * panics ("DMAR hardware is malfunctioning") if it stays set.
 */
static void vtm_pm_ecmd(VTMPerfmon *pm)
{
    uint8_t cmd = FIELD_EX64(pm->ecmd, ECMD, CMD);
    unsigned sc = vtm_pm_command(pm, cmd, FIELD_EX64(pm->ecmd, ECMD, OA));

    pm->ecrsp = FIELD_DP64(0, ECRSP, SC, sc);
}

/* Registers --------------------------------------------------------- */

typedef enum VTMPmReg {
    PMR_NONE,
    PMR_PERFCAP, PMR_CFGOFF, PMR_FRZOFF, PMR_OVFOFF, PMR_CNTROFF,
    PMR_INTRSTS, PMR_INTRCTL, PMR_INTRDATA, PMR_INTRADDR, PMR_INTRUADDR,
    PMR_EVNTCAP, PMR_ECMD, PMR_ECEO, PMR_ECRSP, PMR_ECCAP,
    PMR_CFG, PMR_FILTER, PMR_CNTRCAP, PMR_OVF, PMR_CNTR,
} VTMPmReg;

typedef struct VTMPmLoc {
    VTMPmReg reg;
    uint64_t base;              /* offset of the register */
    unsigned size;
    unsigned idx;               /* group, counter, ECCAP word, filter */
    unsigned sub;               /* filter type */
} VTMPmLoc;

static const struct {
    uint64_t off;
    unsigned size;
    VTMPmReg reg;
} vtm_pm_fixed[] = {
    { A_PERFCAP, 8, PMR_PERFCAP },
    { A_PERFCFGOFF, 4, PMR_CFGOFF },
    { A_PERFFRZOFF, 4, PMR_FRZOFF },
    { A_PERFOVFOFF, 4, PMR_OVFOFF },
    { A_PERFCNTROFF, 4, PMR_CNTROFF },
    { A_PERFINTRSTS, 4, PMR_INTRSTS },
    { A_PERFINTRCTL, 4, PMR_INTRCTL },
    { A_PERFINTRDATA, 4, PMR_INTRDATA },
    { A_PERFINTRADDR, 4, PMR_INTRADDR },
    { A_PERFINTRUADDR, 4, PMR_INTRUADDR },
    { A_ECMD, 8, PMR_ECMD },
    { A_ECEO, 8, PMR_ECEO },
    { A_ECRSP, 8, PMR_ECRSP },
};

/* The register covering byte off; reg PMR_NONE where there is none. */
static VTMPmLoc vtm_pm_find(uint64_t off)
{
    VTMPmLoc l = { PMR_NONE };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(vtm_pm_fixed); i++) {
        if (off >= vtm_pm_fixed[i].off &&
            off < vtm_pm_fixed[i].off + vtm_pm_fixed[i].size) {
            l.reg = vtm_pm_fixed[i].reg;
            l.base = vtm_pm_fixed[i].off;
            l.size = vtm_pm_fixed[i].size;
            return l;
        }
    }
    l.size = 8;
    if (off >= A_PERFEVNTCAP && off < A_PERFEVNTCAP + 8 * VTM_PM_NGROUPS) {
        l.reg = PMR_EVNTCAP;
        l.idx = (off - A_PERFEVNTCAP) / 8;
        l.base = A_PERFEVNTCAP + l.idx * 8;
    } else if (off >= A_ECCAP && off < A_ECCAP + 8 * VTM_ECCAP_WORDS) {
        l.reg = PMR_ECCAP;
        l.idx = (off - A_ECCAP) / 8;
        l.base = A_ECCAP + l.idx * 8;
    } else if (off >= VTM_PM_OVF_BASE && off < VTM_PM_OVF_BASE + 8) {
        l.reg = PMR_OVF;
        l.base = VTM_PM_OVF_BASE;
    } else if (off >= VTM_PM_CNTR_BASE &&
               off < VTM_PM_CNTR_BASE + VTM_PM_NCNTR * VTM_PM_CNTR_STRIDE &&
               (off - VTM_PM_CNTR_BASE) % VTM_PM_CNTR_STRIDE < 8) {
        l.reg = PMR_CNTR;
        l.idx = (off - VTM_PM_CNTR_BASE) / VTM_PM_CNTR_STRIDE;
        l.base = VTM_PM_CNTR_BASE + l.idx * VTM_PM_CNTR_STRIDE;
    } else if (off >= VTM_PM_CFG_BASE &&
               off < VTM_PM_CFG_BASE + VTM_PM_NCNTR * VTM_PM_CFG_STRIDE) {
        uint64_t in = (off - VTM_PM_CFG_BASE) % VTM_PM_CFG_STRIDE;

        l.idx = (off - VTM_PM_CFG_BASE) / VTM_PM_CFG_STRIDE;
        l.base = VTM_PM_CFG_BASE + l.idx * VTM_PM_CFG_STRIDE;
        if (in < 8) {
            l.reg = PMR_CFG;
        } else if (in < A_PMFILTER + 4 * VTM_PM_NFILTERS) {
            l.reg = PMR_FILTER;
            l.size = 4;
            l.sub = (in - A_PMFILTER) / 4;
            l.base += A_PMFILTER + l.sub * 4;
        } else if (in >= A_PMCNTRCAP && in < A_PMCNTRCAP + 4) {
            l.reg = PMR_CNTRCAP;
            l.size = 4;
            l.base += A_PMCNTRCAP;
        }
    }
    return l;
}

static uint64_t vtm_pm_perfcap(const VTMPerfmon *pm)
{
    uint64_t v = 0;

    v = FIELD_DP64(v, PERFCAP, NC, VTM_PM_NCNTR);
    /* CW is 7 bits: a 64-bit counter is reported as 64 */
    v = FIELD_DP64(v, PERFCAP, CW, pm->width);
    v = FIELD_DP64(v, PERFCAP, NEG, VTM_PM_NGROUPS);
    v = FIELD_DP64(v, PERFCAP, FILTERS, VTM_PM_FILTER_RID);
    v = FIELD_DP64(v, PERFCAP, IOS, 1);
    return FIELD_DP64(v, PERFCAP, CS, 0);
}

static uint64_t vtm_pm_reg_value(VTMPerfmon *pm, const VTMPmLoc *l)
{
    switch (l->reg) {
    case PMR_PERFCAP:
        return vtm_pm_perfcap(pm);
    case PMR_CFGOFF:
        return VTM_PM_CFG_BASE;
    case PMR_OVFOFF:
        return VTM_PM_OVF_BASE;
    case PMR_CNTROFF:
        return VTM_PM_CNTR_BASE;
    case PMR_INTRSTS:
        return pm->intrsts;
    case PMR_INTRCTL:
        return pm->intrctl;
    case PMR_INTRDATA:
        return pm->intrdata;
    case PMR_INTRADDR:
        return pm->intraddr;
    case PMR_INTRUADDR:
        return pm->intruaddr;
    case PMR_EVNTCAP:
        return vtm_pm_evcap(pm, l->idx);
    case PMR_ECMD:
        return pm->ecmd;
    case PMR_ECEO:
        return pm->eceo;
    case PMR_ECRSP:
        return pm->ecrsp;
    case PMR_ECCAP:
        return l->idx == 3 ? VTM_ECCAP3_ECNTS | VTM_ECCAP3_DCNTS |
                             VTM_ECCAP3_FCNTS | VTM_ECCAP3_UFCNTS : 0;
    case PMR_CFG:
        return pm->cntr[l->idx].cfg;
    case PMR_FILTER:
        return pm->cntr[l->idx].filter[l->sub];
    case PMR_OVF:
        return pm->ovf;
    case PMR_CNTR:
        return vtm_perfmon_counter(pm, l->idx);
    default:
        return 0;               /* PERFFRZOFF 0: no freeze register */
    }
}

uint64_t vtm_perfmon_read(VTMPerfmon *pm, uint64_t off, unsigned size)
{
    uint64_t val = 0, pos = off, end = off + size;

    while (pos < end) {
        VTMPmLoc l = vtm_pm_find(pos);
        uint64_t v, hi;

        if (l.reg == PMR_NONE) {
            pos++;
            continue;
        }
        v = vtm_pm_reg_value(pm, &l);
        hi = MIN(end, l.base + l.size);
        for (; pos < hi; pos++) {
            val |= ((v >> ((pos - l.base) * 8)) & 0xff) << ((pos - off) * 8);
        }
    }
    return val;
}

/* Writes the bytes of mask; side effects follow the new value. */
static void vtm_pm_reg_write(VTMPerfmon *pm, const VTMPmLoc *l,
                             uint64_t v, uint64_t mask)
{
    VTMPmCounter *c = &pm->cntr[l->idx];
    uint64_t m;

    switch (l->reg) {
    case PMR_INTRSTS:
        /* RW1C; the interrupt is re-armed when PIS is clear */
        pm->intrsts &= ~(v & mask & R_PERFINTRSTS_PIS_MASK);
        break;
    case PMR_INTRCTL:
        if (mask & R_PERFINTRCTL_IM_MASK) {
            pm->intrctl = deposit32(pm->intrctl, 31, 1, v >> 31);
            if (!(v & R_PERFINTRCTL_IM_MASK) &&
                FIELD_EX32(pm->intrctl, PERFINTRCTL, IP)) {
                pm->intrctl = FIELD_DP32(pm->intrctl, PERFINTRCTL, IP, 0);
                pm->irq_pending = true;
            }
        }
        break;
    case PMR_INTRDATA:
        pm->intrdata = (pm->intrdata & ~mask) | (v & mask);
        break;
    case PMR_INTRADDR:
        m = mask & ~3ULL;       /* DWORD aligned, like FEADDR */
        pm->intraddr = (pm->intraddr & ~m) | (v & m);
        break;
    case PMR_INTRUADDR:
        pm->intruaddr = (pm->intruaddr & ~mask) | (v & mask);
        break;
    case PMR_ECMD:
        pm->ecmd = (pm->ecmd & ~mask) | (v & mask);
        /* the command is submitted by the write of its low byte */
        if (mask & R_ECMD_CMD_MASK) {
            vtm_pm_ecmd(pm);
        }
        break;
    case PMR_ECEO:
        pm->eceo = (pm->eceo & ~mask) | (v & mask);
        break;
    case PMR_CFG:
        m = mask & (R_PMCFG_INT_MASK | R_PMCFG_EGI_MASK | R_PMCFG_ES_MASK);
        vtm_pm_settle(pm, l->idx);
        c->cfg = (c->cfg & ~m) | (v & m);
        vtm_pm_resnap(pm, l->idx);
        break;
    case PMR_FILTER:
        /* only the requester-id filter is implemented (PERFCAP) */
        if (l->sub == 0) {
            m = mask & (R_PMFILTER_EN_MASK | 0xffff);
            vtm_pm_settle(pm, l->idx);
            c->filter[0] = (c->filter[0] & ~m) | (v & m);
            vtm_pm_resnap(pm, l->idx);
        }
        break;
    case PMR_OVF:
        pm->ovf &= ~(v & mask & MAKE_64BIT_MASK(0, VTM_PM_NCNTR));
        break;
    default:
        break;                  /* read-only */
    }
}

void vtm_perfmon_write(VTMPerfmon *pm, uint64_t off, unsigned size,
                       uint64_t val)
{
    uint64_t pos = off, end = off + size;

    while (pos < end) {
        VTMPmLoc l = vtm_pm_find(pos);
        uint64_t hi, v = 0, mask = 0;

        if (l.reg == PMR_NONE) {
            pos++;
            continue;
        }
        hi = MIN(end, l.base + l.size);
        for (; pos < hi; pos++) {
            unsigned sh = (pos - l.base) * 8;

            v |= ((val >> ((pos - off) * 8)) & 0xff) << sh;
            mask |= 0xffULL << sh;
        }
        vtm_pm_reg_write(pm, &l, v, mask);
    }
}
