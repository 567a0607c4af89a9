/*
 * vtm: one generic set-associative cache.
 *
 * The IOTLB, context cache, paging-structure caches (and later the PASID
 * and interrupt entry caches) are instances of it.  A cache holds at most
 * `entries` lines whatever the guest does: a full set evicts one victim
 * chosen by the policy, never the whole cache.  Global invalidation is O(1)
 * by generation; selective invalidation is by exact key or by predicate.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTM_CACHE_H
#define HW_I386_VTM_CACHE_H

typedef enum VTMCachePolicy {
    VTM_CACHE_LRU,
    VTM_CACHE_RR,           /* round-robin per set */
    VTM_CACHE_RANDOM,       /* seeded, reproducible */
} VTMCachePolicy;

/* Largest cache accepted: bounds memory and the fully associative scan. */
#define VTM_CACHE_MAX_ENTRIES   (1u << 20)

/* One uniform parameter set per cache (docs/vtm.rst, "Parameters"). */
typedef struct VTMCacheParams {
    uint32_t entries;       /* total lines */
    uint32_t ways;          /* lines per set; entries must be a multiple */
    VTMCachePolicy policy;
    uint64_t seed;          /* for VTM_CACHE_RANDOM */
    bool enable;            /* disabled: every lookup misses */
    uint32_t latency;       /* lookup latency in IOMMU cycles */
} VTMCacheParams;

typedef struct VTMCacheKey {
    uint64_t tag;
    uint64_t tag2;
} VTMCacheKey;

/*
 * lookups = hits + misses, counted even when the cache is disabled (every
 * lookup then misses).  inserts counts each insert that returned a line,
 * including one that reused the line already holding its key; evictions
 * counts valid lines displaced to make room for another key.
 * invalidations counts valid lines dropped by invalidate_key,
 * invalidate_if and flush; flushes counts flush calls.
 */
typedef struct VTMCacheStats {
    uint64_t lookups;
    uint64_t hits;
    uint64_t misses;
    uint64_t inserts;
    uint64_t evictions;
    uint64_t invalidations;     /* lines dropped by invalidation */
    uint64_t flushes;
} VTMCacheStats;

typedef struct VTMCache VTMCache;

/* Return true to drop the line. */
typedef bool (*VTMCachePred)(const VTMCacheKey *key, const void *payload,
                             void *opaque);

/*
 * Returns NULL when the parameters are usable, else a message saying what
 * is wrong (entries not a multiple of ways, zero ways, ...).
 */
const char *vtm_cache_params_error(const VTMCacheParams *p);

/*
 * p must pass vtm_cache_params_error().  Each line carries payload_size
 * bytes, zeroed when the line is given to a new key.
 */
VTMCache *vtm_cache_new(const char *name, const VTMCacheParams *p,
                        size_t payload_size);
void vtm_cache_free(VTMCache *c);
const char *vtm_cache_name(const VTMCache *c);
const VTMCacheParams *vtm_cache_params(const VTMCache *c);

/* The payload of the line holding key, or NULL on a miss. */
void *vtm_cache_lookup(VTMCache *c, const VTMCacheKey *key);

/*
 * A line for key, evicting a victim if its set is full; its payload is
 * for the caller to fill.  NULL when the cache is disabled.
 */
void *vtm_cache_insert(VTMCache *c, const VTMCacheKey *key);

/* Drop the line holding key, if any; true if one was dropped. */
bool vtm_cache_invalidate_key(VTMCache *c, const VTMCacheKey *key);

/* Drop every line pred selects; returns how many. */
unsigned vtm_cache_invalidate_if(VTMCache *c, VTMCachePred pred,
                                 void *opaque);

/* Drop every line in O(1). */
void vtm_cache_flush(VTMCache *c);

/* Lines currently valid (walks the cache: for tests and stats). */
unsigned vtm_cache_count_valid(const VTMCache *c);

/*
 * Lines currently valid, kept as lines come and go: O(1), so callers can
 * skip probing a cache that holds nothing.
 */
unsigned vtm_cache_nvalid(const VTMCache *c);

/*
 * The set key maps to, in [0, entries / ways); 0 for a cache without
 * lines.  Lets tests build set conflicts without knowing the hash.
 */
uint32_t vtm_cache_set_index(const VTMCache *c, const VTMCacheKey *key);

const VTMCacheStats *vtm_cache_stats(const VTMCache *c);
void vtm_cache_reset_stats(VTMCache *c);

#endif
