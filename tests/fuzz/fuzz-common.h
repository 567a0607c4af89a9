/*
 * vtm fuzzing: shared helpers of the libFuzzer harnesses over the pure
 * core (tests/fuzz/README.md).
 *
 * The fuzz input is both the guest memory and the stream of operations:
 * memory address a reads byte a % len of a private copy of the input
 * (so every table pointer lands in fuzzed data), below FUZZ_MEM_LIMIT;
 * an access at or above it is a bus error, so the access-fault paths are
 * reached too.  The operation stream is read from the front of the same
 * input by FuzzIn; once it is used up every value reads as zero.
 *
 * A broken invariant is reported with fuzz_fail(), which aborts: libFuzzer
 * then keeps the input under tests/fuzz/crashes/.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef VTM_FUZZ_COMMON_H
#define VTM_FUZZ_COMMON_H

#include "qemu/osdep.h"
#include "vtm-types.h"

#define FUZZ_MEM_LIMIT  (1ULL << 40)

typedef struct FuzzMem {
    uint8_t *buf;
    size_t len;
    uint64_t writes;            /* successful writes (memory changed) */
    VTMMemOps ops;
} FuzzMem;

typedef struct FuzzIn {
    const uint8_t *data;
    size_t len, pos;
} FuzzIn;

/*
 * The memory model is not under test: left out of coverage (its branches
 * would only be noise in libFuzzer's feedback), and a read is one copy
 * per lap around the input, not a loop over bytes, since table walks are
 * most of what the harnesses execute.
 */
#define FUZZ_NOT_COVERED __attribute__((no_sanitize("coverage")))

FUZZ_NOT_COVERED
static inline bool fuzz_mem_ok(FuzzMem *m, uint64_t addr, size_t len)
{
    return m->len && addr < FUZZ_MEM_LIMIT && len <= FUZZ_MEM_LIMIT - addr;
}

FUZZ_NOT_COVERED
static bool fuzz_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    FuzzMem *m = opaque;
    uint8_t *out = buf;
    size_t at, n;

    if (!fuzz_mem_ok(m, addr, len)) {
        return false;
    }
    for (at = addr % m->len; len; at = 0, out += n, len -= n) {
        n = MIN(len, m->len - at);
        memcpy(out, m->buf + at, n);
    }
    return true;
}

FUZZ_NOT_COVERED
static bool fuzz_mem_write(void *opaque, uint64_t addr, const void *buf,
                           size_t len)
{
    FuzzMem *m = opaque;
    const uint8_t *in = buf;
    size_t i;

    if (!fuzz_mem_ok(m, addr, len)) {
        return false;
    }
    for (i = 0; i < len; i++) {
        m->buf[(addr + i) % m->len] = in[i];
    }
    m->writes++;
    return true;
}

/* A private, writable copy of the input as guest memory. */
static inline void fuzz_mem_init(FuzzMem *m, const uint8_t *data, size_t len)
{
    m->buf = g_memdup2(data, len);
    m->len = len;
    m->writes = 0;
    m->ops = (VTMMemOps) {
        .read = fuzz_mem_read, .write = fuzz_mem_write, .opaque = m,
    };
}

static inline void fuzz_mem_destroy(FuzzMem *m)
{
    g_free(m->buf);
    m->buf = NULL;
}

static inline bool fuzz_more(const FuzzIn *in)
{
    return in->pos < in->len;
}

static inline uint64_t fuzz_bytes(FuzzIn *in, unsigned n)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        uint8_t b = in->pos < in->len ? in->data[in->pos++] : 0;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static inline uint8_t fuzz_u8(FuzzIn *in)
{
    return fuzz_bytes(in, 1);
}

static inline uint16_t fuzz_u16(FuzzIn *in)
{
    return fuzz_bytes(in, 2);
}

static inline uint32_t fuzz_u32(FuzzIn *in)
{
    return fuzz_bytes(in, 4);
}

static inline uint64_t fuzz_u64(FuzzIn *in)
{
    return fuzz_bytes(in, 8);
}

/*
 * An address for a request: mostly small (inside the fuzzed memory and
 * page tables' reach), sometimes any 64-bit value.
 */
static inline uint64_t fuzz_addr(FuzzIn *in)
{
    uint8_t sel = fuzz_u8(in);
    uint64_t a = fuzz_u64(in);

    switch (sel & 3) {
    case 0:
        return a & MAKE_64BIT_MASK(0, 21);
    case 1:
        return a & MAKE_64BIT_MASK(0, 39);
    case 2:
        return a & MAKE_64BIT_MASK(0, 48);
    default:
        return a;
    }
}

#define fuzz_fail(...) do {                                     \
        fprintf(stderr, "fuzz invariant broken: " __VA_ARGS__); \
        fprintf(stderr, " (%s:%d)\n", __FILE__, __LINE__);      \
        abort();                                                \
    } while (0)

#define fuzz_check(cond, ...) do {              \
        if (!(cond)) {                          \
            fuzz_fail(__VA_ARGS__);             \
        }                                       \
    } while (0)

/* libFuzzer's entry point, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
