/*
 * vtm: interrupt remapping in the machine (the core is vtm-ir.c).
 *
 * Writes a device makes to 0xFEEx_xxxx are interrupt requests, not DMA
 * (3.15): every requester's address space has an interrupt window in
 * its translated view and shares one in the untranslated view, and the
 * I/O APIC gets an address space of its own whose window knows its
 * source-id.  A request is remapped, posted or blocked by the core; what
 * comes out goes to the APIC bus (the TCG and userspace APIC path, and
 * KVM's split irqchip for emulated devices).
 * KVM's MSI routes (irqfd, the split irqchip's I/O APIC) ask the class's
 * int_remap hook instead, and are told to ask again through the IEC
 * notifiers whenever the remapping state changes.
 *
 * This file also holds the register side effects of interrupt remapping
 * (GCMD.SIRTP/IRE/CFI, IRTA, the IEC invalidation) and its properties.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-log.h"
#include "qemu/atomic.h"
#include "qemu/rcu.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/pci/pci.h"
#include "hw/pci-host/q35.h"
#include "hw/i386/apic_internal.h"
#include "migration/vmstate.h"
#include "system/kvm.h"
#include "kvm/kvm_i386.h"
#include "vtm-irq.h"
#include "vtm-units.h"
#include "vtm-regs.h"
#include "vtm-fault.h"
#include "vtm-stats.h"
#include "vtm-pmu.h"
#include "trace.h"

/* The I/O APIC's requester id: its DMAR device scope (vtm-acpi.c) */
#define VTM_IOAPIC_SID      PCI_BUILD_BDF(Q35_PSEUDO_BUS_PLATFORM, \
                                          Q35_PSEUDO_DEVFN_IOAPIC)
#define VTM_SID_UNKNOWN     (-1)

/* To the APIC bus: the 32-bit destination as QEMU's APICs expect it. */
static void vtm_irq_send(uint64_t addr, uint32_t data)
{
    MSIMessage msg = { .address = addr, .data = data };

    trace_vtm_ir_send(addr, data);
    apic_get_class(NULL)->send_msi(&msg);
}

/*
 * The unit's own event interrupts (fault, invalidation completion) are
 * not remapped (5.1.6).  An address in the interrupt range goes to the
 * APIC bus whole: with x2APIC the upper address register (FEUADDR,
 * IEUADDR) holds destination bits 31:8 (11.4.7.5), which a memory write
 * would drop.  Any other address is left to an ordinary memory write.
 */
static bool vtm_irq_send_event(VTMState *s, uint64_t addr, uint32_t data)
{
    if (extract64(addr, 20, 12) != VTM_MSI_ADDR_HEAD) {
        return false;
    }
    vtm_irq_send(addr, data);
    return true;
}

void vtm_irq_outbox_flush(VTMState *s, VTMOutbox *out)
{
    unsigned i;

    for (i = 0; i < out->nmsi; i++) {
        trace_vtm_event_msi(out->msi[i].addr, out->msi[i].data);
        if (vtm_irq_send_event(s, out->msi[i].addr, out->msi[i].data)) {
            continue;
        }
        address_space_stl_le(s->dma_as, out->msi[i].addr, out->msi[i].data,
                             MEMTXATTRS_UNSPECIFIED, NULL);
    }
    if (out->iec_notify) {
        trace_vtm_ir_iec_notify(out->iec_global, out->iec_index,
                                out->iec_mask);
        /* KVM and the I/O APIC listen on the machine's default unit. */
        x86_iommu_iec_notify_all(x86_iommu_get_default() ?:
                                 X86_IOMMU_DEVICE(s), out->iec_global,
                                 out->iec_index, out->iec_mask);
    }
}

/* One interrupt request through the core, then its fault or delivery. */
static void vtm_irq_request(VTMState *s, const VTMIrRequest *req)
{
    VTMOutbox out = { 0 };
    VTMIrResult res;
    uint64_t latency;

    vtm_lock(s);
    vtm_ir_process(&s->ir, req, &res);
    latency = vtm_stats_irq_locked(s, &res);
    if (res.action == VTM_IR_BLOCKED) {
        vtm_fault_record_locked(s, &res.fault, &out);
    }
    vtm_pmu_sync_locked(s, &out);
    vtm_unlock(s);
    vtm_irq_outbox_flush(s, &out);
    vtm_stats_stall_cycles(s, latency);

    switch (res.action) {
    case VTM_IR_DELIVER:
        trace_vtm_ir_deliver(req->sid, res.remappable, res.index,
                             req->addr, req->data, res.msg_addr,
                             res.msg_data);
        vtm_irq_send(res.msg_addr, res.msg_data);
        break;
    case VTM_IR_POSTED:
        trace_vtm_ir_posted(req->sid, res.index, res.notify);
        if (res.notify) {
            vtm_irq_send(res.msg_addr, res.msg_data);
        }
        break;
    case VTM_IR_BLOCKED:
        trace_vtm_ir_blocked(req->sid, res.index, res.fault.reason,
                             res.fault.fpd);
        break;
    }
}

static MemTxResult vtm_irq_window_write(VTMState *s, int sid, hwaddr addr,
                                        uint64_t value, MemTxAttrs attrs)
{
    VTMIrRequest req = {
        .addr = VTM_INTR_ADDR_BASE + addr,
        .data = value,
    };

    /* The requester id a PCI device's message carries comes first. */
    if (!attrs.unspecified) {
        sid = attrs.requester_id;
    }
    req.sid_known = sid != VTM_SID_UNKNOWN;
    req.sid = req.sid_known ? sid : 0;
    vtm_irq_request(s, &req);
    return MEMTX_OK;
}

/* A read of the window is a DMA fault when translating. */
static MemTxResult vtm_irq_window_read(VTMState *s, int sid, hwaddr addr,
                                       uint64_t *data, MemTxAttrs attrs)
{
    VTMOutbox out = { 0 };
    VTMFault f = {
        .sid = attrs.unspecified ? MAX(sid, 0) : attrs.requester_id,
        .addr = VTM_INTR_ADDR_BASE + addr,
        .is_write = false,
    };

    *data = 0;
    if (s->translation_enabled) {
        vtm_lock(s);
        /* 7.1.3: LGN.4 with a legacy root table, SGN.8 in scalable mode */
        f.reason = VTM_FR_INTR_ADDR;
        if (s->core.ttm == VTM_TTM_SCALABLE && s->core.cfg.sm_supported) {
            f.reason = VTM_FR_SM_INTR_ADDR;
        }
        vtm_fault_record_locked(s, &f, &out);
        vtm_unlock(s);
        vtm_irq_outbox_flush(s, &out);
    }
    return MEMTX_ERROR;
}

/* A requester's own window: its (bus, devfn) when attrs say nothing. */
static int vtm_space_window_sid(VTMAddressSpace *vas)
{
    return PCI_BUILD_BDF(pci_bus_num(vas->bus), vas->devfn);
}

static MemTxResult vtm_space_window_write(void *opaque, hwaddr addr,
                                          uint64_t value, unsigned size,
                                          MemTxAttrs attrs)
{
    VTMAddressSpace *vas = opaque;

    return vtm_irq_window_write(vas->vtm, vtm_space_window_sid(vas), addr,
                                value, attrs);
}

static MemTxResult vtm_space_window_read(void *opaque, hwaddr addr,
                                         uint64_t *data, unsigned size,
                                         MemTxAttrs attrs)
{
    VTMAddressSpace *vas = opaque;

    return vtm_irq_window_read(vas->vtm, vtm_space_window_sid(vas), addr,
                               data, attrs);
}

/*
 * The shared untranslated view's window (one for all requesters, so that
 * they share one FlatView): only attrs can name the source.  PCI MSIs
 * carry it; a device's plain DMA write to the range does not and is not
 * source-validated while translation is off.
 */
static MemTxResult vtm_shared_window_write(void *opaque, hwaddr addr,
                                           uint64_t value, unsigned size,
                                           MemTxAttrs attrs)
{
    return vtm_irq_window_write(opaque, VTM_SID_UNKNOWN, addr, value, attrs);
}

static MemTxResult vtm_shared_window_read(void *opaque, hwaddr addr,
                                          uint64_t *data, unsigned size,
                                          MemTxAttrs attrs)
{
    return vtm_irq_window_read(opaque, VTM_SID_UNKNOWN, addr, data, attrs);
}

/* The I/O APIC sends without attributes: its window knows who it is. */
static MemTxResult vtm_ioapic_window_write(void *opaque, hwaddr addr,
                                           uint64_t value, unsigned size,
                                           MemTxAttrs attrs)
{
    return vtm_irq_window_write(opaque, VTM_IOAPIC_SID, addr, value, attrs);
}

static MemTxResult vtm_ioapic_window_read(void *opaque, hwaddr addr,
                                          uint64_t *data, unsigned size,
                                          MemTxAttrs attrs)
{
    return vtm_irq_window_read(opaque, VTM_IOAPIC_SID, addr, data, attrs);
}

#define VTM_WINDOW_OPS(r, w) {                      \
    .read_with_attrs = r,                           \
    .write_with_attrs = w,                          \
    .endianness = DEVICE_LITTLE_ENDIAN,             \
    .impl = { .min_access_size = 4, .max_access_size = 4 }, \
    .valid = { .min_access_size = 1, .max_access_size = 8 }, \
}

static const MemoryRegionOps vtm_space_window_ops =
    VTM_WINDOW_OPS(vtm_space_window_read, vtm_space_window_write);
static const MemoryRegionOps vtm_shared_window_ops =
    VTM_WINDOW_OPS(vtm_shared_window_read, vtm_shared_window_write);
static const MemoryRegionOps vtm_ioapic_window_ops =
    VTM_WINDOW_OPS(vtm_ioapic_window_read, vtm_ioapic_window_write);

void vtm_irq_window_init(VTMState *s, MemoryRegion *mr, Object *owner)
{
    memory_region_init_io(mr, owner, &vtm_shared_window_ops, s,
                          "vtm-intr-window", VTM_INTR_ADDR_SIZE);
}

void vtm_irq_space_window_init(VTMAddressSpace *vas)
{
    memory_region_init_io(&vas->intr_window, OBJECT(vas->vtm),
                          &vtm_space_window_ops, vas, "vtm-intr",
                          VTM_INTR_ADDR_SIZE);
}

/* KVM's MSI routes ------------------------------------------------------ */

/*
 * KVM asks the machine's default IOMMU (the first unit plugged): the
 * unit serving the requester's root bus answers (vtm-units.c).
 */
int vtm_irq_int_remap(X86IOMMUState *iommu, MSIMessage *src,
                      MSIMessage *dst, uint16_t sid)
{
    VTMState *s = vtm_units_owner(sid);
    int ret;

    if (!s) {
        /* A bypassing bus: its messages reach the APICs as they are. */
        *dst = *src;
        trace_vtm_ir_route(sid, src->address, src->data, 0, dst->address,
                           dst->data);
        return 0;
    }
    /* The split irqchip's I/O APIC routes come without a requester. */
    vtm_lock(s);
    ret = vtm_ir_route(&s->ir, src->address, src->data,
                       sid != X86_IOMMU_SID_INVALID, sid,
                       &dst->address, &dst->data);
    vtm_unlock(s);
    trace_vtm_ir_route(sid, src->address, src->data, ret, dst->address,
                       dst->data);
    return ret;
}

/* Remapping changed: KVM's routes and the I/O APIC must ask again. */
static void vtm_irq_notify_locked(VTMOutbox *out, bool global,
                                  uint32_t index, uint32_t mask)
{
    if (out->iec_notify && (!global && !out->iec_global) &&
        (out->iec_index != index || out->iec_mask != mask)) {
        global = true;          /* two ranges in one batch: tell all */
    }
    out->iec_global |= global;
    out->iec_notify = true;
    out->iec_index = index;
    out->iec_mask = mask;
}

/* Register side effects ------------------------------------------------- */

/*
 * 11.4.4.1: SIRTP latches IRTA (a one-shot command reported by IRTPS);
 * IRE and CFI are enables reported by IRES and CFIS.  A unit without
 * ECAP.IR ignores all three.
 */
void vtm_irq_gcmd_locked(VTMState *s, uint32_t written, uint64_t mask,
                         uint32_t *sts, VTMOutbox *out)
{
    bool ire = (mask & R_GCMD_IRE_MASK) ? FIELD_EX32(written, GCMD, IRE)
                                        : FIELD_EX32(*sts, GSTS, IRES);
    bool cfi = (mask & R_GCMD_CFI_MASK) ? FIELD_EX32(written, GCMD, CFI)
                                        : FIELD_EX32(*sts, GSTS, CFIS);
    bool changed = false;

    if (!x86_iommu_ir_supported(X86_IOMMU_DEVICE(s))) {
        if (written & (R_GCMD_IRE_MASK | R_GCMD_SIRTP_MASK |
                       R_GCMD_CFI_MASK)) {
            vtm_guest_error("vtm: GCMD 0x%x asks for "
                            "interrupt remapping, which this unit does not "
                            "report (ECAP.IR=0)\n", written);
        }
        return;
    }
    if (FIELD_EX32(written, GCMD, SIRTP)) {
        vtm_ir_set_table(&s->ir, vtm_get64(s, A_IRTA));
        *sts = FIELD_DP32(*sts, GSTS, IRTPS, 1);
        trace_vtm_ir_table(s->ir.table, s->ir.entries, s->ir.eime);
        changed = true;
    }
    if (ire != FIELD_EX32(*sts, GSTS, IRES)) {
        *sts = FIELD_DP32(*sts, GSTS, IRES, ire);
        s->ir.enabled = ire;
        changed = true;
    }
    if (cfi != FIELD_EX32(*sts, GSTS, CFIS)) {
        *sts = FIELD_DP32(*sts, GSTS, CFIS, cfi);
        s->ir.cfis = cfi;
        changed = true;
    }
    if (changed) {
        trace_vtm_ir_enable(ire, cfi);
        /* every route computed before may be wrong now */
        vtm_irq_notify_locked(out, true, 0, 0);
    }
}

/* 11.4.10: EIME is reserved (reads 0) without ECAP.EIM. */
void vtm_irq_irta_written_locked(VTMState *s)
{
    uint64_t irta = vtm_get64(s, A_IRTA);

    if (!s->ir_cfg.eim && FIELD_EX64(irta, IRTA, EIME)) {
        vtm_set64(s, A_IRTA, FIELD_DP64(irta, IRTA, EIME, 0));
    }
}

/* 6.5.2.7: the interrupt entry cache, then whoever computed routes. */
void vtm_irq_iec_invalidate_locked(VTMState *s, const VTMInvIec *inv,
                                   VTMOutbox *out)
{
    vtm_ir_invalidate(&s->ir, inv);
    vtm_irq_notify_locked(out, inv->global, inv->index, inv->im);
}

/* Posted interrupt descriptors: a locked update of guest RAM ------------ */

static bool vtm_irq_cmpxchg64(void *opaque, uint64_t addr, uint64_t expected,
                              uint64_t new, uint64_t *found)
{
    VTMState *s = opaque;
    hwaddr xlat, len = sizeof(uint64_t);
    MemoryRegion *mr;
    uint64_t *p;

    if (addr & (sizeof(uint64_t) - 1)) {
        return false;
    }
    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(s->dma_as, addr, &xlat, &len, true,
                                 MEMTXATTRS_UNSPECIFIED);
    /* Guest RAM only: not ROM, not a device's BAR mapped as RAM */
    if (!memory_region_is_ram(mr) || memory_region_is_ram_device(mr) ||
        mr->readonly || len < sizeof(*p)) {
        return false;
    }
    /* Atomic against vCPUs too: MTTCG and KVM use host atomics there. */
    p = (uint64_t *)((uint8_t *)memory_region_get_ram_ptr(mr) + xlat);
    *found = le64_to_cpu(qatomic_cmpxchg__nocheck(p, cpu_to_le64(expected),
                                                  cpu_to_le64(new)));
    if (*found == expected) {
        memory_region_set_dirty(mr, xlat, sizeof(*p));
    }
    return true;
}

/* Properties, realize, reset, migration --------------------------------- */

/* x2APIC destinations need an irqchip that takes 32-bit APIC IDs. */
static bool vtm_irq_x2apic_possible(void)
{
    /* The userspace APIC (TCG, kernel-irqchip=off) implements x2APIC. */
    return !kvm_enabled() || !kvm_irqchip_is_split() || kvm_enable_x2apic();
}

/*
 * Before the base class: intremap=on cannot work with the whole irqchip
 * in KVM (KVM's I/O APIC and MSI delivery never reach the unit).  The
 * base class refuses it too; this message names the property.
 */
bool vtm_irq_check_properties(VTMState *s, Error **errp)
{
    X86IOMMUState *x86 = X86_IOMMU_DEVICE(s);

    if (x86->intr_supported == ON_OFF_AUTO_ON && kvm_enabled() &&
        kvm_irqchip_in_kernel() && !kvm_irqchip_is_split()) {
        error_setg(errp, "vtm-iommu: property 'intremap=on' needs "
                   "kernel-irqchip=split (or off): with kernel-irqchip=on "
                   "interrupts never reach the IOMMU");
        return false;
    }
    return true;
}

/* Runs once the base class has turned intremap=auto into on or off. */
bool vtm_irq_realize(VTMState *s, Error **errp)
{
    bool ir = x86_iommu_ir_supported(X86_IOMMU_DEVICE(s));
    const char *err;

    if (s->eim == ON_OFF_AUTO_ON && !ir) {
        error_setg(errp, "vtm-iommu: property 'eim=on' needs interrupt "
                   "remapping: set intremap=on (or leave eim=auto)");
        return false;
    }
    if (s->eim == ON_OFF_AUTO_ON && !vtm_irq_x2apic_possible()) {
        error_setg(errp, "vtm-iommu: property 'eim=on' needs x2APIC "
                   "support in the irqchip: with kernel-irqchip=split KVM "
                   "must offer the X2APIC API (Linux 4.7+)");
        return false;
    }
    if (s->eim == ON_OFF_AUTO_AUTO) {
        s->eim = ir && vtm_irq_x2apic_possible() ? ON_OFF_AUTO_ON
                                                 : ON_OFF_AUTO_OFF;
    }
    s->ir_cfg.haw = s->cfg.haw;
    s->ir_cfg.eim = s->eim == ON_OFF_AUTO_ON;
    s->ir_cfg.pi = ir;
    /* The cache's shape is a timing property (iec-*): vtm-timing.h */
    s->ir_cfg.iec = s->cfg.iec;
    s->ir_cfg.iec.seed ^= s->cfg.timing.cache_seed + VTM_IRTE_SIZE;
    err = vtm_ir_config_error(&s->ir_cfg);
    if (err) {
        error_setg(errp, "vtm-iommu: %s", err);
        return false;
    }
    return true;
}

void vtm_irq_init(VTMState *s)
{
    Object *owner = OBJECT(s);
    VTMMemOps mem = s->mem;

    mem.cmpxchg64 = vtm_irq_cmpxchg64;
    mem.opaque = s;
    vtm_ir_init(&s->ir, &s->ir_cfg, &mem);

    /* The I/O APIC's view: memory, and a window that knows its SID. */
    memory_region_init(&s->ioapic_root, owner, "vtm-ioapic", UINT64_MAX);
    memory_region_init_alias(&s->ioapic_sys, owner, "vtm-ioapic-sys",
                             get_system_memory(), 0,
                             memory_region_size(get_system_memory()));
    memory_region_init_io(&s->ioapic_window, owner, &vtm_ioapic_window_ops,
                          s, "vtm-ioapic-intr", VTM_INTR_ADDR_SIZE);
    memory_region_add_subregion_overlap(&s->ioapic_root, 0, &s->ioapic_sys,
                                        0);
    memory_region_add_subregion_overlap(&s->ioapic_root, VTM_INTR_ADDR_BASE,
                                        &s->ioapic_window, 1);
    address_space_init(&s->ioapic_as, &s->ioapic_root, "vtm-ioapic");
}

void vtm_irq_post_load_locked(VTMState *s)
{
    uint32_t gsts = vtm_get32(s, A_GSTS);

    vtm_ir_reset(&s->ir);
    vtm_ir_set_table(&s->ir, s->migrated_irta);
    s->ir.enabled = FIELD_EX32(gsts, GSTS, IRES);
    s->ir.cfis = FIELD_EX32(gsts, GSTS, CFIS);
}

static bool vtm_irq_vmstate_needed(void *opaque)
{
    VTMState *s = opaque;

    return FIELD_EX32(vtm_get32(s, A_GSTS), GSTS, IRTPS);
}

static int vtm_irq_pre_save(void *opaque)
{
    VTMState *s = opaque;

    s->migrated_irta = vtm_ir_latched_irta(&s->ir);
    return 0;
}

/* The table latched by SIRTP is state no register holds. */
const VMStateDescription vtm_irq_vmstate = {
    .name = "vtm-iommu/ir",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = vtm_irq_vmstate_needed,
    .pre_save = vtm_irq_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(migrated_irta, VTMState),
        VMSTATE_END_OF_LIST()
    },
};
