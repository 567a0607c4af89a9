/*
 * Helpers the vtm qtests share (vtm-qtest-util.c): register access (also
 * in the 32-bit halves intel-iommu requires), guest memory for the test
 * library's encoders (tests/lib/vtm-testlib.h), an invalidation queue
 * driven through the registers, the edu device's DMA engine, starting a
 * QEMU that must refuse its command line, and reading vtm-iommu's
 * "stats" property (JSON, docs/vtm.rst).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_QTEST_VTM_QTEST_UTIL_H
#define TESTS_QTEST_VTM_QTEST_UTIL_H

#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/pci.h"
#include "hw/i386/vtm/vtm-defs.h"
#include "../lib/vtm-testlib.h"

/* ---- Registers ---------------------------------------------------------- */

/* The unit's registers at its default base (offsets: vtm-defs.h). */
static inline uint32_t vtm_reg_rl(QTestState *qts, uint64_t off)
{
    return qtest_readl(qts, VTM_DEFAULT_BASE + off);
}

static inline uint64_t vtm_reg_rq(QTestState *qts, uint64_t off)
{
    return qtest_readq(qts, VTM_DEFAULT_BASE + off);
}

static inline void vtm_reg_wl(QTestState *qts, uint64_t off, uint32_t val)
{
    qtest_writel(qts, VTM_DEFAULT_BASE + off, val);
}

static inline void vtm_reg_wq(QTestState *qts, uint64_t off, uint64_t val)
{
    qtest_writeq(qts, VTM_DEFAULT_BASE + off, val);
}

/*
 * A 64-bit register as two 32-bit writes, low half first: intel-iommu
 * (which some qtests run against for comparison) takes only those.
 */
static inline void vtm_reg_wq_halves(QTestState *qts, uint64_t off,
                                     uint64_t val)
{
    vtm_reg_wl(qts, off, val);
    vtm_reg_wl(qts, off + 4, val >> 32);
}

/*
 * 11.4.4.1: software writes GCMD with the persistent enables it keeps
 * (read from GSTS) plus the command; one-shot status bits are masked.
 */
void vtm_gcmd_update(QTestState *qts, uint32_t set, uint32_t clear);

/* ---- Guest memory for the test library -------------------------------- */

/*
 * libqtest-backed VtmtMem: reads and writes go through qtest, table pages
 * are bump allocated from [next, limit) and zeroed.
 */
typedef struct VtmQtMem {
    VtmtMem mem;
    QTestState *qts;
    uint64_t next, limit;
} VtmQtMem;

void vtm_qt_mem_init(VtmQtMem *m, QTestState *qts, uint64_t base,
                     uint64_t limit);
/* A zeroed page; fails the test when the range is used up. */
uint64_t vtm_qt_alloc(VtmQtMem *m);

/* ---- Queued invalidation through the registers ------------------------ */

typedef struct VtmQtQueue {
    VtmtQueue q;
    QTestState *qts;
    uint64_t status_addr;       /* where vtm_qt_qi_sync's waits write */
    uint32_t seq;               /* status data of the last sync */
    bool halves;                /* 64-bit registers as 32-bit halves */
    uint32_t fsts_ignore;       /* FSTS bits a sync does not check */
} VtmQtQueue;

/*
 * A queue of 4 KiB << qs bytes at base in m; nothing is written to the
 * unit yet.  Set halves or fsts_ignore before vtm_qt_qi_enable.
 */
void vtm_qt_qi_init(VtmQtQueue *iq, QTestState *qts, const VtmtMem *m,
                    uint64_t base, unsigned qs, uint64_t status_addr);
/* Zeroes the queue, programs IQA and IQT, sets QIE (11.4.9). */
void vtm_qt_qi_enable(VtmQtQueue *iq);
/* Writes one descriptor at the tail without moving IQT; its offset. */
uint32_t vtm_qt_qi_put(VtmQtQueue *iq, VtmtDesc d);
/* Moves IQT to the tail: the unit processes what was put. */
void vtm_qt_qi_kick(VtmQtQueue *iq);
/*
 * Puts a status-writing wait, kicks, and checks that it completed: the
 * status written, IQH at the tail, no FSTS bit but fsts_ignore set.
 */
void vtm_qt_qi_sync(VtmQtQueue *iq);

/* ---- The edu device's DMA engine (hw/misc/edu.c) ---------------------- */

#define EDU_REG_DMA_SRC     0x80
#define EDU_REG_DMA_DST     0x88
#define EDU_REG_DMA_CNT     0x90
#define EDU_REG_DMA_CMD     0x98
#define EDU_DMA_RUN         0x1
#define EDU_DMA_TO_RAM      0x2                 /* edu "TO_PCI" direction */
#define EDU_DMA_BUF         0x40000             /* its 4 KiB buffer */
#define EDU_DMA_DELAY_NS    (100 * 1000 * 1000) /* 100 ms virtual */

/*
 * One edu DMA of len bytes from src to dst (device addresses on the
 * device's side, through the IOMMU): to_ram copies the buffer out to
 * memory, else memory into the buffer.  Steps the virtual clock until the
 * engine is done.
 */
void vtm_edu_dma(QTestState *qts, QPCIDevice *edu, QPCIBar bar,
                 uint64_t src, uint64_t dst, uint32_t len, bool to_ram);

/* ---- QEMU runs that must fail ----------------------------------------- */

/*
 * Runs $QTEST_QEMU_BINARY with -display none -nodefaults -S and args
 * (NULL-terminated) and waits for it to exit, as a bad command line must
 * make it; returns what it wrote to stderr and sets *status.  Kills it
 * and fails the test after 60 s.
 */
char *vtm_qemu_expect_exit(const char *const *args, int *status);
/* The same with -machine machine -accel accel -device device. */
char *run_qemu_expect_exit(const char *accel, const char *machine,
                           const char *device, int *status);

/*
 * -device device on q35 must make QEMU exit with an error whose message
 * holds each of words (NULL-terminated).
 */
void vtm_qt_expect_refused(const char *device, const char *const *words);

/*
 * x-vtm-route-probe (id "probe"): the interrupt route KVM would get for an
 * MSI of addr and data from requester sid (-1: none), as it reads back.
 */
char *vtm_qt_probe_route(QTestState *qts, uint64_t addr, uint32_t data,
                         int sid);

/* ---- Migration ---------------------------------------------------------- */

/* Polls query-migrate (up to 60 s) until its status is want; not failed. */
void vtm_qt_wait_migration(QTestState *qts, const char *want);

/* ---- Statistics --------------------------------------------------------- */

/* The unit's statistics; the caller unrefs them. */
QDict *vtm_qtest_stats(QTestState *qts, const char *unit);
void vtm_qtest_stats_reset(QTestState *qts, const char *unit);
/* The member at a path like "unit/iotlb/hits". */
QObject *stats_at(QDict *d, const char *path);
int64_t stats_int(QDict *d, const char *path);
const char *stats_str(QDict *d, const char *path);

#endif
