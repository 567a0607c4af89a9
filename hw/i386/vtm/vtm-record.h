/*
 * vtm: the translation stream record format.
 *
 * A record file is text, one event per line, written by the device
 * (property record=PATH) and read by vtm-replay.  Lines starting with '#'
 * are comments; the first line is "# vtm-record VERSION clock-mhz=MHZ".
 * Version 2 added scalable mode: the PASID column and four trailing
 * columns; version 3 (written now) adds a fifth, DT, on the lines of
 * requests from ATS endpoints.  Version 1 and 2 files (17- and 21-column
 * translations) stay readable, a line's column count saying which it
 * is.  Fields are separated by one space:
 *
 *   t TIME SID PASID IOVA SIZE RW DID LEVELS LEAF CTX IOTLB PSC CREADS
 *     PREADS FAULT LATENCY [STAGE PC XREADS ADW [DT]]
 *
 *     TIME     arrival in IOMMU cycles (decimal)
 *     SID      requester as bus:dev.fn in hex (00:04.0)
 *     PASID    the request's PASID in hex, '-' for a request without
 *     IOVA     input address, 0x-prefixed hex
 *     SIZE     access size in bytes, 0 when unknown (QEMU's translate
 *              hook is not told the access size)
 *     RW       r or w
 *     DID      domain id (decimal), '-' when no context entry was read
 *     LEVELS   second-stage levels (3, 4, 5), 0 for none
 *     LEAF     4k, 2m, 1g (page size of the translation), pt (pass-through)
 *              or '-' (faulted)
 *     CTX      context cache: h (hit), m (miss), '-' (not looked up)
 *     IOTLB    h, m or '-'
 *     PSC      level of the paging-structure-cache entry the walk started
 *              from (2..5), 0 for a walk from the root, '-' for no walk
 *     CREADS   root and context entry reads
 *     PREADS   page-table reads
 *     FAULT    fault reason in hex, 0 for none
 *     LATENCY  modelled IOMMU cycles (0 with timing=off)
 *   version 2 only:
 *     STAGE    tables used: s1 (first stage), s2 (second stage, legacy
 *              mode too), nest, pt or '-' (none reached)
 *     PC       PASID cache: h, m or '-' (legacy mode)
 *     XREADS   PASID directory and table entry reads
 *     ADW      first-stage locked A/D updates
 *   version 3 only:
 *     DT       the requester's device-TLB: h (hit: the unit saw nothing,
 *              so its cache and read columns are '-' and 0) or m (a
 *              translation request); other requests' lines stop at ADW
 *
 *   i TIME cc GRAN DID SID FM          context-cache invalidation
 *   i TIME iotlb GRAN DID ADDR AM IH   IOTLB invalidation
 *   i TIME pc GRAN DID PASID           PASID-cache invalidation
 *   i TIME piotlb GRAN DID PASID ADDR AM IH   PASID-based IOTLB
 *   i TIME devtlb | iec | wait | pdevtlb    other requests (counted, timed)
 *
 *     GRAN 1 global, 2 domain, 3 device (cc) or page (iotlb); for pc and
 *     piotlb the descriptor's G (6.5.2.2, 6.5.2.4); ADDR, PASID hex.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_RECORD_H
#define HW_I386_VTM_RECORD_H

#include "vtm-types.h"
#include "vtm-qi.h"

#define VTM_RECORD_MAGIC_PREFIX "# vtm-record "
#define VTM_RECORD_VERSION      3       /* written; 1, 2 and 3 are read */
#define VTM_RECORD_LINE_MAX     256

typedef enum VTMRecordKind {
    VTM_REC_NONE,               /* a comment or blank line */
    VTM_REC_XLATE,
    VTM_REC_INV,
} VTMRecordKind;

typedef struct VTMRecord {
    VTMRecordKind kind;
    uint64_t time;
    /* VTM_REC_XLATE */
    uint16_t sid;
    uint64_t iova;
    uint32_t size;
    bool is_write;
    bool has_did;
    uint16_t did;
    bool passthrough;
    bool has_pasid;             /* version 2: the request's PASID */
    uint32_t pasid;
    VTMOutcome how;             /* how.stage: version 2, or derived */
    uint8_t fault;              /* VTMFaultReason */
    uint64_t latency;
    /* VTM_REC_INV */
    VTMInvOp inv;
} VTMRecord;

/* A translation record from a request and its result. */
void vtm_record_xlate(VTMRecord *rec, const VTMRequest *req,
                      const VTMResult *res);

/* An invalidation record. */
void vtm_record_inv(VTMRecord *rec, uint64_t time, const VTMInvOp *op);

/*
 * Writes rec as one line, '\n' included, into buf (at least
 * VTM_RECORD_LINE_MAX bytes); returns its length.
 */
size_t vtm_record_format(char *buf, const VTMRecord *rec);

/* The header line, '\n' included (free it). */
char *vtm_record_header(uint32_t clock_mhz);

/*
 * Parses one line (without or with its '\n').  Returns NULL and fills rec
 * (kind VTM_REC_NONE for a comment or blank line), or a message saying
 * what is wrong (free it).
 */
char *vtm_record_parse(const char *line, VTMRecord *rec);

/* The clock of a header line, 0 if line is no header. */
uint32_t vtm_record_parse_header(const char *line);

/* The format version of a header line, 0 if line is no header. */
unsigned vtm_record_parse_version(const char *line);

#endif
