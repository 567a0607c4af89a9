/*
 * vtm: VT-d architecture layouts (registers, in-memory structures,
 * invalidation descriptors, fault reasons).
 *
 * Every layout is a REG/FIELD definition from hw/registerfields.h with the
 * section of the Intel VT-d Architecture Specification (rev 4.1) that
 * defines it.  qtests include this file instead of copying constants.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_DEFS_H
#define HW_I386_VTM_DEFS_H

#include "hw/registerfields.h"

#define VTM_PAGE_SHIFT          12
#define VTM_PAGE_SIZE           (1ULL << VTM_PAGE_SHIFT)
#define VTM_REG_WINDOW_SIZE     0x1000
#define VTM_DEFAULT_BASE        0xfed90000ULL
#define VTM_VERSION             0x10    /* 1.0 */

/* 9-bit index per level: 11.x "Second-Stage Paging Entries" */
#define VTM_LEVEL_STRIDE        9
#define VTM_PTES_PER_TABLE      512

/* The 0xFEEx_xxxx interrupt address range, 3.15 "Handling Requests to
 * Interrupt Address Range". */
#define VTM_INTR_ADDR_BASE      0xfee00000ULL
#define VTM_INTR_ADDR_SIZE      0x100000ULL

/*
 * Register offsets: 11.4 "Register Descriptions" (Table 11-3).
 * The IOTLB registers sit at ECAP.IRO * 16 and the fault recording
 * registers at CAP.FRO * 16.
 */
REG32(VER, 0x000)
    FIELD(VER, MIN, 0, 4)
    FIELD(VER, MAX, 4, 4)
REG64(CAP, 0x008)
    FIELD(CAP, ND, 0, 3)
    FIELD(CAP, AFL, 3, 1)
    FIELD(CAP, RWBF, 4, 1)
    FIELD(CAP, PLMR, 5, 1)
    FIELD(CAP, PHMR, 6, 1)
    FIELD(CAP, CM, 7, 1)
    FIELD(CAP, SAGAW, 8, 5)
    FIELD(CAP, MGAW, 16, 6)
    FIELD(CAP, ZLR, 22, 1)
    FIELD(CAP, FRO, 24, 10)
    FIELD(CAP, SLLPS, 34, 4)
    FIELD(CAP, PSI, 39, 1)
    FIELD(CAP, NFR, 40, 8)
    FIELD(CAP, MAMV, 48, 6)
    FIELD(CAP, DWD, 54, 1)
    FIELD(CAP, DRD, 55, 1)
    FIELD(CAP, FL1GP, 56, 1)            /* first-stage 1G pages */
    FIELD(CAP, PI, 59, 1)
    FIELD(CAP, FL5LP, 60, 1)            /* first-stage 5-level tables */
    FIELD(CAP, ECMDS, 61, 1)
REG64(ECAP, 0x010)
    FIELD(ECAP, C, 0, 1)
    FIELD(ECAP, QI, 1, 1)
    FIELD(ECAP, DT, 2, 1)
    FIELD(ECAP, IR, 3, 1)
    FIELD(ECAP, EIM, 4, 1)
    FIELD(ECAP, PT, 6, 1)
    FIELD(ECAP, SC, 7, 1)
    FIELD(ECAP, IRO, 8, 10)
    FIELD(ECAP, MHMV, 20, 4)
    FIELD(ECAP, NEST, 26, 1)
    FIELD(ECAP, PRS, 29, 1)
    FIELD(ECAP, ERS, 30, 1)
    FIELD(ECAP, SRS, 31, 1)
    FIELD(ECAP, NWFS, 33, 1)
    FIELD(ECAP, EAFS, 34, 1)
    FIELD(ECAP, PSS, 35, 5)             /* PASID width - 1 */
    FIELD(ECAP, PASID, 40, 1)
    FIELD(ECAP, DIT, 41, 1)
    FIELD(ECAP, PDS, 42, 1)             /* page-request drain */
    FIELD(ECAP, SMTS, 43, 1)            /* scalable-mode translation */
    FIELD(ECAP, VCS, 44, 1)
    FIELD(ECAP, SLADS, 45, 1)           /* second-stage A/D */
    FIELD(ECAP, SLTS, 46, 1)            /* second-stage translation */
    FIELD(ECAP, FLTS, 47, 1)            /* first-stage translation */
    FIELD(ECAP, SMPWC, 48, 1)           /* SM page-walk coherency */
    FIELD(ECAP, RPS, 49, 1)
    FIELD(ECAP, PMS, 51, 1)
/* GCMD and GSTS share bit positions: 11.4.4.1 and 11.4.4.2 */
REG32(GCMD, 0x018)
    FIELD(GCMD, CFI, 23, 1)
    FIELD(GCMD, SIRTP, 24, 1)
    FIELD(GCMD, IRE, 25, 1)
    FIELD(GCMD, QIE, 26, 1)
    FIELD(GCMD, WBF, 27, 1)
    FIELD(GCMD, EAFL, 28, 1)
    FIELD(GCMD, SFL, 29, 1)
    FIELD(GCMD, SRTP, 30, 1)
    FIELD(GCMD, TE, 31, 1)
REG32(GSTS, 0x01c)
    FIELD(GSTS, CFIS, 23, 1)
    FIELD(GSTS, IRTPS, 24, 1)
    FIELD(GSTS, IRES, 25, 1)
    FIELD(GSTS, QIES, 26, 1)
    FIELD(GSTS, WBFS, 27, 1)
    FIELD(GSTS, AFLS, 28, 1)
    FIELD(GSTS, FLS, 29, 1)
    FIELD(GSTS, RTPS, 30, 1)
    FIELD(GSTS, TES, 31, 1)
/* 11.4.5 Root Table Address Register */
REG64(RTADDR, 0x020)
    FIELD(RTADDR, TTM, 10, 2)
    FIELD(RTADDR, RTA, 12, 52)
/* 11.4.6 Context Command Register */
REG64(CCMD, 0x028)
    FIELD(CCMD, DID, 0, 16)
    FIELD(CCMD, SID, 16, 16)
    FIELD(CCMD, FM, 32, 2)
    FIELD(CCMD, CAIG, 59, 2)
    FIELD(CCMD, CIRG, 61, 2)
    FIELD(CCMD, ICC, 63, 1)
/* 11.4.7.1 Fault Status Register */
REG32(FSTS, 0x034)
    FIELD(FSTS, PFO, 0, 1)
    FIELD(FSTS, PPF, 1, 1)
    FIELD(FSTS, AFO, 2, 1)
    FIELD(FSTS, APF, 3, 1)
    FIELD(FSTS, IQE, 4, 1)
    FIELD(FSTS, ICE, 5, 1)
    FIELD(FSTS, ITE, 6, 1)
    FIELD(FSTS, FRI, 8, 8)
/* 11.4.7.2 - 11.4.7.5 Fault Event Control/Data/Address */
REG32(FECTL, 0x038)
    FIELD(FECTL, IP, 30, 1)
    FIELD(FECTL, IM, 31, 1)
REG32(FEDATA, 0x03c)
REG32(FEADDR, 0x040)
REG32(FEUADDR, 0x044)
REG64(AFLOG, 0x058)
/* 11.4.8 Protected Memory Enable Register */
REG32(PMEN, 0x064)
    FIELD(PMEN, PRS, 0, 1)
    FIELD(PMEN, EPM, 31, 1)
REG32(PLMBASE, 0x068)
REG32(PLMLIMIT, 0x06c)
REG64(PHMBASE, 0x070)
REG64(PHMLIMIT, 0x078)
/* 11.4.9 Invalidation Queue Interface */
REG64(IQH, 0x080)
    FIELD(IQH, QH, 4, 15)
REG64(IQT, 0x088)
    FIELD(IQT, QT, 4, 15)
REG64(IQA, 0x090)
    FIELD(IQA, QS, 0, 3)
    FIELD(IQA, DW, 11, 1)
    FIELD(IQA, IQA, 12, 52)
REG32(ICS, 0x09c)
    FIELD(ICS, IWC, 0, 1)
REG32(IECTL, 0x0a0)
    FIELD(IECTL, IP, 30, 1)
    FIELD(IECTL, IM, 31, 1)
REG32(IEDATA, 0x0a4)
REG32(IEADDR, 0x0a8)
REG32(IEUADDR, 0x0ac)
/* 11.4.9.9 Invalidation Queue Error Record Register */
REG64(IQERCD, 0x0b0)
    FIELD(IQERCD, IQEI, 0, 4)
    FIELD(IQERCD, ITESID, 32, 16)
    FIELD(IQERCD, ICESID, 48, 16)
/* 11.4.10 Interrupt Remapping Table Address Register */
REG64(IRTA, 0x0b8)
    FIELD(IRTA, S, 0, 4)
    FIELD(IRTA, EIME, 11, 1)
    FIELD(IRTA, IRTA, 12, 52)

/* Where this model places the IOTLB and fault recording registers */
#define VTM_IRO_OFFSET          0x100   /* IVA at 0x100, IOTLB at 0x108 */
#define VTM_FRO_OFFSET          0x200   /* FRCD[0] at 0x200 */
#define VTM_NFR_MAX             32      /* 32 * 16 bytes fit before 0x400 */

/* 11.4.8.2 Invalidate Address Register */
REG64(IVA, VTM_IRO_OFFSET)
    FIELD(IVA, AM, 0, 6)
    FIELD(IVA, IH, 6, 1)
    FIELD(IVA, ADDR, 12, 52)
/* 11.4.8.1 IOTLB Invalidate Register */
REG64(IOTLB, VTM_IRO_OFFSET + 8)
    FIELD(IOTLB, DID, 32, 16)
    FIELD(IOTLB, DW, 48, 1)
    FIELD(IOTLB, DR, 49, 1)
    FIELD(IOTLB, IAIG, 57, 2)
    FIELD(IOTLB, IIRG, 60, 2)
    FIELD(IOTLB, IVT, 63, 1)

/* 11.4.7.6 Fault Recording Registers: two 64-bit halves per record */
REG64(FRCD_LO, 0)
    FIELD(FRCD_LO, FI, 12, 52)
REG64(FRCD_HI, 8)
    FIELD(FRCD_HI, SID, 0, 16)
    FIELD(FRCD_HI, T2, 28, 1)
    FIELD(FRCD_HI, PRIV, 29, 1)
    FIELD(FRCD_HI, EXE, 30, 1)
    FIELD(FRCD_HI, PP, 31, 1)
    FIELD(FRCD_HI, FR, 32, 8)
    FIELD(FRCD_HI, PV, 40, 20)
    FIELD(FRCD_HI, AT, 60, 2)
    FIELD(FRCD_HI, T1, 62, 1)
    FIELD(FRCD_HI, F, 63, 1)
#define VTM_FRCD_SIZE           16

/* Invalidation granularities shared by CCMD/IOTLB and descriptors */
#define VTM_INV_GLOBAL          1
#define VTM_INV_DOMAIN          2
#define VTM_INV_DEVICE          3       /* context cache */
#define VTM_INV_PAGE            3       /* IOTLB */

/* RTADDR.TTM values: 11.4.5 */
#define VTM_TTM_LEGACY          0
#define VTM_TTM_SCALABLE        1
#define VTM_TTM_RESERVED        2
#define VTM_TTM_ABORT_DMA       3

/*
 * Scalable mode (chapter 9, rev 4.1).  PASIDs are 20 bits (ECAP.PSS
 * at most 19); a request without PASID uses the context's RID_PASID.
 */
#define VTM_PASID_BITS          20
#define VTM_PASID_MAX           ((1u << VTM_PASID_BITS) - 1)

/*
 * 9.2 Scalable-Mode Root Entry: 128 bits.  The lower half points to
 * the context table of devfn 0-127, the upper half to that of devfn
 * 128-255; each half has its own present bit.
 */
REG64(SM_ROOT_LO, 0)
    FIELD(SM_ROOT_LO, LP, 0, 1)
    FIELD(SM_ROOT_LO, LCTP, 12, 52)
REG64(SM_ROOT_HI, 8)
    FIELD(SM_ROOT_HI, UP, 0, 1)
    FIELD(SM_ROOT_HI, UCTP, 12, 52)
#define VTM_SM_ROOT_LO_RSVD     0x0000000000000ffeULL
#define VTM_SM_ROOT_HI_RSVD     0x0000000000000ffeULL
#define VTM_SM_CTX_PER_TABLE    128     /* 256-bit entries in 4 KiB */

/*
 * 9.4 Scalable-Mode Context Entry: 256 bits, four qwords.  PDTS gives
 * the PASID directory 2^(PDTS + 7) entries; RID_PASID is the PASID of
 * requests without one, RID_PRIV their privilege.  Reserved: 8:5,
 * 127:85 and all of 255:128.
 */
REG64(SM_CTX_Q0, 0)
    FIELD(SM_CTX_Q0, P, 0, 1)
    FIELD(SM_CTX_Q0, FPD, 1, 1)
    FIELD(SM_CTX_Q0, DTE, 2, 1)         /* device-TLB (ATS) enable */
    FIELD(SM_CTX_Q0, PASIDE, 3, 1)      /* requests with PASID allowed */
    FIELD(SM_CTX_Q0, PRE, 4, 1)         /* page requests enable */
    FIELD(SM_CTX_Q0, PDTS, 9, 3)
    FIELD(SM_CTX_Q0, PASIDDIRPTR, 12, 52)
REG64(SM_CTX_Q1, 8)
    FIELD(SM_CTX_Q1, RID_PASID, 0, 20)
    FIELD(SM_CTX_Q1, RID_PRIV, 20, 1)
#define VTM_SM_CTX_Q0_RSVD      0x00000000000001e0ULL
#define VTM_SM_CTX_Q1_RSVD      0xffffffffffe00000ULL
#define VTM_SM_CTX_ENTRY_SIZE   32

/* 9.5 PASID Directory Entry: 64 bits, one per 64 PASIDs. */
REG64(PASID_DIR, 0)
    FIELD(PASID_DIR, P, 0, 1)
    FIELD(PASID_DIR, FPD, 1, 1)
    FIELD(PASID_DIR, SMPTBLPTR, 12, 52)
#define VTM_PASID_DIR_RSVD      0x0000000000000ffcULL
#define VTM_PASID_DIR_SIZE      8
#define VTM_PASID_PER_TABLE     64      /* PASID bits 5:0 index a table */
#define VTM_PASID_DIR_SHIFT     6       /* PASID bits 19:6 the directory */

/*
 * 9.6 Scalable-Mode PASID Table Entry: 512 bits, eight qwords.
 * Q0: present, FPD, second-stage AW, execute enable, PGTT, A/D enable
 * and table pointer; Q1: domain id, snoop and memory-type controls;
 * Q2: the first-stage controls and table pointer.  Reserved: 11:10,
 * 86:80, 139:136, and all of 511:192.
 */
REG64(PASID_Q0, 0)
    FIELD(PASID_Q0, P, 0, 1)
    FIELD(PASID_Q0, FPD, 1, 1)
    FIELD(PASID_Q0, AW, 2, 3)           /* second-stage AGAW, as 9.3 */
    FIELD(PASID_Q0, SSEE, 5, 1)         /* second-stage execute enable */
    FIELD(PASID_Q0, PGTT, 6, 3)
    FIELD(PASID_Q0, SSADE, 9, 1)        /* second-stage A/D enable */
    FIELD(PASID_Q0, SSPTPTR, 12, 52)
REG64(PASID_Q1, 8)
    FIELD(PASID_Q1, DID, 0, 16)
    FIELD(PASID_Q1, PWSNP, 23, 1)       /* page-walk snoop */
    FIELD(PASID_Q1, PGSNP, 24, 1)       /* page snoop */
    FIELD(PASID_Q1, CD, 25, 1)
    FIELD(PASID_Q1, EMTE, 26, 1)
    FIELD(PASID_Q1, EMT, 27, 3)
    FIELD(PASID_Q1, PWT, 30, 1)
    FIELD(PASID_Q1, PCD, 31, 1)
    FIELD(PASID_Q1, PAT, 32, 32)
REG64(PASID_Q2, 16)
    FIELD(PASID_Q2, SRE, 0, 1)          /* supervisor requests enable */
    FIELD(PASID_Q2, ERE, 1, 1)          /* execute requests enable */
    FIELD(PASID_Q2, FSPM, 2, 2)         /* 00b 4-level, 01b 5-level */
    FIELD(PASID_Q2, WPE, 4, 1)          /* write protect enable */
    FIELD(PASID_Q2, NXE, 5, 1)          /* no-execute enable */
    FIELD(PASID_Q2, SMEP, 6, 1)
    FIELD(PASID_Q2, EAFE, 7, 1)         /* extended accessed flag */
    FIELD(PASID_Q2, FSPTPTR, 12, 52)
#define VTM_PASID_Q0_RSVD       0x0000000000000c00ULL
#define VTM_PASID_Q1_RSVD       0x00000000007f0000ULL
#define VTM_PASID_Q2_RSVD       0x0000000000000f00ULL
#define VTM_PASID_ENTRY_SIZE    64
#define VTM_PASID_ENTRY_QWORDS  8

/* 9.6 PGTT: PASID-granular translation type */
#define VTM_PGTT_FS             1       /* first stage only */
#define VTM_PGTT_SS             2       /* second stage only */
#define VTM_PGTT_NESTED         3
#define VTM_PGTT_PT             4       /* pass-through */

/* 9.6 FSPM: first-stage paging mode */
#define VTM_FSPM_4LEVEL         0
#define VTM_FSPM_5LEVEL         1

/*
 * 9.7 First-Stage Paging Entries: the IA-32e (4-level) and 5-level
 * paging formats of the CPU.  PS is defined at levels 2 and 3 (2M and
 * 1G pages); in a 4K leaf bit 7 is PAT.  A and D are set by the unit
 * with a locked update (3.6.2).  XD needs NXE in the PASID entry.
 */
REG64(FSPTE, 0)
    FIELD(FSPTE, P, 0, 1)
    FIELD(FSPTE, RW, 1, 1)
    FIELD(FSPTE, US, 2, 1)
    FIELD(FSPTE, PWT, 3, 1)
    FIELD(FSPTE, PCD, 4, 1)
    FIELD(FSPTE, A, 5, 1)
    FIELD(FSPTE, D, 6, 1)
    FIELD(FSPTE, PS, 7, 1)
    FIELD(FSPTE, G, 8, 1)
    FIELD(FSPTE, EA, 10, 1)
    FIELD(FSPTE, ADDR, 12, 40)
    FIELD(FSPTE, XD, 63, 1)

/*
 * 9.1 Root Entry (legacy mode): 128 bits, two little-endian qwords.
 */
REG64(ROOT_LO, 0)
    FIELD(ROOT_LO, P, 0, 1)
    FIELD(ROOT_LO, CTP, 12, 52)
#define VTM_ROOT_LO_RSVD        0x0000000000000ffeULL
#define VTM_ROOT_HI_RSVD        0xffffffffffffffffULL
#define VTM_ROOT_ENTRY_SIZE     16

/* 9.3 Context Entry (legacy mode) */
REG64(CTX_LO, 0)
    FIELD(CTX_LO, P, 0, 1)
    FIELD(CTX_LO, FPD, 1, 1)
    FIELD(CTX_LO, TT, 2, 2)
    FIELD(CTX_LO, SLPTPTR, 12, 52)
REG64(CTX_HI, 8)
    FIELD(CTX_HI, AW, 0, 3)
    FIELD(CTX_HI, AVAIL, 3, 4)
    FIELD(CTX_HI, DID, 8, 16)
#define VTM_CTX_LO_RSVD         0x0000000000000ff0ULL
#define VTM_CTX_HI_RSVD         0xffffffffff000080ULL
#define VTM_CTX_ENTRY_SIZE      16

/* Context entry translation types, 9.3 (TT field) */
#define VTM_TT_UNTRANSLATED     0       /* untranslated requests only */
#define VTM_TT_ALL              1       /* plus translation requests (ATS) */
#define VTM_TT_PASSTHROUGH      2
#define VTM_TT_RESERVED         3

/* 9.8 Second-stage paging entries */
REG64(SLPTE, 0)
    FIELD(SLPTE, R, 0, 1)
    FIELD(SLPTE, W, 1, 1)
    FIELD(SLPTE, X, 2, 1)
    FIELD(SLPTE, EMT, 3, 3)
    FIELD(SLPTE, IPAT, 6, 1)
    FIELD(SLPTE, PS, 7, 1)
    FIELD(SLPTE, A, 8, 1)
    FIELD(SLPTE, D, 9, 1)
    FIELD(SLPTE, SNP, 11, 1)
    FIELD(SLPTE, ADDR, 12, 40)
    FIELD(SLPTE, TM, 62, 1)

/*
 * 6.5.2 Queued invalidation descriptors.  Type is bits 3:0 with bits 11:9
 * as the high part of the type (for 256-bit descriptor types).  The type
 * bits are never part of a descriptor's reserved mask below: a non-zero
 * TYPE_HI makes another (unsupported) type, reported as an invalid type.
 */
REG64(QI_LO, 0)
    FIELD(QI_LO, TYPE_LO, 0, 4)
    FIELD(QI_LO, TYPE_HI, 9, 3)
#define VTM_QI_CC               0x1
#define VTM_QI_IOTLB            0x2
#define VTM_QI_DEVTLB           0x3
#define VTM_QI_IEC              0x4
#define VTM_QI_WAIT             0x5
#define VTM_QI_PIOTLB           0x6
#define VTM_QI_PC               0x7
#define VTM_QI_PDEVTLB          0x8
#define VTM_QI_PGRP_RESP        0x9     /* page group response (7.7.1) */

/*
 * 7.7.1 Page Group Response Descriptor (type 9, 256-bit in scalable
 * mode): the answer software gives a page request group.  Reserved:
 * 8:5 (bit 5 is PDP where private data is supported, not here), 63:52,
 * and 127:64 apart from LPIG and PRGI.
 */
REG64(QI_PGRP_LO, 0)
    FIELD(QI_PGRP_LO, PASID_P, 4, 1)
    FIELD(QI_PGRP_LO, RC, 12, 4)        /* response code */
    FIELD(QI_PGRP_LO, RID, 16, 16)
    FIELD(QI_PGRP_LO, PASID, 32, 20)
REG64(QI_PGRP_HI, 8)
    FIELD(QI_PGRP_HI, LPIG, 2, 1)
    FIELD(QI_PGRP_HI, PRGI, 3, 9)
#define VTM_QI_PGRP_LO_RSVD     0xfff00000000001e0ULL
#define VTM_QI_PGRP_HI_RSVD     0xfffffffffffff003ULL
#define VTM_PGRP_RC_SUCCESS     0x0
#define VTM_PGRP_RC_INVALID     0x1
#define VTM_PGRP_RC_FAILURE     0xf

/*
 * 7.5.1 Page Request Descriptor (type 1, 256 bits) as the unit writes it
 * into the page request queue: qword 0 the requester, PASID and flags,
 * qword 1 the page and the group, qwords 2-3 private data (PDP).
 */
REG64(PRQ_Q0, 0)
    FIELD(PRQ_Q0, TYPE, 0, 8)
    FIELD(PRQ_Q0, PASID_P, 8, 1)
    FIELD(PRQ_Q0, PDP, 9, 1)            /* private data present */
    FIELD(PRQ_Q0, RID, 16, 16)
    FIELD(PRQ_Q0, PASID, 32, 20)
    FIELD(PRQ_Q0, EXE, 52, 1)           /* execute requested */
    FIELD(PRQ_Q0, PRIV, 53, 1)          /* privileged mode requested */
REG64(PRQ_Q1, 8)
    FIELD(PRQ_Q1, RD, 0, 1)
    FIELD(PRQ_Q1, WR, 1, 1)
    FIELD(PRQ_Q1, LPIG, 2, 1)           /* last page in group */
    FIELD(PRQ_Q1, PRGI, 3, 9)           /* page request group index */
    FIELD(PRQ_Q1, ADDR, 12, 52)
#define VTM_PRQ_DESC_TYPE       0x1
#define VTM_PRQ_DESC_SIZE       32

/*
 * 11.4.11 Page request queue registers (ECAP.PRS): head and tail are
 * byte offsets of 32-byte descriptors in a queue of 2^PQS 4 KiB pages.
 */
REG64(PQH, 0x0c0)
    FIELD(PQH, PQH, 5, 14)
REG64(PQT, 0x0c8)
    FIELD(PQT, PQT, 5, 14)
REG64(PQA, 0x0d0)
    FIELD(PQA, PQS, 0, 3)
    FIELD(PQA, PQA, 12, 52)
REG32(PRS, 0x0dc)
    FIELD(PRS, PPR, 0, 1)               /* pending page request */
    FIELD(PRS, PRO, 1, 1)               /* page request overflow */
REG32(PECTL, 0x0e0)
    FIELD(PECTL, IP, 30, 1)
    FIELD(PECTL, IM, 31, 1)
REG32(PEDATA, 0x0e4)
REG32(PEADDR, 0x0e8)
REG32(PEUADDR, 0x0ec)

/*
 * 6.5.2.1 Context-cache Invalidate Descriptor.  Reserved: 8:6, 15:12,
 * 63:50 and all of 127:64.
 */
REG64(QI_CC_LO, 0)
    FIELD(QI_CC_LO, G, 4, 2)
    FIELD(QI_CC_LO, DID, 16, 16)
    FIELD(QI_CC_LO, SID, 32, 16)
    FIELD(QI_CC_LO, FM, 48, 2)
#define VTM_QI_CC_LO_RSVD       0xfffc00000000f1c0ULL
#define VTM_QI_CC_HI_RSVD       0xffffffffffffffffULL

/*
 * 6.5.2.3 IOTLB Invalidate Descriptor.  Reserved: 8, 15:12, 63:32 and
 * 75:71.  ADDR, AM and IH matter only to page-selective invalidation.
 */
REG64(QI_IOTLB_LO, 0)
    FIELD(QI_IOTLB_LO, G, 4, 2)
    FIELD(QI_IOTLB_LO, DW, 6, 1)
    FIELD(QI_IOTLB_LO, DR, 7, 1)
    FIELD(QI_IOTLB_LO, DID, 16, 16)
REG64(QI_IOTLB_HI, 8)
    FIELD(QI_IOTLB_HI, AM, 0, 6)
    FIELD(QI_IOTLB_HI, IH, 6, 1)
    FIELD(QI_IOTLB_HI, ADDR, 12, 52)
#define VTM_QI_IOTLB_LO_RSVD    0xffffffff0000f100ULL
#define VTM_QI_IOTLB_HI_RSVD    0x0000000000000f80ULL

/*
 * 6.5.2.5 Device-TLB Invalidate Descriptor.  PFSID (the physical function
 * of a VF) is split over 15:12 and 63:52.  Reserved: 8:4, 31:21, 51:48
 * and 75:65.
 */
REG64(QI_DEVTLB_LO, 0)
    FIELD(QI_DEVTLB_LO, PFSID_LO, 12, 4)
    FIELD(QI_DEVTLB_LO, MIP, 16, 5)
    FIELD(QI_DEVTLB_LO, SID, 32, 16)
    FIELD(QI_DEVTLB_LO, PFSID_HI, 52, 12)
REG64(QI_DEVTLB_HI, 8)
    FIELD(QI_DEVTLB_HI, S, 0, 1)
    FIELD(QI_DEVTLB_HI, ADDR, 12, 52)
#define VTM_QI_DEVTLB_LO_RSVD   0x000f0000ffe001f0ULL
#define VTM_QI_DEVTLB_HI_RSVD   0x0000000000000ffeULL

/*
 * 6.5.2.7 Interrupt Entry Cache Invalidate Descriptor.  G is one bit:
 * 0 global, 1 index-selective (IIDX, 2^IM entries).  Reserved: 8:5,
 * 26:12, 63:48 and all of 127:64.
 */
REG64(QI_IEC_LO, 0)
    FIELD(QI_IEC_LO, G, 4, 1)
    FIELD(QI_IEC_LO, IM, 27, 5)
    FIELD(QI_IEC_LO, IIDX, 32, 16)
#define VTM_QI_IEC_GLOBAL       0
#define VTM_QI_IEC_INDEX        1
#define VTM_QI_IEC_LO_RSVD      0xffff000007fff1e0ULL
#define VTM_QI_IEC_HI_RSVD      0xffffffffffffffffULL

/*
 * 6.5.2.8 Invalidation Wait Descriptor.  Reserved: 8, 31:12 and 65:64
 * (the status address is dword aligned).  PD (page-request drain) is
 * defined, and has nothing to drain without page requests.
 */
REG64(QI_WAIT_LO, 0)
    FIELD(QI_WAIT_LO, IF, 4, 1)
    FIELD(QI_WAIT_LO, SW, 5, 1)
    FIELD(QI_WAIT_LO, FN, 6, 1)
    FIELD(QI_WAIT_LO, PD, 7, 1)
    FIELD(QI_WAIT_LO, SDATA, 32, 32)
REG64(QI_WAIT_HI, 8)
    FIELD(QI_WAIT_HI, SADDR, 2, 62)
#define VTM_QI_WAIT_LO_RSVD     0x00000000fffff100ULL
#define VTM_QI_WAIT_HI_RSVD     0x0000000000000003ULL

/*
 * 256-bit descriptors (IQA.DW=1, 6.5.2): the 128-bit types keep their
 * layout in qwords 0-1 and have qwords 2-3 reserved; the PASID-based
 * types below exist only at 256 bits.
 */
#define VTM_QI_DESC_QWORDS_MAX  4

/*
 * 6.5.2.4 PASID-based IOTLB Invalidate Descriptor (type 6).  G: 10b
 * all mappings of a PASID, 11b page-selective within a PASID; 00b and
 * 01b reserved.  Reserved: 8:6, 15:12, 63:52, 75:71 and 255:128.
 */
REG64(QI_PIOTLB_LO, 0)
    FIELD(QI_PIOTLB_LO, G, 4, 2)
    FIELD(QI_PIOTLB_LO, DID, 16, 16)
    FIELD(QI_PIOTLB_LO, PASID, 32, 20)
REG64(QI_PIOTLB_HI, 8)
    FIELD(QI_PIOTLB_HI, AM, 0, 6)
    FIELD(QI_PIOTLB_HI, IH, 6, 1)
    FIELD(QI_PIOTLB_HI, ADDR, 12, 52)
#define VTM_QI_PIOTLB_LO_RSVD   0xfff000000000f1c0ULL
#define VTM_QI_PIOTLB_HI_RSVD   0x0000000000000f80ULL
#define VTM_QI_PIOTLB_PASID     2       /* all of one PASID (non-global) */
#define VTM_QI_PIOTLB_PAGE      3       /* page-selective within PASID */

/*
 * 6.5.2.2 PASID-cache Invalidate Descriptor (type 7).  G: 00b all
 * PASIDs of a domain, 01b one PASID of a domain, 10b reserved, 11b
 * global.  Reserved: 8:6, 15:12, 63:52 and 255:64.
 */
REG64(QI_PC_LO, 0)
    FIELD(QI_PC_LO, G, 4, 2)
    FIELD(QI_PC_LO, DID, 16, 16)
    FIELD(QI_PC_LO, PASID, 32, 20)
#define VTM_QI_PC_LO_RSVD       0xfff000000000f1c0ULL
#define VTM_QI_PC_DOMAIN        0
#define VTM_QI_PC_PASID         1
#define VTM_QI_PC_GLOBAL        3

/*
 * 6.5.2.6 PASID-based Device-TLB Invalidate Descriptor (type 8).  G
 * invalidates every PASID's global mappings.  Reserved: 75:65 and
 * 255:128.
 */
REG64(QI_PDEVTLB_LO, 0)
    FIELD(QI_PDEVTLB_LO, MIP, 4, 5)
    FIELD(QI_PDEVTLB_LO, PFSID_LO, 12, 4)
    FIELD(QI_PDEVTLB_LO, SID, 16, 16)
    FIELD(QI_PDEVTLB_LO, PASID, 32, 20)
    FIELD(QI_PDEVTLB_LO, PFSID_HI, 52, 12)
REG64(QI_PDEVTLB_HI, 8)
    FIELD(QI_PDEVTLB_HI, G, 0, 1)
    FIELD(QI_PDEVTLB_HI, S, 11, 1)
    FIELD(QI_PDEVTLB_HI, ADDR, 12, 52)
#define VTM_QI_PDEVTLB_LO_RSVD  0x0000000000000000ULL
#define VTM_QI_PDEVTLB_HI_RSVD  0x00000000000007feULL

/* 11.4.9.9 IQEI: Invalidation Queue Error Info */
#define VTM_IQEI_NONE           0
#define VTM_IQEI_TAIL_ALIGN     1   /* IQT not 256-bit aligned, DW=1 */
#define VTM_IQEI_FETCH          2   /* descriptor fetch failed */
#define VTM_IQEI_TYPE           3   /* invalid descriptor type */
#define VTM_IQEI_RSVD           4   /* reserved field set */
#define VTM_IQEI_WIDTH          5   /* 128-bit queue, 256-bit type */
#define VTM_IQEI_TAIL_RANGE     6   /* IQT beyond the queue size */

/*
 * Interrupt requests: a DWORD write to the interrupt address range
 * 0xFEEx_xxxx (5.1.2).  Address bit 4 selects the format.
 *
 * 5.1.2.1 Compatibility format: the destination and mode in the address,
 * vector, delivery and trigger mode in the data.  The same layout is the
 * message remapping produces; the upper 24 bits of a 32-bit x2APIC
 * destination ride in address bits 63:40, where QEMU's APIC bus and KVM's
 * X2APIC API (KVM_X2APIC_API_USE_32BIT_IDS) expect them.
 */
REG64(MSI_ADDR, 0)
    FIELD(MSI_ADDR, DM, 2, 1)
    FIELD(MSI_ADDR, RH, 3, 1)
    FIELD(MSI_ADDR, IF, 4, 1)           /* 0 compatibility, 1 remappable */
    FIELD(MSI_ADDR, DEST, 12, 8)
    FIELD(MSI_ADDR, HEAD, 20, 12)       /* 0xFEE */
    FIELD(MSI_ADDR, DEST_HI, 40, 24)    /* x2APIC destination 31:8 */
REG32(MSI_DATA, 0)
    FIELD(MSI_DATA, VECTOR, 0, 8)
    FIELD(MSI_DATA, DLM, 8, 3)
    FIELD(MSI_DATA, LEVEL, 14, 1)
    FIELD(MSI_DATA, TM, 15, 1)
#define VTM_MSI_ADDR_HEAD       0xfee
#define VTM_MSI_FORMAT_REMAP    1

/*
 * 5.1.2.2 Remappable format: interrupt_index[15] in bit 2, [14:0] in bits
 * 19:5; with SHV the data's subhandle is added.  Data bits 31:16 are
 * reserved (fault 20h).
 */
REG64(MSI_RADDR, 0)
    FIELD(MSI_RADDR, INDEX_HI, 2, 1)
    FIELD(MSI_RADDR, SHV, 3, 1)
    FIELD(MSI_RADDR, INDEX_LO, 5, 15)
REG32(MSI_RDATA, 0)
    FIELD(MSI_RDATA, SUBHANDLE, 0, 16)
#define VTM_MSI_RDATA_RSVD      0xffff0000u

/* 11.4.10: IRTA.S gives 2^(S+1) entries. */
#define VTM_IRTA_ENTRIES(s)     (2u << (s))

/*
 * 9.10 Interrupt Remapping Table Entry (IRTE) for remapped interrupts
 * (IM=0) and 9.11 for posted interrupts (IM=1): 128 bits, two qwords.
 * The destination is bits 63:32 with EIME=1 (x2APIC) and bits 47:40 with
 * EIME=0 (xAPIC), the rest of 63:32 then being reserved.
 */
REG64(IRTE_LO, 0)
    FIELD(IRTE_LO, P, 0, 1)
    FIELD(IRTE_LO, FPD, 1, 1)
    FIELD(IRTE_LO, DM, 2, 1)
    FIELD(IRTE_LO, RH, 3, 1)
    FIELD(IRTE_LO, TM, 4, 1)
    FIELD(IRTE_LO, DLM, 5, 3)
    FIELD(IRTE_LO, AVAIL, 8, 4)
    FIELD(IRTE_LO, URG, 14, 1)          /* posted: urgent */
    FIELD(IRTE_LO, IM, 15, 1)           /* 1: posted format */
    FIELD(IRTE_LO, V, 16, 8)            /* vector; posted: virtual vector */
    FIELD(IRTE_LO, DST, 32, 32)
    FIELD(IRTE_LO, DST_XAPIC, 40, 8)
    FIELD(IRTE_LO, PDA_L, 38, 26)       /* posted: PID address 31:6 */
REG64(IRTE_HI, 8)
    FIELD(IRTE_HI, SID, 0, 16)
    FIELD(IRTE_HI, SQ, 16, 2)
    FIELD(IRTE_HI, SVT, 18, 2)
    FIELD(IRTE_HI, PDA_H, 32, 32)       /* posted: PID address 63:32 */
#define VTM_IRTE_SIZE           16
/* Remapped: 14:12, 31:24 and 127:84; with EIME=0 also 39:32 and 63:48 */
#define VTM_IRTE_LO_RSVD        0x00000000ff007000ULL
#define VTM_IRTE_LO_RSVD_XAPIC  0xffff00ff00000000ULL
#define VTM_IRTE_HI_RSVD        0xfffffffffff00000ULL
/* Posted: 7:2, 13:12, 37:24 and 95:84 */
#define VTM_IRTE_PI_LO_RSVD     0x0000003fff0030fcULL
#define VTM_IRTE_PI_HI_RSVD     0x00000000fff00000ULL

/* 9.10 SVT: source validation type */
#define VTM_SVT_NONE            0
#define VTM_SVT_SID             1       /* SID with the SQ mask */
#define VTM_SVT_BUS             2       /* SID 15:8 .. 7:0: bus range */
#define VTM_SVT_RESERVED        3

/* 9.10 DLM: delivery modes 011b and 110b are reserved */
#define VTM_DLM_RESERVED(dlm)   ((dlm) == 3 || (dlm) == 6)

/*
 * 9.12 Posted Interrupt Descriptor: 64 bytes, 64-byte aligned.  Bits
 * 255:0 are the posted interrupt requests (PIR, one bit per vector), the
 * control qword holds ON, SN, NV and NDST (with EIME=0 the APIC ID in
 * NDST 15:8), bits 511:320 are reserved.
 */
#define VTM_PID_SIZE            64
#define VTM_PID_ALIGN           64
#define VTM_PID_PIR_QWORDS      4
REG64(PID_CTL, 32)
    FIELD(PID_CTL, ON, 0, 1)
    FIELD(PID_CTL, SN, 1, 1)
    FIELD(PID_CTL, NV, 16, 8)
    FIELD(PID_CTL, NDST, 32, 32)
    FIELD(PID_CTL, NDST_XAPIC, 40, 8)
/* Control bits 271:258 and 287:280 */
#define VTM_PID_CTL_RSVD        0x00000000ff00fffcULL

/*
 * Fault reasons: Appendix A "Non-Recoverable Fault Reason Encodings".
 */
typedef enum VTMFaultReason {
    VTM_FR_NONE = 0,
    VTM_FR_ROOT_NOT_PRESENT = 0x1,      /* LRT.1 */
    VTM_FR_CTX_NOT_PRESENT = 0x2,       /* LCT.1 */
    VTM_FR_CTX_INVALID = 0x3,           /* LCT.4.x: AW/TT programming */
    VTM_FR_ADDR_BEYOND_AW = 0x4,        /* LGN.1 */
    VTM_FR_WRITE = 0x5,                 /* LGN.3 */
    VTM_FR_READ = 0x6,                  /* LGN.2 */
    VTM_FR_PTE_ACCESS = 0x7,            /* LSL.1 */
    VTM_FR_ROOT_ACCESS = 0x8,           /* LRT.2 */
    VTM_FR_CTX_ACCESS = 0x9,            /* LCT.2 */
    VTM_FR_ROOT_RSVD = 0xa,             /* LRT.3 */
    VTM_FR_CTX_RSVD = 0xb,              /* LCT.3 */
    VTM_FR_PTE_RSVD = 0xc,              /* LSL.2 */
    VTM_FR_TT_BLOCKED = 0xd,            /* LCT.5 */
    VTM_FR_INTR_ADDR = 0xe,             /* LGN.4 */
    /* Interrupt remapping: 5.1.4.1 "Interrupt Remapping Fault Conditions" */
    VTM_FR_IR_REQ_RSVD = 0x20,          /* reserved bit in the request */
    VTM_FR_IR_INDEX_OVER = 0x21,        /* index beyond IRTA.S (or HAW) */
    VTM_FR_IR_NOT_PRESENT = 0x22,       /* IRTE.P clear (qualified) */
    VTM_FR_IR_ROOT_ACCESS = 0x23,       /* IRTE fetch failed */
    VTM_FR_IR_RSVD = 0x24,              /* IRTE reserved bit (qualified) */
    VTM_FR_IR_COMPAT_BLOCKED = 0x25,    /* EIME set or CFIS clear */
    VTM_FR_IR_SID_INVALID = 0x26,       /* SVT/SQ/SID check (qualified) */
    VTM_FR_IR_PID_ACCESS = 0x27,        /* PID access failed (qualified) */
    VTM_FR_IR_PID_RSVD = 0x28,          /* PID reserved bit (qualified) */
    /*
     * Scalable mode: 7.1.3, the scalable-mode table of non-recoverable
     * fault conditions (Appendix A, 30h-90h).
     */
    VTM_FR_SM_RTADDR_INV = 0x30,        /* SRTA.1: invalid RTADDR */
    VTM_FR_SM_TTM0_PASID = 0x31,        /* SRTA.2: PASID with TTM 00b */
    VTM_FR_SM_TTM0_PGREQ = 0x32,        /* SRTA.3: page request, TTM 00b */
    VTM_FR_SM_ROOT_ACCESS = 0x38,       /* SRT.1 */
    VTM_FR_SM_ROOT_NOT_PRESENT = 0x39,  /* SRT.2: UP/LP clear */
    VTM_FR_SM_ROOT_RSVD = 0x3a,         /* SRT.3 */
    VTM_FR_SM_CTX_ACCESS = 0x40,        /* SCT.1 */
    VTM_FR_SM_CTX_NOT_PRESENT = 0x41,   /* SCT.2 */
    VTM_FR_SM_CTX_RSVD = 0x42,          /* SCT.3 */
    VTM_FR_SM_CTX_INVALID = 0x43,       /* SCT.4: invalid programming */
    VTM_FR_SM_CTX_DTE = 0x44,           /* SCT.5: ATS with DTE clear */
    VTM_FR_SM_CTX_PASIDE = 0x45,        /* SCT.6: PASID with PASIDE 0 */
    VTM_FR_SM_CTX_PASID_MAX = 0x46,     /* SCT.7: PASID beyond PDTS */
    VTM_FR_SM_CTX_PRE = 0x47,           /* SCT.8: page request, PRE 0 */
    VTM_FR_SM_CTX_RID_PASID = 0x48,     /* SCT.9: RID_PASID error */
    VTM_FR_SM_PDE_ACCESS = 0x50,        /* SPD.1 */
    VTM_FR_SM_PDE_NOT_PRESENT = 0x51,   /* SPD.2 */
    VTM_FR_SM_PDE_RSVD = 0x52,          /* SPD.3 */
    VTM_FR_SM_PTE_ACCESS = 0x58,        /* SPT.1 */
    VTM_FR_SM_PTE_NOT_PRESENT = 0x59,   /* SPT.2 */
    VTM_FR_SM_PTE_RSVD = 0x5a,          /* SPT.3 */
    VTM_FR_SM_PTE_INVALID = 0x5b,       /* SPT.4: PGTT/AW/FSPM invalid */
    VTM_FR_SM_PTE_ERE = 0x5c,           /* SPT.5: execute, ERE clear */
    VTM_FR_SM_PTE_SRE = 0x5d,           /* SPT.6: supervisor, SRE clear */
    VTM_FR_SM_FS_ACCESS = 0x70,         /* SFS.1 */
    VTM_FR_SM_FS_NOT_PRESENT = 0x71,    /* SFS.2 */
    VTM_FR_SM_FS_RSVD = 0x72,           /* SFS.3 */
    /*
     * Nested (3.8): the second-stage translation of a first-stage
     * table's guest-physical address failed.
     */
    VTM_FR_SM_NEST_TOP_ACCESS = 0x73,   /* SFS.4: top table unreadable */
    VTM_FR_SM_NEST_FS_AW = 0x74,        /* SFS.5: table GPA beyond AW */
    VTM_FR_SM_NEST_TOP_READ = 0x75,     /* SFS.6: top table, R=0 */
    VTM_FR_SM_NEST_FS_READ = 0x76,      /* SFS.7: lower table, R=0 */
    VTM_FR_SM_NEST_FS_WRITE = 0x77,     /* SFS.8: A/D update, W=0 */
    VTM_FR_SM_SS_ACCESS = 0x78,         /* SSS.1 */
    VTM_FR_SM_SS_PERM = 0x79,           /* SSS.2: R=W=0 (not present) */
    VTM_FR_SM_SS_RSVD = 0x7a,           /* SSS.3 */
    VTM_FR_SM_NON_CANONICAL = 0x80,     /* SGN.1: first-stage input */
    VTM_FR_SM_US = 0x81,                /* SGN.2: user, U/S 0 */
    VTM_FR_SM_EXEC = 0x82,              /* SGN.3: XD or SMEP */
    VTM_FR_SM_ADDR_BEYOND_AW = 0x83,    /* SGN.4: second-stage input */
    VTM_FR_SM_NEST_OUT_AW = 0x84,       /* SGN.5: nested output GPA */
    VTM_FR_SM_WRITE = 0x85,             /* SGN.6 */
    VTM_FR_SM_READ = 0x86,              /* SGN.7 */
    VTM_FR_SM_INTR_ADDR = 0x87,         /* SGN.8 */
} VTMFaultReason;

#endif
