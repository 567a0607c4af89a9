/*
 * vtm: the translation stream record format (see vtm-record.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-record.h"
#include "vtm-timing.h"

#define VTM_REC_XLATE_FIELDS    17

static const char *const vtm_leaf_names[] = { "-", "4k", "2m", "1g", NULL };
static const char *const vtm_inv_names[] = {
    [VTM_INV_CC] = "cc", [VTM_INV_IOTLB] = "iotlb",
    [VTM_INV_DEVTLB] = "devtlb", [VTM_INV_IEC] = "iec",
    [VTM_INV_WAIT] = "wait", NULL,
};

void vtm_record_xlate(VTMRecord *rec, const VTMRequest *req,
                      const VTMResult *res)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = VTM_REC_XLATE;
    rec->time = req->time;
    rec->sid = req->sid;
    rec->iova = req->addr;
    rec->is_write = req->is_write;
    /* the domain is known once a context entry was read or hit */
    rec->has_did = res->how.levels || res->passthrough;
    rec->did = res->domain_id;
    rec->passthrough = res->passthrough;
    rec->how = res->how;
    rec->fault = res->fault.reason;
    rec->latency = res->latency;
}

void vtm_record_inv(VTMRecord *rec, uint64_t time, const VTMInvOp *op)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = VTM_REC_INV;
    rec->time = time;
    rec->inv = *op;
}

static char vtm_hm(bool looked, bool hit)
{
    return !looked ? '-' : hit ? 'h' : 'm';
}

static size_t vtm_record_format_inv(char *buf, const VTMRecord *r)
{
    const VTMInvOp *op = &r->inv;
    const char *name = op->type <= VTM_INV_WAIT ? vtm_inv_names[op->type]
                                                : "wait";
    int n;

    switch (op->type) {
    case VTM_INV_CC:
        n = snprintf(buf, VTM_RECORD_LINE_MAX,
                     "i %" PRIu64 " cc %u %u %02x:%02x.%x %u\n", r->time,
                     op->cc.gran, op->cc.did, op->cc.sid >> 8,
                     (op->cc.sid >> 3) & 0x1f, op->cc.sid & 7, op->cc.fm);
        break;
    case VTM_INV_IOTLB:
        n = snprintf(buf, VTM_RECORD_LINE_MAX,
                     "i %" PRIu64 " iotlb %u %u 0x%" PRIx64 " %u %u\n",
                     r->time, op->iotlb.gran, op->iotlb.did, op->iotlb.addr,
                     op->iotlb.am, op->iotlb.ih);
        break;
    default:
        n = snprintf(buf, VTM_RECORD_LINE_MAX, "i %" PRIu64 " %s\n",
                     r->time, name);
        break;
    }
    return MIN(n, VTM_RECORD_LINE_MAX - 1);
}

size_t vtm_record_format(char *buf, const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;
    char did[8] = "-", psc[4] = "-";
    const char *leaf;
    int n;

    if (r->kind == VTM_REC_INV) {
        return vtm_record_format_inv(buf, r);
    }
    if (r->has_did) {
        snprintf(did, sizeof(did), "%u", r->did);
    }
    if (o->walked) {
        snprintf(psc, sizeof(psc), "%u", o->psc_hit);
    }
    leaf = r->fault ? "-" : r->passthrough ? "pt"
                          : vtm_leaf_names[MIN(o->leaf_level, 3)];
    n = snprintf(buf, VTM_RECORD_LINE_MAX,
                 "t %" PRIu64 " %02x:%02x.%x - 0x%" PRIx64 " %u %c %s %u "
                 "%s %c %c %s %u %u %x %" PRIu64 "\n",
                 r->time, r->sid >> 8, (r->sid >> 3) & 0x1f, r->sid & 7,
                 r->iova, r->size, r->is_write ? 'w' : 'r', did, o->levels,
                 leaf, vtm_hm(o->ctx_lookup, o->ctx_hit),
                 vtm_hm(o->iotlb_lookup, o->iotlb_hit), psc, o->ctx_reads,
                 o->pt_reads, r->fault, r->latency);
    return MIN(n, VTM_RECORD_LINE_MAX - 1);
}

char *vtm_record_header(uint32_t clock_mhz)
{
    return g_strdup_printf(VTM_RECORD_MAGIC "%u\n"
                           "# t time sid pasid iova size rw did levels leaf"
                           " ctx iotlb psc creads preads fault latency\n",
                           clock_mhz);
}

uint32_t vtm_record_parse_header(const char *line)
{
    uint64_t mhz;

    if (!g_str_has_prefix(line, VTM_RECORD_MAGIC)) {
        return 0;
    }
    mhz = g_ascii_strtoull(line + strlen(VTM_RECORD_MAGIC), NULL, 10);
    return mhz <= UINT32_MAX ? mhz : 0;
}

/* Field parsers: false when the text is not what the field holds. */
static bool vtm_rec_u64(const char *s, int base, uint64_t max, uint64_t *v)
{
    char *end;

    if (!*s || *s == '-' || *s == '+') {
        return false;
    }
    errno = 0;
    *v = g_ascii_strtoull(s, &end, base);
    return !errno && !*end && *v <= max;
}

static bool vtm_rec_sid(const char *s, uint16_t *sid)
{
    unsigned bus, dev, fn;
    char tail;

    if (sscanf(s, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3 ||
        dev > 0x1f || fn > 7) {
        return false;
    }
    *sid = bus << 8 | dev << 3 | fn;
    return true;
}

/* h / m / '-' into looked-up and hit. */
static bool vtm_rec_hm(const char *s, bool *looked, bool *hit)
{
    if (s[0] == '\0' || s[1] != '\0' || !strchr("hm-", s[0])) {
        return false;
    }
    *looked = s[0] != '-';
    *hit = s[0] == 'h';
    return true;
}

static bool vtm_rec_leaf(const char *s, VTMRecord *r)
{
    int leaf = vtm_name_lookup(vtm_leaf_names, s);

    if (!strcmp(s, "pt")) {
        r->passthrough = true;
        return true;
    }
    if (leaf < 0) {
        return false;
    }
    r->how.leaf_level = leaf;
    return true;
}

/* The outcome columns: LEVELS LEAF CTX IOTLB PSC CREADS PREADS. */
static bool vtm_rec_outcome(char **f, VTMRecord *r)
{
    VTMOutcome *o = &r->how;
    bool hit;
    uint64_t v;

    if (!vtm_rec_u64(f[0], 10, VTM_MAX_LEVELS, &v)) {
        return false;
    }
    o->levels = v;
    if (!vtm_rec_leaf(f[1], r) ||
        !vtm_rec_hm(f[2], &o->ctx_lookup, &o->ctx_hit) ||
        !vtm_rec_hm(f[3], &o->iotlb_lookup, &hit)) {
        return false;
    }
    o->iotlb_hit = hit ? MAX(o->leaf_level, 1) : 0;
    if (strcmp(f[4], "-")) {
        if (!vtm_rec_u64(f[4], 10, VTM_MAX_LEVELS, &v)) {
            return false;
        }
        o->walked = true;
        o->psc_hit = v;
    }
    if (!vtm_rec_u64(f[5], 10, 2, &v)) {
        return false;
    }
    o->ctx_reads = v;
    if (!vtm_rec_u64(f[6], 10, VTM_MAX_LEVELS, &v)) {
        return false;
    }
    o->pt_reads = v;
    return true;
}

static char *vtm_rec_parse_xlate(char **f, unsigned n, VTMRecord *r)
{
    uint64_t v;

    r->kind = VTM_REC_XLATE;
    if (n != VTM_REC_XLATE_FIELDS) {
        return g_strdup_printf("a translation has %u fields, not %u",
                               n, VTM_REC_XLATE_FIELDS);
    }
    if (!vtm_rec_sid(f[2], &r->sid) || strcmp(f[3], "-") ||
        !g_str_has_prefix(f[4], "0x") ||
        !vtm_rec_u64(f[4], 16, UINT64_MAX, &r->iova) ||
        !vtm_rec_u64(f[5], 10, UINT32_MAX, &v) ||
        (strcmp(f[6], "r") && strcmp(f[6], "w"))) {
        return g_strdup("bad sid, pasid, iova, size or rw field");
    }
    r->size = v;
    r->is_write = f[6][0] == 'w';
    r->has_did = strcmp(f[7], "-");
    if (r->has_did) {
        if (!vtm_rec_u64(f[7], 10, UINT16_MAX, &v)) {
            return g_strdup("bad did field");
        }
        r->did = v;
    }
    if (!vtm_rec_outcome(&f[8], r)) {
        return g_strdup("bad outcome field");
    }
    if (!vtm_rec_u64(f[15], 16, UINT8_MAX, &v) ||
        !vtm_rec_u64(f[16], 10, UINT64_MAX, &r->latency)) {
        return g_strdup("bad fault or latency field");
    }
    r->fault = v;
    return NULL;
}

static char *vtm_rec_parse_inv(char **f, unsigned n, VTMRecord *r)
{
    VTMInvOp *op = &r->inv;
    uint64_t g, d, a, m = 0, h = 0;
    int type = n >= 3 ? vtm_name_lookup(vtm_inv_names, f[2]) : -1;

    r->kind = VTM_REC_INV;
    if (type < 0) {
        return g_strdup("unknown invalidation type");
    }
    op->type = type;
    if (type == VTM_INV_CC) {
        if (n != 7 || !vtm_rec_u64(f[3], 10, 3, &g) ||
            !vtm_rec_u64(f[4], 10, UINT16_MAX, &d) ||
            !vtm_rec_sid(f[5], &op->cc.sid) ||
            !vtm_rec_u64(f[6], 10, 3, &m)) {
            return g_strdup("bad context-cache invalidation");
        }
        op->cc.gran = g;
        op->cc.did = d;
        op->cc.fm = m;
    } else if (type == VTM_INV_IOTLB) {
        if (n != 8 || !vtm_rec_u64(f[3], 10, 3, &g) ||
            !vtm_rec_u64(f[4], 10, UINT16_MAX, &d) ||
            !vtm_rec_u64(f[5], 16, UINT64_MAX, &a) ||
            !vtm_rec_u64(f[6], 10, 63, &m) ||
            !vtm_rec_u64(f[7], 10, 1, &h)) {
            return g_strdup("bad IOTLB invalidation");
        }
        op->iotlb = (VTMInvIotlb) {
            .gran = g, .did = d, .addr = a, .am = m, .ih = h,
        };
    } else if (n != 3) {
        return g_strdup("extra fields after the invalidation type");
    }
    return NULL;
}

char *vtm_record_parse(const char *line, VTMRecord *r)
{
    g_auto(GStrv) f = NULL;
    g_autofree char *copy = g_strstrip(g_strdup(line));
    unsigned n;

    memset(r, 0, sizeof(*r));
    if (!*copy || copy[0] == '#') {
        return NULL;
    }
    f = g_strsplit(copy, " ", -1);
    n = g_strv_length(f);
    if (n < 2 || !vtm_rec_u64(f[1], 10, UINT64_MAX, &r->time)) {
        return g_strdup("no time field");
    }
    if (!strcmp(f[0], "t")) {
        return vtm_rec_parse_xlate(f, n, r);
    }
    if (!strcmp(f[0], "i")) {
        return vtm_rec_parse_inv(f, n, r);
    }
    return g_strdup_printf("unknown record kind '%s'", f[0]);
}
