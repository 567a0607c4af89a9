/*
 * Stand-in for QEMU's qemu/osdep.h in the standalone build of vtm's pure
 * core (unit tests, vtm-replay).  It provides the C library, GLib and the
 * few QEMU header-only helpers the core may use (bit operations, byte
 * order, hw/registerfields.h), without QEMU's generated config headers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef VTM_COMPAT_OSDEP_H
#define VTM_COMPAT_OSDEP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <limits.h>
#include <errno.h>
#include <assert.h>
#include <glib.h>


#include "qemu/compiler.h"
#include "qemu/bitops.h"
#include "qemu/bswap.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#endif
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#endif
