/*
 * x-vtm-route-probe: asks the machine's IOMMU for an interrupt route, as
 * KVM's split irqchip does, so that qtests can check the int_remap class
 * hook on machines where KVM cannot run.
 *
 *   -device x-vtm-route-probe,id=probe
 *   qom-set probe route "ADDR DATA SID"   (hex; SID "none": no requester)
 *   qom-get probe route  ->  "RET ADDR DATA" (RET as int_remap returns it)
 *
 * kvm_arch_fixup_msi_route() makes the same call with the same
 * arguments; the I/O APIC's routes come with X86_IOMMU_SID_INVALID.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "hw/qdev-core.h"
#include "hw/i386/x86-iommu.h"
#include "hw/pci/msi.h"

#define TYPE_VTM_ROUTE_PROBE "x-vtm-route-probe"
OBJECT_DECLARE_SIMPLE_TYPE(VTMRouteProbe, VTM_ROUTE_PROBE)

struct VTMRouteProbe {
    DeviceState parent_obj;
    char *result;
};

static bool vtm_probe_parse(const char *request, MSIMessage *msg,
                            uint16_t *sid, Error **errp)
{
    g_auto(GStrv) part = g_strsplit(request, " ", -1);
    uint64_t addr, data, id = X86_IOMMU_SID_INVALID;

    if (g_strv_length(part) != 3 ||
        qemu_strtou64(part[0], NULL, 16, &addr) ||
        qemu_strtou64(part[1], NULL, 16, &data) || data > UINT32_MAX ||
        (strcmp(part[2], "none") &&
         (qemu_strtou64(part[2], NULL, 16, &id) || id > UINT16_MAX))) {
        error_setg(errp, "x-vtm-route-probe: property 'route' wants "
                   "\"ADDR DATA SID\" in hex (SID may be none), got '%s'",
                   request);
        return false;
    }
    msg->address = addr;
    msg->data = data;
    *sid = id;
    return true;
}

static void vtm_probe_set_route(Object *obj, const char *request,
                                Error **errp)
{
    VTMRouteProbe *p = VTM_ROUTE_PROBE(obj);
    X86IOMMUState *iommu = x86_iommu_get_default();
    MSIMessage src, dst = { 0 };
    X86IOMMUClass *xc;
    uint16_t sid;
    int ret;

    if (!vtm_probe_parse(request, &src, &sid, errp)) {
        return;
    }
    if (!iommu) {
        error_setg(errp, "x-vtm-route-probe: the machine has no IOMMU");
        return;
    }
    xc = X86_IOMMU_DEVICE_GET_CLASS(iommu);
    if (!xc->int_remap) {
        error_setg(errp, "x-vtm-route-probe: the IOMMU has no int_remap");
        return;
    }
    ret = xc->int_remap(iommu, &src, &dst, sid);
    g_free(p->result);
    p->result = g_strdup_printf("%d 0x%" PRIx64 " 0x%x", ret, dst.address,
                                dst.data);
}

static char *vtm_probe_get_route(Object *obj, Error **errp)
{
    VTMRouteProbe *p = VTM_ROUTE_PROBE(obj);

    return g_strdup(p->result ?: "");
}

static void vtm_probe_finalize(Object *obj)
{
    g_free(VTM_ROUTE_PROBE(obj)->result);
}

static void vtm_probe_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->hotpluggable = false;
    dc->desc = "asks the IOMMU for interrupt routes like KVM (tests)";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    object_class_property_add_str(oc, "route", vtm_probe_get_route,
                                  vtm_probe_set_route);
    object_class_property_set_description(oc, "route",
        "set \"ADDR DATA SID\" (hex) to route; read \"RET ADDR DATA\"");
}

static const TypeInfo vtm_probe_type = {
    .name = TYPE_VTM_ROUTE_PROBE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(VTMRouteProbe),
    .instance_finalize = vtm_probe_finalize,
    .class_init = vtm_probe_class_init,
};

static void vtm_probe_register(void)
{
    type_register_static(&vtm_probe_type);
}

type_init(vtm_probe_register)
