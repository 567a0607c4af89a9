/*
 * vtm: interrupt remapping and interrupt posting (VT-d chapter 5).
 *
 * An interrupt request (a DWORD write to 0xFEEx_xxxx, 5.1.2) goes in; an
 * APIC message to deliver, a posting (the posted interrupt descriptor
 * updated, perhaps with a notification event to deliver) or a fault comes
 * out.  The IRTEs are cached in an interrupt entry cache, an instance of
 * the generic cache, invalidated by the IEC descriptor (6.5.2.7).  The
 * device glue owns the registers, the lock, fault recording and delivery.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_IR_H
#define HW_I386_VTM_IR_H

#include "vtm-types.h"
#include "vtm-cache.h"
#include "vtm-qi.h"

typedef struct VTMIrConfig {
    uint8_t haw;                /* host address width: IRTE and PID reach */
    bool eim;                   /* ECAP.EIM: IRTA.EIME may be set */
    bool pi;                    /* CAP.PI: posted-format IRTEs accepted */
    VTMCacheParams iec;         /* the interrupt entry cache */
} VTMIrConfig;

/*
 * Defaults: EIM and PI on, haw 48, and an interrupt entry cache of 64
 * entries, 4-way, LRU.  Intel publishes no IEC size; 64 entries hold the
 * vectors of a guest with a few multi-queue devices, and make eviction
 * visible to a test with more.
 */
void vtm_ir_default_config(VTMIrConfig *cfg);

/* NULL when usable, else a message naming the bad parameter. */
const char *vtm_ir_config_error(const VTMIrConfig *cfg);

typedef struct VTMIrStats {
    uint64_t requests;          /* interrupt requests seen */
    uint64_t compat;            /* passed in compatibility format */
    uint64_t remapped;          /* remapped through an IRTE */
    uint64_t posted;            /* posted into a descriptor */
    uint64_t notifications;     /* notification events generated */
    uint64_t faults;            /* requests blocked, recorded or not */
    uint64_t irte_reads;        /* IRTE fetches from memory */
    uint64_t pid_updates;       /* descriptor read-modify-writes */
    uint64_t inv_iec;           /* IEC invalidations applied */
    uint64_t routes;            /* route computations (vtm_ir_route) */
} VTMIrStats;

/* A decoded IRTE (9.10 remapped, 9.11 posted). */
typedef struct VTMIrte {
    bool present;
    bool fpd;
    bool posted;                /* IM=1 */
    uint8_t svt, sq;
    uint16_t sid;
    uint8_t vector;             /* posted: the virtual vector */
    /* remapped */
    bool dm, rh, tm;
    uint8_t dlm;
    uint32_t dest;              /* APIC ID: 8 bits with EIME=0 */
    /* posted */
    bool urgent;
    uint64_t pda;               /* descriptor address, 64-byte aligned */
} VTMIrte;

/* One interrupt remapping unit. */
typedef struct VTMIr {
    VTMIrConfig cfg;
    VTMMemOps mem;
    VTMCache *iec;              /* payload: the raw IRTE, two qwords */
    /* Latched by SIRTP from IRTA (11.4.4.1) */
    uint64_t table;
    uint32_t entries;
    bool eime;
    bool enabled;               /* GSTS.IRES */
    bool cfis;                  /* GSTS.CFIS */
    VTMIrStats stats;
} VTMIr;

void vtm_ir_init(VTMIr *ir, const VTMIrConfig *cfg, const VTMMemOps *mem);
void vtm_ir_destroy(VTMIr *ir);

/* Device reset: remapping off, nothing latched, the cache empty. */
void vtm_ir_reset(VTMIr *ir);

/*
 * SIRTP: latch the IRTA register value (address, size, EIME; EIME counts
 * only with cfg.eim).  The interrupt entry cache is left alone: 11.4.4.1
 * asks software for a global IEC invalidation after it.
 */
void vtm_ir_set_table(VTMIr *ir, uint64_t irta);

/* The IRTA value the latched state corresponds to (for migration). */
uint64_t vtm_ir_latched_irta(const VTMIr *ir);

/* Applies an interrupt entry cache invalidation (6.5.2.7). */
void vtm_ir_invalidate(VTMIr *ir, const VTMInvIec *inv);

/* An interrupt request: a DWORD write of data at addr. */
typedef struct VTMIrRequest {
    uint64_t addr;
    uint32_t data;
    uint16_t sid;
    bool sid_known;             /* false: no source validation possible */
    /*
     * A route computation (KVM's int_remap) rather than an interrupt: a
     * posted IRTE is reported but no descriptor is touched.
     */
    bool route_only;
} VTMIrRequest;

typedef enum VTMIrAction {
    VTM_IR_DELIVER,             /* deliver msg */
    VTM_IR_POSTED,              /* posted; deliver msg if notify */
    VTM_IR_BLOCKED,             /* fault: record unless fault.fpd */
} VTMIrAction;

typedef struct VTMIrResult {
    VTMIrAction action;
    bool remappable;            /* the request was in remappable format */
    uint32_t index;             /* its interrupt_index */
    uint64_t msg_addr;          /* the message, MSI_ADDR / MSI_DATA */
    uint32_t msg_data;
    bool notify;                /* POSTED: a notification event in msg */
    VTMFault fault;             /* BLOCKED: addr is index << 48 (11.4.7.6) */
    VTMIrOutcome how;           /* for the timing model */
} VTMIrResult;

/* Processes one interrupt request (5.1.4 and, for posted IRTEs, 5.2.3). */
void vtm_ir_process(VTMIr *ir, const VTMIrRequest *req, VTMIrResult *res);

/*
 * A route computation for KVM's split irqchip (the int_remap class hook):
 * the message KVM is to program for (addr, data) from sid (sid_known
 * false: the caller cannot name the requester, as for the I/O APIC's
 * routes).  Returns 0 with *out_addr and *out_data set; -EINVAL when the
 * message is no interrupt request or would be blocked (nothing is
 * recorded: no interrupt happened yet); -ENOTSUP for a posted IRTE, as
 * each posted interrupt must update its descriptor here.  The interrupt
 * counters are left alone: routes count in stats.routes.
 */
int vtm_ir_route(VTMIr *ir, uint64_t addr, uint32_t data, bool sid_known,
                 uint16_t sid, uint64_t *out_addr, uint32_t *out_data);

/*
 * Decodes and checks an IRTE read for a request.  Returns VTM_FR_NONE or
 * the fault it raises (22h not present, 24h reserved or wrongly
 * programmed); e->fpd is valid in both cases.
 */
VTMFaultReason vtm_irte_decode(const VTMIrConfig *cfg, bool eime,
                               const uint64_t raw[2], VTMIrte *e);

/* 9.10 SVT/SQ/SID: whether a request from sid passes the entry's check. */
bool vtm_irte_source_ok(const VTMIrte *e, uint16_t sid);

/* The message for an APIC destination (the compatibility layout). */
uint64_t vtm_ir_msg_addr(uint32_t dest, bool dm, bool rh);
uint32_t vtm_ir_msg_data(uint8_t vector, uint8_t dlm, bool tm);

#endif
