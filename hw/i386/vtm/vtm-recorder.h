/*
 * vtm: the record=PATH writer (pure core, GLib threads).
 *
 * Translations and invalidations are put, as binary records, into a
 * bounded ring under the device lock; a writer thread formats and writes
 * them.  Nothing on the translation path touches the file: when the ring
 * is full the record is dropped and counted, and DMA goes on.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_RECORDER_H
#define HW_I386_VTM_RECORDER_H

#include "vtm-record.h"

typedef struct VTMRecorder VTMRecorder;

/* Records the ring holds before it drops (a guest boot needs ~10^5). */
#define VTM_RECORDER_RING       (1u << 17)

/*
 * Creates PATH (truncated), writes the header and starts the writer.
 * ring_records must be a power of two.  On failure returns NULL and a
 * message in *err (free it).
 */
VTMRecorder *vtm_recorder_open(const char *path, uint32_t clock_mhz,
                               uint32_t ring_records, char **err);

/* Queues one record; never blocks on the file, never waits for space. */
void vtm_recorder_put(VTMRecorder *r, const VTMRecord *rec);

/*
 * Waits until every record put so far is in the file (or the writer has
 * failed, or is paused).  Call it without the device lock held.
 */
void vtm_recorder_sync(VTMRecorder *r);

/* Tests: a paused writer takes nothing from the ring, so it fills up. */
void vtm_recorder_pause(VTMRecorder *r, bool paused);

/* Stops the writer after it has written everything, and closes the file. */
void vtm_recorder_close(VTMRecorder *r);

typedef struct VTMRecorderStats {
    uint64_t put;               /* records taken into the ring */
    uint64_t written;           /* records in the file */
    uint64_t dropped;           /* records lost because the ring was full */
    bool failed;                /* a write failed: recording stopped */
    int write_errno;            /* why, when failed */
} VTMRecorderStats;

void vtm_recorder_stats(VTMRecorder *r, VTMRecorderStats *st);

#endif
