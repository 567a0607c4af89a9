/*
 * vtm fuzzing: interrupt remapping and posting (vtm-ir.c) over a fuzzed
 * interrupt remapping table and posted interrupt descriptors.
 *
 * Two units process the same interrupt requests and route computations,
 * each over its own copy of memory: one with the fuzzed interrupt entry
 * cache, one with it disabled.  Software invalidates the cache after it
 * changes the table (6.5.2.7); the harness does so after SIRTP and after
 * any write the units made (a posting may land in the table).  Then the
 * outcomes, and the memory the postings wrote, must be identical.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fuzz-common.h"
#include "vtm-ir.h"

#define MAX_OPS 96

typedef struct IrRun {
    FuzzIn in;
    FuzzMem mem[2];             /* [0] cached unit, [1] reference */
    VTMIr ir[2];
} IrRun;

static const VTMInvIec inv_all = { .global = true };

static bool fuzz_ir_config(FuzzIn *in, VTMIrConfig *cfg)
{
    uint8_t b = fuzz_u8(in), c = fuzz_u8(in);

    vtm_ir_default_config(cfg);
    cfg->haw = 32 + fuzz_u8(in) % 21;
    cfg->eim = b & 1;
    cfg->pi = b & 2;
    cfg->iec.enable = b & 4;
    cfg->iec.ways = 1u << (c & 3);
    cfg->iec.entries = cfg->iec.ways << ((c >> 2) & 3);
    cfg->iec.policy = (c >> 4) % 3;
    cfg->iec.seed = c;
    return vtm_ir_config_error(cfg) == NULL;
}

/* Bits 31:20 name the interrupt range; 63:40 may carry x2APIC bits. */
static bool msi_head_ok(uint64_t addr)
{
    return FIELD_EX64(addr, MSI_ADDR, HEAD) == VTM_MSI_ADDR_HEAD;
}

static void check_result(const VTMIr *ir, const VTMIrResult *res)
{
    switch (res->action) {
    case VTM_IR_BLOCKED:
        fuzz_check(res->fault.reason != VTM_FR_NONE, "blocked, no fault");
        fuzz_check(!res->notify, "blocked with a notification");
        break;
    case VTM_IR_DELIVER:
        fuzz_check(!res->remappable || msi_head_ok(res->msg_addr),
                   "remapped to 0x%" PRIx64, res->msg_addr);
        break;
    case VTM_IR_POSTED:
        fuzz_check(res->remappable, "posted in compatibility format");
        fuzz_check(!res->notify || msi_head_ok(res->msg_addr),
                   "notification to 0x%" PRIx64, res->msg_addr);
        break;
    default:
        fuzz_fail("action %d", res->action);
    }
}

static void compare(const VTMIrResult *a, const VTMIrResult *b,
                    const VTMIrRequest *req)
{
    fuzz_check(a->action == b->action && a->remappable == b->remappable &&
               a->index == b->index && a->notify == b->notify &&
               a->fault.reason == b->fault.reason &&
               a->fault.fpd == b->fault.fpd &&
               a->fault.addr == b->fault.addr,
               "request 0x%" PRIx64 "/0x%x: action %d/%d fault 0x%x/0x%x",
               req->addr, req->data, a->action, b->action,
               a->fault.reason, b->fault.reason);
    if (a->action != VTM_IR_BLOCKED) {
        fuzz_check(a->msg_addr == b->msg_addr && a->msg_data == b->msg_data,
                   "request 0x%" PRIx64 "/0x%x: message 0x%" PRIx64 "/0x%x"
                   " cached, 0x%" PRIx64 "/0x%x uncached", req->addr,
                   req->data, a->msg_addr, a->msg_data, b->msg_addr,
                   b->msg_data);
    }
}

static void do_request(IrRun *r)
{
    uint8_t b = fuzz_u8(&r->in);
    VTMIrRequest req = {
        .addr = (uint64_t)VTM_MSI_ADDR_HEAD << 20 | fuzz_u32(&r->in) >> 12,
        .data = fuzz_u32(&r->in),
        .sid = fuzz_u16(&r->in),
        .sid_known = b & 1,
        .route_only = b & 2,
    };
    VTMIrResult res[2];
    unsigned i;

    if (b & 4) {
        req.addr = fuzz_addr(&r->in);   /* anything at all */
    }
    if (b & 8) {
        req.addr |= (uint64_t)fuzz_u8(&r->in) << 40;
    }
    for (i = 0; i < 2; i++) {
        vtm_ir_process(&r->ir[i], &req, &res[i]);
        check_result(&r->ir[i], &res[i]);
    }
    compare(&res[0], &res[1], &req);
}

static void do_route(IrRun *r)
{
    uint64_t addr = (uint64_t)VTM_MSI_ADDR_HEAD << 20 |
                    fuzz_u32(&r->in) >> 12;
    uint32_t data = fuzz_u32(&r->in);
    uint16_t sid = fuzz_u16(&r->in);
    bool sid_known = fuzz_u8(&r->in) & 1;
    uint64_t out_addr[2];
    uint32_t out_data[2];
    int rc[2];
    unsigned i;

    for (i = 0; i < 2; i++) {
        rc[i] = vtm_ir_route(&r->ir[i], addr, data, sid_known, sid,
                             &out_addr[i], &out_data[i]);
    }
    fuzz_check(rc[0] == rc[1] && (rc[0] ||
               (out_addr[0] == out_addr[1] && out_data[0] == out_data[1])),
               "route 0x%" PRIx64 "/0x%x: %d/%d", addr, data, rc[0], rc[1]);
}

/* SIRTP, enable bits: as software does it, with an IEC flush after. */
static void do_set_table(IrRun *r)
{
    uint64_t irta = fuzz_addr(&r->in) & ~0x7f0ULL;
    uint8_t b = fuzz_u8(&r->in);
    unsigned i;

    irta |= b & 0xf;                            /* S */
    irta |= (uint64_t)(b >> 4 & 1) << 11;       /* EIME */
    for (i = 0; i < 2; i++) {
        vtm_ir_set_table(&r->ir[i], irta);
        r->ir[i].enabled = !(b & 0x20);
        r->ir[i].cfis = b & 0x40;
        vtm_ir_invalidate(&r->ir[i], &inv_all);
    }
}

static void do_invalidate(IrRun *r)
{
    VTMInvIec inv = {
        .global = !(fuzz_u8(&r->in) & 7),
        .index = fuzz_u16(&r->in),
        .im = fuzz_u8(&r->in) % 20,
    };

    vtm_ir_invalidate(&r->ir[0], &inv);
}

/* IRTE decode alone: deterministic, and its FPD read whatever P says. */
static void do_decode(IrRun *r)
{
    uint64_t raw[2] = { fuzz_u64(&r->in), fuzz_u64(&r->in) };
    bool eime = fuzz_u8(&r->in) & 1;
    VTMIrte e1, e2;
    VTMFaultReason f1, f2;

    f1 = vtm_irte_decode(&r->ir[0].cfg, eime, raw, &e1);
    f2 = vtm_irte_decode(&r->ir[0].cfg, eime, raw, &e2);
    fuzz_check(f1 == f2 && !memcmp(&e1, &e2, sizeof(e1)), "decode unstable");
    fuzz_check(e1.fpd == (raw[0] >> 1 & 1), "FPD not taken from bit 1");
    if (f1 == VTM_FR_NONE) {
        fuzz_check(e1.present && (e1.posted || eime || e1.dest < 256),
                   "xAPIC destination 0x%x", e1.dest);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    IrRun r = { .in = { .data = data, .len = size } };
    VTMIrConfig cfg;
    unsigned i, n;

    if (size < 8 || !fuzz_ir_config(&r.in, &cfg)) {
        return 0;
    }
    for (i = 0; i < 2; i++) {
        fuzz_mem_init(&r.mem[i], data, size);
        vtm_ir_init(&r.ir[i], &cfg, &r.mem[i].ops);
        cfg.iec.enable = false;
    }
    do_set_table(&r);
    for (n = 0; n < MAX_OPS && fuzz_more(&r.in); n++) {
        uint64_t writes = r.mem[1].writes;

        switch (fuzz_u8(&r.in) % 10) {
        case 0:
            do_set_table(&r);
            break;
        case 1:
            do_invalidate(&r);
            break;
        case 2:
            do_route(&r);
            break;
        case 3:
            do_decode(&r);
            break;
        default:
            do_request(&r);
            break;
        }
        fuzz_check(!memcmp(r.mem[0].buf, r.mem[1].buf, size),
                   "the units wrote different memory");
        if (r.mem[1].writes != writes) {
            vtm_ir_invalidate(&r.ir[0], &inv_all);
        }
    }
    for (i = 0; i < 2; i++) {
        vtm_ir_destroy(&r.ir[i]);
        fuzz_mem_destroy(&r.mem[i]);
    }
    return 0;
}
