/*
 * vtm-load: throughput of a DMA engine through vtm's timing model.
 *
 * A closed loop of `outstanding` requests in flight (the device's tags):
 * each stream issues its next request when its previous one completes.
 * A request of N bytes is the PCIe transactions it would be (read
 * requests of at most max-read-request bytes, writes of at most
 * max-payload bytes, none crossing a 4 KiB boundary); each is translated
 * by the IOMMU at the request's issue time, and the request completes
 * when its slowest transaction does, base_ns (the DMA's latency without
 * the IOMMU) after its translation.  The link bounds how often requests
 * can go out: the busier direction of a request's TLPs (payload plus a
 * per-TLP overhead) occupies it for wire bytes / bandwidth.
 *
 * So the achieved rate is the smallest of: outstanding / latency (the
 * device's window), 1 / wire time (the link) and what the IOMMU's walker
 * slots let through (ptw-slots / walk time when every transaction
 * walks), with queueing where they interact.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef VTM_LOAD_H
#define VTM_LOAD_H

#include "vtm-sim.h"

/*
 * A PCIe link, one direction's TLP-layer bandwidth.  Defaults: PCIe
 * Gen3 x8 as in pcie-bench's NFP-6000 and NetFPGA set-ups, by the
 * pcie-model of the same authors (github.com/pcie-bench/pcie-model,
 * model/pcie.py): 8 GT/s x 8 lanes x 128/130 = 63.02 Gb/s raw, less ACK,
 * flow-control and SKIP overheads at MPS 256 = 57.88 Gb/s; a 64-bit
 * memory read or write request costs 24 bytes besides its payload
 * (framing and DLLP 8, TLP header 4 + 12), a completion with data 20
 * (8 + 4 + 8).
 */
typedef struct VTMLink {
    double gbps;                /* 0: no link limit */
    uint32_t req_overhead;      /* bytes per MRd/MWr TLP */
    uint32_t cpl_overhead;      /* bytes per CplD TLP */
    uint32_t mps;               /* max payload size */
    uint32_t mrrs;              /* max read request size */
} VTMLink;

#define VTM_LINK_GEN3X8_GBPS    57.88

void vtm_link_default(VTMLink *l);

/* NULL when usable, else a message naming the bad field. */
const char *vtm_link_error(const VTMLink *l);

/*
 * Bytes on the wire of a request of size bytes at addr: *up from the
 * device (read requests, or write TLPs with their payload), *down to it
 * (read completions with data, split at max-payload).
 */
void vtm_link_wire_bytes(const VTMLink *l, uint64_t addr, uint32_t size,
                         bool is_write, uint64_t *up, uint64_t *down);

/* ns the busier direction is occupied by the request; 0 without a limit */
double vtm_link_ns(const VTMLink *l, uint64_t addr, uint32_t size,
                   bool is_write);

/*
 * The transactions of a request: fills start[] and len[] (at most max
 * entries) and returns how many there are.  Reads are cut at mrrs,
 * writes at mps, both at every 4 KiB boundary (PCIe forbids crossing
 * one).
 */
unsigned vtm_link_split(const VTMLink *l, uint64_t addr, uint32_t size,
                        bool is_write, uint64_t *start, uint32_t *len,
                        unsigned max);

typedef struct VTMLoadParams {
    unsigned outstanding;       /* requests in flight, at least 1 */
    double base_ns;             /* a request's latency without the IOMMU */
    uint32_t clock_mhz;         /* IOMMU cycles per microsecond */
    uint32_t size;              /* bytes per request */
    bool is_write;
    uint64_t warmup;            /* requests before measuring */
    uint64_t count;             /* requests measured, at least 1 */
    VTMLink link;
} VTMLoadParams;

/*
 * The model's side: the address of request i, and the IOMMU latency in
 * cycles of one transaction translated at `time` (cycles).  Returning
 * UINT64_MAX stops the run (the simulator's arena is full).
 */
typedef struct VTMLoadOps {
    uint64_t (*addr)(void *opaque, uint64_t i);
    uint64_t (*xlate)(void *opaque, uint64_t addr, bool is_write,
                      uint64_t time);
    /* called once when measuring starts (reset counters); may be NULL */
    void (*measure)(void *opaque);
    void *opaque;
} VTMLoadOps;

typedef struct VTMLoadResult {
    uint64_t requests;          /* measured */
    uint64_t tlps;              /* transactions of the measured requests */
    double ns;                  /* first measured issue to last completion */
    double mrps;                /* requests per microsecond (M req/s) */
    double gbps;                /* payload Gb/s */
    double lat_mean_ns;         /* issue to completion, incl. base_ns */
    double lat_p50_ns, lat_p99_ns;
    double wait_ns;             /* mean wait for the link before issue */
    /* the bounds the engine knows of, requests per microsecond */
    double link_mrps;           /* 1 / wire time; 0 without a limit */
    double window_mrps;         /* outstanding / mean latency */
    VTMSimSummary iommu;        /* per request: its slowest translation */
} VTMLoadResult;

/* NULL when usable, else a message. */
const char *vtm_load_params_error(const VTMLoadParams *p);

/* False when ops->xlate stopped the run. */
bool vtm_load_run(const VTMLoadParams *p, const VTMLoadOps *ops,
                  VTMLoadResult *out);

/*
 * The engine over vtm-sim: pattern's addresses (random or sequential
 * within its window, aligned to p->size), mapped on demand at its page
 * size.  out->iommu.ctr has the unit's counters of the measured part.
 * False when the tables do not fit.
 */
bool vtm_load_run_sim(VTMSim *sim, const VTMSimPattern *pattern,
                      const VTMLoadParams *p, VTMLoadResult *out);

#endif
