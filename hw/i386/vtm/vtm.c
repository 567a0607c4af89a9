/*
 * vtm-iommu: QOM type, properties, realize, reset and migration.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "exec/address-spaces.h"
#include "hw/qdev-properties.h"
#include "hw/i386/pc.h"
#include "hw/i386/x86.h"
#include "hw/pci-host/q35.h"
#include "cpu.h"
#include "migration/vmstate.h"
#include "vtm-regs.h"
#include "vtm-dma.h"
#include "vtm-stats.h"
#include "vtm-props.h"
#include "vtm-notify.h"
#include "vtm-fault.h"
#include "vtm-irq.h"
#include "vtm-as.h"
#include "vtm-mmio.h"
#include "vtm-pmu.h"
#include "vtm-sm.h"
#include "vtm-pri.h"
#include "vtm-units.h"
#include "vtm-check.h"

/*
 * The host address width bounds the output addresses of table entries
 * (bits above it are reserved, 9.8): the guest's physical address width.
 */
static uint8_t vtm_host_address_width(void)
{
    unsigned bits = first_cpu ? X86_CPU(first_cpu)->phys_bits : 46;

    return MIN(MAX(bits, 32), 52);
}

static void vtm_fill_core_config(VTMState *s)
{
    X86IOMMUState *x86 = X86_IOMMU_DEVICE(s);

    s->cfg.haw = vtm_host_address_width();
    s->cfg.sagaw = vtm_regs_sagaw(s);
    s->cfg.pt_supported = x86->pt_supported;
    s->cfg.dt_supported = x86->dt_supported;
    s->cfg.snoop_control = s->snoop_control;
    vtm_sm_fill_core_config(s);
}

static bool vtm_check_properties(VTMState *s, Error **errp)
{
    const char *msg;

    if (s->aw_bits != 39 && s->aw_bits != 48 && s->aw_bits != 57) {
        error_setg(errp, "vtm-iommu: property 'aw-bits' must be 39, 48 or "
                   "57 (got %u)", s->aw_bits);
        return false;
    }
    if (s->nfr < 1 || s->nfr > VTM_NFR_MAX) {
        error_setg(errp, "vtm-iommu: property 'nfr' must be between 1 and "
                   "%d (got %u)", VTM_NFR_MAX, s->nfr);
        return false;
    }
    if (!vtm_pmu_check_properties(s, errp)) {
        return false;
    }
    if (s->notify_max_mappings < 1 || s->notify_max_mappings > (1 << 24)) {
        error_setg(errp, "vtm-iommu: property 'notify-max-mappings' must be "
                   "between 1 and %d (got %u)", 1 << 24,
                   s->notify_max_mappings);
        return false;
    }
    /*
     * intremap follows the base class (auto is on unless the whole
     * irqchip is in KVM); eim is decided in vtm_irq_realize(), once
     * intremap is known.
     */
    if (!vtm_irq_check_properties(s, errp) ||
        !vtm_sm_check_properties(s, errp)) {
        return false;
    }
    vtm_props_resolve_config(s);
    vtm_fill_core_config(s);
    msg = vtm_core_config_error(&s->cfg);
    if (msg) {
        error_setg(errp, "vtm-iommu: %s", msg);
        return false;
    }
    return true;
}

/* Runs before the base class turns intremap=auto into on. */
static void vtm_prerealize(DeviceState *dev, Error **errp)
{
    VTMState *s = VTM_IOMMU(dev);

    if (!vtm_check_properties(s, errp)) {
        return;
    }
    VTM_IOMMU_GET_CLASS(dev)->parent_realize(dev, errp);
}

static void vtm_realize(DeviceState *dev, Error **errp)
{
    VTMState *s = VTM_IOMMU(dev);
    PCMachineState *pcms = PC_MACHINE(qdev_get_machine());
    X86MachineState *x86ms = X86_MACHINE(pcms);

    if (!vtm_units_check(s, errp) || !vtm_irq_realize(s, errp) ||
        !vtm_stats_realize(s, errp)) {
        return;
    }
    qemu_mutex_init(&s->lock);
    vtm_stats_fast_init(s);
    vtm_dma_init(s);
    vtm_irq_init(s);
    vtm_core_init(&s->core, &s->cfg, &s->mem);
    if (s->check_walks) {
        vtm_check_init(s);
    }
    vtm_regs_reset(s);
    vtm_pri_reset_locked(s);
    vtm_pmu_init(s);
    vtm_as_init(s);

    memory_region_init_io(&s->mmio, OBJECT(s), &vtm_mmio_ops, s,
                          "vtm-iommu", vtm_pmu_window_size(s));
    memory_region_add_subregion(get_system_memory(), s->reg_base, &s->mmio);
    pci_setup_iommu(s->root_bus, &vtm_as_pci_iommu_ops, s);
    /* The I/O APIC's messages: through its unit's window (vtm-irq.c) */
    if (s->catch_all) {
        x86ms->ioapic_as = &s->ioapic_as;
    }
    vtm_units_add(s);
}

static void vtm_reset_exit(Object *obj, ResetType type)
{
    VTMState *s = VTM_IOMMU(obj);

    vtm_lock(s);
    vtm_regs_reset(s);
    vtm_core_reset(&s->core);
    vtm_fault_reset(s);
    vtm_ir_reset(&s->ir);
    vtm_pmu_reset_locked(s);
    vtm_pri_reset_locked(s);
    s->translation_enabled = false;
    vtm_notify_translation_locked(s);
    vtm_unlock(s);
    vtm_as_switch_all(s);
}

static int vtm_post_load(void *opaque, int version_id)
{
    VTMState *s = opaque;

    /* Caches are not migrated: start cold, which hardware may also do. */
    vtm_lock(s);
    vtm_core_reset(&s->core);
    vtm_core_set_root(&s->core, s->migrated_root);
    s->translation_enabled = FIELD_EX32(vtm_get32(s, A_GSTS), GSTS, TES);
    vtm_irq_post_load_locked(s);
    vtm_pri_post_load_locked(s);
    vtm_notify_translation_locked(s);
    vtm_unlock(s);
    vtm_as_switch_all(s);
    return 0;
}

static int vtm_pre_save(void *opaque)
{
    VTMState *s = opaque;

    s->migrated_root = s->core.root_table |
                       ((uint64_t)s->core.ttm << R_RTADDR_TTM_SHIFT);
    return 0;
}

static const VMStateDescription vtm_vmstate = {
    .name = "vtm-iommu",
    .version_id = 1,
    .minimum_version_id = 1,
    /* Loads before every device that translates through the unit. */
    .priority = MIG_PRI_IOMMU,
    .pre_save = vtm_pre_save,
    .post_load = vtm_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(regs, VTMState, VTM_REG_WINDOW_SIZE),
        VMSTATE_UINT64(migrated_root, VTMState),
        VMSTATE_UINT32(frcd_next, VTMState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vtm_irq_vmstate,
        &vtm_pmu_vmstate,
        NULL
    },
};

static const Property vtm_properties[] = {
    DEFINE_PROP_UINT8("aw-bits", VTMState, aw_bits, 48),
    DEFINE_PROP_UINT32("nfr", VTMState, nfr, 8),
    DEFINE_PROP_BOOL("caching-mode", VTMState, caching_mode, false),
    DEFINE_PROP_BOOL("dma-translation", VTMState, dma_translation, true),
    DEFINE_PROP_ON_OFF_AUTO("eim", VTMState, eim, ON_OFF_AUTO_AUTO),
    DEFINE_PROP_BOOL("snoop-control", VTMState, snoop_control, false),
    DEFINE_PROP_BOOL("perfmon", VTMState, perfmon, true),
    DEFINE_PROP_UINT32("x-perfmon-width", VTMState, pm_width,
                       VTM_PM_WIDTH_DEFAULT),
    DEFINE_PROP_UINT32("notify-max-mappings", VTMState, notify_max_mappings,
                       1 << 18),
    DEFINE_PROP_STRING("record", VTMState, record_path),
    DEFINE_PROP_BOOL("fast-path", VTMState, fast_path, true),
    DEFINE_PROP_BOOL("x-check-walks", VTMState, check_walks, false),
    DEFINE_PROP_BOOL("scalable-mode", VTMState, scalable_mode, true),
    DEFINE_PROP_ON_OFF_AUTO("first-stage", VTMState, first_stage,
                            ON_OFF_AUTO_AUTO),
    DEFINE_PROP_BOOL("second-stage", VTMState, second_stage, true),
    DEFINE_PROP_UINT8("pasid-bits", VTMState, pasid_bits, VTM_PASID_BITS),
    DEFINE_PROP_STRING("root-bus", VTMState, root_bus_name),
    DEFINE_PROP_UINT64("reg-base", VTMState, reg_base, 0),
};

/* One line each for -device vtm-iommu,help (qdev's say only the type). */
static const char *const vtm_property_help[][2] = {
    { "aw-bits", "DMA address width in bits (CAP.MGAW): 39, 48 or 57" },
    { "nfr", "number of fault recording registers (CAP.NFR), 1 to 32" },
    { "caching-mode", "CAP.CM: the guest invalidates after mapping too "
      "(needed by VFIO and MAP notifiers)" },
    { "dma-translation", "DMA remapping (off: interrupt remapping only, "
      "CAP.SAGAW=0)" },
    { "eim", "ECAP.EIM: 32-bit x2APIC interrupt destinations (auto: when "
      "interrupt remapping is on and the irqchip can)" },
    { "snoop-control", "ECAP.SC: leaf entries may set SNP" },
    { "perfmon", "performance monitoring (CAP.ECMDS, ECAP.PMS): counters of "
      "the timing model's events, Linux's dmar0 perf PMU; needs nfr <= 16" },
    { "x-perfmon-width", "test: performance counter width in bits, 8 to 64" },
    { "x-check-walks", "debug: walk every translation again without caches "
      "and log (-d guest_errors) what the caches gave that the tables do "
      "not, and DMA writes into page tables" },
    { "notify-max-mappings", "most mappings the IOMMU notifiers of one "
      "requester are told of" },
    { "record", "file to write the translation stream to "
      "(default: none, no record)" },
    { "fast-path", "repeated translations without the unit's lock; the "
      "timing model still sees each, in order, so its figures are the "
      "same" },
    { "scalable-mode", "ECAP.SMTS: scalable-mode tables, PASIDs and 256-bit "
      "invalidation descriptors (off: a legacy-only unit)" },
    { "first-stage", "ECAP.FLTS: first-stage tables, which Linux then uses "
      "for DMA (auto: on unless caching-mode=on or aw-bits=39)" },
    { "second-stage", "ECAP.SLTS: second-stage tables in scalable mode" },
    { "pasid-bits", "ECAP.PSS: PASID width, 1 to 20 (0: no PASID support)" },
    { "root-bus", "root bus this unit serves: pcie.0 or a pxb-pcie's id "
      "(default: none, pcie.0 and every bus no other unit claims)" },
    { "reg-base", "register base address (0: placed automatically, "
      "0xfed90000 for the unit on pcie.0, then every 0x4000)" },
};

static void vtm_instance_init(Object *obj)
{
    VTMState *s = VTM_IOMMU(obj);

    vtm_props_instance_init(s);
    vtm_ir_default_config(&s->ir_cfg);
}

static void vtm_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    X86IOMMUClass *x86_class = X86_IOMMU_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    VTMClass *vc = VTM_IOMMU_CLASS(klass);
    unsigned i;

    /* Exit phase: DMA has been quiesced in enter/hold. */
    rc->phases.exit = vtm_reset_exit;
    dc->vmsd = &vtm_vmstate;
    device_class_set_props(dc, vtm_properties);
    for (i = 0; i < ARRAY_SIZE(vtm_property_help); i++) {
        object_class_property_set_description(klass, vtm_property_help[i][0],
                                              vtm_property_help[i][1]);
    }
    vtm_props_class_init(klass);
    vtm_sm_class_init(klass);
    vtm_stats_class_init(klass);
    dc->hotpluggable = false;
    device_class_set_parent_realize(dc, vtm_prerealize, &vc->parent_realize);
    x86_class->realize = vtm_realize;
    x86_class->int_remap = vtm_irq_int_remap;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    dc->desc = "VT-d style IOMMU with a timing model (vtm)";
}

static const TypeInfo vtm_info = {
    .name = TYPE_VTM_IOMMU,
    .parent = TYPE_X86_IOMMU_DEVICE,
    .instance_size = sizeof(VTMState),
    .instance_init = vtm_instance_init,
    .class_size = sizeof(VTMClass),
    .class_init = vtm_class_init,
};

static void vtm_register_types(void)
{
    type_register_static(&vtm_info);
}

type_init(vtm_register_types)
