/*
 * Unit tests of vtm's 256-bit invalidation descriptor decode (IQA.DW=1,
 * 6.5.2): every type at 256 bits, the PASID-based types 6-8 with each
 * granularity, and malformed descriptors (reserved bits in every
 * reserved range, reserved granularities, AM above MAMV, a 256-bit type
 * in a 128-bit queue, unknown types), which must give an IQE code and
 * never more.  The reserved ranges are transcribed from the spec's
 * figures as bit ranges, independently of vtm-defs.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-qi.h"
#include "vtm-enc-sm.h"

static const VTMQiLimits lim_sm = {
    .mamv = 9, .dt_supported = true, .ir_supported = true,
    .sm_supported = true,
};

static uint8_t decode(const VtmtDesc *d, unsigned width,
                      const VTMQiLimits *lim, VTMInvOp *op)
{
    memset(op, 0xa5, sizeof(*op));
    return vtm_qi_decode_wide(d->qw, width, lim, op);
}

/* Type 7, every granularity. */
static void test_pc(void)
{
    VtmtDesc d;
    VTMInvOp op;

    d = vtmt_qi_pc(VTM_QI_PC_PASID, 0x1234, 0xabcde);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_PC);
    g_assert_cmpuint(op.pc.gran, ==, VTM_QI_PC_PASID);
    g_assert_cmphex(op.pc.did, ==, 0x1234);
    g_assert_cmphex(op.pc.pasid, ==, 0xabcde);

    d = vtmt_qi_pc(VTM_QI_PC_DOMAIN, 0x1234, 0xabcde);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpuint(op.pc.gran, ==, VTM_QI_PC_DOMAIN);
    g_assert_cmphex(op.pc.did, ==, 0x1234);
    g_assert_cmphex(op.pc.pasid, ==, 0);        /* not used: left 0 */

    d = vtmt_qi_pc(VTM_QI_PC_GLOBAL, 0x1234, 0xabcde);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpuint(op.pc.gran, ==, VTM_QI_PC_GLOBAL);
    g_assert_cmphex(op.pc.did, ==, 0);

    d = vtmt_qi_pc(2, 1, 1);                    /* G=10b reserved */
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_RSVD);
}

/* Type 6: PASID-selective and page-selective-within-PASID. */
static void test_piotlb(void)
{
    VtmtDesc d;
    VTMInvOp op;

    d = vtmt_qi_piotlb(VTM_QI_PIOTLB_PAGE, 7, 0xfffff, 0x7654321000ULL, 9,
                       true);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_PIOTLB);
    g_assert_cmpuint(op.piotlb.gran, ==, VTM_QI_PIOTLB_PAGE);
    g_assert_cmpuint(op.piotlb.did, ==, 7);
    g_assert_cmphex(op.piotlb.pasid, ==, 0xfffff);
    g_assert_cmphex(op.piotlb.addr, ==, 0x7654321000ULL);
    g_assert_cmpuint(op.piotlb.am, ==, 9);
    g_assert_true(op.piotlb.ih);

    d = vtmt_qi_piotlb(VTM_QI_PIOTLB_PASID, 7, 3, 0x7654321000ULL, 9, true);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpuint(op.piotlb.gran, ==, VTM_QI_PIOTLB_PASID);
    g_assert_cmpuint(op.piotlb.pasid, ==, 3);
    g_assert_cmphex(op.piotlb.addr, ==, 0);     /* ignored fields */
    g_assert_cmpuint(op.piotlb.am, ==, 0);
    g_assert_false(op.piotlb.ih);

    /* AM above MAMV; G=00b and 01b reserved */
    d = vtmt_qi_piotlb(VTM_QI_PIOTLB_PAGE, 7, 3, 0, 10, false);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_RSVD);
    d = vtmt_qi_piotlb(0, 7, 3, 0, 0, false);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_RSVD);
    d = vtmt_qi_piotlb(1, 7, 3, 0, 0, false);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_RSVD);
}

/* Type 8 */
static void test_pdevtlb(void)
{
    VtmtDesc d;
    VTMInvOp op;
    VTMQiLimits no_dt = lim_sm;

    d = vtmt_qi_pdevtlb(0x0310, 0xabc, 0x1f, 0x12345, 0x40000000ULL, true,
                        true);
    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_PDEVTLB);
    g_assert_cmphex(op.pdevtlb.sid, ==, 0x0310);
    g_assert_cmphex(op.pdevtlb.pfsid, ==, 0xabc);
    g_assert_cmpuint(op.pdevtlb.mip, ==, 0x1f);
    g_assert_cmphex(op.pdevtlb.pasid, ==, 0x12345);
    g_assert_cmphex(op.pdevtlb.addr, ==, 0x40000000ULL);
    g_assert_true(op.pdevtlb.size);
    g_assert_true(op.pdevtlb.global);
    /* without a device-TLB the type does not exist */
    no_dt.dt_supported = false;
    g_assert_cmpuint(decode(&d, 256, &no_dt, &op), ==, VTM_IQEI_TYPE);
}

/* The 128-bit types keep their layout at 256 bits. */
static void test_legacy_types_wide(void)
{
    VtmtDesc d[] = {
        vtmt_qi_cc(VTM_INV_DEVICE, 9, 0x0310, 2),
        vtmt_qi_iotlb(VTM_INV_PAGE, 9, 0x5000, 1, true),
        vtmt_qi_devtlb(0x0310, 0, 0, 0x5000, false),
        vtmt_qi_iec(false, 17, 2),
        vtmt_qi_wait(true, false, true, 0xcafe, 0x8000),
    };
    static const VTMInvType types[] = {
        VTM_INV_CC, VTM_INV_IOTLB, VTM_INV_DEVTLB, VTM_INV_IEC,
        VTM_INV_WAIT,
    };
    VTMInvOp op, op128;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(d); i++) {
        g_assert_cmpuint(decode(&d[i], 256, &lim_sm, &op), ==,
                         VTM_IQEI_NONE);
        g_assert_cmpint(op.type, ==, types[i]);
        g_assert_cmpuint(decode(&d[i], 128, &lim_sm, &op128), ==,
                         VTM_IQEI_NONE);
        g_assert_cmpmem(&op, sizeof(op), &op128, sizeof(op128));
        /* bits 255:128 are reserved at 256 bits, unread at 128 */
        d[i].qw[2 + i % 2] = BIT_ULL(i * 11);
        g_assert_cmpuint(decode(&d[i], 256, &lim_sm, &op), ==,
                         VTM_IQEI_RSVD);
        g_assert_cmpuint(decode(&d[i], 128, &lim_sm, &op), ==,
                         VTM_IQEI_NONE);
    }
}

/* Types 6-8: need SMTS, and a 256-bit queue. */
static void test_width_and_type(void)
{
    VtmtDesc d[] = {
        vtmt_qi_piotlb(VTM_QI_PIOTLB_PASID, 1, 1, 0, 0, false),
        vtmt_qi_pc(VTM_QI_PC_GLOBAL, 0, 0),
        vtmt_qi_pdevtlb(1, 0, 0, 1, 0, false, false),
    };
    VTMQiLimits legacy = lim_sm;
    VTMInvOp op;
    VtmtDesc bad = { { 0 } };
    unsigned i, type;

    legacy.sm_supported = false;
    for (i = 0; i < ARRAY_SIZE(d); i++) {
        g_assert_cmpuint(decode(&d[i], 128, &lim_sm, &op), ==,
                         VTM_IQEI_WIDTH);
        g_assert_cmpuint(decode(&d[i], 256, &legacy, &op), ==,
                         VTM_IQEI_TYPE);
        g_assert_cmpuint(decode(&d[i], 128, &legacy, &op), ==,
                         VTM_IQEI_TYPE);
    }
    /* type 0, 9 (page group response: no PRS), 15, and TYPE_HI set */
    for (type = 0; type < 128; type++) {
        if (type >= VTM_QI_CC && type <= VTM_QI_PDEVTLB) {
            continue;
        }
        bad.qw[0] = FIELD_DP64(FIELD_DP64(0, QI_LO, TYPE_LO, type & 15),
                               QI_LO, TYPE_HI, type >> 4);
        g_assert_cmpuint(decode(&bad, 256, &lim_sm, &op), ==,
                         VTM_IQEI_TYPE);
        g_assert_cmpuint(decode(&bad, 128, &lim_sm, &op), ==,
                         VTM_IQEI_TYPE);
    }
}

/* Bits [hi:lo] of a 256-bit descriptor, transcribed from 6.5.2. */
typedef struct Range {
    unsigned lo, hi;
} Range;

static void check_rsvd(const char *what, VtmtDesc d, const Range *r,
                       unsigned n)
{
    VTMInvOp op;
    unsigned i, bit;

    g_assert_cmpuint(decode(&d, 256, &lim_sm, &op), ==, VTM_IQEI_NONE);
    for (i = 0; i < n; i++) {
        for (bit = r[i].lo; bit <= r[i].hi; bit++) {
            VtmtDesc m = d;

            m.qw[bit / 64] ^= BIT_ULL(bit % 64);
            if (decode(&m, 256, &lim_sm, &op) != VTM_IQEI_RSVD) {
                g_test_message("%s: reserved bit %u accepted", what, bit);
                g_assert_not_reached();
            }
        }
    }
}

static void test_rsvd(void)
{
    static const Range pc[] = {
        { 6, 8 }, { 12, 15 }, { 52, 63 }, { 64, 255 },
    };
    static const Range piotlb[] = {
        { 6, 8 }, { 12, 15 }, { 52, 63 }, { 71, 75 }, { 128, 255 },
    };
    static const Range pdevtlb[] = { { 65, 74 }, { 128, 255 } };

    check_rsvd("pc", vtmt_qi_pc(VTM_QI_PC_PASID, 1, 2), pc,
               ARRAY_SIZE(pc));
    check_rsvd("piotlb", vtmt_qi_piotlb(VTM_QI_PIOTLB_PAGE, 1, 2, 0x1000, 0,
                                        false), piotlb, ARRAY_SIZE(piotlb));
    check_rsvd("pdevtlb", vtmt_qi_pdevtlb(1, 2, 3, 4, 0x1000, false, false),
               pdevtlb, ARRAY_SIZE(pdevtlb));
}

/* Random descriptors: any outcome but a crash, and a defined code. */
static void test_fuzz(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(0x256);
    unsigned i, k;

    for (i = 0; i < 200000; i++) {
        VtmtDesc d;
        VTMInvOp op;
        uint8_t e;

        for (k = 0; k < 4; k++) {
            d.qw[k] = (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
            /* sparse, so that valid ones occur too */
            if (g_rand_int_range(rand, 0, 4)) {
                d.qw[k] &= (uint64_t)g_rand_int(rand) &
                           (uint64_t)g_rand_int(rand) &
                           (k ? 0 : 0xffffffffffff00ffULL);
            }
        }
        d.qw[0] = FIELD_DP64(d.qw[0], QI_LO, TYPE_HI, 0);
        e = decode(&d, g_rand_boolean(rand) ? 256 : 128, &lim_sm, &op);
        g_assert(e == VTM_IQEI_NONE || e == VTM_IQEI_TYPE ||
                 e == VTM_IQEI_RSVD || e == VTM_IQEI_WIDTH);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/sm-qi/pc", test_pc);
    g_test_add_func("/vtm/sm-qi/piotlb", test_piotlb);
    g_test_add_func("/vtm/sm-qi/pdevtlb", test_pdevtlb);
    g_test_add_func("/vtm/sm-qi/legacy-types-256", test_legacy_types_wide);
    g_test_add_func("/vtm/sm-qi/width-and-type", test_width_and_type);
    g_test_add_func("/vtm/sm-qi/rsvd", test_rsvd);
    g_test_add_func("/vtm/sm-qi/fuzz", test_fuzz);
    return g_test_run();
}
