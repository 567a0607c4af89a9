/*
 * vtm: one generic set-associative cache.
 *
 * Lines live in nsets * ways slots, set-major, so a lookup scans the ways
 * of one set and nothing else.  Line metadata (key, LRU stamp, generation)
 * is kept apart from the payloads so that the scan touches only keys; the
 * payloads sit in one block allocated at creation.
 *
 * A line is valid when its generation equals the cache's, which makes a
 * global flush one increment.  Generation 0 is never current: an
 * individually invalidated line gets 0.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-cache.h"

/* Payloads are the callers' structs: align each as malloc would. */
#define VTM_CACHE_PAYLOAD_ALIGN     __alignof__(max_align_t)

typedef struct VTMCacheLine {
    VTMCacheKey key;
    uint64_t stamp;             /* LRU: clock at the last use */
    uint32_t gen;               /* valid iff equal to VTMCache.gen */
} VTMCacheLine;

struct VTMCache {
    char *name;
    VTMCacheParams params;
    bool active;                /* enabled and has lines */
    uint32_t nsets;
    uint32_t ways;
    size_t stride;              /* bytes per payload, aligned */
    VTMCacheLine *lines;        /* nsets * ways */
    uint8_t *payload;           /* line i's payload at i * stride */
    uint32_t *rr_next;          /* VTM_CACHE_RR: next victim per set */
    uint64_t rng;               /* VTM_CACHE_RANDOM: splitmix64 state */
    uint64_t clock;             /* advanced on every use of a line */
    uint32_t gen;               /* current generation, never 0 */
    uint32_t nvalid;            /* valid lines, for flush statistics */
    /*
     * The line of the last hit: a requester repeats its key (the context
     * cache's sid on every DMA, the IOTLB's page on sequential DMAs), and
     * checking that line first skips the hash and the way scan.  Only a
     * hint: it counts only while the line still holds the key and is
     * valid, and a key has one line, so lookups find what they did.
     */
    uint32_t memo;
    VTMCacheStats stats;
};

const char *vtm_cache_params_error(const VTMCacheParams *p)
{
    switch (p->policy) {
    case VTM_CACHE_LRU:
    case VTM_CACHE_RR:
    case VTM_CACHE_RANDOM:
        break;
    default:
        return "unknown replacement policy (lru, round-robin or random)";
    }
    if (p->ways == 0) {
        return "ways must be at least 1";
    }
    if (p->entries > VTM_CACHE_MAX_ENTRIES) {
        return "entries must be at most 1048576";
    }
    if (p->entries && p->ways > p->entries) {
        return "ways must not exceed entries";
    }
    if (p->entries % p->ways) {
        return "entries must be a multiple of ways";
    }
    return NULL;
}

/*
 * The splitmix64 finaliser: each input bit affects every output bit, so
 * keys that differ only in high bits (page numbers with a large stride)
 * still land in different sets.
 */
static inline uint64_t vtm_cache_mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z;
}

/*
 * Scale the top 32 bits of a well mixed value to [0, n) with a multiply
 * instead of a division; n need not be a power of two.
 */
static inline uint32_t vtm_cache_reduce(uint64_t h, uint32_t n)
{
    return ((h >> 32) * n) >> 32;
}

static inline uint32_t vtm_cache_set_of(const VTMCache *c,
                                        const VTMCacheKey *key)
{
    /* The odd multiplier keeps tag2 (a domain id, say) from cancelling tag */
    uint64_t h = key->tag ^ (key->tag2 * 0x9e3779b97f4a7c15ULL);

    return vtm_cache_reduce(vtm_cache_mix64(h), c->nsets);
}

static inline bool vtm_cache_valid(const VTMCache *c, const VTMCacheLine *l)
{
    return l->gen == c->gen;
}

static inline void *vtm_cache_payload(VTMCache *c, const VTMCacheLine *l)
{
    return c->payload + (size_t)(l - c->lines) * c->stride;
}

/* The valid line holding key in the set starting at base, or NULL. */
static inline VTMCacheLine *vtm_cache_find(VTMCache *c, VTMCacheLine *base,
                                           const VTMCacheKey *key)
{
    uint32_t w;

    for (w = 0; w < c->ways; w++) {
        VTMCacheLine *l = &base[w];

        if (l->key.tag == key->tag && l->key.tag2 == key->tag2 &&
            vtm_cache_valid(c, l)) {
            return l;
        }
    }
    return NULL;
}

uint32_t vtm_cache_set_index(const VTMCache *c, const VTMCacheKey *key)
{
    return c->nsets ? vtm_cache_set_of(c, key) : 0;
}

VTMCache *vtm_cache_new(const char *name, const VTMCacheParams *p,
                        size_t payload_size)
{
    VTMCache *c = g_new0(VTMCache, 1);
    size_t align = VTM_CACHE_PAYLOAD_ALIGN;

    /* Parameters come from the user: the caller reports them at realize */
    g_assert(vtm_cache_params_error(p) == NULL);

    c->name = g_strdup(name);
    c->params = *p;
    c->gen = 1;
    c->rng = p->seed;
    if (!p->enable || !p->entries) {
        return c;
    }
    c->active = true;
    c->ways = p->ways;
    c->nsets = p->entries / p->ways;
    c->stride = (MAX(payload_size, 1) + align - 1) & ~(align - 1);
    c->lines = g_new0(VTMCacheLine, p->entries);
    c->payload = g_malloc0(p->entries * c->stride);
    if (p->policy == VTM_CACHE_RR) {
        c->rr_next = g_new0(uint32_t, c->nsets);
    }
    return c;
}

void vtm_cache_free(VTMCache *c)
{
    if (!c) {
        return;
    }
    g_free(c->rr_next);
    g_free(c->payload);
    g_free(c->lines);
    g_free(c->name);
    g_free(c);
}

const char *vtm_cache_name(const VTMCache *c)
{
    return c->name;
}

const VTMCacheParams *vtm_cache_params(const VTMCache *c)
{
    return &c->params;
}

void *vtm_cache_lookup(VTMCache *c, const VTMCacheKey *key)
{
    VTMCacheLine *l = NULL;

    c->stats.lookups++;
    if (c->active) {
        l = &c->lines[c->memo];
        if (l->key.tag != key->tag || l->key.tag2 != key->tag2 ||
            !vtm_cache_valid(c, l)) {
            l = vtm_cache_find(c,
                               &c->lines[vtm_cache_set_of(c, key) * c->ways],
                               key);
            if (l) {
                c->memo = l - c->lines;
            }
        }
    }
    if (!l) {
        c->stats.misses++;
        return NULL;
    }
    c->stats.hits++;
    l->stamp = ++c->clock;
    return vtm_cache_payload(c, l);
}

/* splitmix64: tiny, any seed (0 included) is fine, and reproducible. */
static uint32_t vtm_cache_random_way(VTMCache *c)
{
    c->rng += 0x9e3779b97f4a7c15ULL;
    return vtm_cache_reduce(vtm_cache_mix64(c->rng), c->ways);
}

/* The line of a set to give to a new key: a free one, else the policy's. */
static VTMCacheLine *vtm_cache_victim(VTMCache *c, uint32_t set,
                                      VTMCacheLine *base)
{
    VTMCacheLine *lru = base;
    uint32_t w;

    for (w = 0; w < c->ways; w++) {
        if (!vtm_cache_valid(c, &base[w])) {
            return &base[w];
        }
        if (base[w].stamp < lru->stamp) {
            lru = &base[w];
        }
    }

    switch (c->params.policy) {
    case VTM_CACHE_RR:
        w = c->rr_next[set];
        c->rr_next[set] = w + 1 == c->ways ? 0 : w + 1;
        return &base[w];
    case VTM_CACHE_RANDOM:
        return &base[vtm_cache_random_way(c)];
    case VTM_CACHE_LRU:
    default:
        return lru;
    }
}

void *vtm_cache_insert(VTMCache *c, const VTMCacheKey *key)
{
    uint32_t set;
    VTMCacheLine *base, *l;

    if (!c->active) {
        return NULL;
    }
    set = vtm_cache_set_of(c, key);
    base = &c->lines[set * c->ways];
    l = vtm_cache_find(c, base, key);
    if (!l) {
        l = vtm_cache_victim(c, set, base);
        if (vtm_cache_valid(c, l)) {
            c->stats.evictions++;
        } else {
            c->nvalid++;
        }
        l->key = *key;
        l->gen = c->gen;
        /* The previous owner's payload must not leak into the new key */
        memset(vtm_cache_payload(c, l), 0, c->stride);
    }
    l->stamp = ++c->clock;
    c->stats.inserts++;
    return vtm_cache_payload(c, l);
}

static void vtm_cache_drop(VTMCache *c, VTMCacheLine *l)
{
    l->gen = 0;
    c->nvalid--;
    c->stats.invalidations++;
}

bool vtm_cache_invalidate_key(VTMCache *c, const VTMCacheKey *key)
{
    VTMCacheLine *l;

    if (!c->active || !c->nvalid) {
        return false;
    }
    l = vtm_cache_find(c, &c->lines[vtm_cache_set_of(c, key) * c->ways],
                       key);
    if (!l) {
        return false;
    }
    vtm_cache_drop(c, l);
    return true;
}

unsigned vtm_cache_invalidate_if(VTMCache *c, VTMCachePred pred,
                                 void *opaque)
{
    size_t i, n = (size_t)c->nsets * c->ways;
    unsigned dropped = 0;

    if (!c->nvalid) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        VTMCacheLine *l = &c->lines[i];

        if (vtm_cache_valid(c, l) &&
            pred(&l->key, vtm_cache_payload(c, l), opaque)) {
            vtm_cache_drop(c, l);
            dropped++;
        }
    }
    return dropped;
}

void vtm_cache_flush(VTMCache *c)
{
    size_t i, n = (size_t)c->nsets * c->ways;

    c->stats.flushes++;
    c->stats.invalidations += c->nvalid;
    c->nvalid = 0;
    if (++c->gen != 0) {
        return;
    }
    /*
     * The generation wrapped: lines stamped 2^32 flushes ago would look
     * valid again.  Clearing them costs one sweep per 2^32 flushes.
     */
    for (i = 0; i < n; i++) {
        c->lines[i].gen = 0;
    }
    c->gen = 1;
}

unsigned vtm_cache_count_valid(const VTMCache *c)
{
    size_t i, n = (size_t)c->nsets * c->ways;
    unsigned valid = 0;

    for (i = 0; i < n; i++) {
        valid += vtm_cache_valid(c, &c->lines[i]);
    }
    return valid;
}

unsigned vtm_cache_nvalid(const VTMCache *c)
{
    return c->nvalid;
}

const VTMCacheStats *vtm_cache_stats(const VTMCache *c)
{
    return &c->stats;
}

void vtm_cache_reset_stats(VTMCache *c)
{
    memset(&c->stats, 0, sizeof(c->stats));
}
