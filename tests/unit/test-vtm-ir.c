/*
 * Unit tests of vtm's interrupt remapping core (vtm-ir.c) over a fake
 * guest memory: IRTE decode in xAPIC and x2APIC form, compatibility
 * format, every interrupt-remapping fault reason with FPD, source
 * validation, the interrupt entry cache and its invalidation, and the
 * posted interrupt descriptor update.
 *
 * Layouts come from vtm-defs.h; expected values are what VT-d chapter 5
 * and 9.10-9.12 require.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-ir.h"
#include "vtm-testlib.h"

/* ------------------------------------------------------------------ */
/* The test library's fake memory: 2 MiB of RAM at 0.                  */

#define FAKE_SIZE           0x200000ULL
#define TABLE               0x10000ULL      /* the IRT */
#define PID                 0x100000ULL     /* a posted interrupt desc. */
#define SID_DEV             0x0120          /* 01:04.0 */

static uint64_t mem_r64(VtmtFake *fm, uint64_t addr)
{
    return vtmt_r64(&fm->mem, addr);
}

static void mem_w64(VtmtFake *fm, uint64_t addr, uint64_t val)
{
    vtmt_w64(&fm->mem, addr, val);
}

static void mem_fail(VtmtFake *fm, uint64_t addr)
{
    vtmt_fake_fail(fm, addr, 8);
}

/* ------------------------------------------------------------------ */
/* A remapping unit over the fake memory                               */

typedef struct Fix {
    VtmtFake fm;
    VTMIrConfig cfg;
    VTMIr ir;
} Fix;

static void fix_init_cfg(Fix *f, const VTMIrConfig *cfg, bool with_cas)
{
    VTMMemOps mem = {
        .read = vtmt_fake_read,
        .write = vtmt_fake_write,
        .cmpxchg64 = with_cas ? vtmt_fake_cmpxchg64 : NULL,
        .opaque = &f->fm,
    };

    memset(f, 0, sizeof(*f));
    vtmt_fake_init(&f->fm, 0);
    f->fm.size = FAKE_SIZE;
    f->cfg = *cfg;
    vtm_ir_init(&f->ir, cfg, &mem);
}

/* Remapping on with a 256-entry table at TABLE (S=7). */
static void fix_init(Fix *f, bool eime)
{
    VTMIrConfig cfg;

    vtm_ir_default_config(&cfg);
    fix_init_cfg(f, &cfg, true);
    vtm_ir_set_table(&f->ir, vtmt_irta(TABLE, 7, eime));
    f->ir.enabled = true;
    f->ir.cfis = true;
}

static void fix_fini(Fix *f)
{
    vtm_ir_destroy(&f->ir);
    vtmt_fake_destroy(&f->fm);
}

typedef VtmtIrte Irte;

static void put_raw(Fix *f, uint32_t index, uint64_t lo, uint64_t hi)
{
    uint64_t raw[2] = { lo, hi };

    vtmt_irte_put(&f->fm.mem, TABLE, index, raw);
}

static void put_irte(Fix *f, uint32_t index, const Irte *i)
{
    uint64_t raw[2];

    vtmt_irte(raw, i, f->ir.eime);
    vtmt_irte_put(&f->fm.mem, TABLE, index, raw);
}

/* A posted-format IRTE (9.11) pointing at pda. */
static void put_posted(Fix *f, uint32_t index, uint8_t vv, bool urgent,
                       uint64_t pda)
{
    uint64_t raw[2];

    vtmt_irte_posted(raw, vv, urgent, pda, false);
    vtmt_irte_put(&f->fm.mem, TABLE, index, raw);
}

/* The remappable-format request for index (5.1.2.2). */
static uint64_t remap_addr(uint32_t index, bool shv)
{
    return vtmt_msi_remap_addr(index, shv);
}

static void process(Fix *f, uint64_t addr, uint32_t data, uint16_t sid,
                    VTMIrResult *res)
{
    VTMIrRequest req = {
        .addr = addr, .data = data, .sid = sid, .sid_known = true,
    };

    vtm_ir_process(&f->ir, &req, res);
}

static void remap(Fix *f, uint32_t index, VTMIrResult *res)
{
    process(f, remap_addr(index, false), 0, SID_DEV, res);
}

static void assert_blocked(const VTMIrResult *res, VTMFaultReason fr,
                           uint32_t index, bool fpd)
{
    g_assert_cmpint(res->action, ==, VTM_IR_BLOCKED);
    g_assert_cmphex(res->fault.reason, ==, fr);
    g_assert_cmphex(res->fault.addr, ==, (uint64_t)(index & 0xffff) << 48);
    g_assert_true(res->fault.is_write);
    g_assert_cmpint(res->fault.fpd, ==, fpd);
}

static void assert_delivered(const VTMIrResult *res, uint64_t addr,
                             uint32_t data)
{
    g_assert_cmpint(res->action, ==, VTM_IR_DELIVER);
    g_assert_cmphex(res->msg_addr, ==, addr);
    g_assert_cmphex(res->msg_data, ==, data);
}

/* ------------------------------------------------------------------ */
/* Configuration, messages                                             */

static void test_config(void)
{
    VTMIrConfig cfg;
    const char *err;

    vtm_ir_default_config(&cfg);
    g_assert_null(vtm_ir_config_error(&cfg));
    g_assert_true(cfg.eim && cfg.pi);
    g_assert_cmpuint(cfg.iec.entries, ==, 64);
    g_assert_cmpuint(cfg.iec.ways, ==, 4);
    cfg.haw = 31;
    g_assert_nonnull(vtm_ir_config_error(&cfg));
    vtm_ir_default_config(&cfg);
    cfg.iec.entries = 10;
    cfg.iec.ways = 4;
    err = vtm_ir_config_error(&cfg);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "interrupt-entry-cache"));
}

static void test_msg_layout(void)
{
    /* xAPIC destination 0x12: address 19:12; no upper bits */
    g_assert_cmphex(vtm_ir_msg_addr(0x12, false, false), ==, 0xfee12000);
    g_assert_cmphex(vtm_ir_msg_addr(0x12, true, true), ==, 0xfee1200c);
    /* x2APIC destination: bits 31:8 in address 63:40 */
    g_assert_cmphex(vtm_ir_msg_addr(0x12345678, false, false), ==,
                    0x12345600fee78000ULL);
    g_assert_cmphex(vtm_ir_msg_data(0x45, 0, false), ==, 0x4045);
    g_assert_cmphex(vtm_ir_msg_data(0x45, 1, true), ==, 0xc145);
    g_assert_cmphex(vtm_ir_msg_data(0xff, 7, false), ==, 0x47ff);
}

static void test_latched_irta(void)
{
    Fix f;
    uint64_t irta = 0x12345000ULL;

    fix_init(&f, false);
    irta = FIELD_DP64(irta, IRTA, S, 0xf);
    irta = FIELD_DP64(irta, IRTA, EIME, 1);
    vtm_ir_set_table(&f.ir, irta);
    g_assert_cmphex(f.ir.table, ==, 0x12345000ULL);
    g_assert_cmpuint(f.ir.entries, ==, 65536);
    g_assert_true(f.ir.eime);
    g_assert_cmphex(vtm_ir_latched_irta(&f.ir), ==, irta);
    vtm_ir_reset(&f.ir);
    g_assert_false(f.ir.enabled || f.ir.cfis || f.ir.eime);
    g_assert_cmphex(vtm_ir_latched_irta(&f.ir), ==, 0);
    fix_fini(&f);

    /* Without ECAP.EIM, IRTA.EIME is ignored */
    {
        VTMIrConfig cfg;

        vtm_ir_default_config(&cfg);
        cfg.eim = false;
        fix_init_cfg(&f, &cfg, true);
        vtm_ir_set_table(&f.ir, irta);
        g_assert_false(f.ir.eime);
        fix_fini(&f);
    }
}

/* ------------------------------------------------------------------ */
/* Compatibility format and remapping off                              */

static void test_disabled(void)
{
    VTMIrResult res;
    Fix f;

    fix_init(&f, true);
    f.ir.enabled = false;
    put_irte(&f, 3, &(Irte) { .vector = 0x99 });
    /* both formats go out as they came, and nothing is read */
    process(&f, 0xfee01000, 0x4031, SID_DEV, &res);
    assert_delivered(&res, 0xfee01000, 0x4031);
    process(&f, remap_addr(3, false), 0, SID_DEV, &res);
    assert_delivered(&res, remap_addr(3, false), 0);
    g_assert_cmpuint(f.ir.stats.irte_reads, ==, 0);
    g_assert_cmpuint(f.ir.stats.compat, ==, 2);
    fix_fini(&f);
}

static void test_compat(void)
{
    VTMIrResult res;
    Fix f;

    fix_init(&f, false);
    /* EIME clear, CFIS set: passes unchanged */
    process(&f, 0xfee0300c, 0x8041, SID_DEV, &res);
    assert_delivered(&res, 0xfee0300c, 0x8041);
    /* CFIS clear: blocked, 25h, not qualified */
    f.ir.cfis = false;
    process(&f, 0xfee0300c, 0x8041, SID_DEV, &res);
    assert_blocked(&res, VTM_FR_IR_COMPAT_BLOCKED, 0, false);
    g_assert_cmphex(res.fault.sid, ==, SID_DEV);
    fix_fini(&f);

    /* EIME set: blocked even with CFIS set */
    fix_init(&f, true);
    process(&f, 0xfee0300c, 0x8041, SID_DEV, &res);
    assert_blocked(&res, VTM_FR_IR_COMPAT_BLOCKED, 0, false);
    g_assert_cmpuint(f.ir.stats.faults, ==, 1);
    fix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Remapped format                                                     */

static void test_remap_xapic(void)
{
    Irte i = {
        .dm = true, .rh = true, .tm = true, .dlm = 1, .vector = 0x45,
        .dest = 0x12,
    };
    VTMIrResult res;
    Fix f;

    fix_init(&f, false);
    put_irte(&f, 7, &i);
    remap(&f, 7, &res);
    assert_delivered(&res, 0xfee1200c, 0xc145);
    g_assert_true(res.remappable);
    g_assert_cmpuint(res.index, ==, 7);
    /* the xAPIC destination field is bits 47:40 */
    g_assert_cmphex(mem_r64(&f.fm, TABLE + 7 * 16) >> 40 & 0xff, ==, 0x12);
    g_assert_cmpuint(f.ir.stats.remapped, ==, 1);
    fix_fini(&f);
}

static void test_remap_x2apic(void)
{
    Irte i = { .vector = 0x31, .dest = 0x12345678, .dlm = 0 };
    VTMIrResult res;
    Fix f;

    fix_init(&f, true);
    put_irte(&f, 200, &i);
    remap(&f, 200, &res);
    assert_delivered(&res, 0x12345600fee78000ULL, 0x4031);

    /* a destination above 255 in physical mode, e.g. CPU 287 */
    i.dest = 287;
    put_irte(&f, 201, &i);
    remap(&f, 201, &res);
    assert_delivered(&res, 0x00000100fee1f000ULL, 0x4031);
    fix_fini(&f);
}

/* Index bit 15 comes from address bit 2; SHV adds the subhandle. */
static void test_index_and_subhandle(void)
{
    uint64_t irta = TABLE;
    VTMIrResult res;
    Fix f;

    fix_init(&f, true);
    vtm_ir_set_table(&f.ir, FIELD_DP64(irta, IRTA, S, 15));  /* 64K */
    f.ir.eime = true;
    mem_w64(&f.fm, TABLE + 0x8001ULL * 16, 0);      /* RAM must exist */
    put_irte(&f, 0x8001, &(Irte) { .vector = 0x81, .dest = 1 });
    remap(&f, 0x8001, &res);
    assert_delivered(&res, vtm_ir_msg_addr(1, false, false),
                     vtm_ir_msg_data(0x81, 0, false));
    g_assert_cmpuint(res.index, ==, 0x8001);

    put_irte(&f, 10, &(Irte) { .vector = 0x10 });
    put_irte(&f, 13, &(Irte) { .vector = 0x13 });
    /* SHV=0: the data (an I/O APIC pin number, say) is not looked at */
    process(&f, remap_addr(10, false), 3, SID_DEV, &res);
    g_assert_cmphex(FIELD_EX32(res.msg_data, MSI_DATA, VECTOR), ==, 0x10);
    /* SHV=1: index 10 + subhandle 3 */
    process(&f, remap_addr(10, true), 3, SID_DEV, &res);
    g_assert_cmpuint(res.index, ==, 13);
    g_assert_cmphex(FIELD_EX32(res.msg_data, MSI_DATA, VECTOR), ==, 0x13);
    /* the sum may pass 16 bits: beyond any table, 21h */
    process(&f, remap_addr(0xffff, true), 0xffff, SID_DEV, &res);
    assert_blocked(&res, VTM_FR_IR_INDEX_OVER, 0xfffe, false);
    g_assert_cmpuint(res.index, ==, 0x1fffe);
    fix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Fault reasons                                                       */

typedef struct RsvdCase {
    const char *what;
    bool eime;
    bool posted;
    uint64_t lo_bits, hi_bits;  /* set on top of a valid entry */
} RsvdCase;

static const RsvdCase rsvd_cases[] = {
    { "lo 12", false, false, BIT_ULL(12), 0 },
    { "lo 14", true, false, BIT_ULL(14), 0 },
    { "lo 24", false, false, BIT_ULL(24), 0 },
    { "lo 31", true, false, BIT_ULL(31), 0 },
    { "xapic dest 32", false, false, BIT_ULL(32), 0 },
    { "xapic dest 39", false, false, BIT_ULL(39), 0 },
    { "xapic dest 48", false, false, BIT_ULL(48), 0 },
    { "xapic dest 63", false, false, BIT_ULL(63), 0 },
    { "hi 84", false, false, 0, BIT_ULL(20) },
    { "hi 127", true, false, 0, BIT_ULL(63) },
    { "svt 11b", false, false, 0, 3ULL << R_IRTE_HI_SVT_SHIFT },
    { "dlm 011b", false, false, 3ULL << R_IRTE_LO_DLM_SHIFT, 0 },
    { "dlm 110b", true, false, 6ULL << R_IRTE_LO_DLM_SHIFT, 0 },
    { "posted 2", false, true, BIT_ULL(2), 0 },
    { "posted 7", false, true, BIT_ULL(7), 0 },
    { "posted 12", true, true, BIT_ULL(12), 0 },
    { "posted 24", true, true, BIT_ULL(24), 0 },
    { "posted 37", true, true, BIT_ULL(37), 0 },
    { "posted hi 84", true, true, 0, BIT_ULL(20) },
    { "posted hi 95", false, true, 0, BIT_ULL(31) },
    { "posted pda above haw", false, true, 0, BIT_ULL(32 + 16) },
};

static void test_fault_rsvd(void)
{
    size_t n;

    for (n = 0; n < ARRAY_SIZE(rsvd_cases); n++) {
        const RsvdCase *c = &rsvd_cases[n];
        VTMIrResult res;
        uint64_t lo, hi;
        unsigned fpd;
        Fix f;

        for (fpd = 0; fpd <= 1; fpd++) {
            g_test_message("reserved: %s, fpd %u", c->what, fpd);
            fix_init(&f, c->eime);
            if (c->posted) {
                put_posted(&f, 5, 0x40, false, PID);
            } else {
                put_irte(&f, 5, &(Irte) { .vector = 0x40, .dest = 1 });
            }
            remap(&f, 5, &res);
            g_assert_cmpint(res.action, !=, VTM_IR_BLOCKED);
            vtm_ir_invalidate(&f.ir, &(VTMInvIec) { .global = true });
            lo = mem_r64(&f.fm, TABLE + 5 * 16) | c->lo_bits;
            hi = mem_r64(&f.fm, TABLE + 5 * 16 + 8) | c->hi_bits;
            put_raw(&f, 5, FIELD_DP64(lo, IRTE_LO, FPD, fpd), hi);
            remap(&f, 5, &res);
            assert_blocked(&res, VTM_FR_IR_RSVD, 5, fpd);
            /* a faulting entry is never cached */
            g_assert_cmpuint(vtm_cache_count_valid(f.ir.iec), ==, 0);
            fix_fini(&f);
        }
    }
}

/* The destination bits reserved in xAPIC form are the x2APIC ID's. */
static void test_x2apic_dest_not_reserved(void)
{
    uint64_t raw[2];
    VTMIrResult res;
    Fix f;

    fix_init(&f, true);
    vtmt_irte(raw, &(Irte) { .vector = 0x40 }, true);
    put_raw(&f, 5, raw[0] | 0xffff00ff00000000ULL, raw[1]);
    remap(&f, 5, &res);
    assert_delivered(&res, vtm_ir_msg_addr(0xffff00ff, false, false),
                     vtm_ir_msg_data(0x40, 0, false));
    fix_fini(&f);
}

static void test_fault_reasons(void)
{
    VTMIrResult res;
    VTMIrConfig cfg;
    Fix f;

    fix_init(&f, false);
    put_irte(&f, 1, &(Irte) { .fpd = true, .vector = 0x40 });

    /* 20h: data bits 31:16 set in remappable format; unqualified */
    process(&f, remap_addr(1, false), 0x10000, SID_DEV, &res);
    assert_blocked(&res, VTM_FR_IR_REQ_RSVD, 1, false);
    /* 21h: index at the table size; unqualified */
    remap(&f, 256, &res);
    assert_blocked(&res, VTM_FR_IR_INDEX_OVER, 256, false);
    /* 22h: not present, FPD clear and set */
    put_raw(&f, 2, 0, 0);
    remap(&f, 2, &res);
    assert_blocked(&res, VTM_FR_IR_NOT_PRESENT, 2, false);
    put_raw(&f, 2, R_IRTE_LO_FPD_MASK, 0);
    remap(&f, 2, &res);
    assert_blocked(&res, VTM_FR_IR_NOT_PRESENT, 2, true);
    /* 23h: the table cannot be read; unqualified */
    mem_fail(&f.fm, TABLE + 3 * 16 + 8);
    remap(&f, 3, &res);
    assert_blocked(&res, VTM_FR_IR_ROOT_ACCESS, 3, false);
    /* 26h: source validation, with and without FPD */
    put_irte(&f, 4, &(Irte) { .svt = VTM_SVT_SID, .sid = 0x0200 });
    remap(&f, 4, &res);
    assert_blocked(&res, VTM_FR_IR_SID_INVALID, 4, false);
    g_assert_cmphex(res.fault.sid, ==, SID_DEV);
    put_irte(&f, 6, &(Irte) { .fpd = true, .svt = VTM_SVT_SID,
                              .sid = 0x0200 });
    remap(&f, 6, &res);
    assert_blocked(&res, VTM_FR_IR_SID_INVALID, 6, true);
    /* an unknown requester is not validated */
    {
        VTMIrRequest req = { .addr = remap_addr(4, false) };

        vtm_ir_process(&f.ir, &req, &res);
        g_assert_cmpint(res.action, ==, VTM_IR_DELIVER);
    }
    fix_fini(&f);

    /* 21h: an IRTE above the host address width */
    vtm_ir_default_config(&cfg);
    cfg.haw = 32;
    fix_init_cfg(&f, &cfg, true);
    vtm_ir_set_table(&f.ir, FIELD_DP64(0xfffff000ULL, IRTA, S, 8));
    f.ir.enabled = true;
    remap(&f, 300, &res);
    assert_blocked(&res, VTM_FR_IR_INDEX_OVER, 300, false);
    g_assert_cmpuint(f.ir.stats.irte_reads, ==, 0);
    /* 24h: a posted IRTE without CAP.PI */
    fix_fini(&f);
    vtm_ir_default_config(&cfg);
    cfg.pi = false;
    fix_init_cfg(&f, &cfg, true);
    vtm_ir_set_table(&f.ir, FIELD_DP64(TABLE, IRTA, S, 7));
    f.ir.enabled = true;
    put_posted(&f, 9, 0x40, false, PID);
    remap(&f, 9, &res);
    assert_blocked(&res, VTM_FR_IR_RSVD, 9, false);
    fix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Source validation (9.10 SVT, SQ, SID)                               */

typedef struct SidCase {
    uint8_t svt, sq;
    uint16_t sid;               /* in the IRTE */
    uint16_t req;               /* of the requester */
    bool ok;
} SidCase;

static const SidCase sid_cases[] = {
    { VTM_SVT_NONE, 0, 0x1234, 0xffff, true },
    { VTM_SVT_SID, 0, 0x0120, 0x0120, true },
    { VTM_SVT_SID, 0, 0x0120, 0x0121, false },
    { VTM_SVT_SID, 0, 0x0120, 0x0220, false },
    { VTM_SVT_SID, 1, 0x0120, 0x0124, true },     /* ignores fn bit 2 */
    { VTM_SVT_SID, 1, 0x0120, 0x0122, false },
    { VTM_SVT_SID, 2, 0x0120, 0x0126, true },     /* bits 2:1 */
    { VTM_SVT_SID, 2, 0x0120, 0x0121, false },
    { VTM_SVT_SID, 3, 0x0120, 0x0127, true },     /* bits 2:0 */
    { VTM_SVT_SID, 3, 0x0120, 0x0128, false },    /* another device */
    { VTM_SVT_BUS, 0, 0x0205, 0x0200, true },     /* buses 2..5 */
    { VTM_SVT_BUS, 0, 0x0205, 0x02ff, true },
    { VTM_SVT_BUS, 0, 0x0205, 0x0500, true },
    { VTM_SVT_BUS, 0, 0x0205, 0x0600, false },
    { VTM_SVT_BUS, 0, 0x0205, 0x0100, false },
    { VTM_SVT_BUS, 3, 0xffff, 0xff00, true },     /* SQ not used */
    { VTM_SVT_BUS, 0, 0x0502, 0x0300, false },    /* empty range */
};

static void test_source_validation(void)
{
    size_t n;

    for (n = 0; n < ARRAY_SIZE(sid_cases); n++) {
        const SidCase *c = &sid_cases[n];
        VTMIrResult res;
        Fix f;

        fix_init(&f, false);
        put_irte(&f, 8, &(Irte) { .vector = 0x50, .svt = c->svt,
                                  .sq = c->sq, .sid = c->sid });
        process(&f, remap_addr(8, false), 0, c->req, &res);
        g_test_message("svt %u sq %u sid %04x req %04x", c->svt, c->sq,
                       c->sid, c->req);
        if (c->ok) {
            g_assert_cmpint(res.action, ==, VTM_IR_DELIVER);
        } else {
            assert_blocked(&res, VTM_FR_IR_SID_INVALID, 8, false);
        }
        fix_fini(&f);
    }
}

/* ------------------------------------------------------------------ */
/* The interrupt entry cache                                           */

static uint8_t vector_of(Fix *f, uint32_t index)
{
    VTMIrResult res;

    remap(f, index, &res);
    g_assert_cmpint(res.action, ==, VTM_IR_DELIVER);
    return FIELD_EX32(res.msg_data, MSI_DATA, VECTOR);
}

static void test_iec_stale(void)
{
    const VTMCacheStats *st;
    Fix f;

    fix_init(&f, false);
    st = vtm_cache_stats(f.ir.iec);
    put_irte(&f, 20, &(Irte) { .vector = 0x20 });
    g_assert_cmphex(vector_of(&f, 20), ==, 0x20);
    g_assert_cmphex(vector_of(&f, 20), ==, 0x20);
    g_assert_cmpuint(f.ir.stats.irte_reads, ==, 1);
    g_assert_cmpuint(st->lookups, ==, 2);
    g_assert_cmpuint(st->hits, ==, 1);

    /* changed in memory: the cached entry is used until invalidated */
    put_irte(&f, 20, &(Irte) { .vector = 0x21 });
    g_assert_cmphex(vector_of(&f, 20), ==, 0x20);
    vtm_ir_invalidate(&f.ir, &(VTMInvIec) { .index = 20, .im = 0 });
    g_assert_cmphex(vector_of(&f, 20), ==, 0x21);
    g_assert_cmpuint(f.ir.stats.irte_reads, ==, 2);

    /* global */
    put_irte(&f, 20, &(Irte) { .vector = 0x22 });
    vtm_ir_invalidate(&f.ir, &(VTMInvIec) { .index = 99, .im = 0 });
    g_assert_cmphex(vector_of(&f, 20), ==, 0x21);
    vtm_ir_invalidate(&f.ir, &(VTMInvIec) { .global = true });
    g_assert_cmphex(vector_of(&f, 20), ==, 0x22);
    g_assert_cmpuint(f.ir.stats.inv_iec, ==, 3);

    /* a not-present entry is not cached: filling it needs no flush */
    put_raw(&f, 21, 0, 0);
    vtm_ir_invalidate(&f.ir, &(VTMInvIec) { .global = true });
    {
        VTMIrResult res;

        remap(&f, 21, &res);
        assert_blocked(&res, VTM_FR_IR_NOT_PRESENT, 21, false);
    }
    put_irte(&f, 21, &(Irte) { .vector = 0x31 });
    g_assert_cmphex(vector_of(&f, 21), ==, 0x31);
    fix_fini(&f);
}

/* Index-selective with a mask: 2^IM entries, aligned down. */
static void test_iec_mask(void)
{
    static const struct {
        uint16_t index;
        uint8_t im;
        uint32_t first, last;
    } cases[] = {
        { 5, 0, 5, 5 },
        { 5, 2, 4, 7 },
        { 6, 3, 0, 7 },
        { 130, 7, 128, 255 },       /* 128 >= cache lines: predicate */
        { 0, 16, 0, 255 },          /* the whole table */
        { 77, 31, 0, 255 },
    };
    size_t n;
    uint32_t i;

    for (n = 0; n < ARRAY_SIZE(cases); n++) {
        VTMIrConfig cfg;
        Fix f;

        vtm_ir_default_config(&cfg);
        cfg.iec.entries = 256;
        cfg.iec.ways = 256;         /* hold every entry */
        fix_init_cfg(&f, &cfg, true);
        vtm_ir_set_table(&f.ir, FIELD_DP64(TABLE, IRTA, S, 7));
        f.ir.enabled = true;
        for (i = 0; i < 256; i++) {
            put_irte(&f, i, &(Irte) { .vector = 0x10 });
            g_assert_cmphex(vector_of(&f, i), ==, 0x10);
            put_irte(&f, i, &(Irte) { .vector = 0x11 });
        }
        vtm_ir_invalidate(&f.ir, &(VTMInvIec) { .index = cases[n].index,
                                                .im = cases[n].im });
        for (i = 0; i < 256; i++) {
            bool dropped = i >= cases[n].first && i <= cases[n].last;

            g_assert_cmphex(vector_of(&f, i), ==, dropped ? 0x11 : 0x10);
        }
        fix_fini(&f);
    }
}

static void test_iec_disabled(void)
{
    VTMIrConfig cfg;
    Fix f;

    vtm_ir_default_config(&cfg);
    cfg.iec.enable = false;
    fix_init_cfg(&f, &cfg, true);
    vtm_ir_set_table(&f.ir, FIELD_DP64(TABLE, IRTA, S, 7));
    f.ir.enabled = true;
    put_irte(&f, 1, &(Irte) { .vector = 0x10 });
    g_assert_cmphex(vector_of(&f, 1), ==, 0x10);
    put_irte(&f, 1, &(Irte) { .vector = 0x11 });
    g_assert_cmphex(vector_of(&f, 1), ==, 0x11);
    g_assert_cmpuint(f.ir.stats.irte_reads, ==, 2);
    fix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Posted interrupts (5.2.3)                                           */

static void put_pid(Fix *f, uint64_t pda, bool on, bool sn, uint8_t nv,
                    uint32_t ndst)
{
    uint64_t ctl = 0;
    unsigned i;

    for (i = 0; i < VTM_PID_SIZE / 8; i++) {
        mem_w64(&f->fm, pda + i * 8, 0);
    }
    ctl = FIELD_DP64(ctl, PID_CTL, ON, on);
    ctl = FIELD_DP64(ctl, PID_CTL, SN, sn);
    ctl = FIELD_DP64(ctl, PID_CTL, NV, nv);
    ctl = FIELD_DP64(ctl, PID_CTL, NDST, ndst);
    mem_w64(&f->fm, pda + A_PID_CTL, ctl);
}

static bool pir_bit(Fix *f, uint64_t pda, uint8_t v)
{
    return mem_r64(&f->fm, pda + v / 64 * 8) >> (v % 64) & 1;
}

static bool pid_on(Fix *f, uint64_t pda)
{
    return FIELD_EX64(mem_r64(&f->fm, pda + A_PID_CTL), PID_CTL, ON);
}

static void test_posted(void)
{
    VTMIrResult res;
    Fix f;

    /* xAPIC: NDST 15:8 holds the APIC ID */
    fix_init(&f, false);
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    put_posted(&f, 30, 0x61, false, PID);
    remap(&f, 30, &res);
    g_assert_cmpint(res.action, ==, VTM_IR_POSTED);
    g_assert_true(res.notify);
    g_assert_cmphex(res.msg_addr, ==, vtm_ir_msg_addr(3, false, false));
    g_assert_cmphex(res.msg_data, ==, vtm_ir_msg_data(0xf2, 0, false));
    g_assert_true(pir_bit(&f, PID, 0x61));
    g_assert_cmphex(mem_r64(&f.fm, PID + 8), ==, BIT_ULL(0x61 - 64));
    g_assert_true(pid_on(&f, PID));

    /* ON already set: the bit is posted, no second notification */
    put_posted(&f, 31, 0x02, false, PID);
    remap(&f, 31, &res);
    g_assert_cmpint(res.action, ==, VTM_IR_POSTED);
    g_assert_false(res.notify);
    g_assert_true(pir_bit(&f, PID, 0x02) && pir_bit(&f, PID, 0x61));
    g_assert_cmpuint(f.ir.stats.posted, ==, 2);
    g_assert_cmpuint(f.ir.stats.notifications, ==, 1);

    /* SN set: suppressed, ON stays clear ... */
    put_pid(&f, PID, false, true, 0xf2, 0x0300);
    remap(&f, 30, &res);
    g_assert_false(res.notify);
    g_assert_false(pid_on(&f, PID));
    g_assert_true(pir_bit(&f, PID, 0x61));
    /* ... unless the IRTE is urgent */
    put_posted(&f, 32, 0xff, true, PID);
    remap(&f, 32, &res);
    g_assert_true(res.notify);
    g_assert_true(pid_on(&f, PID));
    g_assert_true(pir_bit(&f, PID, 0xff));
    fix_fini(&f);

    /* x2APIC: NDST is the 32-bit ID */
    fix_init(&f, true);
    put_pid(&f, PID, false, false, 0xf3, 300);
    put_posted(&f, 30, 0x40, false, PID);
    remap(&f, 30, &res);
    g_assert_true(res.notify);
    g_assert_cmphex(res.msg_addr, ==, vtm_ir_msg_addr(300, false, false));
    g_assert_cmphex(res.msg_data, ==, vtm_ir_msg_data(0xf3, 0, false));
    fix_fini(&f);
}

static void assert_how(const VTMIrResult *res, bool lookup, bool hit,
                       unsigned reads, unsigned rmws)
{
    g_assert_cmpint(res->how.iec_lookup, ==, lookup);
    g_assert_cmpint(res->how.iec_hit, ==, hit);
    g_assert_cmpuint(res->how.mem_reads, ==, reads);
    g_assert_cmpuint(res->how.mem_rmws, ==, rmws);
}

/* What each request reports to the timing model (VTMIrOutcome). */
static void test_outcome(void)
{
    VTMIrRequest req = { .addr = 0xfee00000, .data = 0x30 };
    VTMIrResult res;
    Fix f;

    fix_init(&f, false);
    put_irte(&f, 20, &(Irte) { .vector = 0x20 });
    remap(&f, 20, &res);
    assert_how(&res, true, false, 1, 0);        /* IRTE fetched */
    remap(&f, 20, &res);
    assert_how(&res, true, true, 0, 0);         /* from the IEC */

    /* posted, notifying: descriptor read, PIR bit, then ON */
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    put_posted(&f, 30, 0x61, false, PID);
    remap(&f, 30, &res);
    g_assert_true(res.notify);
    assert_how(&res, true, false, 2, 2);
    /* ON already set: no ON update */
    remap(&f, 30, &res);
    g_assert_false(res.notify);
    assert_how(&res, true, true, 1, 1);

    /* not present: the fetch happened, nothing cached */
    put_raw(&f, 21, 0, 0);
    remap(&f, 21, &res);
    assert_blocked(&res, VTM_FR_IR_NOT_PRESENT, 21, false);
    assert_how(&res, true, false, 1, 0);

    /* compatibility format with remapping off: no work for the unit */
    f.ir.enabled = false;
    vtm_ir_process(&f.ir, &req, &res);
    g_assert_cmpint(res.action, ==, VTM_IR_DELIVER);
    assert_how(&res, false, false, 0, 0);
    fix_fini(&f);
}

static void test_posted_route_only(void)
{
    VTMIrRequest req = {
        .addr = remap_addr(30, false), .sid = SID_DEV, .sid_known = true,
        .route_only = true,
    };
    VTMIrResult res;
    Fix f;

    fix_init(&f, false);
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    put_posted(&f, 30, 0x61, false, PID);
    vtm_ir_process(&f.ir, &req, &res);
    g_assert_cmpint(res.action, ==, VTM_IR_POSTED);
    g_assert_false(res.notify);
    g_assert_false(pir_bit(&f, PID, 0x61));
    g_assert_false(pid_on(&f, PID));
    g_assert_cmpuint(f.fm.cas_calls, ==, 0);
    fix_fini(&f);
}

static void test_posted_faults(void)
{
    VTMIrResult res;
    Fix f;

    fix_init(&f, false);
    put_posted(&f, 30, 0x61, false, PID);
    /* 27h: the descriptor cannot be read */
    mem_fail(&f.fm, PID + 40);
    remap(&f, 30, &res);
    assert_blocked(&res, VTM_FR_IR_PID_ACCESS, 30, false);
    g_hash_table_remove_all(f.fm.fail);
    /* 27h, qualified: with FPD it is not recorded */
    put_raw(&f, 31, mem_r64(&f.fm, TABLE + 30 * 16) | R_IRTE_LO_FPD_MASK,
            mem_r64(&f.fm, TABLE + 30 * 16 + 8));
    mem_fail(&f.fm, PID);
    remap(&f, 31, &res);
    assert_blocked(&res, VTM_FR_IR_PID_ACCESS, 31, true);
    g_hash_table_remove_all(f.fm.fail);
    /* 28h: reserved control bits, reserved qwords */
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    mem_w64(&f.fm, PID + A_PID_CTL, mem_r64(&f.fm, PID + A_PID_CTL) | 4);
    remap(&f, 30, &res);
    assert_blocked(&res, VTM_FR_IR_PID_RSVD, 30, false);
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    mem_w64(&f.fm, PID + 56, 1);
    remap(&f, 30, &res);
    assert_blocked(&res, VTM_FR_IR_PID_RSVD, 30, false);
    g_assert_false(pir_bit(&f, PID, 0x61));
    fix_fini(&f);
}

/* Another agent changes the descriptor between read and update. */
static void test_posted_race(void)
{
    VTMIrResult res;
    Fix f;

    fix_init(&f, false);
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    put_posted(&f, 30, 0x61, false, PID);
    /* a lost race on the PIR qword: both bits end up set */
    f.fm.races = 1;
    f.fm.race_addr = PID + 8;
    f.fm.race_bits = BIT_ULL(0x70 - 64);
    remap(&f, 30, &res);
    g_assert_true(res.notify);
    g_assert_true(pir_bit(&f, PID, 0x61) && pir_bit(&f, PID, 0x70));
    g_assert_cmpuint(f.fm.cas_calls, ==, 3);    /* PIR twice, then ON */

    /* the consumer set ON meanwhile: no notification from us */
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    f.fm.cas_calls = 0;
    f.fm.races = 1;
    f.fm.race_addr = PID + A_PID_CTL;
    f.fm.race_bits = R_PID_CTL_ON_MASK;
    remap(&f, 30, &res);
    g_assert_cmpint(res.action, ==, VTM_IR_POSTED);
    g_assert_false(res.notify);
    g_assert_true(pid_on(&f, PID) && pir_bit(&f, PID, 0x61));
    g_assert_cmpuint(f.fm.cas_calls, ==, 2);

    /* a PIR rewritten without pause: bounded, reported as 27h */
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    f.fm.cas_calls = 0;
    f.fm.races = UINT_MAX;
    f.fm.race_addr = PID + 8;
    f.fm.race_bits = BIT_ULL(0);
    remap(&f, 30, &res);
    assert_blocked(&res, VTM_FR_IR_PID_ACCESS, 30, false);
    g_assert_cmpuint(f.fm.cas_calls, ==, 64);
    g_assert_false(pid_on(&f, PID));

    /* ... and a control qword rewritten without pause: no notification */
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    f.fm.cas_calls = 0;
    f.fm.race_addr = PID + A_PID_CTL;
    f.fm.race_bits = BIT_ULL(32);               /* NDST bit 0 flips */
    remap(&f, 30, &res);
    g_assert_cmpint(res.action, ==, VTM_IR_POSTED);
    g_assert_false(res.notify);
    g_assert_true(pir_bit(&f, PID, 0x61));
    g_assert_cmpuint(f.fm.cas_calls, ==, 1 + 64);
    fix_fini(&f);
}

/* Without an atomic operation the update falls back to read and write. */
static void test_posted_no_cas(void)
{
    VTMIrConfig cfg;
    VTMIrResult res;
    Fix f;

    vtm_ir_default_config(&cfg);
    fix_init_cfg(&f, &cfg, false);
    vtm_ir_set_table(&f.ir, FIELD_DP64(TABLE, IRTA, S, 7));
    f.ir.enabled = true;
    put_pid(&f, PID, false, false, 0xf2, 0x0300);
    put_posted(&f, 30, 0x61, false, PID);
    remap(&f, 30, &res);
    g_assert_true(res.notify);
    g_assert_true(pir_bit(&f, PID, 0x61) && pid_on(&f, PID));
    fix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* The int_remap route computation for KVM's split irqchip             */

static void test_route(void)
{
    uint64_t addr;
    uint32_t data;
    Fix f;

    fix_init(&f, true);
    put_irte(&f, 40, &(Irte) { .vector = 0x41, .dest = 300, .tm = true,
                               .svt = VTM_SVT_SID, .sid = SID_DEV });
    /* remapped: the message KVM is to program, x2APIC bits included */
    g_assert_cmpint(vtm_ir_route(&f.ir, remap_addr(40, false), 0, true,
                                 SID_DEV, &addr, &data), ==, 0);
    g_assert_cmphex(addr, ==, vtm_ir_msg_addr(300, false, false));
    g_assert_cmphex(data, ==, vtm_ir_msg_data(0x41, 0, true));
    /* the wrong requester: refused, nothing recorded or counted */
    g_assert_cmpint(vtm_ir_route(&f.ir, remap_addr(40, false), 0, true,
                                 0x0300, &addr, &data), ==, -EINVAL);
    /* no requester (the split irqchip's I/O APIC routes): not checked */
    g_assert_cmpint(vtm_ir_route(&f.ir, remap_addr(40, false), 0, false,
                                 0, &addr, &data), ==, 0);
    g_assert_cmphex(data, ==, vtm_ir_msg_data(0x41, 0, true));
    /* not present, and compatibility format with EIME set: refused */
    g_assert_cmpint(vtm_ir_route(&f.ir, remap_addr(41, false), 0, true,
                                 SID_DEV, &addr, &data), ==, -EINVAL);
    g_assert_cmpint(vtm_ir_route(&f.ir, 0xfee01000, 0x41, true, SID_DEV,
                                 &addr, &data), ==, -EINVAL);
    /* not an interrupt request at all */
    g_assert_cmpint(vtm_ir_route(&f.ir, 0x12345678, 0, true, SID_DEV,
                                 &addr, &data), ==, -EINVAL);
    /* posted: only the unit can deliver it; the descriptor is untouched */
    put_pid(&f, PID, false, false, 0xf2, 3);
    put_posted(&f, 42, 0x61, false, PID);
    g_assert_cmpint(vtm_ir_route(&f.ir, remap_addr(42, false), 0, true,
                                 SID_DEV, &addr, &data), ==, -ENOTSUP);
    g_assert_false(pir_bit(&f, PID, 0x61) || pid_on(&f, PID));
    g_assert_cmpuint(f.ir.stats.routes, ==, 7);
    g_assert_cmpuint(f.ir.stats.requests, ==, 0);
    g_assert_cmpuint(f.ir.stats.faults, ==, 0);
    g_assert_cmpuint(f.ir.stats.remapped, ==, 0);

    /* compatibility format allowed: as it is */
    f.ir.eime = false;
    g_assert_cmpint(vtm_ir_route(&f.ir, 0xfee01004, 0x4041, true, SID_DEV,
                                 &addr, &data), ==, 0);
    g_assert_cmphex(addr, ==, 0xfee01004);
    g_assert_cmphex(data, ==, 0x4041);
    /* remapping off: every message as it is */
    f.ir.enabled = false;
    g_assert_cmpint(vtm_ir_route(&f.ir, remap_addr(40, false), 7, true,
                                 SID_DEV, &addr, &data), ==, 0);
    g_assert_cmphex(addr, ==, remap_addr(40, false));
    g_assert_cmphex(data, ==, 7);
    fix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Arbitrary entries and requests never crash and stay consistent      */

static uint64_t irta_of(bool eime)
{
    return FIELD_DP64(TABLE, IRTA, EIME, eime);
}

/* A random IRTE, mostly well formed so that every outcome is reached. */
static void sweep_irte(GRand *rand, bool eime, uint64_t *lo, uint64_t *hi)
{
    *lo = (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
    *hi = (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
    if (g_rand_int_range(rand, 0, 4)) {
        *lo |= R_IRTE_LO_P_MASK;
        *hi &= ~R_IRTE_HI_SVT_MASK;
    }
    if (g_rand_int_range(rand, 0, 4)) {
        if (FIELD_EX64(*lo, IRTE_LO, IM)) {
            /* posted, at the descriptor */
            *lo &= ~(VTM_IRTE_PI_LO_RSVD | R_IRTE_LO_PDA_L_MASK);
            *lo |= FIELD_DP64(0, IRTE_LO, PDA_L, PID >> 6);
            *hi &= ~(VTM_IRTE_PI_HI_RSVD | R_IRTE_HI_PDA_H_MASK);
        } else {
            *lo &= ~(VTM_IRTE_LO_RSVD | (eime ? 0 : VTM_IRTE_LO_RSVD_XAPIC));
            *hi &= ~VTM_IRTE_HI_RSVD;
        }
    }
}

static void test_sweep(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(0x5eed);
    unsigned seen[3] = { 0 }, reasons[0x29] = { 0 }, remapped = 0;
    unsigned n;

    Fix f;

    fix_init(&f, false);
    for (n = 0; n < 20000; n++) {
        bool eime = g_rand_boolean(rand);
        uint32_t index = g_rand_int_range(rand, 0, 300);
        uint64_t addr = 0xfee00000 | (g_rand_int(rand) & 0xfffff);
        uint32_t data = g_rand_int_range(rand, 0, 4) ?
                        g_rand_int(rand) & 0xffff : g_rand_int(rand);
        uint64_t lo, hi;
        VTMIrResult res;

        if (n % 1000 == 0) {
            g_test_message("sweep %u", n);
        }
        /* a fresh unit each time: nothing cached, EIME as drawn */
        vtm_ir_reset(&f.ir);
        vtm_ir_set_table(&f.ir, FIELD_DP64(irta_of(eime), IRTA, S, 7));
        f.ir.enabled = true;
        f.ir.cfis = g_rand_boolean(rand);
        sweep_irte(rand, eime, &lo, &hi);
        put_raw(&f, index % 256, lo, hi);
        put_pid(&f, PID, g_rand_boolean(rand), g_rand_boolean(rand),
                g_rand_int(rand), g_rand_int(rand));
        if (g_rand_int_range(rand, 0, 8) == 0) {
            mem_w64(&f.fm, PID + A_PID_CTL + 8 * g_rand_int_range(rand, 0, 4),
                    g_rand_int(rand));
        }
        if (g_rand_int_range(rand, 0, 4)) {
            addr = remap_addr(index, g_rand_int_range(rand, 0, 8) == 0);
        }
        process(&f, addr, data, g_rand_int(rand) & 0xffff, &res);
        seen[res.action]++;
        switch (res.action) {
        case VTM_IR_BLOCKED:
            g_assert_cmphex(res.fault.reason, >=, VTM_FR_IR_REQ_RSVD);
            g_assert_cmphex(res.fault.reason, <=, VTM_FR_IR_PID_RSVD);
            reasons[res.fault.reason]++;
            g_assert_true(!res.fault.fpd ||
                          res.fault.reason == VTM_FR_IR_NOT_PRESENT ||
                          res.fault.reason == VTM_FR_IR_RSVD ||
                          res.fault.reason == VTM_FR_IR_SID_INVALID ||
                          res.fault.reason == VTM_FR_IR_PID_ACCESS ||
                          res.fault.reason == VTM_FR_IR_PID_RSVD);
            break;
        case VTM_IR_DELIVER:
            g_assert_cmphex(FIELD_EX64(res.msg_addr, MSI_ADDR, HEAD), ==,
                            VTM_MSI_ADDR_HEAD);
            if (res.remappable) {
                remapped++;
                g_assert_false(FIELD_EX64(res.msg_addr, MSI_ADDR, IF));
                g_assert_false(VTM_DLM_RESERVED(
                    FIELD_EX32(res.msg_data, MSI_DATA, DLM)));
                g_assert_true(eime || !FIELD_EX64(res.msg_addr, MSI_ADDR,
                                                  DEST_HI));
            } else {
                g_assert_cmphex(res.msg_addr, ==, addr);
            }
            break;
        case VTM_IR_POSTED:
            g_assert_true(res.remappable);
            break;
        }
    }
    fix_fini(&f);
    /* the sweep reached every outcome the random inputs can produce */
    g_test_message("deliver %u (remapped %u) posted %u blocked %u",
                   seen[VTM_IR_DELIVER], remapped, seen[VTM_IR_POSTED],
                   seen[VTM_IR_BLOCKED]);
    g_assert_cmpuint(remapped, >, 0);
    g_assert_cmpuint(seen[VTM_IR_POSTED], >, 0);
    for (n = VTM_FR_IR_REQ_RSVD; n <= VTM_FR_IR_PID_RSVD; n++) {
        g_test_message("reason 0x%x: %u", n, reasons[n]);
        if (n != VTM_FR_IR_ROOT_ACCESS && n != VTM_FR_IR_PID_ACCESS) {
            g_assert_cmpuint(reasons[n], >, 0);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/ir/config", test_config);
    g_test_add_func("/vtm/ir/msg-layout", test_msg_layout);
    g_test_add_func("/vtm/ir/latched-irta", test_latched_irta);
    g_test_add_func("/vtm/ir/disabled", test_disabled);
    g_test_add_func("/vtm/ir/compat", test_compat);
    g_test_add_func("/vtm/ir/remap-xapic", test_remap_xapic);
    g_test_add_func("/vtm/ir/remap-x2apic", test_remap_x2apic);
    g_test_add_func("/vtm/ir/index-subhandle", test_index_and_subhandle);
    g_test_add_func("/vtm/ir/fault/reasons", test_fault_reasons);
    g_test_add_func("/vtm/ir/fault/reserved", test_fault_rsvd);
    g_test_add_func("/vtm/ir/x2apic-dest-bits",
                    test_x2apic_dest_not_reserved);
    g_test_add_func("/vtm/ir/source-validation", test_source_validation);
    g_test_add_func("/vtm/ir/iec/stale", test_iec_stale);
    g_test_add_func("/vtm/ir/iec/mask", test_iec_mask);
    g_test_add_func("/vtm/ir/iec/disabled", test_iec_disabled);
    g_test_add_func("/vtm/ir/posted/update", test_posted);
    g_test_add_func("/vtm/ir/posted/route-only", test_posted_route_only);
    g_test_add_func("/vtm/ir/outcome", test_outcome);
    g_test_add_func("/vtm/ir/posted/faults", test_posted_faults);
    g_test_add_func("/vtm/ir/posted/race", test_posted_race);
    g_test_add_func("/vtm/ir/posted/no-cas", test_posted_no_cas);
    g_test_add_func("/vtm/ir/route", test_route);
    g_test_add_func("/vtm/ir/sweep", test_sweep);
    return g_test_run();
}
