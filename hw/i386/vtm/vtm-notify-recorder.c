/*
 * x-vtm-notify-recorder: a test device that registers IOMMU notifiers on a
 * PCI device's IOMMU memory region and records what they receive, so
 * qtests (and scripts/bench-notify.sh) can see the MAP, UNMAP and
 * device-TLB events an IOMMU sends, and drive replay.  It works with any
 * IOMMU in front of the device (vtm-iommu or intel-iommu).  A device with
 * no bus rather than an -object, because -object only takes the types
 * QEMU's QAPI schema names; it goes after the device it watches:
 *
 *   -device x-vtm-notify-recorder,id=rec,devfn=0x20[,bus=0]
 *           [,flags=map+unmap][,start=0][,end=...][,store=on]
 *           [,host-device=off][,attach=on]
 *
 * flags: '+'-separated "map", "unmap", "devtlb".  Read with qom-get on
 * /machine/peripheral/ID: "events" (the log since the last read; reading
 * empties it), "count" (events so far), "replay-ns" (host time of the
 * last replay).  qom-set "replay" true replays into the log; "attached"
 * registers (true) or unregisters (false) the notifiers at run time, so a
 * consumer can arrive late.  host-device=on first attaches a stand-in
 * host IOMMU device (as vfio-pci does), which the IOMMU may refuse.
 *
 * Log lines: "map IOVA MASK ADDR PERM", "unmap IOVA MASK",
 * "devtlb IOVA MASK" (hex with 0x, PERM r, w or rw).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "hw/i386/pc.h"
#include "hw/pci/pci.h"
#include "exec/memory.h"
#include "system/host_iommu_device.h"

#define TYPE_VTM_NOTIFY_RECORDER "x-vtm-notify-recorder"
OBJECT_DECLARE_SIMPLE_TYPE(VTMNotifyRecorder, VTM_NOTIFY_RECORDER)

#define TYPE_VTM_TEST_HOST_IOMMU_DEVICE "vtm-test-host-iommu-device"

struct VTMNotifyRecorder {
    DeviceState parent_obj;

    /* Properties */
    uint8_t bus;
    uint32_t devfn;
    char *flags;
    uint64_t start, end;
    bool store;
    bool host_device;
    bool attach;

    PCIDevice *pdev;
    IOMMUMemoryRegion *iommu;
    IOMMUNotifier n;            /* MAP and/or UNMAP */
    IOMMUNotifier dn;           /* DEVIOTLB_UNMAP */
    bool n_on, dn_on;
    HostIOMMUDevice *hiod;
    bool attached;

    GString *log;
    uint64_t count;
    uint64_t replay_ns;
};

static const char *vtm_rec_perm(IOMMUAccessFlags perm)
{
    static const char *const names[] = { "none", "r", "w", "rw" };

    return names[perm & IOMMU_RW];
}

static void vtm_rec_iotlb(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    VTMNotifyRecorder *r = container_of(n, VTMNotifyRecorder, n);

    r->count++;
    if (!r->store) {
        return;
    }
    if (e->perm != IOMMU_NONE) {
        g_string_append_printf(r->log, "map 0x%" PRIx64 " 0x%" PRIx64
                               " 0x%" PRIx64 " %s\n", e->iova, e->addr_mask,
                               e->translated_addr, vtm_rec_perm(e->perm));
    } else {
        g_string_append_printf(r->log, "unmap 0x%" PRIx64 " 0x%" PRIx64 "\n",
                               e->iova, e->addr_mask);
    }
}

static void vtm_rec_devtlb(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    VTMNotifyRecorder *r = container_of(n, VTMNotifyRecorder, dn);

    r->count++;
    if (r->store) {
        g_string_append_printf(r->log, "devtlb 0x%" PRIx64 " 0x%" PRIx64
                               "\n", e->iova, e->addr_mask);
    }
}

static bool vtm_rec_parse_flags(const char *s, IOMMUNotifierFlag *iotlb,
                                bool *devtlb, Error **errp)
{
    g_auto(GStrv) words = g_strsplit(s ? s : "map+unmap", "+", -1);
    unsigned i;

    *iotlb = IOMMU_NOTIFIER_NONE;
    *devtlb = false;
    for (i = 0; words[i]; i++) {
        if (!strcmp(words[i], "map")) {
            *iotlb |= IOMMU_NOTIFIER_MAP;
        } else if (!strcmp(words[i], "unmap")) {
            *iotlb |= IOMMU_NOTIFIER_UNMAP;
        } else if (!strcmp(words[i], "devtlb")) {
            *devtlb = true;
        } else {
            error_setg(errp, "x-vtm-notify-recorder: flags: unknown '%s' "
                       "(map, unmap, devtlb joined by '+')", words[i]);
            return false;
        }
    }
    if (!*iotlb && !*devtlb) {
        error_setg(errp, "x-vtm-notify-recorder: flags: none given");
        return false;
    }
    return true;
}

/* The IOMMU memory region inside a device's DMA address space. */
static IOMMUMemoryRegion *vtm_rec_find_iommu(MemoryRegion *mr, int depth)
{
    MemoryRegion *sub;
    IOMMUMemoryRegion *found;

    if (memory_region_is_iommu(mr) && !mr->alias) {
        return IOMMU_MEMORY_REGION(mr);
    }
    if (depth > 4) {
        return NULL;
    }
    QTAILQ_FOREACH(sub, &mr->subregions, subregions_link) {
        found = vtm_rec_find_iommu(sub, depth + 1);
        if (found) {
            return found;
        }
    }
    return NULL;
}

static bool vtm_rec_find(VTMNotifyRecorder *r, Error **errp)
{
    Object *m = qdev_get_machine();
    PCMachineState *pcms = (PCMachineState *)
                           object_dynamic_cast(m, TYPE_PC_MACHINE);

    if (!pcms || !pcms->pcibus || r->devfn > 0xff) {
        error_setg(errp, "x-vtm-notify-recorder: needs a PC machine and "
                   "devfn (0-0xff)");
        return false;
    }
    r->pdev = pci_find_device(pcms->pcibus, r->bus, r->devfn);
    if (!r->pdev) {
        error_setg(errp, "x-vtm-notify-recorder: no PCI device at "
                   "%02x:%02x.%x", r->bus, PCI_SLOT(r->devfn),
                   PCI_FUNC(r->devfn));
        return false;
    }
    r->iommu = vtm_rec_find_iommu(
        pci_device_iommu_address_space(r->pdev)->root, 0);
    if (!r->iommu) {
        error_setg(errp, "x-vtm-notify-recorder: no IOMMU in front of "
                   "%02x:%02x.%x", r->bus, PCI_SLOT(r->devfn),
                   PCI_FUNC(r->devfn));
        return false;
    }
    return true;
}

static bool vtm_rec_attach_host(VTMNotifyRecorder *r, Error **errp)
{
    r->hiod = HOST_IOMMU_DEVICE(object_new(TYPE_VTM_TEST_HOST_IOMMU_DEVICE));
    r->hiod->name = g_strdup(DEVICE(r)->id ? DEVICE(r)->id : "recorder");
    if (!pci_device_set_iommu_device(r->pdev, r->hiod, errp)) {
        object_unref(OBJECT(r->hiod));
        r->hiod = NULL;
        return false;
    }
    return true;
}

static bool vtm_rec_attach(VTMNotifyRecorder *r, Error **errp)
{
    MemoryRegion *mr;
    IOMMUNotifierFlag iotlb;
    bool devtlb;
    int idx;

    if (!vtm_rec_parse_flags(r->flags, &iotlb, &devtlb, errp) ||
        !vtm_rec_find(r, errp)) {
        return false;
    }
    if (r->host_device && !vtm_rec_attach_host(r, errp)) {
        return false;
    }
    mr = MEMORY_REGION(r->iommu);
    idx = memory_region_iommu_attrs_to_index(r->iommu,
                                             MEMTXATTRS_UNSPECIFIED);
    if (iotlb) {
        iommu_notifier_init(&r->n, vtm_rec_iotlb, iotlb, r->start, r->end,
                            idx);
        if (memory_region_register_iommu_notifier(mr, &r->n, errp)) {
            return false;
        }
        r->n_on = true;
    }
    if (devtlb) {
        iommu_notifier_init(&r->dn, vtm_rec_devtlb,
                            IOMMU_NOTIFIER_DEVIOTLB_UNMAP, r->start, r->end,
                            idx);
        if (memory_region_register_iommu_notifier(mr, &r->dn, errp)) {
            return false;
        }
        r->dn_on = true;
    }
    r->attached = true;
    return true;
}

static void vtm_rec_detach(VTMNotifyRecorder *r)
{
    if (r->n_on) {
        memory_region_unregister_iommu_notifier(MEMORY_REGION(r->iommu),
                                                &r->n);
        r->n_on = false;
    }
    if (r->dn_on) {
        memory_region_unregister_iommu_notifier(MEMORY_REGION(r->iommu),
                                                &r->dn);
        r->dn_on = false;
    }
    if (r->hiod) {
        pci_device_unset_iommu_device(r->pdev);
        object_unref(OBJECT(r->hiod));
        r->hiod = NULL;
    }
    r->attached = false;
}

static bool vtm_rec_try_attach(VTMNotifyRecorder *r, Error **errp)
{
    if (r->start > r->end) {
        error_setg(errp, "x-vtm-notify-recorder: start above end");
        return false;
    }
    if (!vtm_rec_attach(r, errp)) {
        vtm_rec_detach(r);
        return false;
    }
    return true;
}

static void vtm_rec_realize(DeviceState *dev, Error **errp)
{
    VTMNotifyRecorder *r = VTM_NOTIFY_RECORDER(dev);

    if (r->attach) {
        vtm_rec_try_attach(r, errp);
    }
}

static void vtm_rec_unrealize(DeviceState *dev)
{
    vtm_rec_detach(VTM_NOTIFY_RECORDER(dev));
}

static bool vtm_rec_get_attached(Object *obj, Error **errp)
{
    return VTM_NOTIFY_RECORDER(obj)->attached;
}

static void vtm_rec_set_attached(Object *obj, bool value, Error **errp)
{
    VTMNotifyRecorder *r = VTM_NOTIFY_RECORDER(obj);

    if (value && !r->attached) {
        vtm_rec_try_attach(r, errp);
    } else if (!value) {
        vtm_rec_detach(r);
    }
}

static char *vtm_rec_get_events(Object *obj, Error **errp)
{
    VTMNotifyRecorder *r = VTM_NOTIFY_RECORDER(obj);
    char *s = g_strdup(r->log->str);

    g_string_truncate(r->log, 0);
    return s;
}

static bool vtm_rec_get_replay(Object *obj, Error **errp)
{
    return false;
}

static void vtm_rec_set_replay(Object *obj, bool value, Error **errp)
{
    VTMNotifyRecorder *r = VTM_NOTIFY_RECORDER(obj);
    int64_t t0;

    if (!value) {
        return;
    }
    if (!r->n_on) {
        error_setg(errp, "x-vtm-notify-recorder: replay needs map or unmap "
                   "notifications registered");
        return;
    }
    t0 = get_clock();
    memory_region_iommu_replay(r->iommu, &r->n);
    r->replay_ns = get_clock() - t0;
}

static void vtm_rec_init(Object *obj)
{
    VTMNotifyRecorder *r = VTM_NOTIFY_RECORDER(obj);

    r->log = g_string_new("");
    object_property_add_uint64_ptr(obj, "count", &r->count,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "replay-ns", &r->replay_ns,
                                   OBJ_PROP_FLAG_READ);
}

static void vtm_rec_finalize(Object *obj)
{
    g_string_free(VTM_NOTIFY_RECORDER(obj)->log, TRUE);
}

static const Property vtm_rec_properties[] = {
    DEFINE_PROP_UINT8("bus", VTMNotifyRecorder, bus, 0),
    DEFINE_PROP_UINT32("devfn", VTMNotifyRecorder, devfn, UINT32_MAX),
    DEFINE_PROP_STRING("flags", VTMNotifyRecorder, flags),
    DEFINE_PROP_UINT64("start", VTMNotifyRecorder, start, 0),
    DEFINE_PROP_UINT64("end", VTMNotifyRecorder, end, UINT64_MAX),
    DEFINE_PROP_BOOL("store", VTMNotifyRecorder, store, true),
    DEFINE_PROP_BOOL("host-device", VTMNotifyRecorder, host_device, false),
    DEFINE_PROP_BOOL("attach", VTMNotifyRecorder, attach, true),
};

static void vtm_rec_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->realize = vtm_rec_realize;
    dc->unrealize = vtm_rec_unrealize;
    /* No hotplug handler would take it away again: a test tool anyway */
    dc->hotpluggable = false;
    dc->desc = "records the IOMMU notifications of a PCI device (tests)";
    device_class_set_props(dc, vtm_rec_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    object_class_property_add_str(oc, "events", vtm_rec_get_events, NULL);
    object_class_property_add_bool(oc, "replay", vtm_rec_get_replay,
                                   vtm_rec_set_replay);
    object_class_property_add_bool(oc, "attached", vtm_rec_get_attached,
                                   vtm_rec_set_attached);
}

/* Stands in for the host IOMMU device vfio-pci attaches. */
static int vtm_test_hiod_get_cap(HostIOMMUDevice *hiod, int cap,
                                 Error **errp)
{
    error_setg(errp, "%s: no host capabilities", hiod->name);
    return -EINVAL;
}

static void vtm_test_hiod_class_init(ObjectClass *oc, void *data)
{
    HostIOMMUDeviceClass *hiodc = HOST_IOMMU_DEVICE_CLASS(oc);

    hiodc->get_cap = vtm_test_hiod_get_cap;
}

static const TypeInfo vtm_rec_types[] = {
    {
        .name = TYPE_VTM_NOTIFY_RECORDER,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(VTMNotifyRecorder),
        .instance_init = vtm_rec_init,
        .instance_finalize = vtm_rec_finalize,
        .class_init = vtm_rec_class_init,
    }, {
        .name = TYPE_VTM_TEST_HOST_IOMMU_DEVICE,
        .parent = TYPE_HOST_IOMMU_DEVICE,
        .instance_size = sizeof(HostIOMMUDevice),
        .class_init = vtm_test_hiod_class_init,
    },
};

DEFINE_TYPES(vtm_rec_types)
