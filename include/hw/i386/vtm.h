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

#define TYPE_VTM_IOMMU "vtm-iommu"
OBJECT_DECLARE_TYPE(VTMState, VTMClass, VTM_IOMMU)

#define TYPE_VTM_IOMMU_MEMORY_REGION "vtm-iommu-memory-region"

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
} VTMAddressSpace;

struct VTMState {
    X86IOMMUState parent_obj;

    MemoryRegion mmio;
    MemoryRegion untranslated; /* system memory + interrupt window */
    MemoryRegion sys_alias;
    MemoryRegion intr_window;

    /* Register storage (little-endian bytes); behaviour in vtm-mmio.c. */
    uint8_t regs[VTM_REG_WINDOW_SIZE];

    /* Serialises register side effects, translation and fault logging. */
    QemuMutex lock;
    VTMCore core;
    VTMMemOps mem;
    AddressSpace *dma_as;       /* where tables and status writes go */

    GHashTable *spaces;         /* (bus, devfn) -> VTMAddressSpace */
    bool translation_enabled;   /* GSTS.TES */

    /* Properties */
    uint8_t aw_bits;
    uint32_t nfr;
    bool caching_mode;
    bool dma_translation;
    VTMCoreConfig cfg;          /* cache shapes */

    uint64_t migrated_root;     /* latched RTADDR, for vmstate */
};

struct VTMClass {
    X86IOMMUClass parent_class;
    DeviceRealize parent_realize;
};

void vtm_build_dmar(VTMState *s, GArray *table_data, BIOSLinker *linker,
                    const char *oem_id, const char *oem_table_id);

#endif
