/*
 * qtest for vtm-iommu's IOMMU notifiers: caching mode, the exact MAP and
 * UNMAP sequences each guest action produces, replay, UNMAP-only and
 * device-TLB notifiers, host devices, snoop control and the bounds a
 * malicious page table meets.
 *
 * An x-vtm-notify-recorder device (hw/i386/vtm/vtm-notify-recorder.c)
 * registers notifiers on the edu device's IOMMU memory region and logs
 * what they receive, one line per event:
 *   map IOVA MASK ADDR PERM | unmap IOVA MASK | devtlb IOVA MASK
 * Reading its "events" property returns the log and empties it.
 *
 * With -m perf (scripts/bench-notify.sh) the /vtm-notify/bench cases
 * measure replay and invalidation-to-notification cost per page against
 * QEMU's intel-iommu in the same binary.
 *
 * Guest memory: QUEUE_BASE the invalidation queue, WAIT_ADDR status
 * dwords, TABLE_BASE.. root, context and second-stage tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <math.h>
#include <poll.h>
#include "libqtest.h"
#include "qobject/qdict.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-qtest-util.h"

#define EDU_DEVFN           0x20                /* 00:04.0 */
#define OTHER_SID           0x28                /* 00:05.0: no device */
#define WAIT_ADDR           0x00800080ULL
#define QUEUE_BASE          0x00900000ULL      /* up to 64K */
#define TABLE_BASE          0x01000000ULL
#define TABLE_LIMIT         0x08000000ULL
#define LEVELS              4                   /* aw-bits=48 */
#define DID1                1
#define DID2                2
#define RW                  (R_SLPTE_R_MASK | R_SLPTE_W_MASK)
#define RO                  R_SLPTE_R_MASK
#define WO                  R_SLPTE_W_MASK
#define PAGE                VTM_PAGE_SIZE
#define SZ_2M               0x200000ULL
#define SZ_1G               0x40000000ULL
#define REC                 "/machine/peripheral/rec"
#define REC2                "/machine/peripheral/rec2"

typedef struct NT {
    QTestState *qts;
    VtmQtMem mem;               /* guest memory; tables from TABLE_BASE */
    VtmQtQueue iq;              /* the invalidation queue at QUEUE_BASE */
    uint64_t root, ctx;
    uint64_t slpt;              /* DID1's top table */
} NT;

/* ---- Machine, registers, tables (tests/lib, vtm-qtest-util.h) -------- */

static void nt_start(NT *t, const char *iommu, const char *extra)
{
    memset(t, 0, sizeof(*t));
    t->qts = qtest_initf("-M q35 -m 2G -nodefaults -device %s "
                         "-device edu,addr=04.0 %s", iommu, extra);
    vtm_qt_mem_init(&t->mem, t->qts, TABLE_BASE, TABLE_LIMIT);
    vtm_qt_qi_init(&t->iq, t->qts, &t->mem.mem, QUEUE_BASE, 0, WAIT_ADDR);
    /* 64-bit registers in halves: the same code drives intel-iommu */
    t->iq.halves = true;
}

static void nt_stop(NT *t)
{
    qtest_quit(t->qts);
}

static uint32_t rl(NT *t, uint64_t off)
{
    return vtm_reg_rl(t->qts, off);
}

static void wq(NT *t, uint64_t off, uint64_t v)
{
    vtm_reg_wq_halves(t->qts, off, v);
}

static void gcmd(NT *t, uint32_t set, uint32_t clear)
{
    vtm_gcmd_update(t->qts, set, clear);
}

static uint64_t alloc_table(NT *t)
{
    return vtm_qt_alloc(&t->mem);
}

static uint64_t table_pte(uint64_t table)
{
    return vtmt_table_entry(table);
}

/* The entry for iova at level under top; tables above made as needed. */
static uint64_t entry_at(NT *t, uint64_t top, uint64_t iova, unsigned level)
{
    VtmtPt pt = { .mem = &t->mem.mem, .top = top, .levels = LEVELS };
    uint64_t a = vtmt_pt_entry(&pt, iova, level, true);

    g_assert_cmphex(a, !=, 0);
    return a;
}

static uint64_t leaf(uint64_t pa, unsigned shift, uint64_t perm)
{
    return vtmt_leaf(pa, vtmt_shift_level(shift), perm);
}

static void map_in(NT *t, uint64_t top, uint64_t iova, uint64_t pa,
                   unsigned shift, uint64_t perm)
{
    qtest_writeq(t->qts, entry_at(t, top, iova, vtmt_shift_level(shift)),
                 leaf(pa, shift, perm));
}

static void map(NT *t, uint64_t iova, uint64_t pa, unsigned shift,
                uint64_t perm)
{
    map_in(t, t->slpt, iova, pa, shift, perm);
}

static void unmap(NT *t, uint64_t iova, unsigned shift)
{
    qtest_writeq(t->qts, entry_at(t, t->slpt, iova, vtmt_shift_level(shift)),
                 0);
}

static void write_context(NT *t, uint64_t top, uint16_t did, unsigned tt)
{
    vtmt_w128(&t->mem.mem, t->ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(top, tt, false),
              vtmt_ctx_hi(vtmt_aw_of_levels(LEVELS), did));
}

/* ---- Queued invalidation (vtm-qtest-util.h) --------------------------- */

/* A queue of 4K << qs bytes (256 << qs descriptors). */
static void qi_enable_size(NT *t, unsigned qs)
{
    vtm_qt_qi_init(&t->iq, t->qts, &t->mem.mem, QUEUE_BASE, qs, WAIT_ADDR);
    t->iq.halves = true;
    vtm_qt_qi_enable(&t->iq);
}

static void qi_enable(NT *t)
{
    qi_enable_size(t, 0);
}

/* Queues a status-writing wait, kicks, and checks it completed. */
static void qi_sync(NT *t)
{
    vtm_qt_qi_sync(&t->iq);
}

static void qi_iotlb(NT *t, unsigned gran, uint16_t did, uint64_t addr,
                     unsigned am)
{
    vtm_qt_qi_put(&t->iq, vtmt_qi_iotlb(gran, did, addr, am, false));
}

/* Queues n page-selective invalidations of DID1 at addr[i] with one write. */
static void qi_psi_many(NT *t, const uint64_t *addr, unsigned n, unsigned am)
{
    g_autofree VtmtDesc *d = g_new0(VtmtDesc, n);
    unsigned i;

    /* room for them and a wait: the queue must never fill */
    g_assert_cmpuint((n + 1) * 16, <, t->iq.q.size);
    for (i = 0; i < n; i++) {
        d[i] = vtmt_qi_iotlb(VTM_INV_PAGE, DID1, addr[i], am, false);
    }
    vtmt_queue_put_many(&t->iq.q, d, n);
}

static void qi_cc(NT *t, unsigned gran, uint16_t did, uint16_t sid)
{
    vtm_qt_qi_put(&t->iq, vtmt_qi_cc(gran, did, sid, 0));
}

static void qi_devtlb(NT *t, uint16_t sid, uint64_t addr, bool size)
{
    vtm_qt_qi_put(&t->iq, vtmt_qi_devtlb(sid, 0, 0, addr, size));
}

/* Page-selective IOTLB invalidation of DID1, then a wait. */
static void psi(NT *t, uint64_t addr, unsigned am)
{
    qi_iotlb(t, VTM_INV_PAGE, DID1, addr, am);
    qi_sync(t);
}

static void dsi(NT *t, uint16_t did)
{
    qi_iotlb(t, VTM_INV_DOMAIN, did, 0, 0);
    qi_sync(t);
}

/* Root and context tables for edu in DID1, queue on, translation on. */
static void setup_translation(NT *t)
{
    t->root = alloc_table(t);
    t->ctx = alloc_table(t);
    t->slpt = alloc_table(t);
    vtmt_w64(&t->mem.mem, t->root, vtmt_root_lo(t->ctx));
    write_context(t, t->slpt, DID1, VTM_TT_UNTRANSLATED);
    qi_enable(t);
    wq(t, A_RTADDR, t->root);
    gcmd(t, R_GCMD_SRTP_MASK, 0);
    qi_cc(t, VTM_INV_GLOBAL, 0, 0);
    qi_iotlb(t, VTM_INV_GLOBAL, 0, 0, 0);
    qi_sync(t);
    gcmd(t, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(rl(t, A_GSTS) & R_GSTS_TES_MASK, ==, R_GSTS_TES_MASK);
}

/* ---- The recorder ----------------------------------------------------- */

static char *events_of(NT *t, const char *path)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': 'events'}}", path);
    char *s;

    g_assert(qdict_haskey(rsp, "return"));
    s = g_strdup(qdict_get_str(rsp, "return"));
    qobject_unref(rsp);
    return s;
}

static void check_events(NT *t, const char *path, const char *want)
{
    g_autofree char *got = events_of(t, path);

    g_assert_cmpstr(got, ==, want);
}

static void assert_events_of(NT *t, const char *path, GString *want)
{
    check_events(t, path, want->str);
    g_string_truncate(want, 0);
}

static void assert_events(NT *t, GString *want)
{
    assert_events_of(t, REC, want);
}

static void assert_no_events(NT *t)
{
    check_events(t, REC, "");
}

static const char *perm_name(uint64_t perm)
{
    return (perm & RW) == RW ? "rw" : (perm & RO) ? "r" : "w";
}

static void ev_map(GString *g, uint64_t iova, unsigned shift, uint64_t pa,
                   uint64_t perm)
{
    uint64_t mask = MAKE_64BIT_MASK(0, shift);

    g_string_append_printf(g, "map 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
                           " %s\n", iova, mask, pa, perm_name(perm));
}

static void ev_unmap(GString *g, uint64_t iova, unsigned shift)
{
    g_string_append_printf(g, "unmap 0x%" PRIx64 " 0x%" PRIx64 "\n", iova,
                           (uint64_t)MAKE_64BIT_MASK(0, shift));
}

static void ev_devtlb(GString *g, uint64_t iova, unsigned shift)
{
    g_string_append_printf(g, "devtlb 0x%" PRIx64 " 0x%" PRIx64 "\n", iova,
                           (uint64_t)MAKE_64BIT_MASK(0, shift));
}

static void replay(NT *t, const char *path)
{
    qtest_qmp_assert_success(t->qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'replay', "
                             "'value': true}}", path);
}

static uint64_t qom_u64(NT *t, const char *path, const char *prop)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': %s}}", path, prop);
    uint64_t v;

    g_assert(qdict_haskey(rsp, "return"));
    v = qdict_get_int(rsp, "return");
    qobject_unref(rsp);
    return v;
}

/* Registers a recorder's notifiers at run time; NULL or the error. */
static char *attach_recorder(NT *t, const char *path)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-set', 'arguments': "
                           "{'path': %s, 'property': 'attached', "
                           "'value': true}}", path);
    char *err = NULL;

    if (qdict_haskey(rsp, "error")) {
        err = g_strdup(qdict_get_str(qdict_get_qdict(rsp, "error"),
                                     "desc"));
    }
    qobject_unref(rsp);
    return err;
}

#define CM_ON       "vtm-iommu,caching-mode=on"
#define RECORDER    "-device x-vtm-notify-recorder,id=rec,devfn=0x20"
#define LATE(id, flags) \
    " -device x-vtm-notify-recorder,id=" id ",devfn=0x20,attach=off,flags=" flags

/* A translating machine with caching mode and a MAP+UNMAP recorder. */
static void start_cm(NT *t, const char *iommu_extra)
{
    g_autofree char *iommu = g_strdup_printf(CM_ON "%s", iommu_extra);

    nt_start(t, iommu, RECORDER);
    setup_translation(t);
    g_assert_cmphex(FIELD_EX64(qtest_readq(t->qts,
                                           VTM_DEFAULT_BASE + A_CAP),
                               CAP, CM), ==, 1);
}

/* ---- Tests ------------------------------------------------------------ */

static void test_map_remap_unmap(void)
{
    g_autoptr(GString) w = g_string_new("");
    NT t;

    start_cm(&t, "");
    assert_no_events(&t);

    /* map: the guest invalidates the new entry (caching mode) */
    map(&t, 0x1000, 0x40000000, 12, RW);
    psi(&t, 0x1000, 0);
    ev_map(w, 0x1000, 12, 0x40000000, RW);
    assert_events(&t, w);

    /* the same invalidation again: nothing changed, nothing sent */
    psi(&t, 0x1000, 0);
    assert_no_events(&t);

    /* remap with other permissions, then another address */
    map(&t, 0x1000, 0x40000000, 12, RO);
    psi(&t, 0x1000, 0);
    ev_unmap(w, 0x1000, 12);
    ev_map(w, 0x1000, 12, 0x40000000, RO);
    assert_events(&t, w);
    map(&t, 0x1000, 0x40005000, 12, WO);
    psi(&t, 0x1000, 0);
    ev_unmap(w, 0x1000, 12);
    ev_map(w, 0x1000, 12, 0x40005000, WO);
    assert_events(&t, w);

    /* unmap */
    unmap(&t, 0x1000, 12);
    psi(&t, 0x1000, 0);
    ev_unmap(w, 0x1000, 12);
    assert_events(&t, w);
    nt_stop(&t);
}

/* A 2M page split into 4K pages and merged back. */
static void test_split_merge(void)
{
    g_autoptr(GString) w = g_string_new("");
    uint64_t l1, l2e;
    unsigned i;
    NT t;

    start_cm(&t, "");
    map(&t, SZ_2M, 0x40000000, 21, RW);
    psi(&t, SZ_2M, 9);
    ev_map(w, SZ_2M, 21, 0x40000000, RW);
    assert_events(&t, w);

    /* split: a table of 512 pages, one of them read-only */
    l2e = entry_at(&t, t.slpt, SZ_2M, 2);
    l1 = alloc_table(&t);
    for (i = 0; i < 512; i++) {
        qtest_writeq(t.qts, l1 + i * 8,
                     leaf(0x40000000 + i * PAGE, 12, i == 5 ? RO : RW));
    }
    qtest_writeq(t.qts, l2e, table_pte(l1));
    /* Linux invalidates the whole 2M; one page inside it is enough here */
    psi(&t, SZ_2M + 5 * PAGE, 0);
    ev_unmap(w, SZ_2M, 21);
    for (i = 0; i < 512; i++) {
        ev_map(w, SZ_2M + i * PAGE, 12, 0x40000000 + i * PAGE,
               i == 5 ? RO : RW);
    }
    assert_events(&t, w);

    /* merge back into one 2M page */
    qtest_writeq(t.qts, l2e, leaf(0x40000000, 21, RW));
    psi(&t, SZ_2M, 9);
    for (i = 0; i < 512; i++) {
        ev_unmap(w, SZ_2M + i * PAGE, 12);
    }
    ev_map(w, SZ_2M, 21, 0x40000000, RW);
    assert_events(&t, w);
    nt_stop(&t);
}

static void test_domain_global(void)
{
    g_autoptr(GString) w = g_string_new("");
    NT t;

    start_cm(&t, "");
    map(&t, 0x1000, 0x40001000, 12, RW);
    map(&t, 0x2000, 0x40002000, 12, RW);
    map(&t, 0x400000000ULL, 0x80000000, 30, RO);
    /* another domain's invalidation covers nothing of edu's */
    dsi(&t, DID2);
    assert_no_events(&t);
    dsi(&t, DID1);
    ev_map(w, 0x1000, 12, 0x40001000, RW);
    ev_map(w, 0x2000, 12, 0x40002000, RW);
    ev_map(w, 0x400000000ULL, 30, 0x80000000, RO);
    assert_events(&t, w);

    map(&t, 0x2000, 0x40002000, 12, RO);
    unmap(&t, 0x400000000ULL, 30);
    map(&t, 0x3000, 0x40003000, 12, RW);
    qi_iotlb(&t, VTM_INV_GLOBAL, 0, 0, 0);
    qi_sync(&t);
    ev_unmap(w, 0x2000, 12);
    ev_map(w, 0x2000, 12, 0x40002000, RO);
    ev_map(w, 0x3000, 12, 0x40003000, RW);
    ev_unmap(w, 0x400000000ULL, 30);
    assert_events(&t, w);

    /* a global invalidation with nothing changed: no UNMAP storm */
    qi_iotlb(&t, VTM_INV_GLOBAL, 0, 0, 0);
    qi_cc(&t, VTM_INV_GLOBAL, 0, 0);
    qi_sync(&t);
    /* a 1G page-selective one over one change: one event */
    unmap(&t, 0x3000, 12);
    psi(&t, 0, 18);
    ev_unmap(w, 0x3000, 12);
    assert_events(&t, w);
    nt_stop(&t);
}

static void test_context_change(void)
{
    g_autoptr(GString) w = g_string_new("");
    uint64_t top2;
    NT t;

    start_cm(&t, "");
    map(&t, 0x1000, 0x40001000, 12, RW);
    map(&t, 0x2000, 0x40002000, 12, RW);
    dsi(&t, DID1);
    g_free(events_of(&t, REC));

    /* DID2: the same first page, another second one */
    top2 = alloc_table(&t);
    map_in(&t, top2, 0x1000, 0x40001000, 12, RW);
    map_in(&t, top2, 0x3000, 0x40003000, 12, RO);
    write_context(&t, top2, DID2, VTM_TT_UNTRANSLATED);
    qi_cc(&t, VTM_INV_DEVICE, DID1, EDU_DEVFN);
    qi_iotlb(&t, VTM_INV_DOMAIN, DID1, 0, 0);
    qi_sync(&t);
    ev_unmap(w, 0x2000, 12);
    ev_map(w, 0x3000, 12, 0x40003000, RO);
    assert_events(&t, w);

    /* invalidations of DID1 no longer concern edu; DID2's do */
    map_in(&t, top2, 0x4000, 0x40004000, 12, RW);
    dsi(&t, DID1);
    assert_no_events(&t);
    dsi(&t, DID2);
    ev_map(w, 0x4000, 12, 0x40004000, RW);
    assert_events(&t, w);

    /* a not-present context: everything goes */
    qtest_writeq(t.qts, t.ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE, 0);
    qi_cc(&t, VTM_INV_DOMAIN, DID2, 0);
    qi_sync(&t);
    ev_unmap(w, 0x1000, 12);
    ev_unmap(w, 0x3000, 12);
    ev_unmap(w, 0x4000, 12);
    assert_events(&t, w);
    nt_stop(&t);
}

static void test_translation_disable(void)
{
    g_autoptr(GString) w = g_string_new("");
    NT t;

    start_cm(&t, "");
    map(&t, 0x1000, 0x40001000, 12, RW);
    map(&t, SZ_2M, 0x40200000, 21, RO);
    dsi(&t, DID1);
    g_free(events_of(&t, REC));

    gcmd(&t, 0, R_GCMD_TE_MASK);
    g_assert_cmphex(rl(&t, A_GSTS) & R_GSTS_TES_MASK, ==, 0);
    ev_unmap(w, 0x1000, 12);
    ev_unmap(w, SZ_2M, 21);
    assert_events(&t, w);
    /* with translation off, invalidations map nothing */
    map(&t, 0x5000, 0x40005000, 12, RW);
    dsi(&t, DID1);
    assert_no_events(&t);

    gcmd(&t, R_GCMD_TE_MASK, 0);
    ev_map(w, 0x1000, 12, 0x40001000, RW);
    ev_map(w, 0x5000, 12, 0x40005000, RW);
    ev_map(w, SZ_2M, 21, 0x40200000, RO);
    assert_events(&t, w);

    /* a machine reset turns translation off */
    qtest_qmp_assert_success(t.qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(t.qts, "RESET");
    ev_unmap(w, 0x1000, 12);
    ev_unmap(w, 0x5000, 12);
    ev_unmap(w, SZ_2M, 21);
    assert_events(&t, w);
    nt_stop(&t);
}

/* Parses "map IOVA MASK ADDR PERM" lines: identity RW/R blocks. */
static uint64_t check_identity(const char *log, uint64_t *covered_low)
{
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
    uint64_t n = 0, expect = 0x100000;
    unsigned i;

    *covered_low = 0;
    for (i = 0; lines[i] && *lines[i]; i++) {
        uint64_t iova, mask, addr;
        char perm[4];

        g_assert_cmpint(sscanf(lines[i], "map 0x%" SCNx64 " 0x%" SCNx64
                               " 0x%" SCNx64 " %3s", &iova, &mask, &addr,
                               perm), ==, 4);
        g_assert_cmphex(iova, ==, addr);
        g_assert_cmphex(iova & mask, ==, 0);
        g_assert_cmphex(mask & (mask + 1), ==, 0);
        /* low RAM from 1M on comes in ascending, contiguous blocks */
        if (iova == expect && iova < 0x80000000) {
            expect = iova + mask + 1;
        }
        n++;
    }
    *covered_low = expect;
    return n;
}

static void test_pass_through(void)
{
    g_autoptr(GString) w = g_string_new("");
    g_autofree char *maps = NULL;
    g_autofree char *unmaps = NULL;
    g_auto(GStrv) lines = NULL;
    uint64_t covered, n, i;
    NT t;

    start_cm(&t, "");
    map(&t, 0x1000, 0x40001000, 12, RW);
    dsi(&t, DID1);
    g_free(events_of(&t, REC));

    write_context(&t, 0, DID1, VTM_TT_PASSTHROUGH);
    qi_cc(&t, VTM_INV_DEVICE, DID1, EDU_DEVFN);
    qi_sync(&t);
    maps = events_of(&t, REC);
    ev_unmap(w, 0x1000, 12);
    g_assert_true(g_str_has_prefix(maps, w->str));
    n = check_identity(maps + w->len, &covered);
    g_assert_cmpuint(n, >, 2);
    g_assert_cmphex(covered, ==, 0x80000000);   /* -m 2G */
    g_string_truncate(w, 0);

    /* back to tables: the identity blocks go, the table mappings come */
    write_context(&t, t.slpt, DID1, VTM_TT_UNTRANSLATED);
    qi_cc(&t, VTM_INV_DEVICE, DID1, EDU_DEVFN);
    qi_sync(&t);
    unmaps = events_of(&t, REC);
    lines = g_strsplit(maps + strlen("unmap 0x1000 0xfff\n"), "\n", -1);
    for (i = 0; i < n; i++) {
        uint64_t iova, mask;

        g_assert_cmpint(sscanf(lines[i], "map 0x%" SCNx64 " 0x%" SCNx64,
                               &iova, &mask), ==, 2);
        g_string_append_printf(w, "unmap 0x%" PRIx64 " 0x%" PRIx64 "\n",
                               iova, mask);
        /* the table mapping comes with the block it lies in */
        if (iova <= 0x1000 && 0x1000 <= iova + mask) {
            ev_map(w, 0x1000, 12, 0x40001000, RW);
        }
    }
    g_assert_cmpstr(unmaps, ==, w->str);
    nt_stop(&t);
}

/* Replay equals the tables, for the first recorder and a later one. */
static void test_replay(void)
{
    g_autoptr(GString) w = g_string_new("");
    g_autofree char *err = NULL;
    uint64_t a;
    NT t;

    nt_start(&t, CM_ON, RECORDER LATE("rec2", "map+unmap"));
    setup_translation(&t);
    map(&t, 0x1000, 0x40001000, 12, RW);
    map(&t, 0x7000, 0x40007000, 12, RO);
    map(&t, 0x8000, 0x40008000, 12, WO);
    map(&t, 0x600000, 0x40600000, 21, RW);
    map(&t, 0x80000000, 0x40000000, 30, RO);
    map(&t, 0x7ffffffff000ULL, 0x9000, 12, RW);
    /* faults, so no mapping: a reserved bit, and no access left */
    map(&t, 0x9000, 0x40009000, 12, RW);
    a = entry_at(&t, t.slpt, 0x9000, 1);
    qtest_writeq(t.qts, a, qtest_readq(t.qts, a) | BIT_ULL(51));
    map(&t, 0x10000000000ULL, 0x4000a000, 12, WO);
    a = entry_at(&t, t.slpt, 0x10000000000ULL, 4);
    qtest_writeq(t.qts, a, (qtest_readq(t.qts, a) & ~RW) | RO);

    ev_map(w, 0x1000, 12, 0x40001000, RW);
    ev_map(w, 0x7000, 12, 0x40007000, RO);
    ev_map(w, 0x8000, 12, 0x40008000, WO);
    ev_map(w, 0x600000, 21, 0x40600000, RW);
    ev_map(w, 0x80000000, 30, 0x40000000, RO);
    ev_map(w, 0x7ffffffff000ULL, 12, 0x9000, RW);
    dsi(&t, DID1);
    check_events(&t, REC, w->str);
    replay(&t, REC);
    check_events(&t, REC, w->str);

    /* a second consumer added now gets the same by replay */
    err = attach_recorder(&t, REC2);
    g_assert_null(err);
    check_events(&t, REC2, "");
    replay(&t, REC2);
    assert_events_of(&t, REC2, w);

    /* and from now on both hear the same */
    unmap(&t, 0x7000, 12);
    psi(&t, 0x7000, 0);
    ev_unmap(w, 0x7000, 12);
    check_events(&t, REC, w->str);
    assert_events_of(&t, REC2, w);
    /* a consumer that leaves hears nothing more */
    qtest_qmp_assert_success(t.qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'attached', "
                             "'value': false}}", REC2);
    unmap(&t, 0x8000, 12);
    psi(&t, 0x8000, 0);
    ev_unmap(w, 0x8000, 12);
    check_events(&t, REC2, "");
    assert_events(&t, w);
    nt_stop(&t);
}

/* A notifier whose range cuts a page gets the part inside it. */
static void test_range_clip(void)
{
    g_autoptr(GString) w = g_string_new("");
    NT t;

    nt_start(&t, CM_ON, RECORDER ",start=0x280000,end=0x3fffffff");
    setup_translation(&t);
    map(&t, SZ_2M, 0x40000000, 21, RW);
    map(&t, 0x1000, 0x40001000, 12, RW);
    map(&t, SZ_1G, 0x80000000, 30, RW);
    dsi(&t, DID1);
    ev_map(w, 0x280000, 19, 0x40080000, RW);
    ev_map(w, 0x300000, 20, 0x40100000, RW);
    assert_events(&t, w);
    unmap(&t, SZ_2M, 21);
    psi(&t, SZ_2M, 9);
    ev_unmap(w, 0x280000, 19);
    ev_unmap(w, 0x300000, 20);
    assert_events(&t, w);
    nt_stop(&t);
}

/* The register-based interface reaches the notifiers too. */
static void test_register_invalidation(void)
{
    g_autoptr(GString) w = g_string_new("");
    NT t;

    start_cm(&t, "");
    gcmd(&t, 0, R_GCMD_QIE_MASK);
    map(&t, 0x1000, 0x40001000, 12, RW);
    wq(&t, A_IVA, vtmt_reg_iva(0x1000, 0, false));
    wq(&t, A_IOTLB, vtmt_reg_iotlb(VTM_INV_PAGE, DID1, false, false));
    ev_map(w, 0x1000, 12, 0x40001000, RW);
    assert_events(&t, w);

    qtest_writeq(t.qts, t.ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE, 0);
    wq(&t, A_CCMD, vtmt_reg_ccmd(VTM_INV_DEVICE, 0, EDU_DEVFN, 0));
    ev_unmap(w, 0x1000, 12);
    assert_events(&t, w);
    nt_stop(&t);
}

/* Without caching mode: UNMAP-only works, MAP is refused clearly. */
static void test_unmap_only(void)
{
    g_autoptr(GString) w = g_string_new("");
    g_autofree char *err = NULL;
    NT t;

    nt_start(&t, "vtm-iommu", RECORDER ",flags=unmap" LATE("rec2", "map")
             LATE("rec3", "devtlb")
             LATE("rec4", "unmap") ",host-device=on");
    setup_translation(&t);
    assert_no_events(&t);
    map(&t, 0x1000, 0x40001000, 12, RW);
    unmap(&t, 0x1000, 12);
    psi(&t, 0x1000, 0);
    ev_unmap(w, 0x1000, 12);
    assert_events(&t, w);
    psi(&t, 0x10000, 4);
    ev_unmap(w, 0x10000, 16);
    assert_events(&t, w);
    dsi(&t, DID2);
    assert_no_events(&t);
    dsi(&t, DID1);
    ev_unmap(w, 0, 48);
    assert_events(&t, w);
    qi_cc(&t, VTM_INV_DEVICE, DID1, EDU_DEVFN);
    qi_sync(&t);
    ev_unmap(w, 0, 48);
    assert_events(&t, w);
    gcmd(&t, 0, R_GCMD_TE_MASK);
    ev_unmap(w, 0, 48);
    assert_events(&t, w);
    gcmd(&t, R_GCMD_TE_MASK, 0);
    assert_no_events(&t);

    err = attach_recorder(&t, REC2);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "caching-mode=on"));
    g_clear_pointer(&err, g_free);
    err = attach_recorder(&t, "/machine/peripheral/rec3");
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "device-iotlb=on"));
    g_clear_pointer(&err, g_free);
    /* a host device (vfio-pci) is refused when it is attached */
    err = attach_recorder(&t, "/machine/peripheral/rec4");
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "caching-mode=on"));
    g_assert_nonnull(strstr(err, "00:04.0"));
    nt_stop(&t);
}

/* Runs QEMU expected to refuse its command line; returns stderr. */
static char *run_expect_exit(const char *args, int *status)
{
    g_autofree char *cmd = g_strdup_printf("-M q35 -accel qtest %s", args);
    g_auto(GStrv) argv = NULL;

    g_assert(g_shell_parse_argv(cmd, NULL, &argv, NULL));
    return vtm_qemu_expect_exit((const char *const *)argv, status);
}

static void test_refused_at_startup(void)
{
    static const char *const args[] = {
        "-device vtm-iommu -device edu,addr=04.0 " RECORDER,
        "-device vtm-iommu -device edu,addr=04.0 " RECORDER
        ",flags=unmap,host-device=on",
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(args); i++) {
        int status;
        g_autofree char *err = run_expect_exit(args[i], &status);

        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
        g_assert_nonnull(strstr(err, "caching-mode=on"));
    }
}

static void test_host_device(void)
{
    g_autofree char *err = NULL;
    NT t;

    nt_start(&t, CM_ON, LATE("rec", "map+unmap") ",host-device=on");
    err = attach_recorder(&t, REC);
    g_assert_null(err);
    qtest_qmp_assert_success(t.qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'attached', "
                             "'value': false}}", REC);
    err = attach_recorder(&t, REC);
    g_assert_null(err);
    nt_stop(&t);
}

static void test_devtlb(void)
{
    g_autoptr(GString) w = g_string_new("");
    NT t;

    nt_start(&t, "vtm-iommu,device-iotlb=on", RECORDER ",flags=devtlb");
    setup_translation(&t);
    qi_devtlb(&t, EDU_DEVFN, 0x5000, false);
    qi_devtlb(&t, EDU_DEVFN, 0x4000, true);      /* bit 12 clear: 8K */
    qi_devtlb(&t, EDU_DEVFN, 0x13000, true);     /* bits 13:12 set: 32K */
    qi_devtlb(&t, OTHER_SID, 0x5000, false);
    qi_sync(&t);
    ev_devtlb(w, 0x5000, 12);
    ev_devtlb(w, 0x4000, 13);
    ev_devtlb(w, 0x10000, 15);
    assert_events(&t, w);
    /* every address bit set: everything, in the two largest blocks */
    qi_devtlb(&t, EDU_DEVFN, ~0xfffULL, true);
    qi_sync(&t);
    ev_devtlb(w, 0, 63);
    ev_devtlb(w, 1ULL << 63, 63);
    assert_events(&t, w);
    /* IOTLB invalidations are not device-TLB ones */
    dsi(&t, DID1);
    assert_no_events(&t);
    nt_stop(&t);
}

/* ECAP.SC; SNP leaves map only with it, and notifiers keep working. */
static void test_snoop_control(void)
{
    g_autoptr(GString) w = g_string_new("");
    uint64_t a;
    NT t;

    start_cm(&t, ",snoop-control=on");
    g_assert_cmphex(FIELD_EX64(qtest_readq(t.qts,
                                           VTM_DEFAULT_BASE + A_ECAP),
                               ECAP, SC), ==, 1);
    map(&t, 0x1000, 0x40001000, 12, RW | R_SLPTE_SNP_MASK);
    psi(&t, 0x1000, 0);
    ev_map(w, 0x1000, 12, 0x40001000, RW);
    assert_events(&t, w);
    nt_stop(&t);

    start_cm(&t, "");
    g_assert_cmphex(FIELD_EX64(qtest_readq(t.qts,
                                           VTM_DEFAULT_BASE + A_ECAP),
                               ECAP, SC), ==, 0);
    map(&t, 0x1000, 0x40001000, 12, RW);
    a = entry_at(&t, t.slpt, 0x2000, 1);
    qtest_writeq(t.qts, a, leaf(0x40002000, 12, RW | R_SLPTE_SNP_MASK));
    dsi(&t, DID1);
    ev_map(w, 0x1000, 12, 0x40001000, RW);
    assert_events(&t, w);
    nt_stop(&t);
}

/*
 * A table whose every entry points to the next level's table, down to a
 * table of 512 present leaves: 2^36 pages in four pages of tables.
 */
static void alias_tables(NT *t, bool leaves)
{
    VtmtPt pt = { .mem = &t->mem.mem, .top = t->slpt, .levels = LEVELS };

    g_assert_true(vtmt_pt_alias(&pt, leaves ? leaf(0x9000, 12, RW) : 0));
}

static void test_bounded(void)
{
    g_autofree char *log = NULL;
    NT t;

    nt_start(&t, CM_ON ",notify-max-mappings=64", RECORDER);
    setup_translation(&t);
    alias_tables(&t, true);
    dsi(&t, DID1);
    log = events_of(&t, REC);
    g_assert_cmpuint(qom_u64(&t, REC, "count"), ==, 64);
    g_assert_true(g_str_has_suffix(log, "map 0x3f000 0xfff 0x9000 rw\n"));
    replay(&t, REC);
    check_events(&t, REC, log);
    /* everything is a table, nothing a leaf: bounded by the walk budget */
    alias_tables(&t, false);
    qi_iotlb(&t, VTM_INV_GLOBAL, 0, 0, 0);
    qi_sync(&t);
    g_assert_cmpuint(qom_u64(&t, REC, "count"), ==, 64 * 3);
    nt_stop(&t);
}

/* ---- Benchmark (-m perf) ------------------------------------------------ */

#define BENCH_PAGES         100000
#define BENCH_PA            0x40000000ULL

static double now_ns(void)
{
    return g_get_monotonic_time() * 1000.0;
}

/* Writes the leaves of BENCH_PAGES 4K pages from iova 0, a table a time. */
static void bench_fill(NT *t, uint64_t perm)
{
    VtmtPt pt = { .mem = &t->mem.mem, .top = t->slpt, .levels = LEVELS };

    g_assert_true(vtmt_pt_map_range(&pt, 0, BENCH_PA, BENCH_PAGES * PAGE,
                                    VTM_PAGE_SHIFT, perm));
}

#define BENCH_REPS          5           /* the fastest of these counts */
#define BENCH_4K            2048        /* pages of the 4K-PSI runs */

/* Host time of one queue kick with the descriptors pending, in ns. */
static double bench_kick(NT *t)
{
    double t0 = now_ns();

    qi_sync(t);
    return now_ns() - t0;
}

/* Page-selective invalidations, 2^am pages from each of n addresses. */
static void bench_queue_psi(NT *t, unsigned n, unsigned am)
{
    g_autofree uint64_t *addr = g_new(uint64_t, n);
    unsigned i;

    for (i = 0; i < n; i++) {
        addr[i] = ((uint64_t)i * PAGE) << am;
    }
    qi_psi_many(t, addr, n, am);
}

typedef enum BenchOp {
    B_DSI,                      /* one domain-selective invalidation */
    B_PSI_2M,                   /* one 2M page-selective per table */
    B_PSI_4K,                   /* one 4K page-selective per page */
    B_GLOBAL,                   /* one global invalidation */
} BenchOp;

static unsigned bench_queue(NT *t, BenchOp op)
{
    switch (op) {
    case B_DSI:
        qi_iotlb(t, VTM_INV_DOMAIN, DID1, 0, 0);
        return BENCH_PAGES;
    case B_PSI_2M:
        bench_queue_psi(t, DIV_ROUND_UP(BENCH_PAGES * PAGE, SZ_2M), 9);
        return BENCH_PAGES;
    case B_PSI_4K:
        bench_queue_psi(t, BENCH_4K, 0);
        return BENCH_4K;
    default:
        qi_iotlb(t, VTM_INV_GLOBAL, 0, 0, 0);
        return BENCH_PAGES;
    }
}

/*
 * The fastest of BENCH_REPS runs of op, per page, after the tables went
 * from perm_before (synced by a global invalidation) to perm_after.  The
 * events each run sent are checked against want_events (-1: any).
 */
static double bench_run(NT *t, BenchOp op, uint64_t perm_before,
                        uint64_t perm_after, double base, int64_t want)
{
    double best = INFINITY;
    unsigned rep, pages;
    uint64_t c0;

    for (rep = 0; rep < BENCH_REPS; rep++) {
        bench_fill(t, perm_before);
        qi_iotlb(t, VTM_INV_GLOBAL, 0, 0, 0);
        qi_sync(t);
        bench_fill(t, perm_after);
        c0 = qom_u64(t, REC, "count");
        pages = bench_queue(t, op);
        best = MIN(best, (bench_kick(t) - base) / pages);
        if (want >= 0) {
            g_assert_cmpuint(qom_u64(t, REC, "count") - c0, ==, want);
        }
    }
    return best;
}

static void bench_report(const char *name, const char *metric, double v)
{
    g_test_message("BENCH %s %s %.1f", name, metric, v);
}

/* A recorder registered (notify) or not: the invalidations alone. */
static void bench_invalidations(NT *t, const char *name, bool notify,
                                double base)
{
    static const struct {
        const char *metric;
        BenchOp op;
        uint64_t before, after;
        int64_t events;         /* with a notifier; -1: any */
    } runs[] = {
        { "dsi_map_ns_per_page", B_DSI, 0, RW, BENCH_PAGES },
        { "psi_2m_unmap_ns_per_page", B_PSI_2M, RW, 0, BENCH_PAGES },
        { "psi_2m_map_ns_per_page", B_PSI_2M, 0, RW, BENCH_PAGES },
        { "psi_4k_unmap_ns_per_page", B_PSI_4K, RW, 0, BENCH_4K },
        { "psi_4k_map_ns_per_page", B_PSI_4K, 0, RW, BENCH_4K },
        { "idle_global_ns_per_page", B_GLOBAL, RW, RW, 0 },
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(runs); i++) {
        g_autofree char *m = g_strdup_printf("%s%s", runs[i].metric,
                                             notify ? "" : "_no_notifier");

        bench_report(name, m, bench_run(t, runs[i].op, runs[i].before,
                                         runs[i].after, base,
                                         notify ? runs[i].events : -1));
    }
}

static void bench_one(const char *name, const char *iommu)
{
    double base = INFINITY, best = INFINITY;
    unsigned i;
    uint64_t c0;
    NT t;

    nt_start(&t, iommu, RECORDER ",store=off");
    setup_translation(&t);
    gcmd(&t, 0, R_GCMD_QIE_MASK);
    qi_enable_size(&t, 4);
    for (i = 0; i < 50; i++) {
        base = MIN(base, bench_kick(&t));   /* a wait alone: round trip */
    }
    bench_invalidations(&t, name, true, base);

    /* everything is mapped and synced now */
    for (i = 0; i < BENCH_REPS; i++) {
        c0 = qom_u64(&t, REC, "count");
        replay(&t, REC);
        /* intel-iommu first sends UNMAPs of the notifier's whole range */
        g_assert_cmpuint(qom_u64(&t, REC, "count") - c0, >=, BENCH_PAGES);
        best = MIN(best, qom_u64(&t, REC, "replay-ns"));
    }
    bench_report(name, "replay_ns_per_mapping", best / BENCH_PAGES);

    qtest_qmp_assert_success(t.qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'attached', "
                             "'value': false}}", REC);
    bench_invalidations(&t, name, false, base);
    nt_stop(&t);
}

static void test_bench(void)
{
    if (!g_test_perf()) {
        g_test_skip("a benchmark: run with -m perf");
        return;
    }
    bench_one("vtm", CM_ON);
    bench_one("intel", "intel-iommu,caching-mode=on,intremap=off");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm-notify/map-remap-unmap", test_map_remap_unmap);
    qtest_add_func("/vtm-notify/split-merge-2m", test_split_merge);
    qtest_add_func("/vtm-notify/domain-global", test_domain_global);
    qtest_add_func("/vtm-notify/context-change", test_context_change);
    qtest_add_func("/vtm-notify/translation-disable",
                   test_translation_disable);
    qtest_add_func("/vtm-notify/pass-through", test_pass_through);
    qtest_add_func("/vtm-notify/replay", test_replay);
    qtest_add_func("/vtm-notify/range-clip", test_range_clip);
    qtest_add_func("/vtm-notify/register-invalidation",
                   test_register_invalidation);
    qtest_add_func("/vtm-notify/unmap-only", test_unmap_only);
    qtest_add_func("/vtm-notify/refused-at-startup",
                   test_refused_at_startup);
    qtest_add_func("/vtm-notify/host-device", test_host_device);
    qtest_add_func("/vtm-notify/devtlb", test_devtlb);
    qtest_add_func("/vtm-notify/snoop-control", test_snoop_control);
    qtest_add_func("/vtm-notify/bounded", test_bounded);
    qtest_add_func("/vtm-notify/bench", test_bench);
    return g_test_run();
}
