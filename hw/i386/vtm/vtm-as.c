/*
 * vtm: per-requester DMA address spaces and the IOMMU memory region.
 *
 * Each (bus, devfn) gets a container holding two views: the translated
 * view (an IOMMUMemoryRegion whose translate hook runs the core) and an
 * alias of one shared untranslated view.  GSTS.TES picks which one is
 * enabled, so with translation off DMA costs nothing extra and devices
 * share one FlatView.  Both views route the interrupt window to
 * vtm-irq.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/lockable.h"
#include "exec/address-spaces.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "vtm-as.h"
#include "vtm-fault.h"
#include "vtm-irq.h"
#include "vtm-notify.h"
#include "vtm-stats.h"
#include "vtm-pmu.h"
#include "vtm-check.h"
#include "trace.h"

typedef struct VTMSpaceKey {
    PCIBus *bus;
    uint8_t devfn;
} VTMSpaceKey;

static guint vtm_space_hash(gconstpointer v)
{
    const VTMSpaceKey *k = v;

    return g_direct_hash(k->bus) ^ k->devfn;
}

static gboolean vtm_space_equal(gconstpointer a, gconstpointer b)
{
    const VTMSpaceKey *x = a, *y = b;

    return x->bus == y->bus && x->devfn == y->devfn;
}

static uint16_t vtm_space_sid(VTMAddressSpace *vas)
{
    return PCI_BUILD_BDF(pci_bus_num(vas->bus), vas->devfn);
}

/*
 * Whether vas's requester uses its device-TLB: an endpoint whose ATS
 * capability has Enable set (PCIe 6.0 10.5.1.3), on a unit with ECAP.DT.
 * Software sets Enable only where the context entry allows translation
 * requests (TT=01b, 9.3), so its DMA is then timed as ATS traffic.
 */
static bool vtm_space_uses_devtlb(VTMState *s, VTMAddressSpace *vas)
{
    PCIDevice *dev;

    if (!s->core.cfg.dt_supported) {
        return false;
    }
    dev = vas->bus->devices[vas->devfn];
    return dev && pci_is_express(dev) && dev->exp.ats_cap &&
           (pci_get_word(dev->config + dev->exp.ats_cap + PCI_ATS_CTRL) &
            PCI_ATS_CTRL_ENABLE);
}

static IOMMUAccessFlags vtm_perm_to_flags(uint8_t perm)
{
    return (perm & VTM_PERM_R ? IOMMU_RO : 0) |
           (perm & VTM_PERM_W ? IOMMU_WO : 0);
}

/* The fast path --------------------------------------------------------- */

static VTMFastEntry *vtm_fast_slot(VTMAddressSpace *vas, hwaddr addr)
{
    return &vas->fast[(addr >> VTM_PAGE_SHIFT) % VTM_FAST_ENTRIES];
}

/*
 * Under the lock, after a translation that did not fault: the fast path
 * may give it again until anything else takes the lock.  A first-stage
 * or SSADE write must find D set, so an entry a read made answers reads
 * only (a write then takes the lock and the model sets D).
 */
static void vtm_fast_fill_locked(VTMAddressSpace *vas, hwaddr addr,
                                 const IOMMUTLBEntry *entry, bool is_write)
{
    VTMFastEntry *e = vtm_fast_slot(vas, addr);
    uint8_t perm = is_write ? entry->perm : entry->perm & IOMMU_RO;

    qatomic_set(&e->seq, e->seq + 1);
    smp_wmb();      /* odd seq before the fields: readers see it changing */
    e->gen = vas->vtm->fast_gen;
    e->iova = entry->iova;
    e->addr_mask = entry->addr_mask;
    e->translated = entry->translated_addr;
    e->perm = perm;
    smp_wmb();      /* the fields before the even seq that validates them */
    qatomic_set(&e->seq, e->seq + 1);
}

/*
 * Without the lock: a translation an entry still gives, logged for the
 * model (vtm_stats_log_fast()).  False sends the request to the lock.
 */
static bool vtm_fast_translate(VTMAddressSpace *vas, hwaddr addr,
                               IOMMUAccessFlags flag, uint16_t sid,
                               IOMMUTLBEntry *entry)
{
    VTMState *s = vas->vtm;
    VTMFastEntry *e = vtm_fast_slot(vas, addr);
    uint64_t iova, mask, translated;
    uint32_t seq, gen, entry_gen;
    uint8_t perm;

    if (!qatomic_read(&s->fast_usable)) {
        return false;
    }
    seq = qatomic_load_acquire(&e->seq);
    gen = qatomic_read(&s->fast_gen);
    /* every field, gen too, between the two reads of seq */
    entry_gen = e->gen;
    iova = e->iova;
    mask = e->addr_mask;
    translated = e->translated;
    perm = e->perm;
    smp_rmb();      /* the fields before seq again: pairs with the fill's */
    if ((seq & 1) || qatomic_read(&e->seq) != seq || entry_gen != gen ||
        (addr & ~mask) != iova || (flag & ~perm)) {
        return false;
    }
    if (!vtm_stats_log_fast(s, vas, sid, addr, flag & IOMMU_WO,
                            vtm_space_uses_devtlb(s, vas))) {
        return false;
    }
    entry->iova = iova;
    entry->addr_mask = mask;
    entry->translated_addr = translated;
    entry->perm = perm;
    return true;
}

static IOMMUTLBEntry vtm_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                   IOMMUAccessFlags flag, int iommu_idx)
{
    VTMAddressSpace *vas = container_of(iommu, VTMAddressSpace, iommu);
    VTMState *s = vas->vtm;
    VTMRequest req = {
        .sid = vtm_space_sid(vas),
        .addr = addr,
        .is_write = flag & IOMMU_WO,
        /* IOMMU_NONE is a lookup by QEMU itself, not a DMA request. */
        .untimed = flag == IOMMU_NONE,
    };
    IOMMUTLBEntry entry = {
        .target_as = s->dma_as,
        .iova = addr & ~(VTM_PAGE_SIZE - 1),
        .addr_mask = VTM_PAGE_SIZE - 1,
        .perm = IOMMU_NONE,
    };
    /* not zero-filled on every DMA (VTM_NOINIT): the core clears res */
    VTMOutbox out VTM_NOINIT;
    VTMResult res VTM_NOINIT;

    if (!req.untimed &&
        vtm_fast_translate(vas, addr, flag, req.sid, &entry)) {
        trace_vtm_translate(req.sid, addr, entry.translated_addr,
                            entry.addr_mask, entry.perm, 0);
        return entry;
    }
    vtm_outbox_init(&out);
    req.ats = !req.untimed && vtm_space_uses_devtlb(s, vas);
    vtm_lock(s);
    req.time = vtm_stats_now_locked(s);
    vtm_core_translate(&s->core, &req, &res, NULL);
    if (s->checker) {
        vtm_check_translation_locked(s, &req, &res);
    }
    if (res.fault.reason == VTM_FR_NONE) {
        entry.iova = res.iova;
        entry.translated_addr = res.translated;
        entry.addr_mask = res.addr_mask;
        entry.perm = vtm_perm_to_flags(res.perm);
        if (!req.untimed && s->fast_path) {
            vtm_fast_fill_locked(vas, addr, &entry, req.is_write);
        }
    } else if (flag != IOMMU_NONE) {
        /* IOMMU_NONE is a lookup by QEMU itself, not a DMA request. */
        vtm_fault_record_locked(s, &res.fault, &out);
    }
    vtm_stats_translated_locked(s, vas, &req, &res);
    vtm_pmu_sync_locked(s, &out);
    vtm_unlock_translated(s);
    vtm_irq_outbox_flush(s, &out);
    trace_vtm_translate(req.sid, addr, entry.translated_addr,
                        entry.addr_mask, entry.perm, res.fault.reason);
    vtm_stats_stall(s, &res);
    return entry;
}

/* The address space of requester sid, if one was made; NULL if not. */
static VTMAddressSpace *vtm_as_find_sid(VTMState *s, uint16_t sid)
{
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        if (vtm_space_sid(value) == sid) {
            return value;
        }
    }
    return NULL;
}

void vtm_as_probe_translate(VTMState *s, const VTMRequest *req,
                            VTMResult *res)
{
    VTMAddressSpace *vas = vtm_as_find_sid(s, req->sid);
    VTMRequest r = *req;
    VTMOutbox out = { 0 };

    vtm_lock(s);
    if (!s->translation_enabled) {
        /* GSTS.TES clear: requests pass untranslated (3.1) */
        memset(res, 0, sizeof(*res));
        res->translated = req->addr & ~(VTM_PAGE_SIZE - 1);
        res->perm = VTM_PERM_RW;
        vtm_unlock(s);
        return;
    }
    r.time = vtm_stats_now_locked(s);
    vtm_core_translate(&s->core, &r, res, NULL);
    if (res->fault.reason != VTM_FR_NONE) {
        vtm_fault_record_locked(s, &res->fault, &out);
    }
    if (vas) {
        vtm_stats_translated_locked(s, vas, &r, res);
    }
    vtm_unlock(s);
    vtm_irq_outbox_flush(s, &out);
    trace_vtm_translate(r.sid, r.addr, res->translated, res->addr_mask,
                        res->perm, res->fault.reason);
}

static void vtm_space_switch(VTMAddressSpace *vas, bool translate)
{
    if (vas->translating == translate) {
        return;
    }
    vas->translating = translate;
    trace_vtm_space_switch(vtm_space_sid(vas), translate);
    memory_region_transaction_begin();
    memory_region_set_enabled(MEMORY_REGION(&vas->iommu), translate);
    memory_region_set_enabled(&vas->nodmar, !translate);
    memory_region_transaction_commit();
}

/*
 * Scalable mode: whether requests without PASID of vas pass through
 * (PGTT 100b in its RID_PASID entry, 9.6), read from memory as a cache
 * that just missed would.  Such a requester gets the untranslated view,
 * as intel-iommu gives pass-through contexts: its DMA then costs no
 * translation.  Entries change only with an invalidation software must
 * issue (6.5.3.3), after which this is looked at again.
 */
static bool vtm_as_passthrough_locked(VTMState *s, VTMAddressSpace *vas)
{
    VTMContext ctx;
    VTMPasidEntry pe;
    unsigned reads;

    if (!s->translation_enabled || s->core.ttm != VTM_TTM_SCALABLE ||
        !s->core.cfg.sm_supported ||
        vtm_ctx_fetch_rid_pasid(&s->mem, s->core.root_table,
                                vtm_space_sid(vas), &s->core.lim, &ctx,
                                &pe, &reads) != VTM_FR_NONE ||
        pe.pgtt != VTM_PGTT_PT) {
        return false;
    }
    vas->pt_did = pe.did;
    vas->pt_pasid = ctx.rid_pasid;
    return true;
}

void vtm_as_switch_all(VTMState *s)
{
    GHashTableIter it;
    gpointer value;
    bool translate;

    vtm_lock(s);
    translate = s->translation_enabled;
    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        VTMAddressSpace *vas = value;

        /* a cached entry stays in use until it is invalidated */
        if (!translate || s->pt_recheck_all || vas->pt_recheck) {
            vas->pt_view = vtm_as_passthrough_locked(s, vas);
            vas->pt_recheck = false;
        }
    }
    s->pt_recheck_all = false;
    vtm_unlock(s);

    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        VTMAddressSpace *vas = value;

        vtm_space_switch(vas, translate && !vas->pt_view);
    }
}

void vtm_as_outbox_flush(VTMState *s, VTMOutbox *out)
{
    vtm_irq_outbox_flush(s, out);
    if (out->switch_spaces) {
        vtm_as_switch_all(s);
    }
}

static void vtm_space_init(VTMState *s, VTMAddressSpace *vas)
{
    Object *owner = OBJECT(s);
    g_autofree char *name = g_strdup_printf("vtm-%02x.%x",
                                            PCI_SLOT(vas->devfn),
                                            PCI_FUNC(vas->devfn));

    memory_region_init(&vas->root, owner, name, UINT64_MAX);
    memory_region_init_alias(&vas->nodmar, owner, "vtm-nodmar",
                             &s->untranslated, 0, UINT64_MAX);
    memory_region_init_iommu(&vas->iommu, sizeof(vas->iommu),
                             TYPE_VTM_IOMMU_MEMORY_REGION, owner,
                             "vtm-dmar", UINT64_MAX);
    /* Interrupt requests bypass translation (3.15): vtm-irq.c */
    vtm_irq_space_window_init(vas);
    memory_region_add_subregion_overlap(MEMORY_REGION(&vas->iommu),
                                        VTM_INTR_ADDR_BASE,
                                        &vas->intr_window, 1);
    memory_region_add_subregion_overlap(&vas->root, 0,
                                        MEMORY_REGION(&vas->iommu), 0);
    memory_region_add_subregion_overlap(&vas->root, 0, &vas->nodmar, 0);
    /* Start untranslated, then follow the current GSTS.TES. */
    memory_region_set_enabled(MEMORY_REGION(&vas->iommu), false);
    address_space_init(&vas->as, &vas->root, name);
    vtm_space_switch(vas, s->translation_enabled);
}

/* The address space of (bus, devfn), made on first use. */
static VTMAddressSpace *vtm_space_get(VTMState *s, PCIBus *bus, int devfn)
{
    VTMSpaceKey key = { .bus = bus, .devfn = devfn };
    VTMAddressSpace *vas = g_hash_table_lookup(s->spaces, &key);

    if (!vas) {
        VTMSpaceKey *k = g_new(VTMSpaceKey, 1);

        *k = key;
        vas = g_new0(VTMAddressSpace, 1);
        vas->vtm = s;
        vas->bus = bus;
        vas->devfn = devfn;
        g_hash_table_insert(s->spaces, k, vas);
        vtm_space_init(s, vas);
    }
    return vas;
}

static AddressSpace *vtm_get_address_space(PCIBus *bus, void *opaque,
                                           int devfn)
{
    return &vtm_space_get(opaque, bus, devfn)->as;
}

/* Host devices: what they need of the notifiers is vtm-notify.c's. */
static bool vtm_set_iommu_device(PCIBus *bus, void *opaque, int devfn,
                                 HostIOMMUDevice *hiod, Error **errp)
{
    return vtm_notify_set_host_device(vtm_space_get(opaque, bus, devfn),
                                      hiod, errp);
}

static void vtm_unset_iommu_device(PCIBus *bus, void *opaque, int devfn)
{
    vtm_notify_unset_host_device(vtm_space_get(opaque, bus, devfn));
}

const PCIIOMMUOps vtm_as_pci_iommu_ops = {
    .get_address_space = vtm_get_address_space,
    .set_iommu_device = vtm_set_iommu_device,
    .unset_iommu_device = vtm_unset_iommu_device,
};

void vtm_as_init(VTMState *s)
{
    Object *owner = OBJECT(s);

    s->spaces = g_hash_table_new_full(vtm_space_hash, vtm_space_equal,
                                      g_free, NULL);
    /* The shared untranslated view: all of memory plus the window. */
    memory_region_init(&s->untranslated, owner, "vtm-untranslated",
                       UINT64_MAX);
    memory_region_init_alias(&s->sys_alias, owner, "vtm-sys-alias",
                             get_system_memory(), 0,
                             memory_region_size(get_system_memory()));
    vtm_irq_window_init(s, &s->intr_window, owner);
    memory_region_add_subregion_overlap(&s->untranslated, 0,
                                        &s->sys_alias, 0);
    memory_region_add_subregion_overlap(&s->untranslated, VTM_INTR_ADDR_BASE,
                                        &s->intr_window, 1);
}

static void vtm_iommu_memory_region_class_init(ObjectClass *klass,
                                               void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = vtm_translate;
    imrc->notify_flag_changed = vtm_notify_flag_changed;
    imrc->replay = vtm_notify_replay;
}

static const TypeInfo vtm_iommu_memory_region_info = {
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .name = TYPE_VTM_IOMMU_MEMORY_REGION,
    .class_init = vtm_iommu_memory_region_class_init,
};

static void vtm_as_register_types(void)
{
    type_register_static(&vtm_iommu_memory_region_info);
}

type_init(vtm_as_register_types)
