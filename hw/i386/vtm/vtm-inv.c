/*
 * vtm: invalidation interfaces of the device.
 *
 * Both the register-based interface (CCMD, IOTLB/IVA: 6.5.1) and the
 * invalidation queue (6.5.2) turn requests into VTMInvOp values decoded
 * by the core (vtm-qi.c); this file fetches them, applies them and
 * reports queue errors.  The IOMMU notifiers hear of each operation as
 * it is applied, before the next descriptor: a later wait descriptor's
 * completion covers them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-log.h"
#include "vtm-inv.h"
#include "vtm-regs.h"
#include "vtm-fault.h"
#include "vtm-irq.h"
#include "vtm-notify.h"
#include "vtm-stats.h"
#include "vtm-pri.h"
#include "trace.h"

static VTMQiLimits vtm_inv_qi_limits(VTMState *s)
{
    uint64_t cap = vtm_get64(s, A_CAP);
    uint64_t ecap = vtm_get64(s, A_ECAP);

    return (VTMQiLimits) {
        .mamv = FIELD_EX64(cap, CAP, MAMV),
        .dt_supported = FIELD_EX64(ecap, ECAP, DT),
        .ir_supported = FIELD_EX64(ecap, ECAP, IR),
        .sm_supported = FIELD_EX64(ecap, ECAP, SMTS),
    };
}

static bool vtm_inv_qi_enabled(VTMState *s)
{
    return FIELD_EX32(vtm_get32(s, A_GSTS), GSTS, QIES);
}

/*
 * Whether a context- or PASID-cache invalidation covers the RID_PASID
 * entry of vas: the one in memory now, or the pass-through one its view
 * was made from (6.5.2.1, 6.5.2.2).
 */
static bool vtm_inv_covers_rid_pasid(VTMState *s, VTMAddressSpace *vas,
                                     const VTMInvOp *op)
{
    uint16_t sid = PCI_BUILD_BDF(pci_bus_num(vas->bus), vas->devfn);
    unsigned n = op->cc.fm & 3;
    VTMContext ctx;
    VTMPasidEntry pe;
    unsigned reads;

    if (op->type == VTM_INV_CC) {
        /* function-mask bits a device-selective invalidation ignores */
        return op->cc.gran != VTM_INV_DEVICE ||
               ((sid ^ op->cc.sid) & ~(((1u << n) - 1) << (3 - n))) == 0;
    }
    if (op->pc.gran == VTM_QI_PC_GLOBAL) {
        return true;
    }
    if (vtm_ctx_fetch_rid_pasid(&s->mem, s->core.root_table, sid,
                                &s->core.lim, &ctx, &pe, &reads) ==
            VTM_FR_NONE && pe.did == op->pc.did &&
        (op->pc.gran == VTM_QI_PC_DOMAIN || ctx.rid_pasid == op->pc.pasid)) {
        return true;
    }
    return vas->pt_view && vas->pt_did == op->pc.did &&
           (op->pc.gran == VTM_QI_PC_DOMAIN || vas->pt_pasid == op->pc.pasid);
}

/*
 * A context- or PASID-cache invalidation in scalable mode: the
 * requesters it covers look at their RID_PASID entry again and, if it
 * is (or was) pass-through, switch view once the lock is dropped
 * (vtm-as.c).
 */
static void vtm_inv_entries_changed_locked(VTMState *s, const VTMInvOp *op,
                                           VTMOutbox *out)
{
    GHashTableIter it;
    gpointer value;

    if ((op->type != VTM_INV_CC && op->type != VTM_INV_PC) ||
        s->core.ttm != VTM_TTM_SCALABLE || !s->core.cfg.sm_supported ||
        !s->translation_enabled) {
        return;
    }
    g_hash_table_iter_init(&it, s->spaces);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        VTMAddressSpace *vas = value;

        if (vtm_inv_covers_rid_pasid(s, vas, op)) {
            vas->pt_recheck = true;
            out->switch_spaces = true;
        }
    }
}

/* 6.5.1.1: register-based context-cache invalidation. */
void vtm_inv_ccmd_written_locked(VTMState *s, VTMOutbox *out)
{
    uint64_t ccmd = vtm_get64(s, A_CCMD);
    VTMInvOp op;
    uint8_t done = 0;

    if (vtm_inv_qi_enabled(s)) {
        /* 6.5.2: with QI enabled the register interface must not be used */
        vtm_guest_error("vtm: CCMD written while queued "
                        "invalidation is enabled (ignored)\n");
    } else if (vtm_qi_from_ccmd(ccmd, &op)) {
        trace_vtm_inv_cc(op.cc.gran, op.cc.did, op.cc.sid, op.cc.fm);
        vtm_stats_inv_locked(s, &op, vtm_stats_now_locked(s));
        vtm_core_invalidate(&s->core, &op);
        vtm_notify_inv_locked(s, &op);
        vtm_inv_entries_changed_locked(s, &op, out);
        done = op.cc.gran;
    } else {
        vtm_guest_error("vtm: CCMD with reserved "
                        "granularity 0x%" PRIx64 "\n", ccmd);
    }
    ccmd = FIELD_DP64(ccmd, CCMD, CAIG, done);
    vtm_set64(s, A_CCMD, FIELD_DP64(ccmd, CCMD, ICC, 0));
}

/* 6.5.1.2: register-based IOTLB invalidation. */
void vtm_inv_iotlb_written_locked(VTMState *s, VTMOutbox *out)
{
    uint64_t reg = vtm_get64(s, A_IOTLB);
    uint64_t iva = vtm_get64(s, A_IVA);
    uint8_t mamv = FIELD_EX64(vtm_get64(s, A_CAP), CAP, MAMV);
    VTMInvOp op;
    uint8_t done = 0;

    if (vtm_inv_qi_enabled(s)) {
        vtm_guest_error("vtm: IOTLB register written while "
                        "queued invalidation is enabled (ignored)\n");
    } else if (vtm_qi_from_iotlb_reg(reg, iva, mamv, &op)) {
        trace_vtm_inv_iotlb(op.iotlb.gran, op.iotlb.did, op.iotlb.addr,
                            op.iotlb.am, op.iotlb.ih);
        vtm_stats_inv_locked(s, &op, vtm_stats_now_locked(s));
        vtm_core_invalidate(&s->core, &op);
        vtm_notify_inv_locked(s, &op);
        done = op.iotlb.gran;
    } else {
        vtm_guest_error("vtm: IOTLB invalidation with "
                        "reserved granularity or AM (0x%" PRIx64 ")\n", reg);
    }
    reg = FIELD_DP64(reg, IOTLB, IAIG, done);
    vtm_set64(s, A_IOTLB, FIELD_DP64(reg, IOTLB, IVT, 0));
}

void vtm_inv_qi_enable_locked(VTMState *s, bool enable)
{
    /* 11.4.9.1: the head is reset when the queue is (re-)enabled. */
    if (enable) {
        vtm_set64(s, A_IQH, 0);
    }
    trace_vtm_qi_enable(enable);
}

/* 6.5.2.10: stop at the offending descriptor and report it. */
static void vtm_inv_qi_error_locked(VTMState *s, uint8_t iqei,
                                    VTMOutbox *out)
{
    uint64_t ercd = vtm_get64(s, A_IQERCD);

    trace_vtm_qi_error(iqei, vtm_get64(s, A_IQH));
    vtm_set64(s, A_IQERCD, FIELD_DP64(ercd, IQERCD, IQEI, iqei));
    vtm_fault_raise_status_locked(s, R_FSTS_IQE_MASK, out);
}

/* 6.5.2.8: the wait descriptor's status write and completion event. */
static void vtm_inv_qi_wait_locked(VTMState *s, const VTMInvWait *w,
                                   VTMOutbox *out)
{
    if (w->status_write && !vtm_mem_write32(&s->mem, w->addr, w->data)) {
        vtm_guest_error("vtm: invalidation wait status "
                        "write to 0x%" PRIx64 " failed\n", w->addr);
    }
    if (w->intr) {
        uint32_t ics = vtm_get32(s, A_ICS);

        vtm_set32(s, A_ICS, FIELD_DP32(ics, ICS, IWC, 1));
        /* 11.4.9.6: with IWC already set it is no new interrupt condition */
        if (!FIELD_EX32(ics, ICS, IWC)) {
            vtm_fault_inv_event_locked(s, out);
        }
    }
}

static void vtm_inv_qi_apply_locked(VTMState *s, const VTMInvOp *op,
                                    uint64_t now, VTMOutbox *out)
{
    vtm_stats_inv_locked(s, op, now);   /* modelled clock, record */
    switch (op->type) {
    case VTM_INV_CC:
        trace_vtm_inv_cc(op->cc.gran, op->cc.did, op->cc.sid, op->cc.fm);
        vtm_core_invalidate(&s->core, op);
        break;
    case VTM_INV_IOTLB:
        trace_vtm_inv_iotlb(op->iotlb.gran, op->iotlb.did, op->iotlb.addr,
                            op->iotlb.am, op->iotlb.ih);
        vtm_core_invalidate(&s->core, op);
        break;
    case VTM_INV_DEVTLB:
        trace_vtm_inv_devtlb(op->devtlb.sid, op->devtlb.addr,
                             op->devtlb.size);
        vtm_core_invalidate(&s->core, op);
        break;
    case VTM_INV_IEC:
        trace_vtm_inv_iec(op->iec.global, op->iec.index, op->iec.im);
        vtm_core_invalidate(&s->core, op);      /* counted and timed */
        vtm_irq_iec_invalidate_locked(s, &op->iec, out);
        break;
    case VTM_INV_WAIT:
        trace_vtm_inv_wait(op->wait.status_write, op->wait.intr,
                           op->wait.addr, op->wait.data);
        vtm_core_invalidate(&s->core, op);      /* counted and timed */
        vtm_inv_qi_wait_locked(s, &op->wait, out);
        break;
    /* scalable mode: decoded only from 256-bit descriptors */
    case VTM_INV_PC:
        trace_vtm_inv_pc(op->pc.gran, op->pc.did, op->pc.pasid);
        vtm_core_invalidate(&s->core, op);
        break;
    case VTM_INV_PIOTLB:
        trace_vtm_inv_piotlb(op->piotlb.gran, op->piotlb.did,
                             op->piotlb.pasid, op->piotlb.addr,
                             op->piotlb.am, op->piotlb.ih);
        vtm_core_invalidate(&s->core, op);
        break;
    case VTM_INV_PDEVTLB:
        trace_vtm_inv_pdevtlb(op->pdevtlb.sid, op->pdevtlb.pasid,
                              op->pdevtlb.addr, op->pdevtlb.size);
        vtm_core_invalidate(&s->core, op);
        break;
    }
    /* Before the next descriptor: a later wait covers the notifications */
    vtm_notify_inv_locked(s, op);
    vtm_inv_entries_changed_locked(s, op, out);
}

/*
 * Fetches and decodes the descriptor at head: 128 bits, or 256 with
 * IQA.DW=1 (6.5.2); a 256-bit type in a 128-bit queue is IQEI 5.
 * VTM_IQEI_NONE and op filled, or the error to report.  A page group
 * response (type 9, 7.7.1) is not an invalidation: it is delivered to
 * the requester here and *done set.
 */
static uint8_t vtm_inv_qi_fetch_locked(VTMState *s, uint64_t base,
                                       uint64_t head, unsigned width,
                                       const VTMQiLimits *lim, VTMInvOp *op,
                                       bool *done)
{
    uint64_t desc[VTM_QI_DESC_QWORDS_MAX];
    unsigned i, nqw = width / 64;
    uint8_t iqei;

    *done = false;
    if (!s->mem.read(s->mem.opaque, base + head, desc, nqw * 8)) {
        return VTM_IQEI_FETCH;
    }
    for (i = 0; i < nqw; i++) {
        desc[i] = le64_to_cpu(desc[i]);
    }
    trace_vtm_qi_desc(head, desc[0], desc[1]);
    if (vtm_pri_is_response(s, desc, width)) {
        *done = vtm_pri_response_locked(s, desc);
        iqei = *done ? VTM_IQEI_NONE : VTM_IQEI_RSVD;
    } else {
        iqei = vtm_qi_decode_wide(desc, width, lim, op);
    }
    if (iqei != VTM_IQEI_NONE) {
        vtm_guest_error("vtm: invalid %u-bit invalidation "
                        "descriptor 0x%016" PRIx64 " 0x%016" PRIx64 "%s at "
                        "IQH 0x%" PRIx64 " (IQEI %u)\n", width, desc[1],
                        desc[0], nqw > 2 && (desc[2] | desc[3]) ?
                        " (upper qwords not 0)" : "", head, iqei);
    }
    return iqei;
}

/*
 * Fetch and apply descriptors from IQH up to IQT.  The loop is bounded by
 * the queue size, and a tail the queue cannot hold is an error rather
 * than a wrap, so no guest value can make it spin.
 */
void vtm_inv_qi_process_locked(VTMState *s, VTMOutbox *out)
{
    uint64_t iqa = vtm_get64(s, A_IQA);
    uint64_t base = iqa & R_IQA_IQA_MASK;
    uint64_t qsize = VTM_PAGE_SIZE << FIELD_EX64(iqa, IQA, QS);
    unsigned width = FIELD_EX64(iqa, IQA, DW) ? 256 : 128;
    uint64_t dsize = width / 8;
    uint64_t tail = vtm_get64(s, A_IQT) & R_IQT_QT_MASK;
    uint64_t head = (vtm_get64(s, A_IQH) & R_IQH_QH_MASK) % qsize;
    VTMQiLimits lim = vtm_inv_qi_limits(s);
    uint64_t n, now;

    if (!vtm_inv_qi_enabled(s) ||
        FIELD_EX32(vtm_get32(s, A_FSTS), FSTS, IQE)) {
        return;
    }
    if (tail >= qsize) {
        vtm_inv_qi_error_locked(s, VTM_IQEI_TAIL_RANGE, out);
        return;
    }
    /* 11.4.9.9: with DW=1 the tail must be 256-bit aligned (IQEI 1) */
    if (tail % dsize) {
        vtm_inv_qi_error_locked(s, VTM_IQEI_TAIL_ALIGN, out);
        return;
    }
    head -= head % dsize;
    /* The descriptors up to the tail written arrive together. */
    now = vtm_stats_now_locked(s);
    for (n = 0; head != tail && n < qsize / dsize; n++) {
        VTMInvOp op;
        bool done;
        uint8_t iqei = vtm_inv_qi_fetch_locked(s, base, head, width, &lim,
                                               &op, &done);

        if (iqei != VTM_IQEI_NONE) {
            vtm_inv_qi_error_locked(s, iqei, out);
            return;
        }
        if (!done) {
            vtm_inv_qi_apply_locked(s, &op, now, out);
        }
        head = (head + dsize) % qsize;
        vtm_set64(s, A_IQH, head);
    }
}
