/*
 * vtm fuzzing: invalidation descriptors and register commands, decoded
 * (vtm-qi.c) and applied to a translating unit (vtm-core.c).
 *
 * Decoding: any 128-bit descriptor under any CAP.MAMV / device-TLB /
 * interrupt-remapping support decodes the same whatever the operation
 * held before, and what it accepts is within the limits.
 *
 * Applying: a unit with caches and a cacheless reference translate over
 * the same fuzzed tables.  Software then changes one entry on the path of
 * a translation (in both memories) and issues a fuzzed IOTLB invalidation
 * that the spec says covers that address (global, the domain, or a
 * page-selective range around it; IH=1 only when the change is a leaf).
 * Any number of other fuzzed invalidations may come in between.  The
 * cached unit must then translate that address as the reference does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fuzz-common.h"
#include "vtm-core.h"

#define MAX_OPS 64

typedef struct QiRun {
    FuzzIn in;
    FuzzMem mem[2];
    VTMCore core[2];
    VTMQiLimits lim;
    uint64_t time;
} QiRun;

static bool same_op(const VTMInvOp *a, const VTMInvOp *b)
{
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case VTM_INV_CC:
        return a->cc.gran == b->cc.gran && a->cc.did == b->cc.did &&
               a->cc.sid == b->cc.sid && a->cc.fm == b->cc.fm;
    case VTM_INV_IOTLB:
        return a->iotlb.gran == b->iotlb.gran &&
               a->iotlb.did == b->iotlb.did &&
               a->iotlb.addr == b->iotlb.addr &&
               a->iotlb.am == b->iotlb.am && a->iotlb.ih == b->iotlb.ih &&
               a->iotlb.dr == b->iotlb.dr && a->iotlb.dw == b->iotlb.dw;
    case VTM_INV_DEVTLB:
        return a->devtlb.sid == b->devtlb.sid &&
               a->devtlb.pfsid == b->devtlb.pfsid &&
               a->devtlb.mip == b->devtlb.mip &&
               a->devtlb.addr == b->devtlb.addr &&
               a->devtlb.size == b->devtlb.size;
    case VTM_INV_IEC:
        return a->iec.global == b->iec.global &&
               a->iec.index == b->iec.index && a->iec.im == b->iec.im;
    case VTM_INV_WAIT:
        return a->wait.intr == b->wait.intr &&
               a->wait.status_write == b->wait.status_write &&
               a->wait.fence == b->wait.fence &&
               a->wait.data == b->wait.data && a->wait.addr == b->wait.addr;
    case VTM_INV_PC:
        return a->pc.gran == b->pc.gran && a->pc.did == b->pc.did &&
               a->pc.pasid == b->pc.pasid;
    case VTM_INV_PIOTLB:
        return a->piotlb.gran == b->piotlb.gran &&
               a->piotlb.did == b->piotlb.did &&
               a->piotlb.pasid == b->piotlb.pasid &&
               a->piotlb.addr == b->piotlb.addr &&
               a->piotlb.am == b->piotlb.am && a->piotlb.ih == b->piotlb.ih;
    case VTM_INV_PDEVTLB:
        return a->pdevtlb.sid == b->pdevtlb.sid &&
               a->pdevtlb.pfsid == b->pdevtlb.pfsid &&
               a->pdevtlb.mip == b->pdevtlb.mip &&
               a->pdevtlb.pasid == b->pdevtlb.pasid &&
               a->pdevtlb.addr == b->pdevtlb.addr &&
               a->pdevtlb.size == b->pdevtlb.size &&
               a->pdevtlb.global == b->pdevtlb.global;
    default:
        return true;    /* types yet to come: compared as they land */
    }
}

static void check_op(const VTMInvOp *op, const VTMQiLimits *lim)
{
    switch (op->type) {
    case VTM_INV_CC:
        fuzz_check(op->cc.gran >= VTM_INV_GLOBAL &&
                   op->cc.gran <= VTM_INV_DEVICE, "cc gran %u",
                   op->cc.gran);
        break;
    case VTM_INV_IOTLB:
        fuzz_check(op->iotlb.gran >= VTM_INV_GLOBAL &&
                   op->iotlb.gran <= VTM_INV_PAGE, "iotlb gran %u",
                   op->iotlb.gran);
        fuzz_check(op->iotlb.am <= lim->mamv, "am %u above mamv %u",
                   op->iotlb.am, lim->mamv);
        fuzz_check(!(op->iotlb.addr & 0xfff), "address 0x%" PRIx64,
                   op->iotlb.addr);
        break;
    case VTM_INV_DEVTLB:
        fuzz_check(lim->dt_supported, "device-TLB without DT");
        break;
    case VTM_INV_IEC:
        fuzz_check(lim->ir_supported, "IEC without IR");
        break;
    case VTM_INV_WAIT:
        fuzz_check(!(op->wait.addr & 3), "status address 0x%" PRIx64,
                   op->wait.addr);
        break;
    case VTM_INV_PC:
    case VTM_INV_PIOTLB:
    case VTM_INV_PDEVTLB:
        fuzz_check(lim->sm_supported, "PASID-based type without SMTS");
        break;
    default:
        fuzz_check(op->type > VTM_INV_WAIT, "type %d", op->type);
        break;
    }
}

/* Decodes twice over different junk: the same operation or error. */
static uint8_t decode(QiRun *r, const uint64_t desc[2], VTMInvOp *op)
{
    VTMInvOp other;
    uint8_t e1, e2;

    memset(op, 0x5a, sizeof(*op));
    memset(&other, 0xa5, sizeof(other));
    e1 = vtm_qi_decode(desc, &r->lim, op);
    e2 = vtm_qi_decode(desc, &r->lim, &other);
    fuzz_check(e1 == e2, "decode 0x%" PRIx64 ":0x%" PRIx64 ": %u then %u",
               desc[0], desc[1], e1, e2);
    if (e1 == VTM_IQEI_NONE) {
        fuzz_check(same_op(op, &other), "stale fields in 0x%" PRIx64,
                   desc[0]);
        check_op(op, &r->lim);
    } else {
        fuzz_check(e1 == VTM_IQEI_TYPE || e1 == VTM_IQEI_RSVD ||
                   e1 == VTM_IQEI_WIDTH, "decode error %u", e1);
    }
    return e1;
}

/*
 * A 256-bit descriptor (IQA.DW=1): the 128-bit types decode as in a
 * 128-bit queue when qwords 2-3 are zero, and the 128-bit view of any
 * descriptor decodes as vtm_qi_decode() does.
 */
static uint8_t decode_wide(QiRun *r, const uint64_t desc[4], VTMInvOp *op)
{
    VTMInvOp other, narrow;
    uint8_t e1, e2, e128, en;

    memset(op, 0x5a, sizeof(*op));
    memset(&other, 0xa5, sizeof(other));
    e1 = vtm_qi_decode_wide(desc, 256, &r->lim, op);
    e2 = vtm_qi_decode_wide(desc, 256, &r->lim, &other);
    fuzz_check(e1 == e2 && (e1 != VTM_IQEI_NONE || same_op(op, &other)),
               "wide decode 0x%" PRIx64 " unstable", desc[0]);
    if (e1 == VTM_IQEI_NONE) {
        check_op(op, &r->lim);
    }
    e128 = vtm_qi_decode_wide(desc, 128, &r->lim, &other);
    en = vtm_qi_decode(desc, &r->lim, &narrow);
    fuzz_check(e128 == en && (en != VTM_IQEI_NONE ||
                              same_op(&other, &narrow)),
               "128-bit decodes of 0x%" PRIx64 ": %u and %u", desc[0],
               e128, en);
    if (!desc[2] && !desc[3] && (desc[0] & 0xf) <= VTM_QI_WAIT &&
        !(desc[0] & 0xe00)) {
        fuzz_check(e1 == en && (en != VTM_IQEI_NONE || same_op(op, &narrow)),
                   "0x%" PRIx64 ": %u at 256 bits, %u at 128", desc[0], e1,
                   en);
    }
    return e1;
}

static void do_descriptor(QiRun *r)
{
    uint64_t desc[4] = { fuzz_u64(&r->in), fuzz_u64(&r->in) };
    uint8_t b = fuzz_u8(&r->in);
    VTMInvOp op;
    uint8_t e;

    if (b & 1) {
        desc[0] = (desc[0] & ~0xfULL) | (desc[0] & 0xf) % 9;
    }
    if (b & 2) {
        if (b & 4) {
            desc[2] = fuzz_u64(&r->in);
            desc[3] = fuzz_u64(&r->in);
        }
        e = decode_wide(r, desc, &op);
    } else {
        e = decode(r, desc, &op);
    }
    if (e == VTM_IQEI_NONE) {
        vtm_core_invalidate(&r->core[0], &op);
    }
}

static void do_register(QiRun *r)
{
    uint64_t a = fuzz_u64(&r->in), b = fuzz_u64(&r->in);
    VTMInvOp op;

    if (fuzz_u8(&r->in) & 1) {
        if (vtm_qi_from_ccmd(a, &op)) {
            fuzz_check(op.type == VTM_INV_CC, "CCMD type %d", op.type);
            check_op(&op, &r->lim);
            vtm_core_invalidate(&r->core[0], &op);
        }
    } else if (vtm_qi_from_iotlb_reg(a, b, r->lim.mamv, &op)) {
        fuzz_check(op.type == VTM_INV_IOTLB, "IOTLB type %d", op.type);
        check_op(&op, &r->lim);
        vtm_core_invalidate(&r->core[0], &op);
    }
}

static void translate(QiRun *r, unsigned i, uint16_t sid, uint64_t addr,
                      bool is_write, VTMResult *res, VTMWalkLog *log)
{
    VTMRequest req = {
        .sid = sid, .addr = addr, .is_write = is_write, .time = r->time++,
    };

    vtm_core_translate(&r->core[i], &req, res, log);
}

static bool overlaps(const FuzzMem *m, uint64_t a, uint64_t b, size_t len)
{
    size_t i, j;

    for (i = 0; i < 8; i++) {
        for (j = 0; j < len; j++) {
            if ((a + i) % m->len == (b + j) % m->len) {
                return true;
            }
        }
    }
    return false;
}

/*
 * The context's root and context entries and the walk's other entries:
 * the changed entry must be none of them (memory addresses wrap).
 */
static bool change_is_alone(QiRun *r, uint16_t sid, const VTMWalkLog *log,
                            unsigned k)
{
    const VTMCore *c = &r->core[1];
    uint64_t root = c->root_table + (sid >> 8) * 16, lo;
    uint64_t pte = log->step[k].pte_addr;
    unsigned j;

    if (overlaps(&r->mem[1], pte, root, 16) ||
        !vtm_mem_read64(&c->mem, root, &lo) ||
        overlaps(&r->mem[1], pte,
                 (lo & ~0xfffULL) + (sid & 0xff) * 16, 16)) {
        return false;
    }
    for (j = 0; j < log->nsteps; j++) {
        if (j != k && overlaps(&r->mem[1], pte, log->step[j].pte_addr, 8)) {
            return false;
        }
    }
    return true;
}

static void do_change(QiRun *r)
{
    uint16_t sid = fuzz_u8(&r->in);
    uint64_t addr = fuzz_addr(&r->in), pte;
    bool is_write = fuzz_u8(&r->in) & 1;
    uint8_t how = fuzz_u8(&r->in);
    VTMResult res[2];
    VTMWalkLog log;
    uint64_t desc[2];
    VTMInvOp op;
    unsigned k, am;
    bool leaf;

    translate(r, 0, sid, addr, is_write, &res[0], NULL);
    translate(r, 1, sid, addr, is_write, &res[1], &log);
    /* a domain id shared by different tables may differ already */
    if (res[1].fault.reason != VTM_FR_NONE || !log.nsteps ||
        res[0].fault.reason != VTM_FR_NONE ||
        res[0].translated != res[1].translated) {
        return;
    }
    k = how % log.nsteps;
    leaf = k == log.nsteps - 1;
    if (!change_is_alone(r, sid, &log, k)) {
        return;
    }
    pte = fuzz_u64(&r->in);
    vtm_mem_write64(&r->mem[0].ops, log.step[k].pte_addr, pte);
    vtm_mem_write64(&r->mem[1].ops, log.step[k].pte_addr, pte);

    /* An IOTLB descriptor covering addr in the domain (6.5.2.3) */
    am = fuzz_u8(&r->in) % (r->lim.mamv + 1);
    desc[0] = VTM_QI_IOTLB;
    desc[0] = FIELD_DP64(desc[0], QI_IOTLB_LO, G, how >> 4 & 3 ? : 3);
    desc[0] = FIELD_DP64(desc[0], QI_IOTLB_LO, DID, res[1].domain_id);
    desc[1] = (addr & ~0xfffULL) | am;
    desc[1] = FIELD_DP64(desc[1], QI_IOTLB_HI, IH, leaf && (how & 0x40));
    if (decode(r, desc, &op) != VTM_IQEI_NONE) {
        return;
    }
    /* other invalidations may come first */
    while (fuzz_u8(&r->in) & 1) {
        do_descriptor(r);
    }
    vtm_core_invalidate(&r->core[0], &op);

    translate(r, 0, sid, addr, is_write, &res[0], NULL);
    translate(r, 1, sid, addr, is_write, &res[1], NULL);
    fuzz_check(res[0].fault.reason == res[1].fault.reason &&
               res[0].translated == res[1].translated &&
               res[0].addr_mask == res[1].addr_mask &&
               res[0].perm == res[1].perm,
               "sid 0x%x addr 0x%" PRIx64 " after level-%u entry := 0x%"
               PRIx64 " and IOTLB inv g=%u am=%u ih=%d: cached fault 0x%x"
               " 0x%" PRIx64 "/0x%" PRIx64 ", uncached 0x%x 0x%" PRIx64
               "/0x%" PRIx64, sid, addr, log.step[k].level, pte,
               op.iotlb.gran, op.iotlb.am, op.iotlb.ih,
               res[0].fault.reason, res[0].translated, res[0].addr_mask,
               res[1].fault.reason, res[1].translated, res[1].addr_mask);
}

static bool fuzz_config(QiRun *r, VTMCoreConfig *cfg)
{
    uint8_t b = fuzz_u8(&r->in), c = fuzz_u8(&r->in);
    unsigned level;

    vtm_core_default_config(cfg);
    cfg->sagaw = (b & 0xe) ? (b & 0xe) : 0x4;
    cfg->sllps = b >> 4 & 3;
    cfg->iotlb.entries = 8 << (c & 3);
    cfg->iotlb.ways = 1 << (c >> 2 & 3);
    cfg->iotlb.policy = (c >> 4) % 3;
    for (level = 2; level <= VTM_MAX_LEVELS; level++) {
        cfg->psc[level].enable = c >> 6 & 1;
    }
    r->lim.mamv = fuzz_u8(&r->in) % 64;
    r->lim.dt_supported = b & 1;
    r->lim.ir_supported = b & 0x80;
    r->lim.sm_supported = c & 0x80;
    return vtm_core_config_error(cfg) == NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QiRun r = { .in = { .data = data, .len = size } };
    VTMCoreConfig cfg;
    uint64_t rtaddr;
    unsigned i, n, level;

    if (size < 8 || !fuzz_config(&r, &cfg)) {
        return 0;
    }
    rtaddr = fuzz_addr(&r.in) & ~0xfffULL;
    for (i = 0; i < 2; i++) {
        fuzz_mem_init(&r.mem[i], data, size);
        vtm_core_init(&r.core[i], &cfg, &r.mem[i].ops);
        vtm_core_set_root(&r.core[i], rtaddr);
        cfg.iotlb.enable = cfg.ctx_cache.enable = false;
        for (level = 2; level <= VTM_MAX_LEVELS; level++) {
            cfg.psc[level].enable = false;
        }
    }
    for (n = 0; n < MAX_OPS && fuzz_more(&r.in); n++) {
        VTMResult res;

        switch (fuzz_u8(&r.in) % 4) {
        case 0:
            do_descriptor(&r);
            break;
        case 1:
            do_register(&r);
            break;
        case 2:
            do_change(&r);
            break;
        default:
            translate(&r, 0, fuzz_u8(&r.in), fuzz_addr(&r.in),
                      fuzz_u8(&r.in) & 1, &res, NULL);
            break;
        }
    }
    for (i = 0; i < 2; i++) {
        vtm_core_destroy(&r.core[i]);
        fuzz_mem_destroy(&r.mem[i]);
    }
    return 0;
}
