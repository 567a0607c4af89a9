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
 *       w (write), p (supervisor), x (execute), t (an ATS translation
 *       request rather than an untranslated one)
 *   qom-get probe request  ->  "FR ADDR PERM STAGE" (hex fault reason,
 *       hex translated address, VTM_PERM_* and VTMStage in decimal)
 *
 * DMA with a PASID: the request translated as above, then 8 bytes read
 * or written (w in FLAGS) at the output address in the unit's DMA view:
 *   qom-set probe dma "SID PASID ADDR FLAGS VALUE"   (hex VALUE)
 *   qom-get probe dma  ->  "FR VALUE" (the value read or written)
 *
 * Page requests (PCIe PRI, VT-d 7.5), as an endpoint whose ATS
 * translation found no usable mapping sends one (last of its group):
 *   qom-set probe page-request "SID PASID ADDR FLAGS PRGI"
 *   qom-get probe page-request  ->  queued, overflow, dropped,
 *       "fault FR" or unsupported
 *   qom-get probe page-response  ->  "N RC PRGI RID PASID" (hex): the
 *       count of page group responses received and the last one's
 *       fields ("0" before the first); the device then retries.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "hw/qdev-core.h"
#include "hw/i386/x86-iommu.h"
#include "vtm-as.h"
#include "vtm-pri.h"

#define TYPE_VTM_PASID_PROBE "x-vtm-pasid-probe"
OBJECT_DECLARE_SIMPLE_TYPE(VTMPasidProbe, VTM_PASID_PROBE)

struct VTMPasidProbe {
    DeviceState parent_obj;
    char *result;
    char *dma_result;
    char *prq_result;
    VTMPriSink sink;            /* page group responses, under vtm's lock */
    uint64_t responses;
    VTMPgrpResp last;
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
        case 't':
            /* an ATS translation request (needs the context's DTE) */
            req->is_translation_req = true;
            break;
        default:
            return false;
        }
    }
    return true;
}

/*
 * "SID PASID ADDR FLAGS" and, with extra, one more hex field into
 * *extra (the DMA value, the page request group index).
 */
static bool vtm_pasid_probe_parse(const char *request, VTMRequest *req,
                                  uint64_t *extra, Error **errp)
{
    g_auto(GStrv) part = g_strsplit(request, " ", -1);
    uint64_t sid, pasid = 0, addr;

    memset(req, 0, sizeof(*req));
    if (g_strv_length(part) != (extra ? 5 : 4) ||
        (extra && qemu_strtou64(part[4], NULL, 16, extra)) ||
        qemu_strtou64(part[0], NULL, 16, &sid) || sid > UINT16_MAX ||
        (strcmp(part[1], "none") &&
         (qemu_strtou64(part[1], NULL, 16, &pasid) ||
          pasid > VTM_PASID_MAX)) ||
        qemu_strtou64(part[2], NULL, 16, &addr) ||
        !vtm_pasid_probe_flags(part[3], req)) {
        error_setg(errp, "x-vtm-pasid-probe: wants \"SID PASID ADDR "
                   "FLAGS%s\" (hex; PASID may be none; FLAGS of r, w, p, "
                   "x, t), got '%s'", extra ? " VALUE" : "", request);
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

static VTMState *vtm_pasid_probe_unit(Error **errp)
{
    X86IOMMUState *iommu = x86_iommu_get_default();

    if (!iommu || !object_dynamic_cast(OBJECT(iommu), TYPE_VTM_IOMMU)) {
        error_setg(errp, "x-vtm-pasid-probe: the machine has no vtm-iommu");
        return NULL;
    }
    return VTM_IOMMU(iommu);
}

static void vtm_pasid_probe_set(Object *obj, const char *request,
                                Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);
    VTMState *s;
    VTMRequest req;
    VTMResult res;

    if (!vtm_pasid_probe_parse(request, &req, NULL, errp)) {
        return;
    }
    s = vtm_pasid_probe_unit(errp);
    if (!s) {
        return;
    }
    vtm_as_probe_translate(s, &req, &res);
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

/*
 * DMA with a PASID: translated by the unit (faults recorded as for any
 * DMA), then done at the output address in the unit's DMA view, as the
 * endpoint's translated request would be.
 */
static void vtm_pasid_probe_dma_set(Object *obj, const char *request,
                                    Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);
    uint64_t value = 0, le;
    VTMState *s;
    VTMRequest req;
    VTMResult res;
    MemTxResult tx = MEMTX_OK;

    if (!vtm_pasid_probe_parse(request, &req, &value, errp)) {
        return;
    }
    s = vtm_pasid_probe_unit(errp);
    if (!s) {
        return;
    }
    vtm_as_probe_translate(s, &req, &res);
    if (res.fault.reason == VTM_FR_NONE) {
        /* untranslated (TE clear) results carry no page size: 4 KiB */
        uint64_t mask = res.addr_mask ?: VTM_PAGE_SIZE - 1;
        hwaddr pa = (res.translated & ~mask) | (req.addr & mask);

        le = cpu_to_le64(value);
        tx = address_space_rw(s->dma_as, pa, MEMTXATTRS_UNSPECIFIED, &le,
                              sizeof(le), req.is_write);
        value = req.is_write ? value : le64_to_cpu(le);
    }
    g_free(p->dma_result);
    p->dma_result = g_strdup_printf("%x %" PRIx64, res.fault.reason,
                                    tx == MEMTX_OK ? value : 0);
}

static char *vtm_pasid_probe_dma_get(Object *obj, Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);

    return g_strdup(p->dma_result ?: "");
}

/* Under vtm's lock: only record (vtm-pri.h). */
static void vtm_pasid_probe_respond(VTMPriSink *sink,
                                    const VTMPgrpResp *resp)
{
    VTMPasidProbe *p = container_of(sink, VTMPasidProbe, sink);

    p->responses++;
    p->last = *resp;
}

static const char *const vtm_pasid_probe_outcomes[] = {
    [VTM_PRI_QUEUED] = "queued",
    [VTM_PRI_OVERFLOW] = "overflow",
    [VTM_PRI_DROPPED] = "dropped",
    [VTM_PRI_UNSUPPORTED] = "unsupported",
};

static void vtm_pasid_probe_prq_set(Object *obj, const char *request,
                                    Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);
    uint64_t prgi;
    VTMState *s;
    VTMRequest req;
    VTMPageReq pr;
    VTMFaultReason fr;
    VTMPriOutcome o;

    if (!vtm_pasid_probe_parse(request, &req, &prgi, errp)) {
        return;
    }
    s = vtm_pasid_probe_unit(errp);
    if (!s) {
        return;
    }
    if (!p->sink.respond) {
        p->sink.respond = vtm_pasid_probe_respond;
        vtm_pri_set_sink(s, &p->sink);
    }
    pr = (VTMPageReq) {
        .rid = req.sid, .has_pasid = req.has_pasid, .pasid = req.pasid,
        .exec = req.exec, .priv = req.priv, .rd = !req.is_write,
        .wr = req.is_write, .lpig = true, .prgi = prgi & 0x1ff,
        .addr = req.addr & ~(VTM_PAGE_SIZE - 1),
    };
    o = vtm_pri_request(s, &pr, &fr);
    g_free(p->prq_result);
    if (o == VTM_PRI_FAULT) {
        p->prq_result = g_strdup_printf("fault %x", fr);
    } else {
        p->prq_result = g_strdup(vtm_pasid_probe_outcomes[o]);
    }
}

static char *vtm_pasid_probe_prq_get(Object *obj, Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);

    return g_strdup(p->prq_result ?: "");
}

static char *vtm_pasid_probe_resp_get(Object *obj, Error **errp)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);

    if (!p->responses) {
        return g_strdup("0");
    }
    return g_strdup_printf("%" PRIx64 " %x %x %x %x", p->responses,
                           p->last.rc, p->last.prgi, p->last.rid,
                           p->last.pasid);
}

static void vtm_pasid_probe_finalize(Object *obj)
{
    VTMPasidProbe *p = VTM_PASID_PROBE(obj);

    g_free(p->result);
    g_free(p->dma_result);
    g_free(p->prq_result);
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
    object_class_property_add_str(oc, "dma", vtm_pasid_probe_dma_get,
                                  vtm_pasid_probe_dma_set);
    object_class_property_set_description(oc, "dma",
        "set \"SID PASID ADDR FLAGS VALUE\" for 8 bytes of DMA; read "
        "\"FR VALUE\"");
    object_class_property_add_str(oc, "page-request",
                                  vtm_pasid_probe_prq_get,
                                  vtm_pasid_probe_prq_set);
    object_class_property_set_description(oc, "page-request",
        "set \"SID PASID ADDR FLAGS PRGI\" to send a page request; read "
        "what became of it");
    object_class_property_add_str(oc, "page-response",
                                  vtm_pasid_probe_resp_get, NULL);
    object_class_property_set_description(oc, "page-response",
        "\"N RC PRGI RID PASID\": responses received and the last one");
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
