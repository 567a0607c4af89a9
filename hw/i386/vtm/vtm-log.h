/*
 * vtm: guest errors, rate-limited.
 *
 * A guest can repeat most of its mistakes as fast as it can write a
 * register or post a descriptor.  vtm_guest_error() is
 * qemu_log_mask(LOG_GUEST_ERROR, ...) that prints at most
 * VTM_LOG_BURST messages per call site in each second, then, with the
 * next message printed, how many of that site were left out.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_LOG_H
#define HW_I386_VTM_LOG_H

#include "qemu/log.h"

#define VTM_LOG_BURST       10          /* messages per site and second */

typedef struct VTMLogLimit {
    int64_t window_ms;                  /* start of the current second */
    unsigned printed;                   /* in this second */
    uint64_t suppressed;                /* since the last one printed */
} VTMLogLimit;

/*
 * Whether the site of l may print now; when it may and messages were
 * left out before, says how many first.
 */
bool vtm_log_allow(VTMLogLimit *l);

#define vtm_guest_error(...) do {                                      \
        static VTMLogLimit vtm_log_limit_;                              \
                                                                        \
        if (qemu_loglevel_mask(LOG_GUEST_ERROR) &&                      \
            vtm_log_allow(&vtm_log_limit_)) {                           \
            qemu_log(__VA_ARGS__);                                      \
        }                                                               \
    } while (0)

#endif
