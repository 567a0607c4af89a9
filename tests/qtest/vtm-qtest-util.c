/*
 * Helpers the vtm qtests share (see vtm-qtest-util.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <poll.h>
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "vtm-qtest-util.h"

/* ---- Registers ---------------------------------------------------------- */

void vtm_gcmd_update(QTestState *qts, uint32_t set, uint32_t clear)
{
    uint32_t keep = R_GSTS_TES_MASK | R_GSTS_QIES_MASK | R_GSTS_IRES_MASK |
                    R_GSTS_CFIS_MASK;

    vtm_reg_wl(qts, A_GCMD, ((vtm_reg_rl(qts, A_GSTS) & keep) | set) & ~clear);
}

/* ---- Guest memory for the test library -------------------------------- */

static bool qt_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    VtmQtMem *m = opaque;

    qtest_memread(m->qts, addr, buf, len);
    return true;
}

static bool qt_mem_write(void *opaque, uint64_t addr, const void *buf,
                         size_t len)
{
    VtmQtMem *m = opaque;

    /* base64 transfer: a table page in one command */
    qtest_bufwrite(m->qts, addr, buf, len);
    return true;
}

static uint64_t qt_mem_alloc(void *opaque)
{
    VtmQtMem *m = opaque;
    uint64_t addr = m->next;

    if (addr + VTM_PAGE_SIZE > m->limit) {
        return 0;
    }
    m->next += VTM_PAGE_SIZE;
    qtest_memset(m->qts, addr, 0, VTM_PAGE_SIZE);
    return addr;
}

void vtm_qt_mem_init(VtmQtMem *m, QTestState *qts, uint64_t base,
                     uint64_t limit)
{
    m->qts = qts;
    m->next = base;
    m->limit = limit;
    m->mem = (VtmtMem) {
        .read = qt_mem_read, .write = qt_mem_write,
        .alloc_page = qt_mem_alloc, .opaque = m,
    };
}

uint64_t vtm_qt_alloc(VtmQtMem *m)
{
    uint64_t addr = vtmt_alloc(&m->mem);

    g_assert_cmphex(addr, !=, 0);
    return addr;
}

/* ---- Queued invalidation through the registers ------------------------ */

static void qi_reg_wq(VtmQtQueue *iq, uint64_t off, uint64_t val)
{
    if (iq->halves) {
        vtm_reg_wq_halves(iq->qts, off, val);
    } else {
        vtm_reg_wq(iq->qts, off, val);
    }
}

void vtm_qt_qi_init(VtmQtQueue *iq, QTestState *qts, const VtmtMem *m,
                    uint64_t base, unsigned qs, uint64_t status_addr)
{
    memset(iq, 0, sizeof(*iq));
    iq->qts = qts;
    iq->status_addr = status_addr;
    iq->q = (VtmtQueue) {
        .mem = m, .base = base, .size = VTM_PAGE_SIZE << qs,
        .desc_size = 16,
    };
}

void vtm_qt_qi_enable(VtmQtQueue *iq)
{
    vtmt_queue_init(&iq->q, iq->q.mem, iq->q.base,
                    ctz32(iq->q.size >> VTM_PAGE_SHIFT));
    qi_reg_wq(iq, A_IQA, vtmt_queue_iqa(&iq->q));
    qi_reg_wq(iq, A_IQT, 0);
    vtm_gcmd_update(iq->qts, R_GCMD_QIE_MASK, 0);
    g_assert_cmphex(vtm_reg_rl(iq->qts, A_GSTS) & R_GSTS_QIES_MASK, ==,
                    R_GSTS_QIES_MASK);
    g_assert_cmphex(vtm_reg_rl(iq->qts, A_IQH), ==, 0);
}

uint32_t vtm_qt_qi_put(VtmQtQueue *iq, VtmtDesc d)
{
    return vtmt_queue_put(&iq->q, &d);
}

void vtm_qt_qi_kick(VtmQtQueue *iq)
{
    /* IQT holds bits 18:4 only: one 32-bit write for every unit */
    vtm_reg_wl(iq->qts, A_IQT, vtmt_queue_iqt(&iq->q));
}

void vtm_qt_qi_sync(VtmQtQueue *iq)
{
    uint32_t data = ++iq->seq;

    qtest_writel(iq->qts, iq->status_addr, 0);
    vtm_qt_qi_put(iq, vtmt_qi_wait(true, false, false, data,
                                   iq->status_addr));
    vtm_qt_qi_kick(iq);
    g_assert_cmphex(qtest_readl(iq->qts, iq->status_addr), ==, data);
    g_assert_cmphex(vtm_reg_rl(iq->qts, A_IQH), ==,
                    vtmt_queue_iqt(&iq->q));
    g_assert_cmphex(vtm_reg_rl(iq->qts, A_FSTS) & ~iq->fsts_ignore, ==, 0);
}

/* ---- The edu device's DMA engine -------------------------------------- */

void vtm_edu_dma(QTestState *qts, QPCIDevice *edu, QPCIBar bar,
                 uint64_t src, uint64_t dst, uint32_t len, bool to_ram)
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

/* ---- QEMU runs that must fail ----------------------------------------- */

/* Collects what pid writes to err_fd until it closes it, at most 60 s. */
static void collect_stderr(GPid pid, int err_fd, GString *err, int *status,
                           const char *what)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    for (;;) {
        struct pollfd pfd = { .fd = err_fd, .events = POLLIN };
        char buf[512];
        ssize_t n;

        if (g_get_monotonic_time() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            g_error("QEMU with %s did not exit", what);
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
}

char *vtm_qemu_expect_exit(const char *const *args, int *status)
{
    const char *bin = g_getenv("QTEST_QEMU_BINARY");
    const char *const fixed[] = {
        "-display", "none", "-nodefaults", "-S",
    };
    g_auto(GStrv) binv = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GString) err = g_string_new("");
    g_autofree char *what = g_strjoinv(" ", (char **)args);
    int binc, err_fd, i;
    GPid pid;

    g_assert(bin);
    g_assert(g_shell_parse_argv(bin, &binc, &binv, NULL));
    for (i = 0; i < binc; i++) {
        g_ptr_array_add(argv, binv[i]);
    }
    for (i = 0; i < ARRAY_SIZE(fixed); i++) {
        g_ptr_array_add(argv, (char *)fixed[i]);
    }
    for (i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (char *)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                      G_SPAWN_DO_NOT_REAP_CHILD |
                                      G_SPAWN_STDOUT_TO_DEV_NULL,
                                      NULL, NULL, &pid, NULL, NULL, &err_fd,
                                      NULL));
    collect_stderr(pid, err_fd, err, status, what);
    close(err_fd);
    g_assert_cmpint(waitpid(pid, status, 0), ==, pid);
    g_spawn_close_pid(pid);
    return g_string_free(g_steal_pointer(&err), false);
}

char *run_qemu_expect_exit(const char *accel, const char *machine,
                           const char *device, int *status)
{
    const char *const args[] = {
        "-machine", machine, "-accel", accel, "-device", device, NULL,
    };

    return vtm_qemu_expect_exit(args, status);
}

void vtm_qt_expect_refused(const char *device, const char *const *words)
{
    int status;
    g_autofree char *err = run_qemu_expect_exit("qtest", "q35", device,
                                                &status);
    unsigned i;

    g_test_message("%s: %s", device, err);
    g_assert(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
    for (i = 0; words[i]; i++) {
        g_assert_nonnull(strstr(err, words[i]));
    }
}

char *vtm_qt_probe_route(QTestState *qts, uint64_t addr, uint32_t data,
                         int sid)
{
    static const char path[] = "/machine/peripheral/probe";
    g_autofree char *req = sid < 0 ?
        g_strdup_printf("%" PRIx64 " %x none", addr, data) :
        g_strdup_printf("%" PRIx64 " %x %x", addr, data, sid);
    QDict *resp;
    char *ret;

    qtest_qmp_assert_success(qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'route', "
                             "'value': %s}}", path, req);
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': %s, 'property': 'route'}}", path);
    ret = g_strdup(qdict_get_str(resp, "return"));
    qobject_unref(resp);
    return ret;
}

/* ---- Migration ---------------------------------------------------------- */

void vtm_qt_wait_migration(QTestState *qts, const char *want)
{
    g_autofree char *status = NULL;
    int i;

    for (i = 0; i < 6000; i++) {
        QDict *rsp = qtest_qmp_assert_success_ref(qts,
                                                  "{'execute': 'query-migrate'}");

        g_free(status);
        status = g_strdup(qdict_get_try_str(rsp, "status"));
        qobject_unref(rsp);
        if (status && (!strcmp(status, want) || !strcmp(status, "failed"))) {
            break;
        }
        g_usleep(10 * 1000);
    }
    g_assert_cmpstr(status, ==, want);
}

/* ---- Statistics --------------------------------------------------------- */

QDict *vtm_qtest_stats(QTestState *qts, const char *unit)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                            "{'path': %s, 'property': 'stats'}}", unit);
    QDict *ret = qdict_get_qdict(resp, "return");

    g_assert(ret);
    qobject_ref(ret);
    qobject_unref(resp);
    return ret;
}

void vtm_qtest_stats_reset(QTestState *qts, const char *unit)
{
    qtest_qmp_assert_success(qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'stats-reset', "
                             "'value': true}}", unit);
}

QObject *stats_at(QDict *d, const char *path)
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

int64_t stats_int(QDict *d, const char *path)
{
    return qnum_get_int(qobject_to(QNum, stats_at(d, path)));
}

const char *stats_str(QDict *d, const char *path)
{
    return qstring_get_str(qobject_to(QString, stats_at(d, path)));
}
