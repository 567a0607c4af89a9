/*
 * vtm fuzzing: root and context entry decode (vtm-ctx.c) over fuzzed
 * tables and unit limits.
 *
 * What the decoder accepts must be usable by the walker without further
 * checks: a translation type the unit supports, an address width in
 * CAP.SAGAW with its level count, a table pointer page-aligned and within
 * the host address width.  A fault after the context entry was read
 * carries that entry's FPD.  The walker is then run from the decoded
 * context (vtm-pt.c) with the fuzzed reserved-bit format.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fuzz-common.h"
#include "vtm-ctx.h"
#include "vtm-pt.h"

static void check_ctx(const VTMCtxLimits *lim, const VTMContext *ctx)
{
    switch (ctx->tt) {
    case VTM_TT_PASSTHROUGH:
        fuzz_check(lim->pt_supported, "pass-through without ECAP.PT");
        return;
    case VTM_TT_ALL:
        fuzz_check(lim->dt_supported, "TT=01b without ECAP.DT");
        break;
    case VTM_TT_UNTRANSLATED:
        break;
    default:
        fuzz_fail("TT %u accepted", ctx->tt);
    }
    fuzz_check(ctx->levels >= 3 && ctx->levels <= 5, "levels %u",
               ctx->levels);
    fuzz_check(lim->sagaw & BIT(ctx->levels - 2),
               "levels %u not in SAGAW 0x%x", ctx->levels, lim->sagaw);
    fuzz_check(ctx->aw_bits == 12 + 9 * ctx->levels, "aw %u for %u levels",
               ctx->aw_bits, ctx->levels);
    fuzz_check(!(ctx->slptptr & 0xfff), "table 0x%" PRIx64, ctx->slptptr);
    fuzz_check(!(ctx->slptptr >> lim->haw), "table 0x%" PRIx64
               " beyond haw %u", ctx->slptptr, lim->haw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzIn in = { .data = data, .len = size };
    FuzzMem mem;
    VTMCtxLimits lim;
    VTMPtFormat fmt;
    uint64_t root;
    uint8_t b;
    unsigned n;

    if (size < 8) {
        return 0;
    }
    fuzz_mem_init(&mem, data, size);
    b = fuzz_u8(&in);
    lim = (VTMCtxLimits) {
        .sagaw = b & 0xe, .haw = 32 + fuzz_u8(&in) % 21,
        .pt_supported = b & 1, .dt_supported = b & 0x10,
    };
    vtm_pt_format_init(&fmt, lim.haw, b >> 5 & 3);
    vtm_pt_format_set_snoop(&fmt, b & 0x80);
    root = fuzz_addr(&in) & ~0xfffULL;

    for (n = 0; n < 32 && fuzz_more(&in); n++) {
        uint16_t sid = fuzz_u16(&in);
        VTMContext ctx, again;
        VTMFaultReason fr, fr2;
        unsigned reads, reads2;
        VTMWalk w;
        VTMWalkOut out;
        VTMWalkLog log;

        fr = vtm_ctx_fetch(&mem.ops, root, sid, &lim, &ctx, &reads);
        fr2 = vtm_ctx_fetch(&mem.ops, root, sid, &lim, &again, &reads2);
        fuzz_check(fr == fr2 && reads == reads2 &&
                   !memcmp(&ctx, &again, sizeof(ctx)), "unstable decode");
        fuzz_check(reads >= 1 && reads <= 2, "%u entry reads", reads);
        if (fr != VTM_FR_NONE) {
            fuzz_check(fr <= VTM_FR_INTR_ADDR, "fault 0x%x", fr);
            fuzz_check(reads == 2 || !ctx.fpd, "FPD before the context");
            continue;
        }
        check_ctx(&lim, &ctx);
        if (ctx.tt == VTM_TT_PASSTHROUGH) {
            continue;
        }
        w = (VTMWalk) {
            .root = ctx.slptptr, .levels = ctx.levels, .did = ctx.did,
            .iova = fuzz_addr(&in) & MAKE_64BIT_MASK(0, ctx.aw_bits),
            .is_write = fuzz_u8(&in) & 1,
        };
        if (vtm_pt_walk(&fmt, &mem.ops, NULL, &w, &out, &log) ==
            VTM_FR_NONE) {
            fuzz_check(log.nsteps >= 1 && log.nsteps <= ctx.levels,
                       "%u steps", log.nsteps);
            fuzz_check(!(out.addr >> lim.haw), "output 0x%" PRIx64,
                       out.addr);
            fuzz_check(out.perm & (w.is_write ? VTM_PERM_W : VTM_PERM_R),
                       "perm %u", out.perm);
        }
    }
    fuzz_mem_destroy(&mem);
    return 0;
}
