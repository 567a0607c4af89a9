/*
 * Unit tests for vtm's invalidation decoding: queued-invalidation
 * descriptors (VT-d 6.5.2) and the CCMD / IOTLB registers (11.4.6, 11.4.8).
 *
 * The reserved-bit layouts are transcribed here from the spec's
 * descriptor figures as bit ranges, independently of vtm-defs.h, and the
 * masks there are checked against them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-qi.h"
#include "vtm-testlib.h"

static const VTMQiLimits lim_all = {
    .mamv = 9, .dt_supported = true, .ir_supported = true,
};

/* Decodes into an op pre-filled with junk: stale fields must not leak. */
static uint8_t decode(uint64_t lo, uint64_t hi, const VTMQiLimits *lim,
                      VTMInvOp *op)
{
    uint64_t desc[2] = { lo, hi };

    memset(op, 0xa5, sizeof(*op));
    return vtm_qi_decode(desc, lim, op);
}

static uint64_t cc_lo(unsigned g, uint16_t did, uint16_t sid, uint8_t fm)
{
    return vtmt_qi_cc(g, did, sid, fm).qw[0];
}

static uint64_t iotlb_lo(unsigned g, uint16_t did, bool dr, bool dw)
{
    uint64_t lo = vtmt_qi_iotlb(g, did, 0, 0, false).qw[0];

    lo = FIELD_DP64(lo, QI_IOTLB_LO, DR, dr);
    return FIELD_DP64(lo, QI_IOTLB_LO, DW, dw);
}

static uint64_t iotlb_hi(uint64_t addr, unsigned am, bool ih)
{
    return vtmt_qi_iotlb(VTM_INV_PAGE, 0, addr, am, ih).qw[1];
}

static void test_cc(void)
{
    VTMInvOp op;

    g_assert_cmpuint(decode(cc_lo(3, 0xabcd, 0x1234, 3), 0, &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_CC);
    g_assert_cmpuint(op.cc.gran, ==, VTM_INV_DEVICE);
    g_assert_cmphex(op.cc.did, ==, 0xabcd);
    g_assert_cmphex(op.cc.sid, ==, 0x1234);
    g_assert_cmpuint(op.cc.fm, ==, 3);

    /* Domain-selective: SID and FM are ignored */
    g_assert_cmpuint(decode(cc_lo(2, 0x0042, 0x1234, 2), 0, &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_CC);
    g_assert_cmpuint(op.cc.gran, ==, VTM_INV_DOMAIN);
    g_assert_cmphex(op.cc.did, ==, 0x42);
    g_assert_cmphex(op.cc.sid, ==, 0);
    g_assert_cmpuint(op.cc.fm, ==, 0);

    /* Global: nothing else matters */
    g_assert_cmpuint(decode(cc_lo(1, 0xffff, 0xffff, 1), 0, &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmpuint(op.cc.gran, ==, VTM_INV_GLOBAL);
    g_assert_cmphex(op.cc.did, ==, 0);
    g_assert_cmphex(op.cc.sid, ==, 0);
    g_assert_cmpuint(op.cc.fm, ==, 0);

    /* Granularity 0 is reserved */
    g_assert_cmpuint(decode(cc_lo(0, 1, 2, 0), 0, &lim_all, &op),
                     ==, VTM_IQEI_RSVD);
}

static void test_iotlb(void)
{
    VTMInvOp op;

    g_assert_cmpuint(decode(iotlb_lo(3, 0x0055, true, true),
                            iotlb_hi(0x123456789000ULL, 5, true),
                            &lim_all, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_IOTLB);
    g_assert_cmpuint(op.iotlb.gran, ==, VTM_INV_PAGE);
    g_assert_cmphex(op.iotlb.did, ==, 0x55);
    g_assert_cmphex(op.iotlb.addr, ==, 0x123456789000ULL);
    g_assert_cmpuint(op.iotlb.am, ==, 5);
    g_assert_true(op.iotlb.ih);
    g_assert_true(op.iotlb.dr);
    g_assert_true(op.iotlb.dw);

    /* The address is kept as given, not aligned to 2^AM pages */
    g_assert_cmpuint(decode(iotlb_lo(3, 7, false, false),
                            iotlb_hi(0x1000, 2, false), &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmphex(op.iotlb.addr, ==, 0x1000);
    g_assert_cmpuint(op.iotlb.am, ==, 2);
    g_assert_false(op.iotlb.ih);
    g_assert_false(op.iotlb.dr);
    g_assert_false(op.iotlb.dw);

    /* Every address bit 63:12 is carried */
    g_assert_cmpuint(decode(iotlb_lo(3, 7, false, true),
                            iotlb_hi(~0ULL, 0, false), &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmphex(op.iotlb.addr, ==, 0xfffffffffffff000ULL);
    g_assert_false(op.iotlb.dr);
    g_assert_true(op.iotlb.dw);

    /* Domain-selective: address fields ignored, even an AM above MAMV */
    g_assert_cmpuint(decode(iotlb_lo(2, 0x1234, true, false),
                            iotlb_hi(0xabc000, 63, true), &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmpuint(op.iotlb.gran, ==, VTM_INV_DOMAIN);
    g_assert_cmphex(op.iotlb.did, ==, 0x1234);
    g_assert_cmphex(op.iotlb.addr, ==, 0);
    g_assert_cmpuint(op.iotlb.am, ==, 0);
    g_assert_false(op.iotlb.ih);
    g_assert_true(op.iotlb.dr);

    /* Global: the domain too */
    g_assert_cmpuint(decode(iotlb_lo(1, 0x1234, false, false),
                            iotlb_hi(0xabc000, 3, true), &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmpuint(op.iotlb.gran, ==, VTM_INV_GLOBAL);
    g_assert_cmphex(op.iotlb.did, ==, 0);
    g_assert_cmphex(op.iotlb.addr, ==, 0);

    g_assert_cmpuint(decode(iotlb_lo(0, 1, false, false), 0, &lim_all, &op),
                     ==, VTM_IQEI_RSVD);
}

static void test_iotlb_am(void)
{
    VTMQiLimits lim = lim_all;
    VTMInvOp op;
    unsigned am;

    for (am = 0; am < 64; am++) {
        uint8_t want = am <= lim.mamv ? VTM_IQEI_NONE : VTM_IQEI_RSVD;

        g_assert_cmpuint(decode(iotlb_lo(3, 1, false, false),
                                iotlb_hi(0x40000000, am, false), &lim, &op),
                         ==, want);
        if (want == VTM_IQEI_NONE) {
            g_assert_cmpuint(op.iotlb.am, ==, am);
        }
    }
    lim.mamv = 0;
    g_assert_cmpuint(decode(iotlb_lo(3, 1, false, false),
                            iotlb_hi(0x5000, 0, false), &lim, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmpuint(decode(iotlb_lo(3, 1, false, false),
                            iotlb_hi(0x4000, 1, false), &lim, &op),
                     ==, VTM_IQEI_RSVD);
}

static uint64_t devtlb_lo(uint16_t sid, uint16_t pfsid, uint8_t mip)
{
    return vtmt_qi_devtlb(sid, pfsid, mip, 0, false).qw[0];
}

/* The register-based interface's values (11.4.7.1, 11.4.8) */
static uint64_t ccmd(unsigned cirg, uint16_t did, uint16_t sid, uint8_t fm)
{
    return vtmt_reg_ccmd(cirg, did, sid, fm);
}

static uint64_t iotlb_reg(unsigned iirg, uint16_t did, bool dr, bool dw)
{
    return vtmt_reg_iotlb(iirg, did, dr, dw);
}

static uint64_t iva(uint64_t addr, unsigned am, bool ih)
{
    return vtmt_reg_iva(addr, am, ih);
}

static void test_devtlb(void)
{
    VTMQiLimits lim = lim_all;
    VTMInvOp op;
    uint64_t lo = devtlb_lo(0x0810, 0xabc5, 31);
    uint64_t hi = 0x7ffff000ULL | 1;

    /* Fields by absolute position too, in case FIELD()s were wrong */
    g_assert_cmphex(lo, ==, 0xabc00810001f5003ULL);
    g_assert_cmpuint(decode(lo, hi, &lim, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_DEVTLB);
    g_assert_cmphex(op.devtlb.sid, ==, 0x0810);
    g_assert_cmphex(op.devtlb.pfsid, ==, 0xabc5);
    g_assert_cmpuint(op.devtlb.mip, ==, 31);
    g_assert_true(op.devtlb.size);
    g_assert_cmphex(op.devtlb.addr, ==, 0x7ffff000ULL);

    g_assert_cmpuint(decode(devtlb_lo(0xffff, 0, 0), 0xfffffffffffff000ULL,
                            &lim, &op), ==, VTM_IQEI_NONE);
    g_assert_cmphex(op.devtlb.sid, ==, 0xffff);
    g_assert_cmphex(op.devtlb.pfsid, ==, 0);
    g_assert_cmpuint(op.devtlb.mip, ==, 0);
    g_assert_false(op.devtlb.size);
    g_assert_cmphex(op.devtlb.addr, ==, 0xfffffffffffff000ULL);

    /* Without ECAP.DT the type does not exist, reserved bits or not */
    lim.dt_supported = false;
    g_assert_cmpuint(decode(lo, hi, &lim, &op), ==, VTM_IQEI_TYPE);
    g_assert_cmpuint(decode(lo | (1ULL << 4), hi, &lim, &op), ==,
                     VTM_IQEI_TYPE);
}

static void test_iec(void)
{
    VTMQiLimits lim = lim_all;
    VTMInvOp op;
    uint64_t lo = VTM_QI_IEC;

    lo = FIELD_DP64(lo, QI_IEC_LO, G, VTM_QI_IEC_INDEX);
    lo = FIELD_DP64(lo, QI_IEC_LO, IIDX, 0xbeef);
    lo = FIELD_DP64(lo, QI_IEC_LO, IM, 7);
    g_assert_cmphex(lo, ==, 0x0000beef38000014ULL);
    g_assert_cmpuint(decode(lo, 0, &lim, &op), ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_IEC);
    g_assert_false(op.iec.global);
    g_assert_cmphex(op.iec.index, ==, 0xbeef);
    g_assert_cmpuint(op.iec.im, ==, 7);

    /* G = 0 is global (not reserved, unlike the 2-bit granularities) */
    lo = FIELD_DP64(lo, QI_IEC_LO, G, VTM_QI_IEC_GLOBAL);
    g_assert_cmpuint(decode(lo, 0, &lim, &op), ==, VTM_IQEI_NONE);
    g_assert_true(op.iec.global);
    g_assert_cmphex(op.iec.index, ==, 0);
    g_assert_cmpuint(op.iec.im, ==, 0);

    lim.ir_supported = false;
    g_assert_cmpuint(decode(lo, 0, &lim, &op), ==, VTM_IQEI_TYPE);
}

static void test_wait(void)
{
    VTMInvOp op;
    uint64_t lo = VTM_QI_WAIT;

    lo = FIELD_DP64(lo, QI_WAIT_LO, SW, 1);
    lo = FIELD_DP64(lo, QI_WAIT_LO, FN, 1);
    lo = FIELD_DP64(lo, QI_WAIT_LO, SDATA, 0xdeadbeef);
    g_assert_cmphex(lo, ==, 0xdeadbeef00000065ULL);
    g_assert_cmpuint(decode(lo, 0x000000012345678cULL, &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmpint(op.type, ==, VTM_INV_WAIT);
    g_assert_true(op.wait.status_write);
    g_assert_true(op.wait.fence);
    g_assert_false(op.wait.intr);
    g_assert_cmphex(op.wait.data, ==, 0xdeadbeef);
    g_assert_cmphex(op.wait.addr, ==, 0x12345678cULL);

    /* Status address bits 63:2, all of them */
    g_assert_cmpuint(decode(lo, 0xfffffffffffffffcULL, &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_cmphex(op.wait.addr, ==, 0xfffffffffffffffcULL);

    /* IF only: data and address unused */
    lo = FIELD_DP64(VTM_QI_WAIT, QI_WAIT_LO, IF, 1);
    lo = FIELD_DP64(lo, QI_WAIT_LO, SDATA, 0x1234);
    g_assert_cmpuint(decode(lo, 0x1000, &lim_all, &op), ==, VTM_IQEI_NONE);
    g_assert_true(op.wait.intr);
    g_assert_false(op.wait.status_write);
    g_assert_false(op.wait.fence);
    g_assert_cmphex(op.wait.data, ==, 0);
    g_assert_cmphex(op.wait.addr, ==, 0);

    /* PD (bit 7) is a defined field, accepted */
    g_assert_cmpuint(decode(VTM_QI_WAIT | (1ULL << 7), 0, &lim_all, &op),
                     ==, VTM_IQEI_NONE);
    g_assert_false(op.wait.intr || op.wait.status_write || op.wait.fence);
}

static void test_bad_types(void)
{
    static const uint64_t lows[] = {
        0x0, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf,
        /* bits 11:9 are type bits 6:4 */
        VTM_QI_CC | (1ULL << 9), VTM_QI_WAIT | (7ULL << 9),
        VTM_QI_IOTLB | (2ULL << 9), 0x1ULL << 10,
        /* PASID-based types with plausible contents */
        VTM_QI_PIOTLB | (1ULL << 4), VTM_QI_PC | (3ULL << 4),
        VTM_QI_PDEVTLB | (1ULL << 32),
    };
    VTMInvOp op;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(lows); i++) {
        g_assert_cmpuint(decode(lows[i], 0, &lim_all, &op), ==,
                         VTM_IQEI_TYPE);
    }
}

/*
 * Reserved fields as the spec's descriptor figures give them, in 128-bit
 * bit numbers (hi:lo), plus a descriptor that decodes cleanly.
 */
typedef struct Range {
    unsigned hi, lo;
} Range;

typedef struct RsvdCase {
    const char *name;
    uint64_t lo, hi;                /* valid descriptor */
    Range rsvd[5];                  /* terminated by {0, 0} */
    uint64_t def_lo, def_hi;        /* the vtm-defs.h masks */
} RsvdCase;

static const RsvdCase rsvd_cases[] = {
    {   "cc", VTM_QI_CC | 3ULL << 4, 0,
        { { 8, 6 }, { 15, 12 }, { 63, 50 }, { 127, 64 } },
        VTM_QI_CC_LO_RSVD, VTM_QI_CC_HI_RSVD },
    {   "iotlb", VTM_QI_IOTLB | 3ULL << 4, 0x10000,
        { { 8, 8 }, { 15, 12 }, { 63, 32 }, { 75, 71 } },
        VTM_QI_IOTLB_LO_RSVD, VTM_QI_IOTLB_HI_RSVD },
    {   "devtlb", VTM_QI_DEVTLB, 0x1000,
        { { 8, 4 }, { 31, 21 }, { 51, 48 }, { 75, 65 } },
        VTM_QI_DEVTLB_LO_RSVD, VTM_QI_DEVTLB_HI_RSVD },
    {   "iec", VTM_QI_IEC | 1ULL << 4, 0,
        { { 8, 5 }, { 26, 12 }, { 63, 48 }, { 127, 64 } },
        VTM_QI_IEC_LO_RSVD, VTM_QI_IEC_HI_RSVD },
    {   "wait", VTM_QI_WAIT | 1ULL << 5, 0x1000,
        { { 8, 8 }, { 31, 12 }, { 65, 64 } },
        VTM_QI_WAIT_LO_RSVD, VTM_QI_WAIT_HI_RSVD },
};

static bool in_ranges(const Range *r, unsigned bit)
{
    for (; r->hi; r++) {
        if (bit >= r->lo && bit <= r->hi) {
            return true;
        }
    }
    return false;
}

/*
 * Every reserved bit alone gives VTM_IQEI_RSVD; every other bit outside
 * the type field decodes cleanly (mamv 63: any AM is acceptable); type
 * bits 11:9 make an invalid type.
 */
static void test_rsvd_bits(gconstpointer data)
{
    const RsvdCase *rc = data;
    VTMQiLimits lim = lim_all;
    uint64_t mask[2] = { 0, 0 };
    VTMInvOp op;
    unsigned bit;

    lim.mamv = 63;
    g_assert_cmpuint(decode(rc->lo, rc->hi, &lim, &op), ==, VTM_IQEI_NONE);
    for (bit = 4; bit < 128; bit++) {
        uint64_t d[2] = { rc->lo, rc->hi };
        uint8_t want = VTM_IQEI_NONE;

        d[bit / 64] ^= 1ULL << (bit % 64);
        if (in_ranges(rc->rsvd, bit)) {
            mask[bit / 64] |= 1ULL << (bit % 64);
            want = VTM_IQEI_RSVD;
        } else if (bit >= 9 && bit <= 11) {
            want = VTM_IQEI_TYPE;
        }
        if (decode(d[0], d[1], &lim, &op) != want) {
            g_error("%s: bit %u: got %u, want %u", rc->name, bit,
                    decode(d[0], d[1], &lim, &op), want);
        }
    }
    g_assert_cmphex(mask[0], ==, rc->def_lo);
    g_assert_cmphex(mask[1], ==, rc->def_hi);
}

static void test_ccmd(void)
{
    VTMInvOp op;

    /* ICC, 3 << 61, FM 2, SID 0x00f8, DID 0x0007 */
    g_assert_cmphex(ccmd(3, 7, 0xf8, 2), ==, 0xe000000200f80007ULL);
    memset(&op, 0xa5, sizeof(op));
    g_assert_true(vtm_qi_from_ccmd(ccmd(3, 7, 0xf8, 2), &op));
    g_assert_cmpint(op.type, ==, VTM_INV_CC);
    g_assert_cmpuint(op.cc.gran, ==, VTM_INV_DEVICE);
    g_assert_cmphex(op.cc.did, ==, 7);
    g_assert_cmphex(op.cc.sid, ==, 0xf8);
    g_assert_cmpuint(op.cc.fm, ==, 2);

    g_assert_true(vtm_qi_from_ccmd(ccmd(2, 9, 0xf8, 2), &op));
    g_assert_cmpuint(op.cc.gran, ==, VTM_INV_DOMAIN);
    g_assert_cmphex(op.cc.did, ==, 9);
    g_assert_cmphex(op.cc.sid, ==, 0);
    g_assert_cmpuint(op.cc.fm, ==, 0);

    /* CAIG bits (written by hardware) do not disturb the decode */
    g_assert_true(vtm_qi_from_ccmd(ccmd(1, 9, 1, 1) | 3ULL << 59, &op));
    g_assert_cmpuint(op.cc.gran, ==, VTM_INV_GLOBAL);
    g_assert_cmphex(op.cc.did, ==, 0);

    g_assert_false(vtm_qi_from_ccmd(ccmd(0, 9, 1, 1), &op));
}

static void test_iotlb_reg(void)
{
    VTMInvOp op;

    /* IVT, 3 << 60, DR, DID 0x0102 */
    g_assert_cmphex(iotlb_reg(3, 0x102, true, false), ==,
                    0xb002010200000000ULL);
    g_assert_cmphex(iva(0xabcdef000ULL, 4, true), ==, 0xabcdef044ULL);
    memset(&op, 0xa5, sizeof(op));
    g_assert_true(vtm_qi_from_iotlb_reg(iotlb_reg(3, 0x102, true, false),
                                        iva(0xabcdef000ULL, 4, true), 9,
                                        &op));
    g_assert_cmpint(op.type, ==, VTM_INV_IOTLB);
    g_assert_cmpuint(op.iotlb.gran, ==, VTM_INV_PAGE);
    g_assert_cmphex(op.iotlb.did, ==, 0x102);
    g_assert_cmphex(op.iotlb.addr, ==, 0xabcdef000ULL);
    g_assert_cmpuint(op.iotlb.am, ==, 4);
    g_assert_true(op.iotlb.ih);
    g_assert_true(op.iotlb.dr);
    g_assert_false(op.iotlb.dw);

    /* IVA bits 11:7 are reserved: they never reach the address */
    g_assert_true(vtm_qi_from_iotlb_reg(iotlb_reg(3, 1, false, true),
                                        iva(0x5000, 0, false) | 0xf80, 9,
                                        &op));
    g_assert_cmphex(op.iotlb.addr, ==, 0x5000);
    g_assert_cmpuint(op.iotlb.am, ==, 0);
    g_assert_false(op.iotlb.ih);
    g_assert_true(op.iotlb.dw);

    g_assert_true(vtm_qi_from_iotlb_reg(iotlb_reg(2, 0x33, false, false),
                                        iva(0x5000, 63, true), 9, &op));
    g_assert_cmpuint(op.iotlb.gran, ==, VTM_INV_DOMAIN);
    g_assert_cmphex(op.iotlb.did, ==, 0x33);
    g_assert_cmphex(op.iotlb.addr, ==, 0);
    g_assert_cmpuint(op.iotlb.am, ==, 0);

    g_assert_true(vtm_qi_from_iotlb_reg(iotlb_reg(1, 0x33, false, false),
                                        iva(0x5000, 1, true), 9, &op));
    g_assert_cmpuint(op.iotlb.gran, ==, VTM_INV_GLOBAL);
    g_assert_cmphex(op.iotlb.did, ==, 0);

    g_assert_false(vtm_qi_from_iotlb_reg(iotlb_reg(0, 1, false, false),
                                         iva(0x5000, 0, false), 9, &op));
    /* AM above MAMV */
    g_assert_true(vtm_qi_from_iotlb_reg(iotlb_reg(3, 1, false, false),
                                        iva(0x0, 9, false), 9, &op));
    g_assert_false(vtm_qi_from_iotlb_reg(iotlb_reg(3, 1, false, false),
                                         iva(0x0, 10, false), 9, &op));
    g_assert_false(vtm_qi_from_iotlb_reg(iotlb_reg(3, 1, false, false),
                                         iva(0x0, 1, false), 0, &op));
}

int main(int argc, char **argv)
{
    unsigned i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/qi/cc", test_cc);
    g_test_add_func("/vtm/qi/iotlb", test_iotlb);
    g_test_add_func("/vtm/qi/iotlb-am", test_iotlb_am);
    g_test_add_func("/vtm/qi/devtlb", test_devtlb);
    g_test_add_func("/vtm/qi/iec", test_iec);
    g_test_add_func("/vtm/qi/wait", test_wait);
    g_test_add_func("/vtm/qi/bad-types", test_bad_types);
    for (i = 0; i < ARRAY_SIZE(rsvd_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/vtm/qi/rsvd-bits/%s", rsvd_cases[i].name);

        g_test_add_data_func(path, &rsvd_cases[i], test_rsvd_bits);
    }
    g_test_add_func("/vtm/qi/ccmd", test_ccmd);
    g_test_add_func("/vtm/qi/iotlb-reg", test_iotlb_reg);
    return g_test_run();
}
