/*
 * vfio-nvme-identify: drives the guest's NVMe controller from user space
 * through VFIO, so that every DMA the device does goes through an IOMMU
 * domain that VFIO's type1 backend (and under it the guest's intel-iommu
 * driver, programming the IOMMU QEMU emulates) set up for this process.
 *
 * Usage: vfio-nvme-identify [--serial SN] [--fault] [--hold] BDF
 *
 *   BDF        the NVMe function, bound to vfio-pci (e.g. 0000:00:01.0)
 *   --serial   the serial number QEMU was given (-device nvme,serial=SN)
 *   --fault    after the good Identify, ask the device to DMA where this
 *              process has no mapping (scenario 6), see below
 *   --hold     at the end, leave a child process holding the canary pages
 *              (and print their guest-physical addresses) so that the host
 *              can check them in guest RAM after the guest powered off
 *
 * What it does:
 *   1. VFIO: container (type1v2), group, device; PCI command register:
 *      memory space + bus master on, INTx off (completions are polled).
 *   2. Maps one buffer of three pages (admin SQ, admin CQ, data) at IOVA
 *      IOVA_BASE with VFIO_IOMMU_MAP_DMA.  The pages either side of it in
 *      the process are canaries that are never mapped.
 *   3. Resets the controller (CC.EN=0, wait CSTS.RDY=0), sets AQA/ASQ/ACQ
 *      to the IOVAs, enables it (CC.EN=1, wait CSTS.RDY=1).
 *   4. Admin Identify Controller (CNS=1) with PRP1 = the data page's IOVA;
 *      checks the status, the PCI vendor ID and the serial number.
 *   With --fault:
 *   5. "Stale" IOVA: maps a fourth page at IOVA_STALE, Identify into it
 *      (must succeed), unmaps it (VFIO_IOMMU_UNMAP_DMA: the kernel unmaps
 *      and invalidates the IOTLB), fills it with the canary pattern, and
 *      issues Identify to IOVA_STALE again: the page must keep its canary.
 *      (The command's status is reported; QEMU's NVMe model completes it
 *      with success even when its DMA was blocked, see bad_cmd_verdict.)
 *   6. Never-mapped IOVA: Identify with PRP1 = the guest-physical address
 *      of a canary page of this process (an IOVA that was never mapped;
 *      a DMA that bypassed translation would land exactly there): every
 *      canary page (the page at that address, the guard pages, the
 *      unmapped page, the data page) must be unchanged.
 *   The IOVAs used are printed ("VTM-FAULT-IOVA: 0x...") for the scenario
 *   to match against the kernel's DMAR fault messages.
 *
 * Output: "VTM-CHECK: ok|FAIL ..." and "VTM-INFO: ..." lines (the format
 * of guest/scenarios/lib.sh); with --hold, "VTM-CANARY: GPA" lines, one
 * per 4 KiB page that holds the canary pattern (64-bit little-endian
 * words, word at guest-physical address A = CANARY_MAGIC ^ A).
 * Exit status: 0 when every check passed, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define IOVA_BASE 0x80000000ull     /* SQ, CQ, data: 3 pages */
#define IOVA_STALE 0x80100000ull    /* mapped, used, unmapped */
#define QDEPTH 16u
#define CANARY_MAGIC 0x76746d63616e6172ull   /* "vtmcanar" */
#define CMD_TIMEOUT_MS 10000

/* NVMe controller registers (BAR0) */
#define NVME_CAP 0x00
#define NVME_VS 0x08
#define NVME_INTMS 0x0c
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_DB 0x1000

struct sqe {
    uint8_t opc, flags;
    uint16_t cid;
    uint32_t nsid;
    uint64_t rsvd;
    uint64_t mptr;
    uint64_t prp1, prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
struct cqe {
    uint32_t dw0, dw1;
    uint16_t sqhd, sqid, cid, status;
};
_Static_assert(sizeof(struct sqe) == 64, "sqe");
_Static_assert(sizeof(struct cqe) == 16, "cqe");

static int fails;
static const char *first_fail;

static void ok(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("VTM-CHECK: ok   ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("VTM-CHECK: FAIL ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!first_fail)
        first_fail = fmt;
    fails++;
}

static void info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("VTM-INFO: vfio: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("VTM-CHECK: FAIL vfio: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    exit(1);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- VFIO device access ---- */

static int devfd;
static uint64_t bar0_off, cfg_off;
static uint32_t dstrd;

static uint32_t rd32(uint32_t reg)
{
    uint32_t v;
    if (pread(devfd, &v, 4, bar0_off + reg) != 4)
        die("BAR0 read at 0x%x: %s", reg, strerror(errno));
    return v;
}

static void wr32(uint32_t reg, uint32_t v)
{
    if (pwrite(devfd, &v, 4, bar0_off + reg) != 4)
        die("BAR0 write at 0x%x: %s", reg, strerror(errno));
}

/* 64-bit registers as two 32-bit halves, low first (NVMe allows it). */
static uint64_t rd64(uint32_t reg)
{
    uint64_t lo = rd32(reg);
    return lo | (uint64_t)rd32(reg + 4) << 32;
}

static void wr64(uint32_t reg, uint64_t v)
{
    wr32(reg, (uint32_t)v);
    wr32(reg + 4, (uint32_t)(v >> 32));
}

static uint16_t cfg_rd16(uint32_t off)
{
    uint16_t v;
    if (pread(devfd, &v, 2, cfg_off + off) != 2)
        die("config read at 0x%x: %s", off, strerror(errno));
    return v;
}

static void cfg_wr16(uint32_t off, uint16_t v)
{
    if (pwrite(devfd, &v, 2, cfg_off + off) != 2)
        die("config write at 0x%x: %s", off, strerror(errno));
}

/* ---- memory ---- */

static uint64_t gpa_of(void *va)
{
    static int fd = -1;
    uint64_t ent;
    if (fd < 0)
        fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0)
        die("open /proc/self/pagemap: %s", strerror(errno));
    if (pread(fd, &ent, 8, (uintptr_t)va / PAGE * 8) != 8)
        die("read /proc/self/pagemap: %s", strerror(errno));
    if (!(ent & (1ull << 63)) || !(ent & ((1ull << 55) - 1)))
        die("no physical address for %p (pagemap 0x%" PRIx64 "; not root?)",
            va, ent);
    return (ent & ((1ull << 55) - 1)) * PAGE + (uintptr_t)va % PAGE;
}

static void canary_fill(void *page)
{
    uint64_t gpa = gpa_of(page);
    volatile uint64_t *w = page;
    for (unsigned i = 0; i < PAGE / 8; i++)
        w[i] = CANARY_MAGIC ^ (gpa + i * 8);
}

/* Returns the number of 64-bit words that differ from the pattern. */
static unsigned canary_bad(void *page, unsigned *first)
{
    uint64_t gpa = gpa_of(page);
    volatile uint64_t *w = page;
    unsigned bad = 0;
    for (unsigned i = 0; i < PAGE / 8; i++) {
        if (w[i] != (CANARY_MAGIC ^ (gpa + i * 8))) {
            if (!bad && first)
                *first = i * 8;
            bad++;
        }
    }
    return bad;
}

/* ---- VFIO container ---- */

static int container;

static int dma_map(void *va, uint64_t iova, uint64_t size)
{
    struct vfio_iommu_type1_dma_map m = {
        .argsz = sizeof(m),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)va,
        .iova = iova,
        .size = size,
    };
    return ioctl(container, VFIO_IOMMU_MAP_DMA, &m);
}

static int dma_unmap(uint64_t iova, uint64_t size)
{
    struct vfio_iommu_type1_dma_unmap u = {
        .argsz = sizeof(u),
        .iova = iova,
        .size = size,
    };
    if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u) < 0)
        return -1;
    return u.size == size ? 0 : -1;
}

static void print_iova_ranges(void)
{
    char buf[4096];
    struct vfio_iommu_type1_info *ii = (void *)buf;
    memset(buf, 0, sizeof(buf));
    ii->argsz = sizeof(buf);
    if (ioctl(container, VFIO_IOMMU_GET_INFO, ii) < 0) {
        info("VFIO_IOMMU_GET_INFO: %s", strerror(errno));
        return;
    }
    info("IOMMU page sizes 0x%llx", (unsigned long long)ii->iova_pgsizes);
    if (!(ii->flags & VFIO_IOMMU_INFO_CAPS) || !ii->cap_offset)
        return;
    for (uint32_t off = ii->cap_offset; off && off < sizeof(buf);) {
        struct vfio_info_cap_header *h = (void *)(buf + off);
        if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
            struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
            for (uint32_t i = 0; i < r->nr_iovas; i++)
                info("usable IOVA range 0x%llx-0x%llx",
                     (unsigned long long)r->iova_ranges[i].start,
                     (unsigned long long)r->iova_ranges[i].end);
        }
        off = h->next;
    }
}

/* ---- NVMe admin queue ---- */

static volatile struct sqe *sq;
static volatile struct cqe *cq;
static unsigned sq_tail, cq_head, phase = 1;
static uint16_t next_cid = 1;

static int wait_rdy(int want, unsigned timeout_ms)
{
    uint64_t end = now_ms() + timeout_ms;
    for (;;) {
        uint32_t csts = rd32(NVME_CSTS);
        if (csts == 0xffffffff)
            return -1;
        if ((int)(csts & 1) == want)
            return 0;
        if (now_ms() > end)
            return -1;
        usleep(1000);
    }
}

/*
 * Submits one admin command and polls for its completion.  Returns the
 * status field (SCT << 8 | SC), or -1 on timeout.
 */
static int admin_cmd(struct sqe *cmd, uint32_t *dw0)
{
    cmd->cid = next_cid++;
    memcpy((void *)&sq[sq_tail], cmd, sizeof(*cmd));
    __sync_synchronize();
    sq_tail = (sq_tail + 1) % QDEPTH;
    wr32(NVME_DB, sq_tail);

    uint64_t end = now_ms() + CMD_TIMEOUT_MS;
    for (;;) {
        __sync_synchronize();
        uint16_t st = cq[cq_head].status;
        if ((st & 1) == phase)
            break;
        if (now_ms() > end)
            return -1;
        usleep(200);
    }
    struct cqe c;
    memcpy(&c, (void *)&cq[cq_head], sizeof(c));
    cq_head = (cq_head + 1) % QDEPTH;
    if (cq_head == 0)
        phase ^= 1;
    wr32(NVME_DB + (4u << dstrd), cq_head);
    if (c.cid != cmd->cid)
        info("completion for cid %u, expected %u", c.cid, cmd->cid);
    if (dw0)
        *dw0 = c.dw0;
    return (c.status >> 1) & 0x7ff;
}

static int identify(uint64_t iova)
{
    struct sqe c = {0};
    c.opc = 0x06;           /* Identify */
    c.prp1 = iova;
    c.cdw10 = 1;            /* CNS 1: controller */
    return admin_cmd(&c, NULL);
}

static const char *status_name(int st)
{
    switch (st) {
    case -1: return "timeout";
    case 0: return "success";
    case 0x004: return "Data Transfer Error";
    case 0x006: return "Internal Error";
    case 0x007: return "Command Abort Requested";
    default: return "error";
    }
}

/* The serial number (bytes 4..23, ASCII, space padded) into out. */
static void id_serial(const volatile uint8_t *id, char out[21])
{
    int n = 20;
    for (int i = 0; i < 20; i++)
        out[i] = id[4 + i];
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == 0))
        n--;
    out[n] = 0;
}

static void id_model(const volatile uint8_t *id, char out[41])
{
    int n = 40;
    for (int i = 0; i < 40; i++)
        out[i] = id[24 + i];
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == 0))
        n--;
    out[n] = 0;
}

/*
 * The verdict on a command whose data pointer has no mapping.  An error
 * status or a timeout is what a device that checks its DMA reports; QEMU's
 * NVMe model does not (hw/nvme/ctrl.c nvme_tx() drops the MemTxResult of
 * dma_buf_read(), so a blocked write still completes with success), which
 * leaves the canaries and the kernel's DMAR fault log as the evidence.
 */
static void bad_cmd_verdict(int st, const char *what, uint64_t iova, uint64_t ms)
{
    if (st != 0)
        ok("vfio: Identify to %s IOVA 0x%llx failed: status 0x%x (%s, %llu ms)",
           what, (unsigned long long)iova, st, status_name(st),
           (unsigned long long)ms);
    else
        info("Identify to %s IOVA 0x%llx completed with success status (%llu ms):"
             " QEMU's nvme ignores DMA errors (hw/nvme/ctrl.c nvme_tx);"
             " the canaries and the DMAR fault log decide",
             what, (unsigned long long)iova, (unsigned long long)ms);
}

/*
 * Waits (up to 5 s) until the kernel logged a DMAR fault at IOVA and
 * prints the line.  An IOMMU may collapse a fault into one still pending
 * from the same source (QEMU's intel-iommu drops any new fault of a device
 * with a record pending), so each bad DMA waits for the kernel to have
 * handled the previous one.
 */
static void wait_fault_logged(uint64_t iova)
{
    char want[64];
    int size = klogctl(10, NULL, 0);    /* SYSLOG_ACTION_SIZE_BUFFER */
    if (size <= 0)
        size = 1 << 20;
    char *buf = malloc(size + 1);
    snprintf(want, sizeof(want), "fault addr 0x%llx ", (unsigned long long)iova);
    uint64_t t0 = now_ms();
    while (buf) {
        int n = klogctl(3, buf, size);  /* SYSLOG_ACTION_READ_ALL */
        if (n > 0) {
            buf[n] = 0;
            char *hit = strstr(buf, want);
            if (hit) {
                char *bol = hit, *eol = strchr(hit, '\n');
                while (bol > buf && bol[-1] != '\n')
                    bol--;
                info("kernel after %llu ms: %.*s", (unsigned long long)(now_ms() - t0),
                     (int)(eol ? eol - bol : (long)strlen(bol)), bol);
                break;
            }
        }
        if (now_ms() - t0 > 5000) {
            info("no DMAR fault at IOVA 0x%llx in the kernel log after 5 s",
                 (unsigned long long)iova);
            break;
        }
        usleep(20000);
    }
    free(buf);
}

static int ctrl_enable(void)
{
    uint64_t cap = rd64(NVME_CAP);
    unsigned to_ms = ((cap >> 24) & 0xff) * 500 + 1000;
    uint32_t cc = rd32(NVME_CC);

    if (cc & 1) {
        wr32(NVME_CC, cc & ~1u);
    }
    if (wait_rdy(0, to_ms) < 0) {
        fail("vfio: controller did not clear CSTS.RDY after CC.EN=0 (CSTS 0x%x)",
             rd32(NVME_CSTS));
        return -1;
    }
    wr32(NVME_INTMS, 0xffffffff);   /* no interrupts: completions are polled */
    wr32(NVME_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
    wr64(NVME_ASQ, IOVA_BASE);
    wr64(NVME_ACQ, IOVA_BASE + PAGE);
    sq_tail = cq_head = 0;
    phase = 1;
    /* EN, CSS 0 (NVM), MPS 0 (4 KiB), AMS 0, IOSQES 6, IOCQES 4 */
    wr32(NVME_CC, 1u | 6u << 16 | 4u << 20);
    if (wait_rdy(1, to_ms) < 0) {
        fail("vfio: controller not ready after CC.EN=1 (CSTS 0x%x)", rd32(NVME_CSTS));
        return -1;
    }
    return 0;
}

static void ctrl_disable(void)
{
    uint32_t cc = rd32(NVME_CC);
    wr32(NVME_CC, cc & ~1u);
    wait_rdy(0, 5000);
}

static void usage(void)
{
    fprintf(stderr, "usage: vfio-nvme-identify [--serial SN] [--fault] [--hold] BDF\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *bdf = NULL, *want_serial = NULL;
    int do_fault = 0, hold = 0;
    char path[PATH_MAX], link[256];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--serial") && i + 1 < argc)
            want_serial = argv[++i];
        else if (!strcmp(argv[i], "--fault"))
            do_fault = 1;
        else if (!strcmp(argv[i], "--hold"))
            hold = 1;
        else if (argv[i][0] == '-' || bdf)
            usage();
        else
            bdf = argv[i];
    }
    if (!bdf)
        usage();
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
        info("mlockall: %s", strerror(errno));

    /* ---- VFIO: container, group, device ---- */
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    if (n < 0)
        die("%s: %s (no IOMMU group?)", path, strerror(errno));
    link[n] = 0;
    const char *grp = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;

    container = open("/dev/vfio/vfio", O_RDWR);
    if (container < 0)
        die("open /dev/vfio/vfio: %s", strerror(errno));
    if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
        die("VFIO API version mismatch");
    if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
        die("VFIO type1v2 IOMMU not supported");

    snprintf(path, sizeof(path), "/dev/vfio/%.64s", grp);
    int group = open(path, O_RDWR);
    if (group < 0)
        die("open %s: %s", path, strerror(errno));
    struct vfio_group_status gs = { .argsz = sizeof(gs) };
    if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) < 0)
        die("VFIO_GROUP_GET_STATUS: %s", strerror(errno));
    if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
        die("IOMMU group %s is not viable (a device in it is bound to another driver)", grp);
    if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
        die("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
    if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
        die("VFIO_SET_IOMMU type1v2: %s", strerror(errno));
    ok("vfio: group %s viable, container set to type1v2", grp);
    print_iova_ranges();

    devfd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
    if (devfd < 0)
        die("VFIO_GROUP_GET_DEVICE_FD %s: %s", bdf, strerror(errno));
    struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX };
    if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
        die("VFIO_DEVICE_GET_REGION_INFO BAR0: %s", strerror(errno));
    bar0_off = ri.offset;
    info("BAR0 size 0x%llx flags 0x%x", (unsigned long long)ri.size, ri.flags);
    if (ri.size < 0x2000)
        die("BAR0 too small (0x%llx)", (unsigned long long)ri.size);
    ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX };
    if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
        die("VFIO_DEVICE_GET_REGION_INFO config: %s", strerror(errno));
    cfg_off = ri.offset;

    uint16_t vid = cfg_rd16(PCI_VENDOR_ID), did = cfg_rd16(PCI_DEVICE_ID);
    uint16_t cmd = cfg_rd16(PCI_COMMAND);
    cfg_wr16(PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                          PCI_COMMAND_INTX_DISABLE);
    info("device %s [%04x:%04x], PCI command 0x%x -> 0x%x", bdf, vid, did, cmd,
         cfg_rd16(PCI_COMMAND));

    /* ---- memory: [guard][SQ][CQ][data][guard][stale][never] ---- */
    uint8_t *mem = mmap(NULL, 7 * PAGE, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    memset(mem, 0, 7 * PAGE);
    uint8_t *guard_lo = mem, *sqp = mem + PAGE, *cqp = mem + 2 * PAGE;
    uint8_t *data = mem + 3 * PAGE, *guard_hi = mem + 4 * PAGE;
    uint8_t *stale = mem + 5 * PAGE, *never = mem + 6 * PAGE;
    sq = (void *)sqp;
    cq = (void *)cqp;
    canary_fill(guard_lo);
    canary_fill(guard_hi);
    canary_fill(never);

    if (dma_map(sqp, IOVA_BASE, 3 * PAGE) < 0)
        die("VFIO_IOMMU_MAP_DMA 3 pages at IOVA 0x%llx: %s",
            (unsigned long long)IOVA_BASE, strerror(errno));
    ok("vfio: VFIO_IOMMU_MAP_DMA: SQ, CQ, data at IOVA 0x%llx-0x%llx (gpa 0x%llx 0x%llx 0x%llx)",
       (unsigned long long)IOVA_BASE, (unsigned long long)(IOVA_BASE + 3 * PAGE - 1),
       (unsigned long long)gpa_of(sqp), (unsigned long long)gpa_of(cqp),
       (unsigned long long)gpa_of(data));

    /* ---- NVMe: reset, admin queues at the IOVAs, enable ---- */
    uint64_t cap = rd64(NVME_CAP);
    uint32_t vs = rd32(NVME_VS);
    dstrd = (cap >> 32) & 0xf;
    info("NVMe CAP 0x%llx VS %u.%u MQES %u DSTRD %u", (unsigned long long)cap,
         vs >> 16, (vs >> 8) & 0xff, (unsigned)(cap & 0xffff) + 1, dstrd);
    uint64_t t0 = now_ms();
    if (ctrl_enable() < 0)
        goto out;
    ok("vfio: controller reset and enabled through BAR0 (admin queues at IOVA 0x%llx, %llu ms)",
       (unsigned long long)IOVA_BASE, (unsigned long long)(now_ms() - t0));

    /* ---- Identify Controller into the mapped data page ---- */
    memset(data, 0, PAGE);
    t0 = now_ms();
    int st = identify(IOVA_BASE + 2 * PAGE);
    if (st != 0) {
        fail("vfio: Identify Controller to IOVA 0x%llx: status 0x%x (%s)",
             (unsigned long long)(IOVA_BASE + 2 * PAGE), st, status_name(st));
        goto out;
    }
    char sn[21], mn[41];
    id_serial(data, sn);
    id_model(data, mn);
    uint16_t id_vid = data[0] | data[1] << 8;
    ok("vfio: Identify Controller completed (%llu ms): model '%s', serial '%s'",
       (unsigned long long)(now_ms() - t0), mn, sn);
    if (id_vid == vid)
        ok("vfio: identify data PCI vendor 0x%04x matches config space", id_vid);
    else
        fail("vfio: identify data PCI vendor 0x%04x, config space says 0x%04x", id_vid, vid);
    if (want_serial) {
        if (!strcmp(sn, want_serial))
            ok("vfio: serial '%s' is the one QEMU was given", sn);
        else
            fail("vfio: serial '%s', QEMU was given '%s'", sn, want_serial);
    }
    if (canary_bad(guard_lo, NULL) || canary_bad(guard_hi, NULL))
        fail("vfio: a guard page next to the mapped buffer changed");
    else
        ok("vfio: guard pages either side of the mapped buffer unchanged");

    if (do_fault) {
        /* 5. a mapping that existed and was removed */
        if (dma_map(stale, IOVA_STALE, PAGE) < 0)
            die("VFIO_IOMMU_MAP_DMA at IOVA 0x%llx: %s",
                (unsigned long long)IOVA_STALE, strerror(errno));
        memset(stale, 0, PAGE);
        st = identify(IOVA_STALE);
        id_serial(stale, sn);
        if (st == 0 && (!want_serial || !strcmp(sn, want_serial)))
            ok("vfio: Identify into a second mapping at IOVA 0x%llx: serial '%s'",
               (unsigned long long)IOVA_STALE, sn);
        else
            fail("vfio: Identify into a second mapping at IOVA 0x%llx: status 0x%x (%s), serial '%s'",
                 (unsigned long long)IOVA_STALE, st, status_name(st), sn);
        if (dma_unmap(IOVA_STALE, PAGE) < 0)
            die("VFIO_IOMMU_UNMAP_DMA at IOVA 0x%llx: %s",
                (unsigned long long)IOVA_STALE, strerror(errno));
        canary_fill(stale);
        canary_fill(data);
        printf("VTM-FAULT-IOVA: 0x%llx unmapped\n", (unsigned long long)IOVA_STALE);
        fflush(stdout);
        t0 = now_ms();
        st = identify(IOVA_STALE);
        bad_cmd_verdict(st, "unmapped", IOVA_STALE, now_ms() - t0);
        wait_fault_logged(IOVA_STALE);
        unsigned first = 0, bad = canary_bad(stale, &first);
        if (!bad)
            ok("vfio: the unmapped page (gpa 0x%llx) kept its canary",
               (unsigned long long)gpa_of(stale));
        else
            fail("vfio: the unmapped page (gpa 0x%llx) was written (stale IOTLB entry?): %u words, first at +0x%x",
                 (unsigned long long)gpa_of(stale), bad, first);
        if (st == -1 && ctrl_enable() < 0)
            goto out;

        /* 6. an IOVA never mapped: the guest-physical address of a canary */
        uint64_t never_gpa = gpa_of(never);
        if ((never_gpa >= IOVA_BASE && never_gpa < IOVA_BASE + 3 * PAGE) ||
            never_gpa == IOVA_STALE)
            die("canary page at gpa 0x%llx collides with a mapped IOVA",
                (unsigned long long)never_gpa);
        printf("VTM-FAULT-IOVA: 0x%llx never-mapped\n", (unsigned long long)never_gpa);
        fflush(stdout);
        t0 = now_ms();
        st = identify(never_gpa);
        bad_cmd_verdict(st, "never-mapped", never_gpa, now_ms() - t0);
        wait_fault_logged(never_gpa);
        struct { const char *name; uint8_t *p; } pages[] = {
            { "never-mapped IOVA's page (same guest-physical address)", never },
            { "unmapped page", stale },
            { "mapped data page", data },
            { "guard page below", guard_lo },
            { "guard page above", guard_hi },
        };
        for (unsigned i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
            bad = canary_bad(pages[i].p, &first);
            if (!bad)
                ok("vfio: canary intact: %s (gpa 0x%llx)", pages[i].name,
                   (unsigned long long)gpa_of(pages[i].p));
            else
                fail("vfio: canary overwritten: %s (gpa 0x%llx): %u words, first at +0x%x",
                     pages[i].name, (unsigned long long)gpa_of(pages[i].p), bad, first);
        }
        if (st == -1 && ctrl_enable() < 0)
            goto out;

        /* The device still works for mapped memory after the faults. */
        st = identify(IOVA_BASE + 2 * PAGE);
        id_serial(data, sn);
        if (st == 0 && (!want_serial || !strcmp(sn, want_serial)))
            ok("vfio: Identify to the mapped page works again after the faults");
        else
            fail("vfio: Identify to the mapped page after the faults: status 0x%x (%s)",
                 st, status_name(st));
        /* The data page is no canary any more; the others are. */
    }

out:
    ctrl_disable();
    dma_unmap(IOVA_BASE, 3 * PAGE);
    close(devfd);
    close(group);
    close(container);

    if (hold && do_fault) {
        /*
         * A child keeps the pages (MAP_SHARED: the same physical pages,
         * not copies) resident and locked until the guest powers off; the
         * host then checks them in guest RAM.
         */
        uint8_t *held[] = { never, stale, guard_lo, guard_hi };
        for (unsigned i = 0; i < 4; i++) {
            if (!canary_bad(held[i], NULL))
                printf("VTM-CANARY: 0x%llx\n", (unsigned long long)gpa_of(held[i]));
        }
        fflush(stdout);
        int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
        if (fd >= 0) {
            if (write(fd, "0", 1) < 0)
                info("compact_unevictable_allowed: %s", strerror(errno));
            close(fd);
        }
        pid_t pid = fork();
        if (pid == 0) {
            setsid();
            mlockall(MCL_CURRENT);
            int nul = open("/dev/null", O_RDWR);
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
            for (;;)
                pause();
        }
        if (pid < 0)
            fail("vfio: fork of the canary holder: %s", strerror(errno));
    }
    if (fails) {
        printf("VTM-INFO: vfio: %d checks failed\n", fails);
        return 1;
    }
    return 0;
}
