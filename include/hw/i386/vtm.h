/*
 * vtm-iommu: a VT-d style IOMMU with a cycle-approximate timing model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_H
#define HW_I386_VTM_H

#include "hw/i386/x86-iommu.h"
#include "hw/pci/pci.h"
#include "exec/memory.h"
#include "qemu/thread.h"
#include "qom/object.h"
#include "hw/acpi/bios-linker-loader.h"
#include "hw/i386/vtm/vtm-core.h"
#include "hw/i386/vtm/vtm-ir.h"
#include "hw/i386/vtm/vtm-perfmon.h"

#define TYPE_VTM_IOMMU "vtm-iommu"
OBJECT_DECLARE_TYPE(VTMState, VTMClass, VTM_IOMMU)

#define TYPE_VTM_IOMMU_MEMORY_REGION "vtm-iommu-memory-region"

/* Where a requester's mappings came from when notifiers last looked. */
typedef struct VTMNotifyView {
    uint8_t kind;               /* VTM_VIEW_* (vtm-notify.c) */
    bool translating;           /* GSTS.TES was set */
    bool did_valid;
    uint16_t did;
    uint8_t levels;             /* second-stage tables: levels and top */
    uint64_t root;
} VTMNotifyView;

/*
 * One translation the fast path may give without the unit's lock
 * (vtm-as.c): written under the lock, read without it, seq odd while
 * written.  Valid while gen is the unit's fast_gen.
 */
typedef struct VTMFastEntry {
    uint32_t seq;
    uint32_t gen;
    uint64_t iova;              /* of the translation's page */
    uint64_t addr_mask;
    uint64_t translated;
    uint8_t perm;               /* IOMMU_RO/WO/RW it may answer */
} VTMFastEntry;

#define VTM_FAST_ENTRIES        16      /* per requester, by 4 KiB page */
#define VTM_FAST_LOG_SIZE       4096    /* requests logged, per unit */

/* A request the fast path answered, for the model to see (vtm-stats.c). */
typedef struct VTMFastEvent {
    uint64_t ticket;            /* its place in the log + 1, once written */
    struct VTMAddressSpace *vas;
    uint64_t addr;
    uint64_t time;
    uint16_t sid;
    bool is_write;
    bool ats;
} VTMFastEvent;

/* The DMA view of one requester (bus, devfn). */
typedef struct VTMAddressSpace {
    VTMState *vtm;
    PCIBus *bus;
    uint8_t devfn;
    MemoryRegion root;          /* container switched by GSTS.TES */
    MemoryRegion nodmar;        /* alias of the shared untranslated view */
    IOMMUMemoryRegion iommu;    /* translated view */
    MemoryRegion intr_window;   /* 0xfee00000 inside the translated view */
    AddressSpace as;
    bool translating;           /* which view is enabled */
    /*
     * Scalable mode: the RID_PASID entry was pass-through when last
     * looked at (SRTP, TE, or an invalidation covering it), so DMA takes
     * the untranslated view (vtm-as.c); pt_did and pt_pasid name that
     * entry, pt_recheck asks for it to be looked at again (vtm-inv.c).
     */
    bool pt_view;
    bool pt_recheck;
    uint16_t pt_did;
    uint32_t pt_pasid;

    /* IOMMU notifiers (vtm-notify.c), under the unit's lock */
    IOMMUNotifierFlag notify_flags; /* what the registered ones need */
    struct VTMTracker *tracker; /* what MAP notifiers hold; NULL: none */
    VTMNotifyView view;         /* what the notifiers were last synced to */
    bool host_device;           /* a host device (VFIO) is attached */

    VTMCounters stats;          /* this requester's (vtm-stats.c), locked */
    GHashTable *pasid_stats;    /* scalable mode: PASID -> its counts */

    VTMFastEntry fast[VTM_FAST_ENTRIES];    /* vtm-as.c */
} VTMAddressSpace;

struct VTMState {
    X86IOMMUState parent_obj;

    MemoryRegion mmio;
    MemoryRegion untranslated; /* system memory + interrupt window */
    MemoryRegion sys_alias;
    MemoryRegion intr_window;

    /* Register storage (little-endian bytes); behaviour in vtm-mmio.c. */
    uint8_t regs[VTM_REG_WINDOW_SIZE];

    /*
     * Serialises register side effects, translation and fault logging:
     * vtm_lock() and vtm_unlock() (vtm-stats.h).
     */
    QemuMutex lock;
    /*
     * The fast path (vtm-as.c): repeated translations answered without
     * the lock, logged for the model in order (vtm-stats.c).  fast_gen
     * and fast_usable change under the lock and are read without it;
     * fast_head is taken by the lock-free loggers, fast_tail under the
     * lock.
     */
    bool fast_path;             /* property */
    bool fast_usable;
    bool fast_logging;          /* the model must see what it answers */
    uint32_t fast_gen;
    uint64_t fast_head;
    uint64_t fast_tail;
    uint64_t fast_last_time;    /* the model's clock never goes back */
    uint64_t fast_hits_base;    /* fast_head at the last stats-reset */
    VTMFastEvent *fast_log;
    VTMCore core;
    bool check_walks;           /* property x-check-walks (vtm-check.c) */
    struct VTMChecker *checker; /* its reference unit, NULL when off */
    VTMMemOps mem;
    AddressSpace *dma_as;       /* where tables and status writes go */

    GHashTable *spaces;         /* (bus, devfn) -> VTMAddressSpace */
    bool translation_enabled;   /* GSTS.TES */
    bool pt_recheck_all;        /* every requester's view (vtm-as.c) */

    /* Units (vtm-units.c): the root bus served, the register base */
    char *root_bus_name;        /* property root-bus; NULL: catch-all */
    uint64_t reg_base;          /* property reg-base; 0: placed at realize */
    PCIBus *root_bus;
    bool catch_all;             /* serves pcie.0 and unclaimed buses */

    /* Properties */
    uint8_t aw_bits;
    uint32_t nfr;
    bool caching_mode;
    bool dma_translation;
    bool snoop_control;         /* ECAP.SC */
    uint32_t notify_max_mappings;   /* per address space with MAP */
    /* Scalable mode (vtm-sm.c) */
    bool scalable_mode;         /* ECAP.SMTS */
    OnOffAuto first_stage;      /* ECAP.FLTS; auto: vtm-sm.c */
    bool second_stage;          /* ECAP.SLTS */
    uint8_t pasid_bits;         /* ECAP.PASID/PSS; 0: no PASID */
    bool fs_enabled;            /* first_stage resolved at realize */
    bool nested;                /* ECAP.NEST */
    bool ssads;                 /* ECAP.SSADS (SLADS): second-stage A/D */
    bool prs;                   /* ECAP.PRS: page requests (vtm-pri.c) */
    bool ers;                   /* ECAP.ERS: execute requests */
    bool srs;                   /* ECAP.SRS: supervisor requests */
    /* first-stage translations by table depth (vtm-stats.c), locked */
    uint64_t fs_levels[VTM_MAX_LEVELS + 1];

    unsigned notify_spaces;     /* address spaces with notifiers */
    VTMCoreConfig cfg;          /* cache shapes */

    /* Timing properties, statistics, recording (vtm-stats.c) */
    uint8_t cfg_set[sizeof(VTMCoreConfig)];    /* bytes set by the user */
    VTMPreset timing_preset;
    char *record_path;
    struct VTMRecorder *recorder;   /* NULL unless record=PATH */

    uint64_t migrated_root;     /* latched RTADDR, for vmstate */
    uint32_t frcd_next;         /* fault record hardware fills next */

    /* Interrupt remapping (vtm-irq.c, core in vtm-ir.c), under lock */
    VTMIr ir;
    VTMIrConfig ir_cfg;         /* defaults: vtm_ir_default_config() */
    OnOffAuto eim;              /* property: x2APIC destinations */
    MemoryRegion ioapic_root;   /* the I/O APIC's address space */
    MemoryRegion ioapic_sys;
    MemoryRegion ioapic_window;
    AddressSpace ioapic_as;
    uint64_t migrated_irta;     /* IRTA latched by SIRTP, for vmstate */

    /* Page requests (vtm-pri.c, core in vtm-prq.c), under lock */
    VTMPrq prq;
    struct VTMPriSink *pri_sink;    /* where page group responses go */

    /* Performance monitoring (vtm-pmu.c, core in vtm-perfmon.c), locked */
    bool perfmon;               /* property: CAP.ECMDS, ECAP.PMS */
    uint32_t pm_width;          /* property x-perfmon-width: counter bits */
    VTMPerfmon pm;
};

struct VTMClass {
    X86IOMMUClass parent_class;
    DeviceRealize parent_realize;
};

void vtm_build_dmar(VTMState *s, GArray *table_data, BIOSLinker *linker,
                    const char *oem_id, const char *oem_table_id);

#endif
