/*
 * x-vtm-pasid-probe: presents requests with a PASID to vtm-iommu, for
 * qtests.  QEMU 10.0's PCI layer carries no PASID on DMA, so no emulated
 * device can make such a request; this device asks the unit to translate
 * one as a PASID-capable endpoint's request would arrive (7.1.3), with
 * faults recorded and counted as for any DMA.
 *
 *   -device x-vtm-pasid-probe,id=probe
 *   qom-set probe request "SID PASID ADDR FLAGS"
 *       hex SID and ADDR, PASID in hex or "none", FLAGS of r (read),
 *       w (write), p (supervisor), x (execute)
 *   qom-get probe request  ->  "FR ADDR PERM STAGE" (hex fault reason,
 *       hex translated address, VTM_PERM_* and VTMStage in decimal)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "hw/qdev-core.h"
#include "hw/i386/x86-iommu.h"
#include "vtm-as.h"

#define TYPE_VTM_PASID_PROBE "x-vtm-pasid-probe"
OBJECT_DECLARE_SIMPLE_TYPE(VTMPasidProbe, VTM_PASID_PROBE)

struct VTMPasidProbe {
    DeviceState parent_obj;
    char *result;
};

static bool vtm_pasid_probe_flags(const char *flags, VTMRequest *req)
{
    const char *f;

    for (f = flags; *f; f++) {
        switch (*f) {
        case 'r':
            break;
        case 'w':
            req->is_write = true;
            break;
        case 'p':
            req->priv = true;
            break;
        case 'x':
            req->exec = true;
            break;
        default:
            return false;
        }
    }
    return true;
}

static bool vtm_pasid_probe_parse(const char *request, VTMRequest *req,
                                  Error **errp)
{
    g_auto(GStrv) part = g_strsplit(request, " ", -1);
    uint64_t sid, pasid = 0, addr;

    memset(req, 0, sizeof(*req));
    if (g_strv_length(part) != 4 ||
        qemu_strtou64(part[0], NULL, 16, &sid) || sid > UINT16_MAX ||
        (strcmp(part[1], "none") &&
         (qemu_strtou64(part[1], NULL, 16, &pasid) ||
          pasid > VTM_PASID_MAX)) ||
        qemu_strtou64(part[2], NULL, 16, &addr) ||
        !vtm_pasid_probe_flags(part[3], req)) {
        error_setg(errp, "x-vtm-pasid-probe: property 'request' wants "
                   "\"SID PASID ADDR FLAGS\" (hex; PASID may be none; "
                   "FLAGS of r, w, p, x), got '%s'", request);
        return false;
    }
    req->sid = sid;
    req->addr = addr;
    req->has_pasid = strcmp(part[1], "none") != 0;
    req->pasid = pasid;
    if (!req->has_pasid) {
        /* privilege and execute travel in the PASID prefix only */
        req->priv = req->exec = false;
    }
    return true;
}

static void vtm_pasid_probe_set(Object *obj, const char *request,
                                Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);
    X86IOMMUState *iommu = x86_iommu_get_default();
    VTMRequest req;
    VTMResult res;

    if (!vtm_pasid_probe_parse(request, &req, errp)) {
        return;
    }
    if (!iommu || !object_dynamic_cast(OBJECT(iommu), TYPE_VTM_IOMMU)) {
        error_setg(errp, "x-vtm-pasid-probe: the machine has no vtm-iommu");
        return;
    }
    vtm_as_probe_translate(VTM_IOMMU(iommu), &req, &res);
    g_free(p->result);
    p->result = g_strdup_printf("%x %" PRIx64 " %u %u",
                                res.fault.reason, res.translated, res.perm,
                                res.stage);
}

static char *vtm_pasid_probe_get(Object *obj, Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);

    return g_strdup(p->result ?: "");
}

static void vtm_pasid_probe_finalize(Object *obj)
{
    g_free(VTM_PASID_PROBE(obj)->result);
}

static void vtm_pasid_probe_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->hotpluggable = false;
    dc->desc = "presents requests with PASID to vtm-iommu (tests)";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    object_class_property_add_str(oc, "request", vtm_pasid_probe_get,
                                  vtm_pasid_probe_set);
    object_class_property_set_description(oc, "request",
        "set \"SID PASID ADDR FLAGS\" to translate; read \"FR ADDR PERM "
        "STAGE\"");
}

static const TypeInfo vtm_pasid_probe_type = {
    .name = TYPE_VTM_PASID_PROBE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(VTMPasidProbe),
    .instance_finalize = vtm_pasid_probe_finalize,
    .class_init = vtm_pasid_probe_class_init,
};

static void vtm_pasid_probe_register(void)
{
    type_register_static(&vtm_pasid_probe_type);
}

type_init(vtm_pasid_probe_register)
