/*
 * vtm: guest errors, rate-limited (see vtm-log.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "vtm-log.h"

/*
 * Sites are reached from vCPU threads and the main loop, under BQL or a
 * unit's lock, but not always the same one: one lock for all of them
 * keeps the counts right.  Only a guest error that is logged takes it.
 */
static QemuMutex vtm_log_lock;

static void __attribute__((constructor)) vtm_log_init(void)
{
    qemu_mutex_init(&vtm_log_lock);
}

bool vtm_log_allow(VTMLogLimit *l)
{
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
    uint64_t left_out = 0;
    bool allow;

    qemu_mutex_lock(&vtm_log_lock);
    if (now - l->window_ms >= 1000 || now < l->window_ms) {
        l->window_ms = now;
        l->printed = 0;
    }
    allow = l->printed < VTM_LOG_BURST;
    if (allow) {
        l->printed++;
        left_out = l->suppressed;
        l->suppressed = 0;
    } else {
        l->suppressed++;
    }
    qemu_mutex_unlock(&vtm_log_lock);
    if (left_out) {
        qemu_log("vtm: %" PRIu64 " similar guest errors not logged "
                 "(rate limit)\n", left_out);
    }
    return allow;
}
