/*
 * vtm: the translation stream record format.
 *
 * A record file is text, one event per line, written by the device
 * (property record=PATH) and read by vtm-replay.  Lines starting with '#'
 * are comments; the first line is VTM_RECORD_MAGIC followed by the clock
 * in MHz.  Fields are separated by one space:
 *
 *   t TIME SID PASID IOVA SIZE RW DID LEVELS LEAF CTX IOTLB PSC CREADS
 *     PREADS FAULT LATENCY
 *
 *     TIME     arrival in IOMMU cycles (decimal)
 *     SID      requester as bus:dev.fn in hex (00:04.0)
 *     PASID    '-' (no PASID: scalable mode is not modelled)
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
 *
 *   i TIME cc GRAN DID SID FM          context-cache invalidation
 *   i TIME iotlb GRAN DID ADDR AM IH   IOTLB invalidation
 *   i TIME devtlb | iec | wait         other requests (counted and timed)
 *
 *     GRAN 1 global, 2 domain, 3 device (cc) or page (iotlb); ADDR hex.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_RECORD_H
#define HW_I386_VTM_RECORD_H

#include "vtm-types.h"
#include "vtm-qi.h"

#define VTM_RECORD_MAGIC        "# vtm-record 1 clock-mhz="
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
    VTMOutcome how;
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

#endif
