/*
 * qtest for several vtm-iommu units on one q35 machine: each unit serves
 * a root bus (pcie.0 or a pxb-pcie expander's), translates its devices'
 * DMA through its own tables, records their faults, counts them in its
 * own stats and remaps their interrupts; a bus that bypasses the IOMMUs
 * is not translated; the DMAR table (read through fw_cfg, as the guest's
 * firmware gets it) has one DRHD per unit with the right scopes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "libqos/fw_cfg.h"
#include "standard-headers/linux/pci_regs.h"
#include "qobject/qlist.h"
#include "vtm-qtest-util.h"

#define MAX_UNITS           3
#define SID_BUS(sid)        ((sid) >> 8)
#define EDU_SLOT_PCIE0      4
/* Expander buses: numbers fixed by bus_nr, so requester ids are known */
#define PXB1_BUS            0x20
#define PXB2_BUS            0x40

#define TABLE_BASE          0x01000000ULL   /* unit k's: + k * TABLE_SPAN */
#define TABLE_SPAN          0x00400000ULL
#define MISC_BASE           0x00800000ULL   /* wait status writes */
#define QUEUE_BASE          0x00900000ULL   /* unit k's: + k * 0x1000 */
#define IRT_BASE            0x00a00000ULL   /* unit k's: + k * 0x1000 */
#define DATA_BASE           0x03000000ULL   /* unit k's page: + k * 1 MiB */
#define LEAK_PAGE           0x03800000ULL   /* where a leak would land */
#define IOVA                0x10000000ULL   /* every unit maps this one */
#define UNMAPPED_IOVA       0x20000000ULL
#define DMA_LEN             0x800
#define DOMAIN_ID           1
#define LEVELS              4
#define IRTE_INDEX          5
#define STATS_PATH_FMT      "/machine/peripheral/u%u"

typedef struct Unit {
    uint64_t base;          /* register window */
    VtmQtMem mem;           /* its tables */
    uint64_t root;
    QPCIDevice *edu;        /* the edu device behind it */
    QPCIBar bar;
    uint16_t sid;
} Unit;

typedef struct UnitsTest {
    QTestState *qts;
    QPCIBus *pcibus;
    unsigned n;             /* units; unit 0 serves pcie.0 */
    Unit u[MAX_UNITS];
} UnitsTest;

/* ---- Starting QEMU ------------------------------------------------------ */

static uint64_t unit_base(unsigned k)
{
    return VTM_DEFAULT_BASE + k * 0x4000;
}

/*
 * pxb-pcie takes bridges only: the edu devices of the expander buses sit
 * behind a root port at 00.0 whose secondary bus is the next number.
 */
static uint16_t edu_sid(unsigned k)
{
    static const uint16_t sids[MAX_UNITS] = {
        QPCI_DEVFN(EDU_SLOT_PCIE0, 0), (PXB1_BUS + 1) << 8,
        (PXB2_BUS + 1) << 8,
    };

    return sids[k];
}

#define PXB_BUSES                                                         \
    "-device pxb-pcie,id=pxb1,bus_nr=32,bus=pcie.0 "                      \
    "-device pxb-pcie,id=pxb2,bus_nr=64,bus=pcie.0 "
#define ROOT_PORTS                                                        \
    "-device pcie-root-port,id=rp1,bus=pxb1,addr=00.0,chassis=1 "         \
    "-device pcie-root-port,id=rp2,bus=pxb2,addr=00.0,chassis=2 "
#define EDU_OPTS            "dma_mask=0xffffffffffffffff"

/*
 * What firmware would do for the root port at bus:00.0: number its
 * secondary bus, open its memory window on [addr, addr + size), let
 * memory and DMA through (PCI-to-PCI bridge spec 3.2.5).
 */
static void root_port_number(QPCIBus *pcibus, uint8_t bus)
{
    g_autofree QPCIDevice *rp = qpci_device_find(pcibus, bus << 8);

    g_assert(rp);
    qpci_config_writeb(rp, PCI_PRIMARY_BUS, bus);
    qpci_config_writeb(rp, PCI_SECONDARY_BUS, bus + 1);
    qpci_config_writeb(rp, PCI_SUBORDINATE_BUS, bus + 1);
}

static void root_port_window(QPCIBus *pcibus, uint8_t bus, uint64_t addr,
                             uint64_t size)
{
    g_autofree QPCIDevice *rp = qpci_device_find(pcibus, bus << 8);

    g_assert(rp);
    g_assert_cmphex(addr & 0xfffff, ==, 0);
    qpci_config_writew(rp, PCI_MEMORY_BASE, (addr >> 16) & 0xfff0);
    qpci_config_writew(rp, PCI_MEMORY_LIMIT,
                       ((addr + MAX(size, 0x100000) - 1) >> 16) & 0xfff0);
    qpci_device_enable(rp);
}

/* Finds, maps and enables the edu at sid (behind its root port if any) */
static QPCIDevice *edu_setup(QPCIBus *pcibus, uint16_t sid, QPCIBar *bar)
{
    QPCIDevice *edu;
    uint64_t size;

    if (SID_BUS(sid)) {
        root_port_number(pcibus, SID_BUS(sid) - 1);
    }
    /* libqos' config cycles take the bus number above the devfn */
    edu = qpci_device_find(pcibus, sid);
    g_assert(edu);
    *bar = qpci_iomap(edu, 0, &size);
    if (SID_BUS(sid)) {
        root_port_window(pcibus, SID_BUS(sid) - 1, bar->addr, size);
    }
    qpci_device_enable(edu);
    return edu;
}

/*
 * Units 0 (pcie.0 and unclaimed buses), 1 (pxb1) and, when n == 3, 2
 * (pxb2); an edu behind each bus.  With n == 2, pxb2 is unclaimed: unit 0
 * serves its edu.
 */
static void units_start(UnitsTest *t, unsigned n, const char *extra)
{
    unsigned k;

    memset(t, 0, sizeof(*t));
    t->n = n;
    t->qts = qtest_initf(
        "-M q35 -m 1G -nodefaults " PXB_BUSES ROOT_PORTS
        "-device vtm-iommu,id=u0 -device vtm-iommu,id=u1,root-bus=pxb1 %s "
        "-device edu,bus=pcie.0,addr=%02x.0," EDU_OPTS " "
        "-device edu,bus=rp1,addr=00.0," EDU_OPTS " "
        "-device edu,bus=rp2,addr=00.0," EDU_OPTS " "
        "-device x-vtm-route-probe,id=probe %s",
        n == 3 ? "-device vtm-iommu,id=u2,root-bus=pxb2" : "",
        EDU_SLOT_PCIE0, extra ?: "");
    t->pcibus = qpci_new_pc(t->qts, NULL);
    for (k = 0; k < MAX_UNITS; k++) {
        Unit *u = &t->u[k];

        u->base = unit_base(k);
        u->sid = edu_sid(k);
        u->edu = edu_setup(t->pcibus, u->sid, &u->bar);
        vtm_qt_mem_init(&u->mem, t->qts, TABLE_BASE + k * TABLE_SPAN,
                        TABLE_BASE + (k + 1) * TABLE_SPAN);
    }
}

static void units_stop(UnitsTest *t)
{
    unsigned k;

    for (k = 0; k < MAX_UNITS; k++) {
        g_free(t->u[k].edu);
    }
    qpci_free_pc(t->pcibus);
    qtest_quit(t->qts);
}

/* ---- One unit's registers ----------------------------------------------- */

static uint32_t ureg_rl(UnitsTest *t, unsigned k, uint64_t off)
{
    return qtest_readl(t->qts, t->u[k].base + off);
}

static uint64_t ureg_rq(UnitsTest *t, unsigned k, uint64_t off)
{
    return qtest_readq(t->qts, t->u[k].base + off);
}

static void ureg_wq(UnitsTest *t, unsigned k, uint64_t off, uint64_t val)
{
    qtest_writeq(t->qts, t->u[k].base + off, val);
}

/* 11.4.4.1: the persistent enables kept, one command added */
static void ugcmd(UnitsTest *t, unsigned k, uint32_t set, uint32_t sts)
{
    uint32_t keep = R_GSTS_TES_MASK | R_GSTS_QIES_MASK | R_GSTS_IRES_MASK |
                    R_GSTS_CFIS_MASK;

    qtest_writel(t->qts, t->u[k].base + A_GCMD,
                 (ureg_rl(t, k, A_GSTS) & keep) | set);
    g_assert_cmphex(ureg_rl(t, k, A_GSTS) & sts, ==, sts);
}

/* ---- Tables ------------------------------------------------------------- */

/*
 * In unit k's (legacy-mode) tables: requester sid's context entry, with
 * its own domain (one per bus: the IOTLB is tagged by domain) and
 * second-stage table mapping IOVA to phys, read-write.
 */
static void map_requester(UnitsTest *t, unsigned k, uint16_t sid,
                          uint64_t phys)
{
    Unit *u = &t->u[k];
    const VtmtMem *m = &u->mem.mem;
    VtmtPt pt = { .mem = m, .levels = LEVELS };

    if (!u->root) {
        u->root = vtm_qt_alloc(&u->mem);
    }
    pt.top = vtm_qt_alloc(&u->mem);
    g_assert_cmphex(vtmt_pt_map(&pt, IOVA, phys, 1, VTMT_RW), !=, 0);
    g_assert_true(vtmt_set_ctx(m, u->root, sid,
                               vtmt_ctx_lo(pt.top, VTM_TT_UNTRANSLATED,
                                           false),
                               vtmt_ctx_hi(vtmt_aw_of_levels(LEVELS),
                                           DOMAIN_ID + SID_BUS(sid))));
}

static void enable_translation(UnitsTest *t, unsigned k)
{
    if (!t->u[k].root) {
        t->u[k].root = vtm_qt_alloc(&t->u[k].mem);
    }
    ureg_wq(t, k, A_RTADDR, t->u[k].root);
    ugcmd(t, k, R_GCMD_SRTP_MASK, R_GSTS_RTPS_MASK);
    ugcmd(t, k, R_GCMD_TE_MASK, R_GSTS_TES_MASK);
}

static void edu_dma(UnitsTest *t, unsigned k, uint64_t src, uint64_t dst,
                    bool to_ram)
{
    vtm_edu_dma(t->qts, t->u[k].edu, t->u[k].bar, src, dst, DMA_LEN, to_ram);
}

/* edu k copies DMA_LEN bytes from IOVA to IOVA + DMA_LEN through its unit */
static void edu_copy(UnitsTest *t, unsigned k)
{
    edu_dma(t, k, IOVA, EDU_DMA_BUF, false);
    edu_dma(t, k, EDU_DMA_BUF, IOVA + DMA_LEN, true);
}

static void fill(UnitsTest *t, uint64_t addr, uint8_t byte)
{
    g_autofree uint8_t *buf = g_malloc(DMA_LEN);

    memset(buf, byte, DMA_LEN);
    qtest_memwrite(t->qts, addr, buf, DMA_LEN);
}

static void assert_filled(UnitsTest *t, uint64_t addr, uint8_t byte)
{
    g_autofree uint8_t *buf = g_malloc(DMA_LEN);
    unsigned i;

    qtest_memread(t->qts, addr, buf, DMA_LEN);
    for (i = 0; i < DMA_LEN; i++) {
        g_assert_cmphex(buf[i], ==, byte);
    }
}

static uint64_t data_page(unsigned k)
{
    return DATA_BASE + k * 0x100000;
}

/* ---- DMA, faults and stats per unit ------------------------------------- */

/*
 * Which unit translates edu k: its own, or unit 0 for an unclaimed bus.
 * Unit 0 also maps every other edu's requester id to LEAK_PAGE: were a
 * request to reach the wrong unit, it would land there.
 */
static unsigned owner_of(UnitsTest *t, unsigned k)
{
    return k < t->n ? k : 0;
}

static void setup_all(UnitsTest *t)
{
    unsigned k;

    for (k = 0; k < MAX_UNITS; k++) {
        map_requester(t, owner_of(t, k), edu_sid(k), data_page(k));
        if (owner_of(t, k) != 0) {
            map_requester(t, 0, edu_sid(k), LEAK_PAGE);
        }
        fill(t, data_page(k), 0x11 * (k + 1));
        fill(t, data_page(k) + DMA_LEN, 0);
    }
    fill(t, LEAK_PAGE, 0);
    fill(t, LEAK_PAGE + DMA_LEN, 0);
    fill(t, IOVA + DMA_LEN, 0);
    for (k = 0; k < t->n; k++) {
        enable_translation(t, k);
    }
}

static void check_translated(UnitsTest *t)
{
    unsigned k;

    for (k = 0; k < MAX_UNITS; k++) {
        edu_copy(t, k);
        assert_filled(t, data_page(k) + DMA_LEN, 0x11 * (k + 1));
    }
    /* nothing went to the other unit's mapping, nor untranslated */
    assert_filled(t, LEAK_PAGE + DMA_LEN, 0);
    assert_filled(t, IOVA + DMA_LEN, 0);
    for (k = 0; k < t->n; k++) {
        g_assert_cmphex(ureg_rl(t, k, A_FSTS), ==, 0);
    }
}

/* Each unit's stats name exactly the requesters it translated. */
static void check_stats(UnitsTest *t)
{
    unsigned k, j;

    for (k = 0; k < t->n; k++) {
        g_autofree char *path = g_strdup_printf(STATS_PATH_FMT, k);
        QDict *st = vtm_qtest_stats(t->qts, path);
        QList *reqs = qdict_get_qlist(st, "requesters");
        unsigned want = 0;
        QListEntry *e;

        for (j = 0; j < MAX_UNITS; j++) {
            want += owner_of(t, j) == k;
        }
        g_assert_cmpuint(qlist_size(reqs), ==, want);
        QLIST_FOREACH_ENTRY(reqs, e) {
            QDict *r = qobject_to(QDict, qlist_entry_obj(e));
            int64_t sid = qdict_get_int(r, "sid");

            for (j = 0; j < MAX_UNITS && edu_sid(j) != sid; j++) {
                continue;
            }
            g_assert_cmpuint(j, <, MAX_UNITS);
            g_assert_cmpuint(owner_of(t, j), ==, k);
            /* two page reads and a page written: two translations each */
            g_assert_cmpint(stats_int(r, "translations"), >=, 2);
        }
        g_assert_cmpint(stats_int(st, "unit/translations"), >=, 2 * want);
        g_assert_cmpint(stats_int(st, "unit/faults"), ==, 0);
        qobject_unref(st);
    }
}

static void test_dma(gconstpointer data)
{
    unsigned n = GPOINTER_TO_UINT(data);
    UnitsTest t;

    units_start(&t, n, NULL);
    setup_all(&t);
    check_translated(&t);
    check_stats(&t);
    units_stop(&t);
}

/*
 * Migration: each unit's state goes to the same unit on the destination
 * (vmstate instances in realize order), so every edu still translates
 * through its own unit's tables there.
 */
static void test_migrate(void)
{
    g_autofree char *file = g_strdup_printf("%s/vtm-units-migrate-%d.bin",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    uint64_t rtaddr[MAX_UNITS];
    UnitsTest t;
    unsigned k;

    units_start(&t, 3, NULL);
    setup_all(&t);
    for (k = 0; k < t.n; k++) {
        rtaddr[k] = ureg_rq(&t, k, A_RTADDR);
    }
    qtest_qmp_assert_success(t.qts, "{'execute': 'stop'}");
    qtest_qmp_assert_success(t.qts, "{'execute': 'migrate',"
                             " 'arguments': { 'uri': %s } }", uri);
    vtm_qt_wait_migration(t.qts, "completed");
    units_stop(&t);

    units_start(&t, 3, "-incoming defer");
    qtest_qmp_assert_success(t.qts, "{'execute': 'migrate-incoming',"
                             " 'arguments': { 'uri': %s } }", uri);
    vtm_qt_wait_migration(t.qts, "completed");
    qtest_qmp_assert_success(t.qts, "{'execute': 'cont'}");
    unlink(file);
    for (k = 0; k < t.n; k++) {
        g_assert_cmphex(ureg_rq(&t, k, A_RTADDR), ==, rtaddr[k]);
        g_assert_cmphex(ureg_rl(&t, k, A_GSTS) & R_GSTS_TES_MASK, ==,
                        R_GSTS_TES_MASK);
    }
    check_translated(&t);
    units_stop(&t);
}

/* A unit with translation off lets its devices through untranslated. */
static void test_independent_enable(void)
{
    UnitsTest t;

    units_start(&t, 3, NULL);
    setup_all(&t);
    qtest_writel(t.qts, t.u[1].base + A_GCMD, 0);
    g_assert_cmphex(ureg_rl(&t, 1, A_GSTS) & R_GSTS_TES_MASK, ==, 0);
    fill(&t, IOVA, 0x5a);
    edu_copy(&t, 1);
    assert_filled(&t, IOVA + DMA_LEN, 0x5a);
    /* the other units still translate */
    edu_copy(&t, 2);
    assert_filled(&t, data_page(2) + DMA_LEN, 0x33);
    g_assert_cmphex(ureg_rl(&t, 0, A_GSTS) & R_GSTS_TES_MASK, ==,
                    R_GSTS_TES_MASK);
    units_stop(&t);
}

/* A fault is recorded by the unit of the requester, no other (7.2). */
static void test_fault_per_unit(void)
{
    UnitsTest t;
    unsigned k, f;

    units_start(&t, 3, NULL);
    setup_all(&t);
    for (f = 1; f < MAX_UNITS; f++) {
        uint64_t hi;

        edu_dma(&t, f, EDU_DMA_BUF, UNMAPPED_IOVA, true);
        for (k = 0; k < t.n; k++) {
            uint32_t fsts = ureg_rl(&t, k, A_FSTS);

            if (k != f) {
                g_assert_cmphex(fsts, ==, 0);
                continue;
            }
            g_assert_cmphex(fsts & R_FSTS_PPF_MASK, ==, R_FSTS_PPF_MASK);
            hi = ureg_rq(&t, k, VTM_FRO_OFFSET + A_FRCD_HI);
            g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, F), ==, 1);
            g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, SID), ==, edu_sid(f));
            g_assert_cmphex(ureg_rq(&t, k, VTM_FRO_OFFSET + A_FRCD_LO) &
                            R_FRCD_LO_FI_MASK, ==, UNMAPPED_IOVA);
            /* clear it: the next unit's check sees only its own */
            ureg_wq(&t, k, VTM_FRO_OFFSET + A_FRCD_HI, R_FRCD_HI_F_MASK);
            qtest_writel(t.qts, t.u[k].base + A_FSTS, R_FSTS_PFO_MASK);
        }
    }
    units_stop(&t);
}

/* ---- Interrupt remapping per unit --------------------------------------- */

static char *route(UnitsTest *t, uint64_t addr, uint32_t data, int sid)
{
    return vtm_qt_probe_route(t->qts, addr, data, sid);
}

/* The message a remapped-format IRTE with vector v and APIC id d makes */
static char *remapped(uint8_t v, uint8_t d)
{
    uint64_t a = FIELD_DP64(0xfee00000ULL, MSI_ADDR, DEST, d);
    uint32_t x = FIELD_DP32(0, MSI_DATA, VECTOR, v);

    x = FIELD_DP32(x, MSI_DATA, LEVEL, 1);
    return g_strdup_printf("0 0x%" PRIx64 " 0x%x", a, x);
}

/*
 * Unit k: an IRT whose entry IRTE_INDEX sends vector 0x40 + k to APIC k
 * (with present), or an empty one.
 */
static void ir_enable_table(UnitsTest *t, unsigned k, bool present)
{
    uint64_t irt = IRT_BASE + k * 0x1000, raw[2];
    VtmtIrte e = { .vector = 0x40 + k, .dest = k };

    qtest_memset(t->qts, irt, 0, 0x1000);
    vtmt_irte(raw, &e, false);
    if (present) {
        g_assert_true(vtmt_irte_put(&t->u[k].mem.mem, irt, IRTE_INDEX,
                                    raw));
    }
    ureg_wq(t, k, A_IRTA, vtmt_irta(irt, 7, false));
    ugcmd(t, k, R_GCMD_SIRTP_MASK, R_GSTS_IRTPS_MASK);
    ugcmd(t, k, R_GCMD_IRE_MASK, R_GSTS_IRES_MASK);
}

static void ir_enable(UnitsTest *t, unsigned k)
{
    ir_enable_table(t, k, true);
}

/*
 * KVM's routes go to the machine's default IOMMU (the first unit); the
 * unit serving the requester answers from its own table.
 */
static void test_route_per_unit(gconstpointer data)
{
    unsigned n = GPOINTER_TO_UINT(data);
    uint64_t ra = vtmt_msi_remap_addr(IRTE_INDEX, false);
    UnitsTest t;
    unsigned k;

    units_start(&t, n, NULL);
    for (k = 0; k < n; k++) {
        ir_enable(&t, k);
    }
    for (k = 0; k < MAX_UNITS; k++) {
        unsigned o = owner_of(&t, k);
        g_autofree char *got = route(&t, ra, 0, edu_sid(k));
        g_autofree char *want = remapped(0x40 + o, o);

        g_assert_cmpstr(got, ==, want);
    }
    /* the I/O APIC (no requester) belongs to unit 0 */
    {
        g_autofree char *got = route(&t, ra, 0, -1);
        g_autofree char *want = remapped(0x40, 0);

        g_assert_cmpstr(got, ==, want);
    }
    units_stop(&t);
}

/* edu k's MSI (64-bit capability) with a remappable-format address */
static void edu_msi_setup(UnitsTest *t, unsigned k, uint64_t addr)
{
    QPCIDevice *edu = t->u[k].edu;
    uint8_t cap = qpci_find_capability(edu, PCI_CAP_ID_MSI, 0);
    uint16_t ctrl;

    g_assert_cmpuint(cap, !=, 0);
    qpci_config_writel(edu, cap + PCI_MSI_ADDRESS_LO, addr);
    qpci_config_writel(edu, cap + PCI_MSI_ADDRESS_HI, addr >> 32);
    qpci_config_writew(edu, cap + PCI_MSI_DATA_64, 0);
    ctrl = qpci_config_readw(edu, cap + PCI_MSI_FLAGS);
    qpci_config_writew(edu, cap + PCI_MSI_FLAGS, ctrl | PCI_MSI_FLAGS_ENABLE);
}

#define EDU_REG_RAISE       0x60

static int64_t unit_stat(UnitsTest *t, unsigned k, const char *path)
{
    g_autofree char *qom = g_strdup_printf(STATS_PATH_FMT, k);
    QDict *st = vtm_qtest_stats(t->qts, qom);
    int64_t v = stats_int(st, path);

    qobject_unref(st);
    return v;
}

/*
 * Devices' own MSIs (through their address spaces' interrupt windows):
 * each unit remaps its devices' with its own table.  Unit 1's table has
 * no entry: its edu's interrupt faults there (9.10, reason 0x22), and
 * only there.
 */
static void test_msi_per_unit(void)
{
    uint64_t ra = vtmt_msi_remap_addr(IRTE_INDEX, false), hi;
    int64_t before[MAX_UNITS];
    UnitsTest t;
    unsigned k;

    units_start(&t, 3, NULL);
    for (k = 0; k < t.n; k++) {
        ir_enable_table(&t, k, k != 1);
        edu_msi_setup(&t, k, ra);
    }
    /* the catch-all also takes the I/O APIC's: count what the edus add */
    for (k = 0; k < t.n; k++) {
        before[k] = unit_stat(&t, k, "unit/interrupts/requests");
    }
    for (k = 0; k < t.n; k++) {
        qpci_io_writel(t.u[k].edu, t.u[k].bar, EDU_REG_RAISE, 1);
    }
    for (k = 0; k < t.n; k++) {
        g_assert_cmpint(unit_stat(&t, k, "unit/interrupts/requests") -
                        before[k], ==, 1);
        if (k != 1) {
            g_assert_cmphex(ureg_rl(&t, k, A_FSTS), ==, 0);
            continue;
        }
        g_assert_cmphex(ureg_rl(&t, k, A_FSTS) & R_FSTS_PPF_MASK, ==,
                        R_FSTS_PPF_MASK);
        hi = ureg_rq(&t, k, VTM_FRO_OFFSET + A_FRCD_HI);
        g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, SID), ==, edu_sid(1));
        g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, FR), ==,
                        VTM_FR_IR_NOT_PRESENT);
    }
    units_stop(&t);
}

/* ---- A bypassing bus ---------------------------------------------------- */

static void test_bypass(void)
{
    uint64_t ra = vtmt_msi_remap_addr(IRTE_INDEX, false);
    g_autofree char *got = NULL, *want = NULL;
    QPCIDevice *edu;
    QPCIBar bar;
    QTestState *qts;
    QPCIBus *pcibus;
    UnitsTest t = { 0 };

    qts = qtest_initf("-M q35 -m 1G -nodefaults "
                      "-device pxb-pcie,id=pxb1,bus_nr=32,bypass_iommu=on "
                      "-device pcie-root-port,id=rp1,bus=pxb1,chassis=1 "
                      "-device vtm-iommu,id=u0 "
                      "-device edu,bus=rp1,addr=00.0," EDU_OPTS " "
                      "-device x-vtm-route-probe,id=probe");
    t.qts = qts;
    t.n = 1;
    t.u[0].base = unit_base(0);
    pcibus = qpci_new_pc(qts, NULL);
    edu = edu_setup(pcibus, edu_sid(1), &bar);
    /* translation on with an empty root table: any request would fault */
    vtm_qt_mem_init(&t.u[0].mem, qts, TABLE_BASE, TABLE_BASE + TABLE_SPAN);
    enable_translation(&t, 0);
    fill(&t, IOVA, 0x77);
    fill(&t, IOVA + DMA_LEN, 0);
    vtm_edu_dma(qts, edu, bar, IOVA, EDU_DMA_BUF, DMA_LEN, false);
    vtm_edu_dma(qts, edu, bar, EDU_DMA_BUF, IOVA + DMA_LEN, DMA_LEN, true);
    assert_filled(&t, IOVA + DMA_LEN, 0x77);
    g_assert_cmphex(ureg_rl(&t, 0, A_FSTS), ==, 0);
    /* its interrupts are not remapped either */
    ir_enable(&t, 0);
    got = route(&t, ra, 0x31, edu_sid(1));
    want = g_strdup_printf("0 0x%" PRIx64 " 0x31", ra);
    g_assert_cmpstr(got, ==, want);
    g_free(edu);
    qpci_free_pc(pcibus);
    qtest_quit(qts);
}

/* ---- The DMAR table ----------------------------------------------------- */

typedef struct Scope {
    uint8_t type, bus, devfn;
} Scope;

typedef struct Drhd {
    uint8_t flags;
    uint64_t base;
    unsigned nscopes;
    Scope scopes[64];
} Drhd;

typedef struct Dmar {
    uint8_t haw, flags;
    unsigned ndrhd;
    Drhd drhd[MAX_UNITS + 1];
    bool atsr;
    uint8_t atsr_flags;
    unsigned natsr_scopes;
    Scope atsr_scopes[8];
} Dmar;

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n--) {
        v = (v << 8) | p[n];
    }
    return v;
}

/* Device scopes (8.3.1) of one-entry paths, from p to end */
static unsigned parse_scopes(const uint8_t *p, const uint8_t *end,
                             Scope *s, unsigned max)
{
    unsigned n = 0;

    while (p < end) {
        g_assert_cmpuint(p[1], ==, 8);
        g_assert_cmpuint(n, <, max);
        s[n].type = p[0];
        s[n].bus = p[5];
        s[n].devfn = QPCI_DEVFN(p[6], p[7]);
        n++;
        p += p[1];
    }
    g_assert(p == end);
    return n;
}

static void parse_dmar(const uint8_t *t, Dmar *d)
{
    uint32_t len = le(t + 4, 4);
    const uint8_t *p = t + 48, *end = t + len;

    memset(d, 0, sizeof(*d));
    d->haw = t[36];
    d->flags = t[37];
    while (p < end) {
        unsigned type = le(p, 2), slen = le(p + 2, 2);

        g_assert_cmpuint(slen, >=, 8);
        if (type == 0) {
            Drhd *h = &d->drhd[d->ndrhd++];

            g_assert_cmpuint(d->ndrhd, <=, MAX_UNITS + 1);
            h->flags = p[4];
            h->base = le(p + 8, 8);
            h->nscopes = parse_scopes(p + 16, p + slen, h->scopes, 64);
        } else if (type == 2) {
            d->atsr = true;
            d->atsr_flags = p[4];
            d->natsr_scopes = parse_scopes(p + 8, p + slen, d->atsr_scopes, 8);
        }
        p += slen;
    }
}

/* The DMAR table in the ACPI tables blob QEMU hands the firmware */
static void read_dmar(QTestState *qts, Dmar *d)
{
    QFWCFG *fw = pc_fw_cfg_init(qts);
    size_t size = qfw_cfg_get_file(fw, "etc/acpi/tables", NULL, 0);
    g_autofree uint8_t *blob = g_malloc0(size);
    const uint8_t *hit = NULL;
    size_t i;

    g_assert_cmpuint(size, >, 0);
    qfw_cfg_get_file(fw, "etc/acpi/tables", blob, size);
    for (i = 0; i + 48 <= size && !hit; i++) {
        if (!memcmp(blob + i, "DMAR", 4) &&
            i + le(blob + i + 4, 4) <= size) {
            hit = blob + i;
        }
    }
    g_assert(hit);
    parse_dmar(hit, d);
    pc_fw_cfg_uninit(fw);
}

static bool has_scope(const Drhd *h, uint8_t type, uint8_t bus, uint8_t devfn)
{
    unsigned i;

    for (i = 0; i < h->nscopes; i++) {
        if (h->scopes[i].type == type && h->scopes[i].bus == bus &&
            h->scopes[i].devfn == devfn) {
            return true;
        }
    }
    return false;
}

static bool scope_on_bus(const Drhd *h, uint8_t bus)
{
    unsigned i;

    for (i = 0; i < h->nscopes; i++) {
        if (h->scopes[i].type != 3 && h->scopes[i].bus == bus) {
            return true;
        }
    }
    return false;
}

#define SCOPE_ENDPOINT      1
#define SCOPE_BRIDGE        2
#define SCOPE_IOAPIC        3
#define DRHD_INCLUDE_ALL    1
#define IOAPIC_BUS          0xff
#define IOAPIC_DEVFN        QPCI_DEVFN(0, 0)

static void test_dmar_one(void)
{
    QTestState *qts = qtest_init("-M q35 -nodefaults -device vtm-iommu");
    Dmar d;

    read_dmar(qts, &d);
    g_assert_cmpuint(d.haw, ==, 47);
    g_assert_cmpuint(d.flags & 1, ==, 1);   /* INTR_REMAP */
    g_assert_cmpuint(d.ndrhd, ==, 1);
    g_assert_cmpuint(d.drhd[0].flags, ==, DRHD_INCLUDE_ALL);
    g_assert_cmphex(d.drhd[0].base, ==, VTM_DEFAULT_BASE);
    g_assert_cmpuint(d.drhd[0].nscopes, ==, 1);
    g_assert_true(has_scope(&d.drhd[0], SCOPE_IOAPIC, IOAPIC_BUS,
                            IOAPIC_DEVFN));
    g_assert_false(d.atsr);
    qtest_quit(qts);
}

/*
 * Three units: the two on expander buses first, listing their root ports
 * (as bridges: what sits below is theirs); the catch-all last.  Only the
 * unit with device-iotlb has its root port in the ATSR.
 */
static void test_dmar_three(void)
{
    QTestState *qts = qtest_init(
        "-M q35 -nodefaults " PXB_BUSES
        "-device vtm-iommu -device vtm-iommu,root-bus=pxb1,device-iotlb=on "
        "-device vtm-iommu,root-bus=pxb2,perfmon=off "
        "-device pcie-root-port,id=rp1,bus=pxb1,addr=02.0,chassis=1 "
        "-device pcie-root-port,id=rp2,bus=pxb2,addr=01.0,chassis=2 "
        "-device pcie-pci-bridge,id=br,bus=rp2 "
        "-device pcie-root-port,id=rp3,bus=pxb2,addr=05.0,chassis=3 "
        "-device edu,bus=rp1 -device edu,bus=br,addr=01.0");
    Dmar d;

    read_dmar(qts, &d);
    g_assert_cmpuint(d.ndrhd, ==, 3);
    g_assert_cmphex(d.drhd[0].base, ==, unit_base(1));
    g_assert_cmpuint(d.drhd[0].flags, ==, 0);
    g_assert_cmpuint(d.drhd[0].nscopes, ==, 1);
    g_assert_true(has_scope(&d.drhd[0], SCOPE_BRIDGE, PXB1_BUS,
                            QPCI_DEVFN(2, 0)));
    g_assert_cmphex(d.drhd[1].base, ==, unit_base(2));
    g_assert_cmpuint(d.drhd[1].flags, ==, 0);
    g_assert_cmpuint(d.drhd[1].nscopes, ==, 2);
    g_assert_true(has_scope(&d.drhd[1], SCOPE_BRIDGE, PXB2_BUS,
                            QPCI_DEVFN(1, 0)));
    g_assert_true(has_scope(&d.drhd[1], SCOPE_BRIDGE, PXB2_BUS,
                            QPCI_DEVFN(5, 0)));
    g_assert_cmphex(d.drhd[2].base, ==, VTM_DEFAULT_BASE);
    g_assert_cmpuint(d.drhd[2].flags, ==, DRHD_INCLUDE_ALL);
    g_assert_cmpuint(d.drhd[2].nscopes, ==, 1);
    g_assert_true(has_scope(&d.drhd[2], SCOPE_IOAPIC, IOAPIC_BUS,
                            IOAPIC_DEVFN));
    g_assert_true(d.atsr);
    g_assert_cmpuint(d.atsr_flags, ==, 0);
    g_assert_cmpuint(d.natsr_scopes, ==, 1);
    g_assert_cmpuint(d.atsr_scopes[0].type, ==, SCOPE_BRIDGE);
    g_assert_cmpuint(d.atsr_scopes[0].bus, ==, PXB1_BUS);
    g_assert_cmpuint(d.atsr_scopes[0].devfn, ==, QPCI_DEVFN(2, 0));
    qtest_quit(qts);
}

/*
 * A bypassing expander bus: in no scope, so the catch-all lists what it
 * serves instead of claiming INCLUDE_PCI_ALL; an unclaimed translated
 * expander bus stays in its scope.
 */
static void test_dmar_bypass(void)
{
    QTestState *qts = qtest_initf(
        "-M q35 -nodefaults "
        "-device pxb-pcie,id=pxb1,bus_nr=32,bus=pcie.0,bypass_iommu=on "
        "-device pxb-pcie,id=pxb2,bus_nr=64,bus=pcie.0 " ROOT_PORTS
        "-device vtm-iommu -device edu,bus=rp1 -device edu,bus=rp2 "
        "-device edu,bus=pcie.0,addr=%02x.0", EDU_SLOT_PCIE0);
    Dmar d;

    read_dmar(qts, &d);
    g_assert_cmpuint(d.ndrhd, ==, 1);
    g_assert_cmpuint(d.drhd[0].flags, ==, 0);
    g_assert_true(has_scope(&d.drhd[0], SCOPE_IOAPIC, IOAPIC_BUS,
                            IOAPIC_DEVFN));
    g_assert_true(has_scope(&d.drhd[0], SCOPE_ENDPOINT, 0,
                            QPCI_DEVFN(EDU_SLOT_PCIE0, 0)));
    g_assert_true(has_scope(&d.drhd[0], SCOPE_BRIDGE, PXB2_BUS, 0));
    g_assert_false(scope_on_bus(&d.drhd[0], PXB1_BUS));
    qtest_quit(qts);

    /* the whole of pcie.0 bypassing: only the expander bus is listed */
    qts = qtest_initf("-M q35,default-bus-bypass-iommu=on -nodefaults "
                      "-device pxb-pcie,id=pxb2,bus_nr=64,bus=pcie.0 "
                      "-device pcie-root-port,id=rp2,bus=pxb2,chassis=2 "
                      "-device vtm-iommu -device edu,bus=rp2 "
                      "-device edu,bus=pcie.0,addr=%02x.0", EDU_SLOT_PCIE0);
    read_dmar(qts, &d);
    g_assert_cmpuint(d.ndrhd, ==, 1);
    g_assert_cmpuint(d.drhd[0].flags, ==, 0);
    g_assert_cmpuint(d.drhd[0].nscopes, ==, 2);
    g_assert_true(has_scope(&d.drhd[0], SCOPE_BRIDGE, PXB2_BUS, 0));
    g_assert_false(scope_on_bus(&d.drhd[0], 0));
    qtest_quit(qts);
}

/* ---- Command lines that must fail --------------------------------------- */

static void expect_error(const char *devices, const char *msg)
{
    g_auto(GStrv) argv = g_strsplit(devices, " ", -1);
    g_autofree char *err = NULL;
    int status;

    err = vtm_qemu_expect_exit((const char *const *)argv, &status);
    g_assert_cmpint(status, !=, 0);
    if (!strstr(err, msg)) {
        g_error("expected '%s' in: %s", msg, err);
    }
}

static void test_bad_units(void)
{
    expect_error("-M q35 -device vtm-iommu -device vtm-iommu",
                 "property 'root-bus': bus 'pcie.0' already has a unit");
    expect_error("-M q35 -device vtm-iommu,root-bus=nope",
                 "property 'root-bus': no root bus 'nope'");
    expect_error("-M q35 -device pxb-pcie,id=p,bus_nr=32,bypass_iommu=on "
                 "-device vtm-iommu -device vtm-iommu,root-bus=p",
                 "property 'root-bus': bus 'p' bypasses the IOMMU");
    expect_error("-M q35 -device pxb-pcie,id=p,bus_nr=32 "
                 "-device vtm-iommu,root-bus=p",
                 "no unit serves pcie.0");
    expect_error("-M q35 -device pxb-pcie,id=p,bus_nr=32 "
                 "-device vtm-iommu -device vtm-iommu,root-bus=p,"
                 "reg-base=0xfed90000",
                 "property 'reg-base': registers at 0xfed90000 overlap");
    expect_error("-M q35 -device pxb-pcie,id=p,bus_nr=32 "
                 "-device vtm-iommu -device vtm-iommu,root-bus=p,"
                 "intremap=off", "property 'intremap' must be the same");
}

/* ---- Main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/vtm/units/dma/2", GUINT_TO_POINTER(2), test_dma);
    qtest_add_data_func("/vtm/units/dma/3", GUINT_TO_POINTER(3), test_dma);
    qtest_add_func("/vtm/units/independent-enable", test_independent_enable);
    qtest_add_func("/vtm/units/migrate", test_migrate);
    qtest_add_func("/vtm/units/fault-per-unit", test_fault_per_unit);
    qtest_add_data_func("/vtm/units/route/2", GUINT_TO_POINTER(2),
                        test_route_per_unit);
    qtest_add_data_func("/vtm/units/route/3", GUINT_TO_POINTER(3),
                        test_route_per_unit);
    qtest_add_func("/vtm/units/msi", test_msi_per_unit);
    qtest_add_func("/vtm/units/bypass", test_bypass);
    qtest_add_func("/vtm/units/dmar/one", test_dmar_one);
    qtest_add_func("/vtm/units/dmar/three", test_dmar_three);
    qtest_add_func("/vtm/units/dmar/bypass", test_dmar_bypass);
    qtest_add_func("/vtm/units/bad", test_bad_units);
    return g_test_run();
}
