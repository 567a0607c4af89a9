/*
 * vtm: interrupt remapping and interrupt posting (VT-d chapter 5).
 *
 * A request in compatibility format passes through or is blocked; one in
 * remappable format names an IRTE by its interrupt_index.  The IRTE comes
 * from the interrupt entry cache or from the table latched by SIRTP, is
 * checked, validates the requester, and either gives the APIC message
 * (remapped format) or a virtual vector to post into a posted interrupt
 * descriptor in memory (posted format).  Faults flow back as data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-ir.h"

/*
 * A descriptor update is a compare-and-exchange loop: it only retries when
 * another agent changed the same qword in between.  The bound keeps a
 * guest that rewrites its descriptor without pause from stalling the unit.
 */
#define VTM_PID_CAS_TRIES       64

void vtm_ir_default_config(VTMIrConfig *cfg)
{
    static const VTMCacheParams iec = {
        .entries = 64, .ways = 4, .policy = VTM_CACHE_LRU, .enable = true,
    };

    memset(cfg, 0, sizeof(*cfg));
    cfg->haw = 48;
    cfg->eim = true;
    cfg->pi = true;
    cfg->iec = iec;
}

const char *vtm_ir_config_error(const VTMIrConfig *cfg)
{
    const char *err;
    g_autofree char *msg = NULL;

    if (cfg->haw < 32 || cfg->haw > 52) {
        return "haw must be between 32 and 52";
    }
    err = vtm_cache_params_error(&cfg->iec);
    if (!err) {
        return NULL;
    }
    /* Interned: the caller gets a string it never has to free. */
    msg = g_strdup_printf("interrupt-entry-cache: %s", err);
    return g_intern_string(msg);
}

void vtm_ir_init(VTMIr *ir, const VTMIrConfig *cfg, const VTMMemOps *mem)
{
    memset(ir, 0, sizeof(*ir));
    ir->cfg = *cfg;
    ir->mem = *mem;
    ir->iec = vtm_cache_new("interrupt-entry-cache", &cfg->iec,
                            VTM_IRTE_SIZE);
    vtm_ir_reset(ir);
}

void vtm_ir_destroy(VTMIr *ir)
{
    g_clear_pointer(&ir->iec, vtm_cache_free);
}

void vtm_ir_reset(VTMIr *ir)
{
    vtm_cache_flush(ir->iec);
    ir->table = 0;
    ir->entries = VTM_IRTA_ENTRIES(0);
    ir->eime = false;
    ir->enabled = false;
    ir->cfis = false;
}

void vtm_ir_set_table(VTMIr *ir, uint64_t irta)
{
    ir->table = FIELD_EX64(irta, IRTA, IRTA) << VTM_PAGE_SHIFT;
    ir->entries = VTM_IRTA_ENTRIES(FIELD_EX64(irta, IRTA, S));
    ir->eime = ir->cfg.eim && FIELD_EX64(irta, IRTA, EIME);
}

uint64_t vtm_ir_latched_irta(const VTMIr *ir)
{
    uint64_t irta = ir->table;

    irta = FIELD_DP64(irta, IRTA, S, ctz32(ir->entries) - 1);
    return FIELD_DP64(irta, IRTA, EIME, ir->eime);
}

/* Index-selective invalidation: lines whose index falls in the block. */
typedef struct VTMIecRange {
    uint32_t first, last;
} VTMIecRange;

static bool vtm_iec_range_pred(const VTMCacheKey *key, const void *payload,
                               void *opaque)
{
    const VTMIecRange *r = opaque;

    return key->tag >= r->first && key->tag <= r->last;
}

void vtm_ir_invalidate(VTMIr *ir, const VTMInvIec *inv)
{
    uint64_t count, n;
    VTMIecRange r;

    ir->stats.inv_iec++;
    /* Indexes are 16 bits: a mask of 16 or more covers the whole table. */
    if (inv->global || inv->im >= 16) {
        vtm_cache_flush(ir->iec);
        return;
    }
    /*
     * 6.5.2.7: 2^IM entries from IIDX; an IIDX that is not aligned to the
     * block is taken down to it (dropping more lines is always allowed).
     */
    count = 1ull << inv->im;
    r.first = inv->index & ~(count - 1);
    r.last = r.first + count - 1;
    if (count >= vtm_cache_params(ir->iec)->entries) {
        vtm_cache_invalidate_if(ir->iec, vtm_iec_range_pred, &r);
        return;
    }
    for (n = r.first; n <= r.last; n++) {
        VTMCacheKey key = { .tag = n };

        vtm_cache_invalidate_key(ir->iec, &key);
    }
}

uint64_t vtm_ir_msg_addr(uint32_t dest, bool dm, bool rh)
{
    uint64_t addr = 0;

    addr = FIELD_DP64(addr, MSI_ADDR, HEAD, VTM_MSI_ADDR_HEAD);
    addr = FIELD_DP64(addr, MSI_ADDR, DEST, dest & 0xff);
    addr = FIELD_DP64(addr, MSI_ADDR, DEST_HI, dest >> 8);
    addr = FIELD_DP64(addr, MSI_ADDR, DM, dm);
    return FIELD_DP64(addr, MSI_ADDR, RH, rh);
}

uint32_t vtm_ir_msg_data(uint8_t vector, uint8_t dlm, bool tm)
{
    uint32_t data = 0;

    data = FIELD_DP32(data, MSI_DATA, VECTOR, vector);
    data = FIELD_DP32(data, MSI_DATA, DLM, dlm);
    /* Assert: meaningful for level-triggered messages, harmless for edge */
    data = FIELD_DP32(data, MSI_DATA, LEVEL, 1);
    return FIELD_DP32(data, MSI_DATA, TM, tm);
}

/* 9.11: the posted-format fields, and its conditionally reserved ones. */
static VTMFaultReason vtm_irte_decode_posted(const VTMIrConfig *cfg,
                                             const uint64_t raw[2],
                                             VTMIrte *e)
{
    uint64_t lo = raw[0], hi = raw[1];

    if (!cfg->pi) {
        return VTM_FR_IR_RSVD;          /* IM=1 without CAP.PI: 9.10 */
    }
    if ((lo & VTM_IRTE_PI_LO_RSVD) || (hi & VTM_IRTE_PI_HI_RSVD)) {
        return VTM_FR_IR_RSVD;          /* 9.11 reserved fields */
    }
    e->posted = true;
    e->urgent = FIELD_EX64(lo, IRTE_LO, URG);
    e->pda = FIELD_EX64(lo, IRTE_LO, PDA_L) << 6 |
             FIELD_EX64(hi, IRTE_HI, PDA_H) << 32;
    if (e->pda >> cfg->haw) {
        return VTM_FR_IR_RSVD;          /* 9.11: PDA bits above HAW */
    }
    return VTM_FR_NONE;
}

/* 9.10: the remapped-format fields, and its conditionally reserved ones. */
static VTMFaultReason vtm_irte_decode_remapped(bool eime,
                                               const uint64_t raw[2],
                                               VTMIrte *e)
{
    uint64_t lo = raw[0], hi = raw[1];

    if ((lo & VTM_IRTE_LO_RSVD) || (hi & VTM_IRTE_HI_RSVD) ||
        (!eime && (lo & VTM_IRTE_LO_RSVD_XAPIC))) {
        return VTM_FR_IR_RSVD;          /* 9.10 reserved fields */
    }
    e->dm = FIELD_EX64(lo, IRTE_LO, DM);
    e->rh = FIELD_EX64(lo, IRTE_LO, RH);
    e->tm = FIELD_EX64(lo, IRTE_LO, TM);
    e->dlm = FIELD_EX64(lo, IRTE_LO, DLM);
    e->dest = eime ? FIELD_EX64(lo, IRTE_LO, DST)
                   : FIELD_EX64(lo, IRTE_LO, DST_XAPIC);
    if (VTM_DLM_RESERVED(e->dlm)) {
        return VTM_FR_IR_RSVD;          /* 9.10 DLM: reserved encoding */
    }
    return VTM_FR_NONE;
}

VTMFaultReason vtm_irte_decode(const VTMIrConfig *cfg, bool eime,
                               const uint64_t raw[2], VTMIrte *e)
{
    uint64_t lo = raw[0], hi = raw[1];

    memset(e, 0, sizeof(*e));
    /* 9.10: FPD is evaluated whatever P says. */
    e->fpd = FIELD_EX64(lo, IRTE_LO, FPD);
    e->present = FIELD_EX64(lo, IRTE_LO, P);
    if (!e->present) {
        return VTM_FR_IR_NOT_PRESENT;   /* 5.1.4.1: 22h */
    }
    e->vector = FIELD_EX64(lo, IRTE_LO, V);
    e->sid = FIELD_EX64(hi, IRTE_HI, SID);
    e->sq = FIELD_EX64(hi, IRTE_HI, SQ);
    e->svt = FIELD_EX64(hi, IRTE_HI, SVT);
    if (e->svt == VTM_SVT_RESERVED) {
        return VTM_FR_IR_RSVD;          /* 9.10 SVT=11b: 24h */
    }
    if (FIELD_EX64(lo, IRTE_LO, IM)) {
        return vtm_irte_decode_posted(cfg, raw, e);
    }
    return vtm_irte_decode_remapped(eime, raw, e);
}

bool vtm_irte_source_ok(const VTMIrte *e, uint16_t sid)
{
    /* SQ: how many low function-number bits the comparison ignores */
    static const uint16_t sq_ignore[4] = { 0x0, 0x4, 0x6, 0x7 };
    uint8_t bus = sid >> 8;

    switch (e->svt) {
    case VTM_SVT_NONE:
        return true;
    case VTM_SVT_SID:
        return ((sid ^ e->sid) & ~sq_ignore[e->sq & 3]) == 0;
    case VTM_SVT_BUS:
        /* SID 15:8 is the first bus, 7:0 the last, both inclusive */
        return bus >= (e->sid >> 8) && bus <= (e->sid & 0xff);
    default:
        return false;                   /* reserved: rejected by decode */
    }
}

/*
 * The IRTE for index: from the cache, or read from the table (5.1.3).
 * Only entries that pass the checks are cached, so a fixed entry takes
 * effect without an invalidation, as one that faulted was never held.
 */
static VTMFaultReason vtm_ir_fetch(VTMIr *ir, uint32_t index, VTMIrte *e,
                                   VTMIrOutcome *how)
{
    VTMCacheKey key = { .tag = index };
    uint64_t addr = ir->table + (uint64_t)index * VTM_IRTE_SIZE;
    uint64_t raw[2], *line;
    VTMFaultReason fr;

    how->iec_lookup = true;
    line = vtm_cache_lookup(ir->iec, &key);
    if (line) {
        how->iec_hit = true;
        return vtm_irte_decode(&ir->cfg, ir->eime, line, e);
    }
    if ((addr + VTM_IRTE_SIZE - 1) >> ir->cfg.haw) {
        memset(e, 0, sizeof(*e));
        return VTM_FR_IR_INDEX_OVER;    /* 5.1.4.1: 21h, above HAW */
    }
    ir->stats.irte_reads++;
    how->mem_reads++;
    if (!ir->mem.read(ir->mem.opaque, addr, raw, sizeof(raw))) {
        memset(e, 0, sizeof(*e));
        return VTM_FR_IR_ROOT_ACCESS;   /* 5.1.4.1: 23h */
    }
    raw[0] = le64_to_cpu(raw[0]);
    raw[1] = le64_to_cpu(raw[1]);
    fr = vtm_irte_decode(&ir->cfg, ir->eime, raw, e);
    if (fr == VTM_FR_NONE) {
        line = vtm_cache_insert(ir->iec, &key);
        if (line) {
            line[0] = raw[0];
            line[1] = raw[1];
        }
    }
    return fr;
}

/* Sets bits in the qword at addr with a bounded compare-and-exchange. */
static bool vtm_ir_pid_or(VTMIr *ir, uint64_t addr, uint64_t cur,
                          uint64_t bits, VTMIrOutcome *how)
{
    unsigned i;

    for (i = 0; i < VTM_PID_CAS_TRIES; i++) {
        uint64_t found;

        how->mem_rmws++;
        if (!vtm_mem_cmpxchg64(&ir->mem, addr, cur, cur | bits, &found)) {
            return false;
        }
        if (found == cur) {
            return true;
        }
        cur = found;
    }
    return false;
}

/*
 * 5.2.3: set the vector's PIR bit, then set ON and notify if ON was clear
 * and notifications are not suppressed (SN clear, or the IRTE urgent).
 * The PIR bit is made visible before ON, the order the descriptor's
 * consumer relies on; each qword is updated atomically.
 */
static VTMFaultReason vtm_ir_post(VTMIr *ir, const VTMIrte *e,
                                  VTMIrResult *res)
{
    uint64_t pid[VTM_PID_SIZE / 8], ctl;
    uint64_t ctl_addr = e->pda + A_PID_CTL;
    unsigned i, q = e->vector / 64;

    ir->stats.pid_updates++;
    res->how.mem_reads++;
    if (!ir->mem.read(ir->mem.opaque, e->pda, pid, sizeof(pid))) {
        return VTM_FR_IR_PID_ACCESS;    /* 5.1.4.1: 27h */
    }
    for (i = 0; i < ARRAY_SIZE(pid); i++) {
        pid[i] = le64_to_cpu(pid[i]);
    }
    ctl = pid[A_PID_CTL / 8];
    if ((ctl & VTM_PID_CTL_RSVD) || pid[5] || pid[6] || pid[7]) {
        return VTM_FR_IR_PID_RSVD;      /* 9.12 reserved fields: 28h */
    }
    if (!vtm_ir_pid_or(ir, e->pda + q * 8, pid[q],
                       1ull << (e->vector % 64), &res->how)) {
        return VTM_FR_IR_PID_ACCESS;    /* the locked update failed: 27h */
    }
    for (i = 0; i < VTM_PID_CAS_TRIES; i++) {
        uint64_t found;

        if (FIELD_EX64(ctl, PID_CTL, ON) ||
            (FIELD_EX64(ctl, PID_CTL, SN) && !e->urgent)) {
            return VTM_FR_NONE;         /* no notification */
        }
        res->how.mem_rmws++;
        if (!vtm_mem_cmpxchg64(&ir->mem, ctl_addr, ctl,
                               FIELD_DP64(ctl, PID_CTL, ON, 1), &found)) {
            return VTM_FR_IR_PID_ACCESS;
        }
        if (found == ctl) {
            break;
        }
        ctl = found;
    }
    if (i == VTM_PID_CAS_TRIES) {
        /* The PIR bit is set: its consumer finds it at the next event. */
        return VTM_FR_NONE;
    }
    res->notify = true;
    res->msg_addr = vtm_ir_msg_addr(ir->eime ?
                                    FIELD_EX64(ctl, PID_CTL, NDST) :
                                    FIELD_EX64(ctl, PID_CTL, NDST_XAPIC),
                                    false, false);
    res->msg_data = vtm_ir_msg_data(FIELD_EX64(ctl, PID_CTL, NV), 0, false);
    ir->stats.notifications++;
    return VTM_FR_NONE;
}

/* The interrupt_index of a remappable request (5.1.2.2). */
static uint32_t vtm_ir_index(const VTMIrRequest *req)
{
    uint32_t index = FIELD_EX64(req->addr, MSI_RADDR, INDEX_LO) |
                     FIELD_EX64(req->addr, MSI_RADDR, INDEX_HI) << 15;

    if (FIELD_EX64(req->addr, MSI_RADDR, SHV)) {
        index += FIELD_EX32(req->data, MSI_RDATA, SUBHANDLE);
    }
    return index;
}

/* 5.1.4: a remappable request, through its IRTE. */
static VTMFaultReason vtm_ir_remap(VTMIr *ir, const VTMIrRequest *req,
                                   VTMIrResult *res, VTMIrte *e)
{
    VTMFaultReason fr;

    memset(e, 0, sizeof(*e));
    res->remappable = true;
    res->index = vtm_ir_index(req);
    if (req->data & VTM_MSI_RDATA_RSVD) {
        return VTM_FR_IR_REQ_RSVD;      /* 5.1.4.1: 20h */
    }
    if (res->index >= ir->entries) {
        return VTM_FR_IR_INDEX_OVER;    /* 5.1.4.1: 21h */
    }
    fr = vtm_ir_fetch(ir, res->index, e, &res->how);
    if (fr != VTM_FR_NONE) {
        return fr;
    }
    if (req->sid_known && !vtm_irte_source_ok(e, req->sid)) {
        return VTM_FR_IR_SID_INVALID;   /* 5.1.4.1: 26h */
    }
    if (e->posted) {
        res->action = VTM_IR_POSTED;
        if (req->route_only) {
            return VTM_FR_NONE;
        }
        ir->stats.posted++;
        return vtm_ir_post(ir, e, res);
    }
    ir->stats.remapped++;
    res->action = VTM_IR_DELIVER;
    res->msg_addr = vtm_ir_msg_addr(e->dest, e->dm, e->rh);
    res->msg_data = vtm_ir_msg_data(e->vector, e->dlm, e->tm);
    return VTM_FR_NONE;
}

/* 5.1.4.1, "Qualified": faults that FPD can suppress. */
static bool vtm_ir_fault_qualified(VTMFaultReason fr)
{
    switch (fr) {
    case VTM_FR_IR_NOT_PRESENT:
    case VTM_FR_IR_RSVD:
    case VTM_FR_IR_SID_INVALID:
    case VTM_FR_IR_PID_ACCESS:
    case VTM_FR_IR_PID_RSVD:
        return true;
    default:
        return false;
    }
}

void vtm_ir_process(VTMIr *ir, const VTMIrRequest *req, VTMIrResult *res)
{
    VTMFaultReason fr = VTM_FR_NONE;
    VTMIrte e = { 0 };

    memset(res, 0, sizeof(*res));
    ir->stats.requests++;
    if (ir->enabled && FIELD_EX64(req->addr, MSI_ADDR, IF) ==
                       VTM_MSI_FORMAT_REMAP) {
        fr = vtm_ir_remap(ir, req, res, &e);
    } else if (ir->enabled && (ir->eime || !ir->cfis)) {
        /* 5.1.2.1: compatibility format needs EIME clear and CFIS set */
        fr = VTM_FR_IR_COMPAT_BLOCKED;  /* 5.1.4.1: 25h */
    } else {
        /* Remapping off, or compatibility format allowed: as it came. */
        ir->stats.compat++;
        res->action = VTM_IR_DELIVER;
        res->msg_addr = req->addr;
        res->msg_data = req->data;
    }
    if (fr == VTM_FR_NONE) {
        return;
    }
    ir->stats.faults++;
    res->action = VTM_IR_BLOCKED;
    res->notify = false;
    res->fault.reason = fr;
    res->fault.sid = req->sid;
    /* 11.4.7.6: FI bits 63:48 hold the interrupt_index, 47:12 clear */
    res->fault.addr = (uint64_t)(res->index & 0xffff) << 48;
    res->fault.is_write = true;
    res->fault.fpd = vtm_ir_fault_qualified(fr) && e.fpd;
}

int vtm_ir_route(VTMIr *ir, uint64_t addr, uint32_t data, bool sid_known,
                 uint16_t sid, uint64_t *out_addr, uint32_t *out_data)
{
    VTMIrRequest req = {
        .addr = addr, .data = data, .sid = sid, .sid_known = sid_known,
        .route_only = true,
    };
    VTMIrStats saved;
    VTMIrResult res;

    ir->stats.routes++;
    saved = ir->stats;
    *out_addr = addr;
    *out_data = data;
    if (!ir->enabled) {
        return 0;               /* no remapping: the message as it is */
    }
    if (addr >> 20 != VTM_MSI_ADDR_HEAD) {
        return -EINVAL;         /* not the interrupt address range */
    }
    vtm_ir_process(ir, &req, &res);
    /* A route is no interrupt: keep the interrupt counters exact. */
    ir->stats = saved;
    switch (res.action) {
    case VTM_IR_DELIVER:
        *out_addr = res.msg_addr;
        *out_data = res.msg_data;
        return 0;
    case VTM_IR_POSTED:
        return -ENOTSUP;
    default:
        return -EINVAL;
    }
}
