/*
 * Helpers the vtm qtests share: register access, starting a QEMU that
 * must refuse its command line, and reading vtm-iommu's "stats" property
 * (JSON, docs/vtm.rst).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_QTEST_VTM_QTEST_UTIL_H
#define TESTS_QTEST_VTM_QTEST_UTIL_H

#include <poll.h>
#include "qobject/qdict.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "libqos/pci.h"
#include "hw/i386/vtm/vtm-defs.h"

/* The edu device's DMA engine (hw/misc/edu.c) */
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
static inline void vtm_edu_dma(QTestState *qts, QPCIDevice *edu, QPCIBar bar,
                               uint64_t src, uint64_t dst, uint32_t len,
                               bool to_ram)
{
    int i;

    qpci_io_writeq(edu, bar, EDU_REG_DMA_SRC, src);
    qpci_io_writeq(edu, bar, EDU_REG_DMA_DST, dst);
    qpci_io_writeq(edu, bar, EDU_REG_DMA_CNT, len);
    qpci_io_writeq(edu, bar, EDU_REG_DMA_CMD,
                   EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
    qtest_clock_step(qts, EDU_DMA_DELAY_NS);
    for (i = 0; i < 100; i++) {
        if (!(qpci_io_readq(edu, bar, EDU_REG_DMA_CMD) & EDU_DMA_RUN)) {
            return;
        }
        qtest_clock_step(qts, 1000 * 1000);
    }
    g_assert_not_reached();
}

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
 * 11.4.4.1: software writes GCMD with the persistent enables it keeps
 * (read from GSTS) plus the command; one-shot status bits are masked.
 */
static inline void vtm_gcmd_update(QTestState *qts, uint32_t set,
                                   uint32_t clear)
{
    uint32_t keep = R_GSTS_TES_MASK | R_GSTS_QIES_MASK | R_GSTS_IRES_MASK |
                    R_GSTS_CFIS_MASK;

    vtm_reg_wl(qts, A_GCMD, ((vtm_reg_rl(qts, A_GSTS) & keep) | set) & ~clear);
}

/*
 * Runs QEMU with -device device (stopped, no display) and waits for it to
 * exit, as a bad property must make it; returns what it wrote to stderr
 * and sets *status.  Kills it and fails the test after 60 s.
 */
static inline char *run_qemu_expect_exit(const char *accel,
                                         const char *machine,
                                         const char *device, int *status)
{
    const char *bin = g_getenv("QTEST_QEMU_BINARY");
    const char *const extra[] = {
        "-machine", machine, "-accel", accel, "-display", "none",
        "-nodefaults", "-S", "-device",
    };
    g_auto(GStrv) binv = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GString) err = g_string_new("");
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    int binc, err_fd, i;
    GPid pid;

    g_assert(bin);
    g_assert(g_shell_parse_argv(bin, &binc, &binv, NULL));
    for (i = 0; i < binc; i++) {
        g_ptr_array_add(argv, binv[i]);
    }
    for (i = 0; i < ARRAY_SIZE(extra); i++) {
        g_ptr_array_add(argv, (char *)extra[i]);
    }
    g_ptr_array_add(argv, (char *)device);
    g_ptr_array_add(argv, NULL);
    g_assert(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                      G_SPAWN_DO_NOT_REAP_CHILD |
                                      G_SPAWN_STDOUT_TO_DEV_NULL,
                                      NULL, NULL, &pid, NULL, NULL, &err_fd,
                                      NULL));
    for (;;) {
        struct pollfd pfd = { .fd = err_fd, .events = POLLIN };
        char buf[512];
        ssize_t n;

        if (g_get_monotonic_time() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            g_error("QEMU with -device %s did not exit", device);
        }
        if (poll(&pfd, 1, 1000) <= 0) {
            continue;
        }
        n = read(err_fd, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        g_string_append_len(err, buf, n);
    }
    close(err_fd);
    g_assert_cmpint(waitpid(pid, status, 0), ==, pid);
    g_spawn_close_pid(pid);
    return g_string_free(g_steal_pointer(&err), false);
}

/* The unit's statistics; the caller unrefs them. */
static inline QDict *vtm_qtest_stats(QTestState *qts, const char *unit)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                            "{'path': %s, 'property': 'stats'}}", unit);
    QDict *ret = qdict_get_qdict(resp, "return");

    g_assert(ret);
    qobject_ref(ret);
    qobject_unref(resp);
    return ret;
}

static inline void vtm_qtest_stats_reset(QTestState *qts, const char *unit)
{
    qtest_qmp_assert_success(qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'stats-reset', "
                             "'value': true}}", unit);
}

/* The member at a path like "unit/iotlb/hits". */
static inline QObject *stats_at(QDict *d, const char *path)
{
    g_auto(GStrv) part = g_strsplit(path, "/", -1);
    QObject *o = QOBJECT(d);
    unsigned i;

    for (i = 0; part[i]; i++) {
        g_assert(qobject_type(o) == QTYPE_QDICT);
        o = qdict_get(qobject_to(QDict, o), part[i]);
        if (!o) {
            g_error("stats: no %s", path);
        }
    }
    return o;
}

static inline int64_t stats_int(QDict *d, const char *path)
{
    return qnum_get_int(qobject_to(QNum, stats_at(d, path)));
}

static inline const char *stats_str(QDict *d, const char *path)
{
    return qstring_get_str(qobject_to(QString, stats_at(d, path)));
}

#endif
