/*
 * vtm: performance monitoring, device glue.  The registers and commands
 * are vtm-perfmon.c's (pure core); this file gives it the model's counts,
 * the register window, the perfmon interrupt, reset and migration.
 *
 * Counts are the timing model's: the unit's counters (VTMTiming.unit and
 * .irq) and a requester's (VTMAddressSpace.stats) are what the host's
 * `stats` property shows, so a guest's perf counts and the host's
 * statistics are the same numbers.  Like those counters, they count only
 * with timing=account or stall.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/timer.h"
#include "migration/vmstate.h"
#include "vtm-pmu.h"
#include "vtm-stats.h"

/* The model's count of ev in counters c (the unit's or a requester's). */
static uint64_t vtm_pmu_count(VTMState *s, const VTMCounters *c,
                              VTMPmEvent ev)
{
    const VTMTiming *t = &s->core.timing;

    switch (ev) {
    case VTM_PM_CLOCKS:
        /* the modelled clock: virtual time in IOMMU cycles */
        if (t->p.mode == VTM_TIMING_OFF) {
            return 0;
        }
        return vtm_timing_ns_to_cycles(t,
                                       qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
    case VTM_PM_REQUESTS:
        return c->translations;
    case VTM_PM_PW_OCCUPANCY:
        return t->walk_cycles;      /* walker-slot busy time, cycles */
    case VTM_PM_MRDS:
        /* the unit's interrupt-remapping reads too (IRTEs, descriptors) */
        return c->mem_reads + (c == &t->unit ? t->irq.mem_reads : 0);
    case VTM_PM_MEM_BLOCKED:
        return c->faults;
    case VTM_PM_CTX_LOOKUP:
        return c->ctx_lookups;
    case VTM_PM_CTX_HIT:
        return c->ctx_hits;
    case VTM_PM_PASID_LOOKUP:
        return c->pasid_lookups;
    case VTM_PM_PASID_HIT:
        return c->pasid_hits;
    case VTM_PM_SS_NONLEAF_LOOKUP:
        return c->psc_lookups;
    case VTM_PM_SS_NONLEAF_HIT:
        return vtm_counters_psc_hits(c);
    case VTM_PM_IOTLB_LOOKUP:
        return c->iotlb_lookups;
    case VTM_PM_IOTLB_HIT:
        return vtm_counters_iotlb_hits(c);
    case VTM_PM_INT_LOOKUP:
        return t->irq.iec_lookups;
    case VTM_PM_INT_HIT_NONPOSTED:
        return t->irq.iec_hits - t->irq.iec_hits_posted;
    case VTM_PM_INT_HIT_POSTED:
        return t->irq.iec_hits_posted;
    default:
        return 0;                   /* not advertised */
    }
}

/* The sum of a count over the address spaces of requester rid. */
static uint64_t vtm_pmu_requester(VTMState *s, VTMPmEvent ev, uint16_t rid)
{
    GHashTableIter it;
    VTMAddressSpace *vas;
    uint64_t sum = 0;

    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&vas)) {
        if (PCI_BUILD_BDF(pci_bus_num(vas->bus), vas->devfn) == rid) {
            sum += vtm_pmu_count(s, &vas->stats, ev);
        }
    }
    return sum;
}

static uint64_t vtm_pmu_source(void *opaque, VTMPmEvent ev, int rid)
{
    VTMState *s = opaque;

    if (rid >= 0) {
        return vtm_pmu_requester(s, ev, rid);
    }
    return vtm_pmu_count(s, &s->core.timing.unit, ev);
}

bool vtm_pmu_check_properties(VTMState *s, Error **errp)
{
    if (s->pm_width < VTM_PM_WIDTH_MIN || s->pm_width > VTM_PM_WIDTH_MAX) {
        error_setg(errp, "vtm-iommu: property 'x-perfmon-width' must be "
                   "between %d and %d (got %u)", VTM_PM_WIDTH_MIN,
                   VTM_PM_WIDTH_MAX, s->pm_width);
        return false;
    }
    /* The fault recording registers end at 0x200 + 16 * nfr. */
    if (s->perfmon && VTM_FRO_OFFSET + s->nfr * VTM_FRCD_SIZE > A_PERFCAP) {
        error_setg(errp, "vtm-iommu: property 'nfr' must be at most %d with "
                   "perfmon=on (got %u): more fault recording registers "
                   "would overlap the performance monitoring registers",
                   (A_PERFCAP - VTM_FRO_OFFSET) / VTM_FRCD_SIZE, s->nfr);
        return false;
    }
    return true;
}

void vtm_pmu_init(VTMState *s)
{
    vtm_perfmon_init(&s->pm, s->pm_width, vtm_perfmon_default_events(),
                     vtm_pmu_source, s);
}

uint64_t vtm_pmu_window_size(VTMState *s)
{
    return s->perfmon ? VTM_PM_WINDOW_SIZE : VTM_REG_WINDOW_SIZE;
}

bool vtm_pmu_owns(VTMState *s, hwaddr off)
{
    return s->perfmon && vtm_perfmon_owns(off);
}

/* A due perfmon interrupt goes out with the other events. */
static void vtm_pmu_take_irq(VTMState *s, VTMOutbox *out)
{
    uint64_t addr;
    uint32_t data;

    if (vtm_perfmon_take_irq(&s->pm, &addr, &data)) {
        vtm_outbox_msi(out, addr, data);
    }
}

uint64_t vtm_pmu_read_locked(VTMState *s, hwaddr off, unsigned size,
                             VTMOutbox *out)
{
    /* reading a counter settles it, which may find it wrapped */
    uint64_t v = vtm_perfmon_read(&s->pm, off, size);

    vtm_pmu_take_irq(s, out);
    return v;
}

void vtm_pmu_write_locked(VTMState *s, hwaddr off, unsigned size,
                          uint64_t val, VTMOutbox *out)
{
    vtm_perfmon_write(&s->pm, off, size, val);
    vtm_pmu_take_irq(s, out);
}

void vtm_pmu_sync_locked(VTMState *s, VTMOutbox *out)
{
    if (s->perfmon && vtm_perfmon_counting(&s->pm)) {
        vtm_perfmon_sync(&s->pm);
        vtm_pmu_take_irq(s, out);
    }
}

void vtm_pmu_reset_locked(VTMState *s)
{
    vtm_perfmon_reset(&s->pm);
}

/* Migration: the counts, not the model counts they are relative to. */
static int vtm_pmu_pre_save(void *opaque)
{
    VTMState *s = opaque;

    vtm_lock(s);
    vtm_perfmon_pre_save(&s->pm);
    vtm_unlock(s);
    return 0;
}

static int vtm_pmu_post_load(void *opaque, int version_id)
{
    VTMState *s = opaque;

    vtm_lock(s);
    vtm_perfmon_post_load(&s->pm);
    vtm_unlock(s);
    return 0;
}

static bool vtm_pmu_needed(void *opaque)
{
    VTMState *s = opaque;

    return s->perfmon;
}

static const VMStateDescription vtm_pmu_counter_vmstate = {
    .name = "vtm-iommu/perfmon/counter",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(cfg, VTMPmCounter),
        VMSTATE_UINT32_ARRAY(filter, VTMPmCounter, VTM_PM_NFILTERS),
        VMSTATE_UINT64(base, VTMPmCounter),
        VMSTATE_BOOL(enabled, VTMPmCounter),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vtm_pmu_vmstate = {
    .name = "vtm-iommu/perfmon",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = vtm_pmu_needed,
    .pre_save = vtm_pmu_pre_save,
    .post_load = vtm_pmu_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(pm.cntr, VTMState, VTM_PM_NCNTR, 1,
                             vtm_pmu_counter_vmstate, VTMPmCounter),
        VMSTATE_BOOL(pm.frozen, VTMState),
        VMSTATE_UINT64(pm.ovf, VTMState),
        VMSTATE_UINT32(pm.intrsts, VTMState),
        VMSTATE_UINT32(pm.intrctl, VTMState),
        VMSTATE_UINT32(pm.intrdata, VTMState),
        VMSTATE_UINT32(pm.intraddr, VTMState),
        VMSTATE_UINT32(pm.intruaddr, VTMState),
        VMSTATE_UINT64(pm.ecmd, VTMState),
        VMSTATE_UINT64(pm.eceo, VTMState),
        VMSTATE_UINT64(pm.ecrsp, VTMState),
        VMSTATE_BOOL(pm.irq_pending, VTMState),
        VMSTATE_END_OF_LIST()
    },
};
