/*
 * x-vtm-dma-bench: a PCI test device that times QEMU's DMA API through
 * its own bus-master address space, so the host cost of a DMA can be
 * compared behind vtm-iommu, intel-iommu or no IOMMU in one binary
 * (scripts/bench-dma.sh, tests/qtest/vtm-dma-bench-test.c).
 *
 *   -device x-vtm-dma-bench,id=bench,addr=05.0[,ats=on]
 *
 * On a PCI Express bus it is a PCIe endpoint (an integrated one on
 * pcie.0); ats=on gives it an ATS capability, so that software can
 * enable its device-TLB and vtm-iommu (device-iotlb=on) times its DMA
 * as an ATS endpoint's.  The device keeps no translations of its own:
 * every DMA still goes through the IOMMU's translate hook.
 *
 * qom-set "run" on /machine/peripheral/ID to a spec, then qom-get
 * "result" (JSON).  The spec is comma-separated key=value:
 *
 *   op=read|write   pci_dma_read or pci_dma_write (default read)
 *   size=N          bytes per DMA (1..65536, default 4096)
 *   base=IOVA       start of the range (default 0)
 *   range=N         bytes covered; DMAs at size-aligned offsets in it
 *   pattern=seq|rand  offsets in order or xorshift-random (default seq)
 *   count=N         DMAs per repetition per thread (default 100000)
 *   reps=N          repetitions, each timed apart (default 5)
 *   threads=1|2     2: a worker thread runs the same loop at the same
 *                   time as the thread that issued the command
 *   fill=B          byte the write buffer starts from (B, B+1, ...)
 *   hash=on         FNV-1a hash of every byte read (functional tests)
 *
 * result: {"ns": median host ns per DMA, "min", "max" (over the
 * repetitions), "thread-ns" (median wall time of one thread's DMA),
 * "cpu-ns" and "cpu-min" (the threads' CPU time per DMA, median and
 * least: what the DMA costs whatever else runs on the machine), "dmas",
 * "errors" (DMAs whose MemTxResult was not OK), "hash"}.
 * With 2 threads "ns" is the wall time of a repetition over both
 * threads' DMAs (aggregate throughput) and "thread-ns" the wall time per
 * DMA of one thread.  The run holds the command's thread (and the BQL)
 * for its whole length; the worker DMAs without the BQL, as an iothread
 * does, so a 2-thread range must be guest RAM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/cutils.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "system/dma.h"

#define TYPE_VTM_DMA_BENCH "x-vtm-dma-bench"
OBJECT_DECLARE_SIMPLE_TYPE(VTMDmaBench, VTM_DMA_BENCH)

#define VTM_BENCH_MAX_SIZE      65536
#define VTM_BENCH_MAX_REPS      1000
#define VTM_BENCH_DEVICE_ID     0x7d3a

typedef struct VTMBenchSpec {
    bool write;
    bool rand;
    bool hash;
    uint8_t fill;
    uint32_t size;
    unsigned threads;
    uint64_t base, range;
    uint64_t count, reps;
} VTMBenchSpec;

/* One thread's loop: its buffer, what it saw. */
typedef struct VTMBenchLoop {
    VTMDmaBench *b;
    uint8_t *buf;
    uint64_t seed;
    uint64_t errors;
    uint64_t hash;
    int64_t ns;                 /* wall time of its last repetition */
    int64_t cpu_ns;             /* and the thread's CPU time in it */
} VTMBenchLoop;

#define VTM_BENCH_EXP_OFFSET    0x80
#define VTM_BENCH_ATS_OFFSET    0x100

typedef struct VTMDmaBenchClass {
    PCIDeviceClass parent_class;
    DeviceRealize parent_realize;
} VTMDmaBenchClass;

struct VTMDmaBench {
    PCIDevice parent_obj;
    bool ats;                   /* property: an ATS capability */

    VTMBenchSpec spec;
    char *result;

    /* The worker of a 2-thread run */
    QemuThread worker;
    VTMBenchLoop wloop;
    unsigned go, done;          /* repetitions started / finished */
    bool quit;
};

#define FNV_OFFSET  0xcbf29ce484222325ULL
#define FNV_PRIME   0x100000001b3ULL

static uint64_t vtm_bench_fnv(uint64_t h, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * FNV_PRIME;
    }
    return h;
}

/*
 * The calling thread's CPU time: unlike the wall clock it leaves out the
 * time the thread waited for a CPU, so it holds on a loaded machine.
 */
static int64_t vtm_bench_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

/* count DMAs; the part that is timed. */
static void vtm_bench_loop(VTMBenchLoop *l, const VTMBenchSpec *sp)
{
    PCIDevice *pdev = PCI_DEVICE(l->b);
    DMADirection dir = sp->write ? DMA_DIRECTION_FROM_DEVICE
                                 : DMA_DIRECTION_TO_DEVICE;
    uint64_t slots = sp->range / sp->size;
    uint64_t x = l->seed, idx = 0, i;
    int64_t c0 = vtm_bench_cpu_ns();
    int64_t t0 = get_clock();

    for (i = 0; i < sp->count; i++) {
        if (sp->rand) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* (x mod 2^32) * slots / 2^32: no division in the loop */
            idx = ((x & 0xffffffffULL) * slots) >> 32;
        }
        if (pci_dma_rw(pdev, sp->base + idx * sp->size, l->buf, sp->size,
                       dir, MEMTXATTRS_UNSPECIFIED) != MEMTX_OK) {
            l->errors++;
        }
        if (unlikely(sp->hash)) {
            l->hash = vtm_bench_fnv(l->hash, l->buf, sp->size);
        }
        if (!sp->rand && ++idx == slots) {
            idx = 0;
        }
    }
    l->ns = get_clock() - t0;
    l->cpu_ns = vtm_bench_cpu_ns() - c0;
    l->seed = x;
}

static void *vtm_bench_worker(void *opaque)
{
    VTMDmaBench *b = opaque;
    unsigned seen = 0;

    rcu_register_thread();
    for (;;) {
        while (qatomic_load_acquire(&b->go) == seen &&
               !qatomic_read(&b->quit)) {
            /* spin: a sleep would blur the start of a repetition */
        }
        if (qatomic_read(&b->quit)) {
            break;
        }
        seen++;
        vtm_bench_loop(&b->wloop, &b->spec);
        qatomic_store_release(&b->done, seen);
    }
    rcu_unregister_thread();
    return NULL;
}

static bool vtm_bench_u64(const char *key, const char *val, uint64_t min,
                          uint64_t max, uint64_t *out, Error **errp)
{
    if (qemu_strtou64(val, NULL, 0, out) || *out < min || *out > max) {
        error_setg(errp, "x-vtm-dma-bench: run: %s=%s: a number in "
                   "[%" PRIu64 ", %" PRIu64 "] expected", key, val, min, max);
        return false;
    }
    return true;
}

static bool vtm_bench_word(VTMBenchSpec *sp, const char *key,
                           const char *val, Error **errp)
{
    uint64_t v;

    if (!strcmp(key, "op") && (!strcmp(val, "read") ||
                               !strcmp(val, "write"))) {
        sp->write = !strcmp(val, "write");
    } else if (!strcmp(key, "pattern") && (!strcmp(val, "seq") ||
                                           !strcmp(val, "rand"))) {
        sp->rand = !strcmp(val, "rand");
    } else if (!strcmp(key, "hash") && (!strcmp(val, "on") ||
                                        !strcmp(val, "off"))) {
        sp->hash = !strcmp(val, "on");
    } else if (!strcmp(key, "size")) {
        if (!vtm_bench_u64(key, val, 1, VTM_BENCH_MAX_SIZE, &v, errp)) {
            return false;
        }
        sp->size = v;
    } else if (!strcmp(key, "threads")) {
        if (!vtm_bench_u64(key, val, 1, 2, &v, errp)) {
            return false;
        }
        sp->threads = v;
    } else if (!strcmp(key, "fill")) {
        if (!vtm_bench_u64(key, val, 0, 255, &v, errp)) {
            return false;
        }
        sp->fill = v;
    } else if (!strcmp(key, "base")) {
        return vtm_bench_u64(key, val, 0, UINT64_MAX, &sp->base, errp);
    } else if (!strcmp(key, "range")) {
        return vtm_bench_u64(key, val, 1, UINT64_MAX, &sp->range, errp);
    } else if (!strcmp(key, "count")) {
        return vtm_bench_u64(key, val, 1, UINT32_MAX, &sp->count, errp);
    } else if (!strcmp(key, "reps")) {
        return vtm_bench_u64(key, val, 1, VTM_BENCH_MAX_REPS, &sp->reps,
                             errp);
    } else {
        error_setg(errp, "x-vtm-dma-bench: run: unknown '%s=%s' (op, size, "
                   "base, range, pattern, count, reps, threads, fill, hash)",
                   key, val);
        return false;
    }
    return true;
}

static bool vtm_bench_parse(const char *s, VTMBenchSpec *sp, Error **errp)
{
    g_auto(GStrv) words = g_strsplit(s, ",", -1);
    unsigned i;

    *sp = (VTMBenchSpec) {
        .size = 4096, .threads = 1, .count = 100000, .reps = 5,
    };
    for (i = 0; words[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(words[i], "=", 2);

        if (!kv[0] || !kv[1]) {
            error_setg(errp, "x-vtm-dma-bench: run: '%s' is not key=value",
                       words[i]);
            return false;
        }
        if (!vtm_bench_word(sp, kv[0], kv[1], errp)) {
            return false;
        }
    }
    if (!sp->range) {
        sp->range = sp->size;
    }
    if (sp->range < sp->size || sp->range / sp->size > UINT32_MAX) {
        error_setg(errp, "x-vtm-dma-bench: run: range must hold one DMA "
                   "of size and at most 2^32 of them");
        return false;
    }
    if (sp->base + sp->range - 1 < sp->base) {
        error_setg(errp, "x-vtm-dma-bench: run: base + range wraps");
        return false;
    }
    return true;
}

static int vtm_bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double vtm_bench_median(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), vtm_bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void vtm_bench_buf_init(uint8_t *buf, const VTMBenchSpec *sp)
{
    uint32_t i;

    for (i = 0; i < sp->size; i++) {
        buf[i] = sp->fill + i;
    }
}

/*
 * Every repetition, in one or two threads; per DMA of each: wall time of
 * the repetition over all DMAs into v, of the slower thread over its own
 * into tv, CPU time of the threads over all DMAs into cv.
 */
static void vtm_bench_reps(VTMDmaBench *b, VTMBenchLoop *l, double *v,
                           double *tv, double *cv)
{
    const VTMBenchSpec *sp = &b->spec;
    uint64_t r;
    int64_t t0;

    for (r = 0; r < sp->reps; r++) {
        t0 = get_clock();
        if (sp->threads == 2) {
            qatomic_store_release(&b->go, r + 1);
        }
        vtm_bench_loop(l, sp);
        if (sp->threads == 2) {
            while (qatomic_load_acquire(&b->done) != r + 1) {
                /* the worker's loop ends about when ours does */
            }
        }
        v[r] = (double)(get_clock() - t0) / (sp->count * sp->threads);
        tv[r] = (double)MAX(l->ns, sp->threads == 2 ? b->wloop.ns : 0) /
                sp->count;
        cv[r] = (double)(l->cpu_ns + (sp->threads == 2 ? b->wloop.cpu_ns : 0))
                / (sp->count * sp->threads);
    }
}

static void vtm_bench_run(VTMDmaBench *b)
{
    const VTMBenchSpec *sp = &b->spec;
    g_autofree uint8_t *buf = g_malloc(sp->size);
    g_autofree uint8_t *wbuf = g_malloc(sp->size);
    g_autofree double *v = g_new(double, sp->reps);
    g_autofree double *tv = g_new(double, sp->reps);
    g_autofree double *cv = g_new(double, sp->reps);
    VTMBenchLoop l = {
        .b = b, .buf = buf, .seed = 0x9e3779b97f4a7c15ULL, .hash = FNV_OFFSET,
    };
    double lo, hi, clo;
    uint64_t r;

    vtm_bench_buf_init(buf, sp);
    vtm_bench_buf_init(wbuf, sp);
    if (sp->threads == 2) {
        b->wloop = (VTMBenchLoop) {
            .b = b, .buf = wbuf, .seed = 0x2545f4914f6cdd1dULL,
            .hash = FNV_OFFSET,
        };
        b->go = b->done = 0;
        b->quit = false;
        qemu_thread_create(&b->worker, "vtm-dma-bench", vtm_bench_worker, b,
                           QEMU_THREAD_JOINABLE);
    }
    vtm_bench_reps(b, &l, v, tv, cv);
    if (sp->threads == 2) {
        qatomic_set(&b->quit, true);
        qemu_thread_join(&b->worker);
        l.errors += b->wloop.errors;
    }
    lo = hi = v[0];
    clo = cv[0];
    for (r = 1; r < sp->reps; r++) {
        lo = MIN(lo, v[r]);
        hi = MAX(hi, v[r]);
        clo = MIN(clo, cv[r]);
    }
    g_free(b->result);
    b->result = g_strdup_printf(
        "{\"ns\": %.2f, \"min\": %.2f, \"max\": %.2f, \"thread-ns\": %.2f, "
        "\"cpu-ns\": %.2f, \"cpu-min\": %.2f, "
        "\"dmas\": %" PRIu64 ", \"errors\": %" PRIu64 ", "
        "\"hash\": \"0x%016" PRIx64 "\"}",
        vtm_bench_median(v, sp->reps), lo, hi,
        vtm_bench_median(tv, sp->reps), vtm_bench_median(cv, sp->reps), clo,
        sp->count * sp->reps * sp->threads, l.errors, l.hash);
}

static void vtm_bench_set_run(Object *obj, const char *value, Error **errp)
{
    VTMDmaBench *b = VTM_DMA_BENCH(obj);
    VTMBenchSpec sp;

    if (!vtm_bench_parse(value, &sp, errp)) {
        return;
    }
    b->spec = sp;
    vtm_bench_run(b);
}

static char *vtm_bench_get_run(Object *obj, Error **errp)
{
    return g_strdup("");
}

static char *vtm_bench_get_result(Object *obj, Error **errp)
{
    VTMDmaBench *b = VTM_DMA_BENCH(obj);

    return g_strdup(b->result ?: "{}");
}

static void vtm_bench_realize(PCIDevice *pdev, Error **errp)
{
    VTMDmaBench *b = VTM_DMA_BENCH(pdev);

    /* No BARs and no interrupt: the device is driven through QOM. */
    if (!pci_is_express(pdev)) {
        if (b->ats) {
            error_setg(errp, "x-vtm-dma-bench: property 'ats=on' needs a "
                       "PCI Express bus (pcie.0 of q35 or a root port)");
        }
        return;
    }
    if (pcie_endpoint_cap_init(pdev, VTM_BENCH_EXP_OFFSET) < 0) {
        error_setg(errp, "x-vtm-dma-bench: no room for the PCI Express "
                   "capability");
        return;
    }
    if (b->ats) {
        pcie_ats_init(pdev, VTM_BENCH_ATS_OFFSET, true);
    }
}

/*
 * PCI Express with ats=on on an express bus: a device of both kinds says
 * so itself, before PCI sizes its configuration space.
 */
static void vtm_bench_dc_realize(DeviceState *dev, Error **errp)
{
    VTMDmaBenchClass *bc = (VTMDmaBenchClass *)object_get_class(OBJECT(dev));
    PCIDevice *pdev = PCI_DEVICE(dev);

    if (VTM_DMA_BENCH(dev)->ats &&
        pci_bus_is_express(PCI_BUS(qdev_get_parent_bus(dev)))) {
        pdev->cap_present |= QEMU_PCI_CAP_EXPRESS;
    }
    bc->parent_realize(dev, errp);
}

static void vtm_bench_exit(PCIDevice *pdev)
{
    if (pci_is_express(pdev)) {
        pcie_cap_exit(pdev);
    }
}

static const Property vtm_bench_properties[] = {
    DEFINE_PROP_BOOL("ats", VTMDmaBench, ats, false),
};

static void vtm_bench_finalize(Object *obj)
{
    g_free(VTM_DMA_BENCH(obj)->result);
}

static void vtm_bench_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(oc);

    k->realize = vtm_bench_realize;
    k->exit = vtm_bench_exit;
    device_class_set_parent_realize(dc, vtm_bench_dc_realize,
                                    &((VTMDmaBenchClass *)oc)->parent_realize);
    k->vendor_id = PCI_VENDOR_ID_QEMU;
    k->device_id = VTM_BENCH_DEVICE_ID;
    k->class_id = PCI_CLASS_OTHERS;
    dc->desc = "times DMA through its IOMMU address space (benchmarks)";
    dc->hotpluggable = false;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    device_class_set_props(dc, vtm_bench_properties);
    object_class_property_set_description(oc, "ats",
        "an ATS capability (PCI Express only), for device-TLB timing");
    object_class_property_add_str(oc, "run", vtm_bench_get_run,
                                  vtm_bench_set_run);
    object_class_property_set_description(oc, "run",
        "runs a DMA loop: op=read|write,size=N,base=IOVA,range=N,"
        "pattern=seq|rand,count=N,reps=N,threads=1|2,fill=B,hash=on");
    object_class_property_add_str(oc, "result", vtm_bench_get_result, NULL);
    object_class_property_set_description(oc, "result",
        "JSON of the last run: ns per DMA (median, min, max), errors, hash");
}

static const TypeInfo vtm_bench_types[] = {
    {
        .name = TYPE_VTM_DMA_BENCH,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(VTMDmaBench),
        .class_size = sizeof(VTMDmaBenchClass),
        .instance_finalize = vtm_bench_finalize,
        .class_init = vtm_bench_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_CONVENTIONAL_PCI_DEVICE },
            { INTERFACE_PCIE_DEVICE },
            { },
        },
    },
};

DEFINE_TYPES(vtm_bench_types)
