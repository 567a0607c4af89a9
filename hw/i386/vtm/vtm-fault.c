/*
 * vtm: fault recording and the two event interrupts.
 *
 * Primary fault logging (7.2.1) into the FRCD ring, overflow (PFO), the
 * pending summary (PPF), and the fault event and invalidation completion
 * event interrupts with their mask/pending semantics (7.3.1, 11.4.7.2,
 * 11.4.9.6).  Messages are queued in the outbox (vtm-outbox.h) and
 * sent by the interrupt layer after the lock is dropped.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-fault.h"
#include "vtm-regs.h"
#include "trace.h"

#define FSTS_CONDITIONS     (R_FSTS_PFO_MASK | R_FSTS_PPF_MASK | \
                             R_FSTS_IQE_MASK | R_FSTS_ICE_MASK | \
                             R_FSTS_ITE_MASK)
/* The fields whose setting is an interrupt condition (11.4.7.2) */
#define FSTS_EVENTS         (R_FSTS_PPF_MASK | R_FSTS_IQE_MASK | \
                             R_FSTS_ICE_MASK | R_FSTS_ITE_MASK)

/*
 * The shared event protocol: with IM clear the message goes out now; with
 * IM set it waits as IP until software clears IM.  A condition arriving
 * while IP is set adds nothing.
 */
static void vtm_event_locked(VTMState *s, hwaddr ctl, hwaddr data,
                             hwaddr addr, hwaddr uaddr, VTMOutbox *out)
{
    uint32_t v = vtm_get32(s, ctl);

    if (FIELD_EX32(v, FECTL, IP)) {
        return;
    }
    if (FIELD_EX32(v, FECTL, IM)) {
        vtm_set32(s, ctl, FIELD_DP32(v, FECTL, IP, 1));
        return;
    }
    vtm_outbox_msi(out, (uint64_t)vtm_get32(s, uaddr) << 32 |
                        vtm_get32(s, addr), vtm_get32(s, data));
}

/* Software cleared IM: a held message is sent now (IECTL alike). */
static void vtm_event_unmasked_locked(VTMState *s, hwaddr ctl, hwaddr data,
                                      hwaddr addr, hwaddr uaddr,
                                      VTMOutbox *out)
{
    uint32_t v = vtm_get32(s, ctl);

    if (!FIELD_EX32(v, FECTL, IM) && FIELD_EX32(v, FECTL, IP)) {
        vtm_set32(s, ctl, FIELD_DP32(v, FECTL, IP, 0));
        vtm_outbox_msi(out, (uint64_t)vtm_get32(s, uaddr) << 32 |
                            vtm_get32(s, addr), vtm_get32(s, data));
    }
}

static void vtm_fault_event_locked(VTMState *s, VTMOutbox *out)
{
    vtm_event_locked(s, A_FECTL, A_FEDATA, A_FEADDR, A_FEUADDR, out);
}

void vtm_fault_inv_event_locked(VTMState *s, VTMOutbox *out)
{
    vtm_event_locked(s, A_IECTL, A_IEDATA, A_IEADDR, A_IEUADDR, out);
}

void vtm_fault_fectl_written_locked(VTMState *s, VTMOutbox *out)
{
    vtm_event_unmasked_locked(s, A_FECTL, A_FEDATA, A_FEADDR, A_FEUADDR,
                              out);
}

void vtm_fault_iectl_written_locked(VTMState *s, VTMOutbox *out)
{
    vtm_event_unmasked_locked(s, A_IECTL, A_IEDATA, A_IEADDR, A_IEUADDR,
                              out);
}

/* Software cleared ICS.IWC: the condition IECTL.IP held is serviced. */
void vtm_fault_ics_written_locked(VTMState *s)
{
    if (!FIELD_EX32(vtm_get32(s, A_ICS), ICS, IWC)) {
        uint32_t iectl = vtm_get32(s, A_IECTL);

        vtm_set32(s, A_IECTL, FIELD_DP32(iectl, IECTL, IP, 0));
    }
}

/*
 * Sets FSTS bits.  11.4.7.2: setting PPF, IQE, ICE or ITE is an interrupt
 * condition (PFO is not), and none is new while any status field is
 * already set.
 */
void vtm_fault_raise_status_locked(VTMState *s, uint32_t bits,
                                   VTMOutbox *out)
{
    uint32_t fsts = vtm_get32(s, A_FSTS);

    vtm_set32(s, A_FSTS, fsts | bits);
    if ((bits & FSTS_EVENTS) && !(fsts & FSTS_CONDITIONS)) {
        vtm_fault_event_locked(s, out);
    }
}

static hwaddr vtm_frcd_offset(unsigned index)
{
    return VTM_FRO_OFFSET + index * VTM_FRCD_SIZE;
}

/*
 * PPF summarises the F bits (11.4.7.1); IP is cleared by hardware once
 * software has serviced every condition it reported (11.4.7.2).
 */
void vtm_fault_status_changed_locked(VTMState *s)
{
    uint32_t fsts = vtm_get32(s, A_FSTS);
    bool pending = false;
    unsigned i;

    for (i = 0; i < s->nfr; i++) {
        pending |= FIELD_EX64(vtm_get64(s, vtm_frcd_offset(i) + 8),
                              FRCD_HI, F);
    }
    fsts = FIELD_DP32(fsts, FSTS, PPF, pending);
    vtm_set32(s, A_FSTS, fsts);
    if (!(fsts & FSTS_CONDITIONS)) {
        uint32_t fectl = vtm_get32(s, A_FECTL);

        vtm_set32(s, A_FECTL, FIELD_DP32(fectl, FECTL, IP, 0));
    }
}

/*
 * 7.2.1 lets hardware collapse a fault that matches one still pending in
 * the records.  QEMU retries a failed multi-byte DMA in small pieces, so
 * one faulting DMA would otherwise fill the ring with copies of itself.
 */
static bool vtm_fault_already_pending(VTMState *s, const VTMFault *f)
{
    unsigned i;

    for (i = 0; i < s->nfr; i++) {
        uint64_t lo = vtm_get64(s, vtm_frcd_offset(i));
        uint64_t hi = vtm_get64(s, vtm_frcd_offset(i) + 8);

        if (FIELD_EX64(hi, FRCD_HI, F) &&
            FIELD_EX64(hi, FRCD_HI, SID) == f->sid &&
            FIELD_EX64(hi, FRCD_HI, FR) == f->reason &&
            FIELD_EX64(hi, FRCD_HI, T1) == !f->is_write &&
            FIELD_EX64(hi, FRCD_HI, PP) == f->has_pasid &&
            FIELD_EX64(hi, FRCD_HI, PV) == (f->has_pasid ? f->pasid : 0) &&
            lo == (f->addr & R_FRCD_LO_FI_MASK)) {
            return true;
        }
    }
    return false;
}

/* 7.2.1 Primary Fault Logging. */
void vtm_fault_record_locked(VTMState *s, const VTMFault *f, VTMOutbox *out)
{
    uint32_t fsts = vtm_get32(s, A_FSTS);
    unsigned next = s->frcd_next % s->nfr;
    hwaddr rec = vtm_frcd_offset(next);
    uint64_t hi = 0;

    trace_vtm_fault(f->sid, f->addr, f->reason, f->is_write, f->fpd);
    if (f->fpd) {
        /* 9.3: FPD=1 suppresses recording of non-recoverable faults. */
        return;
    }
    if (FIELD_EX32(fsts, FSTS, PFO)) {
        /* 7.2.1: while PFO is set further faults are not recorded. */
        return;
    }
    if (vtm_fault_already_pending(s, f)) {
        return;
    }
    if (FIELD_EX64(vtm_get64(s, rec + 8), FRCD_HI, F)) {
        /* 7.2.1: the next record is still owned by software: overflow. */
        vtm_fault_raise_status_locked(s, R_FSTS_PFO_MASK, out);
        return;
    }
    hi = FIELD_DP64(hi, FRCD_HI, SID, f->sid);
    hi = FIELD_DP64(hi, FRCD_HI, FR, f->reason);
    hi = FIELD_DP64(hi, FRCD_HI, T1, !f->is_write);
    /* 11.4.7.6: PP/PV name the request's PASID, PRIV and EXE its kind */
    if (f->has_pasid) {
        hi = FIELD_DP64(hi, FRCD_HI, PP, 1);
        hi = FIELD_DP64(hi, FRCD_HI, PV, f->pasid);
        hi = FIELD_DP64(hi, FRCD_HI, PRIV, f->priv);
        hi = FIELD_DP64(hi, FRCD_HI, EXE, f->exec);
    }
    hi = FIELD_DP64(hi, FRCD_HI, F, 1);
    vtm_set64(s, rec, f->addr & R_FRCD_LO_FI_MASK);
    vtm_set64(s, rec + 8, hi);
    /*
     * 11.4.7.1: FRI names the first pending record, which software reads
     * from; the record hardware fills next is internal state.
     */
    if (!FIELD_EX32(fsts, FSTS, PPF)) {
        vtm_set32(s, A_FSTS, FIELD_DP32(fsts, FSTS, FRI, next));
    }
    s->frcd_next = (next + 1) % s->nfr;
    vtm_fault_raise_status_locked(s, R_FSTS_PPF_MASK, out);
}

void vtm_fault_reset(VTMState *s)
{
    s->frcd_next = 0;
}
