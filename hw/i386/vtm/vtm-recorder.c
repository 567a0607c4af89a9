/*
 * vtm: the record=PATH writer (pure core: GLib threads, so that unit tests
 * can drive it).
 *
 * A single-producer ring: producers are serialised by the device lock,
 * the one consumer is the writer thread.  The ring's indices are guarded
 * by r->lock, held only to move them, so a put costs one uncontended
 * lock and one copy.  The writer formats the slots between tail and head
 * without the lock: the producer never writes them until tail moves.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <fcntl.h>
#include <unistd.h>
#include "qemu/units.h"
#include "vtm-recorder.h"

/* Bytes formatted before one write(2). */
#define VTM_RECORDER_CHUNK      (64 * KiB)

struct VTMRecorder {
    GMutex lock;
    GCond more;                 /* the writer waits for records */
    GCond written_cond;         /* vtm_recorder_sync() waits for the file */
    VTMRecord *ring;
    uint32_t mask;
    uint64_t head;              /* records put */
    uint64_t tail;              /* records the writer is done with */
    uint64_t written;
    uint64_t dropped;
    bool stop;
    bool paused;                /* tests: the writer takes nothing */
    bool failed;
    int write_errno;
    int fd;
    GThread *thread;
};

/* Writes all of buf; false (errno set) on failure. */
static bool vtm_write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len) {
        n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (!n) {
                errno = ENOSPC;
            }
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

/*
 * Writes buf; after the first failure nothing more is written (only the
 * writer thread sets failed, so it reads it without the lock).
 */
static void vtm_recorder_write(VTMRecorder *r, const char *buf, size_t len)
{
    if (!len || r->failed) {
        return;
    }
    if (!vtm_write_all(r->fd, buf, len)) {
        g_mutex_lock(&r->lock);
        r->write_errno = errno;
        r->failed = true;
        g_mutex_unlock(&r->lock);
    }
}

/* Formats and writes the records [from, to) of the ring. */
static void vtm_recorder_drain(VTMRecorder *r, uint64_t from, uint64_t to,
                               char *buf)
{
    size_t used = 0;
    uint64_t i;

    for (i = from; i < to; i++) {
        if (used + VTM_RECORD_LINE_MAX > VTM_RECORDER_CHUNK) {
            vtm_recorder_write(r, buf, used);
            used = 0;
        }
        used += vtm_record_format(buf + used, &r->ring[i & r->mask]);
    }
    vtm_recorder_write(r, buf, used);
}

static void *vtm_recorder_thread(void *opaque)
{
    VTMRecorder *r = opaque;
    g_autofree char *buf = g_malloc(VTM_RECORDER_CHUNK);
    uint64_t from, to;

    g_mutex_lock(&r->lock);
    for (;;) {
        while ((r->head == r->tail || r->paused) && !r->stop) {
            g_cond_wait(&r->more, &r->lock);
        }
        if (r->head == r->tail) {
            break;
        }
        from = r->tail;
        to = r->head;
        g_mutex_unlock(&r->lock);

        vtm_recorder_drain(r, from, to, buf);

        g_mutex_lock(&r->lock);
        r->tail = to;
        if (!r->failed) {
            r->written += to - from;
        }
        g_cond_broadcast(&r->written_cond);
    }
    g_mutex_unlock(&r->lock);
    return NULL;
}

VTMRecorder *vtm_recorder_open(const char *path, uint32_t clock_mhz,
                               uint32_t ring_records, char **err)
{
    g_autofree char *header = vtm_record_header(clock_mhz);
    VTMRecorder *r;
    int fd;

    if (!ring_records || (ring_records & (ring_records - 1))) {
        *err = g_strdup_printf("a ring of %u records is not a power of two",
                               ring_records);
        return NULL;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !vtm_write_all(fd, header, strlen(header))) {
        *err = g_strdup_printf("cannot write '%s': %s", path,
                               g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    r = g_new0(VTMRecorder, 1);
    r->fd = fd;
    r->ring = g_new(VTMRecord, ring_records);
    r->mask = ring_records - 1;
    g_mutex_init(&r->lock);
    g_cond_init(&r->more);
    g_cond_init(&r->written_cond);
    r->thread = g_thread_new("vtm-record", vtm_recorder_thread, r);
    return r;
}

void vtm_recorder_put(VTMRecorder *r, const VTMRecord *rec)
{
    g_mutex_lock(&r->lock);
    if (r->head - r->tail > r->mask) {
        r->dropped++;
    } else {
        r->ring[r->head & r->mask] = *rec;
        if (r->head++ == r->tail) {
            g_cond_signal(&r->more);
        }
    }
    g_mutex_unlock(&r->lock);
}

void vtm_recorder_sync(VTMRecorder *r)
{
    uint64_t target;

    g_mutex_lock(&r->lock);
    target = r->head;
    while (r->tail < target && !r->paused) {
        g_cond_wait(&r->written_cond, &r->lock);
    }
    g_mutex_unlock(&r->lock);
}

void vtm_recorder_pause(VTMRecorder *r, bool paused)
{
    g_mutex_lock(&r->lock);
    r->paused = paused;
    g_cond_signal(&r->more);
    g_cond_broadcast(&r->written_cond);
    g_mutex_unlock(&r->lock);
}

void vtm_recorder_stats(VTMRecorder *r, VTMRecorderStats *st)
{
    g_mutex_lock(&r->lock);
    st->put = r->head;
    st->written = r->written;
    st->dropped = r->dropped;
    st->failed = r->failed;
    st->write_errno = r->write_errno;
    g_mutex_unlock(&r->lock);
}

void vtm_recorder_close(VTMRecorder *r)
{
    g_mutex_lock(&r->lock);
    r->stop = true;
    r->paused = false;
    g_cond_signal(&r->more);
    g_mutex_unlock(&r->lock);
    g_thread_join(r->thread);
    close(r->fd);
    g_cond_clear(&r->written_cond);
    g_cond_clear(&r->more);
    g_mutex_clear(&r->lock);
    g_free(r->ring);
    g_free(r);
}
