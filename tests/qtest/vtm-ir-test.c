/*
 * qtest for vtm-iommu's interrupt remapping: MSIs from the edu device and
 * I/O APIC interrupts remapped through IRTEs to a chosen vector and APIC
 * (xAPIC and x2APIC destinations, one above 255), every interrupt
 * remapping fault reason with FPD, interrupt entry cache invalidation,
 * compatibility format, posted interrupts, IR-only mode and reset.
 *
 * Delivered interrupts are observed in the target local APIC's IRR
 * ("info lapic N": with the qtest accelerator no vCPU runs, so a vector
 * stays requested).  The exact message put on the APIC bus, including the
 * upper 24 bits of an x2APIC destination that an xAPIC-mode APIC does not
 * compare, is read from the vtm_ir_send trace event in a log file, as is
 * x86_iommu_iec_notify (the hook KVM's routes and the split irqchip's I/O
 * APIC listen to).  The int_remap hook itself is a thin lock around
 * vtm_ir_route(), which tests/unit/test-vtm-ir.c calls directly.
 *
 * Layouts come from hw/i386/vtm/vtm-defs.h; expected values are what VT-d
 * chapter 5 and 9.10-9.12 require.
 *
 * Guest memory used (-m 512M; no guest code runs):
 *   MISC_BASE    fault event message, wait status dword
 *   QUEUE_BASE   invalidation queue
 *   IRT_BASE     interrupt remapping table (up to 64K entries, 1 MiB)
 *   PID_BASE     posted interrupt descriptors
 *   TABLE_BASE   root and context table (edu in pass-through)
 *   DATA_BASE    edu DMA source
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <poll.h>
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "vtm-qtest-util.h"

/* The edu device (hw/misc/edu.c) */
#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */
#define EDU_REG_RAISE       0x60
#define EDU_REG_LOWER       0x64

/* The I/O APIC: registers, and its source-id from the DMAR table */
#define IOAPIC_BASE         0xfec00000ULL
#define IOAPIC_REGSEL       0x00
#define IOAPIC_WINDOW       0x10
#define IOAPIC_REDTBL(pin)  (0x10 + 2 * (pin))
#define IOAPIC_SID          0xff00              /* bus 0xff, 00.0 */
#define IOAPIC_PATH         "/machine/q35/ioapic"

#define MISC_BASE           0x00800000ULL
#define FE_MSG_ADDR         (MISC_BASE + 0x00)
#define WAIT_STATUS_ADDR    (MISC_BASE + 0x80)
#define QUEUE_BASE          0x00900000ULL
#define IRT_BASE            0x00a00000ULL
#define PID_BASE            0x00c00000ULL
#define TABLE_BASE          0x01000000ULL
#define DATA_BASE           0x03000000ULL
#define NO_RAM              0xfed00000ULL   /* HPET: not memory */

#define FE_DATA             0x00004021
#define NCPUS               4

typedef struct VtmTest {
    QTestState *qts;
    QPCIBus *pcibus;
    QPCIDevice *edu;
    QPCIBar bar;
    char *log;              /* the trace log file */
    VtmQtMem mem;           /* guest memory; tables from TABLE_BASE */
    VtmQtQueue iq;          /* the invalidation queue at QUEUE_BASE */
    bool eime;
} VtmTest;

/* A remapped-format IRTE (9.10) */
typedef VtmtIrte Irte;

/* ---- QEMU -------------------------------------------------------------- */

static void vtm_start_with(VtmTest *t, const char *machine,
                           const char *iommu_opts)
{
    int fd;

    memset(t, 0, sizeof(*t));
    fd = g_file_open_tmp("vtm-ir-trace-XXXXXX", &t->log, NULL);
    g_assert(fd >= 0);
    close(fd);
    t->qts = qtest_initf("-M q35 -m 512M -nodefaults %s "
                         "-trace vtm_ir_send -trace x86_iommu_iec_notify "
                         "-D %s -device vtm-iommu%s "
                         "-device edu,addr=04.0,dma_mask=0xffffffffffffffff",
                         machine, t->log, iommu_opts);
    t->pcibus = qpci_new_pc(t->qts, NULL);
    t->edu = qpci_device_find(t->pcibus, EDU_DEVFN);
    g_assert(t->edu);
    qpci_device_enable(t->edu);
    t->bar = qpci_iomap(t->edu, 0, NULL);
    vtm_qt_mem_init(&t->mem, t->qts, TABLE_BASE, DATA_BASE);
    vtm_qt_qi_init(&t->iq, t->qts, &t->mem.mem, QUEUE_BASE, 0,
                   WAIT_STATUS_ADDR);
    /* interrupt remapping faults may be pending: only IQE matters */
    t->iq.fsts_ignore = ~R_FSTS_IQE_MASK;
}

static void vtm_start(VtmTest *t, const char *iommu_opts)
{
    vtm_start_with(t, "-smp " G_STRINGIFY(NCPUS), iommu_opts);
}

static void vtm_stop(VtmTest *t)
{
    g_free(t->edu);
    qpci_free_pc(t->pcibus);
    qtest_quit(t->qts);
    unlink(t->log);
    g_free(t->log);
}

/* ---- Registers --------------------------------------------------------- */

static uint32_t gsts(VtmTest *t)
{
    return vtm_reg_rl(t->qts, A_GSTS);
}

/* ---- Invalidation queue (vtm-qtest-util.h) ---------------------------- */

/* 6.5.2.7 IEC invalidation: global, or 2^im entries from index. */
static void qi_iec(VtmTest *t, bool global, uint16_t index, uint8_t im)
{
    vtm_qt_qi_put(&t->iq, vtmt_qi_iec(global, index, im));
}

/* The queued descriptors, then a status write that proves completion. */
static void qi_sync(VtmTest *t)
{
    vtm_qt_qi_sync(&t->iq);
}

/* ---- Interrupt remapping table (tests/lib) ----------------------------- */

static uint64_t irta_value(bool eime, unsigned s)
{
    return vtmt_irta(IRT_BASE, s, eime);
}

/*
 * Table at IRT_BASE with 2^(s+1) entries, latched by SIRTP, the IEC
 * flushed (11.4.4.1 asks for it), then IRE (and CFI) set.
 */
static void ir_enable(VtmTest *t, bool eime, unsigned s, bool cfi)
{
    qtest_memset(t->qts, IRT_BASE, 0, VTM_IRTE_SIZE << (s + 1));
    vtm_reg_wq(t->qts, A_IRTA, irta_value(eime, s));
    vtm_gcmd_update(t->qts, R_GCMD_SIRTP_MASK, 0);
    g_assert_cmphex(gsts(t) & R_GSTS_IRTPS_MASK, ==, R_GSTS_IRTPS_MASK);
    vtm_qt_qi_enable(&t->iq);
    qi_iec(t, true, 0, 0);
    qi_sync(t);
    vtm_gcmd_update(t->qts, R_GCMD_IRE_MASK | (cfi ? R_GCMD_CFI_MASK : 0), 0);
    g_assert_cmphex(gsts(t) & R_GSTS_IRES_MASK, ==, R_GSTS_IRES_MASK);
    g_assert_cmphex(!!(gsts(t) & R_GSTS_CFIS_MASK), ==, cfi);
    t->eime = eime;
}

static uint64_t irte_lo(const Irte *e, bool eime)
{
    uint64_t raw[2];

    vtmt_irte(raw, e, eime);
    return raw[0];
}

static void irte_raw(VtmTest *t, uint32_t index, uint64_t lo, uint64_t hi)
{
    uint64_t raw[2] = { lo, hi };

    vtmt_irte_put(&t->mem.mem, IRT_BASE, index, raw);
}

static void irte_put(VtmTest *t, uint32_t index, const Irte *e)
{
    uint64_t raw[2];

    vtmt_irte(raw, e, t->eime);
    vtmt_irte_put(&t->mem.mem, IRT_BASE, index, raw);
}

/* A posted-format IRTE (9.11) for virtual vector vv, descriptor at pda */
static void irte_put_posted(VtmTest *t, uint32_t index, uint8_t vv,
                            bool urgent, uint64_t pda, bool fpd)
{
    uint64_t raw[2];

    vtmt_irte_posted(raw, vv, urgent, pda, fpd);
    vtmt_irte_put(&t->mem.mem, IRT_BASE, index, raw);
}

/* The remappable-format address naming index (5.1.2.2) */
static uint64_t remap_addr(uint32_t index)
{
    return vtmt_msi_remap_addr(index, false);
}

/* A compatibility-format message: physical, fixed, edge */
static uint64_t compat_addr(uint8_t apic)
{
    return FIELD_DP64(0xfee00000ULL, MSI_ADDR, DEST, apic);
}

/* ---- The edu device's MSI and DMA -------------------------------------- */

static void edu_msi_program(VtmTest *t, uint64_t addr, uint16_t data)
{
    uint8_t cap = qpci_find_capability(t->edu, PCI_CAP_ID_MSI, 0);
    uint16_t flags;

    g_assert(cap);
    flags = qpci_config_readw(t->edu, cap + PCI_MSI_FLAGS);
    g_assert(flags & PCI_MSI_FLAGS_64BIT);
    qpci_config_writel(t->edu, cap + PCI_MSI_ADDRESS_LO, addr);
    qpci_config_writel(t->edu, cap + PCI_MSI_ADDRESS_HI, addr >> 32);
    qpci_config_writew(t->edu, cap + PCI_MSI_DATA_64, data);
    qpci_config_writew(t->edu, cap + PCI_MSI_FLAGS,
                       flags | PCI_MSI_FLAGS_ENABLE);
}

/* One MSI from edu with the given message. */
static void edu_msi(VtmTest *t, uint64_t addr, uint16_t data)
{
    edu_msi_program(t, addr, data);
    qpci_io_writel(t->edu, t->bar, EDU_REG_RAISE, 1);
    qpci_io_writel(t->edu, t->bar, EDU_REG_LOWER, 1);
}

/* A plain DMA write of one dword (not an MSI) into the interrupt range. */
static void edu_dma_dword(VtmTest *t, uint64_t addr, uint32_t value)
{
    qtest_writel(t->qts, DATA_BASE, value);
    vtm_edu_dma(t->qts, t->edu, t->bar, DATA_BASE, EDU_DMA_BUF, 4, false);
    vtm_edu_dma(t->qts, t->edu, t->bar, EDU_DMA_BUF, addr, 4, true);
}

/* edu in pass-through (TT=10b) with translation on: its own window. */
static void edu_passthrough(VtmTest *t)
{
    uint64_t root = vtm_qt_alloc(&t->mem), ctx = vtm_qt_alloc(&t->mem);

    vtmt_w64(&t->mem.mem, root, vtmt_root_lo(ctx));
    vtmt_w128(&t->mem.mem, ctx + EDU_DEVFN * VTM_CTX_ENTRY_SIZE,
              vtmt_ctx_lo(0, VTM_TT_PASSTHROUGH, false),
              vtmt_ctx_hi(vtmt_aw_of_levels(4), 1));
    vtm_reg_wq(t->qts, A_RTADDR,
               FIELD_DP64(0, RTADDR, RTA, root >> VTM_PAGE_SHIFT));
    vtm_gcmd_update(t->qts, R_GCMD_SRTP_MASK, 0);
    vtm_gcmd_update(t->qts, R_GCMD_TE_MASK, 0);
    g_assert_cmphex(gsts(t) & R_GSTS_TES_MASK, ==, R_GSTS_TES_MASK);
}

/* ---- The I/O APIC ------------------------------------------------------ */

static void ioapic_write(VtmTest *t, uint32_t reg, uint32_t val)
{
    qtest_writel(t->qts, IOAPIC_BASE + IOAPIC_REGSEL, reg);
    qtest_writel(t->qts, IOAPIC_BASE + IOAPIC_WINDOW, val);
}

/*
 * An edge-triggered, unmasked redirection entry in remappable format
 * (5.1.5.1): bit 48 the format, 63:49 index[14:0], bit 11 index[15]; the
 * vector field holds the pin, as Linux programs it.
 */
static void ioapic_route_remappable(VtmTest *t, unsigned pin, uint32_t index)
{
    uint32_t lo = pin | (index >> 15) << 11;
    uint32_t hi = 1u << 16 | (index & 0x7fff) << 17;

    ioapic_write(t, IOAPIC_REDTBL(pin) + 1, hi);
    ioapic_write(t, IOAPIC_REDTBL(pin), lo);
}

static void ioapic_pulse(VtmTest *t, unsigned pin)
{
    qtest_set_irq_in(t->qts, IOAPIC_PATH, NULL, pin, 1);
    qtest_set_irq_in(t->qts, IOAPIC_PATH, NULL, pin, 0);
}

/* ---- Observing delivered interrupts ------------------------------------ */

/* Whether the local APIC with this ID has vector requested (IRR). */
static bool lapic_has(VtmTest *t, uint32_t apic_id, uint8_t vector,
                      bool *level)
{
    g_autofree char *out = qtest_hmp(t->qts, "info lapic %u", apic_id);
    g_auto(GStrv) tok = NULL;
    char *irr = strstr(out, "\nIRR\t");
    int i;

    g_assert(irr);
    irr += strlen("\nIRR\t");
    irr[strcspn(irr, "\n")] = 0;
    tok = g_strsplit(irr, " ", -1);
    for (i = 0; tok[i]; i++) {
        if (g_ascii_isdigit(tok[i][0]) && atoi(tok[i]) == vector) {
            if (level) {
                *level = strstr(tok[i], "(level)") != NULL;
            }
            return true;
        }
    }
    return false;
}

/* Exactly one of the CPUs 0..ncpus-1 has vector, and it is apic_id. */
static void assert_delivered_to(VtmTest *t, unsigned ncpus, uint32_t apic_id,
                                uint8_t vector)
{
    unsigned i;

    for (i = 0; i < ncpus; i++) {
        g_assert_cmpint(lapic_has(t, i, vector, NULL), ==, i == apic_id);
    }
}

/* The trace log: the messages vtm put on the APIC bus, in order. */
static unsigned trace_sends(VtmTest *t, uint64_t *addr, uint32_t *data)
{
    g_autofree char *log = NULL;
    const char *p, *last = NULL;
    unsigned n = 0;

    g_assert(g_file_get_contents(t->log, &log, NULL, NULL));
    for (p = log; (p = strstr(p, "vtm_ir_send ")); p++) {
        last = p;
        n++;
    }
    if (last && addr) {
        g_assert_cmpint(sscanf(last, "vtm_ir_send addr 0x%" SCNx64
                               " data 0x%" SCNx32, addr, data), ==, 2);
    }
    return n;
}

static unsigned trace_count(VtmTest *t, const char *what)
{
    g_autofree char *log = NULL;
    const char *p;
    unsigned n = 0;

    g_assert(g_file_get_contents(t->log, &log, NULL, NULL));
    for (p = log; (p = strstr(p, what)); p++) {
        n++;
    }
    return n;
}

static void assert_last_send(VtmTest *t, uint64_t addr, uint32_t data)
{
    uint64_t a = 0;
    uint32_t d = 0;

    g_assert_cmpuint(trace_sends(t, &a, &d), >, 0);
    g_assert_cmphex(a, ==, addr);
    g_assert_cmphex(d, ==, data);
}

/* The message a remapped IRTE gives (compatibility layout, 5.1.2.1) */
static uint64_t msg_addr(uint32_t dest, bool dm, bool rh)
{
    uint64_t a = FIELD_DP64(0, MSI_ADDR, HEAD, VTM_MSI_ADDR_HEAD);

    a = FIELD_DP64(a, MSI_ADDR, DEST, dest & 0xff);
    a = FIELD_DP64(a, MSI_ADDR, DEST_HI, dest >> 8);
    a = FIELD_DP64(a, MSI_ADDR, DM, dm);
    return FIELD_DP64(a, MSI_ADDR, RH, rh);
}

static uint32_t msg_data(uint8_t vector, uint8_t dlm, bool tm)
{
    uint32_t d = FIELD_DP32(0, MSI_DATA, VECTOR, vector);

    d = FIELD_DP32(d, MSI_DATA, DLM, dlm);
    d = FIELD_DP32(d, MSI_DATA, LEVEL, 1);
    return FIELD_DP32(d, MSI_DATA, TM, tm);
}

/* ---- Faults ------------------------------------------------------------ */

static void fault_event_setup(VtmTest *t)
{
    vtm_reg_wl(t->qts, A_FEDATA, FE_DATA);
    vtm_reg_wl(t->qts, A_FEADDR, FE_MSG_ADDR);
    vtm_reg_wl(t->qts, A_FEUADDR, 0);
    vtm_reg_wl(t->qts, A_FECTL, 0);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
}

static uint64_t frcd(unsigned i)
{
    return VTM_FRO_OFFSET + i * VTM_FRCD_SIZE;
}

/*
 * The one fault record with F set: records are looked at rather than
 * FSTS.FRI, whose meaning (11.4.7.1: the first pending record) this
 * test does not need.
 */
static int pending_record(VtmTest *t)
{
    int found = -1;
    unsigned i;

    for (i = 0; i < 8; i++) {           /* nfr defaults to 8 */
        if (FIELD_EX64(vtm_reg_rq(t->qts, frcd(i) + 8), FRCD_HI, F)) {
            g_assert_cmpint(found, ==, -1);
            found = i;
        }
    }
    return found;
}

/*
 * The fault recorded (11.4.7.6): reason, requester, the interrupt_index
 * in FI 63:48, a write (T1=0); and the fault event was sent.  Then
 * software's part: clear F, which clears PPF.
 */
static void assert_ir_fault(VtmTest *t, uint8_t reason, uint16_t sid,
                            uint32_t index)
{
    int rec = pending_record(t);
    uint64_t lo, hi;

    g_assert_cmpint(rec, >=, 0);
    lo = vtm_reg_rq(t->qts, frcd(rec));
    hi = vtm_reg_rq(t->qts, frcd(rec) + 8);
    g_test_message("FRCD[%d] %016" PRIx64 " %016" PRIx64, rec, hi, lo);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, FR), ==, reason);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, SID), ==, sid);
    g_assert_cmpuint(FIELD_EX64(hi, FRCD_HI, T1), ==, 0);
    g_assert_cmphex(lo, ==, (uint64_t)(index & 0xffff) << 48);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS) & R_FSTS_PPF_MASK, ==,
                    R_FSTS_PPF_MASK);
    g_assert_cmphex(qtest_readl(t->qts, FE_MSG_ADDR), ==, FE_DATA);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
    vtm_reg_wq(t->qts, frcd(rec) + 8, R_FRCD_HI_F_MASK);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS) & R_FSTS_PPF_MASK, ==, 0);
}

/* Nothing recorded: FPD, or a request that was not blocked. */
static void assert_no_fault(VtmTest *t)
{
    g_assert_cmpint(pending_record(t), ==, -1);
    g_assert_cmphex(vtm_reg_rl(t->qts, A_FSTS) & R_FSTS_PPF_MASK, ==, 0);
    g_assert_cmphex(qtest_readl(t->qts, FE_MSG_ADDR), ==, 0);
}

/* ---- Property errors (QEMU refuses to start) --------------------------- */

/* A bad -device vtm-iommu (accel and machine as given) names its fault. */
static void check_property_error(const char *accel, const char *machine,
                                 const char *device, const char *prop)
{
    g_autofree char *err = NULL;
    const char *msg;
    int status;

    err = run_qemu_expect_exit(accel, machine, device, &status);
    g_test_message("-device %s: %s", device, err);
    g_assert(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    msg = strstr(err, device);
    g_assert(msg);
    msg += strlen(device);
    g_assert(strstr(msg, prop));
}

static void test_property_errors(void)
{
    static const struct {
        const char *device;
        const char *prop;
    } errs[] = {
        { "vtm-iommu,intremap=off,eim=on", "'eim=on'" },
        { "vtm-iommu,eim=sometimes", "eim" },
        { "vtm-iommu,intremap=maybe", "intremap" },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(errs); i++) {
        check_property_error("qtest", "q35", errs[i].device, errs[i].prop);
    }
}

/* With KVM's in-kernel irqchip interrupt remapping is refused. */
static void test_property_errors_kvm(void)
{
    if (access("/dev/kvm", R_OK | W_OK)) {
        g_test_skip("no usable /dev/kvm");
        return;
    }
    check_property_error("kvm", "q35,kernel-irqchip=on",
                         "vtm-iommu,intremap=on", "'intremap=on'");
}

/* ---- 1. Capabilities and the register interface ------------------------ */

static void test_caps(void)
{
    static const struct {
        const char *opts;
        bool ir, eim, translation;
    } caps[] = {
        { "", true, true, true },
        { ",intremap=on,eim=on", true, true, true },
        { ",eim=off", true, false, true },
        { ",intremap=off", false, false, true },
        { ",dma-translation=off", true, true, false },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(caps); i++) {
        uint64_t cap, ecap;
        VtmTest t;

        g_test_message("vtm-iommu%s", caps[i].opts);
        vtm_start(&t, caps[i].opts);
        cap = vtm_reg_rq(t.qts, A_CAP);
        ecap = vtm_reg_rq(t.qts, A_ECAP);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, IR), ==, caps[i].ir);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, EIM), ==, caps[i].eim);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, MHMV), ==,
                         caps[i].ir ? 0xf : 0);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, PI), ==, caps[i].ir);
        g_assert_cmpuint(FIELD_EX64(ecap, ECAP, QI), ==, 1);
        g_assert_cmpuint(FIELD_EX64(cap, CAP, SAGAW) != 0, ==,
                         caps[i].translation);

        /* IRTA: EIME is writable only with ECAP.EIM */
        vtm_reg_wq(t.qts, A_IRTA, irta_value(true, 15));
        g_assert_cmphex(vtm_reg_rq(t.qts, A_IRTA), ==,
                        irta_value(caps[i].eim, 15));
        vtm_reg_wq(t.qts, A_IRTA, UINT64_MAX);
        g_assert_cmphex(vtm_reg_rq(t.qts, A_IRTA), ==,
                        R_IRTA_IRTA_MASK | R_IRTA_S_MASK |
                        (caps[i].eim ? R_IRTA_EIME_MASK : 0));

        /* without ECAP.IR the commands are ignored */
        if (!caps[i].ir) {
            vtm_reg_wl(t.qts, A_GCMD, R_GCMD_SIRTP_MASK | R_GCMD_IRE_MASK |
                               R_GCMD_CFI_MASK);
            g_assert_cmphex(gsts(&t), ==, 0);
        }
        vtm_stop(&t);
    }
}

/* SIRTP, IRE and CFI with their status bits, any access size. */
static void test_gcmd(void)
{
    VtmTest t;
    unsigned i;

    vtm_start(&t, "");
    g_assert_cmphex(gsts(&t), ==, 0);
    vtm_reg_wq(t.qts, A_IRTA, irta_value(true, 7));
    vtm_gcmd_update(t.qts, R_GCMD_SIRTP_MASK, 0);
    g_assert_cmphex(gsts(&t), ==, R_GSTS_IRTPS_MASK);
    vtm_gcmd_update(t.qts, R_GCMD_IRE_MASK, 0);
    g_assert_cmphex(gsts(&t), ==, R_GSTS_IRTPS_MASK | R_GSTS_IRES_MASK);
    vtm_gcmd_update(t.qts, R_GCMD_CFI_MASK, 0);
    g_assert_cmphex(gsts(&t), ==, R_GSTS_IRTPS_MASK | R_GSTS_IRES_MASK |
                                  R_GSTS_CFIS_MASK);
    /* bytes not covering bits 25:23 leave them alone */
    qtest_writew(t.qts, VTM_DEFAULT_BASE + A_GCMD, 0);
    g_assert_cmphex(gsts(&t) & (R_GSTS_IRES_MASK | R_GSTS_CFIS_MASK), ==,
                    R_GSTS_IRES_MASK | R_GSTS_CFIS_MASK);
    /* byte 3 holds IRE (25); byte 2 holds CFI (23) */
    qtest_writeb(t.qts, VTM_DEFAULT_BASE + A_GCMD + 3, 0);
    g_assert_cmphex(gsts(&t) & R_GSTS_IRES_MASK, ==, 0);
    g_assert_cmphex(gsts(&t) & R_GSTS_CFIS_MASK, ==, R_GSTS_CFIS_MASK);
    qtest_writeb(t.qts, VTM_DEFAULT_BASE + A_GCMD + 2, 0);
    g_assert_cmphex(gsts(&t), ==, R_GSTS_IRTPS_MASK);
    /* each change is told to the IEC notifiers as a global invalidation */
    g_assert_cmpuint(trace_count(&t, "x86_iommu_iec_notify"), ==, 5);
    for (i = 0; i < 2; i++) {
        vtm_reg_wl(t.qts, A_GCMD, R_GCMD_IRE_MASK);
        vtm_reg_wl(t.qts, A_GCMD, 0);
    }
    g_assert_cmpuint(trace_count(&t, "x86_iommu_iec_notify"), ==, 9);
    vtm_stop(&t);
}

/* ---- 2. MSIs from edu remapped to a vector and an APIC ----------------- */

static void test_msi_xapic(void)
{
    Irte e = { .vector = 0x45, .dest = 2, .svt = VTM_SVT_SID,
               .sid = EDU_SID };
    VtmTest t;

    vtm_start(&t, "");
    ir_enable(&t, false, 7, false);
    irte_put(&t, 5, &e);
    edu_msi(&t, remap_addr(5), 0);
    assert_delivered_to(&t, NCPUS, 2, 0x45);
    assert_last_send(&t, msg_addr(2, false, false), msg_data(0x45, 0, false));

    /* level-triggered, lowest priority, logical: fields as the IRTE says */
    e = (Irte) { .vector = 0x46, .dest = 0x8, .tm = true, .dlm = 1,
                 .dm = true, .rh = true };
    irte_put(&t, 6, &e);
    edu_msi(&t, remap_addr(6), 0);
    assert_last_send(&t, msg_addr(8, true, true), msg_data(0x46, 1, true));

    /* the subhandle: SHV adds the MSI data to the index */
    irte_put(&t, 9, &(Irte) { .vector = 0x47, .dest = 1 });
    edu_msi(&t, remap_addr(7) | R_MSI_RADDR_SHV_MASK, 2);
    assert_delivered_to(&t, NCPUS, 1, 0x47);
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS), ==, 0);
    vtm_stop(&t);
}

static void test_msi_x2apic(void)
{
    VtmTest t;

    vtm_start(&t, "");
    ir_enable(&t, true, 15, false);         /* 64K entries */
    /* an index above 32767: bit 15 comes from address bit 2 */
    irte_put(&t, 0x8003, &(Irte) { .vector = 0x51, .dest = 3 });
    edu_msi(&t, remap_addr(0x8003), 0);
    assert_delivered_to(&t, NCPUS, 3, 0x51);
    assert_last_send(&t, msg_addr(3, false, false), msg_data(0x51, 0, false));
    /*
     * A 32-bit destination goes out whole: bits 31:8 in address 63:40.
     * These APICs are in xAPIC mode (no guest code switched them), so
     * APIC 1 matches destination 0x301 by its low byte.
     */
    irte_put(&t, 12, &(Irte) { .vector = 0x52, .dest = 0x301 });
    edu_msi(&t, remap_addr(12), 0);
    assert_last_send(&t, 0x00000300fee01000ULL, msg_data(0x52, 0, false));
    assert_delivered_to(&t, NCPUS, 1, 0x52);
    vtm_stop(&t);
}

/*
 * A CPU with APIC ID 287, hot-plugged into a machine of up to 288 CPUs
 * (which needs x2APIC): an IRTE names it with a 32-bit destination.
 */
static void test_msi_above_255(void)
{
    QDict *rsp;
    VtmTest t;

    vtm_start_with(&t, "-cpu qemu64,+x2apic "
                   "-smp 1,sockets=288,cores=1,threads=1,maxcpus=288", "");
    rsp = qtest_qmp(t.qts, "{ 'execute': 'device_add', 'arguments': {"
                    " 'driver': 'qemu64-x86_64-cpu', 'id': 'cpu287',"
                    " 'socket-id': 287, 'core-id': 0, 'thread-id': 0 } }");
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    ir_enable(&t, true, 7, false);
    irte_put(&t, 20, &(Irte) { .vector = 0x61, .dest = 287 });
    edu_msi(&t, remap_addr(20), 0);
    assert_last_send(&t, 0x00000100fee1f000ULL, msg_data(0x61, 0, false));
    g_assert_true(lapic_has(&t, 287, 0x61, NULL));
    g_assert_false(lapic_has(&t, 0, 0x61, NULL));

    /*
     * The fault event to CPU 287: not remapped (5.1.6), destination bits
     * 31:8 in FEUADDR (11.4.7.5).
     */
    vtm_reg_wl(t.qts, A_FEDATA, 0x62);
    vtm_reg_wl(t.qts, A_FEADDR, 0xfee1f000);
    vtm_reg_wl(t.qts, A_FEUADDR, 0x100);
    vtm_reg_wl(t.qts, A_FECTL, 0);
    edu_msi(&t, remap_addr(21), 0);     /* not present: 22h */
    g_assert_cmphex(vtm_reg_rl(t.qts, A_FSTS) & R_FSTS_PPF_MASK, ==,
                    R_FSTS_PPF_MASK);
    assert_last_send(&t, 0x00000100fee1f000ULL, 0x62);
    g_assert_true(lapic_has(&t, 287, 0x62, NULL));
    vtm_stop(&t);
}

/* The I/O APIC's messages come through its own window, SID 0xff00. */
static void test_ioapic(void)
{
    VtmTest t;

    vtm_start(&t, "");
    fault_event_setup(&t);
    ir_enable(&t, false, 7, false);
    irte_put(&t, 33, &(Irte) { .vector = 0x71, .dest = 3,
                               .svt = VTM_SVT_SID, .sid = IOAPIC_SID });
    ioapic_route_remappable(&t, 10, 33);
    ioapic_pulse(&t, 10);
    assert_delivered_to(&t, NCPUS, 3, 0x71);

    /* source validation against the I/O APIC's id */
    irte_put(&t, 34, &(Irte) { .vector = 0x72, .dest = 3,
                               .svt = VTM_SVT_SID, .sid = EDU_SID });
    ioapic_route_remappable(&t, 11, 34);
    ioapic_pulse(&t, 11);
    g_assert_false(lapic_has(&t, 3, 0x72, NULL));
    assert_ir_fault(&t, VTM_FR_IR_SID_INVALID, IOAPIC_SID, 34);
    vtm_stop(&t);
}

/* ---- 3. Compatibility format ------------------------------------------- */

static void test_compat(void)
{
    VtmTest t;

    vtm_start(&t, "");
    fault_event_setup(&t);
    /* remapping off: compatibility messages pass as they are */
    edu_msi(&t, compat_addr(1), 0x81);
    assert_delivered_to(&t, NCPUS, 1, 0x81);
    /* on with CFIS clear: blocked, 25h, no index */
    ir_enable(&t, false, 7, false);
    edu_msi(&t, compat_addr(2), 0x82);
    g_assert_false(lapic_has(&t, 2, 0x82, NULL));
    assert_ir_fault(&t, VTM_FR_IR_COMPAT_BLOCKED, EDU_SID, 0);
    /* CFI set: passes */
    vtm_gcmd_update(t.qts, R_GCMD_CFI_MASK, 0);
    edu_msi(&t, compat_addr(2), 0x83);
    assert_delivered_to(&t, NCPUS, 2, 0x83);
    assert_last_send(&t, compat_addr(2), 0x83);
    /* EIME set: blocked whatever CFIS says */
    vtm_reg_wq(t.qts, A_IRTA, irta_value(true, 7));
    vtm_gcmd_update(t.qts, R_GCMD_SIRTP_MASK, 0);
    edu_msi(&t, compat_addr(3), 0x84);
    g_assert_false(lapic_has(&t, 3, 0x84, NULL));
    assert_ir_fault(&t, VTM_FR_IR_COMPAT_BLOCKED, EDU_SID, 0);
    vtm_stop(&t);
}

/* ---- 4. Every fault reason --------------------------------------------- */

static void faults_start(VtmTest *t)
{
    vtm_start(t, "");
    fault_event_setup(t);
    edu_passthrough(t);             /* edu's own window: SID known */
    ir_enable(t, false, 7, false);
}

/* The request and the entry: 20h, 21h, 22h, 24h */
static void test_faults_entry(void)
{
    VtmTest t;

    faults_start(&t);
    /* 20h: remappable format with data bits 31:16 set (a DMA write) */
    irte_put(&t, 1, &(Irte) { .vector = 0x90, .dest = 1 });
    edu_dma_dword(&t, remap_addr(1), 0x00010000);
    assert_ir_fault(&t, VTM_FR_IR_REQ_RSVD, EDU_SID, 1);
    /* ... and the same write with clean data is an interrupt */
    edu_dma_dword(&t, remap_addr(1), 0);
    assert_delivered_to(&t, NCPUS, 1, 0x90);

    /* 21h: index beyond the table (256 entries) */
    edu_msi(&t, remap_addr(300), 0);
    assert_ir_fault(&t, VTM_FR_IR_INDEX_OVER, EDU_SID, 300);

    /* 22h: not present; with FPD not recorded */
    irte_raw(&t, 2, 0, 0);
    edu_msi(&t, remap_addr(2), 0);
    assert_ir_fault(&t, VTM_FR_IR_NOT_PRESENT, EDU_SID, 2);
    irte_raw(&t, 2, R_IRTE_LO_FPD_MASK, 0);
    edu_msi(&t, remap_addr(2), 0);
    assert_no_fault(&t);

    /* 24h: a reserved bit; with FPD not recorded */
    irte_raw(&t, 3, irte_lo(&(Irte) { .vector = 0x91 }, false) | BIT(13),
             0);
    edu_msi(&t, remap_addr(3), 0);
    assert_ir_fault(&t, VTM_FR_IR_RSVD, EDU_SID, 3);
    irte_raw(&t, 3, irte_lo(&(Irte) { .fpd = true, .vector = 0x91 },
                            false) | BIT(13), 0);
    edu_msi(&t, remap_addr(3), 0);
    assert_no_fault(&t);
    /* xAPIC destination bits outside 47:40 are reserved too */
    irte_raw(&t, 4, irte_lo(&(Irte) { .vector = 0x92 }, true) | BIT_ULL(32),
             0);
    edu_msi(&t, remap_addr(4), 0);
    assert_ir_fault(&t, VTM_FR_IR_RSVD, EDU_SID, 4);
    vtm_stop(&t);
}

/* The source, the descriptor, the table: 26h, 27h, 28h, 23h */
static void test_faults_access(void)
{
    VtmTest t;

    faults_start(&t);
    /* 26h: the IRTE is for another requester; with FPD not recorded */
    irte_put(&t, 5, &(Irte) { .vector = 0x93, .svt = VTM_SVT_SID,
                              .sid = EDU_SID + 8 });
    edu_msi(&t, remap_addr(5), 0);
    assert_ir_fault(&t, VTM_FR_IR_SID_INVALID, EDU_SID, 5);
    irte_put(&t, 6, &(Irte) { .fpd = true, .vector = 0x93,
                              .svt = VTM_SVT_BUS, .sid = 0x0102 });
    edu_msi(&t, remap_addr(6), 0);
    assert_no_fault(&t);
    g_assert_false(lapic_has(&t, 0, 0x93, NULL));

    /* 27h: the descriptor of a posted IRTE is not memory */
    irte_put_posted(&t, 7, 0x30, false, NO_RAM, false);
    edu_msi(&t, remap_addr(7), 0);
    assert_ir_fault(&t, VTM_FR_IR_PID_ACCESS, EDU_SID, 7);

    /* 28h: a reserved bit in the descriptor */
    qtest_memset(t.qts, PID_BASE, 0, VTM_PID_SIZE);
    qtest_writeq(t.qts, PID_BASE + 48, 1);
    irte_put_posted(&t, 8, 0x30, false, PID_BASE, false);
    edu_msi(&t, remap_addr(8), 0);
    assert_ir_fault(&t, VTM_FR_IR_PID_RSVD, EDU_SID, 8);

    /* 25h is in test_compat; 23h: the table is not memory */
    vtm_reg_wq(t.qts, A_IRTA, FIELD_DP64(NO_RAM, IRTA, S, 7));
    vtm_gcmd_update(t.qts, R_GCMD_SIRTP_MASK, 0);
    qi_iec(&t, true, 0, 0);
    qi_sync(&t);
    edu_msi(&t, remap_addr(9), 0);
    assert_ir_fault(&t, VTM_FR_IR_ROOT_ACCESS, EDU_SID, 9);
    vtm_stop(&t);
}

/*
 * A DMA read of the interrupt address range (3.14) gets no data and
 * faults: LGN.4 (0Eh) with a legacy root table, SGN.8 (87h) with a
 * scalable-mode one (7.1.3).  The record names the address read.
 */
static void window_read_fault(VtmTest *t, uint8_t reason)
{
    uint64_t addr = VTM_INTR_ADDR_BASE + 0x1230;
    int rec;
    uint64_t lo, hi;

    vtm_edu_dma(t->qts, t->edu, t->bar, addr, EDU_DMA_BUF, 4, false);
    rec = pending_record(t);
    g_assert_cmpint(rec, >=, 0);
    lo = vtm_reg_rq(t->qts, frcd(rec));
    hi = vtm_reg_rq(t->qts, frcd(rec) + 8);
    g_test_message("FRCD[%d] %016" PRIx64 " %016" PRIx64, rec, hi, lo);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, FR), ==, reason);
    g_assert_cmphex(FIELD_EX64(hi, FRCD_HI, SID), ==, EDU_SID);
    g_assert_cmpuint(FIELD_EX64(hi, FRCD_HI, T1), ==, 1);      /* read */
    g_assert_cmpuint(FIELD_EX64(hi, FRCD_HI, PP), ==, 0);
    g_assert_cmphex(lo, ==, addr & ~(VTM_PAGE_SIZE - 1));
    g_assert_cmphex(qtest_readl(t->qts, FE_MSG_ADDR), ==, FE_DATA);
    qtest_writel(t->qts, FE_MSG_ADDR, 0);
    vtm_reg_wq(t->qts, frcd(rec) + 8, R_FRCD_HI_F_MASK);
}

static void test_faults_window_read(void)
{
    uint64_t rtaddr;
    VtmTest t;

    vtm_start(&t, "");
    fault_event_setup(&t);
    edu_passthrough(&t);
    window_read_fault(&t, VTM_FR_INTR_ADDR);
    /* a scalable-mode root table: the range faults before any is read */
    rtaddr = FIELD_DP64(0, RTADDR, RTA, TABLE_BASE >> VTM_PAGE_SHIFT);
    rtaddr = FIELD_DP64(rtaddr, RTADDR, TTM, VTM_TTM_SCALABLE);
    vtm_reg_wq(t.qts, A_RTADDR, rtaddr);
    vtm_gcmd_update(t.qts, R_GCMD_SRTP_MASK, 0);
    window_read_fault(&t, VTM_FR_SM_INTR_ADDR);
    /* translation off: nothing is recorded */
    vtm_gcmd_update(t.qts, 0, R_GCMD_TE_MASK);
    vtm_edu_dma(t.qts, t.edu, t.bar, VTM_INTR_ADDR_BASE, EDU_DMA_BUF, 4,
                false);
    assert_no_fault(&t);
    vtm_stop(&t);
}

/* ---- 5. The interrupt entry cache -------------------------------------- */

static uint8_t vector_sent(VtmTest *t)
{
    uint64_t addr;
    uint32_t data;

    g_assert_cmpuint(trace_sends(t, &addr, &data), >, 0);
    return FIELD_EX32(data, MSI_DATA, VECTOR);
}

static void test_iec(void)
{
    VtmTest t;
    uint32_t i;

    vtm_start(&t, "");
    ir_enable(&t, false, 7, false);
    irte_put(&t, 10, &(Irte) { .vector = 0xa0, .dest = 1 });
    edu_msi(&t, remap_addr(10), 0);
    assert_delivered_to(&t, NCPUS, 1, 0xa0);

    /* changed in memory: the cached entry is used until invalidated */
    irte_put(&t, 10, &(Irte) { .vector = 0xa1, .dest = 2 });
    edu_msi(&t, remap_addr(10), 0);
    g_assert_cmphex(vector_sent(&t), ==, 0xa0);
    g_assert_false(lapic_has(&t, 2, 0xa1, NULL));
    /* another index does not drop it */
    qi_iec(&t, false, 11, 0);
    qi_sync(&t);
    edu_msi(&t, remap_addr(10), 0);
    g_assert_cmphex(vector_sent(&t), ==, 0xa0);
    /* index-selective */
    qi_iec(&t, false, 10, 0);
    qi_sync(&t);
    edu_msi(&t, remap_addr(10), 0);
    assert_delivered_to(&t, NCPUS, 2, 0xa1);
    g_assert_cmpuint(trace_count(&t, "IEC invalidation: global=0 index=10 "
                                 "mask=0"), ==, 1);

    /* a mask: IM=2 over index 13 covers 12..15, not 16 */
    for (i = 12; i <= 16; i++) {
        irte_put(&t, i, &(Irte) { .vector = 0xb0 + i - 12, .dest = 0 });
        edu_msi(&t, remap_addr(i), 0);
        irte_put(&t, i, &(Irte) { .vector = 0xc0 + i - 12, .dest = 0 });
    }
    qi_iec(&t, false, 13, 2);
    qi_sync(&t);
    for (i = 12; i <= 16; i++) {
        edu_msi(&t, remap_addr(i), 0);
        g_assert_cmphex(vector_sent(&t), ==,
                        (i <= 15 ? 0xc0 : 0xb0) + i - 12);
    }
    g_assert_cmpuint(trace_count(&t, "IEC invalidation: global=0 index=13 "
                                 "mask=2"), ==, 1);

    /* global */
    irte_put(&t, 10, &(Irte) { .vector = 0xa2, .dest = 3 });
    edu_msi(&t, remap_addr(10), 0);
    g_assert_cmphex(vector_sent(&t), ==, 0xa1);
    qi_iec(&t, true, 0, 0);
    qi_sync(&t);
    edu_msi(&t, remap_addr(10), 0);
    assert_delivered_to(&t, NCPUS, 3, 0xa2);
    g_assert_cmpuint(trace_count(&t, "IEC invalidation: global=1"), >=,
                     2);
    vtm_stop(&t);
}

/* ---- 6. Posted interrupts ---------------------------------------------- */

static void pid_put(VtmTest *t, uint64_t pda, bool on, bool sn, uint8_t nv,
                    uint32_t ndst)
{
    uint64_t ctl = 0;

    qtest_memset(t->qts, pda, 0, VTM_PID_SIZE);
    ctl = FIELD_DP64(ctl, PID_CTL, ON, on);
    ctl = FIELD_DP64(ctl, PID_CTL, SN, sn);
    ctl = FIELD_DP64(ctl, PID_CTL, NV, nv);
    ctl = FIELD_DP64(ctl, PID_CTL, NDST, ndst);
    qtest_writeq(t->qts, pda + A_PID_CTL, ctl);
}

static uint64_t pid_ctl(VtmTest *t, uint64_t pda)
{
    return qtest_readq(t->qts, pda + A_PID_CTL);
}

static bool pid_pir(VtmTest *t, uint64_t pda, uint8_t v)
{
    return qtest_readq(t->qts, pda + v / 64 * 8) >> (v % 64) & 1;
}

static void test_posted(void)
{
    uint64_t pda = PID_BASE, pda2 = PID_BASE + VTM_PID_SIZE;
    unsigned sends;
    VtmTest t;

    vtm_start(&t, "");
    ir_enable(&t, false, 7, false);

    /* 5.2.3: PIR bit, ON, and the notification to NDST (xAPIC: 15:8) */
    pid_put(&t, pda, false, false, 0xe1, 2 << 8);
    irte_put_posted(&t, 40, 0x65, false, pda, false);
    edu_msi(&t, remap_addr(40), 0);
    g_assert_true(pid_pir(&t, pda, 0x65));
    g_assert_cmphex(qtest_readq(t.qts, pda + 8), ==, BIT_ULL(0x65 - 64));
    g_assert_true(FIELD_EX64(pid_ctl(&t, pda), PID_CTL, ON));
    assert_delivered_to(&t, NCPUS, 2, 0xe1);
    g_assert_false(lapic_has(&t, 2, 0x65, NULL));
    assert_last_send(&t, msg_addr(2, false, false), msg_data(0xe1, 0, false));

    /* ON already set: posted, no second notification */
    sends = trace_sends(&t, NULL, NULL);
    irte_put_posted(&t, 41, 0x03, false, pda, false);
    edu_msi(&t, remap_addr(41), 0);
    g_assert_true(pid_pir(&t, pda, 0x03) && pid_pir(&t, pda, 0x65));
    g_assert_cmpuint(trace_sends(&t, NULL, NULL), ==, sends);

    /* SN set: suppressed, ON stays clear; URG overrides SN */
    pid_put(&t, pda2, false, true, 0xe2, 1 << 8);
    irte_put_posted(&t, 42, 0x66, false, pda2, false);
    edu_msi(&t, remap_addr(42), 0);
    g_assert_true(pid_pir(&t, pda2, 0x66));
    g_assert_false(FIELD_EX64(pid_ctl(&t, pda2), PID_CTL, ON));
    g_assert_cmpuint(trace_sends(&t, NULL, NULL), ==, sends);
    irte_put_posted(&t, 43, 0x67, true, pda2, false);
    edu_msi(&t, remap_addr(43), 0);
    g_assert_true(pid_pir(&t, pda2, 0x67));
    g_assert_true(FIELD_EX64(pid_ctl(&t, pda2), PID_CTL, ON));
    assert_delivered_to(&t, NCPUS, 1, 0xe2);
    vtm_stop(&t);

    /* x2APIC: NDST is the whole APIC ID */
    vtm_start(&t, "");
    ir_enable(&t, true, 7, false);
    pid_put(&t, pda, false, false, 0xe3, 3);
    irte_put_posted(&t, 40, 0x68, false, pda, false);
    edu_msi(&t, remap_addr(40), 0);
    g_assert_true(pid_pir(&t, pda, 0x68));
    assert_delivered_to(&t, NCPUS, 3, 0xe3);
    vtm_stop(&t);
}

/*
 * The "interrupts" statistics and what the timing model charges: an IEC
 * probe (iec-lat) plus ptw-mem-lat per memory access of the unit.
 */
#define STATS_PATH      "/machine/peripheral/iommu0"
#define IEC_LAT         5
#define MEM_LAT         100

static void stats_msis(VtmTest *t)
{
    irte_put(t, 10, &(Irte) { .vector = 0xa0, .dest = 1 });
    edu_msi(t, remap_addr(10), 0);                  /* IRTE read */
    edu_msi(t, remap_addr(10), 0);                  /* IEC hit */
    pid_put(t, PID_BASE, false, false, 0xe1, 2 << 8);
    irte_put_posted(t, 40, 0x65, false, PID_BASE, false);
    edu_msi(t, remap_addr(40), 0);      /* IRTE, PID read, PIR and ON */
    edu_msi(t, compat_addr(1), 0);                  /* blocked: 25h */
}

static void test_stats(void)
{
    const char *opts = ",id=iommu0,iec-lat=" G_STRINGIFY(IEC_LAT)
                       ",ptw-mem-lat=" G_STRINGIFY(MEM_LAT);
    g_autofree char *off = g_strdup_printf("%s,timing=off", opts);
    QDict *st;
    VtmTest t;

    vtm_start(&t, opts);
    ir_enable(&t, false, 7, false);
    vtm_qtest_stats_reset(t.qts, STATS_PATH);
    stats_msis(&t);
    st = vtm_qtest_stats(t.qts, STATS_PATH);
    g_assert_cmpint(stats_int(st, "unit/interrupts/requests"), ==, 4);
    g_assert_cmpint(stats_int(st, "unit/interrupts/remapped"), ==, 2);
    g_assert_cmpint(stats_int(st, "unit/interrupts/posted"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/interrupts/notifications"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/interrupts/faults"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/interrupts/irte-reads"), ==, 2);
    g_assert_cmpint(stats_int(st, "unit/interrupts/iec/lookups"), ==, 3);
    g_assert_cmpint(stats_int(st, "unit/interrupts/iec/hits"), ==, 1);
    g_assert_cmpint(stats_int(st, "unit/interrupts/iec/misses"), ==, 2);
    g_assert_cmpint(stats_int(st, "unit/interrupts/timed"), ==, 4);
    g_assert_cmpint(stats_int(st, "unit/interrupts/mem-reads"), ==, 3);
    g_assert_cmpint(stats_int(st, "unit/interrupts/mem-rmws"), ==, 2);
    /* the virtual clock stands still: queueing behind SIRTP's flush */
    g_assert_cmpint(stats_int(st, "unit/interrupts/cycles") -
                    stats_int(st, "unit/interrupts/queue-cycles"), ==,
                    (IEC_LAT + MEM_LAT) + IEC_LAT + (IEC_LAT + 4 * MEM_LAT));
    g_assert_cmpint(stats_int(st, "unit/interrupts/latency/count"), ==, 4);
    g_assert_cmpint(stats_int(st, "unit/caches/iec/probes"), ==, 3);
    g_assert_cmpint(stats_int(st, "unit/caches/iec/inserts"), ==, 2);
    g_assert_cmpint(stats_int(st, "unit/caches/iec/valid"), ==, 2);
    /* interrupts are no translations */
    g_assert_cmpint(stats_int(st, "unit/translations"), ==, 0);
    qobject_unref(st);

    vtm_qtest_stats_reset(t.qts, STATS_PATH);
    st = vtm_qtest_stats(t.qts, STATS_PATH);
    g_assert_cmpint(stats_int(st, "unit/interrupts/requests"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/interrupts/cycles"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/caches/iec/probes"), ==, 0);
    qobject_unref(st);
    vtm_stop(&t);

    /* timing=off: counted, not charged */
    vtm_start(&t, off);
    ir_enable(&t, false, 7, false);
    vtm_qtest_stats_reset(t.qts, STATS_PATH);
    stats_msis(&t);
    st = vtm_qtest_stats(t.qts, STATS_PATH);
    g_assert_cmpint(stats_int(st, "unit/interrupts/requests"), ==, 4);
    g_assert_cmpint(stats_int(st, "unit/interrupts/timed"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/interrupts/cycles"), ==, 0);
    qobject_unref(st);
    vtm_stop(&t);
}

/*
 * KVM's split irqchip asks the int_remap hook for each MSI route and
 * programs what it returns; KVM cannot run here, so x-vtm-route-probe makes
 * the same call.
 */
#define PROBE_PATH      "/machine/peripheral/probe"

static char *route(VtmTest *t, uint64_t addr, uint32_t data, int sid)
{
    return vtm_qt_probe_route(t->qts, addr, data, sid);
}

static void assert_route(VtmTest *t, uint64_t addr, uint32_t data, int sid,
                         int want_ret, uint64_t want_addr, uint32_t want_data)
{
    g_autofree char *got = route(t, addr, data, sid);
    g_autofree char *want = g_strdup_printf("%d 0x%" PRIx64 " 0x%x",
                                            want_ret, want_addr, want_data);

    g_assert_cmpstr(got, ==, want);
}

static void test_kvm_route(void)
{
    uint64_t ra = remap_addr(10), pa = remap_addr(40);
    Irte e = { .vector = 0xa0, .dest = 3, .svt = 1, .sid = EDU_SID };
    g_autofree char *bad = NULL;
    QDict *st, *resp;
    VtmTest t;

    vtm_start(&t, ",id=iommu0 -device x-vtm-route-probe,id=probe");
    vtm_qtest_stats_reset(t.qts, "/machine/peripheral/iommu0");
    /* remapping off: the message as it is */
    assert_route(&t, ra, 0, EDU_SID, 0, ra, 0);

    ir_enable(&t, false, 7, false);
    fault_event_setup(&t);
    irte_put(&t, 10, &e);
    assert_route(&t, ra, 0, EDU_SID, 0, msg_addr(3, false, false),
                 msg_data(0xa0, 0, false));
    /* the I/O APIC's routes name no requester: no source validation */
    assert_route(&t, ra, 0, -1, 0, msg_addr(3, false, false),
                 msg_data(0xa0, 0, false));
    /* another requester fails SID validation: refused, nothing recorded */
    assert_route(&t, ra, 0, EDU_SID + 1, -EINVAL, ra, 0);
    /* not an interrupt address; a blocked compatibility message */
    assert_route(&t, 0x1000, 0, EDU_SID, -EINVAL, 0x1000, 0);
    assert_route(&t, compat_addr(1), 0x31, EDU_SID, -EINVAL,
                 compat_addr(1), 0x31);
    assert_no_fault(&t);

    /* a changed IRTE: stale until invalidated, then KVM is told */
    irte_put(&t, 10, &(Irte) { .vector = 0xa1, .dest = 2 });
    assert_route(&t, ra, 0, EDU_SID, 0, msg_addr(3, false, false),
                 msg_data(0xa0, 0, false));
    qi_iec(&t, false, 10, 0);
    qi_sync(&t);
    g_assert_cmpuint(trace_count(&t, "IEC invalidation: global=0 index=10 "
                                 "mask=0"), ==, 1);
    assert_route(&t, ra, 0, EDU_SID, 0, msg_addr(2, false, false),
                 msg_data(0xa1, 0, false));

    /* posted: each interrupt must update its descriptor, no KVM route */
    pid_put(&t, PID_BASE, false, false, 0xe1, 2 << 8);
    irte_put_posted(&t, 40, 0x65, false, PID_BASE, false);
    assert_route(&t, pa, 0, EDU_SID, -ENOTSUP, pa, 0);
    g_assert_false(pid_pir(&t, PID_BASE, 0x65));

    /* routes are counted apart from interrupts */
    st = vtm_qtest_stats(t.qts, "/machine/peripheral/iommu0");
    g_assert_cmpint(stats_int(st, "unit/interrupts/routes"), ==, 9);
    g_assert_cmpint(stats_int(st, "unit/interrupts/requests"), ==, 0);
    g_assert_cmpint(stats_int(st, "unit/interrupts/timed"), ==, 0);
    qobject_unref(st);

    /* a malformed request is refused with the property's name */
    resp = qtest_qmp(t.qts, "{'execute': 'qom-set', 'arguments': "
                     "{'path': %s, 'property': 'route', 'value': 'x'}}",
                     PROBE_PATH);
    bad = g_strdup(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"));
    g_assert_nonnull(strstr(bad, "property 'route'"));
    qobject_unref(resp);
    vtm_stop(&t);
}

/* ---- 7. IR-only mode, reset -------------------------------------------- */

static void test_ir_only(void)
{
    VtmTest t;

    vtm_start(&t, ",dma-translation=off");
    g_assert_cmpuint(FIELD_EX64(vtm_reg_rq(t.qts, A_CAP), CAP, SAGAW), ==, 0);
    vtm_reg_wl(t.qts, A_GCMD, R_GCMD_TE_MASK);
    g_assert_cmphex(gsts(&t) & R_GSTS_TES_MASK, ==, 0);
    ir_enable(&t, true, 7, false);
    irte_put(&t, 50, &(Irte) { .vector = 0xd0, .dest = 3 });
    edu_msi(&t, remap_addr(50), 0);
    assert_delivered_to(&t, NCPUS, 3, 0xd0);
    vtm_stop(&t);
}

static void test_reset(void)
{
    VtmTest t;

    vtm_start(&t, "");
    ir_enable(&t, true, 7, false);
    irte_put(&t, 50, &(Irte) { .vector = 0xd1, .dest = 1 });
    qtest_system_reset(t.qts);
    g_assert_cmphex(gsts(&t), ==, 0);
    g_assert_cmphex(vtm_reg_rq(t.qts, A_IRTA), ==, 0);
    /* remapping off again: a compatibility message passes */
    qpci_device_enable(t.edu);
    t.bar = qpci_iomap(t.edu, 0, NULL);
    edu_msi(&t, compat_addr(2), 0xd2);
    assert_delivered_to(&t, NCPUS, 2, 0xd2);
    vtm_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtm-ir/property-errors", test_property_errors);
    qtest_add_func("/vtm-ir/property-errors-kvm", test_property_errors_kvm);
    qtest_add_func("/vtm-ir/caps", test_caps);
    qtest_add_func("/vtm-ir/gcmd", test_gcmd);
    qtest_add_func("/vtm-ir/msi/xapic", test_msi_xapic);
    qtest_add_func("/vtm-ir/msi/x2apic", test_msi_x2apic);
    qtest_add_func("/vtm-ir/msi/apic-id-287", test_msi_above_255);
    qtest_add_func("/vtm-ir/ioapic", test_ioapic);
    qtest_add_func("/vtm-ir/compat", test_compat);
    qtest_add_func("/vtm-ir/stats", test_stats);
    qtest_add_func("/vtm-ir/kvm-route", test_kvm_route);
    qtest_add_func("/vtm-ir/faults/entry", test_faults_entry);
    qtest_add_func("/vtm-ir/faults/access", test_faults_access);
    qtest_add_func("/vtm-ir/faults/window-read", test_faults_window_read);
    qtest_add_func("/vtm-ir/iec", test_iec);
    qtest_add_func("/vtm-ir/posted", test_posted);
    qtest_add_func("/vtm-ir/ir-only", test_ir_only);
    qtest_add_func("/vtm-ir/reset", test_reset);
    return g_test_run();
}
