/*
 * vtm: the timing properties of vtm-iommu.
 *
 * They are registered from the parameter table (vtm-params.c, each
 * parameter listed once in vtm-timing.h), so the device, vtm-replay and
 * the core's error messages share their names, and each shows its
 * one-line description and its default in -device vtm-iommu,help.
 * A property remembers being set, so that at realize an explicit value
 * overrides timing-preset and an unset one takes the preset's value.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/qdev-properties.h"
#include "vtm-props.h"
#include "vtm-params.h"

static void *vtm_props_field(VTMState *s, const VTMParamInfo *p)
{
    return (uint8_t *)&s->cfg + p->offset;
}

/* The names of an enum parameter's values (its fields are int-sized). */
static const char *const *vtm_props_names(const VTMParamInfo *p)
{
    return p->type == VTM_PARAM_POLICY ? vtm_policy_names
                                       : vtm_timing_mode_names;
}

static const char *vtm_props_type(const VTMParamInfo *p)
{
    switch (p->type) {
    case VTM_PARAM_U32:
        return "uint32";
    case VTM_PARAM_U64:
        return "uint64";
    case VTM_PARAM_BOOL:
        return "bool";
    default:
        return "str";
    }
}

static void vtm_props_get(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    const VTMParamInfo *p = opaque;
    void *field = vtm_props_field(VTM_IOMMU(obj), p);
    char *str;

    switch (p->type) {
    case VTM_PARAM_U32:
        visit_type_uint32(v, name, field, errp);
        break;
    case VTM_PARAM_U64:
        visit_type_uint64(v, name, field, errp);
        break;
    case VTM_PARAM_BOOL:
        visit_type_bool(v, name, field, errp);
        break;
    case VTM_PARAM_POLICY:
    case VTM_PARAM_MODE:
        str = (char *)vtm_props_names(p)[*(int *)field];
        visit_type_str(v, name, &str, errp);
        break;
    }
}

/* Enums by name; the error names the property and the choices. */
static bool vtm_props_visit_enum(Visitor *v, const char *name,
                                 const char *const *names, int *field,
                                 Error **errp)
{
    g_autofree char *str = NULL;
    int e;

    if (!visit_type_str(v, name, &str, errp)) {
        return false;
    }
    e = vtm_name_lookup(names, str);
    if (e < 0) {
        error_setg(errp, "vtm-iommu: property '%s' must be %s (got '%s')",
                   name, vtm_name_choices(names), str);
        return false;
    }
    *field = e;
    return true;
}

/* Sets the field as qdev's own properties do and marks it set. */
static void vtm_props_set(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    VTMState *s = VTM_IOMMU(obj);
    const VTMParamInfo *p = opaque;
    void *field = vtm_props_field(s, p);
    bool ok = false;

    if (DEVICE(obj)->realized) {
        qdev_prop_set_after_realize(DEVICE(obj), name, errp);
        return;
    }
    switch (p->type) {
    case VTM_PARAM_U32:
        ok = visit_type_uint32(v, name, field, errp);
        break;
    case VTM_PARAM_U64:
        ok = visit_type_uint64(v, name, field, errp);
        break;
    case VTM_PARAM_BOOL:
        ok = visit_type_bool(v, name, field, errp);
        break;
    case VTM_PARAM_POLICY:
    case VTM_PARAM_MODE:
        ok = vtm_props_visit_enum(v, name, vtm_props_names(p), field, errp);
        break;
    }
    if (ok) {
        memset(&s->cfg_set[p->offset], 1, vtm_param_size(p));
    }
}

static void vtm_props_preset_get(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    char *str = (char *)vtm_preset_names[VTM_IOMMU(obj)->timing_preset];

    visit_type_str(v, name, &str, errp);
}

static void vtm_props_preset_set(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    VTMState *s = VTM_IOMMU(obj);
    int preset;

    if (DEVICE(obj)->realized) {
        qdev_prop_set_after_realize(DEVICE(obj), name, errp);
        return;
    }
    if (vtm_props_visit_enum(v, name, vtm_preset_names, &preset, errp)) {
        s->timing_preset = preset;
    }
}

/* The default a parameter shows in help: vtm_core_default_config()'s. */
static void vtm_props_set_default(ObjectProperty *op, const VTMParamInfo *p,
                                  const VTMCoreConfig *def)
{
    const void *d = (const uint8_t *)def + p->offset;

    switch (p->type) {
    case VTM_PARAM_U32:
        object_property_set_default_uint(op, *(const uint32_t *)d);
        break;
    case VTM_PARAM_U64:
        object_property_set_default_uint(op, *(const uint64_t *)d);
        break;
    case VTM_PARAM_BOOL:
        object_property_set_default_bool(op, *(const bool *)d);
        break;
    case VTM_PARAM_POLICY:
    case VTM_PARAM_MODE:
        object_property_set_default_str(op,
                                        vtm_props_names(p)[*(const int *)d]);
        break;
    }
}

void vtm_props_class_init(ObjectClass *klass)
{
    g_autofree char *desc = NULL;
    VTMCoreConfig def;
    ObjectProperty *op;
    unsigned i;

    vtm_core_default_config(&def);
    for (i = 0; i < vtm_nparams; i++) {
        const VTMParamInfo *p = &vtm_params[i];

        op = object_class_property_add(klass, p->name, vtm_props_type(p),
                                       vtm_props_get, vtm_props_set, NULL,
                                       (void *)p);
        object_class_property_set_description(klass, p->name, p->desc);
        vtm_props_set_default(op, p, &def);
    }
    op = object_class_property_add(klass, "timing-preset", "str",
                                   vtm_props_preset_get,
                                   vtm_props_preset_set, NULL, NULL);
    desc = g_strdup_printf("timing parameters fitted to a host's "
                           "pcie-bench measurements, under the explicit "
                           "ones: %s", vtm_name_choices(vtm_preset_names));
    object_class_property_set_description(klass, "timing-preset", desc);
    object_property_set_default_str(op, vtm_preset_names[VTM_PRESET_NONE]);
}

void vtm_props_instance_init(VTMState *s)
{
    vtm_core_default_config(&s->cfg);
    /* The defaults came through the setters: they are no user's choice. */
    memset(s->cfg_set, 0, sizeof(s->cfg_set));
    s->timing_preset = VTM_PRESET_NONE;
}

void vtm_props_resolve_config(VTMState *s)
{
    VTMCoreConfig def, preset;
    const uint8_t *d = (const uint8_t *)&def, *p = (const uint8_t *)&preset;
    uint8_t *cfg = (uint8_t *)&s->cfg;
    size_t i;

    /*
     * Only the bytes the preset changes and the user did not set: fields
     * that other code fills (haw, snoop control, ...) keep their values.
     */
    vtm_core_default_config(&def);
    preset = def;
    vtm_config_apply_preset(&preset, s->timing_preset);
    for (i = 0; i < sizeof(s->cfg); i++) {
        if (!s->cfg_set[i] && p[i] != d[i]) {
            cfg[i] = p[i];
        }
    }
}
