/*
 * vtm: performance monitoring and the enhanced command interface
 * (VT-d 4.1, 11.4.13 "Performance Monitoring Registers" and 11.4.12
 * "Enhanced Command Registers"), pure core.
 *
 * A counter holds no count of its own: it reads the model's counters (the
 * same ones the host's `stats` property shows) through a source callback,
 * as base + (model count now - model count when it last settled).  It
 * settles (folds the running delta into base) when it is enabled,
 * disabled, frozen, reprogrammed, read, or checked for overflow, so the
 * guest's counts and the host's statistics are the same counts.
 *
 * The window layout (offsets from the register base):
 *   0x300 PERFCAP, 0x310 PERFCFGOFF, 0x318 PERFOVFOFF, 0x31c PERFCNTROFF,
 *   0x324 PERFINTRSTS, 0x328 PERFINTRCTL + data/address/upper address,
 *   0x380 PERFEVNTCAP[group], 0x400 ECMD, 0x408 ECEO, 0x410 ECRSP,
 *   0x430 ECCAP (256 bits);
 *   0x1000 counter configuration, 0x100 bytes per counter (0x00 config,
 *   0x08.. filters, 0x80 CNTRCAP), 0x1800 overflow status, 0x2000 the
 *   counters, 1 KiB apart (PERFCAP.CS = 0).  The window is 16 KiB.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_PERFMON_H
#define HW_I386_VTM_PERFMON_H

#include "hw/registerfields.h"

#define VTM_PM_NCNTR            8       /* counters */
#define VTM_PM_NGROUPS          5       /* event groups 0..4 */
#define VTM_PM_WIDTH_DEFAULT    48      /* counter width, bits */
#define VTM_PM_WIDTH_MIN        8
#define VTM_PM_WIDTH_MAX        64
#define VTM_PM_WINDOW_SIZE      0x4000  /* DRHD size field 2: 4 KiB << 2 */
#define VTM_PM_DRHD_SIZE        2

/* 11.4.13.1 Performance Monitoring Capability Register */
REG64(PERFCAP, 0x300)
    FIELD(PERFCAP, NC, 0, 16)           /* number of counters */
    FIELD(PERFCAP, CW, 16, 7)           /* counter width */
    FIELD(PERFCAP, NEG, 24, 5)          /* number of event groups */
    FIELD(PERFCAP, FILTERS, 32, 5)      /* VTM_PM_FILTER_* supported */
    FIELD(PERFCAP, IOS, 50, 1)          /* interrupt on overflow */
    FIELD(PERFCAP, CS, 52, 3)           /* counter stride 2^(CS+10) */
REG32(PERFCFGOFF, 0x310)
REG32(PERFFRZOFF, 0x314)
REG32(PERFOVFOFF, 0x318)
REG32(PERFCNTROFF, 0x31c)
REG32(PERFINTRSTS, 0x324)
    FIELD(PERFINTRSTS, PIS, 0, 1)       /* RW1C */
REG32(PERFINTRCTL, 0x328)
    FIELD(PERFINTRCTL, IP, 30, 1)
    FIELD(PERFINTRCTL, IM, 31, 1)
REG32(PERFINTRDATA, 0x32c)
REG32(PERFINTRADDR, 0x330)
REG32(PERFINTRUADDR, 0x334)
REG64(PERFEVNTCAP, 0x380)               /* + 8 * group */
    FIELD(PERFEVNTCAP, ES, 0, 28)

/* 11.4.12 Enhanced Command Registers */
REG64(ECMD, 0x400)
    FIELD(ECMD, CMD, 0, 8)
    FIELD(ECMD, OA, 16, 48)             /* operand A: the counter */
REG64(ECEO, 0x408)
REG64(ECRSP, 0x410)
    FIELD(ECRSP, IP, 0, 1)              /* in progress: never set here */
    FIELD(ECRSP, SC, 1, 7)              /* status code */
REG64(ECCAP, 0x430)                     /* four 64-bit words */
#define VTM_ECCAP_WORDS         4
/* ECCAP word 3: the counter commands (Linux: ecmd_has_pmu_essential) */
#define VTM_ECCAP3_ECNTS        (1ULL << 48)    /* 0xf0 enable counter */
#define VTM_ECCAP3_DCNTS        (1ULL << 49)    /* 0xf1 disable counter */
#define VTM_ECCAP3_FCNTS        (1ULL << 52)    /* 0xf4 freeze */
#define VTM_ECCAP3_UFCNTS       (1ULL << 53)    /* 0xf5 unfreeze */

#define VTM_ECMD_ENABLE         0xf0
#define VTM_ECMD_DISABLE        0xf1
#define VTM_ECMD_FREEZE         0xf4
#define VTM_ECMD_UNFREEZE       0xf5

/* ECRSP.SC: 0 success; the error codes this unit returns */
#define VTM_ECRSP_SC_OK         0
#define VTM_ECRSP_SC_UNSUPPORTED 1      /* command not in ECCAP */
#define VTM_ECRSP_SC_BAD_OPERAND 2      /* no such counter */

/* Where the counter registers are (PERFCFGOFF, PERFOVFOFF, PERFCNTROFF) */
#define VTM_PM_CFG_BASE         0x1000
#define VTM_PM_CFG_STRIDE       0x100
#define VTM_PM_OVF_BASE         0x1800
#define VTM_PM_CNTR_BASE        0x2000
#define VTM_PM_CNTR_STRIDE      0x400   /* PERFCAP.CS = 0 */

/* Per counter, from VTM_PM_CFG_BASE + i * VTM_PM_CFG_STRIDE */
REG64(PMCFG, 0x00)                      /* counter configuration */
    FIELD(PMCFG, INT, 1, 1)             /* interrupt on overflow */
    FIELD(PMCFG, EGI, 8, 4)             /* event group index */
    FIELD(PMCFG, ES, 32, 28)            /* event select */
REG32(PMFILTER, 0x08)                   /* + 4 * filter type */
    FIELD(PMFILTER, VAL, 0, 22)
    FIELD(PMFILTER, EN, 31, 1)
REG32(PMCNTRCAP, 0x80)                  /* per-counter caps: PCC = 0 */

/* Filter types, PERFCAP.FILTERS bits and PMFILTER register index */
#define VTM_PM_FILTER_RID       0x01    /* requester id: honoured */
#define VTM_PM_NFILTERS         5       /* rid, domain, pasid, ats, level */

/* The events this model can count, in PERFEVNTCAP order */
typedef enum VTMPmEvent {
    VTM_PM_CLOCKS,              /* g0 0x001 iommu_clocks */
    VTM_PM_REQUESTS,            /* g0 0x002 iommu_requests */
    VTM_PM_PW_OCCUPANCY,        /* g0 0x004 pw_occupancy */
    VTM_PM_MRDS,                /* g1 0x001 iommu_mrds */
    VTM_PM_MEM_BLOCKED,         /* g1 0x020 iommu_mem_blocked */
    VTM_PM_CTX_LOOKUP,          /* g2 0x001 ctxt_cache_lookup */
    VTM_PM_CTX_HIT,             /* g2 0x002 ctxt_cache_hit */
    VTM_PM_PASID_LOOKUP,        /* g2 0x004 pasid_cache_lookup */
    VTM_PM_PASID_HIT,           /* g2 0x008 pasid_cache_hit */
    VTM_PM_SS_NONLEAF_LOOKUP,   /* g2 0x010 ss_nonleaf_lookup */
    VTM_PM_SS_NONLEAF_HIT,      /* g2 0x020 ss_nonleaf_hit */
    VTM_PM_IOTLB_LOOKUP,        /* g3 0x001 iotlb_lookup */
    VTM_PM_IOTLB_HIT,           /* g3 0x002 iotlb_hit */
    VTM_PM_INT_LOOKUP,          /* g4 0x001 int_cache_lookup */
    VTM_PM_INT_HIT_NONPOSTED,   /* g4 0x002 int_cache_hit_nonposted */
    VTM_PM_INT_HIT_POSTED,      /* g4 0x004 int_cache_hit_posted */
    VTM_PM__MAX,
} VTMPmEvent;

typedef struct VTMPmEventInfo {
    const char *name;           /* Linux's sysfs name */
    uint8_t group;
    uint32_t select;
    bool per_requester;         /* the requester-id filter applies */
} VTMPmEventInfo;

extern const VTMPmEventInfo vtm_pm_events[VTM_PM__MAX];

/*
 * The model's count of ev now: the unit's when rid < 0, else that
 * requester's (only asked for events with per_requester set).
 */
typedef uint64_t (*VTMPmSourceFn)(void *opaque, VTMPmEvent ev, int rid);

typedef struct VTMPmCounter {
    uint64_t cfg;               /* PMCFG */
    uint32_t filter[VTM_PM_NFILTERS];
    uint64_t base;              /* count when last settled */
    uint64_t snap;              /* model count when last settled */
    bool enabled;               /* by ECMD 0xf0 */
} VTMPmCounter;

typedef struct VTMPerfmon {
    /* Configuration (fixed after init) */
    unsigned width;
    uint32_t events;            /* advertised: bit per VTMPmEvent */
    VTMPmSourceFn source;
    void *opaque;

    /* Architectural state */
    VTMPmCounter cntr[VTM_PM_NCNTR];
    bool frozen;                /* ECMD 0xf4 .. 0xf5 */
    uint64_t ovf;               /* overflow status, bit per counter */
    uint32_t intrsts;
    uint32_t intrctl;
    uint32_t intrdata;
    uint32_t intraddr;
    uint32_t intruaddr;
    uint64_t ecmd;
    uint64_t eceo;
    uint64_t ecrsp;

    /* An interrupt message to send (taken by vtm_perfmon_take_irq) */
    bool irq_pending;
} VTMPerfmon;

/* The events the model can produce: every one of VTMPmEvent. */
uint32_t vtm_perfmon_default_events(void);

void vtm_perfmon_init(VTMPerfmon *pm, unsigned width, uint32_t events,
                      VTMPmSourceFn source, void *opaque);
void vtm_perfmon_reset(VTMPerfmon *pm);

/*
 * Whether the register window byte at off belongs to performance
 * monitoring or the enhanced command interface.
 */
bool vtm_perfmon_owns(uint64_t off);

/* Register access of size 1..8 at any offset the unit owns. */
uint64_t vtm_perfmon_read(VTMPerfmon *pm, uint64_t off, unsigned size);
void vtm_perfmon_write(VTMPerfmon *pm, uint64_t off, unsigned size,
                       uint64_t val);

/*
 * Settles every counting counter: called after the model counted
 * something, so that overflow is seen when it happens.
 */
void vtm_perfmon_sync(VTMPerfmon *pm);

/* Whether some counter is counting (cheap: the glue's fast path). */
bool vtm_perfmon_counting(const VTMPerfmon *pm);

/* An interrupt message is due: its address and data; clears it. */
bool vtm_perfmon_take_irq(VTMPerfmon *pm, uint64_t *addr, uint32_t *data);

/*
 * Migration: before saving, every count is folded into base; after
 * loading, counting resumes from the destination's model counts.
 */
void vtm_perfmon_pre_save(VTMPerfmon *pm);
void vtm_perfmon_post_load(VTMPerfmon *pm);

/* The value counter i shows now (settles it). */
uint64_t vtm_perfmon_counter(VTMPerfmon *pm, unsigned i);

#endif
