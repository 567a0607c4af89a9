/*
 * vtm: the translation stream record format (see vtm-record.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-record.h"
#include "vtm-timing.h"

#define VTM_REC_XLATE_FIELDS_V1 17
#define VTM_REC_XLATE_FIELDS_V2 21
#define VTM_REC_XLATE_FIELDS    22      /* version 3 */

static const char *const vtm_leaf_names[] = { "-", "4k", "2m", "1g", NULL };
static const char *const vtm_inv_names[] = {
    [VTM_INV_CC] = "cc", [VTM_INV_IOTLB] = "iotlb",
    [VTM_INV_DEVTLB] = "devtlb", [VTM_INV_IEC] = "iec",
    [VTM_INV_WAIT] = "wait", [VTM_INV_PC] = "pc",
    [VTM_INV_PIOTLB] = "piotlb", [VTM_INV_PDEVTLB] = "pdevtlb", NULL,
};
/* By VTMStage */
static const char *const vtm_stage_names[] = {
    [VTM_STAGE_NONE] = "-", [VTM_STAGE_SECOND] = "s2",
    [VTM_STAGE_FIRST] = "s1", [VTM_STAGE_NESTED] = "nest",
    [VTM_STAGE_PT] = "pt", NULL,
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
    /*
     * the domain is known once a context entry (legacy) or a PASID
     * entry (scalable mode: then a stage is set) was read or hit
     */
    rec->has_did = res->how.levels || res->passthrough ||
                   (res->scalable && res->stage != VTM_STAGE_NONE);
    rec->has_pasid = req->has_pasid;
    rec->pasid = req->has_pasid ? req->pasid : 0;
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
    const char *name = op->type <= VTM_INV_PDEVTLB ? vtm_inv_names[op->type]
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
    case VTM_INV_PC:
        n = snprintf(buf, VTM_RECORD_LINE_MAX,
                     "i %" PRIu64 " pc %u %u %x\n", r->time, op->pc.gran,
                     op->pc.did, op->pc.pasid);
        break;
    case VTM_INV_PIOTLB:
        n = snprintf(buf, VTM_RECORD_LINE_MAX,
                     "i %" PRIu64 " piotlb %u %u %x 0x%" PRIx64 " %u %u\n",
                     r->time, op->piotlb.gran, op->piotlb.did,
                     op->piotlb.pasid, op->piotlb.addr, op->piotlb.am,
                     op->piotlb.ih);
        break;
    default:
        n = snprintf(buf, VTM_RECORD_LINE_MAX, "i %" PRIu64 " %s\n",
                     r->time, name);
        break;
    }
    return MIN(n, VTM_RECORD_LINE_MAX - 1);
}

/* Whether a translation record needs the version 2 columns. */
static bool vtm_record_is_sm(const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;

    return r->has_pasid || o->pasid_lookup || o->pt_writes ||
           o->stage == VTM_STAGE_FIRST || o->stage == VTM_STAGE_NESTED;
}

size_t vtm_record_format(char *buf, const VTMRecord *r)
{
    const VTMOutcome *o = &r->how;
    char did[8] = "-", psc[4] = "-", pasid[8] = "-";
    const char *leaf;
    int n;

    if (r->kind == VTM_REC_INV) {
        return vtm_record_format_inv(buf, r);
    }
    if (r->has_did) {
        snprintf(did, sizeof(did), "%u", r->did);
    }
    if (r->has_pasid) {
        snprintf(pasid, sizeof(pasid), "%x", r->pasid & VTM_PASID_MAX);
    }
    if (o->walked) {
        snprintf(psc, sizeof(psc), "%u", o->psc_hit);
    }
    leaf = r->fault ? "-" : r->passthrough ? "pt"
                          : vtm_leaf_names[MIN(o->leaf_level, 3)];
    n = snprintf(buf, VTM_RECORD_LINE_MAX,
                 "t %" PRIu64 " %02x:%02x.%x %s 0x%" PRIx64 " %u %c %s %u "
                 "%s %c %c %s %u %u %x %" PRIu64,
                 r->time, r->sid >> 8, (r->sid >> 3) & 0x1f, r->sid & 7,
                 pasid, r->iova, r->size, r->is_write ? 'w' : 'r', did,
                 o->levels, leaf, vtm_hm(o->ctx_lookup, o->ctx_hit),
                 vtm_hm(o->iotlb_lookup, o->iotlb_hit), psc, o->ctx_reads,
                 o->pt_reads, r->fault, r->latency);
    n = MIN(n, VTM_RECORD_LINE_MAX - 2);
    /*
     * Only what legacy mode cannot say needs the version 2 columns: a
     * legacy translation keeps the line both versions define.
     */
    if (vtm_record_is_sm(r) || o->devtlb_lookup) {
        n += snprintf(buf + n, VTM_RECORD_LINE_MAX - n, " %s %c %u %u",
                      vtm_stage_names[MIN(o->stage, VTM_STAGE__MAX - 1)],
                      vtm_hm(o->pasid_lookup, o->pasid_hit), o->pasid_reads,
                      o->pt_writes);
        n = MIN(n, VTM_RECORD_LINE_MAX - 2);
    }
    /* version 3: only a request from an ATS endpoint has a DT column */
    if (o->devtlb_lookup) {
        n += snprintf(buf + n, VTM_RECORD_LINE_MAX - n, " %c",
                      vtm_hm(true, o->devtlb_hit));
        n = MIN(n, VTM_RECORD_LINE_MAX - 2);
    }
    buf[n++] = '\n';
    buf[n] = '\0';
    return n;
}

char *vtm_record_header(uint32_t clock_mhz)
{
    return g_strdup_printf(VTM_RECORD_MAGIC_PREFIX "%u clock-mhz=%u\n"
                           "# t time sid pasid iova size rw did levels leaf"
                           " ctx iotlb psc creads preads fault latency"
                           " stage pc xreads adw dt\n",
                           VTM_RECORD_VERSION, clock_mhz);
}

/* "# vtm-record N clock-mhz=M": N into *version, M into *mhz. */
static bool vtm_record_header_fields(const char *line, unsigned *version,
                                     uint64_t *mhz)
{
    const char *p;
    char *end;
    uint64_t v;

    if (!g_str_has_prefix(line, VTM_RECORD_MAGIC_PREFIX)) {
        return false;
    }
    p = line + strlen(VTM_RECORD_MAGIC_PREFIX);
    v = g_ascii_strtoull(p, &end, 10);
    if (end == p || v < 1 || v > VTM_RECORD_VERSION ||
        !g_str_has_prefix(end, " clock-mhz=")) {
        return false;
    }
    *version = v;
    *mhz = g_ascii_strtoull(end + strlen(" clock-mhz="), NULL, 10);
    return true;
}

uint32_t vtm_record_parse_header(const char *line)
{
    unsigned version;
    uint64_t mhz;

    if (!vtm_record_header_fields(line, &version, &mhz)) {
        return 0;
    }
    return mhz <= UINT32_MAX ? mhz : 0;
}

unsigned vtm_record_parse_version(const char *line)
{
    unsigned version;
    uint64_t mhz;

    return vtm_record_header_fields(line, &version, &mhz) ? version : 0;
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

/*
 * Version 2 columns STAGE PC XREADS ADW; a version 1 line gets the stage
 * legacy mode gave it: second stage once tables were reached.
 */
static bool vtm_rec_sm_outcome(char **f, unsigned n, VTMRecord *r)
{
    VTMOutcome *o = &r->how;
    uint64_t v;
    int stage;

    if (n == VTM_REC_XLATE_FIELDS_V1) {
        o->stage = r->passthrough ? VTM_STAGE_PT
                   : o->levels ? VTM_STAGE_SECOND : VTM_STAGE_NONE;
        return true;
    }
    stage = vtm_name_lookup(vtm_stage_names, f[17]);
    if (stage < 0 || !vtm_rec_hm(f[18], &o->pasid_lookup, &o->pasid_hit)) {
        return false;
    }
    o->stage = stage;
    if (!vtm_rec_u64(f[19], 10, 2, &v)) {
        return false;
    }
    o->pasid_reads = v;
    if (!vtm_rec_u64(f[20], 10, 2 * VTM_MAX_LEVELS, &v)) {
        return false;
    }
    o->pt_writes = v;
    return n < VTM_REC_XLATE_FIELDS ||
           vtm_rec_hm(f[21], &o->devtlb_lookup, &o->devtlb_hit);
}

static bool vtm_rec_pasid(const char *s, VTMRecord *r)
{
    uint64_t v;

    if (!strcmp(s, "-")) {
        return true;
    }
    if (!vtm_rec_u64(s, 16, VTM_PASID_MAX, &v)) {
        return false;
    }
    r->has_pasid = true;
    r->pasid = v;
    return true;
}

static char *vtm_rec_parse_xlate(char **f, unsigned n, VTMRecord *r)
{
    uint64_t v;

    r->kind = VTM_REC_XLATE;
    if (n != VTM_REC_XLATE_FIELDS && n != VTM_REC_XLATE_FIELDS_V2 &&
        n != VTM_REC_XLATE_FIELDS_V1) {
        return g_strdup_printf("a translation has %u fields, not %u, %u "
                               "or %u", n, VTM_REC_XLATE_FIELDS,
                               VTM_REC_XLATE_FIELDS_V2,
                               VTM_REC_XLATE_FIELDS_V1);
    }
    if (!vtm_rec_sid(f[2], &r->sid) || !vtm_rec_pasid(f[3], r) ||
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
    if (!vtm_rec_sm_outcome(f, n, r)) {
        return g_strdup("bad stage, pc, xreads, adw or dt field");
    }
    return NULL;
}

/* pc GRAN DID PASID / piotlb GRAN DID PASID ADDR AM IH */
static char *vtm_rec_parse_pasid_inv(char **f, unsigned n, VTMInvOp *op)
{
    uint64_t g, d, p, a = 0, m = 0, h = 0;
    bool pc = op->type == VTM_INV_PC;

    if (n != (pc ? 6 : 9) || !vtm_rec_u64(f[3], 10, 3, &g) ||
        !vtm_rec_u64(f[4], 10, UINT16_MAX, &d) ||
        !vtm_rec_u64(f[5], 16, VTM_PASID_MAX, &p) ||
        (!pc && (!vtm_rec_u64(f[6], 16, UINT64_MAX, &a) ||
                 !vtm_rec_u64(f[7], 10, 63, &m) ||
                 !vtm_rec_u64(f[8], 10, 1, &h)))) {
        return g_strdup(pc ? "bad PASID-cache invalidation"
                           : "bad PASID-based IOTLB invalidation");
    }
    if (pc) {
        op->pc = (VTMInvPc) { .gran = g, .did = d, .pasid = p };
    } else {
        op->piotlb = (VTMInvPiotlb) {
            .gran = g, .did = d, .pasid = p, .addr = a, .am = m, .ih = h,
        };
    }
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
    } else if (type == VTM_INV_PC || type == VTM_INV_PIOTLB) {
        return vtm_rec_parse_pasid_inv(f, n, op);
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
